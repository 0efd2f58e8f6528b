"""Issue 34: the audit log in the store. Who added, replaced, removed, viewed, reported,
exported or read into network benchmarks which wave, and when (``assess history events``); a
store of schema 2 is migrated, its earlier events kept with no actor. SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from assessments import score
from assessments.cli.main import cli
from assessments.demo import demo_responses
from assessments.history.store import SCHEMA_VERSION, History
from assessments.network import network_benchmarks


def oric(seed: int):
    return score(demo_responses("oric", n=30, seed=seed), "oric", on_invalid="missing")


def test_every_action_is_logged_with_who_did_it(store, tmp_path, monkeypatch):
    with History(store, actor="analyst@example.org") as h:
        for k in range(5):
            h.add(oric(k), org=f"Agency {k + 1}", wave="2026")
        h.add(oric(9), org="Agency 1", wave="2026", replace=True)
        network_benchmarks(h, "oric")
        h.export("Agency 2", tmp_path / "a2.xlsx")
    monkeypatch.setenv("ASSESS_STORE", store)
    runner = CliRunner()
    assert runner.invoke(cli, ["history", "show", "Agency 3", "2026"]).exit_code == 0
    r = runner.invoke(cli, ["history", "remove", "Agency 4", "2026", "--yes"])
    assert r.exit_code == 0, r.output
    out = runner.invoke(cli, ["history", "events", "--json"])
    assert out.exit_code == 0, out.output
    events = json.loads(out.output)["events"]
    seen = [(e["org"], e["action"]) for e in events]
    assert seen[:6] == [(f"Agency {k}", "add") for k in range(1, 6)] + [("Agency 1", "replace")]
    assert [o for o, a in seen if a == "benchmark"] == [f"Agency {k}" for k in range(1, 6)]
    assert ("Agency 2", "export") in seen
    assert seen[-2:] == [("Agency 3", "view"), ("Agency 4", "remove")]
    by_api = {e["actor"] for e in events[:-2]}
    assert by_api == {"analyst@example.org"}
    assert events[-1]["actor"]  # the command line's: the computer's user name
    assert all(e["at"] for e in events)
    one = runner.invoke(cli, ["history", "events", "--org", "Agency 2"], terminal_width=200)
    assert "export" in one.output
    assert "Agency 3" not in one.output


def test_a_store_of_schema_2_is_migrated_and_keeps_its_events(store):
    from sqlalchemy import text

    history = History(store)
    history.add(oric(1), org="H", wave="2024")
    with history.engine.begin() as conn:  # what schema 2 wrote: no actor column
        conn.execute(text("ALTER TABLE events DROP COLUMN actor"))
        conn.execute(text("UPDATE schema_version SET version = 2"))
    history.close()
    migrated = History(store, actor="someone")
    with migrated.engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM schema_version")).scalar() == SCHEMA_VERSION
    migrated.add(oric(2), org="H", wave="2025")
    events = migrated.events("H")
    assert events["action"].tolist() == ["add", "add"]
    assert events["actor"].isna().tolist() == [True, False]  # before: unknown, never invented
    assert events["actor"].iloc[1] == "someone"


@pytest.mark.parametrize("action", ["view", "report"])
def test_reading_a_wave_is_logged(store, tmp_path, monkeypatch, action):
    History(store).add(oric(3), org="R", wave="2026")
    monkeypatch.setenv("ASSESS_STORE", store)
    args = (
        ["history", "show", "R", "2026"]
        if action == "view"
        else ["report", "--history", "R", "-o", str(tmp_path / "r"), "--format", "xlsx"]
    )
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    assert History(store).events("R")["action"].tolist() == ["add", action]

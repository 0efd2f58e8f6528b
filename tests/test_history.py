"""The assessment history on SQLite and PostgreSQL: add, list, show, replace, remove, export,
report from the history equal to the report from the files, concurrent and interrupted adds,
and a store made by the previous schema.

PostgreSQL: ``ASSESS_TEST_POSTGRES`` names a server URL whose role may create databases
(``.ci/run`` starts Debian's PostgreSQL and sets it, with ``ASSESS_REQUIRE_POSTGRES=1`` so that
CI fails rather than skips); each test gets a database of its own.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import PG  # noqa: F401  (the test server, also for other test modules)

import assessments as ra
from assessments.cli.main import cli
from assessments.demo import demo_responses
from assessments.history import History, HistoryError
from assessments.history.store import SCHEMA_VERSION
from assessments.io.tables import write_table


@pytest.fixture(scope="module")
def waves(tmp_path_factory) -> dict[str, Path]:
    """Three waves of ORIC answers as a user would have them (CSV exports)."""
    folder = tmp_path_factory.mktemp("waves")
    out = {}
    for k, (label, shift) in enumerate((("2024", -0.6), ("2025", -0.3), ("2026", 0.0))):
        df = demo_responses("oric", n=180, seed=40 + k, wave=label, shift=shift)
        df["comment"] = [f"free text {i}" for i in range(len(df))]  # unique: never kept
        path = folder / f"oric_{label}.csv"
        write_table(df, path)
        out[label] = path
    return out


def scored(path: Path) -> ra.Scores:
    return ra.score(ra.read_responses(path, "oric"), on_invalid="missing")


def test_add_list_show_load_round_trip(store, waves):
    history = History(store)
    original = scored(waves["2025"])
    info = history.add(
        original, org="Agency A", wave="2025", date="2025-04-01", source_name="oric_2025.csv"
    )
    assert info.n_scored == original.n_scored
    assert info.kept_columns == ("site", "role", "wave")  # 'comment' is free text: not kept
    assert len(info.definition_hash) == 64
    table = history.waves()
    assert table[["org", "instrument", "wave", "date"]].values.tolist() == [
        ["Agency A", "oric", "2025", "2025-04-01"]
    ]
    back = History(store).load("Agency A", "2025")
    cols = [c for c in original.respondents.columns if c not in ("respondent_id", "comment")]
    pd.testing.assert_frame_equal(
        original.respondents[cols].reset_index(drop=True),
        back.respondents[cols],
        check_dtype=False,
    )
    assert "comment" not in back.respondents
    items = [c for c in original.items.columns if c != "respondent_id"]
    pd.testing.assert_frame_equal(
        original.items[items].reset_index(drop=True), back.items[items], check_dtype=False
    )
    pd.testing.assert_frame_equal(
        original.status.reset_index(drop=True), back.status, check_dtype=False
    )
    # ids are not kept: respondents are numbered in file order, excluded rows carry none
    assert back.respondents["respondent_id"].tolist()[:3] == ["1", "2", "3"]
    assert "respondent_id" not in back.excluded
    assert back.excluded["reason"].tolist() == original.excluded["reason"].tolist()
    assert (back.rows_read, back.cell_counts, back.notes) == (
        original.rows_read,
        original.cell_counts,
        original.notes,
    )
    assert back.instrument.id == "oric"


def test_ids_only_when_asked_and_chosen_columns(store, waves):
    history = History(store)
    original = scored(waves["2026"])
    history.add(original, org="B", wave="2026", keep_ids=True, keep=["site"])
    back = history.load("B", "2026")
    assert (
        back.respondents["respondent_id"].tolist() == original.respondents["respondent_id"].tolist()
    )
    assert "role" not in back.respondents
    assert "site" in back.respondents
    with pytest.raises(HistoryError) as err:
        history.add(original, org="B", wave="2027", keep=["sight"])
    assert err.value.codes == ["unknown-column"]


def test_waves_are_immutable_unless_replaced_and_removal_is_logged(store, waves):
    history = History(store)
    first, second = scored(waves["2025"]), scored(waves["2026"])
    history.add(first, org="C", wave="2025")
    with pytest.raises(HistoryError) as err:
        history.add(second, org="C", wave="2025")
    assert err.value.codes == ["wave-exists"]
    assert "--replace" in str(err.value)
    assert history.load("C", "2025").n_scored == first.n_scored
    history.add(second, org="C", wave="2025", replace=True)
    assert len(history.waves("C")) == 1
    history.remove("C", "2025")
    assert history.waves("C").empty
    assert history.events("C")["action"].tolist() == ["add", "replace", "remove"]
    with pytest.raises(HistoryError) as err:
        history.load("C", "2025")
    assert err.value.codes == ["unknown-wave"]


def test_export_workbook(store, waves, tmp_path):
    history = History(store)
    for label in ("2024", "2025"):
        history.add(scored(waves[label]), org="D", wave=label)
    path = history.export("D", tmp_path / "history.xlsx")
    sheets = pd.read_excel(path, sheet_name=None, engine="calamine")
    assert set(sheets) >= {"waves", "scores", "excluded", "events"}
    assert sorted(set(sheets["scores"]["wave"].astype(str))) == ["2024", "2025"]
    with pytest.raises(HistoryError):
        history.export("nobody", tmp_path / "x.xlsx")


def test_report_from_history_equals_report_from_files(store, waves, monkeypatch):
    from assessments.render import build_report

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    history = History(store)
    for label in ("2024", "2025", "2026"):
        history.add(scored(waves[label]), org="E", wave=label, date=f"{label}-04-01")
    now, before = scored(waves["2026"]), scored(waves["2025"])
    files = {"2024": scored(waves["2024"]), "2025": before, "2026": now}
    from_files = build_report(now, "role", previous=before, n_boot=0, history=files)
    series = history.series("E", "oric")
    assert list(series) == ["2024", "2025", "2026"]
    from_history = build_report(
        history.load("E", "2026"),
        "role",
        previous=history.load("E", "2025"),
        n_boot=0,
        history=series,
    )
    assert str(from_history) == str(from_files)
    assert "Since the last wave (2025 to 2026)" in str(from_files)
    for (name, a), (_, b) in zip(from_files.workbook, from_history.workbook, strict=True):
        drop = [c for c in ("respondent_id",) if c in a]
        pd.testing.assert_frame_equal(
            a.drop(columns=drop).reset_index(drop=True),
            b.drop(columns=drop).reset_index(drop=True),
            check_dtype=False,
            obj=name,
        )


def test_concurrent_adds_succeed_or_say_why(store, waves, tmp_path):
    script = textwrap.dedent(
        """
        import sys
        import assessments as ra
        from assessments.history import History, HistoryError
        store, path, label = sys.argv[1:]
        scores = ra.score(ra.read_responses(path, "oric"), on_invalid="missing")
        try:
            History(store).add(scores, org="F", wave=label)
        except HistoryError as err:
            print(err.codes[0])
        else:
            print("ok")
        """
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, store, str(waves[w]), w],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in ("2024", "2025", "2026", "2026")
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    said = [out.strip() for out, _ in outs]
    assert said[:2] == ["ok", "ok"]
    # the same label twice at once: one is stored, the other is told it exists
    assert sorted(said[2:]) == ["ok", "wave-exists"]
    assert sorted(History(store).waves("F")["wave"]) == ["2024", "2025", "2026"]


def test_an_interrupted_add_leaves_the_store_as_it_was(store, waves, tmp_path):
    """The writer is killed (SIGKILL) after writing the wave's row and before its commit."""
    History(store).add(scored(waves["2024"]), org="G", wave="2024")
    flag = tmp_path / "inside"
    script = textwrap.dedent(
        """
        import sys, time, pathlib
        import assessments as ra
        from assessments.history import store as module
        store, path, flag = sys.argv[1:]
        original = module.History._write_tables
        def slow(self, conn, wave_id, tables):
            original(self, conn, wave_id, tables)
            pathlib.Path(flag).write_text("written, not committed")
            time.sleep(60)
        module.History._write_tables = slow
        scores = ra.score(ra.read_responses(path, "oric"), on_invalid="missing")
        module.History(store).add(scores, org="G", wave="2025")
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script, store, str(waves["2025"]), str(flag)])
    deadline = time.time() + 60
    while not flag.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert flag.exists(), "the writer never reached the point to interrupt"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    history = History(store, busy_timeout=30)
    assert history.waves("G")["wave"].tolist() == ["2024"]
    history.add(scored(waves["2025"]), org="G", wave="2025")  # and it is still writable
    assert history.waves("G")["wave"].tolist() == ["2024", "2025"]


def test_a_store_made_by_the_previous_schema_is_migrated(store, waves):
    from sqlalchemy import text

    history = History(store)
    history.add(scored(waves["2024"]), org="H", wave="2024")
    with history.engine.begin() as conn:  # make it what schema 1 wrote: no events table
        conn.execute(text("DROP TABLE events"))
        conn.execute(text("UPDATE schema_version SET version = 1"))
    history.close()
    migrated = History(store)
    with migrated.engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM schema_version")).scalar() == SCHEMA_VERSION
    assert migrated.events("H")["action"].tolist() == ["add"]
    assert migrated.load("H", "2024").n_scored > 0


def test_a_newer_store_is_refused(tmp_path, waves):
    from sqlalchemy import text

    path = tmp_path / "h.sqlite"
    history = History(path)
    with history.engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = 99"))
    with pytest.raises(HistoryError) as err:
        History(path)
    assert err.value.codes == ["newer-store"]


def test_sqlite_store_is_private_and_a_busy_store_says_so(tmp_path, waves):
    import sqlite3

    path = tmp_path / "sub" / "history.sqlite"
    History(path)
    assert (path.stat().st_mode & 0o777) == 0o600
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(HistoryError) as err:
            History(path, busy_timeout=0.2).add(scored(waves["2024"]), org="I", wave="1")
        assert err.value.codes == ["store-busy"]
        assert "try again" in str(err.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    not_a_store = tmp_path / "other.sqlite"
    other = sqlite3.connect(not_a_store)
    other.execute("CREATE TABLE things (x)")
    other.commit()
    other.close()
    with pytest.raises(HistoryError) as err:
        History(not_a_store)
    assert err.value.codes == ["not-a-store"]
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryError) as err:
        History(garbage)
    assert err.value.codes == ["store-damaged"]


def test_cli_history_commands_and_report(store, waves, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESS_STORE", store)
    runner = CliRunner()
    for label in ("2024", "2025", "2026"):
        result = runner.invoke(
            cli,
            [
                "history",
                "add",
                str(waves[label]),
                "-i",
                "oric",
                "--org",
                "Example Agency",
                "--wave",
                label,
                "--date",
                f"{label}-04-01",
                "--on-invalid",
                "missing",
            ],
        )
        assert result.exit_code == 0, result.output
        assert "metadata kept: site, role, wave" in result.output
    again = runner.invoke(
        cli,
        [
            "history",
            "add",
            str(waves["2026"]),
            "-i",
            "oric",
            "--org",
            "Example Agency",
            "--wave",
            "2026",
            "--on-invalid",
            "missing",
        ],
    )
    assert again.exit_code == 1
    assert "already stored" in again.output
    listed = json.loads(runner.invoke(cli, ["history", "list", "--json"]).output)
    assert [w["wave"] for w in listed["waves"]] == ["2024", "2025", "2026"]
    shown = runner.invoke(cli, ["history", "show", "Example Agency", "2025", "--json"])
    assert json.loads(shown.output)["wave"] == "2025"
    report = runner.invoke(
        cli,
        [
            "report",
            "--history",
            "Example Agency",
            "--format",
            "html",
            "--n-boot",
            "0",
            "-o",
            str(tmp_path / "r"),
        ],
    )
    assert report.exit_code == 0, report.output
    page = (tmp_path / "r" / "oric-report.html").read_text(encoding="utf-8")
    assert "Mean scores in the 3 waves" in page
    # stored without --keep-ids, the respondents are numbered 1..n in every wave: numbers
    # that match without being the same people, so pairing on them is refused
    paired = runner.invoke(
        cli,
        ["report", "--history", "Example Agency", "--paired-on", "respondent_id",
         "--format", "html", "--n-boot", "0", "-o", str(tmp_path / "p")],
    )  # fmt: skip
    assert paired.exit_code == 1, paired.output
    assert "stored without respondent ids" in paired.output
    assert "--keep-ids" in paired.output
    older = runner.invoke(
        cli,
        [
            "report",
            "--history",
            "Example Agency",
            "--wave",
            "2025",
            "--format",
            "html",
            "--n-boot",
            "0",
            "-o",
            str(tmp_path / "r2"),
        ],
    )
    assert older.exit_code == 0, older.output
    assert "Mean scores in the 2 waves" in (tmp_path / "r2" / "oric-report.html").read_text(
        encoding="utf-8"
    )
    both = runner.invoke(cli, ["report", str(waves["2026"]), "--history", "Example Agency"])
    assert both.exit_code == 1
    assert "not both" in both.output
    nobody = runner.invoke(cli, ["report", "--history", "Nobody"])
    assert nobody.exit_code == 1
    assert "no waves stored for 'Nobody'" in nobody.output
    out = tmp_path / "history.xlsx"
    exported = runner.invoke(cli, ["history", "export", "Example Agency", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    assert out.exists()
    kept = runner.invoke(cli, ["history", "remove", "Example Agency", "2024"], input="n\n")
    assert kept.exit_code == 1
    assert "nothing was deleted" in kept.output
    gone = runner.invoke(cli, ["history", "remove", "Example Agency", "2024", "--yes"])
    assert gone.exit_code == 0, gone.output
    listed = json.loads(runner.invoke(cli, ["history", "list", "--json"]).output)
    assert [w["wave"] for w in listed["waves"]] == ["2025", "2026"]
    bad_date = runner.invoke(
        cli,
        [
            "history",
            "add",
            str(waves["2024"]),
            "-i",
            "oric",
            "--org",
            "X",
            "--wave",
            "1",
            "--date",
            "April",
            "--on-invalid",
            "missing",
        ],
    )
    assert bad_date.exit_code == 1
    assert "YYYY-MM-DD" in bad_date.output

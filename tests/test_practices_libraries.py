"""Issue 29, next steps that fit the instrument: a practices library per kind of instrument
(implementation strategies for ORIC and ORCA, recovery-oriented practices for the RSA, the
checklist's own practices), each practice with what it looks like, who carries it out and its
source; the report's next steps, the Items table, the workbook and the methods come from the
instrument's library; a user's library (YAML or CSV) extends or replaces it.

Before: one peer-support library served every instrument, so ORIC's change efficacy got "Peer
support groups on site", ORCA got 2 steps, the RSA-R and the checklist none.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from assessments import InstrumentError, list_instruments, load_instrument, score
from assessments.cli.main import cli
from assessments.demo import demo_responses, run_rsa_demo
from assessments.perspectives import score_perspectives
from assessments.practices import (
    action_plan,
    linked_practices,
    load_practices,
    read_practices_file,
    with_user_practices,
)
from assessments.render import build_report
from assessments.render.model import Bullets, Paragraph, TableBlock
from assessments.render.perspectives import build_perspective_report

LIBRARY_OF = {
    "oric": "implementation-strategies",
    "orca": "implementation-strategies",
    "rsa": "recovery-practices",
    "rsa-r": "recovery-practices",
    "rki": "recovery-practices",
    "peer-support-practices": "peer-support",
}


@pytest.fixture(scope="module")
def practices() -> pd.DataFrame:
    return load_practices()


def _texts(report) -> list[str]:
    out = []
    for s in report.sections:
        for b in s.blocks:
            if isinstance(b, Paragraph):
                out.append(b.text)
            elif isinstance(b, Bullets):
                out.extend(b.items)
    return out


def _steps(report) -> list[str]:
    """The next steps of the "At a glance" page."""
    summary = report.sections[0]
    for k, b in enumerate(summary.blocks):
        if isinstance(b, Paragraph) and b.text.startswith("Suggested next steps"):
            nxt = summary.blocks[k + 1]
            assert isinstance(nxt, Bullets)
            return list(nxt.items)
    return []


def test_every_domain_of_every_shipped_instrument_has_a_practice_from_its_own_library(
    practices,
):
    for inst in list_instruments():
        linked = linked_practices(practices, inst.id, [d.id for d in inst.domains])
        assert set(linked["library"]) == {LIBRARY_OF[inst.id]}, inst.id
        assert set(linked["domain"]) == {d.id for d in inst.domains}, inst.id


def test_each_new_practice_says_what_it_looks_like_who_and_where_it_comes_from(practices):
    new = practices[practices["library"] != "peer-support"]
    assert len(new) >= 40
    assert new["looks_like"].str.len().min() > 20
    assert new["source"].str.len().min() > 10
    strategies = new[new["library"] == "implementation-strategies"]
    assert strategies["source"].str.startswith("ERIC: ").all()
    assert strategies["cluster"].notna().all()
    # never a peer-support practice for a readiness or RSA report
    for links in practices.loc[practices["library"] == "peer-support", "strengthens"]:
        assert all(x.startswith("peer-support-practices:") for x in links)


def test_oric_report_takes_implementation_strategies(practices):
    s = score(demo_responses("oric", n=150, seed=4), "oric", on_invalid="missing")
    report = build_report(s, n_boot=20)
    steps = _steps(report)
    assert len(steps) == 3
    titles = set(practices.loc[practices["library"] == "implementation-strategies", "title"])
    assert all(any(step.startswith(t) for t in titles) for step in steps), steps
    assert not any("eer" in step for step in steps)  # no peer-support practice
    methods = " ".join(_texts(report))
    assert "practices library 'Implementation strategies for readiness to change'" in methods
    items = next(s for s in report.sections if s.heading == "Items")
    table = next(b for b in items.blocks if isinstance(b, TableBlock) and "Next steps" in b.caption)
    assert list(table.data.columns) == [
        "area", "practice", "what it looks like", "carried out by", "source",
    ]  # fmt: skip
    assert table.data["source"].str.startswith("ERIC: ").all()
    book = dict(report.workbook)
    sheet = book["next_steps"]
    assert {"what_it_looks_like", "carried_out_by", "source", "library"} <= set(sheet.columns)
    assert (sheet["library"] == "Implementation strategies for readiness to change").all()


def test_orca_report_gets_three_next_steps_from_three_areas(practices):
    s = score(demo_responses("orca", n=120, seed=8), "orca", on_invalid="missing")
    report = build_report(s, n_boot=20, sections=["summary", "methods"])
    steps = _steps(report)
    assert len(steps) == 3
    areas = {step.rsplit("(for ", 1)[1].split(";")[0] for step in steps}
    assert len(areas) == 3


def test_rsa_perspective_report_takes_recovery_practices(tmp_path, practices):
    run_rsa_demo(tmp_path, report=False)
    inputs = [
        (tmp_path / f"rsa_{v}_answers.csv", v)
        for v in ("administrator", "provider", "person", "family")
    ]
    p = score_perspectives(inputs, "rsa", key=tmp_path / "rsa-demo-key.yaml")
    report = build_perspective_report(p)
    steps = _steps(report)
    assert len(steps) == 3
    titles = set(practices.loc[practices["library"] == "recovery-practices", "title"])
    assert all(any(step.startswith(t) for t in titles) for step in steps), steps
    assert "practices library 'Recovery-oriented practices'" in " ".join(_texts(report))


def test_checklist_next_steps_are_its_least_in_place_practices():
    checklist = load_instrument("peer-support-practices")
    rows = []
    for _ in range(12):
        row = dict.fromkeys(checklist.item_ids, 2)
        for item in checklist.domain("stage_dependent_unaware").items:
            row[item] = 1
        row["org_peer_outreach"] = 0  # the one practice nowhere in place
        row["role"] = "team"
        rows.append(row)
    s = score(pd.DataFrame(rows), checklist)
    report = build_report(s, n_boot=20, sections=["summary", "items"])
    steps = _steps(report)
    assert steps[0].startswith("Low-pressure outreach visits by peer supporters")


def _user_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_a_users_csv_library_extends_and_a_same_id_yaml_replaces(tmp_path):
    mine = _user_csv(
        tmp_path / "our-practices.csv",
        [
            {
                "id": "weekly_huddle",
                "title": "A weekly huddle on the change",
                "description": "Ten minutes each Monday on what helped and what got in the way.",
                "looks_like": "Every team huddles on Mondays; notes go to the lead.",
                "actor": "implementation_team",
                "strengthens": "oric:change_efficacy; oric:change_commitment",
                "source": "Our quality team, 2026",
            }
        ],
    )
    extended = with_user_practices([mine])
    assert "weekly_huddle" in set(extended["id"])
    assert "consensus_discussions" in set(extended["id"])  # the shipped ones stay
    replacing = tmp_path / "replace.yaml"
    replacing.write_text(
        "id: implementation-strategies\ntitle: Ours instead\nsource: our own notes\n"
        "serves: [oric]\npractices:\n"
        "  - id: only_one\n    title: Our one step\n    description: Something.\n"
        "    actor: leadership\n    strengthens: [oric:change_efficacy]\n"
    )
    replaced = with_user_practices([replacing])
    assert "consensus_discussions" not in set(replaced["id"])
    assert linked_practices(replaced, "oric", ["change_efficacy"])["id"].tolist() == ["only_one"]


def test_report_and_actions_take_practices_on_the_command_line(tmp_path):
    src = tmp_path / "answers.csv"
    demo_responses("oric", n=120, seed=9).to_csv(src, index=False)
    mine = _user_csv(
        tmp_path / "ours.csv",
        [
            {
                "id": f"ours_{k}",
                "title": f"Our step {k}",
                "description": "A step of our own.",
                "actor": "leadership",
                "strengthens": "oric:change_efficacy oric:change_commitment",
            }
            for k in range(2)
        ],
    )
    before = mine.read_bytes()
    out = tmp_path / "report"
    result = CliRunner().invoke(
        cli,
        ["report", str(src), "-i", "oric", "--on-invalid", "missing", "--format", "xlsx",
         "--practices", str(mine), "-o", str(out), "--n-boot", "20"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out / "oric-report.xlsx", read_only=True)
    rows = list(wb["next_steps"].values)
    assert any(r[1] == "Our step 0" for r in rows[1:])
    assert any(r[1] != "Our step 0" and r[1] != "Our step 1" for r in rows[1:])
    assert mine.read_bytes() == before
    result = CliRunner().invoke(
        cli,
        ["actions", str(src), "-i", "oric", "--on-invalid", "missing", "--practices", str(mine),
         "-o", str(tmp_path / "plan.xlsx"), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)["plan"]
    assert "ours_0" in {r["practice_id"] for r in plan}


def test_a_bad_csv_library_names_row_column_and_value(tmp_path):
    bad = _user_csv(
        tmp_path / "bad.csv",
        [
            {"id": "ok", "title": "Fine", "description": "x", "actor": "leadership",
             "strengthens": "oric:change_efficacy"},
            {"id": "p2", "title": "Fine too", "description": "x", "actor": "the boss",
             "strengthens": "oric:change_eficacy"},
        ],
    )  # fmt: skip
    with pytest.raises(InstrumentError) as exc:
        read_practices_file(bad)
    first = exc.value.problems[0]
    assert (first.row, first.column) == (3, "actor")
    assert "the boss" in str(exc.value)
    bad.write_text(
        "id,title,description,actor,strengthens\np2,Fine,x,leadership,oric:change_eficacy\n"
    )
    with pytest.raises(InstrumentError) as exc:
        read_practices_file(bad)
    assert exc.value.problems[0].row == 2
    assert "did you mean 'change_efficacy'" in str(exc.value)
    bad.write_text("id,name\nx,y\n")
    with pytest.raises(InstrumentError, match="missing columns"):
        read_practices_file(bad)


def test_a_library_links_only_to_what_it_serves(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        "id: mine\ntitle: Mine\nsource: notes\nserves: [rsa]\npractices:\n"
        "  - id: p1\n    title: A practice\n    description: Something.\n"
        "    actor: organization\n    strengthens: [oric:change_efficacy]\n"
    )
    with pytest.raises(InstrumentError) as exc:
        read_practices_file(path)
    assert exc.value.codes == ["not-served"]
    assert exc.value.problems[0].line == 10


def test_a_users_own_instrument_can_have_its_own_library(tmp_path):
    oric = load_instrument("oric")
    path = tmp_path / "p.csv"
    _user_csv(
        path,
        [{"id": "p1", "title": "Ours", "description": "x", "actor": "leadership",
          "strengthens": "oric:change_efficacy"}],
    )  # fmt: skip
    assert read_practices_file(path, [oric])["id"].tolist() == ["p1"]
    s = score(demo_responses("oric", n=60, seed=2), "oric", on_invalid="missing")
    plan = action_plan(s, with_user_practices([path]))
    assert "p1" in set(plan["practice_id"])


def test_checklist_report_on_the_command_line_lists_least_in_place_first(tmp_path):
    """The surface, not only the function: `assess report` on a checklist export (its answer
    columns read as text) ended in an internal error when ordering the next steps."""
    src = tmp_path / "checklist.csv"
    demo_responses("peer-support-practices", n=40, seed=3).to_csv(src, index=False)
    out = tmp_path / "rep"
    result = CliRunner().invoke(
        cli,
        ["report", str(src), "-i", "peer-support-practices", "--by", "role", "--on-invalid",
         "missing", "--format", "xlsx", "-o", str(out), "--n-boot", "20"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    book = pd.read_excel(
        out / "peer-support-practices-report.xlsx", sheet_name=None, engine="calamine"
    )
    steps = book["next_steps"]
    items = book["item_statistics"].set_index("label")["mean"]
    first_area = steps[steps["area"] == steps["area"].iloc[0]]
    means = [items[p] for p in first_area["practice"]]
    assert means == sorted(means)
    assert (steps["library"] == "Peer support and relationships").all()

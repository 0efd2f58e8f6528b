"""The practices library, the peer-support checklist, action plans, and practices in reports."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from assessments import InstrumentError, list_instruments, load_instrument, score
from assessments.cli.main import cli
from assessments.demo import demo_responses
from assessments.practices import (
    ACTORS,
    STAGES,
    action_plan,
    linked_practices,
    load_practices,
    plan_progress,
    read_action_plan,
    read_practices_file,
    write_action_plan,
)
from assessments.render import build_report


@pytest.fixture(scope="module")
def practices():
    return load_practices()


def test_every_practice_links_to_existing_domains(practices):
    domains = {i.id: {d.id for d in i.domains} for i in list_instruments()}
    for links in practices["strengthens"]:
        for link in links:
            inst, dom = link.split(":")
            assert dom in domains[inst], link
    assert practices["id"].is_unique


def test_peer_support_covers_every_actor_and_stage(practices):
    peer = practices[practices["library"] == "peer-support"]
    cells = {
        (a, s) for a, stages in zip(peer["actor"], peer["stages"], strict=True) for s in stages
    }
    checklist_actors = ("organization", "clinician", "peer_supporter")
    assert set(checklist_actors) <= set(ACTORS)
    assert cells == {(a, s) for a in checklist_actors for s in STAGES}
    assert practices["title"].str.len().max() <= 60


def test_a_bad_link_is_reported_with_its_line(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("""id: mine
title: Mine
source: my notes
practices:
  - id: p1
    title: A practice
    description: Something we do.
    actor: organization
    stages: [dependent_aware]
    components: [peer_support]
    strengthens: [oric:change_comitment, nope:x]
""")
    with pytest.raises(InstrumentError) as exc:
        read_practices_file(path)
    assert exc.value.codes == ["unknown-domain", "unknown-instrument"]
    assert exc.value.problems[0].line == 11
    assert "did you mean 'change_commitment'" in str(exc.value)


def test_checklist_items_are_the_library(practices):
    checklist = load_instrument("peer-support-practices")
    practices = practices[practices["library"] == "peer-support"]
    assert checklist.item_ids == tuple(practices["id"])
    for p in practices.itertuples():
        # the library links each practice to exactly the checklist scores that hold it
        assert set(p.strengthens) == {
            f"peer-support-practices:{d.id}" for d in checklist.domains if p.id in d.items
        }
        assert checklist.item(p.id).label == p.title
        for stage in p.stages:
            assert p.id in checklist.domain(f"stage_{stage}").items
        actor_domain = {
            "organization": "by_organization",
            "clinician": "by_clinicians",
            "peer_supporter": "by_peer_supporters",
        }[p.actor]
        assert p.id in checklist.domain(actor_domain).items


def test_checklist_scores_by_hand():
    checklist = load_instrument("peer-support-practices")
    row = dict.fromkeys(checklist.item_ids, "Not in place")
    row["org_peer_groups_on_site"] = "In place"
    row["org_peer_outreach"] = "partly"
    row["clin_offer_hope"] = "Not applicable"
    row["peer_story_for_hope"] = 2
    s = score(pd.DataFrame([row]), checklist)
    r = s.respondents.iloc[0]
    stage1 = checklist.domain("stage_dependent_unaware").items
    assert len(stage1) == 8
    # 8 stage-1 practices, one not applicable: (2 + 1 + 2 + 0*4) / 7
    assert r["stage_dependent_unaware"] == pytest.approx(5 / 7)
    assert r["stage_dependent_unaware_n"] == 7
    assert r["by_organization"] == pytest.approx(3 / 10)
    assert r["total"] == pytest.approx(5 / 27)
    assert r["n_not_applicable"] == 1


def test_action_plan_for_the_demo_names_the_linked_practices(practices):
    s = score(demo_responses("oric", n=200, seed=12), "oric", on_invalid="missing")
    plan = action_plan(s, practices)
    means = s.respondents[["change_commitment", "change_efficacy"]].mean().sort_values()
    domains = plan[plan["area_type"] == "domain"]
    assert list(dict.fromkeys(domains["area"])) == list(means.index)
    lowest = means.index[0]
    expected = linked_practices(practices, "oric", [lowest])["id"].tolist()
    assert domains[domains["area"] == lowest]["practice_id"].tolist() == expected
    assert expected  # the library has practices for ORIC's domains
    items = plan[plan["area_type"] == "item"]
    assert len(items) == 5
    assert items["current_score"].is_monotonic_increasing
    assert (plan["status"] == "planned").all()


def test_plan_respects_the_minimum_n():
    s = score(demo_responses("oric", n=4, seed=1), "oric", on_invalid="missing")
    assert len(action_plan(s, min_n=5)) == 0


def test_plan_workbook_round_trip_and_progress(tmp_path, practices):
    before = score(demo_responses("oric", n=150, seed=2, shift=-0.4), "oric", on_invalid="missing")
    after = score(demo_responses("oric", n=150, seed=3), "oric", on_invalid="missing")
    path = write_action_plan(
        action_plan(before, practices), tmp_path / "plan.xlsx", instrument="oric"
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["plan", "instructions", "lists"]
    ws = wb["plan"]
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert kinds == {"list", "date"}
    ws["P1"] = "note"
    ws["L2"] = "=1+1"  # a formula typed in by someone: read back as its text or value
    ws["N2"] = "done"
    wb.save(path)
    plan = read_action_plan(path)
    progress = plan_progress(plan, after)
    first = progress.iloc[0]
    assert first["now"] == pytest.approx(after.respondents[first["area"]].mean())
    assert first["change"] == pytest.approx(first["now"] - first["baseline"])
    assert first["done"] == 1
    report = build_report(after, "role", plan=plan, n_boot=50)
    headings = [s.heading for s in report.sections]
    assert "Progress on the action plan" in headings
    items_section = report.sections[headings.index("Items")]
    captions = [b.caption for b in items_section.blocks if type(b).__name__ == "TableBlock"]
    assert (
        "Next steps for the lowest-rated areas (Implementation strategies for readiness to "
        "change)" in captions
    )


def test_assess_actions_command(tmp_path):
    src = tmp_path / "in.csv"
    demo_responses("orca", n=120, seed=5).to_csv(src, index=False)
    result = CliRunner().invoke(
        cli,
        [
            "actions",
            str(src),
            "-i",
            "orca",
            "--on-invalid",
            "missing",
            "-o",
            str(tmp_path / "plan.xlsx"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.output)
    assert data["written"].endswith("plan.xlsx")
    assert {r["area_type"] for r in data["plan"]} == {"domain", "item"}

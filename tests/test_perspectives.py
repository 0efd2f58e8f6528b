"""Several perspectives of the RSA in one run (issue 17): each file scored with its own
numbering, correspondences that map the right items (hand-worked), suppression per perspective,
the report without a key, and the demonstration key's banner on every page and sheet. The keys
here are arbitrary test numbers, not the RSA's key."""

from __future__ import annotations

import json

import numpy as np
import openpyxl
import pandas as pd
import pypdf
import pytest
from click.testing import CliRunner

from assessments.cli.main import cli
from assessments.perspectives import DEMO_BANNER, score_perspectives

KEY = """
key_for: rsa
source: "test key: arbitrary numbers, not the RSA's key"
versions:
  provider:
    life_goals: [1, 2, 3]
    involvement: [4, 5]
    diversity_of_treatment_options: [6, 7]
    choice: [8, 9]
    individually_tailored_services: [10, 11]
  person:
    life_goals: [4, 5, 6]
    involvement: [1, 2]
    diversity_of_treatment_options: [7, 8]
    choice: [9, 10]
    individually_tailored_services: [11, 12]
same_practice:
  - {provider: 2, person: 5}
  - {provider: 7, person: 8}
"""


def answers(n: int, values: dict[int, float], default: float = 3, items: int = 32) -> pd.DataFrame:
    """n identical rows: item k answered values.get(k, default)."""
    row = {f"rsa_{k}": values.get(k, default) for k in range(1, items + 1)}
    return pd.DataFrame([row] * n)


@pytest.fixture
def key(write_yaml):
    return write_yaml(KEY, "key.yaml")


def test_each_perspective_is_scored_with_its_own_numbering(key):
    provider = answers(6, {1: 5, 2: 5, 3: 5})  # provider life goals are items 1-3
    person = answers(6, {4: 1, 5: 1, 6: 1})  # person life goals are items 4-6
    p = score_perspectives([(provider, "provider"), (person, "person")], "rsa", key=key)
    prof = p.profile().set_index(["perspective", "score"])
    assert prof.loc[("provider", "life_goals"), "mean"] == 5
    assert prof.loc[("person", "life_goals"), "mean"] == 1
    assert prof.loc[("person", "involvement"), "mean"] == 3  # person items 1-2: default 3
    gaps = p.gaps().set_index("score")
    assert gaps.loc["life_goals", "difference"] == 4
    assert list(p.respondents()["perspective"].unique()) == ["provider", "person"]


def test_a_correspondence_maps_the_right_items(key):
    """Practice 1 is provider item 2 and person item 5; practice 2 provider 7 and person 8."""
    rng = np.random.default_rng(1)
    provider = answers(10, {})
    provider["rsa_2"] = rng.integers(1, 6, 10)
    provider["rsa_7"] = 4
    person = answers(12, {})
    person["rsa_5"] = rng.integers(1, 6, 12)
    person["rsa_8"] = 2
    p = score_perspectives([(provider, "provider"), (person, "person")], "rsa", key=key)
    gaps = p.practice_gaps().set_index("practice")
    assert gaps.loc["practice 1", "staff_mean"] == pytest.approx(provider["rsa_2"].mean())
    assert gaps.loc["practice 1", "people_mean"] == pytest.approx(person["rsa_5"].mean())
    assert gaps.loc["practice 2", "difference"] == 2
    assert gaps.loc["practice 2", "staff_item"] == "provider 7"
    assert gaps.loc["practice 2", "people_item"] == "person 8"
    assert gaps["difference"].abs().is_monotonic_decreasing  # largest gap first


def test_only_a_small_perspective_is_hidden():
    """Issue 28: no figure pools perspectives, so hiding a second one protects nothing (the
    earlier rule hid the 8 administrators with the 3 family members)."""
    inputs = [
        (answers(40, {}), "provider"),
        (answers(30, {}), "person"),
        (answers(3, {}, items=40), "family"),
        (answers(8, {}, items=36), "administrator"),
    ]
    p = score_perspectives(inputs, "rsa")
    assert p.hidden == ["family"]
    prof = p.profile()
    assert prof.loc[prof["perspective"] == "family", "suppressed"].all()
    assert "mean" not in prof[prof["perspective"] == "family"].dropna(axis=1).columns
    assert set(p.respondents()["perspective"]) == {"provider", "person", "administrator"}
    assert set(p.gaps()["perspective"]) == {"provider", "administrator"}
    assert set(p.answer_rates()["perspective"]) == {"provider", "person", "administrator"}
    # the scores file is respondent-level, as for one file: every perspective is in it
    assert set(p.tables()["scores"]["perspective"]) == {
        "provider", "person", "family", "administrator"
    }  # fmt: skip


def test_without_a_key_the_report_shows_totals_and_says_what_is_needed():
    from assessments.render.perspectives import build_perspective_report

    inputs = [(answers(20, {1: 4}), "provider"), (answers(25, {1: 2}), "person")]
    p = score_perspectives(inputs, "rsa")
    assert p.score_columns == ["total"]
    text = str(build_perspective_report(p))
    assert "Factor scores need the instrument's scoring key" in text
    assert "assess key template rsa" in text


def test_the_demo_key_banner_is_on_every_page_and_sheet(tmp_path):
    from assessments.demo import run_rsa_demo

    result = run_rsa_demo(tmp_path)
    assert result["perspectives"] == {
        "administrator": 15,
        "provider": 70,
        "person": 90,
        "family": 25,
    }
    pdf = pypdf.PdfReader(str(tmp_path / "rsa-perspectives-report.pdf"))
    for number, page in enumerate(pdf.pages, start=1):
        text = " ".join(page.extract_text().split())
        assert DEMO_BANNER in text, f"page {number} has no banner"
    html = __import__("html").unescape(
        (tmp_path / "rsa-perspectives-report.html").read_text(encoding="utf-8")
    )
    assert html.count(DEMO_BANNER) >= 2
    book = openpyxl.load_workbook(tmp_path / "rsa-perspectives-report.xlsx")
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        assert sheet.cell(row=1, column=1).value == "banner", sheet.title
        assert sheet.cell(row=2, column=1).value == DEMO_BANNER, sheet.title
    assert "Demo life goals" in html  # the demo key's factors are named as such


def test_cli_several_inputs_and_a_version_column(tmp_path, key):
    runner = CliRunner()
    staff, people = tmp_path / "staff.csv", tmp_path / "people.csv"
    answers(12, {1: 5}).to_csv(staff, index=False)
    answers(15, {4: 1}).to_csv(people, index=False)
    out = tmp_path / "scores.csv"
    r = runner.invoke(
        cli,
        [
            "score",
            "--input",
            f"{staff}:provider",
            "--input",
            f"{people}:person",
            "-i",
            "rsa",
            "--key",
            str(key),
            "-o",
            str(out),
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["perspectives"] == {"provider": 12, "person": 15}
    items = pd.read_csv(tmp_path / "scores.items.csv", keep_default_na=False)
    assert set(items["perspective"]) == {"provider", "person"}
    assert items.loc[items["item"] == "provider 2", "practice"].iloc[0] == "practice 1"
    assert items.loc[items["item"] == "person 5", "practice"].iloc[0] == "practice 1"
    assert items.loc[items["item"] == "provider 3", "practice"].iloc[0] == ""
    table = pd.read_csv(out)
    assert table.groupby("perspective")["life_goals"].mean().to_dict() == {
        "person": pytest.approx(1 / 3 + 2),
        "provider": pytest.approx((5 + 3 + 3) / 3),
    }
    both = pd.concat(
        [answers(12, {1: 5}).assign(form="provider"), answers(15, {4: 1}).assign(form="person")]
    )
    one = tmp_path / "one.csv"
    both.to_csv(one, index=False)
    r = runner.invoke(
        cli,
        [
            "report",
            str(one),
            "--version-column",
            "form",
            "-i",
            "rsa",
            "--key",
            str(key),
            "--format",
            "html",
            "-o",
            str(tmp_path / "r"),
        ],
    )
    assert r.exit_code == 0, r.output
    page = (tmp_path / "r" / "rsa-perspectives-report.html").read_text(encoding="utf-8")
    assert "Scores by perspective" in page
    bad = runner.invoke(cli, ["score", "--input", str(staff), "-i", "rsa", "-o", str(out)])
    assert bad.exit_code == 1
    assert "has no version" in bad.output
    both.loc[both.index[0], "form"] = "volunteer"
    both.to_csv(one, index=False)
    bad = runner.invoke(
        cli, ["score", str(one), "--version-column", "form", "-i", "rsa", "-o", str(out)]
    )
    assert bad.exit_code == 1
    assert "'volunteer'" in bad.output


def test_the_profile_chart_names_perspectives_for_readers():
    from assessments.render.perspectives import build_perspective_report

    inputs = [(answers(20, {1: 4}), "provider"), (answers(25, {1: 2}), "person")]
    report = build_perspective_report(score_perspectives(inputs, "rsa"))
    [profile] = [f for f in report.figures() if "by perspective" in f.caption]
    assert "Person in recovery (n=25)" in profile.svg
    assert ">person (n=" not in profile.svg  # the version id stays out of the legend


@pytest.mark.parametrize("people_higher", [True, False])
def test_the_first_page_tells_the_story_with_names_and_numbers_that_agree(key, people_higher):
    """The perspective report opens with "At a glance": the largest gap in words names the
    higher side first with its own mean (both directions), the page names no statistic, and
    the workbook's first sheet is the same summary."""
    from assessments.render.perspectives import build_perspective_report

    rng = np.random.default_rng(5)
    provider = pd.DataFrame(
        rng.integers(2, 5, (30, 32)), columns=[f"rsa_{k}" for k in range(1, 33)]
    )
    person = pd.DataFrame(rng.integers(2, 5, (40, 32)), columns=[f"rsa_{k}" for k in range(1, 33)])
    high = person if people_higher else provider
    cols = ["rsa_4", "rsa_5", "rsa_6"] if people_higher else ["rsa_1", "rsa_2", "rsa_3"]
    high[cols] = rng.integers(4, 6, (len(high), 3))  # life goals, in that version's numbering
    p = score_perspectives([(provider, "provider"), (person, "person")], "rsa", key=key)
    report = build_perspective_report(p)
    first = report.sections[0]
    assert first.heading == "At a glance"
    text = str(first)
    prof = p.profile().set_index(["perspective", "score"])["mean"]
    mine, theirs = prof[("person", "life_goals")], prof[("provider", "life_goals")]
    if people_higher:
        assert mine > theirs
        expected = "People in recovery rate Life goals higher than provider respondents do "
        expected += f"({mine:.1f} vs {theirs:.1f})"
    else:
        assert theirs > mine
        expected = "Provider respondents rate Life goals higher than people in recovery do "
        expected += f"({theirs:.1f} vs {mine:.1f})"
    assert expected in text
    for jargon in ("Hedges", "confidence", " g ", "p <", "alpha"):
        assert jargon not in text
    assert "70 responses scored: Provider 30, Person in recovery 40." in text
    sheets = dict(report.workbook)
    assert next(iter(sheets)) == "summary"
    assert any(expected in row for row in sheets["summary"]["summary"])

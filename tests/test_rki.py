"""Issue 35: the Recovery Knowledge Inventory ships as data with what two open-access sources
confirm (20 items rated 1-5, four scales by name) and nothing else: which item belongs to which
scale and which items are reversed come from the user's key (``reverse:`` is required), and
nothing is scored without it. The item numbers of the test keys below are arbitrary, not the
RKI's key; scores are checked against a hand computation."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from assessments import InstrumentError, ResponseError, load_instrument, score
from assessments.cli.main import cli
from assessments.history.store import History
from assessments.instruments.key_workbook import read_key_workbook, write_key_template
from assessments.render import build_report

SCALES = ["roles_and_responsibilities", "non_linearity", "self_definition_and_peers",
          "expectations"]  # fmt: skip
KEY = """key_for: rki
source: "Test key: arbitrary numbers, not the RKI's"
versions:
  staff:
    roles_and_responsibilities: [1, 2, 3]
    non_linearity: [4, 5]
    self_definition_and_peers: [6, 7, 8]
    expectations: [9, 10]
"""


@pytest.fixture
def key(tmp_path):
    path = tmp_path / "rki-key.yaml"
    path.write_text(KEY + "reverse:\n  staff: [2, 5, 10]\n", encoding="utf-8")
    return path


def answers() -> pd.DataFrame:
    """Two people; items 11-20 repeat items 1-10."""
    first = [5, 1, 4, 2, 2, 3, 5, 4, 4, 1] * 2
    second = [2, 4, 3, 5, 4, 1, 2, 2, 3, 5] * 2
    return pd.DataFrame([{f"rki_{k + 1}": v for k, v in enumerate(row)} for row in (first, second)])


def test_the_scales_are_the_means_after_the_keys_reversals(key):
    s = score(answers(), "rki", key=key)
    got = s.respondents[SCALES]
    # by hand: items 2, 5 and 10 turned (6 - x)
    # person 1: (5 + 5 + 4)/3, (2 + 4)/2, (3 + 5 + 4)/3, (4 + 5)/2
    # person 2: (2 + 2 + 3)/3, (5 + 2)/2, (1 + 2 + 2)/3, (3 + 1)/2
    assert got.iloc[0].tolist() == pytest.approx([14 / 3, 3.0, 4.0, 4.5])
    assert got.iloc[1].tolist() == pytest.approx([7 / 3, 3.5, 5 / 3, 2.0])
    inst = s.instrument
    assert [i.id for i in inst.items if i.reverse] == ["rki_2", "rki_5", "rki_10"]
    assert {d.key_status for d in inst.scored_domains} == {"user"}
    assert inst.total is None


def test_nothing_is_scored_without_a_key(tmp_path):
    with pytest.raises(ResponseError, match="needs a scoring key") as err:
        score(answers(), "rki")
    assert "reverse:" in err.value.problems[0].hint
    shown = CliRunner().invoke(cli, ["show", "rki"])
    assert shown.exit_code == 0
    assert "from key" in shown.output
    assert "only its scoring instructions list them" in " ".join(shown.output.split())
    path = tmp_path / "answers.csv"
    answers().to_csv(path, index=False)
    refused = CliRunner().invoke(cli, ["report", str(path), "-i", "rki", "-o", str(tmp_path / "r")])
    assert refused.exit_code == 1
    assert "needs a scoring key" in refused.output
    assert "internal error" not in refused.output


def test_a_key_must_say_which_items_it_reverses(tmp_path):
    path = tmp_path / "key.yaml"
    path.write_text(KEY, encoding="utf-8")
    with pytest.raises(InstrumentError) as err:
        load_instrument("rki", key=path)
    problem = next(p for p in err.value.problems if p.code == "reverse-missing")
    assert "reverse: {staff: [item numbers]}" in problem.expected
    path.write_text(KEY + "reverse:\n  staff: [2, 99]\n", encoding="utf-8")
    with pytest.raises(InstrumentError) as err:
        load_instrument("rki", key=path)
    bad = next(p for p in err.value.problems if p.code == "unknown-item")
    assert bad.line == 10  # the line of the wrong number
    assert "99" in bad.message
    path.write_text(KEY + "reverse:\n  staff: [2]\n  stafff: [3]\n", encoding="utf-8")
    with pytest.raises(InstrumentError) as err:  # a misspelt version would reverse nothing
        load_instrument("rki", key=path)
    assert any(p.code == "unknown-version" and p.line == 11 for p in err.value.problems)
    path.write_text(KEY + "reverse:\n  staff: []\n", encoding="utf-8")  # none, said on purpose
    assert not any(i.reverse for i in load_instrument("rki", key=path).items)


def test_the_key_workbook_has_a_reversed_column(tmp_path):
    path = write_key_template("rki", tmp_path / "rki-key.xlsx")
    book = load_workbook(path)
    assert [c.value for c in book["staff"][1]][:4] == [
        "number", "factor", "label (your own words)", "reversed"]  # fmt: skip
    book["source"]["B2"] = "Test scoring sheet"
    sheet = book["staff"]
    names = {d.id: d.name for d in load_instrument("rki").domains}
    for n, scale in enumerate(["roles_and_responsibilities"] * 3 + ["non_linearity"] * 2
                              + ["self_definition_and_peers"] * 3 + ["expectations"] * 2,
                              start=1):  # fmt: skip
        sheet.cell(row=n + 1, column=2, value=names[scale])
    book.save(path)
    with pytest.raises(InstrumentError) as err:  # no item marked: surely a slip
        read_key_workbook(path, "rki")
    assert any(p.code == "reverse-missing" for p in err.value.problems)
    for n in (2, 5, 10):
        sheet.cell(row=n + 1, column=4, value="yes")
    sheet.cell(row=4, column=4, value="maybe")
    book.save(path)
    with pytest.raises(InstrumentError) as err:
        read_key_workbook(path, "rki")
    wrong = next(p for p in err.value.problems if p.code == "bad-reversed")
    assert "cell D4" in str(wrong)
    sheet.cell(row=4, column=4, value="no")
    book.save(path)
    assert read_key_workbook(path, "rki")["reverse"] == {"staff": [2, 5, 10]}
    s = score(answers(), "rki", key=path)
    assert s.respondents["expectations"].tolist() == pytest.approx([4.5, 2.0])


def test_the_demo_template_report_and_history(key, tmp_path):
    run = CliRunner().invoke
    made = run(cli, ["demo", "--instrument", "rki", "-o", str(tmp_path / "demo"), "--n", "60",
                     "--json"])  # fmt: skip
    assert made.exit_code == 0, made.output
    summary = json.loads(made.output)
    assert summary["needs_key"] is True
    export = tmp_path / "demo" / "rki_answers.csv"
    assert export.exists()
    assert run(cli, ["template", "rki", "-o", str(tmp_path / "rki-entry.xlsx")]).exit_code == 0
    listed = run(cli, ["instruments", "--json"])
    rki = next(i for i in json.loads(listed.output) if i["id"] == "rki")
    assert rki["key"] == "domains user (needs a key file)"
    scored = run(cli, ["score", str(export), "-i", "rki", "--key", str(key), "--on-invalid",
                       "missing", "-o", str(tmp_path / "scores.csv")])  # fmt: skip
    assert scored.exit_code == 0, scored.output
    s = score(pd.read_csv(export), "rki", key=key, on_invalid="missing")
    report = build_report(s, n_boot=0)
    assert any(sec.heading == "Domain results" for sec in report.sections)
    with History(tmp_path / "h.sqlite") as h:
        h.add(s, org="Test Agency", wave="2026")
        back = h.load("Test Agency", "2026", "rki")
    assert [i.id for i in back.instrument.items if i.reverse] == ["rki_2", "rki_5", "rki_10"]
    pd.testing.assert_frame_equal(back.respondents[SCALES], s.respondents[SCALES])


def test_the_web_page_scores_it_with_a_key_and_says_why_not_without(web_client, key, tmp_path):
    from test_web import score_on_page, upload

    path = tmp_path / "rki.csv"
    answers().to_csv(path, index=False)

    def started(files: dict) -> tuple[str, str]:
        r = web_client.post("/start", follow_redirects=True)
        wid = str(r.url).split("/w/")[1].split("/")[0]
        csrf = web_client.app.state.workspaces.get(wid).state()["csrf"]
        web_client.post(f"/w/{wid}/instrument", data={"csrf": csrf, "instrument": "rki"},
                        files=files)  # fmt: skip
        return wid, csrf

    wid, csrf = started({})  # no key: the check says so, and nothing is scored
    upload(web_client, wid, csrf, path)
    check = web_client.get(f"/w/{wid}/check")
    assert "needs a scoring key" in check.text
    assert "internal error" not in check.text
    assert 'name="basis"' not in check.text  # no form to score with
    wid, csrf = started({"key_file": ("rki-key.yaml", key.read_bytes())})
    score_on_page(web_client, wid, csrf, path)
    scores = web_client.get(f"/w/{wid}/scores")
    assert scores.status_code == 200
    assert "Roles and responsibilities in recovery" in scores.text
    assert "Expectations regarding recovery" in scores.text

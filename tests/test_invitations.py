"""Issue 29: response rates from the invited counts (``--invited FILE``): computed against an
independent count, the same on the cover, the first page, the data-quality table and the
workbook; a small group keeps its invited count but never its responses or rate; a bad file
is an error naming row, column and value."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pypdf
import pytest
from click.testing import CliRunner

from assessments import score
from assessments.cli.main import cli
from assessments.demo import demo_responses
from assessments.errors import InputFileError, ResponseError
from assessments.render import build_report, render_html
from assessments.render.pdf import render_pdf
from assessments.stats.invitations import read_invited, response_rates

INVITED = {"clinician": 70, "peer specialist": 25, "administrator": 12, "support staff": 30}


@pytest.fixture(scope="module")
def answers() -> pd.DataFrame:
    df = demo_responses("oric", n=90, seed=21)
    df["role"] = df["role"].replace({"administrator": "clinician"})
    df.loc[df.index[-3:], "role"] = "administrator"
    return df  # administrators: the last three rows (a small group)


def _invited_csv(tmp_path, rows) -> str:
    path = tmp_path / "invited.csv"
    pd.DataFrame(rows, columns=["group", "invited"]).to_csv(path, index=False)
    return str(path)


def test_rates_match_an_independent_count(answers, tmp_path):
    s = score(answers, "oric", on_invalid="missing")
    invited = read_invited(_invited_csv(tmp_path, list(INVITED.items())))
    rates = response_rates(s, "role", invited).set_index("group")
    scored = s.respondents["role"].value_counts()
    for group, n_inv in INVITED.items():
        assert rates.loc[group, "responses"] == scored.get(group, 0)
        assert rates.loc[group, "response_rate"] == pytest.approx(
            100 * scored.get(group, 0) / n_inv
        )
    assert rates.loc["all", "invited"] == sum(INVITED.values())
    assert rates.loc["all", "responses"] == s.n_scored
    # an 'all' row gives the organization's total (people invited in no group)
    with_all = read_invited(_invited_csv(tmp_path, [*INVITED.items(), ("all", 150)]))
    total = response_rates(s, "role", with_all).iloc[-1]
    assert (total["invited"], total["response_rate"]) == (
        150,
        pytest.approx(100 * s.n_scored / 150),
    )


def test_every_surface_gives_the_same_rate_and_the_small_group_stays_hidden(answers, tmp_path):
    s = score(answers, "oric", on_invalid="missing")
    n_admin = int((s.respondents["role"] == "administrator").sum())
    assert 0 < n_admin < 5
    invited = _invited_csv(tmp_path, list(INVITED.items()))
    report = build_report(s, "role", invited=invited, n_boot=0)
    rate = 100 * s.n_scored / sum(INVITED.values())
    invited_n = sum(INVITED.values())
    words = f"{s.n_scored} of the {invited_n} people invited gave a usable response ({rate:.0f}%)"
    pdf_text = " ".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(report))).pages
    ).replace("\n", " ")
    html = render_html(report)
    assert words in pdf_text
    assert words in html
    assert f"({rate:.0f}% of {sum(INVITED.values())} invited)" in dict(report.cover)["Respondents"]
    sheet = dict(report.workbook)["response_rates"].set_index("group")
    assert sheet.loc["all", "response_rate"] == pytest.approx(rate)
    # the small group: invited shown, its responses and rate never
    assert bool(sheet.loc["administrator", "suppressed"])
    assert pd.isna(sheet.loc["administrator", "responses"])
    admin_rate = f"{100 * n_admin / INVITED['administrator']:.0f}%"
    table = next(
        b.data
        for sec in report.sections
        for b in sec.blocks
        if getattr(b, "caption", "").startswith("Response rate by role")
    ).set_index("role")
    assert table.loc["administrator", "usable responses"] == "suppressed"
    assert table.loc["administrator", "response rate"] == "suppressed"
    assert admin_rate not in " ".join(table.loc["administrator"].astype(str))


@pytest.mark.parametrize(
    ("rows", "where"),
    [
        ([("clinician", "forty")], (2, "invited")),
        ([("clinician", 40), ("clinician", 41)], (3, "group")),
        ([("clinician", 0)], (2, "invited")),
        ([("clinician", "12.5")], (2, "invited")),
    ],
)
def test_a_bad_invited_file_names_row_and_column(tmp_path, rows, where):
    with pytest.raises(InputFileError) as exc:
        read_invited(_invited_csv(tmp_path, rows))
    problem = exc.value.problems[0]
    assert (problem.row, problem.column) == where


def test_unknown_groups_and_more_answers_than_invited_are_errors(answers, tmp_path):
    s = score(answers, "oric", on_invalid="missing")
    typo = read_invited(_invited_csv(tmp_path, [("clinicain", 40), ("support staff", 30)]))
    with pytest.raises(ResponseError) as exc:
        build_report(s, "role", invited=typo, n_boot=0)
    problem = exc.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (2, "group", "clinicain")
    assert "clinician" in (problem.expected or "")
    too_few = read_invited(_invited_csv(tmp_path, [("support staff", 30), ("clinician", 2)]))
    with pytest.raises(ResponseError, match="usable responses but 2 invited") as exc:
        build_report(s, "role", invited=too_few, n_boot=0)
    assert exc.value.problems[0].row == 3


def test_the_command_line_takes_invited_and_leaves_the_file_alone(answers, tmp_path):
    src = tmp_path / "answers.csv"
    answers.to_csv(src, index=False)
    invited = _invited_csv(tmp_path, list(INVITED.items()))
    before = Path(invited).read_bytes()
    out = tmp_path / "rep"
    result = CliRunner().invoke(
        cli,
        ["report", str(src), "-i", "oric", "--by", "role", "--on-invalid", "missing",
         "--invited", invited, "--format", "xlsx", "-o", str(out), "--n-boot", "0"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out / "oric-report.xlsx", read_only=True)
    assert "response_rates" in wb.sheetnames
    assert Path(invited).read_bytes() == before
    bad = tmp_path / "bad.csv"
    bad.write_text("group,invited\nclinician,lots\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["report", str(src), "-i", "oric", "--by", "role", "--on-invalid", "missing",
         "--invited", str(bad), "-o", str(tmp_path / "rep2")],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "row 2" in result.output
    assert "'lots'" in result.output
    assert "internal error" not in result.output

"""The input is never replaced by an output, and CSV output cannot run or break (issue 15, the
first part: overwriting inputs, carriage returns, formula-like headers)."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from assessments.cli.main import cli
from assessments.demo import demo_responses
from assessments.io.tables import write_table


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def answers(tmp_path):
    path = tmp_path / "answers.csv"
    demo_responses("oric", n=60, seed=2).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("how", ["same", "symlink", "dot"])
def test_score_refuses_to_write_over_its_input(answers, tmp_path, how):
    before = digest(answers)
    target = {"same": answers, "dot": answers.parent / "." / answers.name}.get(how)
    source = answers
    if how == "symlink":
        source = tmp_path / "link.csv"
        source.symlink_to(answers)
        target = answers
    result = run("score", source, "-i", "oric", "--on-invalid", "missing", "-o", target)
    assert result.exit_code == 1
    assert "is an input file" in result.output
    assert digest(answers) == before


def test_an_xlsx_input_and_the_action_plan_and_the_report_folder(answers, tmp_path):
    book = tmp_path / "in.xlsx"
    demo_responses("oric", n=60, seed=2).to_excel(book, index=False)
    before = digest(book)
    for args in (
        ("score", book, "-i", "oric", "--on-invalid", "missing", "-o", book),
        ("actions", book, "-i", "oric", "--on-invalid", "missing", "-o", book),
    ):
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert digest(book) == before
    folder = tmp_path / "d"
    folder.mkdir()
    report_xlsx = folder / "oric-report.xlsx"
    shutil.copy(book, report_xlsx)
    before = digest(report_xlsx)
    result = run("report", report_xlsx, "-i", "oric", "--on-invalid", "missing", "-o", folder)
    assert result.exit_code == 1
    assert "is an input file" in result.output
    assert digest(report_xlsx) == before
    assert not (folder / "oric-report.pdf").exists()  # refused before any work


def test_a_mapping_file_is_never_overwritten(answers, tmp_path):
    mapping = tmp_path / "map.yaml"
    assert run("map", answers, "-i", "oric", "-o", mapping).exit_code == 0
    before = digest(mapping)
    result = run("map", mapping, "-i", "oric", "-o", mapping)
    assert result.exit_code == 1
    assert digest(mapping) == before


def test_carriage_returns_are_quoted_and_rows_read_back(tmp_path):
    df = pd.DataFrame({"note": ["\r=1+1", "two\rlines", "plain"] * 4, "x": range(12)})
    path = write_table(df, tmp_path / "out.csv")
    text = path.read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 13
    back = pd.read_csv(path)
    assert len(back) == 12
    assert back["note"].iloc[0] == "'\r=1+1"  # escaped, and still one cell
    assert back["note"].iloc[1] == "two\rlines"


@pytest.mark.parametrize(
    ("header", "escaped"),
    [
        ('=HYPERLINK("http://x")', True),
        ("@SUM(1)", True),
        ("-x", True),
        ("+1+1", True),
        ("  =1+1", True),  # leading spaces: some spreadsheets trim them and run the rest
        ("\uff1d1+1", True),  # full-width equals sign
        ("-3", False),  # a number stays a number
        ("site", False),
    ],
)
def test_headers_get_the_same_treatment_as_cells(tmp_path, header, escaped):
    path = write_table(pd.DataFrame({header: ["a"], "y": [header]}), tmp_path / "h.csv")
    first, second = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))[:2]
    assert first[0] == ("'" + header if escaped else header)
    assert second[1] == ("'" + header if escaped else header)


def test_outputs_follow_the_umask(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        path = write_table(pd.DataFrame({"x": [1]}), tmp_path / "u.csv")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_ctrl_c_exits_130(answers, monkeypatch, tmp_path):
    import assessments.cli.common as common

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(common, "load_responses", interrupted)
    result = run("score", answers, "-i", "oric", "-o", tmp_path / "s.csv")
    assert result.exit_code == 130
    assert not (tmp_path / "s.csv").exists()


def test_a_report_where_every_group_is_hidden_says_so(tmp_path):
    df = demo_responses("oric", n=12, seed=1)
    df["role"] = [f"r{i % 4}" for i in range(len(df))]  # four groups of 3
    path = tmp_path / "small.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "report"
    result = run("report", path, "-i", "oric", "--by", "role", "--on-invalid", "missing", "-o", out)
    assert result.exit_code == 0, result.output
    html = (out / "oric-report.html").read_text(encoding="utf-8")
    assert "No group of role is large enough to show" in html
    assert {p.name for p in out.iterdir()} == {
        "oric-report.html",
        "oric-report.pdf",
        "oric-report.xlsx",
    }


def test_a_parent_path_that_is_a_file_is_a_clear_error(answers, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    result = run("score", answers, "-i", "oric", "--on-invalid", "missing", "-o", blocker / "s.csv")
    assert result.exit_code == 1
    assert "a part of the path is a file" in result.output
    assert "internal error" not in result.output


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (OSError(28, "No space left on device"), "the disk is full"),
        (PermissionError(13, "Permission denied"), "cannot be written to"),
    ],
)
def test_a_full_disk_or_a_read_only_folder_leaves_no_partial_file(
    answers, tmp_path, monkeypatch, error, words
):
    """Simulated (the tests may run as root, who can write anywhere): the write itself fails."""
    import pandas.core.generic

    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(pandas.core.generic.NDFrame, "to_csv", failing)
    out = tmp_path / "scores.csv"
    result = run("score", answers, "-i", "oric", "--on-invalid", "missing", "-o", out)
    assert result.exit_code == 1
    assert words in result.output
    assert "nothing was written" in result.output
    assert list(tmp_path.glob("*.part")) == []
    assert not out.exists()


def test_a_report_set_is_written_whole_or_not_at_all(answers, tmp_path, monkeypatch):
    import errno

    import assessments.io.tables as tables

    real = tables.atomic_set

    def full_disk_on_pdf(files):
        def fail(tmp):
            raise OSError(errno.ENOSPC, "No space left on device")

        return real([(p, fail if p.suffix == ".pdf" else w) for p, w in files])

    monkeypatch.setattr("assessments.render.files.atomic_set", full_disk_on_pdf)
    out = tmp_path / "report"
    result = run("report", answers, "-i", "oric", "--on-invalid", "missing", "-o", out)
    assert result.exit_code == 1
    assert "the disk is full" in result.output
    assert not out.exists() or not any(out.iterdir())  # no HTML without the PDF and XLSX


def test_reliability_and_agreement_by_group_cannot_be_undone_by_subtraction(tmp_path):
    """Sites of 3, 6 and 7: the overall item means and the shown sites' item means must not
    give back the 3-person site's means (issue 15)."""
    import json

    df = demo_responses("oric", n=16, seed=9).reset_index(drop=True)
    df["site"] = ["small"] * 3 + ["middle"] * 6 + ["large"] * 7
    path = tmp_path / "sites.csv"
    df.to_csv(path, index=False)
    base = ("-i", "oric", "--on-invalid", "missing", "--json")
    overall = json.loads(run("reliability", path, *base).output)
    by_site = json.loads(run("reliability", path, *base, "--by", "site").output)
    shown = [r for r in by_site["items"] if not r["suppressed"]]
    assert {r["group"] for r in shown} == {"large"}  # the small site and its complement hidden
    everyone = {r["item"]: (r["mean"], r["n"]) for r in overall["items"]}
    from assessments import score

    scored = score(df, "oric", on_invalid="missing")
    truth = scored.items.assign(site=scored.respondents["site"].to_numpy())
    for r in shown:
        _, n_all = everyone[r["item"]]
        answered = truth.groupby("site")[r["item"]].count()
        # all that subtraction gives is the pooled mean of the small and the middle site
        assert n_all - r["n"] == answered["small"] + answered["middle"]
        assert answered["middle"] > 0
    agree = json.loads(run("agreement", path, *base, "--by", "site").output)["agreement"]
    assert {r["group"] for r in agree if not r["suppressed"]} <= {"large"}


def test_gaps_with_a_small_group_or_its_complement_are_hidden():
    from assessments import score
    from assessments.stats import gaps

    df = demo_responses("oric", n=40, seed=3)
    df["role"] = ["tiny"] * 3 + ["next"] * 8 + ["big"] * (len(df) - 11)
    s = score(df, "oric", on_invalid="missing")
    # "next" is the complement of "tiny": comparing it with "big" would give "tiny" away
    assert gaps(s, a="next", b="big", by="role")["suppressed"].all()
    assert gaps(s, a="tiny", b="big", by="role")["suppressed"].all()


def test_compare_json_hides_the_small_group_and_its_complement(tmp_path):
    import json

    df = demo_responses("oric", n=16, seed=9).reset_index(drop=True)
    df["site"] = ["small"] * 3 + ["middle"] * 6 + ["large"] * 7
    path = tmp_path / "sites.csv"
    df.to_csv(path, index=False)
    args = ("-i", "oric", "--on-invalid", "missing", "--json", "--by", "site")
    data = json.loads(run("compare", path, *args).output)
    shown = {r["group"] for r in data["descriptives"] if not r["suppressed"]}
    assert shown == {"large"}
    for table in ("posthoc",):
        for r in data.get(table, []):
            assert not {r.get("group1"), r.get("group2")} & {"small", "middle"}


def test_a_full_disk_while_writing_a_workbook_leaves_nothing(answers, tmp_path, monkeypatch):
    """The workbook is written to its temporary file, then the disk fills up (simulated at the
    last step before the rename): no workbook, no temporary file."""
    import errno

    import assessments.io.tables as tables

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tables.os, "chmod", full)
    out = tmp_path / "scores.xlsx"
    result = run("score", answers, "-i", "oric", "--on-invalid", "missing", "-o", out)
    assert result.exit_code == 1
    assert "the disk is full" in result.output
    assert not out.exists()
    assert list(tmp_path.glob("*.part")) == []

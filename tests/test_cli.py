"""The assess command: output, files written, exit codes, messages without tracebacks."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import openpyxl
import pandas as pd
from click.testing import CliRunner

from assessments.cli.main import cli


def run(*args):
    result = CliRunner().invoke(cli, list(map(str, args)))
    return result


def answers_csv(tmp_path, bad=False):
    df = pd.DataFrame({f"oric_{k}": [4, 5, None] for k in range(1, 13)})
    df.insert(0, "site", ["A", "B", "C"])
    if bad:
        df["oric_3"] = df["oric_3"].astype(object)
        df.loc[1, "oric_3"] = "Agre"
        df.loc[0, "oric_7"] = 9
    path = tmp_path / "answers.csv"
    df.to_csv(path, index=False)
    return path


def test_instruments_json():
    result = run("instruments", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == [
        "oric",
        "orca",
        "rsa",
        "rsa-r",
        "rki",
        "peer-support-practices",
    ]
    assert rows[1]["n_items"] == {"staff": 77}


def test_show_lists_items_and_key_status():
    result = run("show", "orca")
    assert result.exit_code == 0
    assert "orca_20e" in result.output
    assert "provisional" in result.output
    data = json.loads(run("show", "rsa", "--version", "family", "--json").output)
    assert len(data["items"]) == 40
    assert data["warnings"]


def test_score_csv_writes_scores_and_excluded(tmp_path):
    src = answers_csv(tmp_path)
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    out = tmp_path / "scores.csv"
    result = run("score", src, "-i", "oric", "-o", out, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["rows_read"], summary["scored"], summary["excluded"]) == (3, 2, 1)
    scores = pd.read_csv(out)
    assert scores["change_commitment"].tolist() == [4.0, 5.0]
    assert scores["site"].tolist() == ["A", "B"]
    excluded = pd.read_csv(tmp_path / "scores.excluded.csv")
    assert excluded["row"].tolist() == [4]
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before


def test_score_xlsx_has_the_sheets(tmp_path):
    out = tmp_path / "scores.xlsx"
    result = run("score", answers_csv(tmp_path), "-i", "oric", "-o", out)
    assert result.exit_code == 0, result.output
    assert "rows read" in result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["scores", "excluded", "invalid", "items", "recodes", "notes"]


def test_invalid_answers_exit_1_with_located_messages(tmp_path):
    src = answers_csv(tmp_path, bad=True)
    result = run("score", src, "-i", "oric", "-o", tmp_path / "s.csv")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "row 2, column 'oric_7': answer not on the scale" in result.output
    assert "row 3, column 'oric_3'" in result.output
    assert "did you mean 'agree'" in result.output
    assert not (tmp_path / "s.csv").exists()
    result = run("score", src, "-i", "oric", "-o", tmp_path / "s.csv", "--on-invalid", "missing")
    assert result.exit_code == 0
    assert (tmp_path / "s.invalid.csv").exists()


def test_errors_as_json(tmp_path):
    result = run("score", tmp_path / "nope.csv", "-i", "oric", "-o", tmp_path / "s.csv", "--json")
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert payload["ok"] is False
    assert payload["problems"][0]["code"] == "file-not-found"


def test_demo_writes_example_data_and_scores(tmp_path):
    result = run("demo", "-o", tmp_path / "demo", "--n", 60)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "demo").iterdir())
    assert names == [
        "orca-action-plan.xlsx",
        "orca-report.html",
        "orca-report.pdf",
        "orca-report.xlsx",
        "orca_answers.xlsx",
        "orca_scores.xlsx",
        "oric-action-plan.xlsx",
        "oric-report.html",
        "oric-report.pdf",
        "oric-report.xlsx",
        "oric_answers.csv",
        "oric_answers_2025.csv",
        "oric_scores.csv",
        "oric_scores.excluded.csv",
        "oric_scores.invalid.csv",
        "rsa-demo-key.yaml",
        "rsa-perspectives-report.html",
        "rsa-perspectives-report.pdf",
        "rsa-perspectives-report.xlsx",
        "rsa_administrator_answers.csv",
        "rsa_family_answers.csv",
        "rsa_person_answers.csv",
        "rsa_provider_answers.csv",
    ]
    assert "demonstration key" in result.output
    scores = pd.read_csv(tmp_path / "demo" / "oric_scores.csv")
    excluded = pd.read_csv(tmp_path / "demo" / "oric_scores.excluded.csv")
    assert len(scores) + len(excluded) == 60
    assert set(scores["site"]) == {"North Clinic", "Riverside", "Downtown Center"}


def test_internal_errors_are_short_unless_debugging(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("assessments.instruments.list_instruments", broken)
    result = run("instruments")
    assert result.exit_code == 3
    assert "internal error: ZeroDivisionError: boom" in result.output
    assert "ASSESS_DEBUG=1" in result.output
    monkeypatch.setenv("ASSESS_DEBUG", "1")
    result = run("instruments")
    assert isinstance(result.exception, ZeroDivisionError)


def test_console_script_exit_code(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "assessments",
            "score",
            str(tmp_path / "x.csv"),
            "-i",
            "nope",
            "-o",
            str(tmp_path / "o.csv"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "error" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_command_line_starts_without_the_heavy_libraries():
    """`assess --help` and light commands must not import pandas, scipy, matplotlib or
    SQLAlchemy (measured in benchmarks: 0.8 s before lazy imports, about 0.15 s after)."""
    import subprocess
    import sys

    code = (
        "import sys, assessments, assessments.cli.main; "
        "print(sorted(m for m in ('pandas', 'scipy', 'matplotlib', 'sqlalchemy') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_command_has_an_example_in_its_help():
    """Issue 33: the README says every command has one; six did not."""
    import click

    from assessments.cli.main import cli

    def walk(group, prefix=()):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from walk(command, (*prefix, name))
            else:
                yield (*prefix, name)

    runner = CliRunner()
    missing = [
        " ".join(path)
        for path in walk(cli)
        if "Example" not in runner.invoke(cli, [*path, "--help"]).output
    ]
    assert missing == []


def test_validate_says_header_rows_skipped_only_when_rows_were(tmp_path):
    """Issue 33: a plain one-row CSV header was reported as 'header rows skipped: 1'."""
    from assessments.demo import demo_responses
    from assessments.io.tables import write_table

    path = tmp_path / "plain.csv"
    write_table(demo_responses("oric", n=20), path)
    out = CliRunner().invoke(cli, ["validate", str(path), "-i", "oric", "--on-invalid", "missing"])
    assert out.exit_code == 0, out.output
    assert "header rows skipped" not in out.output


def test_the_demo_ends_with_next_steps_that_work(tmp_path):
    """Issue 33: the demo printed nothing for 14 s and suggested no next step. It now shows
    its steps (on stderr, at a terminal) and ends with three things to try, each of which
    works as printed."""
    import shlex

    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "-o", str(out), "--n", "40"])
    assert result.exit_code == 0, result.output
    lines = result.output.split("Next, try:", 1)[1].strip().splitlines()
    assert len(lines) == 3
    assert (out / "oric-report.pdf").is_file()
    assert lines[0].strip().startswith(f"{out}/oric-report.pdf")
    for line in lines[1:]:
        args = shlex.split(line.split("  (")[0])
        assert args[0] == "assess"
        ran = CliRunner().invoke(cli, args[1:])
        assert ran.exit_code in (0, 1), ran.output  # validate finds the demo's three typos
        assert "internal error" not in ran.output


def test_tables_at_80_columns_never_split_a_number():
    """Issue 33: at 80 columns, CLI tables split numbers over lines ("0.0 / 71" for 0.071).
    Numbers never wrap: the last columns are left out, and the reader is told how to see
    them."""
    import io

    from rich.console import Console

    from assessments import score
    from assessments.cli.output import print_frame
    from assessments.demo import demo_responses
    from assessments.stats import compare

    s = score(demo_responses("orca", n=150, seed=2), "orca", on_invalid="missing")
    table = compare(s, "role")
    con = Console(width=80, record=True, file=io.StringIO())
    columns = [
        "domain",
        "n",
        "k_groups",
        "suppressed_groups",
        "test",
        "statistic",
        "p_value",
        "p_adjusted",
        "eta_squared",
        "omega_squared",
    ]  # as `assess compare` shows them
    print_frame(con, table, "compare", columns)
    text = con.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "left out at this width" in text
    assert "--json" in text
    shown = [c for c in ("statistic", "p_value") if c in text]
    assert shown  # the first numeric columns are there, each number whole
    for v in table["statistic"].head(5):
        assert f"{v:.3f}" in text

"""assess reliability | compare | agreement | gaps | norms, and the README command table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from assessments.cli.main import cli
from assessments.demo import demo_responses

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "oric.csv"
    df = demo_responses("oric", n=150, seed=9)
    df.loc[:3, "role"] = "intern"  # a group of 4: must be suppressed
    df.to_csv(path, index=False)
    return path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_compare_json_has_all_tables_and_suppresses_small_groups(answers):
    result = run(
        "compare", answers, "-i", "oric", "--by", "role", "--on-invalid", "missing", "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"compare", "descriptives", "posthoc"} <= set(data)
    # the group of 4 and, so that it cannot be worked out from a total, the next smallest
    hidden = {g for r in data["compare"] for g in r["suppressed_groups"].split(", ")}
    assert "intern" in hidden
    assert len(hidden) == 2
    rows = [r for r in data["descriptives"] if r["group"] in hidden]
    assert rows
    assert all(r["suppressed"] and r["mean"] is None for r in rows)
    assert not any({r["group1"], r["group2"]} & hidden for r in data["posthoc"])


def test_reliability_writes_a_workbook(answers, tmp_path):
    out = tmp_path / "rel.xlsx"
    result = run("reliability", answers, "-i", "oric", "--on-invalid", "missing", "-o", out)
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).sheetnames == ["reliability", "items", "omega_h"]
    assert "raw_alpha" in result.output


def test_agreement_and_csv_outputs(answers, tmp_path):
    out = tmp_path / "agree.csv"
    result = run(
        "agreement",
        answers,
        "-i",
        "oric",
        "--by",
        "site",
        "--on-invalid",
        "missing",
        "--icc-ci",
        "cluster_bootstrap",
        "--n-boot",
        "50",
        "-o",
        out,
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert (table["icc_ci_method"] == "cluster_bootstrap").all()
    assert set(table["group"]) == {"North Clinic", "Riverside", "Downtown Center"}
    assert table["verdict"].str.match(r"^(supported|not supported|cannot be judged)").all()
    assert (table["aggregate"] == (table["agree_within"] & table["differ_between"])).all()


def test_gaps_and_an_unknown_group(answers):
    result = run(
        "gaps",
        answers,
        "-i",
        "oric",
        "--by",
        "role",
        "--a",
        "peer specialist",
        "--b",
        "clinician",
        "--on-invalid",
        "missing",
        "--json",
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["gaps"]
    assert rows[0]["level"] == "domain"
    result = run(
        "gaps",
        answers,
        "-i",
        "oric",
        "--by",
        "role",
        "--a",
        "nurse",
        "--b",
        "clinician",
        "--on-invalid",
        "missing",
    )
    assert result.exit_code == 1
    assert "no respondents with role = 'nurse'" in result.output


def test_norms_with_a_benchmark_file(tmp_path):
    src = tmp_path / "orca.csv"
    demo_responses("orca", n=80, seed=3).to_csv(src, index=False)
    bench = tmp_path / "bench.csv"
    bench.write_text("target,mean,sd,n,source\nevidence,3.9,0.5,120,State average 2025\n")
    result = run(
        "norms", src, "-i", "orca", "--on-invalid", "missing", "--benchmarks", bench, "--json"
    )
    assert result.exit_code == 0, result.output
    targets = [r["target"] for r in json.loads(result.output)["norms"]]
    assert targets[-1] == "evidence"
    assert len(targets) == 7


def test_every_command_has_an_example_and_a_readme_row():
    readme = README.read_text()
    table_rows = re.findall(r"^\| `assess ([\w-]+)", readme, flags=re.MULTILINE)
    for name, command in cli.commands.items():
        assert command.help, name
        assert "Example:" in command.help, name
        assert f"assess {name}" in command.help, name
        assert name in table_rows, f"assess {name} is missing from the README command table"

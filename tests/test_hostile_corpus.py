"""The bad-input corpus, all of it, through the commands a user runs (issue 15).

Each new hostile file has its own test below; then every file in ``tests/data/bad/`` goes
through ``score``, ``validate`` and ``report`` (YAML files through ``show``) in a fresh process
with a memory cap. None may exit with anything but 0, 1 or 2, print a traceback, change its
input, or leave a partial output, and each finishes in seconds.
"""

from __future__ import annotations

import hashlib
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from assessments import read_responses
from assessments.cli.main import cli
from assessments.errors import AssessmentError

BAD = Path(__file__).parent / "data" / "bad"
DATA = sorted(p for p in BAD.iterdir() if p.suffix in (".csv", ".xlsx", ".xlsm", ".txt"))
YAML = sorted(BAD.glob("*.yaml"))
MEMORY_CAP = 3 * 1024**3


def error_of(path: Path) -> AssessmentError:
    with pytest.raises(AssessmentError) as err:
        read_responses(path, "oric")
    return err.value


@pytest.mark.parametrize(
    ("name", "code", "row", "words"),
    [
        ("far-cell.xlsx", "too-large", None, "row 1,048,576 and column 16,384"),
        ("wide-header.csv", "too-many-columns", None, "6,000 columns in the header"),
        ("unclosed-quote.csv", "csv-parse", 3, "EOF inside string"),
        ("big-cell-row-3.csv", "cell-too-long", 3, "200,000 characters"),
        ("workbook-named.csv", "wrong-extension", None, "Excel workbook"),
        ("broken-shared-strings.xlsx", "excel-damaged", None, "damaged"),
    ],
)
def test_each_hostile_file_names_the_real_place_and_cause(name, code, row, words):
    problem = error_of(BAD / name).problems[0]
    assert problem.code == code
    assert problem.row == row
    assert words in str(problem)


def test_a_carriage_return_and_a_formula_header_cannot_break_or_run(tmp_path):
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(
        cli, ["score", str(BAD / "carriage-return.csv"), "-i", "oric", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    text = out.read_bytes().decode("utf-8")
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 7  # header and six respondents, whatever the carriage return
    assert '\'=HYPERLINK("http://x")' in rows[0]  # the column name cannot run either
    assert "'\r=1+1" in rows[1]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("billion-laughs.yaml", "yaml-too-large"),
        ("include-tag.yaml", "yaml-tag"),
        ("merge-keys.yaml", "yaml-merge-key"),
        ("self-alias.yaml", "yaml-recursive"),
        ("deep-list.yaml", "yaml-too-deep"),
    ],
)
def test_hostile_definition_files(name, code):
    result = CliRunner().invoke(cli, ["show", str(BAD / name), "--json"])
    assert result.exit_code == 1
    assert f'"code": "{code}"' in result.output


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assessments.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_capped,
    )


@pytest.mark.parametrize("path", DATA + YAML, ids=lambda p: p.name)
def test_the_whole_corpus_through_every_command(path, tmp_path):
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    if path.suffix == ".yaml":
        commands = [["show", str(path)]]
    else:
        base = [str(path), "-i", "oric", "--on-invalid", "missing"]
        commands = [
            ["validate", *base],
            ["score", *base, "-o", str(tmp_path / "scores.csv")],
            ["report", *base, "-o", str(tmp_path / "report"), "--format", "html"],
        ]
    for args in commands:
        result = _run(args, tmp_path)  # its own timeout catches a hang; no clock is asserted
        assert result.returncode in (0, 1, 2), (args, result.returncode, result.stderr[-2000:])
        for stream in (result.stdout, result.stderr):
            assert "Traceback" not in stream, stream[-2000:]
            assert "internal error" not in stream, stream[-2000:]
            assert "Fatal Python error" not in stream
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert not list(tmp_path.rglob("*.part"))

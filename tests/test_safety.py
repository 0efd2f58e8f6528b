"""Safety: generated exports never crash the import with anything but our errors; no output of
any command lets a cell run as a formula; the same input gives the same files."""

from __future__ import annotations

import csv
import hashlib
import io

import openpyxl
import pandas as pd
import pypdf
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments import AssessmentError, read_responses, score
from assessments.cli.main import cli
from assessments.demo import demo_responses
from assessments.render import build_report, render_html, render_pdf

ITEMS = [f"oric_{k}" for k in range(1, 13)]
RISKY = ("=", "+", "-", "@", "\t", "\r")
answer = st.one_of(
    st.sampled_from(
        [
            1,
            2,
            3,
            4,
            5,
            "Agree",
            "somewhat agree",
            "N/A",
            "",
            "NA",
            None,
            0,
            9,
            2.5,
            "=1+1",
            "@SUM(A1)",
            "-",
            "ñandú",
            "4 - Somewhat agree",
        ]
    ),
    st.text(max_size=12),
)
meta = st.text(max_size=20)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(meta, st.lists(answer, min_size=12, max_size=12)), min_size=1, max_size=25),
    st.sampled_from(["csv", "xlsx"]),
)
def test_generated_exports_import_score_and_log_reversibly(tmp_path, rows, kind):
    df = pd.DataFrame([[m, *a] for m, a in rows], columns=["note", *ITEMS]).astype(object)
    path = tmp_path / f"export.{kind}"
    if kind == "csv":
        df.to_csv(path, index=False)
    else:
        df.to_excel(path, index=False)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        r = read_responses(path, "oric", mapping=None)
        s = score(r, on_invalid="missing")
    except AssessmentError:
        return  # e.g. an export whose only rows are empty: a clear error is the right answer
    finally:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert s.n_scored + s.n_excluded == s.rows_read == len(r.data)
    # the log undoes the import: raw = data, except the logged cells, which hold the original
    cells = r.recoded_cells()
    for item, col in r.columns.items():
        raw = r.raw[col].astype(object).where(r.raw[col].notna(), None).tolist()
        data = r.data[item].astype(object).where(r.data[item].notna(), None).tolist()
        logged = dict(
            zip(
                cells[cells["item"] == item]["row"],
                cells[cells["item"] == item]["original"],
                strict=True,
            )
        )
        for row, a, b in zip(r.rows, raw, data, strict=True):
            assert logged.get(row, b) == a or (a is None and row in logged)


def formula_like(value: str) -> bool:
    return value.startswith(RISKY) and not _number(value)


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_no_output_of_any_command_runs_as_a_formula(tmp_path):
    df = demo_responses("oric", n=120, seed=6)
    df["note"] = ['=HYPERLINK("http://x")', "+1+1", "-cmd", "@SUM(A1)", "\tTAB", "\rCR"] * 20
    df["role"] = df["role"].replace({"support staff": "=EVIL()"})
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False)
    run = CliRunner().invoke
    base = [str(src), "-i", "oric", "--on-invalid", "missing"]
    commands = [
        ["score", *base, "-o", str(tmp_path / "s.csv")],
        ["score", *base, "-o", str(tmp_path / "s.xlsx")],
        ["compare", *base, "--by", "role", "-o", str(tmp_path / "c.csv")],
        ["compare", *base, "--by", "role", "-o", str(tmp_path / "c.xlsx")],
        ["reliability", *base, "--by", "role", "-o", str(tmp_path / "r.csv")],
        ["agreement", *base, "--by", "role", "--n-boot", "20", "-o", str(tmp_path / "a.csv")],
        [
            "gaps",
            *base,
            "--by",
            "role",
            "--a",
            "=EVIL()",
            "--b",
            "clinician",
            "-o",
            str(tmp_path / "g.csv"),
        ],
        ["norms", *base, "-o", str(tmp_path / "n.csv")],
        [
            "report",
            *base,
            "--by",
            "role",
            "--format",
            "xlsx",
            "--n-boot",
            "20",
            "-o",
            str(tmp_path / "rep"),
        ],
    ]
    for command in commands:
        result = run(cli, command)
        assert result.exit_code == 0, (command[0], result.output)
    seen_risky_text = 0
    for path in sorted(tmp_path.rglob("*.csv")):
        if path.name == "in.csv":
            continue
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                for cell in row:
                    assert not formula_like(cell), (path.name, cell)
                    seen_risky_text += cell.startswith("'") and cell[1:].startswith(RISKY)
    assert seen_risky_text > 0  # the risky values did reach the CSV outputs, escaped
    for path in sorted(tmp_path.rglob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path.name, ws.title, cell.coordinate)


def test_same_input_same_files(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    df = demo_responses("oric", n=80, seed=2)
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False)
    digests = []
    for k in (1, 2):
        out = tmp_path / f"run{k}"
        result = CliRunner().invoke(
            cli,
            ["score", str(src), "-i", "oric", "--on-invalid", "missing", "-o", str(out / "s.xlsx")],
        )
        assert result.exit_code == 0
        result = CliRunner().invoke(
            cli,
            [
                "report",
                str(src),
                "-i",
                "oric",
                "--on-invalid",
                "missing",
                "--by",
                "role",
                "--n-boot",
                "50",
                "--format",
                "html,xlsx",
                "-o",
                str(out),
            ],
        )
        assert result.exit_code == 0
        digests.append(
            {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}
        )
    assert digests[0] == digests[1]
    s = score(df, "oric", on_invalid="missing")
    a, b = (render_pdf(build_report(s, "role", n_boot=50)) for _ in range(2))
    pa, pb = pypdf.PdfReader(io.BytesIO(a)), pypdf.PdfReader(io.BytesIO(b))
    assert [p.extract_text() for p in pa.pages] == [p.extract_text() for p in pb.pages]
    images = [[img.data for p in r.pages for img in p.images] for r in (pa, pb)]
    assert images[0] == images[1]
    assert pa.metadata["/CreationDate"].startswith("D:20260101")
    html = render_html(build_report(s, "role", n_boot=50))
    assert "2026-01-01" in html


@pytest.mark.parametrize("value", ["-5", "-0.25", "+3", "12"])
def test_numbers_are_not_escaped(tmp_path, value):
    from assessments.io import write_table

    path = write_table(pd.DataFrame({"x": [value]}), tmp_path / "n.csv")
    assert path.read_text().splitlines()[1] == value

"""Hostile files get a clear error, quickly, and are never modified (issue 15, second part):
a stray cell at XFD1048576, a CSV a million columns wide, a workbook named .csv, devices and
pipes. Each file is made here."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from assessments.cli.main import cli


def check(path: Path, *fragments: str) -> None:
    before = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    result = CliRunner().invoke(cli, ["validate", str(path), "-i", "oric"])  # bounded by size
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output
    if before is not None:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_cell_at_the_last_row_and_column_is_refused_before_reading(tmp_path):
    path = tmp_path / "far.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["respondent_id", "oric_1"])
    ws.append(["R1", 3])
    ws["XFD1048576"] = 1
    wb.save(path)
    assert path.stat().st_size < 10_000
    check(path, "row 1,048,576 and column 16,384")


def test_a_million_columns_are_refused_from_the_header_line(tmp_path):
    path = tmp_path / "wide.csv"
    n = 1_000_000
    path.write_text(",".join(f"c{i}" for i in range(n)) + "\n" + "1," * (n - 1) + "1\n")
    check(path, "1,000,000 columns in the header")


def test_a_workbook_named_csv_says_what_it_is(tmp_path):
    book = tmp_path / "answers.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["oric_1"])
    wb.save(book)
    named = tmp_path / "answers.csv"
    book.rename(named)
    check(named, "Excel workbook", "rename it to answers.xlsx")


def test_a_device_is_not_called_a_missing_file():
    check(Path("/dev/zero"), "not a regular file")


def test_a_pipe_is_not_called_a_missing_file(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    check(fifo, "not a regular file")


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"%PDF-1.4\n1 0 obj\n", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "a PNG image"),
    ],
)
def test_a_document_renamed_csv_is_called_what_it_is(tmp_path, head, what):
    """Issue 33: a PDF renamed .csv was blamed on the delimiter."""
    path = tmp_path / "answers.csv"
    path.write_bytes(head + b"\n" * 3)
    check(path, what, "not a table of answers")

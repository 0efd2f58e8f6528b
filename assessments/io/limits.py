"""Limits that keep hostile or broken files from exhausting the machine.

Checked before and while reading: the expanded size of a workbook and its compression ratio
(zip bombs), and the rows, columns and cell length of any table. Each limit has a default and
can be changed with an environment variable:

======================  ===============================  ==========================
limit                   variable                         default
======================  ===============================  ==========================
rows                    ``ASSESS_MAX_ROWS``              2,000,000
columns                 ``ASSESS_MAX_COLUMNS``           5,000
characters in a cell    ``ASSESS_MAX_CELL_CHARS``        32,767 (Excel's own limit)
expanded workbook       ``ASSESS_MAX_EXPANDED_MB``       4,000 MB
compression ratio       ``ASSESS_MAX_COMPRESSION_RATIO`` 200 (above 50 MB expanded)
======================  ===============================  ==========================

Workbooks are never executed: macros are not run, links to other workbooks are not followed, and
openpyxl (the fallback reader) parses XML with defusedxml.

Examples
--------
>>> current_limits().max_cell_chars
32767
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputFileError, Problem

SMALL_EXPANSION = 50_000_000


@dataclass(frozen=True)
class Limits:
    """The limits in force (see the module docstring)."""

    max_rows: int = 2_000_000
    max_columns: int = 5_000
    max_cell_chars: int = 32_767
    max_expanded_bytes: int = 4_000_000_000
    max_compression_ratio: float = 200.0


def current_limits() -> Limits:
    """The defaults, overridden by any ``ASSESS_MAX_*`` environment variables."""
    env = os.environ

    def number(name: str, default: float) -> float:
        try:
            return float(env[name]) if name in env else default
        except ValueError:
            raise InputFileError(
                Problem(
                    "bad-limit",
                    f"{name}={env[name]!r} is not a number",
                    hint=f"unset it, or give a number such as {default:g}",
                )
            ) from None

    d = Limits()
    return Limits(
        max_rows=int(number("ASSESS_MAX_ROWS", d.max_rows)),
        max_columns=int(number("ASSESS_MAX_COLUMNS", d.max_columns)),
        max_cell_chars=int(number("ASSESS_MAX_CELL_CHARS", d.max_cell_chars)),
        max_expanded_bytes=int(number("ASSESS_MAX_EXPANDED_MB", d.max_expanded_bytes / 1e6) * 1e6),
        max_compression_ratio=number("ASSESS_MAX_COMPRESSION_RATIO", d.max_compression_ratio),
    )


def check_workbook(path: str | Path) -> list[str]:
    """Refuse workbooks that would expand beyond the limits; return notices about macros and
    external links (which are never run or followed)."""
    limits = current_limits()
    file = str(path)
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return []  # not a zip (e.g. .xls): the reader reports what is wrong with it
    with book:
        return _check_archive(book, file, limits)


def _check_archive(z: zipfile.ZipFile, file: str, limits: Limits) -> list[str]:
    infos = z.infolist()
    expanded = sum(i.file_size for i in infos)
    packed = max(sum(i.compress_size for i in infos), 1)
    if expanded > limits.max_expanded_bytes:
        raise InputFileError(
            Problem(
                "too-large",
                f"the workbook expands to {expanded / 1e6:,.0f} MB",
                file=file,
                expected=f"at most {limits.max_expanded_bytes / 1e6:,.0f} MB",
                hint="export CSV instead, or raise ASSESS_MAX_EXPANDED_MB if the file is trusted",
            )
        )
    if expanded > SMALL_EXPANSION and expanded / packed > limits.max_compression_ratio:
        raise InputFileError(
            Problem(
                "zip-bomb",
                f"the workbook expands {expanded / packed:,.0f} times (from "
                f"{packed / 1e6:,.1f} MB to {expanded / 1e6:,.0f} MB), far more than real survey "
                "data does",
                file=file,
                expected=f"a compression ratio under {limits.max_compression_ratio:g}",
                hint="do not open this file; ask for a new export",
            )
        )
    _check_used_ranges(z, file, limits)
    names = [i.filename.lower() for i in infos]
    notices = []
    if any(n.endswith("vbaproject.bin") for n in names):
        notices.append(f"{file}: the workbook contains macros; they are never run")
    if any("externallinks/" in n for n in names):
        notices.append(
            f"{file}: the workbook links to other workbooks; the links are not "
            "followed, the values saved in this file are read"
        )
    return notices


_DIMENSION = re.compile(rb'<dimension ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _check_used_ranges(z: zipfile.ZipFile, file: str, limits: Limits) -> None:
    """Refuse a sheet whose used range is beyond the row or column limit before any reader
    allocates it (one cell at XFD1048576 makes a reader build a 16,384 x 1,048,576 grid). The
    sheet's ``<dimension>`` is read; small sheets are also scanned for their cell references."""
    for info in z.infolist():
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        with z.open(info) as f:
            head = f.read(4096)
            body = head + f.read() if info.file_size <= 5_000_000 else head
        rows = cols = 0
        dim = _DIMENSION.search(head)
        if dim and dim.group(3):
            cols, rows = _column_number(dim.group(3)), int(dim.group(4))
        for m in _CELL_REF.finditer(body):
            cols = max(cols, _column_number(m.group(1)))
            rows = max(rows, int(m.group(2)))
        if cols > limits.max_columns or rows > limits.max_rows + 100:
            sheet = info.filename.rsplit("/", 1)[-1].removesuffix(".xml")
            raise InputFileError(
                Problem(
                    "too-large",
                    f"{sheet} uses cells up to row {rows:,} and column {cols:,}",
                    file=file,
                    expected=f"at most {limits.max_rows:,} rows and {limits.max_columns:,} columns",
                    hint="delete the stray cells far from the data (or the formatting of "
                    "whole rows and columns) and save again, or export CSV",
                )
            )


def check_header_width(n_columns: int, file: str) -> None:
    """Refuse a table wider than the column limit from its header line, before parsing."""
    limits = current_limits()
    if n_columns > limits.max_columns:
        raise InputFileError(
            Problem(
                "too-many-columns",
                f"{n_columns:,} columns in the header",
                file=file,
                expected=f"at most {limits.max_columns:,}",
                hint="remove unused columns, or raise ASSESS_MAX_COLUMNS",
            )
        )


def check_table(df: pd.DataFrame, file: str, first_row: int = 2) -> None:
    """Refuse tables beyond the row, column and cell-length limits, naming the first cell."""
    limits = current_limits()
    if len(df) > limits.max_rows:
        raise InputFileError(
            Problem(
                "too-many-rows",
                f"{len(df):,} data rows",
                file=file,
                expected=f"at most {limits.max_rows:,}",
                hint="split the file, or raise ASSESS_MAX_ROWS",
            )
        )
    if df.shape[1] > limits.max_columns:
        raise InputFileError(
            Problem(
                "too-many-columns",
                f"{df.shape[1]:,} columns",
                file=file,
                expected=f"at most {limits.max_columns:,}",
                hint="remove unused columns, or raise ASSESS_MAX_COLUMNS",
            )
        )
    for col in df.columns:
        s = df[col]
        if s.dtype != object and not pd.api.types.is_string_dtype(s.dtype):
            continue
        lengths = s.astype("string").str.len()
        if lengths.max(skipna=True) > limits.max_cell_chars:
            pos = int(lengths.to_numpy(dtype=float, na_value=0).argmax())
            raise InputFileError(
                Problem(
                    "cell-too-long",
                    f"a cell holds {int(lengths.iloc[pos]):,} characters",
                    file=file,
                    row=pos + first_row,
                    column=str(col),
                    expected=f"at most {limits.max_cell_chars:,}",
                    hint="this is not a survey answer; check the export, or raise "
                    "ASSESS_MAX_CELL_CHARS",
                )
            )

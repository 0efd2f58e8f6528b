"""Read plain tables of answers (CSV/TSV, Excel) and write results safely.

Reading keeps what a person typed: ``N/A``, ``NA`` or ``Don't know`` stay text for the scorer to
classify (pandas would otherwise turn them into NaN), and each data row keeps its spreadsheet
row number for messages. Writing never leaves a half-written file (temporary file, then rename)
and never lets a text cell run as a formula.

Examples
--------
>>> import pandas as pd
>>> escape_formulas(pd.DataFrame({"a": ["=1+1", "ok", "-x", "-3"], "b": [1, -2, 3, 4]}))
       a  b
0  '=1+1  1
1     ok -2
2    '-x  3
3     -3  4
"""

from __future__ import annotations

import csv
import datetime
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from ..errors import InputFileError, OutputError, Problem
from .limits import check_table, check_workbook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# full-width ＝ ＋ － ＠ are escaped too: some spreadsheet and IME settings turn them into formulas
_LEADING_SPACE_FORMULA = re.compile(r"^[ \u00a0\u3000]+[=+\-@\uff1d\uff0b\uff0d\uff20]")


@dataclass(frozen=True)
class Table:
    """A raw table read from a file: the cells, each row's spreadsheet number, and notices.

    Exports from survey platforms add what their header rows and dictionaries say: the
    ``source`` platform, how many ``header_rows`` came before the data, each column's question
    text, value labels (raw code -> label), user-defined missing values, and columns that are
    platform bookkeeping (``metadata``) rather than answers.
    """

    data: pd.DataFrame
    rows: np.ndarray
    file: str
    notices: list[str] = field(default_factory=list)
    source: str = "table"
    header_rows: int = 1
    questions: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[object, str]] = field(default_factory=dict)
    user_missing: dict[str, set[object]] = field(default_factory=dict)
    user_missing_ranges: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    closed_labels: set[str] = field(default_factory=set)  # labels are the only valid answers
    dictionary_fields: frozenset[str] | None = None  # fields a REDCap dictionary describes
    metadata: set[str] = field(default_factory=set)
    special_codes: dict[float, str] = field(default_factory=dict)


def _decode(raw: bytes, encoding: str | None, file: str, notices: list[str]) -> str:
    if encoding:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputFileError(
                Problem(
                    "encoding",
                    f"cannot be read as {encoding}: {exc}",
                    file=file,
                    hint="try --encoding cp1252 or utf-8",
                )
            ) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        notices.append(f"{file}: read as UTF-16 (it starts with a UTF-16 byte-order mark)")
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lines = raw.splitlines(keepends=True)
    utf8 = []
    for line in lines:
        try:
            line.decode("utf-8")
            utf8.append(any(b > 127 for b in line))
        except UnicodeDecodeError:
            utf8.append(False)
    if any(utf8):  # some lines are UTF-8 with accents, others are not: decode line by line
        notices.append(
            f"{file}: the file mixes encodings: {sum(utf8)} line(s) read as UTF-8, the others as "
            "Windows-1252 (cp1252). Check names with accents; save the file as UTF-8 to be sure."
        )
        return "".join(
            line.decode("utf-8") if ok else line.decode("cp1252", errors="replace")
            for line, ok in zip(lines, utf8, strict=True)
        ).removeprefix("\ufeff")
    notices.append(
        f"{file}: not UTF-8; read as Windows-1252 (cp1252). Pass --encoding to choose another."
    )
    return raw.decode("cp1252", errors="replace")


def _default_sheet(path: str | Path, notices: list[str]) -> str | int:
    """A visible sheet called "responses" (as in our data-entry template), else the first
    visible sheet. Hidden and very hidden sheets are never read by default; a notice lists
    every other sheet with its state."""
    try:
        from python_calamine import CalamineWorkbook

        meta = CalamineWorkbook.from_path(str(path)).sheets_metadata
    except Exception:  # unreadable files are reported when the sheet is read
        return 0
    states = [(m.name, str(m.visible).rsplit(".", 1)[-1].lower()) for m in meta]
    visible = [n for n, state in states if state == "visible"]
    if not visible:
        return 0
    chosen = next((n for n in visible if n.strip().casefold() == "responses"), visible[0])
    others = [
        f"{n!r} ({'very hidden' if state == 'veryhidden' else state})"
        for n, state in states
        if n != chosen
    ]
    if others:
        notices.append(
            f"{path}: read sheet {chosen!r}; the workbook also has "
            + ", ".join(others)
            + ". Pass --sheet NAME to read another."
        )
    return chosen


def _formula_notice(path: str | Path) -> str | None:
    """Say so when a workbook's sheets hold formulas (their last computed values are read)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                small = info.file_size < 50_000_000  # big sheets are not scanned
                if info.filename.startswith("xl/worksheets/") and small:
                    xml = z.read(info)
                    if b"<f>" in xml or b"<f " in xml:
                        return (
                            f"{path}: the workbook has formulas; the values Excel last "
                            "computed were read. Check item cells that should hold answers."
                        )
    except (zipfile.BadZipFile, OSError):
        return None
    return None


def _calamine_rows(path: str | Path, sheet: str | int) -> list[list[object]]:
    """All cells of a sheet as rows of Python values, through python-calamine in one call."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    names = book.sheet_names
    missing = sheet >= len(names) if isinstance(sheet, int) else sheet not in names
    if missing:
        raise InputFileError(
            Problem(
                "excel-sheet",
                f"there is no sheet {sheet!r}",
                file=str(path),
                expected="one of " + ", ".join(map(repr, names)),
                hint="name an existing sheet with --sheet",
            )
        )
    ws = book.get_sheet_by_index(sheet) if isinstance(sheet, int) else book.get_sheet_by_name(sheet)
    return cast(list[list[object]], ws.to_python(skip_empty_area=False))


def read_excel_rows(
    path: str | Path, *, sheet: str | int | None = None
) -> tuple[list[list[object]], list[str]]:
    """Every cell of one sheet as rows, header rows included, read once with python-calamine
    (openpyxl if calamine cannot); empty cells are ``""``. Returns the rows and notices. By
    default the sheet called "responses" (as in our data-entry template), else the first."""
    file = str(path)
    notices: list[str] = check_workbook(path)  # before anything is expanded
    if sheet is None:
        sheet = _default_sheet(path, notices)
    try:
        rows = _calamine_rows(path, sheet)
    except InputFileError:
        raise
    except Exception as calamine_error:  # calamine raises its own error types
        try:
            grid = pd.read_excel(
                path,
                engine="openpyxl",
                sheet_name=sheet,
                header=None,
                keep_default_na=False,
                na_values=[""],
            )
            rows = grid.astype(object).where(grid.notna(), "").to_numpy().tolist()
            notices.append(
                f"{file}: read with openpyxl (python-calamine could not: {calamine_error})"
            )
        except Exception as exc:
            damaged = isinstance(exc, IndexError | KeyError)
            raise InputFileError(
                Problem(
                    "excel-damaged" if damaged else "excel-read",
                    "the workbook is damaged: a cell refers to a shared text entry "
                    "(xl/sharedStrings.xml) or a style that the file does not contain"
                    if damaged
                    else f"not a readable Excel workbook ({exc})",
                    file=file,
                    hint="open and re-save it in Excel (which repairs it), or export CSV",
                )
            ) from None
    if file.lower().endswith((".xlsx", ".xlsm")):
        notice = _formula_notice(path)
        if notice:
            notices.append(notice)
    return rows, notices


def rows_head(rows: list[list[object]], n: int = 3) -> list[list[str]]:
    """The first ``n`` rows as text (to recognise platform header rows)."""
    return [["" if v is None else str(v) for v in row] for row in rows[:n]]


def rows_table(
    rows: list[list[object]], names: list[str], header_rows: int, file: str, notices: list[str]
) -> Table:
    """The rows below ``header_rows`` as a table with the given column names."""
    body = pd.DataFrame(rows[header_rows:])
    width = body.shape[1]
    body.columns = (names + [f"Unnamed: {k}" for k in range(len(names), width)])[:width]
    for col in body.columns:
        if body[col].dtype == object:  # text, or numbers with empty cells ("")
            body[col] = body[col].mask(body[col].eq("")).infer_objects()
    return _finish(body, file, notices)  # row numbers count one header row


def _finish(df: pd.DataFrame, file: str, notices: list[str]) -> Table:
    # Drop trailing empty rows and unnamed empty columns (formatting residue, not data).
    unnamed = [c for c in df.columns if str(c).startswith("Unnamed:") and df[c].isna().all()]
    if unnamed:
        df = df.drop(columns=unnamed)
    if len(df) and df.shape[1] and df.iloc[-1].notna().any():
        last = len(df)  # the usual file: its last row holds data, nothing to trim
    else:
        filled = df.notna().any(axis=1).to_numpy()
        last = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
    if last < len(df):
        notices.append(f"{file}: {len(df) - last} empty row(s) at the end ignored")
    df = df.iloc[:last].reset_index(drop=True)
    if df.shape[1] == 0:
        raise InputFileError(Problem("empty-file", "no columns found", file=file))
    if len(df) == 0:
        raise InputFileError(
            Problem(
                "no-data",
                "the file has a header but no data rows",
                file=file,
                hint="export the survey with its responses",
            )
        )
    check_table(df, file)
    return Table(df, np.arange(len(df), dtype=np.int64) + 2, file, notices)


def escape_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix ``'`` to text cells that a spreadsheet would run as a formula; numbers untouched."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            continue
        text = s.astype("string")
        risky = (
            text.str.startswith(FORMULA_START) | text.str.contains(_LEADING_SPACE_FORMULA)
        ).fillna(False)
        numeric = pd.to_numeric(text, errors="coerce").notna()
        hit = (risky & ~numeric).to_numpy(dtype=bool)
        if hit.any():
            out[col] = s.astype(object)
            out.loc[hit, col] = "'" + text[hit]
    out.columns = [_escape_text(c) for c in out.columns]  # headers get the same treatment
    return out


def _escape_text(value: object) -> object:
    """One header or cell: ``'`` before text a spreadsheet would run as a formula."""
    if not isinstance(value, str):
        return value
    risky = value.startswith(FORMULA_START) or bool(_LEADING_SPACE_FORMULA.match(value))
    if not risky:
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


def _atomic(path: Path, write: object) -> None:
    """Write ``path`` whole or not at all: into a temporary file beside it, then renamed."""
    atomic_set([(path, write)])


def atomic_set(files: Sequence[tuple[Path, object]]) -> None:
    """Write several files all or none: each goes to a temporary file beside it, and only when
    every one is written are they renamed into place. A failure (a read-only folder, a full
    disk, a parent path that is a file) removes the temporary files, leaves any earlier file
    of the same name untouched, and becomes an :class:`OutputError` that says what to do."""
    from .guard import check_output

    for path, _ in files:
        check_output(path)  # never replace a file that was read as input
    done: list[tuple[str, Path]] = []
    try:
        for path, write in files:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
                os.close(fd)
            except OSError as exc:
                raise _output_error(path, exc) from None
            done.append((tmp, path))
            try:
                write(Path(tmp))  # type: ignore[operator]
                os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would ignore the umask
            except OSError as exc:
                raise _output_error(path, exc) from None
        for tmp, path in done:
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise _output_error(path, exc) from None
    except BaseException:
        for tmp, _ in done:
            Path(tmp).unlink(missing_ok=True)
        raise


def _output_error(path: Path, exc: OSError) -> OutputError:
    import errno

    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        why, hint = "the disk is full", "free some space, or write to another disk with -o"
    elif isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
        why, hint = "the folder cannot be written to", "choose a folder you can write to with -o"
    elif isinstance(exc, NotADirectoryError | FileExistsError) or exc.errno == errno.ENOTDIR:
        why = "a part of the path is a file, not a folder"
        hint = "choose an output path whose folders are folders"
    elif isinstance(exc, IsADirectoryError):
        why, hint = "the path is a folder", "give a file name, e.g. -o scores.csv"
    else:
        why, hint = f"it cannot be written ({exc.strerror or exc})", "choose another output path"
    return OutputError(
        Problem(
            "output-failed",
            f"cannot write the output: {why}; nothing was written",
            file=str(path),
            hint=hint,
        )
    )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write one table as CSV (UTF-8) or a one-sheet workbook, chosen by extension."""
    p = Path(path)
    if p.suffix.lower() == ".xlsx":
        return write_workbook({"scores": df}, p)
    if p.suffix.lower() not in (".csv", ".tsv"):
        raise InputFileError(
            Problem(
                "unknown-format",
                f"cannot write {p.suffix or 'no extension'}",
                file=str(p),
                expected=".csv, .tsv or .xlsx",
            )
        )
    sep = "\t" if p.suffix.lower() == ".tsv" else ","
    safe = escape_formulas(df)
    # a bare carriage return inside a field must be quoted too (with "\n" as line end the csv
    # module would not), or the file reads back with extra rows
    quoting: Literal[0, 1] = csv.QUOTE_ALL if _holds_carriage_return(safe) else csv.QUOTE_MINIMAL
    _atomic(
        p,
        lambda tmp: safe.to_csv(tmp, index=False, sep=sep, lineterminator="\n", quoting=quoting),
    )
    return p


def _holds_carriage_return(df: pd.DataFrame) -> bool:
    if any("\r" in str(c) for c in df.columns):
        return True
    for col in df.columns:
        s = df[col]
        textual = pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)
        if textual and s.astype("string").str.contains("\r", regex=False).fillna(False).any():
            return True
    return False


def _cells(column: pd.Series) -> list[object]:
    """A column as Python values for xlsxwriter: missing as None, dates as text."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        column = column.dt.strftime("%Y-%m-%d %H:%M:%S")
    values = column.astype(object).where(column.notna(), None)
    return values.tolist()


def output_date() -> datetime.datetime:
    """The date written into files: ``SOURCE_DATE_EPOCH`` when set, else a fixed date, so the
    same input gives byte-identical workbooks."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    seconds = int(epoch) if epoch.isdigit() else 946684800  # 2000-01-01
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC).replace(tzinfo=None)


def _number_format(col: str, values: pd.Series, **formats: Any) -> Any:
    """Two decimals for numbers, three for p-values, a % sign for percentages (columns named
    ``pct_...``, ``..._pct`` or with ``%``), none for whole numbers and text."""
    if not pd.api.types.is_float_dtype(values.dtype):
        return None
    if col.startswith("pct_") or col.endswith("_pct") or "%" in col:
        return formats["percent"]
    if col.startswith("p_") or col.endswith("_p") or col == "p":
        return formats["three"]
    return formats["two"]


def _column_width(col: str, values: pd.Series, sample: int = 2000) -> float:
    """Wide enough for the header and the longest of the first ``sample`` values, at most
    90 characters (long text wraps)."""
    head = values.iloc[:sample]
    if pd.api.types.is_float_dtype(head.dtype):
        longest = 8
    elif len(head):
        longest = int(head.astype(str).str.len().fillna(0).max())
    else:
        longest = 0
    return float(min(max(len(col) + 2, longest + 2, 8), 90))


def write_workbook(sheets: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write sheets to an ``.xlsx`` file, row by row with xlsxwriter (twice as fast as pandas).

    Text is never turned into formulas, links or numbers; headers are bold, frozen and
    filterable; columns are as wide as their contents (long text wraps); decimals show two
    places, p-values three, percentages a % sign.
    """
    import xlsxwriter

    p = Path(path)

    def write(tmp: Path) -> None:
        wb = xlsxwriter.Workbook(
            str(tmp),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "nan_inf_to_errors": True,
                "constant_memory": True,
            },
        )
        wb.set_properties({"created": output_date(), "author": "recovery-assessments"})
        head = wb.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        )
        two = wb.add_format({"num_format": "0.00"})
        three = wb.add_format({"num_format": "0.000"})
        percent = wb.add_format({"num_format": '0.0"%"'})  # values already in percent
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        for name, df in sheets.items():
            ws = wb.add_worksheet(name[:31])
            for j, col in enumerate(df.columns):
                fmt = _number_format(str(col), df[col], two=two, three=three, percent=percent)
                width = _column_width(str(col), df[col])
                ws.set_column(j, j, width, wrap if fmt is None and width >= 60 else fmt)
            ws.write_row(0, 0, [str(c) for c in df.columns], head)
            columns = [_cells(df[c]) for c in df.columns]
            for i, row in enumerate(zip(*columns, strict=True), start=1):
                ws.write_row(i, 0, row)
            ws.freeze_panes(1, 0)
            if len(df.columns):
                ws.autofilter(0, 0, max(len(df), 1), len(df.columns) - 1)
        wb.close()

    _atomic(p, write)
    return p

"""Survey-platform exports: detect the platform from the header rows and read it as it is.

=============  ================================================================================
source         what is recognised
=============  ================================================================================
``qualtrics``  three header rows (column ids, question text, ``{"ImportId": ...}`` as JSON or a
               Python-style dict); the legacy export's two rows (``V1..Vn``, then ``ResponseID``)
               with its BOM and trailing empty column. ``-1`` ("no basis for evaluation") is an
               N/A answer.
``surveymonkey``  two header rows: question text only over the first column of a matrix, then
               ``Response`` or the sub-item name; columns are named ``question - sub-item``.
``forms``      Google Forms (``Timestamp``, grid columns ``Question [Row]``) and Microsoft
               Forms (``ID``, ``Start time``, ``Completion time``, ``Email``, ``Name``).
``redcap``     a raw or label export (``record_id``, ``*_complete``); with ``dictionary=`` its
               data dictionary gives value labels (see :mod:`.redcap`).
``spss``       ``.sav`` files (see :mod:`.spss`).
``table``      anything else: one header row.
=============  ================================================================================

Examples
--------
>>> detect_csv([["V1", "V2"], ["ResponseID", "ResponseSet"], ["R_1", "Default"]])
('qualtrics', 2)
>>> detect_csv([["RespondentID", "Q1", ""], ["", "Response", "Han Solo"]])
('surveymonkey', 2)
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputFileError, Problem
from ..platforms import SOURCES
from .tables import Table, _decode, _finish, read_excel_rows, rows_head, rows_table

_IMPORT_ID = re.compile(r"""^\{\s*['"]ImportId['"]\s*:""")
_LEGACY_V = re.compile(r"^V\d+$")
_FORMS_META = {
    "timestamp",
    "email address",
    "id",
    "start time",
    "completion time",
    "email",
    "name",
    "last modified time",
}
SURVEYMONKEY_META = {  # the respondent id stays: it becomes respondent_id
    "collector id",
    "collectorid",
    "start date",
    "startdate",
    "end date",
    "enddate",
    "ip address",
    "email address",
    "first name",
    "last name",
    "custom data",
}
_SM_SUBHEADERS = {"Response", "Open-Ended Response", "Other (please specify)"}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _looks_like_surveymonkey(first: list[str], second: list[str]) -> str:
    """``"yes"``, ``"maybe"`` or ``"no"``: does the second row hold SurveyMonkey sub-headers?

    SurveyMonkey writes the question only over the first column of a matrix (the others are
    blank) and a second row of row labels, ``Response`` or ``Open-Ended Response``; a second row
    of data holds numbers or blanks where the first row named a column.
    """
    if not second or any(_is_number(c) for c in second if c):
        return "no"
    if any(c in _SM_SUBHEADERS for c in second):
        return "yes"
    continued = [i for i, c in enumerate(first) if not c and any(first[:i]) and i < len(second)]
    if continued and all(second[i] for i in continued):
        return "yes" if len(continued) >= 2 else "maybe"
    return "no"


QUALTRICS_META = {
    "startdate",
    "enddate",
    "status",
    "ipaddress",
    "progress",
    "duration (in seconds)",
    "finished",
    "recordeddate",
    "recipientlastname",
    "recipientfirstname",
    "recipientemail",
    "externalreference",
    "externaldatareference",
    "locationlatitude",
    "locationlongitude",
    "locationaccuracy",
    "distributionchannel",
    "userlanguage",
    "responseset",
    "name",
    "emailaddress",
    "q_recaptchascore",
    "q_relevantidduplicate",
}


def detect_csv(head: list[list[str]]) -> tuple[str, int]:
    """Platform and number of header rows from the first few records of a CSV export."""
    if not head:
        return "table", 1
    first = [c.strip() for c in head[0]]
    second = [c.strip() for c in head[1]] if len(head) > 1 else []
    third = [c.strip() for c in head[2]] if len(head) > 2 else []
    if third and sum(bool(_IMPORT_ID.match(c)) for c in third) >= max(1, len(third) // 2):
        return "qualtrics", 3
    named = [c for c in first if c]
    if (
        named
        and all(_LEGACY_V.match(c) for c in named[: min(5, len(named))])
        and ("ResponseID" in second or "ResponseId" in second)
    ):
        return "qualtrics", 2
    if _looks_like_surveymonkey(first, second) == "yes":
        return "surveymonkey", 2
    folded = {c.casefold() for c in first}
    if "timestamp" in folded or {"start time", "completion time"} <= folded:
        return "forms", 1
    if "record_id" in folded or any(c.endswith("_complete") for c in folded):
        return "redcap", 1
    return "table", 1


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        base = name or f"Unnamed: {i}"  # as pandas names blank headers; dropped when empty
        if base in seen:
            seen[base] += 1
            out.append(f"{base} ({seen[base]})")
        else:
            seen[base] = 1
            out.append(base)
    return out


def _surveymonkey_names(first: list[str], second: list[str]) -> tuple[list[str], dict[str, str]]:
    """``question - sub-item`` names; a blank question carries the one to its left."""
    names, questions = [], {}
    current = ""
    for q, sub in zip(first, second + [""] * (len(first) - len(second)), strict=False):
        current = q.strip() or current
        sub = sub.strip()
        name = current if not sub or sub == "Response" else f"{current} - {sub}"
        names.append(name)
    names = _unique(names)
    for name, q in zip(names, first, strict=False):
        questions[name] = q.strip() or name
    return names, questions


#: Title lines a file may carry above its column names (a survey's name, an export date).
MAX_TITLE_ROWS = 5


def title_rows(head: list[list[str]], header_row: int | None = None, file: str = "") -> int:
    """How many rows above the column names to skip: ``header_row - 1`` when given, else the
    leading rows holding at most two filled cells, and a quarter of a later row's (a title,
    "Exported, 2026-04-02", a blank line), at most :data:`MAX_TITLE_ROWS`.

    >>> title_rows([["ORIC survey"], [], ["id", "q1", "q2", "q3"], ["1", "4", "5", "3"]])
    2
    >>> title_rows([["id", "q1"], ["1", "4"]])
    0
    """
    if header_row is not None:
        if header_row < 1 or header_row > max(len(head) - 1, 1):
            raise InputFileError(
                Problem(
                    "bad-option",
                    f"there is no header row {header_row} with data under it",
                    file=file,
                    value=header_row,
                    expected=f"a row number from 1 to {max(len(head) - 1, 1)}",
                    hint="give the number of the row that holds the column names",
                )
            )
        return header_row - 1
    if detect_csv(head)[0] != "table":  # a platform's own header rows: no title above them
        return 0
    filled = [sum(1 for c in row if str(c).strip()) for row in head]
    # where the filled cells are: a title sits in the first two columns, while a header row
    # with blanks (SurveyMonkey's question row over its matrix rows) runs across the table
    last = [max((j for j, c in enumerate(row) if str(c).strip()), default=-1) for row in head]
    t = 0
    while t < min(MAX_TITLE_ROWS, len(head) - 1):
        widest = max(filled[t + 1 :], default=0)
        # a title, a date or a blank line: two cells at most, and a quarter of the names' row
        if not (widest >= 4 and filled[t] <= 2 and 4 * filled[t] <= widest and last[t] <= 1):
            break
        t += 1
    return t


def _title_notice(file: str, head: list[list[str]], t: int) -> str:
    lines = [" ".join(str(c).strip() for c in row if str(c).strip()) for row in head[:t]]
    text = " / ".join(x for x in lines if x)
    return (
        f"{file}: {t} line(s) above the column names skipped"
        + (f" ({text[:80]!r})" if text.strip(" /") else " (blank)")
        + "; if the names are on another row, give it with --header-row"
    )


def interpret_header(
    head: list[list[str]], source: str, file: str, notices: list[str]
) -> tuple[str, int, list[str], dict[str, str]]:
    """Platform, header rows, column names and question texts from the first rows of an export."""
    detected, header_rows = detect_csv(head)
    if source not in ("auto", None):
        if source not in SOURCES:
            raise InputFileError(
                Problem("unknown-source", f"unknown source {source!r}", expected=", ".join(SOURCES))
            )
        if source != detected:
            notices.append(f"{file}: read as {source} (detected: {detected})")
            header_rows = {"qualtrics": 3, "surveymonkey": 2}.get(source, 1)
        detected = source
    first = [str(c) if c is not None else "" for c in head[0]] if head else []
    if source in ("auto", None) and detected == "table" and len(head) > 1:
        guess = _looks_like_surveymonkey([c.strip() for c in first], [c.strip() for c in head[1]])
        if guess == "maybe":
            notices.append(
                f"{file}: the first row has a blank column name over text in the second row, as "
                "a SurveyMonkey export's two header rows do; read with one header row. If it "
                "is a SurveyMonkey export, pass --source surveymonkey."
            )
    seen = [c.strip() for c in first if c.strip()]
    twice = sorted({c for c in seen if seen.count(c) > 1})
    if twice:
        notices.append(
            f"{file}: column name(s) used more than once: {', '.join(twice)}; the "
            "later ones are renamed 'name (2)', ..."
        )
    second = [str(c) if c is not None else "" for c in head[1]] if len(head) > 1 else []
    questions: dict[str, str] = {}
    if detected == "surveymonkey":
        names, questions = _surveymonkey_names(first, second)
    elif detected == "qualtrics" and header_rows == 2:  # legacy: V1.. and Q ids, then names
        names = _unique(
            [
                (b or a) if _LEGACY_V.match(a.strip()) else (a.strip() or b)
                for a, b in zip(first, second, strict=False)
            ]
        )
        questions = dict(zip(names, second, strict=False))
    else:
        names = _unique([c.strip() for c in first])
        if detected == "qualtrics":
            questions = dict(zip(names, second, strict=False))
    return detected, header_rows, names, questions


_NON_SPACE = re.compile(r"\S")


#: A larger file's platform, delimiter and header rows are read from its first megabyte, and
#: pandas parses the rest from the file itself; the whole file is decoded first only when the
#: start is not plain UTF-8 (or pandas finds a byte that is not).
HEAD_BYTES = 1 << 20


def read_csv_export(
    path: str | Path,
    *,
    source: str = "auto",
    encoding: str | None = None,
    header_row: int | None = None,
) -> Table:
    """Read a CSV/TSV export, detecting (or given) its platform and header rows, and title
    lines above them (or the ``header_row`` given, 1-based)."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        size = 0
    if encoding is None and size > 2 * HEAD_BYTES:
        table = _read_csv(path, source, encoding, whole=False, header_row=header_row)
        if table is not None:
            return table
    table = _read_csv(path, source, encoding, whole=True, header_row=header_row)
    assert table is not None  # a whole read always gives a table or raises
    return table


#: files that are not text whatever their name says (a PDF renamed .csv was blamed on the
#: delimiter)
_NOT_TEXT = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.xls or .doc)"),
    (b"$FL2", "an SPSS data file (.sav)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
)


def _read_csv(
    path: str | Path,
    source: str,
    encoding: str | None,
    *,
    whole: bool,
    header_row: int | None = None,
) -> Table | None:
    """One reading; with ``whole=False`` only the file's head is decoded, and None says the
    head was not enough (not plain UTF-8, a header running past it, a byte pandas cannot
    decode further on): read it whole."""
    file = str(path)
    notices: list[str] = []
    if whole:
        raw = Path(path).read_bytes()
    else:
        with open(path, "rb") as fh:
            raw = fh.read(HEAD_BYTES)
        cut = raw.rfind(b"\n")
        if cut <= 0:
            return None
        raw = raw[: cut + 1]  # whole lines only: no character cut in two
    for magic, what in _NOT_TEXT:
        if raw.startswith(magic):
            raise InputFileError(
                Problem(
                    "wrong-format",
                    f"this is {what}, not a table of answers: it only has a text file's name",
                    file=file,
                    hint="export the survey's answers as CSV or Excel and read that file",
                )
            )
    if raw[:4] == b"PK\x03\x04":
        raise InputFileError(
            Problem(
                "wrong-extension",
                "this is an Excel workbook (or another zip file) named like a text file",
                file=file,
                hint=f"rename it to {Path(path).with_suffix('.xlsx').name} and read it again",
            )
        )
    before = len(notices)
    text = _decode(raw, encoding, file, notices)
    # plain UTF-8 (what _decode reads without a notice): pandas can parse the bytes themselves
    plain_utf8 = encoding is None and len(notices) == before
    if not whole and not plain_utf8:
        return None
    if _NON_SPACE.search(text) is None:
        raise InputFileError(
            Problem(
                "empty-file",
                "the file is empty",
                file=file,
                hint="export the survey again with its answers",
            )
        )
    delimiter = _delimiter(text, file)
    stream = io.StringIO(text, newline="")  # keep \r inside quoted cells as it is
    reader = csv.reader(stream, delimiter=delimiter)
    head: list[list[str]] = []
    offsets = [0]
    # the first rows may hold data: a huge cell there is reported by the cell-length check
    # with its row and column, not as a header problem
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(max(previous_limit, len(text) + 1))
    try:
        wanted = 3 + (header_row - 1 if header_row else MAX_TITLE_ROWS)
        for row in reader:
            head.append(row)
            offsets.append(stream.tell())
            if len(head) == wanted:
                break
    except csv.Error as exc:
        raise InputFileError(
            Problem(
                "csv-parse",
                f"the first rows cannot be parsed: {exc}",
                file=file,
                row=reader.line_num or None,
                hint='check the delimiter and quoting (an unclosed " near that line?)',
            )
        ) from None
    finally:
        csv.field_size_limit(previous_limit)
    from .limits import check_header_width

    check_header_width(max((len(r) for r in head), default=0), file)
    if not whole and offsets[-1] > len(text) // 2:
        return None  # header rows this long: read the file whole
    title = title_rows(head, header_row, file)
    if title:
        notices.append(_title_notice(file, head, title))
        head, offsets = head[title:], offsets[title:]
    detected, header_rows, names, questions = interpret_header(head, source, file, notices)
    start = offsets[min(header_rows, len(head))]
    if not _NON_SPACE.search(text, start):
        if not whole:
            return None
        raise InputFileError(
            Problem(
                "no-data",
                f"the file has {header_rows} header row(s) but no data rows",
                file=file,
                hint="export the survey with its responses",
            )
        )
    skipped = 0  # header records pandas skips itself (it then counts lines from the top)
    header_lines = text[:start].count("\n")
    sample = text[:2000]
    threads: Any = contextlib.nullcontext()
    if plain_utf8:  # pandas reads the file itself: its own reader, and no text held meanwhile
        rows: Any = path
        skipped = title + min(header_rows, len(head))
        if _HAS_MAX_THREADS and _mostly_text(text, start, delimiter):
            threads = pd.option_context("mode.max_threads", 1)
        del raw, text
    else:
        rows = io.StringIO(text[start:])
    try:
        with warnings.catch_warnings(record=True) as caught, threads:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            df = pd.read_csv(
                rows,
                sep=delimiter,
                encoding="utf-8-sig",
                header=None,
                names=names,
                keep_default_na=False,
                na_values=[""],
                index_col=False,
                skiprows=skipped,
            )
        if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
            body = _decode(Path(path).read_bytes(), encoding, file, [])[start:]
            _refuse_extra_fields(body, delimiter, len(names), title + header_rows, file)
    except UnicodeDecodeError:
        if not whole:
            return None  # not UTF-8 further on: the whole file's decoding says how it is read
        raise
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        line = _file_line(str(exc), header_lines, skipped)
        raise InputFileError(
            Problem(
                "csv-parse",
                "cannot be parsed as a table: " + _parser_reason(str(exc)),
                file=file,
                row=line,
                hint="check the delimiter and quoting"
                + (
                    ' (an unclosed " starts on that line?)'
                    if "EOF inside string" in str(exc)
                    else ""
                ),
            )
        ) from None
    if df.shape[1] == 1 and delimiter == "," and any(d in sample for d in ";\t"):
        notices.append(f"{file}: only one column found; is the delimiter right?")
    return _platform_table(
        _finish(df, file, notices), detected, header_rows, questions, title=title
    )


_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")

try:
    pd.get_option("mode.max_threads")  # pandas 3.1 parses a large file in threads
    _HAS_MAX_THREADS = True
except (KeyError, pd.errors.OptionError):
    _HAS_MAX_THREADS = False


def _mostly_text(text: str, start: int, delimiter: str, rows: int = 200) -> bool:
    """Whether more than a quarter of the columns hold text (not only numbers) in the first
    data rows: answers exported as labels, where every cell of such a column becomes a Python
    string. pandas parses such a file faster and in far less memory in one thread than in
    several (a 200,000-row ORCA export of labels and codes: 1.1 s and 350 MB against 1.6 s and
    460 MB; the threads contend for Python's lock on every text cell), while numeric exports
    are read over twice as fast in threads (benchmarks/bench_csv.py).

    >>> _mostly_text("a,b\\nAgree,4\\nDisagree,2\\n", 4, ",")
    True
    >>> _mostly_text("a,b,c,d,e\\nx,1,2,3,4\\ny,2,,4,5\\n", 10, ",")
    False
    """
    texts: set[int] = set()
    width = 0
    reader = csv.reader(io.StringIO(text[start : start + 65536], newline=""), delimiter=delimiter)
    try:
        for i, row in enumerate(reader):
            if i == rows:
                break
            width = max(width, len(row))
            texts.update(
                j for j, cell in enumerate(row) if cell.strip() and _NUMBER.fullmatch(cell) is None
            )
    except csv.Error:
        return False
    return len(texts) * 4 > width


def _delimiter(text: str, file: str) -> str:
    """The delimiter: the sniffer's guess, unless another candidate splits the header into
    more columns and the first rows into the same number (a tab or quote inside a cell can
    fool the sniffer, and a wrong delimiter would misread every row)."""
    sample = text[:65536]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        sniffed = "\t" if file.lower().endswith((".tsv", ".tab")) else ","

    def fit(d: str) -> tuple[int, int]:
        rows = []
        try:
            for row in csv.reader(io.StringIO(sample, newline=""), delimiter=d):
                rows.append(len(row))
                if len(rows) == 20:
                    break
        except csv.Error:
            return (0, 0)
        if not rows:
            return (0, 0)
        width = rows[0]
        consistent = sum(1 for n in rows[1:] if n == width)
        return (consistent if width > 1 else -1, width)

    best = max((fit(d), d == sniffed, d) for d in dict.fromkeys([sniffed, ",", ";", "\t", "|"]))
    return best[2] if best[0] > fit(sniffed) else sniffed


def _refuse_extra_fields(body: str, delimiter: str, width: int, offset: int, file: str) -> None:
    """A row with more fields than the header: fine when the extra ones are empty (a trailing
    delimiter); otherwise a clear error, never a silently dropped answer."""
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    for number, row in enumerate(reader, start=offset + 1):
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            raise InputFileError(
                Problem(
                    "csv-parse",
                    f"row {number} has {len(row)} fields but the header has {width}",
                    file=file,
                    row=number,
                    expected=f"{width} fields per row",
                    hint="check the delimiter and quoting (a delimiter inside an unquoted cell?)",
                )
            )


def _parser_reason(message: str) -> str:
    """pandas' parser message without its own (data-relative) positions, which the row of
    the problem replaces."""
    text = re.sub(r"(?:Error tokenizing data\. )?C error: ", "", message)
    text = re.sub(r"\s*(?:starting at row|in line) \d+", "", text)
    return text.strip()


def _file_line(message: str, lines_before: int, skipped: int = 0) -> int | None:
    """The file's line (1-based, as an editor shows it) of a pandas parser message, whose
    "row N" (0-based) and "line N" (1-based) count records from the first data line, or from
    the top of the file when pandas skipped the ``skipped`` header records itself (one record
    each however many lines they span)."""
    m = re.search(r"\b(row|line) (\d+)", message)
    if not m:
        return None
    n = int(m.group(2))
    return lines_before - skipped + (n + 1 if m.group(1) == "row" else n)


def _platform_table(
    table: Table, detected: str, header_rows: int, questions: dict[str, str], *, title: int = 0
) -> Table:
    """Row numbers under the header rows (and any ``title`` rows above them), and what the
    platform's columns and codes mean."""
    cols = table.data.columns
    metadata: set[str] = set()
    special: dict[float, str] = {}
    if detected == "qualtrics":
        metadata = {c for c in cols if c.casefold().replace("_", "") in QUALTRICS_META}
        special = {-1.0: "not_applicable"}
    elif detected == "forms":
        metadata = {c for c in cols if c.casefold() in _FORMS_META}
    elif detected == "redcap":
        metadata = {c for c in cols if is_redcap_metadata(c)}
    elif detected == "surveymonkey":
        metadata = {
            c
            for c in cols
            if str(c).casefold().strip() in SURVEYMONKEY_META
            or str(c).casefold().startswith("custom data")
        }
    notices = list(table.notices)
    if detected != "table":
        notices.append(f"{table.file}: read as a {detected} export ({header_rows} header row(s))")
    return Table(
        table.data,
        table.rows + (header_rows - 1 + title),
        table.file,
        notices,
        source=detected,
        header_rows=header_rows + title,
        questions=questions,
        metadata=metadata,
        special_codes=special,
    )


def read_excel_export(
    path: Path,
    *,
    sheet: str | int | None = None,
    source: str = "auto",
    header_row: int | None = None,
) -> Table:
    """Read a workbook, recognising platform exports by their header rows as for CSV, and
    title lines above them (or the ``header_row`` given, 1-based)."""
    rows, notices = read_excel_rows(path, sheet=sheet)
    if not rows:
        raise InputFileError(
            Problem(
                "empty-file",
                "the sheet is empty",
                file=str(path),
                hint="choose the sheet with the answers with --sheet",
            )
        )
    title = title_rows(rows_head(rows, 3 + MAX_TITLE_ROWS + (header_row or 0)), header_row,
                       str(path))  # fmt: skip
    if title:
        notices.append(_title_notice(str(path), rows_head(rows, title), title))
        rows = rows[title:]
    detected, header_rows, names, questions = interpret_header(
        rows_head(rows), source, str(path), notices
    )
    if len(rows) <= header_rows:
        raise InputFileError(
            Problem(
                "no-data",
                f"the sheet has {header_rows} header row(s) but no data rows",
                file=str(path),
                hint="export the survey with its responses",
            )
        )
    table = rows_table(rows, names, header_rows, str(path), notices)
    return _platform_table(table, detected, header_rows, questions, title=title)


def is_redcap_metadata(column: str) -> bool:
    """REDCap bookkeeping columns: form status, timestamps, survey identifiers, events."""
    c = column.casefold()
    return (
        c.endswith(("_complete", "_timestamp"))
        or c.startswith("redcap_")
        or c in {"redcap_survey_identifier", "redcap_event_name"}
    )


def read_table(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    source: str = "auto",
    dictionary: str | Path | None = None,
    header_row: int | None = None,
) -> Table:
    """Read answers from a survey export or a plain CSV/TSV/Excel table, by extension.

    Parameters
    ----------
    source
        ``"auto"`` (detect) or one of ``qualtrics``, ``surveymonkey``, ``redcap``, ``forms``,
        ``spss``, ``table``.
    dictionary
        A REDCap data dictionary (CSV) giving the labels of coded answers.
    header_row
        The row (1-based) that holds the column names, when lines above it are not the
        title lines recognised by themselves.

    Raises
    ------
    InputFileError
        Missing, empty or unreadable file, or an unknown extension.
    """
    p = Path(path)
    if p.exists() and not p.is_file():
        kind = "a folder" if p.is_dir() else "not a regular file (a device, pipe or socket)"
        raise InputFileError(
            Problem(
                "not-a-file",
                f"this is {kind}, not an export",
                file=str(path),
                hint="give the path of the exported file",
            )
        )
    if not p.is_file():
        raise InputFileError(
            Problem("file-not-found", "no such file", file=str(path), hint="check the path")
        )
    from .guard import protect

    protect(p)
    ext = p.suffix.lower()
    if ext == ".sav" or ext == ".zsav" or source == "spss":
        from .spss import read_sav

        table = read_sav(p)
    elif ext in (".csv", ".tsv", ".txt", ".tab"):
        table = read_csv_export(p, source=source, encoding=encoding, header_row=header_row)
    elif ext in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        table = read_excel_export(p, sheet=sheet, source=source, header_row=header_row)
    else:
        raise InputFileError(
            Problem(
                "unknown-format",
                f"cannot read {ext or 'files without extension'}",
                file=str(path),
                expected=".csv, .tsv, .xlsx, .xlsm, .xls, .ods or .sav",
                hint="export the survey as CSV, Excel or SPSS",
            )
        )
    if dictionary is not None:
        from .redcap import apply_dictionary

        table = apply_dictionary(table, dictionary)
    return table

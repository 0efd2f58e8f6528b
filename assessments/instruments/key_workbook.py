"""A scoring-key workbook instead of hand-written YAML (``assess key template | check``).

For an instrument whose factor domains ship without items (status ``user``: the RSA, RSA-R),
:func:`write_key_template` writes a workbook a person fills in from the official scoring sheet:

- ``instructions``: the five steps;
- ``source``: the document, printing and date the key is copied from;
- one sheet per version: a row per item number with its **factor** (a dropdown of the
  instrument's factors), a short **label in your own words** (never the item's wording), and,
  for every other version, the item number there that asks about the **same practice**.

:func:`read_key_workbook` checks a filled workbook, every problem with its sheet and cell and the
fix, and returns the equivalent YAML key (:func:`key_yaml`), which every ``--key`` accepts; so
does the workbook itself.

Examples
--------
>>> import tempfile, pathlib
>>> from openpyxl import load_workbook
>>> path = pathlib.Path(tempfile.mkdtemp()) / "rsa-key.xlsx"
>>> _ = write_key_template("rsa", path)
>>> book = load_workbook(path)
>>> book.sheetnames  # 'lists' is hidden: the factors of the dropdowns
['instructions', 'source', 'lists', 'administrator', 'provider', 'person', 'family']
>>> [c.value for c in book["provider"][1]][:4]
['number', 'factor', 'label (your own words)', 'same practice as administrator']
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from ..errors import InstrumentError, Problem
from .model import Instrument

FIXED = ("number", "factor", "label (your own words)")
SOURCE_FIELDS = ("document", "printing", "date")
#: the 'source' sheet's row where a user names the factors their scoring sheet adds
ADDED = "added factors"
#: the 'source' sheet's row where a user says how their scoring sheet gives the total
TOTAL = "total as"
TOTAL_CHOICES = ("mean", "sum")
#: the version sheets' column for an instrument whose reversed items the key names (RKI)
REVERSED = "reversed"
YES = ("yes", "y", "x", "true", "1", "reversed")
NO = ("", "no", "n", "false", "0")
# a key workbook is small: bounded before and while it is read (a sheet may claim any range)
MAX_KEY_BYTES = 5_000_000
MAX_KEY_ROWS = 1_000
MAX_KEY_COLUMNS = 64


def _numbers(inst: Instrument, version: str) -> set[int]:
    """The item numbers of a version (as numbers)."""
    return {
        int(it.numbers[version])
        for it in inst.items
        if version in it.numbers and str(it.numbers[version]).isdigit()
    }


def _instrument(instrument: str | Instrument) -> Instrument:
    """Every version of the instrument: a shipped id or a definition file is read; a version
    narrowed from a definition is read again from its file, whoever wrote it (a user's own
    instrument too, which no shipped id names)."""
    from .loader import read_instrument_file, shipped_file

    if isinstance(instrument, Instrument):
        if instrument.version is None or not instrument.source_file:
            return instrument
        return read_instrument_file(instrument.source_file)
    text = str(instrument)
    return read_instrument_file(text if Path(text).is_file() else shipped_file(text))


def _keyable(inst: Instrument) -> list[str]:
    ids = [d.id for d in inst.domains if d.key_status == "user"]
    if not ids:
        raise InstrumentError(
            Problem(
                "nothing-to-key",
                f"{inst.id} has no factors waiting for a user's key",
                hint="a key workbook is for instruments whose domains have status 'user' "
                "(the RSA and RSA-R)",
            )
        )
    return ids


def write_key_template(instrument: str | Instrument, path: str | Path) -> Path:
    """Write the key workbook for ``instrument`` (every version) to ``path`` (.xlsx)."""
    import xlsxwriter

    from ..io.guard import check_output

    inst = _instrument(instrument)
    factors = _keyable(inst)
    path = Path(path)
    check_output(path)
    import io

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet("instructions")
    steps = [
        f"Scoring key for {inst.title}",
        "1. Open the official scoring instructions for your printing of the form.",
        "2. On the 'source' sheet, write the document, printing and date you copy from.",
        "3. On each version's sheet you score, choose the factor of every item number "
        "(leave it empty if the item belongs to no factor).",
        "4. Optionally give each item a short label in your own words (never the item's "
        "wording), and the number of the item that asks about the same practice in each other "
        "version.",
        f"5. Run: assess key check {path.name} -i {inst.id} -o {path.stem}.yaml "
        "(every --key accepts the workbook or the YAML it writes).",
        "Factors: "
        + ", ".join(factors)
        + ". A factor your scoring sheet has and this list lacks: write its name on the "
        f"'source' sheet under '{ADDED}', then type that name in the factor column (Excel "
        "asks you to confirm).",
        *(
            [
                f"If your scoring sheet gives the total as the sum of the ratings, choose 'sum' in "
                f"the '{TOTAL}' row of the 'source' sheet (reports then give it beside the mean)."
            ]
            if inst.total is not None
            else []
        ),
    ]
    sheet.set_column(0, 0, 110, wrap)
    for r, text in enumerate(steps):
        sheet.write(r, 0, text)
    src = book.add_worksheet("source")
    src.set_column(0, 0, 14)
    src.set_column(1, 1, 70)
    src.write_row(0, 0, ["field", "value"], bold)
    for r, name in enumerate(SOURCE_FIELDS, start=1):
        src.write(r, 0, name)
    src.write(len(SOURCE_FIELDS) + 1, 0, ADDED)
    src.write_comment(
        len(SOURCE_FIELDS) + 1,
        1,
        "Only if your scoring sheet has a factor the dropdowns lack: its name (several: "
        "separated by semicolons). Then type that name in the factor column.",
    )
    if inst.total is not None:
        row = len(SOURCE_FIELDS) + 2
        src.write(row, 0, TOTAL)
        src.write(row, 1, "mean")
        src.data_validation(row, 1, row, 1, {"validate": "list", "source": list(TOTAL_CHOICES)})
        src.write_comment(
            row,
            1,
            "mean: the total is the mean of the ratings (the default). sum: your scoring sheet "
            "gives the sum of the ratings; reports then give it beside the mean.",
        )
    lists = book.add_worksheet("lists")
    for r, f in enumerate(factors):
        lists.write(r, 0, f)
    lists.hide()
    for v in inst.version_ids:
        others = [o for o in inst.version_ids if o != v]
        ws = book.add_worksheet(v)
        extra = [REVERSED] if inst.reverse_from_key else []
        header = [*FIXED, *extra, *(f"same practice as {o}" for o in others)]
        ws.write_row(0, 0, header, bold)
        ws.freeze_panes(1, 0)
        ws.set_column(0, 0, 8)
        ws.set_column(1, 1, 34)
        ws.set_column(2, 2, 40)
        ws.set_column(3, 3 + len(extra) + len(others), 26)
        numbers = sorted(_numbers(inst, v))
        for r, n in enumerate(numbers, start=1):
            ws.write_number(r, 0, n)
        last = len(numbers)
        if extra:  # yes for each item the scoring instructions reverse
            ws.data_validation(1, 3, last, 3, {"validate": "list", "source": ["yes", "no"]})
            ws.write_comment(0, 3, "yes for each item the scoring instructions reverse (6 - x); "
                             "the instrument's reversed items are not shipped.")  # fmt: skip
        ws.data_validation(
            1,
            1,
            last,
            1,
            {
                "validate": "list",
                "source": f"=lists!$A$1:$A${len(factors)}",
                "error_type": "warning",
                "error_message": "Not one of the instrument's factors: keep it only if your "
                "scoring sheet adds this factor.",
            },
        )
        for j, o in enumerate(others):
            top = max(_numbers(inst, o))
            ws.data_validation(
                1,
                3 + len(extra) + j,
                last,
                3 + len(extra) + j,
                {
                    "validate": "integer",
                    "criteria": "between",
                    "minimum": 1,
                    "maximum": top,
                    "error_message": f"An item number of the {o} version (1-{top}).",
                },
            )
    book.close()
    from ..io.tables import atomic_set

    data = buffer.getvalue()
    atomic_set([(path, lambda tmp: Path(tmp).write_bytes(data))])
    return path


def _cell(col: int, row: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


def _number(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return -1
    return int(f) if f.is_integer() and f > 0 else -1


def read_key_workbook(path: str | Path, instrument: str | Instrument) -> dict[str, Any]:
    """The key data of a filled workbook (what :func:`key_yaml` writes).

    Raises
    ------
    InstrumentError
        Every problem at once, each with its sheet and cell: an unknown factor, a number the
        version does not have or listed twice, a correspondence that is not one-to-one or that
        the other version's sheet contradicts, a keyed version with a factor left without
        items, no source.
    """
    from openpyxl import load_workbook

    inst = _instrument(instrument)
    factors = _keyable(inst)
    names = {d.name.casefold(): d.id for d in inst.domains if d.id in factors}
    display = {d.id: d.name for d in inst.domains}
    display.update({n: display[i] for n, i in names.items()})  # a name's own spelling
    file = str(path)
    problems: list[Problem] = []

    def bad(code: str, message: str, sheet: str, col: int, row: int, **kw: Any) -> None:
        problems.append(
            Problem(code, message, file=file, path=f"sheet {sheet!r} cell {_cell(col, row)}", **kw)
        )

    if Path(path).stat().st_size > MAX_KEY_BYTES:
        raise InstrumentError(
            Problem(
                "key-too-large",
                f"the key workbook is {Path(path).stat().st_size:,} bytes; a key workbook is "
                f"at most {MAX_KEY_BYTES:,}",
                file=file,
                hint="give the .xlsx written by assess key template, filled in",
            )
        )
    try:
        book = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)
        for ws in (*book.worksheets, *formulas.worksheets):
            ws.reset_dimensions()  # the cells present, never a claimed A1:XFD1048576
    except Exception as err:  # not a workbook at all, or a damaged one
        raise InstrumentError(
            Problem(
                "not-a-workbook",
                f"cannot read the key workbook: {type(err).__name__}: {err}",
                file=file,
                hint="give the .xlsx written by assess key template (a damaged or truncated "
                "file: save it again from Excel)",
            )
        ) from err
    try:
        notices: list[str] = []
        expected_sheets = {"instructions", "source", "lists", *inst.version_ids}
        for name in book.sheetnames:
            if name in expected_sheets:
                continue
            near = difflib.get_close_matches(
                name.casefold(), [x.casefold() for x in inst.version_ids], n=1, cutoff=0.4
            )
            version_like = near or any(name.casefold().startswith(v) for v in inst.version_ids)
            problems.append(
                Problem(
                    "unknown-sheet",
                    f"the workbook has a sheet {name!r} that is not a version of {inst.id}",
                    file=file,
                    path=f"sheet {name!r}",
                    expected="sheets named " + ", ".join(inst.version_ids) + " (and instructions, "
                    "source, lists)",
                    hint=(f"rename it to {near[0]!r}" if near else "rename it to its version")
                    if version_like
                    else "delete the sheet or rename it to the version whose key it holds",
                )
            )
        source_parts: list[str] = []
        total_as = "mean"
        wanted: dict[str, str] = {}  # factors the user adds: casefold name -> name
        if "source" in book.sheetnames:
            rows = {
                str(r[0]).strip(): r[1]
                for r in book["source"].iter_rows(
                    min_row=2, max_row=50, max_col=2, values_only=True
                )
                if r and r[0] is not None
            }
            source_parts = [
                str(rows[f]).strip() for f in SOURCE_FIELDS if rows.get(f) not in (None, "")
            ]
            for name in str(rows.get(ADDED) or "").split(";"):
                if name.strip():
                    wanted[name.strip().casefold()] = name.strip()
            given = str(rows.get(TOTAL) or "mean").strip().casefold()
            if given not in TOTAL_CHOICES:
                problems.append(
                    Problem(
                        "total-sum",
                        f"'{TOTAL}' is {rows.get(TOTAL)!r}",
                        file=file,
                        path=f"sheet 'source', row '{TOTAL}'",
                        value=str(rows.get(TOTAL)),
                        expected="mean or sum",
                        hint="choose from the cell's list",
                    )
                )
            total_as = given
            if not rows.get("document"):
                problems.append(
                    Problem(
                        "no-source",
                        "the source document is empty",
                        file=file,
                        path="sheet 'source' cell B2",
                        hint="write the scoring instructions you copied the key from",
                    )
                )
        else:
            problems.append(
                Problem(
                    "no-source",
                    "the workbook has no 'source' sheet",
                    file=file,
                    hint="start from assess key template",
                )
            )
        versions: dict[str, dict[str, list[int]]] = {}
        reverse: dict[str, list[int]] = {}  # the items each version reverses (reverse_from_key)
        added: dict[str, str] = {}  # factors the user's key adds: id -> name
        labels: dict[str, dict[int, str]] = {}
        links: dict[tuple[str, str], dict[int, tuple[int, int]]] = {}  # (v, o): {n: (m, row)}
        for v in inst.version_ids:
            if v not in book.sheetnames:
                continue
            sheet = book[v]
            header = _header(sheet)
            others = {
                j: h.removeprefix("same practice as ").strip()
                for j, h in enumerate(header)
                if h.startswith("same practice as ")
            }
            width = len(header)
            valid = _numbers(inst, v)
            seen: dict[int, int] = {}
            keyed: dict[str, list[int]] = {}
            rev_col = header.index(REVERSED) if REVERSED in header else None
            reversed_here: list[int] = []
            values_rows = _rows(sheet, width)
            typed_rows = iter(_rows(formulas[v], width))
            for r, values in enumerate(values_rows, start=2):
                if r > MAX_KEY_ROWS + 1:
                    if any(x not in (None, "") for x in values):
                        bad(
                            "too-many-rows",
                            f"the sheet has more than {MAX_KEY_ROWS} rows; a version has at most "
                            f"{max(valid)} items",
                            v,
                            0,
                            r,
                            hint="keep one row per item number, as assess key template writes",
                        )
                    break
                typed = next(typed_rows, ())
                for j, raw in enumerate(typed):
                    if not (isinstance(raw, str) and raw.startswith("=")):
                        continue
                    saved = values[j] if j < len(values) else None
                    if saved is None:
                        bad(
                            "formula-without-value",
                            f"the cell holds the formula {raw[:60]!r} with no saved value, so its "
                            "value is unknown",
                            v,
                            j,
                            r,
                            hint="type the value instead, or open and save the workbook in Excel "
                            "so the value is saved with it",
                        )
                    else:
                        notices.append(
                            f"{file}: sheet {v!r} cell {_cell(j, r)} is a formula ({raw[:60]}); "
                            f"its saved value {saved!r} is used (formulas are not evaluated)"
                        )
                cells = list(values) + [None] * (width - len(values))
                n = _number(cells[0])
                factor = str(cells[1]).strip() if len(cells) > 1 and cells[1] is not None else ""
                label = str(cells[2]).strip() if len(cells) > 2 and cells[2] is not None else ""
                if n is None:
                    if factor or label:
                        bad(
                            "missing-number",
                            "a row has a factor or label but no item number",
                            v,
                            0,
                            r,
                            hint="write the item number in column A",
                        )
                    continue
                if n == -1 or n not in valid:
                    bad(
                        "unknown-item",
                        f"the {v} version has no item number {cells[0]!r}",
                        v,
                        0,
                        r,
                        expected=f"1-{max(valid)}",
                    )
                    continue
                if n in seen:
                    bad(
                        "duplicate-item",
                        f"item {n} is listed twice (rows {seen[n]} and {r})",
                        v,
                        0,
                        r,
                        hint="each item number once; an item belongs to one factor at most",
                    )
                    continue
                seen[n] = r
                if factor:
                    fid = factor if factor in factors else names.get(factor.casefold())
                    spelt = factor.casefold()
                    near = (
                        difflib.get_close_matches(spelt, [*factors, *names], n=1, cutoff=0.75)
                        or [n for n in names if n in spelt or spelt in n][:1]
                    )
                    if fid is None and near:
                        bad(
                            "unknown-factor",
                            f"{factor!r} is not a factor of {inst.id}",
                            v,
                            1,
                            r,
                            expected="one of " + ", ".join(factors),
                            hint=f"did you mean {display.get(near[0], near[0])!r}? "
                            "Choose it from the cell's dropdown (a factor your scoring sheet "
                            "adds needs a name of its own)",
                        )
                    elif fid is None and spelt in wanted:  # a factor the user's sheet adds
                        fid = _factor_id(wanted[spelt])
                        if fid not in added:
                            added[fid] = wanted[spelt]
                            notices.append(
                                f"{file}: {wanted[spelt]!r} is not a factor {inst.id} declares; "
                                f"it is added as a factor of this key ({fid})"
                            )
                        keyed.setdefault(fid, []).append(n)
                    elif fid is None:
                        bad(
                            "unknown-factor",
                            f"{factor!r} is not a factor of {inst.id}",
                            v,
                            1,
                            r,
                            expected="one of " + ", ".join(factors),
                            hint="choose it from the cell's dropdown; a factor your scoring sheet "
                            f"adds: write its name on the 'source' sheet under '{ADDED}'",
                        )
                    else:
                        keyed.setdefault(fid, []).append(n)
                if label:
                    labels.setdefault(v, {})[n] = label[:120]
                if rev_col is not None and rev_col < len(cells):
                    said = str(cells[rev_col] if cells[rev_col] is not None else "").strip()
                    if said.casefold() in YES:
                        reversed_here.append(n)
                    elif said.casefold() not in NO:
                        bad(
                            "bad-reversed",
                            f"{said!r} in the '{REVERSED}' column",
                            v,
                            rev_col,
                            r,
                            expected="yes or no (or empty)",
                            hint="choose from the cell's list",
                        )
                for j, o in others.items():
                    if o not in inst.version_ids or o == v:
                        continue
                    m = _number(cells[j] if j < len(cells) else None)
                    if m is None:
                        continue
                    o_valid = _numbers(inst, o)
                    if m == -1 or m not in o_valid:
                        bad(
                            "unknown-item",
                            f"the {o} version has no item number {cells[j]!r}",
                            v,
                            j,
                            r,
                            expected=f"1-{max(o_valid)}",
                        )
                        continue
                    pairs = links.setdefault((v, o), {})
                    taken = next((k for k, (mm, _) in pairs.items() if mm == m), None)
                    if taken is not None:
                        bad(
                            "not-one-to-one",
                            f"{v} items {taken} and {n} both say they match {o} item {m}",
                            v,
                            j,
                            r,
                            hint="each practice matches one item in each other version",
                        )
                        continue
                    pairs[n] = (m, r)
            if keyed:
                optional = {d.id for d in inst.domains if d.optional}
                empty = [f for f in factors if f not in keyed and f not in optional]
                for f in empty:
                    problems.append(
                        Problem(
                            "empty-factor",
                            f"factor {f!r} has no items in the {v} version",
                            file=file,
                            path=f"sheet {v!r} column B",
                            hint="choose it for its items, or leave the whole version empty",
                        )
                    )
                versions[v] = keyed
                if inst.reverse_from_key:
                    if not reversed_here:
                        problems.append(
                            Problem(
                                "reverse-missing",
                                f"no item is marked reversed in the {v} version; {inst.id}'s "
                                "scoring reverses some items",
                                file=file,
                                path=f"sheet {v!r} column '{REVERSED}'",
                                hint="write yes beside each item the scoring instructions reverse",
                            )
                        )
                    reverse[v] = reversed_here
        # both sides of a correspondence must agree where both are filled
        for (v, o), pairs in links.items():
            back = links.get((o, v), {})
            for n, (m, row) in pairs.items():
                if m in back and back[m][0] != n:
                    col = next(
                        j for j, h in enumerate(_header(book[v])) if h == f"same practice as {o}"
                    )
                    bad(
                        "inconsistent-correspondence",
                        f"{v} item {n} matches {o} item {m}, but the {o} sheet says {o} item {m} "
                        f"matches {v} item {back[m][0]}",
                        v,
                        col,
                        row,
                        hint="make the two sheets agree",
                    )
        if not versions and not problems:
            problems.append(
                Problem(
                    "empty-key",
                    "no version has any factor chosen",
                    file=file,
                    hint="choose the factor of each item on a version's sheet",
                )
            )
        if problems:
            raise InstrumentError(problems, summary=f"{file}: the key workbook cannot be used")
        groups = _practices(links)
        return {
            "key_for": inst.id,
            "notices": notices,
            "source": ", ".join(source_parts),
            "versions": versions,
            "labels": labels,
            "same_practice": groups,
            "names": added,
            "total": total_as,
            "reverse": reverse,
        }
    finally:
        book.close()
        formulas.close()


def _factor_id(name: str) -> str:
    """A key's id for a factor named by the user: lowercase words joined by underscores.

    >>> _factor_id("Inviting Environment (6th)")
    'inviting_environment_6th'
    """
    import re

    words = re.findall(r"[a-z0-9]+", name.casefold())
    out = "_".join(words) or "factor"
    return out if out[0].isalpha() else "factor_" + out


def _rows(sheet: Any, width: int) -> list[tuple[Any, ...]]:
    """At most ``MAX_KEY_ROWS + 1`` rows below the header, ``width`` cells each (the reader is
    closed: a read-only workbook's file stays open while a row iterator lives)."""
    from itertools import islice

    rows = sheet.iter_rows(min_row=2, max_col=max(width, 1), values_only=True)
    try:
        return list(islice(rows, MAX_KEY_ROWS + 1))
    finally:
        rows.close()


def _header(sheet: Any) -> list[str]:
    """The header row's cells, up to the last one filled (at most 3 + one per version)."""
    rows = sheet.iter_rows(min_row=1, max_row=1, max_col=MAX_KEY_COLUMNS, values_only=True)
    try:
        cells = [str(c) if c is not None else "" for c in next(rows, ())]
    finally:
        rows.close()
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _practices(links: dict[tuple[str, str], dict[int, tuple[int, int]]]) -> list[dict[str, int]]:
    """Groups of corresponding items ({version: number}), joined across every pair of sheets."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for (v, o), pairs in links.items():
        for n, (m, _) in pairs.items():
            parent[find((v, n))] = find((o, m))
    groups: dict[tuple[str, int], dict[str, int]] = {}
    for node in list(parent):
        groups.setdefault(find(node), {})[node[0]] = node[1]
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: sorted(g.items()))


def key_yaml(data: dict[str, Any]) -> str:
    """The YAML text of a key (as ``assess key check -o`` writes it)."""
    import yaml

    out: dict[str, Any] = {
        "key_for": data["key_for"],
        "source": data["source"],
        "versions": data["versions"],
    }
    if data.get("labels"):
        out["labels"] = {v: dict(sorted(d.items())) for v, d in data["labels"].items()}
    if data.get("same_practice"):
        out["same_practice"] = data["same_practice"]
    if data.get("names"):
        out["names"] = data["names"]
    if data.get("total") == "sum":
        out["total"] = "sum"
    if data.get("reverse"):
        out["reverse"] = data["reverse"]
    head = (
        "# Scoring key written by `assess key check` from a key workbook. Item numbers are\n"
        "# those of each version; labels are the user's own words, not the items' wording.\n"
    )
    return head + yaml.safe_dump(out, sort_keys=False, allow_unicode=True)

"""Which export column is which item, and which answer is which code.

Columns map to items automatically when their name is an item id or alias (case-insensitive),
or names the item's number (``Q5``, ``item 5``, ``5``). Anything else comes from a mapping file
(``docs/mapping.md``) that ``assess map`` drafts for a person to confirm::

    instrument: oric
    columns: {"Q2_1": oric_1, "Q2_2": oric_2}
    labels: {"Strongly agree": 5, "Does not apply": not_applicable}
    codes: {-2: not_applicable, 13: 5}

Examples
--------
>>> from assessments import load_instrument
>>> auto_map(["respondent", "Q1", "oric_2", "Item 3"], load_instrument("oric"))
{'Q1': ('oric_1', 'number'), 'oric_2': ('oric_2', 'id'), 'Item 3': ('oric_3', 'number')}
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InstrumentError, Problem, ResponseError
from ..instruments import Instrument, normalize_label
from ..instruments.document import read_document

SPECIAL_TARGETS = ("not_applicable", "dont_know", "blank")
_NUMBERED = re.compile(r"^(?:q|item|question|#)?\s*[-_.]?\s*(\d+[a-z]?)$", re.IGNORECASE)
_GRID = re.compile(r"^(?P<question>.*?)\s*\[(?P<row>[^\[\]]+)\]\s*$")


@dataclass(frozen=True)
class ColumnMapping:
    """A mapping file: columns to items, answer overrides, and columns to ignore."""

    columns: dict[str, str] = field(default_factory=dict)
    labels: dict[str, int | str] = field(default_factory=dict)
    codes: dict[float, int | str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    instrument: str | None = None
    version: str | None = None
    source: str | None = None
    file: str | None = None


def load_mapping(path: str | Path) -> ColumnMapping:
    """Read and validate a mapping YAML file (every problem listed with its line)."""
    doc = read_document(path, "mapping.schema.json")
    if doc.problems:
        raise InstrumentError(doc.problems, summary=f"{doc.file}: invalid mapping file")
    data = doc.data or {}
    return ColumnMapping(
        columns={str(k): v for k, v in (data.get("columns") or {}).items()},
        labels={str(k): v for k, v in (data.get("labels") or {}).items()},
        codes={float(k): v for k, v in (data.get("codes") or {}).items()},
        ignore=tuple(data.get("ignore") or ()),
        instrument=data.get("instrument"),
        version=data.get("version"),
        source=data.get("source"),
        file=str(path),
    )


def row_text(column: str) -> str:
    """The part of a column name that names the item: the row of a grid question
    (``Question [Row]``, ``Question - Row``), else the whole name."""
    m = _GRID.match(column)
    if m:
        return m["row"]
    if " - " in column:
        return column.rsplit(" - ", 1)[1]
    return column


def auto_map(columns: Sequence[object], inst: Instrument) -> dict[str, tuple[str, str]]:
    """Columns that name an item by id, alias or number: ``{column: (item, method)}``."""
    by_name: dict[str, tuple[str, str]] = {}
    for it in inst.items:
        by_name[it.id.casefold()] = (it.id, "id")
        for alias in it.aliases:
            by_name.setdefault(alias.strip().casefold(), (it.id, "alias"))
    by_number: dict[str, str] = {}
    if inst.version is not None:
        by_number = {str(it.numbers[inst.version]).casefold(): it.id for it in inst.items}
    out: dict[str, tuple[str, str]] = {}
    taken: set[str] = set()
    cols = [str(c) for c in columns]
    for col in cols:  # names first: an item's own id or alias beats a number match
        hit = by_name.get(col.strip().casefold())
        if hit is not None and hit[0] not in taken:
            out[col] = hit
            taken.add(hit[0])
    for col in cols:
        m = _NUMBERED.match(col.strip())
        if col in out or not m or m[1].casefold() not in by_number:
            continue
        item = by_number[m[1].casefold()]
        if item not in taken:
            out[col] = (item, "number")
            taken.add(item)
    return {c: out[c] for c in cols if c in out}


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalize_label(a), normalize_label(b)).ratio()


def candidates(
    item_id: str, columns: Sequence[str], inst: Instrument, n: int = 3
) -> list[tuple[str, float]]:
    """Columns most like an item (by its label and any loaded wording), best first."""
    it = inst.item(item_id)
    targets = [t for t in (it.label, it.text, it.id, *it.aliases) if t]
    scored = [(c, max(_similarity(row_text(c), t) for t in targets)) for c in columns]
    return sorted(scored, key=lambda x: -x[1])[:n]


def draft_mapping(columns: Sequence[object], inst: Instrument) -> list[dict[str, Any]]:
    """A proposed mapping for a person to confirm: one entry per item with its best column,
    how it was found (id, alias, number, label) and a confidence between 0 and 1."""
    cols = [str(c) for c in columns]
    exact = auto_map(cols, inst)
    by_item = {item: (col, method) for col, (item, method) in exact.items()}
    free = [c for c in cols if c not in exact]
    out = []
    for it in inst.items:
        if it.id in by_item:
            col, method = by_item[it.id]
            out.append(
                {
                    "item": it.id,
                    "column": col,
                    "method": method,
                    "confidence": 1.0 if method in ("id", "alias") else 0.9,
                }
            )
            continue
        best = candidates(it.id, free, inst, n=1)
        if best and best[0][1] >= 0.6:
            col, conf = best[0]
            out.append(
                {
                    "item": it.id,
                    "column": col,
                    "method": "label",
                    "confidence": round(0.9 * conf, 2),
                }
            )
            free.remove(col)
        else:
            out.append({"item": it.id, "column": None, "method": None, "confidence": 0.0})
    return out


def mapping_yaml(draft: list[dict[str, Any]], inst: Instrument, source: str) -> str:
    """The text of a mapping file from a draft, with each match's confidence as a comment."""
    lines = [
        f"# Column mapping for {inst.id}" + (f" ({inst.version})" if inst.version else ""),
        "# Drafted by `assess map`: check every line, fix or delete the doubtful ones, then use",
        "# it with `--map`. Confidence 1.0 = same name, 0.9 = item number, lower = similar text.",
        f"instrument: {inst.id}",
    ]
    if inst.version:
        lines.append(f"version: {inst.version}")
    lines.append(f"source: {json.dumps(str(source), ensure_ascii=False)}")  # any name, quoted
    lines.append("columns:")
    for d in draft:
        if d["column"] is None:
            lines.append(f"  # ??? : {d['item']}    # no column found: add it by hand")
        else:
            key = json.dumps(d["column"], ensure_ascii=False)  # a JSON string is valid YAML
            lines.append(f"  {key}: {d['item']}    # {d['method']}, confidence {d['confidence']}")
    lines += [
        "# labels:      # answer text -> code, or not_applicable / dont_know / blank",
        '#   "Does not apply": not_applicable',
        "# codes:       # number in the export -> code",
        "#   -2: not_applicable",
    ]
    return "\n".join(lines) + "\n"


def resolve_columns(
    columns: Sequence[object],
    inst: Instrument,
    mapping: ColumnMapping | None,
    *,
    file: str | None = None,
    allow_missing_items: bool = False,
) -> dict[str, tuple[str, str]]:
    """``{column: (item, method)}`` from the mapping file and automatic matches.

    Raises
    ------
    ResponseError
        A column or item mapped twice, a mapping to an unknown item or missing column, or an
        item with no column (unless ``allow_missing_items``), each listing candidates.
    """
    cols = [str(c) for c in columns]
    problems: list[Problem] = []
    out: dict[str, tuple[str, str]] = {}
    items = set(inst.item_ids)
    ignored = set(mapping.ignore) if mapping else set()
    if mapping is not None:
        where = mapping.file
        seen: dict[str, str] = {}
        for col, item in mapping.columns.items():
            if item not in items:
                close = difflib.get_close_matches(item, list(items), n=1)
                problems.append(
                    Problem(
                        "unknown-item",
                        f"the mapping sends column {col!r} to "
                        f"{item!r}, which {inst.id} does not have",
                        file=where,
                        hint=f"did you mean {close[0]!r}?" if close else None,
                    )
                )
            elif col not in cols:
                close = difflib.get_close_matches(col, cols, n=3)
                problems.append(
                    Problem(
                        "unknown-column",
                        f"the mapping names column {col!r}, which the export does not have",
                        file=where,
                        expected="one of " + ", ".join(close) if close else None,
                    )
                )
            elif item in seen:
                problems.append(
                    Problem(
                        "column-mapped-twice",
                        f"columns {seen[item]!r} and {col!r} both map to item {item!r}",
                        file=where,
                        hint="keep one of them",
                    )
                )
            else:
                seen[item] = col
                out[col] = (item, "mapping")
    taken = {item for item, _ in out.values()}
    for col, (item, method) in auto_map(
        [c for c in cols if c not in out and c not in ignored], inst
    ).items():
        if item in taken:
            continue
        out[col] = (item, method)
        taken.add(item)
    dupes = _duplicate_names(cols, inst)
    if dupes:
        problems.extend(
            Problem(
                "column-mapped-twice",
                msg,
                file=file,
                hint="rename or remove one, or map one explicitly with --map",
            )
            for msg in dupes
        )
    missing = [i for i in inst.item_ids if i not in taken]
    if not out:
        problems.append(
            Problem(
                "no-items",
                f"no column matches an item of {inst.id}",
                file=file,
                expected="columns named like " + ", ".join(inst.item_ids[:3]) + ", ... or Q1, Q2",
                hint=f"draft a mapping file with `assess map FILE -i {inst.id} -o mapping.yaml`",
            )
        )
    elif missing and not allow_missing_items:
        free = [c for c in cols if c not in out and c not in ignored]
        for item in missing[:20]:
            cands = ", ".join(f"{c!r}" for c, s in candidates(item, free, inst) if s > 0.3)
            problems.append(
                Problem(
                    "missing-items",
                    f"item {item!r} has no column",
                    file=file,
                    hint=(f"candidates: {cands}; " if cands else "") + "map it in a mapping file "
                    "(`assess map`), or pass --allow-missing-items to score it as unanswered",
                )
            )
        if len(missing) > 20:
            problems.append(
                Problem(
                    "missing-items",
                    f"... and {len(missing) - 20} more items without a column",
                    file=file,
                )
            )
    if problems:
        raise ResponseError(
            problems, summary=f"the columns of {file or 'the data'} do not map onto {inst.id}"
        )
    return out


_RENAMED = re.compile(r"^(?P<base>.+) \((?P<k>\d+)\)$")


def _duplicate_names(cols: list[str], inst: Instrument) -> list[str]:
    """Two columns that both name one item by id or alias (case-insensitive), including a
    header repeated in the export (read as ``name (2)``)."""
    names = {n.casefold(): it.id for it in inst.items for n in (it.id, *it.aliases)}
    first: dict[str, str] = {}
    out = []
    for c in cols:
        m = _RENAMED.match(c.strip())
        key = m["base"] if m and m["base"].strip().casefold() in names else c
        item = names.get(key.strip().casefold())
        if item is None:
            continue
        if item in first:
            out.append(f"columns {first[item]!r} and {c!r} both map to item {item!r}")
        else:
            first[item] = c
    return out

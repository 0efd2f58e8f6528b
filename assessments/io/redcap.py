"""REDCap: a raw export's codes become labels through the project's data dictionary.

The dictionary (``Variable / Field Name``, ``Field Type``, ``Field Label``, ``Choices,
Calculations, OR Slider Labels`` written ``0, Not open | 1, Undecided | 2, Very open``, ``Matrix
Group Name``) gives each radio, dropdown, yes/no and true/false field its value labels and its
question text. Form status (``*_complete``), timestamps and survey identifiers are metadata.

Examples
--------
>>> parse_choices("0, Not open | 1, Undecided | 2, Very open")
{0: 'Not open', 1: 'Undecided', 2: 'Very open'}
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..errors import InputFileError, Problem
from .tables import Table

FIELD = "Variable / Field Name"
TYPE = "Field Type"
LABEL = "Field Label"
CHOICES = "Choices, Calculations, OR Slider Labels"
CODED_TYPES = {"radio", "dropdown"}
FIXED: dict[str, dict[object, str]] = {
    "yesno": {1: "Yes", 0: "No"},
    "truefalse": {1: "True", 0: "False"},
}


def parse_choices(text: str) -> dict[object, str]:
    """``"1, Yes | 0, No"`` -> ``{1: "Yes", 0: "No"}`` (codes as numbers when they are)."""
    out: dict[object, str] = {}
    for part in str(text).split("|"):
        if "," not in part:
            continue
        code, label = part.split(",", 1)
        code = code.strip()
        key: object = int(code) if code.lstrip("-").isdigit() else code
        out[key] = label.strip()
    return out


def read_dictionary(path: str | Path) -> pd.DataFrame:
    """Read a REDCap data dictionary CSV."""
    from .guard import protect

    protect(path)
    try:
        d = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputFileError(
            Problem("redcap-dictionary", f"cannot read the data dictionary: {exc}", file=str(path))
        ) from None
    missing = [c for c in (FIELD, TYPE, CHOICES) if c not in d.columns]
    if missing:
        raise InputFileError(
            Problem(
                "redcap-dictionary",
                "not a REDCap data dictionary: no column " + ", ".join(repr(m) for m in missing),
                file=str(path),
                hint="download it from Project Setup > Data Dictionary",
            )
        )
    return d


def apply_dictionary(table: Table, path: str | Path) -> Table:
    """Attach the dictionary's value labels and question text to a REDCap raw export.

    A coded field's choices are the only answers it can hold: any other raw value is read as an
    invalid answer, never as a code of the instrument's scale. Fields the dictionary does not
    describe, choices that cannot be read, and checkbox groups (which record unchecked and
    unanswered alike as 0) get a notice.
    """
    d = read_dictionary(path)
    labels = dict(table.value_labels)
    questions = dict(table.questions)
    closed = set(table.closed_labels)
    notices = list(table.notices)
    described: set[str] = set()
    checkbox: list[str] = []
    for rec in d.to_dict("records"):
        name, kind = rec[FIELD], rec[TYPE]
        described.add(name)
        if kind == "checkbox":
            parts = [c for c in table.data.columns if str(c).startswith(f"{name}___")]
            described.update(parts)
            if parts:
                checkbox.append(name)
            continue
        if name not in table.data.columns:
            continue
        questions[name] = rec.get(LABEL, "") or name
        if kind in CODED_TYPES:
            choices = parse_choices(rec[CHOICES]) if rec[CHOICES] else {}
            if choices:
                labels[name] = choices
                closed.add(name)
            else:
                notices.append(
                    f"{table.file}: field {name!r} is a {kind} field whose choices in "
                    f"{Path(path).name} cannot be read ({rec[CHOICES]!r}); its raw values are "
                    "read as codes. Check the dictionary's Choices column."
                )
        elif kind in FIXED:
            labels[name] = dict(FIXED[kind])
            closed.add(name)
    if checkbox:
        notices.append(
            f"{table.file}: checkbox field(s) {', '.join(checkbox)}: REDCap records 0 both for "
            "'not checked' and for a question never answered, so the two cannot be told apart; "
            "a respondent who skipped the question counts as not checking any box."
        )
    notices.append(
        f"{table.file}: value labels of {len(labels)} field(s) taken from "
        f"the REDCap data dictionary {Path(path).name}"
    )
    return replace(
        table,
        value_labels=labels,
        questions=questions,
        notices=notices,
        source="redcap",
        closed_labels=closed,
        dictionary_fields=frozenset(described),
    )

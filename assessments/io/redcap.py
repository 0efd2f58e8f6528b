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
    """Attach the dictionary's value labels and question text to a REDCap raw export."""
    d = read_dictionary(path)
    labels = dict(table.value_labels)
    questions = dict(table.questions)
    for rec in d.to_dict("records"):
        name, kind = rec[FIELD], rec[TYPE]
        if name not in table.data.columns:
            continue
        questions[name] = rec.get(LABEL, "") or name
        if kind in CODED_TYPES and rec[CHOICES]:
            labels[name] = parse_choices(rec[CHOICES])
        elif kind in FIXED:
            labels[name] = dict(FIXED[kind])
    notices = [
        *table.notices,
        f"{table.file}: value labels of {len(labels)} field(s) taken from "
        f"the REDCap data dictionary {Path(path).name}",
    ]
    return replace(
        table, value_labels=labels, questions=questions, notices=notices, source="redcap"
    )

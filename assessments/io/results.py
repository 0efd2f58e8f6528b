"""Write :class:`~assessments.Scores` to files: CSV with side files, or one workbook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputFileError, Problem
from ..scoring import Scores
from .tables import write_table, write_workbook


def notes_frame(scores: Scores) -> pd.DataFrame:
    """The notes and key sources of a scoring run, as a two-column table."""
    inst = scores.instrument
    rows = [("instrument", f"{inst.id} ({inst.title})"), ("version", inst.version or "")]
    rows += [("note", n) for n in scores.notes]
    for d in inst.scored_domains:
        rows.append((f"key {d.id}", f"{d.key_status}: {d.key_source}"))
    return pd.DataFrame(rows, columns=["what", "detail"])


def write_scores(scores: Scores, path: str | Path) -> list[Path]:
    """Write the respondents table to ``path`` and the excluded rows beside it.

    ``.csv``/``.tsv``: ``OUT.csv`` plus ``OUT.excluded.csv`` (always, possibly empty) and
    ``OUT.invalid.csv`` when answers outside the scale were scored as missing. ``.xlsx``: sheets
    ``scores``, ``excluded``, ``invalid``, ``items`` (item statistics), ``recodes`` and ``notes``.
    Returns the paths written.
    """
    tables = {"scores": scores.respondents, "excluded": scores.excluded}
    if Path(path).suffix.lower() == ".xlsx":
        tables.update(
            invalid=scores.invalid,
            items=scores.item_summary(),
            recodes=scores.recodes,
            notes=notes_frame(scores),
        )
    elif len(scores.invalid):
        tables["invalid"] = scores.invalid
    return write_tables(tables, path)


def write_tables(tables: dict[str, pd.DataFrame], path: str | Path) -> list[Path]:
    """Write named result tables: sheets of one ``.xlsx``, or ``OUT.csv`` for the first table
    and ``OUT.<name>.csv`` for the others. Returns the paths written."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".xlsx":
        return [write_workbook(tables, p)]
    if ext not in (".csv", ".tsv"):
        raise InputFileError(
            Problem(
                "unknown-format",
                f"cannot write results as {ext or 'no extension'}",
                file=str(p),
                expected=".csv, .tsv or .xlsx",
            )
        )
    out = []
    for i, (name, df) in enumerate(tables.items()):
        out.append(write_table(df, p if i == 0 else p.with_suffix(f".{name}{ext}")))
    return out


def tables_json(tables: dict[str, pd.DataFrame]) -> dict[str, list[dict[str, object]]]:
    """Result tables as JSON-ready records (NaN becomes null)."""
    return {
        name: df.astype(object).where(df.notna(), None).to_dict("records")  # type: ignore[misc]
        for name, df in tables.items()
    }

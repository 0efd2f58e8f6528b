"""What an import found, before anything is scored: :func:`validate`.

The report lists rows read and header rows skipped, columns mapped (and how) and left out,
cells recoded, N/A and Don't know per item, answers outside the scale with row and column,
duplicate respondent ids, empty rows, partial completes and straight-lined answers. It says
whether the file can be scored; ``assess validate`` exits 0 when it can and 1 when it cannot.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem
from ..scoring import Scores, score
from ..scoring.coding import ANSWERED, BLANK, STATUS_NAMES
from .responses import Responses

STRAIGHT_LINE_MIN_ITEMS = 8


@dataclass(frozen=True)
class ValidationReport:
    """The findings of :func:`validate`; ``can_score`` says whether scoring would succeed."""

    summary: dict[str, Any]
    columns: pd.DataFrame
    items: pd.DataFrame
    invalid: pd.DataFrame
    duplicate_ids: pd.DataFrame
    empty_rows: pd.DataFrame
    partial: pd.DataFrame
    straight_lined: pd.DataFrame
    translations: pd.DataFrame
    recodes: pd.DataFrame
    unknown_labels: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def can_score(self) -> bool:
        """True when nothing blocks scoring."""
        return not self.problems

    def quality_notes(self) -> list[str]:
        """One sentence per data-quality finding worth a look (for ``assess score``)."""
        s = self.summary
        out = []
        if s["duplicate_ids"]:
            out.append(f"{s['duplicate_ids']} respondent id(s) appear on more than one row")
        if s["straight_lined"]:
            out.append(
                f"{s['straight_lined']} respondent(s) gave the same answer to every item "
                f"(at least {STRAIGHT_LINE_MIN_ITEMS} answered)"
            )
        if s["partial_completes"]:
            out.append(f"{s['partial_completes']} respondent(s) left some items blank")
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables by name (for JSON and Excel output)."""
        return {
            "unknown_labels": self.unknown_labels,
            "columns": self.columns,
            "items": self.items,
            "invalid": self.invalid,
            "duplicate_ids": self.duplicate_ids,
            "empty_rows": self.empty_rows,
            "partial": self.partial,
            "straight_lined": self.straight_lined,
            "translations": self.translations,
            "recodes": self.recodes,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        from .results import tables_json

        return {
            "can_score": self.can_score,
            **self.summary,
            "notes": self.notes,
            "problems": [p.to_dict() for p in self.problems],
            **tables_json(self.tables()),
        }

    def _repr_html_(self) -> str:
        body = self.to_html()
        return body[body.index("<body>") + 6 : body.index("</body>")]

    def __str__(self) -> str:
        lines = [f"{k.replace('_', ' ')}: {v}" for k, v in self.summary.items()]
        lines += [f"note: {n}" for n in self.notes]
        lines.append("can be scored" if self.can_score else "cannot be scored as it is:")
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)

    def to_html(self) -> str:
        """A self-contained HTML page of the report (no scripts, no external resources)."""
        e = html.escape
        s = self.summary
        verdict = (
            "<p class='ok'>This file can be scored.</p>"
            if self.can_score
            else "<p class='bad'>This file cannot be scored as it is:</p><ul>"
            + "".join(f"<li>{e(str(p))}</li>" for p in self.problems)
            + "</ul>"
        )
        facts = "".join(
            f"<tr><th scope='row'>{e(k.replace('_', ' '))}</th><td>{e(str(v))}</td></tr>"
            for k, v in s.items()
        )
        parts = [
            f"<h1>Import check: {e(str(s['file']))}</h1>",
            verdict,
            f"<table><caption>Summary</caption>{facts}</table>",
        ]
        parts += [f"<p>{e(n)}</p>" for n in self.notes]
        for name, df in self.tables().items():
            if len(df):
                parts.append(
                    df.head(500)
                    .to_html(index=False, na_rep="", border=0, classes="data", escape=True)
                    .replace("<table", f"<table aria-label='{e(name)}'", 1)
                    .replace("<thead>", f"<caption>{e(name.replace('_', ' '))}</caption><thead>", 1)
                )
        style = (
            "body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}"
            "table{border-collapse:collapse;margin:1em 0}th,td{padding:2px 8px;"
            "border-bottom:1px solid #ccc;text-align:left}caption{font-weight:bold;"
            "text-align:left}.ok{color:#1b7837}.bad{color:#b2182b}"
        )
        return (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Import check"
            f"</title><style>{style}</style></head><body>{''.join(parts)}</body></html>"
        )


def _straight_lined(scores: Scores) -> pd.DataFrame:
    """Respondents who gave the same raw answer to every one of at least 8 answered items."""
    inst = scores.instrument
    items = [i for i in inst.item_ids if i in scores.items.columns]
    x = scores.items[items].to_numpy(dtype=float).copy()
    for j, iid in enumerate(items):  # undo reverse keys: straight-lining is about raw answers
        item = inst.item(iid)
        if item.reverse:
            x[:, j] = inst.item_scale(item).reverse(x[:, j])
    answered = ~np.isnan(x)
    n = answered.sum(axis=1)
    with np.errstate(invalid="ignore"):
        lo, hi = (
            np.nanmin(np.where(answered, x, np.inf), axis=1),
            np.nanmax(np.where(answered, x, -np.inf), axis=1),
        )
    flag = (n >= STRAIGHT_LINE_MIN_ITEMS) & (lo == hi)
    rows = scores.respondents.index[flag]
    return pd.DataFrame(
        {
            "row": scores.respondents.loc[rows, "row"].to_numpy(),
            "respondent_id": scores.respondents.loc[rows, "respondent_id"].to_numpy(),
            "answer": lo[flag],
            "n_items": n[flag],
        }
    )


def _unknown_labels(invalid: pd.DataFrame) -> pd.DataFrame:
    """Text answers the instrument does not know: each with its count, columns and a guess."""
    cols = ["value", "count", "columns", "suggestion"]
    if not len(invalid):
        return pd.DataFrame(columns=cols)
    text = invalid[[isinstance(v, str) for v in invalid["value"]]]
    if not len(text):
        return pd.DataFrame(columns=cols)
    out = text.groupby("value", sort=False).agg(
        count=("row", "size"),
        columns=("column", lambda c: ", ".join(dict.fromkeys(map(str, c)))),
        suggestion=("suggestion", "first"),
    )
    return out.reset_index().sort_values("count", ascending=False, ignore_index=True)[cols]


def validate(
    responses: Responses, *, on_invalid: str = "error", scores: Scores | None = None
) -> ValidationReport:
    """Check mapped responses without writing scores.

    ``on_invalid="missing"`` accepts answers outside the scale (they are still listed).
    ``scores`` reuses a scoring of the same responses made with ``on_invalid="missing"``.
    """
    inst = responses.instrument
    s = scores if scores is not None else score(responses, on_invalid="missing")
    problems: list[Problem] = []
    # scoring here always runs with invalid answers as missing; under on_invalid="error" its
    # note that they "were treated as missing" would contradict "cannot be scored"
    score_notes = [
        n for n in s.notes if on_invalid == "missing" or "outside the scale were treated" not in n
    ]
    notes = list(responses.notices) + score_notes
    invalid = s.invalid.copy()
    if len(invalid):
        from ..scoring.coding import Coder

        coders = {name: Coder(sc) for name, sc in inst.scales.items()}
        invalid["expected"] = [coders[inst.item(i).scale].expected() for i in invalid["item"]]
        invalid["suggestion"] = [
            coders[inst.item(i).scale].suggestion(v)
            for i, v in zip(invalid["item"], invalid["value"], strict=True)
        ]
        invalid["column"] = [
            responses.columns.get(i, c)
            for i, c in zip(invalid["item"], invalid["column"], strict=True)
        ]
        if on_invalid == "error":
            for (col, val), where in invalid.groupby(["column", "value"], dropna=False, sort=False)[
                "row"
            ]:
                rows = ", ".join(map(str, where.head(10))) + (" ..." if len(where) > 10 else "")
                problems.append(
                    Problem(
                        "invalid-value",
                        f"{len(where)} answer(s) not on the scale (row {rows})",
                        file=responses.file,
                        column=str(col),
                        value=val,
                        hint="fix them, map them in a mapping file, or accept them as missing with "
                        "--on-invalid missing",
                    )
                )
    if s.n_scored == 0:
        problems.append(
            Problem("nothing-to-score", "no row has a scorable answer", file=responses.file)
        )
    every = pd.concat(
        [s.respondents[["respondent_id", "row"]], s.excluded[["respondent_id", "row"]]]
    )
    dup_rows = every[every["respondent_id"].duplicated(keep=False) & every["respondent_id"].notna()]
    dups = (
        dup_rows.sort_values("row")
        .groupby("respondent_id", sort=False)["row"]
        .agg(lambda r: ", ".join(map(str, r)))
        .rename("rows")
        .reset_index()
    )
    if len(dups):
        notes.append(f"{len(dups)} respondent id(s) appear more than once")
    status = s.status.to_numpy()
    n_items = status.shape[1]
    blanks = (status == BLANK).sum(axis=1)
    answered = (status == ANSWERED).sum(axis=1)
    partial_mask = (blanks > 0) & (answered > 0)
    partial = pd.DataFrame(
        {
            "row": s.respondents["row"].to_numpy()[partial_mask],
            "respondent_id": s.respondents["respondent_id"].to_numpy()[partial_mask],
            "answered": answered[partial_mask],
            "blank": blanks[partial_mask],
            "items": n_items,
        }
    )
    empty = s.excluded[
        s.excluded["reason"].astype(str).str.contains("every item is blank")
    ].reset_index(drop=True)
    cells = {name: int(s.cell_counts.get(name, 0)) for name in STATUS_NAMES}
    per_item = s.item_summary()[
        ["item", "number", "n_answered", "n_blank", "n_not_applicable", "n_dont_know", "n_invalid"]
    ]
    per_item.insert(1, "column", [responses.columns.get(i, "") for i in per_item["item"]])
    columns = pd.DataFrame(
        [
            {"column": c, "item": i, "how": responses.methods.get(i, "")}
            for i, c in responses.columns.items()
        ]
        + [{"column": c, "item": "", "how": "metadata"} for c in responses.metadata_columns]
        + [{"column": c, "item": "", "how": "left out"} for c in responses.dropped]
    )
    straight = _straight_lined(s)
    unknown = _unknown_labels(invalid)
    summary = {
        "file": responses.file,
        "source": responses.source,
        "instrument": inst.id,
        "version": inst.version,
        "rows_read": s.rows_read,
        # the export's own rows besides the one naming the columns (Qualtrics' question and
        # import-id rows): 0 for a plain header
        "header_rows_skipped": max(0, responses.header_rows - 1),
        "columns_mapped": len(responses.columns),
        "columns_kept_as_metadata": len(responses.metadata_columns),
        "columns_left_out": len(responses.dropped),
        # distinct cells: a value label read by the import and again by the scorer is one cell
        "cells_recoded": len(responses.cell_log()),
        "answers": cells["answered"],
        "not_applicable": cells["not_applicable"],
        "dont_know": cells["dont_know"],
        "blank": cells["blank"],
        "invalid": len(invalid),
        "duplicate_ids": len(dups),
        "empty_rows": len(empty),
        "partial_completes": len(partial),
        "straight_lined": len(straight),
    }
    if problems:
        # the file cannot be scored as it is: say what scoring would give only on the condition
        # the user would have to accept, never beside "cannot be scored" as if it would run
        blocking = {p.code for p in problems}
        if blocking == {"invalid-value"}:
            summary["would_score_with_on_invalid_missing"] = s.n_scored
            summary["would_exclude_with_on_invalid_missing"] = s.n_excluded
    else:
        summary["would_score"] = s.n_scored
        summary["would_exclude"] = s.n_excluded
    return ValidationReport(
        summary=summary,
        columns=columns,
        items=per_item,
        invalid=invalid,
        duplicate_ids=dups,
        empty_rows=empty,
        partial=partial,
        straight_lined=straight,
        translations=responses.translations,
        recodes=s.recodes,
        unknown_labels=unknown,
        problems=problems,
        notes=notes,
    )

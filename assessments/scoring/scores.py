"""The result of scoring: respondent scores, the coded item matrix, exclusions and the log."""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..errors import Problem, ResponseError
from ..instruments.model import HTML_STYLE, Instrument
from .coding import STATUS_NAMES

STATUS_COUNT_COLUMNS = (
    "prorated",
    "n_answered",
    "n_not_applicable",
    "n_dont_know",
    "n_blank",
    "n_invalid",
)
"""Per-respondent columns the scorer adds besides the scores and their counts."""


@dataclass(frozen=True)
class Scores:
    """Scored survey answers.

    Attributes
    ----------
    respondents
        One row per scored respondent: ``respondent_id``, ``row`` (its 1-based spreadsheet row
        in the source), the metadata columns passed through,
        then for each domain, scale and total its score (column named by its id) and its count
        of valid items (or scored subscales) ``<id>_n``, then ``prorated`` (a domain was scored
        from fewer than all its items) and the respondent's counts ``n_answered``,
        ``n_not_applicable``, ``n_dont_know``, ``n_blank``, ``n_invalid``.
    items
        The coded item matrix (after reverse keys; NaN where not answered), one row per scored
        respondent, columns named by item id, with ``respondent_id`` first.
    status
        Same shape as the item columns of ``items``: 0 answered, 1 blank, 2 N/A, 3 Don't know,
        4 invalid (see :mod:`assessments.scoring.coding`).
    excluded
        Rows not scored: ``row`` (1-based spreadsheet row), ``respondent_id``, ``reason``.
    invalid
        Cells outside the scale that were treated as missing (``on_invalid="missing"``):
        ``row``, ``respondent_id``, ``column``, ``item``, ``value``.
    recodes
        How text answers became codes: ``column``, ``item``, ``original``, ``code``, ``status``,
        ``count``.
    instrument
        The instrument (narrowed to its version) that scored the data.
    rows_read
        Data rows in the source; always ``len(respondents) + len(excluded)``.
    cell_counts
        Item cells by status over every row read (scored and excluded): ``answered``,
        ``blank``, ``not_applicable``, ``dont_know``, ``invalid``.
    notes
        Warnings to show with the scores (provisional or user keys, missing keys...).
    answers_kept
        False for scores kept without their answers (:meth:`without_answers`): ``items`` and
        ``status`` have their columns but no rows.
    """

    respondents: pd.DataFrame
    items: pd.DataFrame
    status: pd.DataFrame
    excluded: pd.DataFrame
    invalid: pd.DataFrame
    recodes: pd.DataFrame
    instrument: Instrument
    rows_read: int
    cell_counts: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = field(default=())
    answers_kept: bool = True

    def without_answers(self, *, counts: bool = True) -> Scores:
        """The same scores without the answers behind them: ``items`` and ``status`` keep
        their columns but no rows. For a wave kept only for its scores (the change since it
        and the trends, which use ``respondents``), in a fraction of the memory: at 200,000
        respondents of ORCA, 130 MB less. Item statistics and reliability (which the reliable
        change of people matched across waves uses) refuse such scores.

        ``counts=False`` also leaves out each respondent's answer counts (the ``<score>_n``
        columns and ``row``, ``prorated``, ``n_answered``... of ``STATUS_COUNT_COLUMNS``),
        which change and trends do not use: 43 MB more at 200,000 respondents of ORCA.

        >>> from assessments import score
        >>> from assessments.demo import demo_responses
        >>> s = score(demo_responses("oric", n=30), "oric", on_invalid="missing")
        >>> light = s.without_answers()
        >>> len(light.respondents) == len(s.respondents), len(light.items), light.answers_kept
        (True, 0, False)
        >>> s.without_answers(counts=False).respondents.columns.difference(s.respondents.columns)
        Index([], dtype='str')
        >>> "n_answered" in s.without_answers(counts=False).respondents
        False
        """
        respondents = self.respondents
        if not counts:
            gone = {
                "row",
                *STATUS_COUNT_COLUMNS,
                *(f"{sid}_n" for sid in self.instrument.score_ids),
            }
            respondents = respondents[[c for c in respondents.columns if c not in gone]]
        return replace(
            self,
            respondents=respondents,
            items=self.items.iloc[:0].copy(),  # a copy: a view of no rows keeps the matrix
            status=self.status.iloc[:0].copy(),
            answers_kept=False,
        )

    @property
    def n_scored(self) -> int:
        """Number of scored respondents."""
        return len(self.respondents)

    @property
    def n_excluded(self) -> int:
        """Number of excluded rows."""
        return len(self.excluded)

    @property
    def metadata_columns(self) -> list[str]:
        """The columns passed through from the export (site, role...): every column of
        ``respondents`` but the id, row, scores, their counts and the status counts."""
        computed = {"respondent_id", "row", *STATUS_COUNT_COLUMNS}
        for sid in self.instrument.score_ids:
            computed |= {sid, f"{sid}_n"}
        return [c for c in self.respondents.columns if c not in computed]

    @property
    def score_columns(self) -> list[str]:
        """Names of the score columns (domains, scales, total) in the respondents table."""
        return [c for c in self.instrument.score_ids if c in self.respondents.columns]

    @property
    def reported_columns(self) -> list[str]:
        """:attr:`score_columns` and, when the key asks for it, the total as a sum of ratings
        (:attr:`Instrument.total_sum`): what a table of the scores' means shows. Charts,
        comparisons and benchmarks use :attr:`score_columns` alone."""
        summed = self.instrument.total_sum
        extra = [summed.column] if summed and summed.column in self.respondents.columns else []
        return [*self.score_columns, *extra]

    def require_answers(self, what: str) -> None:
        """Refuse, with a clear error, scores kept without their answers for ``what`` needs
        them (item statistics, reliability): never a silent result from no rows."""
        if not self.answers_kept:
            raise ResponseError(
                Problem(
                    "answers-dropped",
                    f"{what} need the answers, and these scores were kept without them "
                    "(Scores.without_answers)",
                    hint="score the export again and keep its answers",
                )
            )

    def item_summary(self) -> pd.DataFrame:
        """Per item: counts of each status, mean and sd of the coded answers (after reversal).

        Columns: ``item``, ``number``, ``label``, ``reverse``, ``n_answered``, ``n_blank``,
        ``n_not_applicable``, ``n_dont_know``, ``n_invalid``, ``mean``, ``sd``.
        """
        self.require_answers("item summaries")
        inst = self.instrument
        ids = [c for c in self.status.columns]
        rows = {
            "item": ids,
            "number": [inst.number(i) for i in ids],
            "label": [inst.item_label(i) for i in ids],
            "reverse": [inst.item(i).reverse for i in ids],
        }
        # one item at a time: a column of the scores' own arrays, never a copy of the matrix
        counts = np.zeros((len(STATUS_NAMES), len(ids)), dtype=np.int64)
        means = np.full(len(ids), np.nan)
        sds = np.full(len(ids), np.nan)
        for j, iid in enumerate(ids):
            counts[:, j] = np.bincount(
                self.status[iid].to_numpy().astype(np.intp, copy=False),
                minlength=len(STATUS_NAMES),
            )[: len(STATUS_NAMES)]
            x = self.items[iid].to_numpy(dtype="float64")
            x = x[~np.isnan(x)]
            if len(x):
                means[j] = x.mean()
            if len(x) > 1:
                sds[j] = x.std(ddof=1)
        for code, name in enumerate(STATUS_NAMES):
            rows[f"n_{name}"] = counts[code]
        rows["mean"] = means
        rows["sd"] = sds
        return pd.DataFrame(rows)

    def summary(self) -> dict[str, object]:
        """Counts for a one-screen summary (what ``assess score`` prints)."""
        return {
            "instrument": self.instrument.id,
            "version": self.instrument.version,
            "rows_read": self.rows_read,
            "scored": self.n_scored,
            "excluded": self.n_excluded,
            "cells_recoded": int(self.recodes["count"].sum()) if len(self.recodes) else 0,
            "not_applicable": self.cell_counts.get("not_applicable", 0),
            "dont_know": self.cell_counts.get("dont_know", 0),
            "invalid_as_missing": len(self.invalid),
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        return scores_text(self)

    def _repr_html_(self) -> str:
        return scores_html(self)

    def __repr__(self) -> str:
        return (
            f"<Scores {self.instrument.id}"
            f"{'/' + self.instrument.version if self.instrument.version else ''}: "
            f"{self.n_scored} scored, {self.n_excluded} excluded of {self.rows_read} rows; "
            f"scores: {', '.join(self.score_columns)}>"
        )


def scores_text(scores: Scores) -> str:
    """A summary of scored answers."""
    s = scores.summary()
    head = (
        f"Scores for {s['instrument']}"
        + (f"/{s['version']}" if s["version"] else "")
        + f": {s['scored']} scored, {s['excluded']} excluded of {s['rows_read']} rows; "
        f"{s['not_applicable']} N/A, {s['dont_know']} Don't know, "
        f"{s['invalid_as_missing']} invalid as missing"
    )
    means = scores.respondents[scores.reported_columns].agg(["mean", "std", "count"]).T
    return head + "\n" + means.round(2).to_string() + "".join(f"\nnote: {n}" for n in scores.notes)


def scores_html(scores: Scores) -> str:
    """Scored answers as HTML: counts, score means, the first rows, notes."""
    e = html.escape
    s = scores.summary()
    means = scores.respondents[scores.reported_columns].agg(["count", "mean", "std"]).T
    notes = "".join(f"<p class='assess-note'>{e(n)}</p>" for n in scores.notes)
    return (
        f"<div class='assess-box'>{HTML_STYLE}<strong>Scores</strong> for "
        f"<code>{e(str(s['instrument']))}</code>: {s['scored']} scored, {s['excluded']} "
        f"excluded of {s['rows_read']} rows; {s['not_applicable']} N/A, {s['dont_know']} "
        f"Don't know.{means.round(2).to_html()}"
        f"{pd.DataFrame(scores.respondents.head(5)).to_html(index=False)}{notes}</div>"
    )

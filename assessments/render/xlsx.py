"""Render the report's data as an Excel workbook for follow-up (xlsxwriter).

Sheets: ``scores`` (one row per respondent; suppressed groups' labels masked), ``domain_summary``,
``item_statistics``, ``comparisons``, ``agreement``, ``excluded``, ``import_log`` and ``notes``,
with number formats, frozen headers and filters. Text is never turned into formulas or links.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .. import stats
from ..io.results import notes_frame
from ..io.tables import _atomic
from ..scoring import Scores
from .suppression import group_sizes, mask_groups, suppressed_groups


def report_tables(
    scores: Scores,
    by: str | None = None,
    *,
    aggregate_by: str | None = None,
    min_group_size: int = 5,
    n_boot: int = 1000,
) -> dict[str, pd.DataFrame]:
    """The tables of the follow-up workbook, with small groups suppressed."""
    aggregate_by = aggregate_by or by
    respondents = scores.respondents
    hidden: list[Any] = []
    for col in filter(None, {by, aggregate_by}):
        h = suppressed_groups(group_sizes(respondents, col), min_group_size)
        respondents = mask_groups(respondents, col, h, min_group_size)
        hidden += h
    overall = stats.describe(
        respondents.assign(_all="all"), "_all", scores.score_columns, min_group_size=1
    ).drop(columns=["group", "suppressed"])
    tables: dict[str, pd.DataFrame] = {"scores": respondents, "domain_summary": overall}
    items = scores.item_summary()
    tables["item_statistics"] = items
    if by:
        masked = _masked_scores(scores, respondents, by, min_group_size)
        tables["comparisons"] = stats.compare(masked, by, min_group_size=min_group_size)
        desc = stats.describe(masked, by, min_group_size=min_group_size)
        tables["group_summary"] = desc[~desc["suppressed"].astype(bool)]
    if aggregate_by:
        masked = _masked_scores(scores, respondents, aggregate_by, min_group_size)
        a = stats.agreement(masked, aggregate_by, min_group_size=min_group_size, n_boot=n_boot)
        tables["agreement"] = a[~a["suppressed"].astype(bool)]
    tables["excluded"] = scores.excluded
    tables["import_log"] = scores.recodes
    tables["notes"] = notes_frame(scores)
    return tables


def _masked_scores(
    scores: Scores, respondents: pd.DataFrame, by: str, min_group_size: int
) -> Scores:
    from dataclasses import replace

    from .suppression import SUPPRESSED

    r = respondents.copy()
    r.loc[r[by] == SUPPRESSED.format(n=min_group_size), by] = None
    return replace(scores, respondents=r)


def write_report_workbook(tables: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write the tables to ``path`` (.xlsx) with formats, frozen headers and filters."""
    p = Path(path)

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(
            tmp,
            engine="xlsxwriter",
            engine_kwargs={
                "options": {
                    "strings_to_formulas": False,
                    "strings_to_urls": False,
                    "strings_to_numbers": False,
                }
            },
        ) as xl:
            book = xl.book
            head = book.add_format(
                {
                    "bold": True,
                    "bg_color": "#DDEBF7",
                    "border": 1,
                    "text_wrap": True,
                    "valign": "top",
                }
            )
            two = book.add_format({"num_format": "0.00"})
            three = book.add_format({"num_format": "0.000"})
            for name, df in tables.items():
                sheet = name[:31]
                df.to_excel(xl, sheet_name=sheet, index=False, startrow=1, header=False)
                ws = xl.sheets[sheet]
                for j, col in enumerate(df.columns):
                    ws.write(0, j, str(col), head)
                    is_p = str(col).startswith("p_") or str(col).endswith("_p")
                    fmt = (
                        (three if is_p else two)
                        if pd.api.types.is_float_dtype(df[col].dtype)
                        else None
                    )
                    ws.set_column(j, j, min(max(len(str(col)) + 2, 10), 45), fmt)
                ws.freeze_panes(1, 0)
                if len(df.columns):
                    ws.autofilter(0, 0, max(len(df), 1), len(df.columns) - 1)

    _atomic(p, write)
    return p

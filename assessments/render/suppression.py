"""Protect anonymity: which groups to hide in every table, chart and sheet.

A group smaller than the minimum size is hidden. When exactly one group is hidden but a total is
shown, its figures could be worked out by subtraction (the total minus the shown groups), so the
next smallest group is hidden too (complementary suppression).

Examples
--------
>>> suppressed_groups({"a": 30, "b": 4, "c": 3})
['c', 'b']
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..stats._inputs import suppressed_groups

__all__ = ["SUPPRESSED", "group_sizes", "mask_groups", "suppressed_groups"]

SUPPRESSED = "suppressed (fewer than {n})"


def group_sizes(frame: pd.DataFrame, by: str) -> dict[Any, int]:
    """Respondents per group (missing group values left out)."""
    return {k: int(v) for k, v in frame[by].value_counts().items()}


def mask_groups(
    frame: pd.DataFrame, by: str, hidden: list[Any], min_group_size: int
) -> pd.DataFrame:
    """A copy of ``frame`` whose ``by`` value is replaced for respondents of hidden groups."""
    if not hidden:
        return frame
    out = frame.copy()
    out[by] = out[by].astype(object)
    out.loc[out[by].isin(hidden), by] = SUPPRESSED.format(n=min_group_size)
    return out

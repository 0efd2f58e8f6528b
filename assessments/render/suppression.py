"""Protect anonymity: which groups to hide in every table, chart and sheet.

A group smaller than the minimum size is hidden. When exactly one group is hidden but a total is
shown, its figures could be worked out by subtraction (the total minus the shown groups), so the
next smallest group is hidden too (complementary suppression).

Examples
--------
>>> suppressed_groups({"a": 30, "b": 4, "c": 12})
['b', 'c']
>>> suppressed_groups({"a": 30, "b": 4, "c": 3})
['c', 'b']
>>> suppressed_groups({"a": 30, "b": 4})
['b', 'a']
>>> suppressed_groups({"a": 30, "b": 12})
[]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

SUPPRESSED = "suppressed (fewer than {n})"


def suppressed_groups(sizes: Mapping[Any, int], min_group_size: int = 5) -> list[Any]:
    """Groups to hide: the small ones, and a complement when only one would be hidden."""
    order = sorted(sizes, key=lambda g: (sizes[g], str(g)))
    small = [g for g in order if sizes[g] < min_group_size]
    if len(small) == 1 and len(sizes) >= 2:
        shown = [g for g in order if g not in small]
        small.append(shown[0])
    return small


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

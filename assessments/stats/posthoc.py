"""Which pairs of groups differ: Games-Howell (default), Tukey HSD, Dunn with Holm.

Checked against: ``rstatix::games_howell_test`` on the bfi data
(``tests/data/reference/bfi/games_howell.csv``: estimates, intervals, t and df to 1e-9, p to the
3 places rstatix prints); Tukey HSD against ``scipy.stats.tukey_hsd``; Dunn's z against a direct
computation from ranks.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"g": list("aaaaabbbbbccccc"), "x": [1, 2, 2, 3, 3, 3, 4, 4, 5, 5] + [5] * 5})
>>> posthoc(df, "g", columns=["x"])[["group1", "group2", "estimate"]]
  group1 group2  estimate
0      a      b       2.0
1      a      c       2.8
2      b      c       0.8
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import Problem, ResponseError
from ..scoring import Scores
from ._inputs import DEFAULT_MIN_GROUP_SIZE, Groups, group_labels, quietly, score_frame
from .adjust import holm
from .compare import split_groups
from .studentized_range import qtukey, tukey_sf

Method = Literal["games-howell", "tukey", "dunn"]
COLUMNS = [
    "domain",
    "group1",
    "group2",
    "n1",
    "n2",
    "estimate",
    "ci_low",
    "ci_high",
    "statistic",
    "df",
    "p_value",
    "p_adjusted",
    "method",
]


@quietly
def _games_howell(values: list[np.ndarray], level: float) -> list[dict[str, float]]:
    k = len(values)
    n = np.array([len(v) for v in values], float)
    m = np.array([v.mean() for v in values])
    var = np.array([v.var(ddof=1) for v in values])
    i, j = np.array(list(combinations(range(k), 2))).T
    a, b = var[i] / n[i], var[j] / n[j]
    diff = m[j] - m[i]
    se2 = a + b
    t = np.abs(diff) / np.sqrt(se2)
    df = se2**2 / (a**2 / (n[i] - 1) + b**2 / (n[j] - 1))
    p = tukey_sf(t * np.sqrt(2), k, df)
    q = qtukey(level, k, df)
    half = q * np.sqrt(se2 / 2)
    return [
        {
            "estimate": diff[x],
            "ci_low": diff[x] - half[x],
            "ci_high": diff[x] + half[x],
            "statistic": t[x],
            "df": df[x],
            "p_value": p[x],
            "p_adjusted": p[x],
        }
        for x in range(len(diff))
    ]


@quietly
def _tukey(values: list[np.ndarray], level: float) -> list[dict[str, float]]:
    k = len(values)
    n = np.array([len(v) for v in values], float)
    m = np.array([v.mean() for v in values])
    df = n.sum() - k
    msw = sum(((v - v.mean()) ** 2).sum() for v in values) / df
    i, j = np.array(list(combinations(range(k), 2))).T
    diff = m[j] - m[i]
    se = np.sqrt(msw / 2 * (1 / n[i] + 1 / n[j]))
    q = np.abs(diff) / se
    p = tukey_sf(q, k, df)
    half = qtukey(level, k, df) * se
    return [
        {
            "estimate": diff[x],
            "ci_low": diff[x] - half[x],
            "ci_high": diff[x] + half[x],
            "statistic": q[x],
            "df": df,
            "p_value": p[x],
            "p_adjusted": p[x],
        }
        for x in range(len(diff))
    ]


@quietly
def _dunn(values: list[np.ndarray]) -> list[dict[str, float]]:
    k = len(values)
    pooled = np.concatenate(values)
    total = len(pooled)
    ranks = stats.rankdata(pooled)
    bounds = np.cumsum([0] + [len(v) for v in values])
    mean_rank = np.array([ranks[bounds[g] : bounds[g + 1]].mean() for g in range(k)])
    n = np.array([len(v) for v in values], float)
    _, ties = np.unique(pooled, return_counts=True)
    tie_term = (ties**3 - ties).sum() / (12 * (total - 1))
    i, j = np.array(list(combinations(range(k), 2))).T
    se = np.sqrt((total * (total + 1) / 12 - tie_term) * (1 / n[i] + 1 / n[j]))
    z = (mean_rank[j] - mean_rank[i]) / se
    p = 2 * stats.norm.sf(np.abs(z))
    adj = holm(p)
    return [
        {
            "estimate": mean_rank[j][x] - mean_rank[i][x],
            "ci_low": np.nan,
            "ci_high": np.nan,
            "statistic": z[x],
            "df": np.nan,
            "p_value": p[x],
            "p_adjusted": adj[x],
        }
        for x in range(len(z))
    ]


def posthoc(
    data: Scores | pd.DataFrame,
    by: str,
    columns: Sequence[str] | None = None,
    *,
    method: Method = "games-howell",
    level: float = 0.95,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """Every pair of (non-suppressed) groups, for every domain.

    ``estimate`` is the second group's mean minus the first's (Dunn: difference of mean ranks);
    ``statistic`` is Games-Howell's t, Tukey's q or Dunn's z. ``p_adjusted`` is family-wise
    within a domain: from the studentized range (Games-Howell, Tukey) or Holm (Dunn).

    Returns
    -------
    DataFrame
        Columns ``COLUMNS``: domain, group1, group2, n1, n2, estimate, ci_low, ci_high,
        statistic, df, p_value, p_adjusted, method.
    """
    funcs = {
        "games-howell": lambda v: _games_howell(v, level),
        "tukey": lambda v: _tukey(v, level),
        "dunn": _dunn,
    }
    if method not in funcs:
        raise ResponseError(
            Problem("bad-option", f"method={method!r}", expected="games-howell, tukey or dunn")
        )
    frame, cols = score_frame(data, columns)
    groups = Groups.of(group_labels(frame, by))
    rows: list[dict[str, Any]] = []
    for col in cols:
        kept, values, _ = split_groups(frame[col], groups, min_group_size)
        if len(kept) < 2:
            continue
        pairs = list(combinations(range(len(kept)), 2))
        for (gi, gj), res in zip(pairs, funcs[method](values), strict=True):
            rows.append(
                {
                    "domain": col,
                    "group1": kept[gi],
                    "group2": kept[gj],
                    "n1": len(values[gi]),
                    "n2": len(values[gj]),
                    **res,
                    "method": method,
                }
            )
    return pd.DataFrame(rows).reindex(columns=COLUMNS)

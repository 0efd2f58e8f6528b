"""Which groups differ: Games-Howell (default up to 10 groups), Tukey HSD, Dunn with Holm, or
each group against the rest of the organization (default beyond 10 groups).

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
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import Problem, ResponseError
from ..scoring import Scores
from ._inputs import DEFAULT_MIN_GROUP_SIZE, Groups, group_labels, quietly, score_frame
from .adjust import holm
from .compare import split_groups
from .distributions import norm_sf, rank_average, t_ppf, t_sf
from .effects import hedges_g
from .studentized_range import qtukey, tukey_sf

Method = Literal["auto", "games-howell", "tukey", "dunn", "vs-rest"]
MAX_PAIRWISE_GROUPS = 10
#: Beyond this many comparisons in a domain, Hedges' g is given without its interval (each
#: interval is a root search on the noncentral t: 19,900 pairs of 200 sites would take minutes).
MAX_G_INTERVALS = 300
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
    "p_unadjusted",
    "p_adjusted",
    "hedges_g",
    "g_ci_low",
    "g_ci_high",
    "adjustment",
    "method",
    "note",
]


def _pairs(k: int) -> tuple[np.ndarray, np.ndarray]:
    i, j = np.triu_indices(k, 1)
    return i, j


def _moments(values: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = np.array([len(v) for v in values], float)
    m = np.array([v.mean() for v in values])
    var = np.array([v.var(ddof=1) if len(v) > 1 else np.nan for v in values])
    return n, m, var


@quietly
def _games_howell(values: list[np.ndarray], level: float) -> dict[str, np.ndarray]:
    k = len(values)
    n, m, var = _moments(values)
    i, j = _pairs(k)
    a, b = var[i] / n[i], var[j] / n[j]
    diff = m[j] - m[i]
    se2 = a + b
    t = np.abs(diff) / np.sqrt(se2)
    df = se2**2 / (a**2 / (n[i] - 1) + b**2 / (n[j] - 1))
    ok = np.isfinite(t) & np.isfinite(df) & (df > 0)
    p = np.full(len(diff), np.nan)
    half = np.full(len(diff), np.nan)
    if ok.any():
        p[ok] = tukey_sf(t[ok] * np.sqrt(2), k, df[ok])
        half[ok] = qtukey(level, k, df[ok]) * np.sqrt(se2[ok] / 2)
    return {
        "estimate": diff,
        "ci_low": diff - half,
        "ci_high": diff + half,
        "statistic": t,
        "df": df,
        "p_unadjusted": np.full(len(diff), np.nan),
        "p_adjusted": p,
        "adjustment": "studentized range (family-wise)",
    }


@quietly
def _tukey(values: list[np.ndarray], level: float) -> dict[str, np.ndarray]:
    k = len(values)
    n, m, _ = _moments(values)
    df = n.sum() - k
    msw = sum(((v - v.mean()) ** 2).sum() for v in values) / df
    i, j = _pairs(k)
    diff = m[j] - m[i]
    se = np.sqrt(msw / 2 * (1 / n[i] + 1 / n[j]))
    q = np.abs(diff) / se
    p = tukey_sf(q, k, df) if np.isfinite(msw) and msw > 0 else np.full(len(q), np.nan)
    half = float(qtukey(level, k, df)) * se
    return {
        "estimate": diff,
        "ci_low": diff - half,
        "ci_high": diff + half,
        "statistic": q,
        "df": np.full(len(q), df),
        "p_unadjusted": np.full(len(q), np.nan),
        "p_adjusted": p,
        "adjustment": "studentized range (family-wise)",
    }


@quietly
def _dunn(values: list[np.ndarray], level: float) -> dict[str, np.ndarray]:
    k = len(values)
    pooled = np.concatenate(values)
    total = len(pooled)
    ranks, ties = rank_average(pooled)  # ties: the size of each run of equal values
    bounds = np.cumsum([0] + [len(v) for v in values])
    mean_rank = np.array([ranks[bounds[g] : bounds[g + 1]].mean() for g in range(k)])
    n = np.array([len(v) for v in values], float)
    tie_term = (ties**3 - ties).sum() / (12 * (total - 1))
    i, j = _pairs(k)
    se = np.sqrt((total * (total + 1) / 12 - tie_term) * (1 / n[i] + 1 / n[j]))
    z = (mean_rank[j] - mean_rank[i]) / se
    p = 2 * norm_sf(np.abs(z))
    nan = np.full(len(z), np.nan)
    return {
        "estimate": mean_rank[j] - mean_rank[i],
        "ci_low": nan,
        "ci_high": nan,
        "statistic": z,
        "df": nan,
        "p_unadjusted": p,
        "p_adjusted": holm(p),
        "adjustment": "holm",
    }


@quietly
def _vs_rest(values: list[np.ndarray], level: float) -> dict[str, np.ndarray]:
    """Each group against all the others pooled: Welch's t (R ``t.test``), Holm within the
    domain, with the Welch interval of the difference (group minus rest)."""
    n, m, var = _moments(values)
    total, sums = n.sum(), n * m
    sq = np.array([((v - v.mean()) ** 2).sum() for v in values])
    grand = sums.sum() / total
    n_rest = total - n
    m_rest = (sums.sum() - sums) / n_rest
    # sum of squares of the rest about its own mean, from the groups' sums of squares
    ss_all = sq + n * (m - grand) ** 2
    ss_rest = ss_all.sum() - ss_all - n_rest * (m_rest - grand) ** 2
    var_rest = ss_rest / (n_rest - 1)
    a, b = var / n, var_rest / n_rest
    se2 = a + b
    diff = m - m_rest
    t = diff / np.sqrt(se2)
    df = se2**2 / (a**2 / (n - 1) + b**2 / (n_rest - 1))
    p = 2 * t_sf(np.abs(t), df)
    half = t_ppf(1 - (1 - level) / 2, df) * np.sqrt(se2)
    return {
        "estimate": diff,
        "ci_low": diff - half,
        "ci_high": diff + half,
        "statistic": t,
        "df": df,
        "p_unadjusted": p,
        "p_adjusted": holm(np.where(np.isfinite(p), p, np.nan)),
        "adjustment": "holm",
    }


_FUNCS = {"games-howell": _games_howell, "tukey": _tukey, "dunn": _dunn, "vs-rest": _vs_rest}


def posthoc(
    data: Scores | pd.DataFrame,
    by: str,
    columns: Sequence[str] | None = None,
    *,
    method: Method = "auto",
    level: float = 0.95,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """Which groups differ, for every domain.

    ``method``: ``"games-howell"`` (every pair, unequal variances), ``"tukey"`` (every pair,
    equal variances), ``"dunn"`` (every pair, ranks, Holm), ``"vs-rest"`` (each group against
    the rest of the organization: Welch's t, Holm-adjusted), or ``"auto"`` (default):
    Games-Howell for up to 10 groups, each group against the rest beyond that (a table of
    every pair of 49 sites has 1,176 rows and helps nobody).

    ``estimate`` is the second group's mean minus the first's (Dunn: difference of mean ranks;
    vs-rest: the group minus the rest, with ``group2`` = ``"rest"``). ``statistic`` is
    Games-Howell's t, Tukey's q, Dunn's z or Welch's t. ``p_adjusted`` is family-wise within a
    domain: from the studentized range (Games-Howell, Tukey: these have no unadjusted p, so
    ``p_unadjusted`` is blank) or Holm (Dunn, vs-rest); ``adjustment`` names which.
    ``hedges_g`` is the size of each difference in the same direction as ``estimate`` (second
    group minus first; a group minus the rest), with its 95% interval ``g_ci_low``,
    ``g_ci_high`` as effectsize's ``hedges_g`` gives it (pooled SD, noncentral t), for every
    method; beyond :data:`MAX_G_INTERVALS` comparisons in a domain, without the interval
    (``note`` says so).

    Returns
    -------
    DataFrame
        Columns ``COLUMNS``. A domain with fewer than two groups to compare gets one row whose
        ``note`` says so.
    """
    if method not in (*_FUNCS, "auto"):
        raise ResponseError(
            Problem(
                "bad-option",
                f"method={method!r}",
                expected="auto, games-howell, tukey, dunn or vs-rest",
            )
        )
    frame, cols = score_frame(data, columns)
    groups = Groups.of(group_labels(frame, by))
    parts: list[pd.DataFrame] = []
    for col in cols:
        kept, values, _ = split_groups(frame[col], groups, min_group_size)
        if len(kept) < 2:
            note = (
                f"fewer than two groups of {by} with answers"
                + (f" (of at least {min_group_size})" if min_group_size > 1 else "")
                + ": no pairs to compare"
            )
            parts.append(pd.DataFrame({"domain": [col], "note": [note]}))
            continue
        chosen = method
        if method == "auto":
            chosen = "games-howell" if len(kept) <= MAX_PAIRWISE_GROUPS else "vs-rest"
        res = _FUNCS[chosen](values, level)
        sizes = np.array([len(v) for v in values])
        if chosen == "vs-rest":
            names = np.array(kept, dtype=object)
            block = {
                "group1": names,
                "group2": np.full(len(kept), "rest", dtype=object),
                "n1": sizes,
                "n2": sizes.sum() - sizes,
            }
        else:
            i, j = _pairs(len(kept))
            names = np.array(kept, dtype=object)
            block = {"group1": names[i], "group2": names[j], "n1": sizes[i], "n2": sizes[j]}
        if chosen == "vs-rest":
            pairs = [
                (values[i], np.concatenate([v for k, v in enumerate(values) if k != i]))
                for i in range(len(values))
            ]
        else:
            pairs = [(values[b], values[a]) for a, b in zip(*_pairs(len(kept)), strict=True)]
        with_ci = len(pairs) <= MAX_G_INTERVALS
        sizes_g = np.array(
            [hedges_g(x, y, level if with_ci else None) for x, y in pairs], dtype=float
        ).reshape(-1, 3)
        extra: dict[str, object] = {
            "hedges_g": sizes_g[:, 0],
            "g_ci_low": sizes_g[:, 1],
            "g_ci_high": sizes_g[:, 2],
        }
        if not with_ci:
            extra["note"] = (
                f"Hedges' g without its interval: more than {MAX_G_INTERVALS} comparisons"
            )
        parts.append(pd.DataFrame({"domain": col, **block, **res, **extra, "method": chosen}))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat([p.reindex(columns=COLUMNS) for p in parts], ignore_index=True)

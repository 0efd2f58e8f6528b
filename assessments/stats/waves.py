"""Did we change since the last wave?

Anonymous waves are compared as independent groups (Welch's t, Hedges' g of after minus
before); matched respondents (``paired_on``) as pairs (paired t, Wilcoxon signed-rank, and the
Jacobson-Truax reliable change index with the domain's alpha from the first wave).

The t-tests match R ``t.test`` (Welch for independent waves). The paired Wilcoxon signed-rank
test matches R ``wilcox.test(after, before, paired = TRUE)``: ``wilcoxon_v`` is V, the sum of
the ranks of the positive differences (zero differences dropped); p is exact for fewer than 50
pairs without ties or zeros, else the normal approximation with tie and continuity correction.
Checked against R in ``tests/data/reference/stats/wilcoxon.csv``. Respondent ids must be unique
within each wave to be paired; duplicates are refused with the ids listed.

Examples
--------
>>> import pandas as pd
>>> before = pd.DataFrame({"x": [3, 3, 4, 2, 3, 4]})
>>> after = pd.DataFrame({"x": [4, 4, 5, 3, 4, 4]})
>>> change(before, after, columns=["x"])[["domain", "mean_before", "mean_after", "change"]].round(2)
  domain  mean_before  mean_after  change
0      x         3.17         4.0    0.83
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem, ResponseError
from ..scoring import Scores
from ._inputs import DEFAULT_MIN_GROUP_SIZE, group_labels, quietly, score_frame
from .compare import welch_t
from .distributions import norm_cdf, norm_sf, rank_average, t_sf
from .effects import hedges_g
from .reliability import reliability

RCI_Z = 1.96


@quietly
def _independent(yb: np.ndarray, ya: np.ndarray, level: float) -> dict[str, Any]:
    t, df, p = welch_t(yb, ya)
    g, lo, hi = hedges_g(ya, yb, level)
    out = {
        "test": "welch_t",
        "statistic": t,
        "df": df,
        "p_value": p,
        "hedges_g": g,
        "hedges_g_ci_low": lo,
        "hedges_g_ci_high": hi,
    }
    if not np.isfinite(p):
        out["note"] = "every respondent gave the same score in both waves: no test of change"
    return out


def signrank_sf_exact(v: float, n: int) -> tuple[float, float]:
    """P(V <= v) and P(V >= v) of the signed-rank statistic of ``n`` pairs (R ``psignrank``),
    by counting the subsets of ranks 1..n with each sum."""
    top = n * (n + 1) // 2
    counts = np.zeros(top + 1)
    counts[0] = 1.0
    for r in range(1, n + 1):
        counts[r:] = counts[r:] + counts[: top + 1 - r].copy()
    p = counts / counts.sum()
    c = np.cumsum(p)
    vi = round(v)
    return float(c[vi]), float(1 - (c[vi - 1] if vi > 0 else 0.0))


def wilcoxon_paired(d: np.ndarray) -> tuple[float, float]:
    """V and two-sided p of the signed-rank test of differences ``d`` (R ``wilcox.test``,
    ``paired = TRUE``, default ``exact`` and ``correct``).

    >>> wilcoxon_paired(np.array([0.5, 0.6, 0.2, -0.9, 0.85, 0.8, 0.7, 0.3]))
    (28.0, 0.1953125)
    """
    x = d[d != 0]
    n = len(x)
    if n == 0:
        return np.nan, np.nan
    ranks, nties = rank_average(np.abs(x))  # nties: the size of each run of equal values
    v = float(ranks[x > 0].sum())
    ties = bool(np.any(nties > 1))
    if n < 50 and not ties and len(x) == len(d):
        low, high = signrank_sf_exact(v, n)
        p = high if v > n * (n + 1) / 4 else low
        return v, float(min(1.0, 2 * p))
    z = v - n * (n + 1) / 4
    sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24 - (nties**3 - nties).sum() / 48)
    z = (z - np.sign(z) * 0.5) / sigma
    return v, float(2 * min(norm_cdf(z), norm_sf(z)))


@quietly
def _paired(yb: np.ndarray, ya: np.ndarray, alpha: float) -> dict[str, Any]:
    d = ya - yb
    sd = float(d.std(ddof=1)) if len(d) > 1 else np.nan
    t = d.mean() / (sd / np.sqrt(len(d))) if sd > 0 else np.nan
    v, wp = wilcoxon_paired(d)
    out: dict[str, Any] = {
        "test": "paired_t",
        "statistic": float(t),
        "df": len(d) - 1,
        "p_value": float(2 * t_sf(abs(t), len(d) - 1)) if np.isfinite(t) else np.nan,
        "mean_change": float(d.mean()),
        "sd_change": sd,
        "wilcoxon_v": v,
        "wilcoxon_p": wp,
    }
    if not np.any(d != 0):
        out["note"] = "every respondent has the same score in both waves: no test of change"
    elif not sd > 0:
        out["note"] = "every respondent changed by the same amount: the paired t is undefined"
    s_diff = yb.std(ddof=1) * np.sqrt(2 * (1 - alpha)) if np.isfinite(alpha) else np.nan
    if np.isfinite(s_diff) and s_diff > 0:
        rci = d / s_diff
        out.update(
            rci_s_diff=s_diff,
            n_reliably_improved=int((rci > RCI_Z).sum()),
            n_reliably_worse=int((rci < -RCI_Z).sum()),
            n_no_reliable_change=int((np.abs(rci) <= RCI_Z).sum()),
        )
    return out


def change(
    before: Scores | pd.DataFrame,
    after: Scores | pd.DataFrame,
    by: str | None = None,
    paired_on: str | None = None,
    *,
    columns: Sequence[str] | None = None,
    level: float = 0.95,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """Change in every domain, scale and total between two waves (per group with ``by``).

    Returns
    -------
    DataFrame
        ``domain``, ``group``, ``n_before``, ``mean_before``, ``sd_before``, ``n_after``,
        ``mean_after``, ``sd_after``, ``change``, ``test``, ``statistic``, ``df``, ``p_value``,
        ``hedges_g`` (+ interval) for independent waves; paired: ``n_pairs``, ``mean_change``,
        ``sd_change``, ``wilcoxon_v``, ``wilcoxon_p``, ``rci_s_diff`` and the counts of
        respondents reliably improved / worse / unchanged (|RCI| > 1.96). ``suppressed``.
    """
    fb, cols = score_frame(before, columns)
    fa, cols_a = score_frame(after, cols)
    alphas: dict[str, float] = {}
    if paired_on is not None and isinstance(before, Scores):
        rel = reliability(before)
        alphas = dict(zip(rel["domain"], rel["raw_alpha"], strict=True))
    if paired_on is not None:
        for f, name in ((fb, "before"), (fa, "after")):
            if paired_on not in f.columns:
                raise ResponseError(
                    Problem(
                        "unknown-column",
                        f"no column {paired_on!r} in the {name} wave to match people by",
                        column=paired_on,
                        expected="one of "
                        + ", ".join(
                            str(c)
                            for c in f.columns
                            if c not in cols
                            and c not in ("row", "prorated")
                            and not str(c).startswith("n_")
                            and not str(c).endswith("_n")
                        ),
                        hint="name the column that holds each person's id in every wave, "
                        "e.g. respondent_id",
                    )
                )
        for f, name in ((fb, "before"), (fa, "after")):
            ids = f[paired_on].dropna()
            dup = pd.unique(ids[ids.duplicated()])
            if len(dup):
                shown = ", ".join(map(str, dup[:10])) + (" ..." if len(dup) > 10 else "")
                raise ResponseError(
                    Problem(
                        "duplicate-id",
                        f"{len(dup)} respondent id(s) appear more than once in the {name} wave "
                        f"(column {paired_on!r}): {shown}",
                        column=paired_on,
                        expected="each id once per wave, so that each person makes one pair",
                        hint="remove or merge the duplicated rows, or compare the waves as "
                        "independent samples (leave out the id column)",
                    )
                )
    gb, ga = group_labels(fb, by), group_labels(fa, by)
    groups = sorted(set(pd.unique(gb.dropna())) & set(pd.unique(ga.dropna())), key=str)
    rows = []
    # each group's rows once, not once per score
    parts = {g: (fb[(gb == g).to_numpy()], fa[(ga == g).to_numpy()]) for g in groups}
    for col in cols:
        for g in groups:
            sb, sa = parts[g]
            row: dict[str, Any] = {"domain": col, "group": g}
            if paired_on is not None:
                m = (
                    sb[[paired_on, col]]
                    .merge(sa[[paired_on, col]], on=paired_on, suffixes=("_b", "_a"))
                    .dropna()
                )
                yb, ya = m[f"{col}_b"].to_numpy(float), m[f"{col}_a"].to_numpy(float)
                row["n_pairs"] = len(m)
            else:
                yb, ya = sb[col].dropna().to_numpy(float), sa[col].dropna().to_numpy(float)
            row.update(
                n_before=len(yb),
                mean_before=yb.mean() if len(yb) else np.nan,
                sd_before=yb.std(ddof=1) if len(yb) > 1 else np.nan,
                n_after=len(ya),
                mean_after=ya.mean() if len(ya) else np.nan,
                sd_after=ya.std(ddof=1) if len(ya) > 1 else np.nan,
            )
            if min(len(yb), len(ya)) < min_group_size:
                rows.append({**row, "suppressed": True})
                continue
            row["change"] = row["mean_after"] - row["mean_before"]
            if paired_on is not None:
                row.update(_paired(yb, ya, alphas.get(col, np.nan)))
            else:
                row.update(_independent(yb, ya, level))
            rows.append({**row, "suppressed": False})
    order = [
        "domain",
        "group",
        "n_before",
        "mean_before",
        "sd_before",
        "n_after",
        "mean_after",
        "sd_after",
        "change",
        "test",
        "statistic",
        "df",
        "p_value",
        "hedges_g",
        "hedges_g_ci_low",
        "hedges_g_ci_high",
    ]
    if paired_on is not None:
        order = [
            *order[:2],
            "n_pairs",
            *order[2:13],
            "mean_change",
            "sd_change",
            "wilcoxon_v",
            "wilcoxon_p",
            "rci_s_diff",
            "n_reliably_improved",
            "n_reliably_worse",
            "n_no_reliable_change",
        ]
    order.append("note")
    del cols_a
    if not groups:
        shown = f" of {by}" if by else ""
        rows = [
            {"domain": col, "note": f"no group{shown} is present in both waves"} for col in cols
        ]
    return pd.DataFrame(rows).reindex(columns=[*order, "suppressed"])


def mean_interval(v: np.ndarray) -> tuple[int, float, float, float, float]:
    """n, mean, SD and the 95% interval mean ± 1.96 SD/√n of non-missing values: what the
    trend charts draw."""
    m = float(v.mean()) if len(v) else np.nan
    sd = float(v.std(ddof=1)) if len(v) > 1 else np.nan
    half = 1.96 * sd / np.sqrt(len(v)) if len(v) > 1 else np.nan
    return len(v), m, sd, m - half, m + half


def wave_means(waves: Mapping[str, Scores], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Each score's n, mean, SD and 95% interval in each wave, in the waves' order.

    The interval is mean ± 1.96 SD/√n, as the trend chart draws it (which calls this).
    Checked against pandas' own ``count``/``mean``/``std`` in ``tests/test_truth_history.py``.

    Examples
    --------
    >>> from assessments import score
    >>> from assessments.demo import demo_responses
    >>> w = {y: score(demo_responses("oric", n=40, seed=k), "oric", on_invalid="missing")
    ...      for k, y in enumerate(("2025", "2026"))}
    >>> wave_means(w, ["total"])[["wave", "score", "n"]]
       wave  score   n
    0  2025  total  38
    1  2026  total  38
    """
    labels = list(waves)
    if not labels:
        return pd.DataFrame(columns=["wave", "score", "n", "mean", "sd", "ci_low", "ci_high"])
    cols = list(columns) if columns is not None else waves[labels[0]].score_columns
    rows = []
    for w in labels:
        frame = waves[w].respondents
        for col in cols:
            v = frame[col].dropna().to_numpy(dtype=float) if col in frame else np.array([])
            rows.append((w, col, *mean_interval(v)))
    return pd.DataFrame(rows, columns=["wave", "score", "n", "mean", "sd", "ci_low", "ci_high"])

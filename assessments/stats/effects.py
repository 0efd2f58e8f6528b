"""Effect sizes with confidence intervals.

- eta², omega² and epsilon² for a one-way design, from F; intervals by inverting the noncentral
  F distribution for its noncentrality (the method of R ``effectsize``), converted with the same
  formula as the estimate. Checked against hand computations and the textbook identities
  (tests/test_compare.py).
- Hedges' g (bias-corrected standardized mean difference, pooled SD) with the large-sample
  normal interval of Hedges and Olkin (1985).
- Cliff's delta, P(X > Y) - P(X < Y), from the Mann-Whitney U, with the Hanley-McNeil (1982)
  interval of the underlying probability.

Examples
--------
>>> round(hedges_g([1, 2, 3, 4], [2, 3, 4, 5])[0], 4)
-0.6736
>>> cliffs_delta([1, 2, 3], [4, 5, 6])[0]
-1.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import optimize, stats

ArrayLike = Sequence[float] | np.ndarray


def variance_explained(f: float, df1: float, df2: float) -> dict[str, float]:
    """eta², omega² and epsilon² of a one-way design from its F statistic."""
    if not np.isfinite(f):
        return {"eta_squared": np.nan, "omega_squared": np.nan, "epsilon_squared": np.nan}
    return {
        "eta_squared": f * df1 / (f * df1 + df2),
        "omega_squared": max(0.0, (f - 1) * df1 / (f * df1 + df2 + 1)),
        "epsilon_squared": max(0.0, (f - 1) * df1 / (f * df1 + df2)),
    }


def _ncp_bounds(f: float, df1: float, df2: float, level: float) -> tuple[float, float]:
    """Two-sided interval for the noncentrality of an observed F."""
    tail = (1 - level) / 2

    def cdf(ncp: float) -> float:
        return (
            float(stats.ncf.cdf(f, df1, df2, ncp)) if ncp > 0 else float(stats.f.cdf(f, df1, df2))
        )

    def bound(target: float) -> float:
        if cdf(0.0) <= target:
            return 0.0
        hi = max(10.0, f * df1 * 2)
        while cdf(hi) > target:
            hi *= 2
        return float(optimize.brentq(lambda x: cdf(x) - target, 0.0, hi, xtol=1e-10))

    return bound(1 - tail), bound(tail)


def variance_explained_ci(
    f: float, df1: float, df2: float, level: float = 0.95
) -> dict[str, float]:
    """Confidence limits of eta², omega² and epsilon² (``<name>_ci_low`` / ``_ci_high``)."""
    out: dict[str, float] = {}
    if not np.isfinite(f) or df2 <= 0:
        for name in ("eta_squared", "omega_squared", "epsilon_squared"):
            out[f"{name}_ci_low"] = out[f"{name}_ci_high"] = np.nan
        return out
    lo, hi = _ncp_bounds(f, df1, df2, level)
    low = variance_explained(lo / df1, df1, df2)
    high = variance_explained(hi / df1, df1, df2)
    for name in low:
        out[f"{name}_ci_low"] = low[name]
        out[f"{name}_ci_high"] = high[name]
    return out


def hedges_g(x: ArrayLike, y: ArrayLike, level: float = 0.95) -> tuple[float, float, float]:
    """Hedges' g of ``x`` minus ``y`` with its confidence interval."""
    a, b = np.asarray(x, float), np.asarray(y, float)
    n1, n2 = len(a), len(b)
    if n1 < 2 or n2 < 2:
        return np.nan, np.nan, np.nan
    sp = np.sqrt(((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / (n1 + n2 - 2))
    if sp == 0:
        return np.nan, np.nan, np.nan
    d = (a.mean() - b.mean()) / sp
    g = d * (1 - 3 / (4 * (n1 + n2) - 9))
    se = np.sqrt((n1 + n2) / (n1 * n2) + g**2 / (2 * (n1 + n2)))
    z = stats.norm.ppf(1 - (1 - level) / 2)
    return float(g), float(g - z * se), float(g + z * se)


def cliffs_delta(x: ArrayLike, y: ArrayLike, level: float = 0.95) -> tuple[float, float, float]:
    """Cliff's delta of ``x`` against ``y`` with its confidence interval."""
    a, b = np.asarray(x, float), np.asarray(y, float)
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        return np.nan, np.nan, np.nan
    ranks = stats.rankdata(np.concatenate([a, b]))
    u = ranks[:n1].sum() - n1 * (n1 + 1) / 2
    auc = u / (n1 * n2)
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    var = (auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n2 - 1) * (q2 - auc**2)) / (n1 * n2)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    se = np.sqrt(max(var, 0.0))
    delta = 2 * auc - 1
    return float(delta), float(max(-1.0, delta - 2 * z * se)), float(min(1.0, delta + 2 * z * se))

"""The distribution functions and rank tests the report's statistics use, called through
``scipy.special``.

``scipy.stats`` costs about 50 MB of memory and a third of a second to import, which every
report paid for a handful of functions. Each function here computes what its ``scipy.stats``
counterpart computes (the same ``scipy.special`` call, the same handling of the support's edges
and of invalid parameters, the same order of summation), so the results are equal;
``tests/test_distributions.py`` checks that on grids of values, edges and ties included.
Modules that need the rest of ``scipy.stats`` (structure checks, benchmarks) import it when
they run.

>>> round(float(t_ppf(0.975, 10)), 6)  # scipy.stats.t.ppf(0.975, 10): 2.228139
2.228139
>>> round(float(f_sf(3.0, 2, 20)), 6)  # scipy.stats.f.sf(3, 2, 20): 0.072538
0.072538
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special


def _out(x: np.ndarray) -> Any:
    """A 0-d result as a NumPy scalar (as scipy.stats returns it), else the array."""
    return x[()] if x.ndim == 0 else x


def t_sf(x: Any, df: Any) -> Any:
    """``scipy.stats.t.sf``: P(T > x) for Student's t with ``df`` degrees of freedom."""
    x, df = np.broadcast_arrays(np.asarray(x, float), np.asarray(df, float))
    ok = df > 0
    with np.errstate(invalid="ignore"):
        return _out(np.where(ok & ~np.isnan(x), special.stdtr(np.where(ok, df, 1), -x), np.nan))


def t_ppf(q: Any, df: Any) -> Any:
    """``scipy.stats.t.ppf``: the ``q`` quantile of Student's t."""
    q, df = np.broadcast_arrays(np.asarray(q, float), np.asarray(df, float))
    ok = (df > 0) & (q >= 0) & (q <= 1)
    with np.errstate(invalid="ignore"):
        inner = special.stdtrit(np.where(ok, df, 1), np.where((q > 0) & (q < 1), q, 0.5))
    out = np.where(q == 0, -np.inf, np.where(q == 1, np.inf, inner))
    return _out(np.where(ok, out, np.nan))


def f_sf(x: Any, df1: Any, df2: Any) -> Any:
    """``scipy.stats.f.sf``: P(F > x) for the F distribution; 1 at and below 0."""
    x, d1, d2 = np.broadcast_arrays(
        np.asarray(x, float), np.asarray(df1, float), np.asarray(df2, float)
    )
    ok = (d1 > 0) & (d2 > 0) & ~np.isnan(x)
    with np.errstate(invalid="ignore"):
        inner = special.fdtrc(np.where(ok, d1, 1), np.where(ok, d2, 1), np.where(x > 0, x, 1))
    return _out(np.where(ok, np.where(x > 0, inner, 1.0), np.nan))


def f_ppf(q: Any, df1: Any, df2: Any) -> Any:
    """``scipy.stats.f.ppf``: the ``q`` quantile of the F distribution."""
    q, d1, d2 = np.broadcast_arrays(
        np.asarray(q, float), np.asarray(df1, float), np.asarray(df2, float)
    )
    ok = (d1 > 0) & (d2 > 0) & (q >= 0) & (q <= 1)
    with np.errstate(invalid="ignore"):
        inner = special.fdtri(
            np.where(ok, d1, 1), np.where(ok, d2, 1), np.where((q > 0) & (q < 1), q, 0.5)
        )
    out = np.where(q == 0, 0.0, np.where(q == 1, np.inf, inner))
    return _out(np.where(ok, out, np.nan))


def chi2_sf(x: Any, df: Any) -> Any:
    """P(X > x) for the chi-squared distribution, as ``scipy.stats.kruskal`` computes its p."""
    return _out(np.asarray(special.chdtrc(np.asarray(df, float), np.asarray(x, float))))


def norm_cdf(x: Any) -> Any:
    """``scipy.stats.norm.cdf``."""
    return _out(np.asarray(special.ndtr(np.asarray(x, float))))


def norm_sf(x: Any) -> Any:
    """``scipy.stats.norm.sf``."""
    return _out(np.asarray(special.ndtr(-np.asarray(x, float))))


def norm_ppf(q: Any) -> Any:
    """``scipy.stats.norm.ppf`` (NaN outside 0..1)."""
    return _out(np.asarray(special.ndtri(np.asarray(q, float))))


def rank_average(x: Any) -> tuple[np.ndarray, np.ndarray]:
    """Ranks from 1, ties sharing their average rank (``scipy.stats.rankdata``), and the size
    of each run of tied values, in sorted order.

    >>> rank_average([10, 30, 20, 20])[0].tolist()
    [1.0, 4.0, 2.5, 2.5]
    """
    a = np.asarray(x, float).ravel()
    if np.isnan(a).any():  # as scipy.stats.rankdata: a NaN makes every rank NaN
        return np.full(len(a), np.nan), np.zeros(0)
    order = np.argsort(a, kind="mergesort")
    s = a[order]
    first = np.r_[True, s[1:] != s[:-1]] if len(s) else np.zeros(0, bool)
    starts = np.flatnonzero(first)
    counts = np.diff(np.r_[starts, len(s)])
    run = np.cumsum(first) - 1
    ranks = np.empty(len(a))
    ranks[order] = (starts + (counts + 1) / 2)[run]
    return ranks, counts.astype(float)


def kruskal(*samples: np.ndarray) -> tuple[float, float]:
    """Kruskal-Wallis H with the tie correction and its chi-squared p (``scipy.stats.kruskal``,
    R ``kruskal.test``). NaN when every value is the same.

    >>> h, p = kruskal(np.array([1.0, 2, 3]), np.array([4.0, 5, 6]))
    >>> round(h, 4), round(p, 4)  # scipy.stats.kruskal: 3.8571, 0.0495
    (3.8571, 0.0495)
    """
    n = [len(s) for s in samples]
    total = sum(n)
    ranks, ties = rank_average(np.concatenate(samples))
    correction = 1 - np.sum(ties**3 - ties) / (total**3 - total)
    ends = np.cumsum([0, *n])
    ssbn = sum(np.sum(ranks[ends[i] : ends[i + 1]]) ** 2 / n[i] for i in range(len(samples)))
    h = 12.0 / (total * (total + 1)) * ssbn - 3 * (total + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        h = h / correction
    return float(h), float(chi2_sf(h, len(samples) - 1))


def welch_from_stats(
    mean1: float, sd1: float, n1: float, mean2: float, sd2: float, n2: float
) -> tuple[float, float]:
    """Welch's t and its two-sided p from two groups' means, SDs and sizes
    (``scipy.stats.ttest_ind_from_stats(..., equal_var=False)``, R ``t.test`` on the data).

    >>> t, p = welch_from_stats(3.4, 0.8, 120, 3.1, 0.9, 400)
    >>> round(t, 4), round(p, 4)  # scipy.stats.ttest_ind_from_stats: 3.4973, 0.0006
    (3.4973, 0.0006)
    """
    sd1, n1, sd2, n2 = np.float64(sd1), np.float64(n1), np.float64(sd2), np.float64(n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        vn1, vn2 = sd1**2 / n1, sd2**2 / n2
        welch_df = (vn1 + vn2) ** 2 / (vn1**2 / (n1 - 1) + vn2**2 / (n2 - 1))
        # both variances 0: any df will do (t is then infinite or NaN)
        df = 1.0 if np.isnan(welch_df) else float(welch_df)
        t = np.divide(mean1 - mean2, np.sqrt(vn1 + vn2))
    return float(t), float(2 * special.stdtr(df, -np.abs(t)))


def mann_whitney(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mann-Whitney U of ``x`` and its two-sided p (``scipy.stats.mannwhitneyu``, R
    ``wilcox.test``): the normal approximation with the tie and continuity corrections, and
    the exact distribution (from scipy.stats, imported then) when a sample has 8 or fewer
    values and nothing is tied.

    >>> u, p = mann_whitney(np.arange(10.0), np.arange(5.0, 17))
    >>> u, round(p, 4)  # scipy.stats.mannwhitneyu: 12.5, 0.0019
    (12.5, 0.0019)
    """
    n1, n2 = len(x), len(y)
    ranks, ties = rank_average(np.concatenate([x, y]))
    if not (n1 > 8 and n2 > 8) and not np.any(ties > 1):
        from scipy import stats

        res = stats.mannwhitneyu(x, y, alternative="two-sided")
        return float(res.statistic), float(res.pvalue)
    u1 = np.sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    s = np.sqrt(n1 * n2 / 12 * ((n + 1) - np.sum(ties**3 - ties) / (n * (n - 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (u - n1 * n2 / 2 - 0.5) / s
    return float(u1), float(np.clip(2 * special.ndtr(-z), 0.0, 1.0))

"""Effect sizes with confidence intervals.

- eta², omega² and epsilon² for a one-way design, from F, with two-sided intervals exactly as R
  ``effectsize`` 0.8 (``eta_squared``/``omega_squared``/``epsilon_squared`` with
  ``alternative = "two.sided"``): the noncentrality of the F is inverted (noncentral F), and
  the limits are converted to the proportion of variance ncp / (ncp + df2). For eta² the F is
  the observed one; for omega² and epsilon², as effectsize does, it is the F that the (zero-
  floored) estimate implies, f = (es / df1) / ((1 - es) / df2). When the noncentral F cannot
  be inverted (an F so large that its distribution function is not computable) the limits are
  NaN and :func:`variance_explained_ci` says so in ``note``.
- Hedges' g: Cohen's d with the pooled SD times the exact small-sample correction
  J = Γ(df/2) / (√(df/2) Γ((df − 1)/2)), df = n1 + n2 − 2; the interval inverts the noncentral t
  of t = d √(n1 n2 / (n1 + n2)) and is multiplied by J (effectsize ``hedges_g``).
- Both are checked against effectsize 0.8.3 in ``tests/data/reference/stats/effect_sizes.csv``
  (``make_stats_reference.R``) to 1e-6.
- Cliff's delta, P(X > Y) - P(X < Y), from the Mann-Whitney U, with the Hanley-McNeil (1982)
  interval of the underlying probability.

Examples
--------
>>> round(hedges_g([1, 2, 3, 4], [2, 3, 4, 5])[0], 4)  # d = -0.7746, J(6) = 0.8686
-0.6728
>>> cliffs_delta([1, 2, 3], [4, 5, 6])[0]
-1.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import optimize, special

from .distributions import norm_ppf, rank_average

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
    """Two-sided interval for the noncentrality of an observed F (NaN when not computable)."""
    tail = (1 - level) / 2

    def cdf(ncp: float) -> float:
        # the functions behind scipy.stats' ncf.cdf and f.cdf, without their argument checks
        # (f >= 0 and the degrees of freedom > 0 here): a hundred times faster per call
        return (
            float(special.ncfdtr(df1, df2, ncp, f)) if ncp > 0 else float(special.fdtr(df1, df2, f))
        )

    def bound(target: float) -> float:
        at_zero = cdf(0.0)
        if not np.isfinite(at_zero):
            return np.nan
        if at_zero <= target:
            return 0.0
        hi = max(10.0, f * df1 * 2)
        for _ in range(200):
            value = cdf(hi)
            if not np.isfinite(value):
                return np.nan
            if value <= target:
                break
            hi *= 2
        else:
            return np.nan
        try:
            return float(optimize.brentq(lambda x: cdf(x) - target, 0.0, hi, xtol=1e-10))
        except ValueError:  # the cdf returned NaN somewhere inside the bracket
            return np.nan

    return bound(1 - tail), bound(tail)


def _ncp_to_share(ncp: float, df2: float) -> float:
    return ncp / (ncp + df2) if np.isfinite(ncp) else np.nan


def variance_explained_ci(
    f: float, df1: float, df2: float, level: float = 0.95
) -> dict[str, float | str]:
    """Confidence limits of eta², omega² and epsilon² (``<name>_ci_low`` / ``_ci_high``), as R
    effectsize computes them (module docstring); ``note`` says why limits are missing."""
    names = ("eta_squared", "omega_squared", "epsilon_squared")
    out: dict[str, float | str] = {}
    for name in names:
        out[f"{name}_ci_low"] = out[f"{name}_ci_high"] = np.nan
    if not np.isfinite(f) or df2 <= 0:
        return out
    estimates = variance_explained(f, df1, df2)
    failed = False
    for name in names:
        es = max(0.0, estimates[name])
        pseudo_f = f if name == "eta_squared" else (es / df1) / ((1 - es) / df2)
        lo, hi = _ncp_bounds(pseudo_f, df1, df2, level)
        out[f"{name}_ci_low"], out[f"{name}_ci_high"] = (
            _ncp_to_share(lo, df2),
            _ncp_to_share(hi, df2),
        )
        failed = failed or not (np.isfinite(lo) and np.isfinite(hi))
    if failed:
        out["note"] = (
            f"F = {f:.4g} is too large for the noncentral F distribution to be inverted: the "
            "effect-size intervals are not computed (the effect is very large and precise)"
        )
    return out


def hedges_correction(df: float) -> float:
    """The exact small-sample correction J(df) = Γ(df/2) / (√(df/2) Γ((df − 1)/2)).

    >>> round(hedges_correction(10), 6)
    0.922746
    """
    return float(
        np.exp(special.gammaln(df / 2) - np.log(np.sqrt(df / 2)) - special.gammaln((df - 1) / 2))
    )


def _nct_cdf(t: float, df: float, ncp: float) -> float:
    """P(T <= t) of the noncentral t; where scipy's cdf gives NaN far in a tail, the same
    probability from the mirrored distribution (-T has noncentrality -ncp), else 0 or 1."""
    value = float(special.nctdtr(df, ncp, t))  # what stats.nct.cdf computes, unchecked
    if not np.isfinite(value):
        from scipy import stats  # only here, far in a tail: scipy.stats is slow to import

        value = float(stats.nct.sf(-t, df, -ncp))
    if not np.isfinite(value):
        value = 0.0 if ncp > t else 1.0
    return value


def _nct_bounds(t: float, df: float, level: float) -> tuple[float, float]:
    """Two-sided interval for the noncentrality of an observed t (as effectsize .get_ncp_t)."""
    tail = (1 - level) / 2

    def bound(target: float) -> float:
        width = 1.0
        for _ in range(60):
            lo, hi = t - width, t + width
            if _nct_cdf(t, df, lo) > target > _nct_cdf(t, df, hi):
                break
            width *= 2
        else:
            return np.nan
        return float(optimize.brentq(lambda x: _nct_cdf(t, df, x) - target, lo, hi, xtol=1e-12))

    return bound(1 - tail), bound(tail)


def hedges_g(x: ArrayLike, y: ArrayLike, level: float | None = 0.95) -> tuple[float, float, float]:
    """Hedges' g of ``x`` minus ``y`` with its confidence interval (effectsize ``hedges_g``);
    ``level=None`` gives the estimate alone (NaN bounds), skipping the interval's root-finding.
    """
    a, b = np.asarray(x, float), np.asarray(y, float)
    n1, n2 = len(a), len(b)
    if n1 < 2 or n2 < 2:
        return np.nan, np.nan, np.nan
    df = n1 + n2 - 2
    sp = np.sqrt(((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / df)
    if sp == 0:
        return np.nan, np.nan, np.nan
    d = (a.mean() - b.mean()) / sp
    j = hedges_correction(df)
    if level is None:
        return float(d * j), np.nan, np.nan
    root = np.sqrt(n1 * n2 / (n1 + n2))
    lo, hi = _nct_bounds(float(d * root), df, level)
    return float(d * j), float(lo / root * j), float(hi / root * j)


def cliffs_delta(x: ArrayLike, y: ArrayLike, level: float = 0.95) -> tuple[float, float, float]:
    """Cliff's delta of ``x`` against ``y`` with its confidence interval."""
    a, b = np.asarray(x, float), np.asarray(y, float)
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        return np.nan, np.nan, np.nan
    ranks = rank_average(np.concatenate([a, b]))[0]
    u = ranks[:n1].sum() - n1 * (n1 + 1) / 2
    auc = u / (n1 * n2)
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    var = (auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n2 - 1) * (q2 - auc**2)) / (n1 * n2)
    z = norm_ppf(1 - (1 - level) / 2)
    se = np.sqrt(max(var, 0.0))
    delta = 2 * auc - 1
    return float(delta), float(max(-1.0, delta - 2 * z * se)), float(min(1.0, delta + 2 * z * se))

"""Do staff agree enough to speak of an organization-level (site-level) score?

- ``rwg_j``: James, Demaree and Wolf's multi-item within-group agreement,
  ``J(1 - s²/σ²) / (J(1 - s²/σ²) + s²/σ²)`` with ``s²`` the mean item variance in the group and
  ``σ²`` the variance of a null distribution; set to 0 when ``s² > σ²``, as R
  ``multilevel::rwg.j`` does. Checked against multilevel 2.7 (``tests/data/reference/bfi/
  rwg_j.csv``) to 1e-9.
- ``rwg_j_star``: Lindell's r*wg(j) = 1 - s²/σ² (not truncated).
- ``ad_m``: the average deviation index, the mean over items of the mean absolute deviation
  from the group's item mean (Burke and Dunlap suggest ``options / 6`` as the upper limit).
- ``icc1``, ``icc2``: from a one-way ANOVA of the domain scores on the groups, as
  ``multilevel::ICC1`` / ``ICC2`` (checked against ``compare.csv``), with percentile bootstrap
  intervals from resampling respondents within groups.

Null distributions: ``uniform`` (A² - 1)/12 for A answer options; ``slight_skew`` and
``moderate_skew`` from LeBreton and Senter (2008), for 5 and 7 options only.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"site": ["a"] * 5, "q1": [4, 4, 5, 4, 4], "q2": [4, 5, 5, 4, 4]})
>>> out = agreement(df, "site", domains={"d": ["q1", "q2"]}, options=5, n_boot=0)
>>> out[["domain", "group", "n", "rwg_j"]].round(3)
  domain group  n  rwg_j
0      d     a  5  0.933
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem, ResponseError
from ..scoring import Scores
from ._inputs import DEFAULT_MIN_GROUP_SIZE, Groups, group_labels, group_stats, item_sets

SKEWED_NULLS = {  # LeBreton & Senter (2008), variances of skewed null distributions
    5: {"slight_skew": 1.34, "moderate_skew": 0.90},
    7: {"slight_skew": 2.90, "moderate_skew": 2.20},
}
RWG_THRESHOLD = 0.70


def rwg_j(mean_var: float, n_items: int, null_var: float) -> float:
    """rwg(j) for a group whose items have mean variance ``mean_var``.

    >>> round(rwg_j(1.0, 5, 2.0), 4)
    0.8333
    """
    if not np.isfinite(mean_var):
        return np.nan
    ratio = mean_var / null_var
    if ratio > 1:
        return 0.0
    j = n_items * (1 - ratio)
    return float(j / (j + ratio))


def icc_from_anova(n: np.ndarray, m: np.ndarray, v: np.ndarray) -> tuple[Any, Any]:
    """ICC(1) and ICC(2) from group sizes, means and variances (as multilevel::ICC1/ICC2).

    ``m`` and ``v`` may carry a leading axis of bootstrap resamples (groups on the last axis).
    """
    k, total = n.shape[-1], n.sum()
    grand = (m * n).sum(axis=-1, keepdims=True) / total
    msb = (n * (m - grand) ** 2).sum(axis=-1) / (k - 1)
    msw = ((n - 1) * v).sum(axis=-1) / (total - k)
    icc1 = (msb - msw) / (msb + (total / k - 1) * msw)
    return icc1, (msb - msw) / msb


def _bootstrap_icc(
    values: list[np.ndarray], n_boot: int, level: float, seed: int
) -> tuple[float, float, float, float]:
    """Percentile intervals for ICC(1), ICC(2), resampling respondents within each group.

    Resampling a group's n values with replacement is drawing multinomial counts over its
    distinct values, so each resample costs the number of distinct scores, not n.
    """
    if n_boot <= 0:
        return np.nan, np.nan, np.nan, np.nan
    rng = np.random.default_rng(seed)
    n = np.array([len(v) for v in values], float)
    means = np.empty((n_boot, len(values)))
    variances = np.empty((n_boot, len(values)))
    for g, v in enumerate(values):
        u, count = np.unique(v, return_counts=True)
        draws = rng.multinomial(len(v), count / len(v), size=n_boot)
        s1, s2 = draws @ u, draws @ (u - u.mean()) ** 2
        means[:, g] = s1 / len(v)
        # sum of squares about the resample mean, computed about u's mean for stability
        variances[:, g] = (s2 - len(v) * (means[:, g] - u.mean()) ** 2) / (len(v) - 1)
    icc1, icc2 = icc_from_anova(n, means, variances)
    tail = 100 * (1 - level) / 2
    lo1, hi1 = np.nanpercentile(icc1, [tail, 100 - tail])
    lo2, hi2 = np.nanpercentile(icc2, [tail, 100 - tail])
    return float(lo1), float(hi1), float(lo2), float(hi2)


def _options(data: Scores | pd.DataFrame, options: int | None) -> int:
    if options is not None:
        return options
    if isinstance(data, Scores):
        return len(data.instrument.response_scale.points)
    raise ResponseError(
        Problem(
            "missing-option",
            "give the number of answer options",
            hint="pass options=5 for a 1-5 scale",
        )
    )


def agreement(
    data: Scores | pd.DataFrame,
    by: str,
    *,
    domains: Mapping[str, Sequence[str]] | None = None,
    options: int | None = None,
    threshold: float = RWG_THRESHOLD,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Within-group agreement per domain and group, with the domain's ICCs beside it.

    Parameters
    ----------
    data
        :class:`Scores`, or a DataFrame of numeric (reversed) items with ``domains`` and
        ``options``.
    by
        The group column (site, team, program).
    options
        Number of answer options A (default: the instrument's scale).
    threshold
        rwg(j) at or above which aggregation is supported (0.70 by convention).
    n_boot, level, seed
        Bootstrap resamples for the ICC intervals (0 = none), interval level, random seed.

    Returns
    -------
    DataFrame
        ``domain``, ``group``, ``n`` (complete cases), ``rwg_j``, ``rwg_j_star``, ``ad_m``,
        ``rwg_j_slight_skew``, ``rwg_j_moderate_skew``, ``null_variance``, ``icc1``,
        ``icc1_ci_low``, ``icc1_ci_high``, ``icc2``, ``icc2_ci_low``, ``icc2_ci_high``,
        ``aggregate``, ``verdict``, ``suppressed``.
    """
    a = _options(data, options)
    null_var = (a**2 - 1) / 12
    skews = SKEWED_NULLS.get(a, {})
    items, sets, _ = item_sets(data, domains)
    frame = data.respondents if isinstance(data, Scores) else data
    labels = group_labels(frame, by).reset_index(drop=True)
    groups = Groups.of(labels)
    k = len(groups.names)
    rows: list[dict[str, Any]] = []
    for dom, cols in sets.items():
        x = items[cols].to_numpy(dtype=float)
        complete = ~np.isnan(x).any(axis=1) & (groups.codes >= 0)
        c = groups.codes[complete]
        n = np.bincount(c, minlength=k)
        variances, deviations = [], []
        for j in range(x.shape[1]):
            _, m, v = group_stats(x[complete, j], c, k)
            variances.append(v)
            with np.errstate(invalid="ignore", divide="ignore"):
                dev = np.abs(x[complete, j] - m[c])
                deviations.append(np.bincount(c, weights=dev, minlength=k) / n)
        mean_var = np.mean(variances, axis=0)
        ad_m = np.mean(deviations, axis=0)
        if isinstance(data, Scores) and dom in frame.columns:
            score = frame[dom].to_numpy(dtype=float)
        else:
            score = np.nanmean(x, axis=1)
        icc = _icc_for(score, groups, min_group_size, n_boot, level, seed)
        for gi, g in enumerate(groups.names):
            if n[gi] == 0:
                continue
            row: dict[str, Any] = {"domain": dom, "group": g, "n": int(n[gi]), **icc}
            if n[gi] < min_group_size:
                rows.append({**row, "suppressed": True})
                continue
            value = rwg_j(float(mean_var[gi]), len(cols), null_var)
            ok = value >= threshold
            rows.append(
                {
                    **row,
                    "rwg_j": value,
                    "rwg_j_star": 1 - mean_var[gi] / null_var,
                    "ad_m": float(ad_m[gi]),
                    "rwg_j_slight_skew": rwg_j(float(mean_var[gi]), len(cols), skews["slight_skew"])
                    if skews
                    else np.nan,
                    "rwg_j_moderate_skew": rwg_j(
                        float(mean_var[gi]), len(cols), skews["moderate_skew"]
                    )
                    if skews
                    else np.nan,
                    "null_variance": null_var,
                    "aggregate": ok,
                    "verdict": (
                        f"{'supported' if ok else 'not supported'}: rwg(j) {value:.2f} "
                        f"{'>=' if ok else '<'} {threshold:.2f}; ICC(1) {icc['icc1']:.2f}, "
                        f"ICC(2) {icc['icc2']:.2f}"
                    ),
                    "suppressed": False,
                }
            )
    order = [
        "domain",
        "group",
        "n",
        "rwg_j",
        "rwg_j_star",
        "ad_m",
        "rwg_j_slight_skew",
        "rwg_j_moderate_skew",
        "null_variance",
        "icc1",
        "icc1_ci_low",
        "icc1_ci_high",
        "icc2",
        "icc2_ci_low",
        "icc2_ci_high",
        "aggregate",
        "verdict",
        "suppressed",
    ]
    return pd.DataFrame(rows).reindex(columns=order)


def _icc_for(
    score: np.ndarray, groups: Groups, min_group_size: int, n_boot: int, level: float, seed: int
) -> dict[str, float]:
    keys = ("icc1", "icc2", "icc1_ci_low", "icc1_ci_high", "icc2_ci_low", "icc2_ci_high")
    values = [v for v in groups.split(score) if len(v) >= min_group_size]
    if len(values) < 2:
        return dict.fromkeys(keys, np.nan)
    codes = np.concatenate([np.full(len(v), i) for i, v in enumerate(values)])
    n, m, v = group_stats(np.concatenate(values), codes, len(values))
    icc1, icc2 = icc_from_anova(n, m, v)
    lo1, hi1, lo2, hi2 = _bootstrap_icc(values, n_boot, level, seed)
    return {
        "icc1": float(icc1),
        "icc2": float(icc2),
        "icc1_ci_low": lo1,
        "icc1_ci_high": hi1,
        "icc2_ci_low": lo2,
        "icc2_ci_high": hi2,
    }


def icc(
    data: Scores | pd.DataFrame,
    by: str,
    columns: Sequence[str] | None = None,
    *,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """ICC(1) and ICC(2) of every score column by group, with bootstrap intervals.

    Checked against ``multilevel::ICC1``/``ICC2`` on ``aov(score ~ education)`` (bfi reference).
    """
    from ._inputs import score_frame

    frame, cols = score_frame(data, columns)
    groups = Groups.of(group_labels(frame, by))
    rows = [
        {
            "domain": c,
            **_icc_for(frame[c].to_numpy(dtype=float), groups, min_group_size, n_boot, level, seed),
        }
        for c in cols
    ]
    return pd.DataFrame(rows)

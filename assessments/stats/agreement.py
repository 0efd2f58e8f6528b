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
  ``multilevel::ICC1`` / ``ICC2``, with F-based intervals or a cluster bootstrap and the ANOVA
  F test (:mod:`assessments.stats.icc`).

Null distributions: ``uniform`` (A² - 1)/12 for A answer options, A taken from each domain's own
response scale; ``slight_skew`` and ``moderate_skew`` from LeBreton and Senter (2008), for 5 and
7 options only. rwg(j), r*wg(j) and their nulls on a 0-6 domain are checked against multilevel
(``tests/data/reference/stats/rwg_options.csv``).

The verdict (``aggregate``) follows LeBreton & Senter (2008) and Bliese (2000): a group's mean
stands for the group only when its members agree (rwg(j) ≥ 0.70 and AD(M) ≤ A/6) *and* the
groups differ (ICC(1) > 0 and the ANOVA F test p < .05). ICC(2) ≥ 0.70 (reliable group means)
is reported beside it: below it, the verdict says to read differences between groups with
caution.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"site": ["a"] * 5, "q1": [4, 4, 5, 4, 4], "q2": [4, 5, 5, 4, 4]})
>>> out = agreement(df, "site", domains={"d": ["q1", "q2"]}, options=5)
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
from ._inputs import (
    DEFAULT_MIN_GROUP_SIZE,
    Groups,
    group_labels,
    group_stats,
    item_sets,
    suppressed_groups,
)
from .distributions import f_sf
from .icc import CiMethod, cluster_bootstrap_interval, f_interval, icc_estimates

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


def _range_options(sc: Any) -> Any:
    """A range scale as the number of options A whose uniform null, (A² − 1)/12, is its own:
    step²(K² − 1)/12 for K steps, or (max − min)²/12 for any number in it."""
    span = float(sc.high - sc.low)
    if sc.step is not None:
        k = round(span / sc.step) + 1
        return float(np.sqrt(sc.step**2 * (k * k - 1) + 1))
    return float(np.sqrt(span * span + 1))


def _null_variances(a: int) -> dict[str, float]:
    """Null variances for ``a`` answer options: uniform (A² − 1)/12 and, for 5 or 7 options, the
    slightly and moderately skewed nulls of LeBreton & Senter (2008)."""
    return {"uniform": (a**2 - 1) / 12, **SKEWED_NULLS.get(a, {})}


def domain_options(
    data: Scores | pd.DataFrame,
    domains: Sequence[str],
    options: int | Mapping[str, int] | None,
) -> dict[str, int]:
    """Number of answer options A of each domain: given (one number, or ``{domain: A}``), else
    the length of the domain's own response scale (:meth:`Instrument.domain_scale`)."""
    given: Mapping[str, int] = (
        dict.fromkeys(domains, options) if isinstance(options, int) else (options or {})
    )
    unknown = [d for d in given if d not in domains]
    if unknown:
        raise ResponseError(
            Problem(
                "unknown-domain",
                "options given for unknown domain(s): " + ", ".join(unknown),
                expected="one of " + ", ".join(domains),
            )
        )
    out: dict[str, int] = {}
    for dom in domains:
        if dom in given:
            a = int(given[dom])
        elif isinstance(data, Scores):
            sc = data.instrument.domain_scale(dom)
            a = len(sc.points) if not sc.is_range else _range_options(sc)
        else:
            raise ResponseError(
                Problem(
                    "missing-option",
                    f"give the number of answer options of domain {dom!r}",
                    hint="pass options=5 for 1-5 scales, or options={'domain': A}",
                )
            )
        if a < 2:
            raise ResponseError(
                Problem("bad-option", f"{a} answer option(s) for domain {dom!r}", expected="2+")
            )
        out[dom] = a
    return out


AD_LIMIT_SHARE = 1 / 6  # Burke & Dunlap (2002): AD(M) at most A / 6 shows agreement
ICC2_RELIABLE = 0.70
F_TEST_ALPHA = 0.05

ICC_KEYS = (
    "icc1",
    "icc1_ci_low",
    "icc1_ci_high",
    "icc2",
    "icc2_ci_low",
    "icc2_ci_high",
    "icc_f",
    "icc_df1",
    "icc_df2",
    "icc_p",
    "icc_ci_method",
    "note",
)

AGREEMENT_COLUMNS = [
    "domain",
    "group",
    "n",
    "options",
    "rwg_j",
    "rwg_j_star",
    "ad_m",
    "ad_limit",
    "rwg_j_slight_skew",
    "rwg_j_moderate_skew",
    "null_variance",
    *[k for k in ICC_KEYS if k != "note"],
    "agree_within",
    "differ_between",
    "reliable_means",
    "aggregate",
    "verdict",
    "note",
    "suppressed",
]


def agreement(
    data: Scores | pd.DataFrame,
    by: str,
    *,
    domains: Mapping[str, Sequence[str]] | None = None,
    options: int | Mapping[str, int] | None = None,
    threshold: float = RWG_THRESHOLD,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    ci: CiMethod = "f",
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Within-group agreement per domain and group, the domain's ICCs, and a verdict.

    Parameters
    ----------
    data
        :class:`Scores`, or a DataFrame of numeric (reversed) items with ``domains`` and
        ``options``.
    by
        The group column (site, team, program).
    options
        Number of answer options A: one number for every domain, or ``{domain: A}``. By
        default each domain's own response scale (a domain mixing scales is an error).
    threshold
        rwg(j) at or above which members of a group agree (0.70 by convention).
    ci
        ICC intervals: ``"f"`` (F-based, default) or ``"cluster_bootstrap"`` (resampling
        groups; ``n_boot`` resamples, ``seed``). See :mod:`assessments.stats.icc`.

    Returns
    -------
    DataFrame
        Columns ``AGREEMENT_COLUMNS``. ``aggregate`` is True when members of the group agree
        (rwg(j) ≥ ``threshold`` and AD(M) ≤ A/6: ``agree_within``) **and** the groups differ
        (ICC(1) > 0 with the ANOVA F test p < .05: ``differ_between``); ``reliable_means``
        says whether ICC(2) ≥ 0.70. ``verdict`` says in words which condition failed (LeBreton
        & Senter 2008; Bliese 2000). ``note`` says why a figure is blank. Groups under
        ``min_group_size`` and their complement (:func:`suppressed_groups`) are suppressed.
    """
    items, sets, _ = item_sets(data, domains)
    opts = domain_options(data, list(sets), options)
    frame = data.respondents if isinstance(data, Scores) else data
    labels = group_labels(frame, by).reset_index(drop=True)
    groups = Groups.of(labels)
    k = len(groups.names)
    rows: list[dict[str, Any]] = []
    for dom, cols in sets.items():
        a = opts[dom]
        nulls = _null_variances(a)
        null_var = nulls["uniform"]
        x = items[cols].to_numpy(dtype=float)
        complete = ~np.isnan(x).any(axis=1) & (groups.codes >= 0)
        c = groups.codes[complete]
        n = np.bincount(c, minlength=k)
        xc = np.asfortranarray(x[complete])  # the complete rows once, each item contiguous
        variances, deviations = [], []
        for j in range(xc.shape[1]):
            _, m, v = group_stats(xc[:, j], c, k)
            variances.append(v)
            with np.errstate(invalid="ignore", divide="ignore"):
                dev = np.abs(xc[:, j] - m[c])
                deviations.append(np.bincount(c, weights=dev, minlength=k) / n)
        mean_var = np.mean(variances, axis=0)
        ad_m = np.mean(deviations, axis=0)
        if isinstance(data, Scores) and dom in frame.columns:
            score = frame[dom].to_numpy(dtype=float)
        else:
            score = np.nanmean(x, axis=1) if x.shape[1] else np.full(len(x), np.nan)
        icc = _icc_for(score, groups, min_group_size, ci, n_boot, level, seed)
        sizes = {g: int(n[gi]) for gi, g in enumerate(groups.names) if n[gi] > 0}
        hidden = set(suppressed_groups(sizes, min_group_size))
        if not sizes:
            rows.append(
                {
                    "domain": dom,
                    "n": 0,
                    "options": a,
                    "note": "no respondent answered every item of this domain",
                }
            )
            continue
        for gi, g in enumerate(groups.names):
            if n[gi] == 0:
                continue
            row: dict[str, Any] = {"domain": dom, "group": g, "n": int(n[gi]), "options": a}
            if g in hidden:
                why = (
                    f"fewer than {min_group_size} complete answers"
                    if n[gi] < min_group_size
                    else "hidden so that a smaller group cannot be worked out (complementary "
                    "suppression)"
                )
                rows.append({**row, "suppressed": True, "note": why})
                continue
            mv = float(mean_var[gi])
            value = rwg_j(mv, len(cols), null_var)
            ad_limit = a * AD_LIMIT_SHARE
            row.update(icc)
            row.update(
                rwg_j=value,
                rwg_j_star=1 - mv / null_var if np.isfinite(mv) else np.nan,
                ad_m=float(ad_m[gi]),
                ad_limit=ad_limit,
                rwg_j_slight_skew=rwg_j(mv, len(cols), nulls["slight_skew"])
                if "slight_skew" in nulls
                else np.nan,
                rwg_j_moderate_skew=rwg_j(mv, len(cols), nulls["moderate_skew"])
                if "moderate_skew" in nulls
                else np.nan,
                null_variance=null_var,
                suppressed=False,
            )
            row.update(_verdict(row, by, threshold))
            rows.append(row)
    return pd.DataFrame(rows).reindex(columns=AGREEMENT_COLUMNS)


def _verdict(row: Mapping[str, Any], by: str, threshold: float) -> dict[str, Any]:
    """May this group's mean stand for the group? Within agreement and between differences."""
    rwg, ad, ad_limit = row["rwg_j"], row["ad_m"], row["ad_limit"]
    icc1, icc2, p = row["icc1"], row["icc2"], row["icc_p"]
    notes = [row["note"]] if isinstance(row.get("note"), str) else []
    if not np.isfinite(rwg):
        return {
            "agree_within": False,
            "differ_between": np.nan,
            "reliable_means": np.nan,
            "aggregate": False,
            "verdict": "cannot be judged: rwg(j) needs at least two complete answers",
            "note": "; ".join([*notes, "rwg(j) needs two or more complete answers"]),
        }
    within = bool(rwg >= threshold and ad <= ad_limit)
    known = bool(np.isfinite(icc1) and np.isfinite(p))
    between = bool(known and icc1 > 0 and p < F_TEST_ALPHA)
    reliable = bool(np.isfinite(icc2) and icc2 >= ICC2_RELIABLE)
    agree_txt = f"rwg(j) {rwg:.2f}, AD {ad:.2f}"
    if not within:
        failed = []
        if rwg < threshold:
            failed.append(f"rwg(j) {rwg:.2f} is below {threshold:.2f}")
        if ad > ad_limit:
            failed.append(f"AD {ad:.2f} is above {ad_limit:.2f}")
        text = (
            f"not supported: members of this {by} do not agree ({' and '.join(failed)}); "
            "its mean is not a shared view"
        )
    elif not known:
        text = (
            f"cannot be judged: members agree ({agree_txt}), but fewer than two groups of "
            f"{by} are large enough to tell whether {by}s differ"
        )
    elif not between:
        text = (
            f"not supported: members of each {by} agree ({agree_txt}), but {by}s do not differ "
            f"(ICC(1) {icc1:.2f}, F-test p = {p:.3f}): report one organization-wide score"
        )
    elif not reliable:
        text = (
            f"supported, with caution: members agree ({agree_txt}) and {by}s differ (ICC(1) "
            f"{icc1:.2f}, p = {p:.3f}), but {by} means are not reliable (ICC(2) {icc2:.2f} < "
            f"{ICC2_RELIABLE:.2f}): read differences between {by}s with caution"
        )
    else:
        text = (
            f"supported: members agree ({agree_txt}), {by}s differ (ICC(1) {icc1:.2f}, p = "
            f"{p:.3f}) and {by} means are reliable (ICC(2) {icc2:.2f})"
        )
    return {
        "agree_within": within,
        "differ_between": between if known else np.nan,
        "reliable_means": reliable if known else np.nan,
        "aggregate": within and between,
        "verdict": text,
        "note": "; ".join(notes) if notes else np.nan,
    }


def _icc_for(
    score: np.ndarray,
    groups: Groups,
    min_group_size: int,
    ci: CiMethod,
    n_boot: int,
    level: float,
    seed: int,
) -> dict[str, Any]:
    """ICCs of one score over the groups with at least ``min_group_size`` answers."""
    if ci not in ("f", "cluster_bootstrap"):
        raise ResponseError(Problem("bad-option", f"ci={ci!r}", expected="f or cluster_bootstrap"))
    out: dict[str, Any] = dict.fromkeys(ICC_KEYS, np.nan)
    out["icc_ci_method"] = ci
    values = [v for v in groups.split(score) if len(v) >= max(min_group_size, 1)]
    if len(values) < 2:
        out["note"] = (
            "ICCs need two or more groups"
            + (f" of at least {min_group_size}" if min_group_size > 1 else "")
            + " with a score"
        )
        return out
    n = np.array([len(v) for v in values], float)
    if n.sum() <= len(values):
        out["note"] = "ICCs need more respondents than groups (every group has one member)"
        return out
    codes = np.concatenate([np.full(len(v), i) for i, v in enumerate(values)])
    n, m, v = group_stats(np.concatenate(values), codes, len(values))
    est = icc_estimates(n, m, v)
    limits = (
        f_interval(est, level)
        if ci == "f"
        else cluster_bootstrap_interval(n, m, v, n_boot, level, seed)
    )
    f = float(est.f)
    out.update(
        icc1=float(est.icc1),
        icc2=float(est.icc2),
        icc1_ci_low=limits["icc1"][0],
        icc1_ci_high=limits["icc1"][1],
        icc2_ci_low=limits["icc2"][0],
        icc2_ci_high=limits["icc2"][1],
        icc_f=f,
        icc_df1=est.df1,
        icc_df2=est.df2,
        icc_p=float(f_sf(f, est.df1, est.df2)) if np.isfinite(f) else np.nan,
    )
    if not np.isfinite(f):
        out["note"] = "every respondent in every group gave the same score: ICCs are undefined"
    return out


def icc(
    data: Scores | pd.DataFrame,
    by: str,
    columns: Sequence[str] | None = None,
    *,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    ci: CiMethod = "f",
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """ICC(1) and ICC(2) of every score column by group, with intervals and the F test.

    Checked against ``multilevel::ICC1``/``ICC2`` on ``aov(score ~ group)`` (bfi reference and
    ``tests/data/reference/stats/icc.csv``); intervals as :mod:`assessments.stats.icc`.

    Returns
    -------
    DataFrame
        ``domain`` and the columns ``ICC_KEYS``.
    """
    from ._inputs import score_frame

    frame, cols = score_frame(data, columns)
    groups = Groups.of(group_labels(frame, by))
    rows = [
        {
            "domain": c,
            **_icc_for(
                frame[c].to_numpy(dtype=float), groups, min_group_size, ci, n_boot, level, seed
            ),
        }
        for c in cols
    ]
    return pd.DataFrame(rows).reindex(columns=["domain", *ICC_KEYS])

"""Do respondent groups or sites see the organization differently?

:func:`describe` gives descriptives by group; :func:`compare` one row per domain, scale and
total with the omnibus tests and effect sizes. Checked against R (``oneway.test``, ``aov``,
``kruskal.test``) on the bfi data by education: ``tests/data/reference/bfi/compare.csv`` to 1e-9.

Groups smaller than ``min_group_size`` are suppressed: listed in ``suppressed_groups`` and left
out of every test, never tested silently.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"site": list("aaaaabbbbb"), "x": [1, 2, 2, 3, 3, 3, 4, 4, 5, 5]})
>>> compare(df, "site", columns=["x"])[["domain", "k_groups", "test", "p_value"]].round(4)
  domain  k_groups   test  p_value
0      x         2  welch   0.0054
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from ..errors import Problem, ResponseError
from ..scoring import Scores
from ._inputs import (
    DEFAULT_MIN_GROUP_SIZE,
    Groups,
    group_labels,
    group_stats,
    quietly,
    score_frame,
    suppressed_groups,
)
from .adjust import Correction, adjust
from .distributions import f_sf, kruskal, mann_whitney, t_ppf
from .effects import cliffs_delta, hedges_g, variance_explained, variance_explained_ci

Test = Literal["welch", "anova", "kruskal"]


def split_groups(
    y: pd.Series, groups: Groups, min_group_size: int
) -> tuple[list[Any], list[np.ndarray], list[Any]]:
    """Kept group names, their values (missing dropped), and suppressed group names (small
    groups, with complementary suppression: see :func:`suppressed_groups`)."""
    parts = {
        name: v
        for name, v in zip(groups.names, groups.split(y.to_numpy(dtype=float)), strict=True)
        if len(v)
    }
    hidden = suppressed_groups({g: len(v) for g, v in parts.items()}, min_group_size)
    kept = [g for g in parts if g not in hidden]
    return kept, [parts[g] for g in kept], [g for g in parts if g in hidden]


def describe(
    data: Scores | pd.DataFrame,
    by: str,
    columns: Sequence[str] | None = None,
    *,
    level: float = 0.95,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """n, mean, sd, standard error, t-based confidence interval and median per domain and group.

    Returns
    -------
    DataFrame
        ``domain``, ``group``, ``n``, ``mean``, ``sd``, ``se``, ``ci_low``, ``ci_high``,
        ``median``, ``suppressed`` (statistics blank when the group is under the minimum size).
    """
    frame, cols = score_frame(data, columns)
    groups = Groups.of(group_labels(frame, by))
    rows = []
    for col in cols:
        parts = groups.split(frame[col].to_numpy(dtype=float))
        hidden = suppressed_groups(
            {g: len(v) for g, v in zip(groups.names, parts, strict=True) if len(v)}, min_group_size
        )
        for g, v in zip(groups.names, parts, strict=True):
            if len(v) == 0:
                continue
            row: dict[str, Any] = {"domain": col, "group": g, "n": len(v)}
            if g in hidden:
                rows.append({**row, "suppressed": True})
                continue
            sd = v.std(ddof=1) if len(v) > 1 else np.nan
            se = sd / np.sqrt(len(v))
            half = t_ppf(1 - (1 - level) / 2, len(v) - 1) * se if len(v) > 1 else np.nan
            m = v.mean()
            row.update(
                mean=m,
                sd=sd,
                se=se,
                ci_low=m - half,
                ci_high=m + half,
                median=float(np.median(v)),
                suppressed=False,
            )
            rows.append(row)
    order = ["domain", "group", "n", "mean", "sd", "se", "ci_low", "ci_high", "median"]
    return pd.DataFrame(rows).reindex(columns=[*order, "suppressed"])


def welch_anova(n: np.ndarray, m: np.ndarray, v: np.ndarray) -> tuple[float, float, float, float]:
    """Welch's heteroscedastic one-way ANOVA (R ``oneway.test(var.equal = FALSE)``)."""
    k = len(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = n / v
        big_w = w.sum()
        mw = (w * m).sum() / big_w
        a = (w * (m - mw) ** 2).sum() / (k - 1)
        tmp = ((1 - w / big_w) ** 2 / (n - 1)).sum() / (k**2 - 1)
        f = a / (1 + 2 * (k - 2) * tmp)
        df2 = 1 / (3 * tmp)
    return float(f), float(k - 1), float(df2), float(f_sf(f, k - 1, df2))


def classic_anova(n: np.ndarray, m: np.ndarray, v: np.ndarray) -> tuple[float, float, float, float]:
    """Fisher's one-way ANOVA (R ``aov``): F, df1, df2, p. A group of one adds nothing to the
    within-group sum of squares (its variance is undefined, its deviation is zero)."""
    k, total = len(n), n.sum()
    grand = (n * m).sum() / total
    ssb = (n * (m - grand) ** 2).sum()
    ssw = np.where(n > 1, (n - 1) * np.where(np.isfinite(v), v, 0.0), 0.0).sum()
    df1, df2 = k - 1, total - k
    f = (ssb / df1) / (ssw / df2) if ssw > 0 and df2 > 0 else np.nan
    return float(f), float(df1), float(df2), float(f_sf(f, df1, df2))


def welch_t(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Welch's t of ``b`` minus ``a``, its df and two-sided p (R ``t.test``), also when one
    group has zero variance; NaN when both have."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se2 = va + vb
    if not se2 > 0:
        return np.nan, np.nan, np.nan
    t = (b.mean() - a.mean()) / np.sqrt(se2)
    df = se2**2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return float(t), float(df), float(2 * special.stdtr(df, -abs(t)))  # = 2 t.sf(|t|, df)


@quietly
def _omnibus(values: list[np.ndarray], level: float) -> dict[str, Any]:
    k = len(values)
    codes = np.concatenate([np.full(len(v), i) for i, v in enumerate(values)])
    n, m, v = group_stats(np.concatenate(values), codes, k)
    out: dict[str, Any] = {}
    notes: list[str] = []
    if k == 2 and min(n) >= 2:
        # two groups: Welch's F is t², with Welch's df (defined even when one variance is 0)
        t, df, p = welch_t(values[0], values[1])
        out.update(welch_f=t**2, welch_df1=1.0, welch_df2=df, welch_p=p, welch_t=t)
    elif min(n) >= 2 and np.all(v > 0):
        out["welch_f"], out["welch_df1"], out["welch_df2"], out["welch_p"] = welch_anova(n, m, v)
    else:
        out.update(welch_f=np.nan, welch_df1=float(k - 1), welch_df2=np.nan, welch_p=np.nan)
    if not np.isfinite(out["welch_p"]):
        notes.append(
            "Welch's test needs two or more answers in every group and, with more than two "
            "groups, some spread in each"
            if min(n) < 2 or k > 2
            else "every respondent in both groups gave the same score"
        )
    out["anova_f"], out["anova_df1"], out["anova_df2"], out["anova_p"] = classic_anova(n, m, v)
    if not np.isfinite(out["anova_f"]):
        notes.append(
            "every respondent gave the same score as the rest of their group: F is undefined"
            if n.sum() > k
            else "every group has one respondent: F is undefined"
        )
    pooled = np.concatenate(values)
    if np.ptp(pooled) > 0:
        out["kruskal_h"], out["kruskal_p"] = kruskal(*values)
    else:
        out["kruskal_h"] = out["kruskal_p"] = np.nan
        notes.append("every respondent gave the same score: no rank test")
    out["kruskal_df"] = k - 1
    out.update(variance_explained(out["anova_f"], out["anova_df1"], out["anova_df2"]))
    ci = variance_explained_ci(out["anova_f"], out["anova_df1"], out["anova_df2"], level)
    if "note" in ci:
        notes.append(str(ci.pop("note")))
    out.update(ci)
    total = n.sum()
    out["rank_epsilon_squared"] = out["kruskal_h"] / (total - 1)
    if k == 2:
        a, b = values
        if np.ptp(pooled) > 0:
            out["mann_whitney_u"], out["mann_whitney_p"] = mann_whitney(b, a)
        out["hedges_g"], out["hedges_g_ci_low"], out["hedges_g_ci_high"] = hedges_g(b, a, level)
        if not np.isfinite(out["hedges_g"]):
            notes.append("Hedges' g needs two or more answers per group and a pooled SD above 0")
        d = cliffs_delta(b, a, level)
        out["cliffs_delta"], out["cliffs_delta_ci_low"], out["cliffs_delta_ci_high"] = d
    if notes:
        out["note"] = "; ".join(notes)
    return out


COMPARE_COLUMNS = [
    "domain",
    "n",
    "k_groups",
    "groups",
    "suppressed_groups",
    "test",
    "statistic",
    "df1",
    "df2",
    "p_value",
    "p_adjusted",
    "correction",
    "welch_f",
    "welch_df1",
    "welch_df2",
    "welch_p",
    "anova_f",
    "anova_df1",
    "anova_df2",
    "anova_p",
    "kruskal_h",
    "kruskal_df",
    "kruskal_p",
    "eta_squared",
    "eta_squared_ci_low",
    "eta_squared_ci_high",
    "omega_squared",
    "omega_squared_ci_low",
    "omega_squared_ci_high",
    "epsilon_squared",
    "epsilon_squared_ci_low",
    "epsilon_squared_ci_high",
    "rank_epsilon_squared",
    "welch_t",
    "mann_whitney_u",
    "mann_whitney_p",
    "hedges_g",
    "hedges_g_ci_low",
    "hedges_g_ci_high",
    "cliffs_delta",
    "cliffs_delta_ci_low",
    "cliffs_delta_ci_high",
    "note",
]


def compare(
    data: Scores | pd.DataFrame,
    by: str,
    columns: Sequence[str] | None = None,
    *,
    test: Test = "welch",
    correction: Correction = "holm",
    level: float = 0.95,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """Omnibus comparison of groups for every domain, scale and total.

    Parameters
    ----------
    data, by, columns
        :class:`Scores` (all score columns by default) or a DataFrame with ``columns``; ``by``
        names the group column.
    test
        Which test fills ``statistic``/``p_value``: ``"welch"`` (Welch ANOVA, the default; with
        two groups the same p as Welch's t), ``"anova"``, or ``"kruskal"`` (Kruskal-Wallis; with
        two groups the Mann-Whitney test). All tests are reported in their own columns.
    correction
        Adjustment of ``p_value`` across the domains tested: ``"holm"`` (default), ``"fdr_bh"``
        or ``"none"``.

    Returns
    -------
    DataFrame
        One row per domain with the columns in ``COMPARE_COLUMNS``. Pair effect sizes (Hedges'
        g, Cliff's delta: second group minus first) are filled when exactly two groups remain.
        With two groups ``welch_f`` is Welch's t squared (R ``t.test``, defined when one group
        has zero variance). ``note`` says why any figure is blank.
    """
    if test not in ("welch", "anova", "kruskal"):
        raise ResponseError(
            Problem("bad-option", f"test={test!r}", expected="welch, anova or kruskal")
        )
    frame, cols = score_frame(data, columns)
    groups = Groups.of(group_labels(frame, by))
    rows = []
    for col in cols:
        kept, values, small = split_groups(frame[col], groups, min_group_size)
        row: dict[str, Any] = {
            "domain": col,
            "n": int(sum(len(v) for v in values)),
            "k_groups": len(kept),
            "groups": ", ".join(map(str, kept)),
            "suppressed_groups": ", ".join(map(str, small)),
            "test": test,
            "correction": correction,
        }
        if row["n"] == 0:
            row["note"] = "no respondent has this score"
        elif len(kept) < 2:
            row["note"] = (
                f"fewer than two groups of {by} with answers"
                + (f" (of at least {min_group_size})" if min_group_size > 1 else "")
                + ": nothing to compare"
            )
        if len(kept) >= 2:
            row.update(_omnibus(values, level))
            if test == "kruskal" and len(kept) == 2:
                row.update(
                    statistic=row["mann_whitney_u"],
                    df1=np.nan,
                    df2=np.nan,
                    p_value=row["mann_whitney_p"],
                )
            elif test == "kruskal":
                row.update(
                    statistic=row["kruskal_h"],
                    df1=row["kruskal_df"],
                    df2=np.nan,
                    p_value=row["kruskal_p"],
                )
            else:
                key = "welch" if test == "welch" else "anova"
                row.update(
                    statistic=row[f"{key}_f"],
                    df1=row[f"{key}_df1"],
                    df2=row[f"{key}_df2"],
                    p_value=row[f"{key}_p"],
                )
        rows.append(row)
    out = pd.DataFrame(rows).reindex(columns=COMPARE_COLUMNS)
    out["p_adjusted"] = adjust(out["p_value"].to_numpy(dtype=float), correction)
    return out

"""Internal consistency of each domain: Cronbach's alpha, McDonald's omega, item statistics.

Checked against R ``psych::alpha`` (psych 2.2.9) on the bfi data: raw and standardized alpha,
average r, corrected item-total r (``r_drop``), alpha if dropped, item mean, sd and n reproduce
``tests/data/reference/bfi/alpha.csv`` and ``items.csv`` to 1e-9. As in psych, the covariance
matrix is pairwise-complete by default and alpha's correlations are ``cov2cor`` of it; omega's
are ``cor(x, use = "pairwise")``, as ``psych::omega`` computes them (:func:`omega_correlations`).
With ``method="listwise"`` every figure, item statistics included, uses the complete cases.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
>>> reliability(df, domains={"d": ["a", "b", "c"]})[["domain", "raw_alpha", "std_alpha"]].round(3)
  domain  raw_alpha  std_alpha
0      d      0.954      0.958
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..scoring import Scores
from ..scoring.coding import DONT_KNOW, NOT_APPLICABLE
from ._inputs import (
    DEFAULT_MIN_GROUP_SIZE,
    group_labels,
    item_sets,
    quietly,
    suppressed_groups,
)
from .distributions import f_ppf
from .factors import minres, omega_hierarchical

Method = Literal["pairwise", "listwise"]


def _cov(x: pd.DataFrame, method: Method) -> np.ndarray:
    if method == "listwise":
        x = x.dropna()
    return x.cov(min_periods=2).to_numpy()


def _alpha(c: np.ndarray) -> float:
    k = c.shape[0]
    return float(k / (k - 1) * (1 - np.trace(c) / c.sum())) if k > 1 else np.nan


def omega_correlations(x: pd.DataFrame, method: Method = "pairwise") -> np.ndarray:
    """The correlations omega is computed from, as ``psych::omega`` computes them on raw items:
    ``cor(x, use = "pairwise")``, each pair's correlation from the respondents who answered
    both (its own means and SDs). Alpha keeps ``psych::alpha``'s ``cov2cor`` of the pairwise
    covariances; without blanks the two are the same matrix. Listwise: complete cases."""
    return (x.dropna() if method == "listwise" else x).corr(min_periods=2).to_numpy()


def _cov2cor(c: np.ndarray) -> np.ndarray:
    sd = np.sqrt(np.diag(c))
    return c / np.outer(sd, sd)


def minres_one_factor(r: np.ndarray) -> np.ndarray:
    """Loadings of psych's one-factor minimum-residual fit (``fa(r, 1, fm = "minres")``): the
    uniquenesses are bounded to [0.005, 1] as psych bounds them, so a Heywood case stops at
    communality 0.995 instead of running past 1 (:func:`assessments.stats.factors.minres`)."""
    return minres(r, 1)[:, 0]


def omega_total(r: np.ndarray) -> float:
    """McDonald's omega total of a correlation matrix ``r``, as psych computes it.

    ``omega.tot`` of ``psych::omega(r, nfactors = 1)``: 1 - Σu² / ΣR, with uniquenesses
    u² = 1 - λ² from the bounded one-factor minres fit (:func:`minres_one_factor`) and R
    sign-flipped to the loadings. For two items with correlation r it is 2r / (1 + r).
    Checked against psych 2.2.9 on 300 random correlation matrices of 2-8 items, a 2-item
    domain and a Heywood case (``tests/data/reference/stats/omega.csv``): 293 of 302 agree to
    1e-4, all to 6e-4. The rest are flat or Heywood fits where psych's optimizer stops early
    (its tolerance is factr = 1e7); this fit runs to a tight tolerance, which for three items
    reproduces the exact one-factor solution.

    >>> r = np.full((4, 4), 0.36); np.fill_diagonal(r, 1.0)
    >>> round(omega_total(r), 6), round(4 * 0.36 / (1 + 3 * 0.36), 6)
    (0.692308, 0.692308)
    >>> round(omega_total(np.array([[1, 0.3], [0.3, 1]])), 4)
    0.4615
    """
    k = r.shape[0]
    if k < 2 or not np.isfinite(r).all():
        return np.nan
    lam = minres_one_factor(r)
    key = np.where(lam < 0, -1.0, 1.0)
    flipped = r * np.outer(key, key)
    u2 = 1 - lam**2
    return float(1 - u2.sum() / flipped.sum())


def _feldt_ci(alpha: float, n: int, k: int, level: float) -> tuple[float, float]:
    """Feldt (1987) interval, as psych::alpha.ci, with ``n`` the respondents who answered at
    least one item of the domain (listwise: complete cases). psych counts every row of the data
    it is given; respondents with no answer carry no information and do not narrow the
    interval here."""
    if not np.isfinite(alpha) or n < 2 or k < 2:
        return np.nan, np.nan
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - level) / 2
    low = 1 - (1 - alpha) * f_ppf(1 - tail, df1, df2)
    high = 1 - (1 - alpha) * f_ppf(tail, df1, df2)
    return float(low), float(high)


@quietly
def _domain_row(x: pd.DataFrame, method: Method, level: float) -> dict[str, float]:
    k = x.shape[1]
    c = _cov(x, method)
    r = _cov2cor(c)
    avg_r = float((r.sum() - np.trace(r)) / (k * (k - 1))) if k > 1 else np.nan
    raw = _alpha(c)
    r_omega = omega_correlations(x, method)
    n = int(x.notna().any(axis=1).sum()) if method == "pairwise" else len(x.dropna())
    low, high = _feldt_ci(raw, n, k, level)
    return {
        "n_items": k,
        "n": n,
        "n_complete": len(x.dropna()),
        "raw_alpha": raw,
        "std_alpha": float(k * avg_r / (1 + (k - 1) * avg_r)) if k > 1 else np.nan,
        "alpha_ci_low": low,
        "alpha_ci_high": high,
        "average_r": avg_r,
        "omega_total": omega_total(r_omega),
    }


def _hidden_groups(groups: pd.Series, min_group_size: int) -> set[object]:
    """Groups to hide, by the one shared rule (small groups and their complement), so that no
    hidden group's item or domain figures can be worked out from the overall ones."""
    sizes = {g: int(n) for g, n in groups.value_counts(dropna=True).items()}
    return set(suppressed_groups(sizes, min_group_size))


def _split(
    data: Scores | pd.DataFrame, by: str | None, domains: Mapping[str, Sequence[str]] | None
) -> tuple[pd.DataFrame, dict[str, list[str]], pd.DataFrame | None, pd.Series]:
    items, sets, status = item_sets(data, domains)
    frame = data.respondents if isinstance(data, Scores) else data
    return items, sets, status, group_labels(frame, by).reset_index(drop=True)


def reliability(
    data: Scores | pd.DataFrame,
    by: str | None = None,
    *,
    domains: Mapping[str, Sequence[str]] | None = None,
    method: Method = "pairwise",
    level: float = 0.95,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """Cronbach's alpha (raw and standardized, with Feldt CI), average r and omega per domain.

    Parameters
    ----------
    data
        :class:`Scores` (uses the reversed item matrix and the instrument's domains) or a
        DataFrame of numeric, already reversed items with ``domains`` naming them.
    by
        Metadata column: one row per domain and group.
    method
        ``"pairwise"`` (default, as psych) or ``"listwise"`` (complete cases only).
    min_group_size
        Groups smaller than this are reported with ``suppressed`` True and no statistics.

    Returns
    -------
    DataFrame
        ``group``, ``domain``, ``n_items``, ``n``, ``n_complete``, ``raw_alpha``, ``std_alpha``,
        ``alpha_ci_low``, ``alpha_ci_high``, ``average_r``, ``omega_total``, ``method``,
        ``suppressed``. Checked against psych::alpha (module docstring).
    """
    if isinstance(data, Scores):
        data.require_answers("reliability estimates")
    items, sets, _, groups = _split(data, by, domains)
    rows = []
    hidden = _hidden_groups(groups, min_group_size)
    for g in pd.unique(groups.dropna()):
        mask = (groups == g).to_numpy()
        for dom, cols in sets.items():
            row: dict[str, object] = {"group": g, "domain": dom}
            if g in hidden:
                row.update(n_items=len(cols), n=int(mask.sum()), suppressed=True)
            else:
                row.update(_domain_row(items.loc[mask, cols].astype(float), method, level))
                row["suppressed"] = False
            row["method"] = method
            rows.append(row)
    out = pd.DataFrame(rows)
    order = ["group", "domain", "n_items", "n", "n_complete", "raw_alpha", "std_alpha"]
    order += ["alpha_ci_low", "alpha_ci_high", "average_r", "omega_total", "method", "suppressed"]
    return out.reindex(columns=order)


def item_reliability(
    data: Scores | pd.DataFrame,
    by: str | None = None,
    *,
    domains: Mapping[str, Sequence[str]] | None = None,
    method: Method = "pairwise",
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """Item statistics per domain: corrected item-total r, alpha if dropped, mean, sd, n, % N/A.

    Returns
    -------
    DataFrame
        ``group``, ``domain``, ``item``, ``r_drop``, ``alpha_if_dropped``, ``mean``, ``sd``,
        ``n``, ``pct_not_applicable``, ``pct_dont_know``, ``suppressed``. ``r_drop`` is the
        correlation of the item with the sum of the domain's other items, from the covariance
        matrix as psych::alpha computes it; checked against psych (module docstring).
    """
    items, sets, status, groups = _split(data, by, domains)
    rows = []
    hidden = _hidden_groups(groups, min_group_size)
    for g in pd.unique(groups.dropna()):
        mask = (groups == g).to_numpy()
        small = g in hidden
        for dom, cols in sets.items():
            x = items.loc[mask, cols].astype(float)
            st_all = status.loc[mask, cols] if status is not None else None
            if method == "listwise":  # one table, one set of respondents: the complete cases
                complete = x.notna().all(axis=1).to_numpy()
                x = x[complete]
                st_all = st_all[complete] if st_all is not None else None
            c = _cov(x, method) if not small else None
            for i, item in enumerate(cols):
                row: dict[str, object] = {"group": g, "domain": dom, "item": item}
                if small or c is None:
                    rows.append({**row, "suppressed": True})
                    continue
                others = [j for j in range(len(cols)) if j != i]
                co = c[np.ix_(others, others)]
                with np.errstate(invalid="ignore", divide="ignore"):
                    r_drop = c[i, others].sum() / np.sqrt(c[i, i] * co.sum())
                st = st_all[item].to_numpy() if st_all is not None else None
                row.update(
                    r_drop=float(r_drop) if others else np.nan,
                    alpha_if_dropped=_alpha(co) if len(others) > 1 else np.nan,
                    mean=float(x[item].mean()),
                    sd=float(x[item].std()),
                    n=int(x[item].notna().sum()),
                    pct_not_applicable=100 * float((st == NOT_APPLICABLE).mean())
                    if st is not None
                    else np.nan,
                    pct_dont_know=100 * float((st == DONT_KNOW).mean())
                    if st is not None
                    else np.nan,
                    suppressed=False,
                )
                rows.append(row)
    order = ["group", "domain", "item", "r_drop", "alpha_if_dropped", "mean", "sd", "n"]
    order += ["pct_not_applicable", "pct_dont_know", "suppressed"]
    return pd.DataFrame(rows).reindex(columns=order)


def facet_structure(data: Scores) -> dict[str, list[str]]:
    """Scales made of two or more domains (facets), and their facets: the scores for which
    omega hierarchical is meaningful. A total over every item uses every scored domain."""
    inst = data.instrument
    scored = [d.id for d in inst.scored_domains]
    out: dict[str, list[str]] = {}
    parts = [*inst.composites, *([inst.total] if inst.total is not None else [])]
    for sc in parts:
        facets = scored if sc.all_items else [d for d in sc.domains if d in scored]
        if len(facets) >= 2:
            out[sc.id] = facets
    return out


@quietly
def omega_h(
    data: Scores,
    by: str | None = None,
    *,
    method: Method = "pairwise",
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """Omega hierarchical of every scale made of facets: how much of the scale score's
    variance one general factor explains (psych::omega with ``nfactors`` = number of facets;
    :func:`assessments.stats.factors.omega_hierarchical`).

    Returns
    -------
    DataFrame
        ``group``, ``scale``, ``n_facets``, ``n_items``, ``n``, ``omega_h``, ``omega_total``,
        ``note``, ``suppressed``. The correlations are computed as :func:`reliability` does.
    """
    structure = facet_structure(data)
    inst = data.instrument
    items, _, _, groups = _split(data, by, None)
    rows = []
    hidden = _hidden_groups(groups, min_group_size)
    for g in pd.unique(groups.dropna()):
        mask = (groups == g).to_numpy()
        for scale, facets in structure.items():
            cols = [i for d in facets for i in inst.domain(d).items]
            x = items.loc[mask, cols].astype(float)
            row: dict[str, object] = {
                "group": g,
                "scale": scale,
                "n_facets": len(facets),
                "n_items": len(cols),
                "n": int(x.notna().any(axis=1).sum()),
            }
            if g in hidden:
                rows.append({**row, "suppressed": True})
                continue
            r = omega_correlations(x, method)
            notes = []
            if not np.isfinite(r).all():
                notes.append("some item pairs have no common answers or no spread")
            if len(cols) <= len(facets) + 1:
                notes.append("too few items for as many factors as facets")
            res = omega_hierarchical(r, len(facets)) if not notes else {}
            if len(facets) == 2 and not notes:
                notes.append(
                    "two facets: the general factor is not identified, so both facets get the "
                    "same general loading (psych's option 'equal'); read omega_h with caution"
                )
            rows.append(
                {
                    **row,
                    "omega_h": res.get("omega_h", np.nan),
                    "omega_total": res.get("omega_total", np.nan),
                    "note": "; ".join(notes) if notes else np.nan,
                    "suppressed": False,
                }
            )
    cols_out = ["group", "scale", "n_facets", "n_items", "n", "omega_h", "omega_total"]
    return pd.DataFrame(rows).reindex(columns=[*cols_out, "note", "suppressed"])

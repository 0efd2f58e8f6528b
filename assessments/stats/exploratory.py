"""How many factors, and which: parallel analysis and exploratory factor analysis, as R psych
computes them (see :mod:`assessments.stats.structure` for the references)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..scoring import Scores
from ..threads import one_blas_thread
from .correlation import (
    Correlation,
    check_items,
    item_frame,
    pearson,
    polychoric_matrix,
    problem,
    smooth,
    usable,
)
from .factors import minres, ml, oblimin, varimax

Extraction = Literal["minres", "ml"]
Rotation = Literal["oblimin", "varimax", "none"]


# ------------------------------------------------------------------------ parallel analysis


@dataclass
class ParallelAnalysis:
    """Result of :func:`parallel_analysis` (eigenvalues in decreasing order)."""

    items: list[str]
    n: int
    cor: str
    eigen_data: np.ndarray
    eigen_pc: np.ndarray
    resampled_fa: np.ndarray
    resampled_pc: np.ndarray
    suggested_factors: int
    suggested_components: int
    n_iter: int
    notes: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """One row per number: data and resampled (95th percentile) eigenvalues."""
        return pd.DataFrame(
            {
                "number": np.arange(1, len(self.items) + 1),
                "eigen_data": self.eigen_data,
                "resampled_fa": self.resampled_fa,
                "eigen_pc": self.eigen_pc,
                "resampled_pc": self.resampled_pc,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "cor": self.cor,
            "n_iter": self.n_iter,
            "eigen_data": [float(v) for v in self.eigen_data],
            "eigen_pc": [float(v) for v in self.eigen_pc],
            "resampled_fa": [float(v) for v in self.resampled_fa],
            "resampled_pc": [float(v) for v in self.resampled_pc],
            "suggested_factors": self.suggested_factors,
            "suggested_components": self.suggested_components,
            "notes": self.notes,
        }


def _fa_values(r: np.ndarray) -> np.ndarray:
    lam = minres(r, 1)
    s = r.copy()
    np.fill_diagonal(s, (lam**2).sum(axis=1))
    return np.sort(np.linalg.eigvalsh(s))[::-1]


def _first_not_above(values: np.ndarray, limit: np.ndarray) -> int:
    below = np.nonzero(~(values > limit))[0]
    return int(below[0]) if below.size else len(values)


@one_blas_thread
def parallel_analysis(
    data: Scores | pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    cor: Correlation = "pearson",
    n_iter: int = 20,
    quantile: float = 0.95,
    seed: int | None = 20261201,
) -> ParallelAnalysis:
    """How many factors and components the answers hold (psych ``fa.parallel``).

    Parameters
    ----------
    data
        :class:`Scores` (the reversed item matrix) or a DataFrame of numeric items.
    items
        Columns to analyse (default: every scored item, or every column of a DataFrame).
    cor
        ``"pearson"`` (pairwise-complete, psych's default ``cor = "cor"``) or
        ``"polychoric"``.
    n_iter, quantile, seed
        Resampled data sets, the percentile they are compared at, the random seed.

    Returns
    -------
    ParallelAnalysis
        ``eigen_data`` equals psych's ``fa.values`` and ``eigen_pc`` its ``pc.values`` to
        1e-6 (both are deterministic); ``suggested_factors``/``suggested_components`` are
        psych's ``nfact``/``ncomp``, which depend on the random resamples (on bfi both give 6).
    """
    x, _ = item_frame(data, items)
    check_items(x, complete=False)
    corr = polychoric_matrix if cor == "polychoric" else pearson
    r = corr(x)
    r, notes = usable(r, list(x.columns), cor)
    pc = np.sort(np.linalg.eigvalsh(r))[::-1]
    fa = _fa_values(r)
    rng = np.random.default_rng(seed)
    values = x.to_numpy(float)
    n = len(values)
    res_pc: list[np.ndarray] = []
    res_fa: list[np.ndarray] = []
    for _ in range(5 * n_iter):
        if len(res_pc) == n_iter:
            break
        sample = np.column_stack(
            [rng.choice(col[~np.isnan(col)], size=n, replace=True) for col in values.T]
        )
        c = corr(pd.DataFrame(sample))
        if not np.isfinite(c).all():
            continue  # an item drew one answer only: draw again, as psych does
        if cor == "polychoric" and np.linalg.eigvalsh(c)[0] < 1e-8:
            c = smooth(c)
        res_pc.append(np.sort(np.linalg.eigvalsh(c))[::-1])
        res_fa.append(_fa_values(c))
    if len(res_pc) < n_iter:
        raise problem(
            "too-few-respondents",
            "the resampled data keep giving items a single answer; parallel analysis needs more "
            "respondents",
            hint="pool groups or waves",
        )
    q_pc = np.quantile(np.array(res_pc), quantile, axis=0)
    q_fa = np.quantile(np.array(res_fa), quantile, axis=0)
    return ParallelAnalysis(
        items=list(x.columns),
        n=int(x.notna().any(axis=1).sum()),
        cor=cor,
        eigen_data=fa,
        eigen_pc=pc,
        resampled_fa=q_fa,
        resampled_pc=q_pc,
        suggested_factors=_first_not_above(fa, q_fa),
        suggested_components=_first_not_above(pc, q_pc),
        n_iter=n_iter,
        notes=notes,
    )


# ------------------------------------------------------------------------------------- EFA


@dataclass
class EFA:
    """Result of :func:`efa`. ``loadings`` is items × F1..Fk (pattern loadings)."""

    n: int
    n_factors: int
    fm: str
    rotate: str
    cor: str
    loadings: pd.DataFrame
    communalities: pd.Series
    factor_correlations: pd.DataFrame
    variance: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def sorted_loadings(self, blank_below: float = 0.30) -> pd.DataFrame:
        """Loadings for display: items grouped by their main factor, largest first, loadings
        smaller than ``blank_below`` shown as blank strings (the data keep every value)."""
        values = self.loadings.to_numpy(float)
        main = np.abs(values).argmax(axis=1)
        order = sorted(range(len(main)), key=lambda i: (main[i], -abs(values[i, main[i]])))
        shown = self.loadings.iloc[order].map(lambda v: f"{v:.2f}" if abs(v) >= blank_below else "")
        shown["h2"] = self.communalities.iloc[order].map(lambda v: f"{v:.2f}")
        return shown

    def to_dict(self) -> dict[str, Any]:
        rows = [
            {"item": item, **{f: float(v) for f, v in row.items()}}
            for item, row in self.loadings.iterrows()
        ]
        return {
            "n": self.n,
            "n_factors": self.n_factors,
            "fm": self.fm,
            "rotate": self.rotate,
            "cor": self.cor,
            "loadings": rows,
            "communalities": {str(k): float(v) for k, v in self.communalities.items()},
            "factor_correlations": self.factor_correlations.to_numpy().round(10).tolist(),
            "variance": self.variance.to_dict(orient="records"),
            "notes": self.notes,
        }


def _psych_order(lam: np.ndarray, phi: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """psych's post-rotation tidying: columns signed to a positive sum, then ordered by the
    variance they explain."""
    sign = np.where(lam.sum(axis=0) < 0, -1.0, 1.0)
    lam = lam * sign
    nf = lam.shape[1]
    if phi is None:
        phi = np.eye(nf)
        ev = (lam**2).sum(axis=0)
    else:
        phi = phi * np.outer(sign, sign)
        ev = np.diag(phi @ lam.T @ lam)
    order = np.argsort(-ev, kind="stable")
    return lam[:, order], phi[np.ix_(order, order)]


@one_blas_thread
def efa(
    data: Scores | pd.DataFrame,
    n_factors: int,
    items: Sequence[str] | None = None,
    *,
    fm: Extraction = "minres",
    rotate: Rotation = "oblimin",
    cor: Correlation = "pearson",
) -> EFA:
    """Exploratory factor analysis, as ``psych::fa(x, nfactors, fm, rotate)``.

    Pairwise-complete Pearson correlations (psych's default) or polychoric ones. ML is
    psych's maximum-likelihood fit (the ``factanal`` criterion); oblimin is GPArotation's
    (quartimin, unnormalized), varimax is ``stats::varimax``. Factors are signed and ordered
    as psych does; compare solutions up to column order and sign.

    Returns
    -------
    EFA
        ``loadings`` (pattern), ``communalities`` (h2), ``factor_correlations`` (identity for
        orthogonal rotations), ``variance`` (``factor``, ``ss_loadings``, ``proportion``,
        ``cumulative``).
    """
    x, _ = item_frame(data, items)
    check_items(x, complete=False)
    p = x.shape[1]
    if n_factors < 1 or ((p - n_factors) ** 2 - (p + n_factors)) < 0:
        most = max(m for m in range(1, p) if (p - m) ** 2 >= p + m) if p > 3 else 1
        raise problem(
            "too-many-factors",
            f"{n_factors} factors cannot be estimated from {p} items",
            expected=f"between 1 and {most} factors",
            hint="ask for fewer factors (parallel analysis suggests a number)",
        )
    r = polychoric_matrix(x) if cor == "polychoric" else pearson(x)
    r, notes = usable(r, list(x.columns), cor)
    lam0 = ml(r, n_factors) if fm == "ml" else minres(r, n_factors)
    h2 = (lam0**2).sum(axis=1)
    phi: np.ndarray | None = None
    if n_factors > 1 and rotate == "varimax":
        lam = varimax(lam0)
    elif n_factors > 1 and rotate == "oblimin":
        lam, phi = oblimin(lam0)
    else:
        lam = lam0
    lam, phi = _psych_order(lam, phi)
    names = [f"F{k + 1}" for k in range(n_factors)]
    ss = np.diag(phi @ lam.T @ lam)
    variance = pd.DataFrame(
        {
            "factor": names,
            "ss_loadings": ss,
            "proportion": ss / p,
            "cumulative": np.cumsum(ss) / p,
        }
    )
    return EFA(
        n=int(x.notna().any(axis=1).sum()),
        n_factors=n_factors,
        fm=fm,
        rotate=rotate if n_factors > 1 else "none",
        cor=cor,
        loadings=pd.DataFrame(lam, index=x.columns, columns=names),
        communalities=pd.Series(h2, index=x.columns, name="h2"),
        factor_correlations=pd.DataFrame(phi, index=names, columns=names),
        variance=variance,
        notes=notes,
    )

"""Does the key fit the data? Parallel analysis, exploratory and confirmatory factor analysis.

Three questions an analyst answers before reporting subscale scores:

- **How many factors do the answers hold?** :func:`parallel_analysis`, as
  ``psych::fa.parallel(x, fm = "minres", fa = "both")``: the eigenvalues of the data's
  correlations (principal components, ``pc.values``) and of its one-factor reduced matrix
  (``fa.values``) against the 95th percentile of the same eigenvalues in data resampled
  column by column (each item's answers shuffled with replacement, so items are independent).
  The suggestion is the number of eigenvalues that beat it, as psych's ``nfact``/``ncomp``.
- **What structure do they show?** :func:`efa`: minres or maximum-likelihood extraction,
  oblimin (GPArotation's quartimin) or varimax rotation, as ``psych::fa``: loadings (factors
  ordered and signed as psych does), communalities, factor correlations, variance explained.
- **Does the instrument's own key hold?** :func:`cfa`: every domain a factor, each item
  loading only on its domain, factors correlated, factor variances 1 (lavaan
  ``cfa(model, std.lv = TRUE)``). Maximum likelihood on the Pearson correlations of the
  complete cases (``estimator = "ML"``, lavaan's default ``missing = "listwise"``), or, for
  ordinal answers, diagonally weighted least squares on polychoric correlations
  (``ordered = TRUE, estimator = "DWLS"``). Fit: χ², df, p, CFI, TLI, RMSEA with its 90%
  interval, SRMR; standardized loadings; factor correlations; residual correlations.

Checked against R (psych 2.2.9, lavaan 0.6-14, GPArotation 2022.10) on the 25 bfi items and a
small 3-factor instrument on a 1-4 scale; the script and its output are in
``tests/data/reference/structure/``. Loadings agree to 1e-4, fit indices to 1e-4, χ² to 1e-6
relative.

Examples
--------
Six items that measure two correlated factors:

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(3)
>>> f = rng.multivariate_normal([0, 0], [[1, 0.4], [0.4, 1]], size=800)
>>> cols = {f"i{j}": 0.75 * f[:, j // 3] + 0.66 * rng.normal(size=800) for j in range(6)}
>>> df = pd.DataFrame(cols)
>>> fit = cfa(df, {"first": ["i0", "i1", "i2"], "second": ["i3", "i4", "i5"]})
>>> fit.df, fit.verdict
(8, 'good')
>>> round(fit.factor_correlations.loc["first", "second"], 1)
np.float64(0.4)
>>> parallel_analysis(df, seed=1).suggested_factors
2
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..errors import Problem, ResponseError
from ..scoring import Scores
from ._inputs import DEFAULT_MIN_GROUP_SIZE, group_labels, item_sets, suppressed_groups
from .factors import minres, ml, oblimin, varimax

Correlation = Literal["pearson", "polychoric"]
Extraction = Literal["minres", "ml"]
Rotation = Literal["oblimin", "varimax", "none"]
Estimator = Literal["ml", "dwls"]
Missing = Literal["pairwise", "listwise"]

WEAK_LOADING = 0.40
LARGE_RESIDUAL = 0.10
CUTOFFS = {
    "good": {"cfi": 0.95, "rmsea": 0.06},
    "acceptable": {"cfi": 0.90, "rmsea": 0.08},
}


def _problem(code: str, message: str, **kw: Any) -> ResponseError:
    return ResponseError(Problem(code, message, **kw))


# ---------------------------------------------------------------------------------- inputs


def _item_frame(
    data: Scores | pd.DataFrame, items: Sequence[str] | None
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    if isinstance(data, Scores):
        matrix, sets, _ = item_sets(data, None)
    else:
        cols = list(items) if items is not None else list(data.columns)
        matrix, sets, _ = item_sets(data, {"all": cols})
    if items is not None:
        cols = list(items)
    else:
        cols = list(dict.fromkeys(c for v in sets.values() for c in v))
    frame = matrix[cols].apply(pd.to_numeric, errors="coerce").astype(float)
    return frame, sets


def _check_items(x: pd.DataFrame, *, complete: bool) -> None:
    p = x.shape[1]
    if p < 3:
        raise _problem(
            "too-few-items",
            f"a factor analysis needs at least 3 items; {p} given",
            hint="analyse a longer instrument or more domains together",
        )
    flat = [c for c in x.columns if x[c].nunique(dropna=True) < 2]
    if flat:
        raise _problem(
            "no-variance",
            "every answer is the same for " + ", ".join(map(str, flat)),
            expected="items whose answers vary",
            hint="leave these items out (they carry no information about structure)",
        )
    n = len(x.dropna()) if complete else int(x.notna().sum(axis=1).gt(0).sum())
    if n <= p:
        what = "complete respondents" if complete else "respondents"
        raise _problem(
            "too-few-respondents",
            f"{n} {what} for {p} items; a factor analysis needs more respondents than items",
            expected=f"at least {p + 1} {what} (and, as a rule of thumb, 5-10 per item)",
            hint="pool groups or waves, or analyse fewer items",
        )


def _pearson(x: pd.DataFrame) -> np.ndarray:
    """Pairwise-complete Pearson correlations (R ``cor(x, use = "pairwise")``)."""
    return x.corr(min_periods=2).to_numpy()


def _polychoric(x: pd.DataFrame) -> np.ndarray:
    from .polychoric import polychoric

    return polychoric(x.to_numpy(float))[0]


def _check_pd(r: np.ndarray, names: Sequence[str]) -> None:
    if not np.isfinite(r).all():
        bad = sorted({names[i] for i, j in zip(*np.where(~np.isfinite(r)), strict=True)})
        raise _problem(
            "no-correlation",
            "no correlation can be computed for " + ", ".join(bad),
            hint="these items have too few answers in common with the others",
        )
    vals, vecs = np.linalg.eigh(r)
    if vals[0] > 1e-8:
        return
    v = vecs[:, 0]
    involved = [names[i] for i in np.argsort(-np.abs(v)) if abs(v[i]) > 0.2]
    raise _problem(
        "not-positive-definite",
        "the items' correlation matrix is singular: "
        + ", ".join(involved)
        + " are (nearly) a linear combination of each other",
        expected="items that are not exact copies or sums of other items",
        hint="leave one of these items out, or check for a duplicated column",
    )


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
        }


def _fa_values(r: np.ndarray) -> np.ndarray:
    lam = minres(r, 1)
    s = r.copy()
    np.fill_diagonal(s, (lam**2).sum(axis=1))
    return np.sort(np.linalg.eigvalsh(s))[::-1]


def _first_not_above(values: np.ndarray, limit: np.ndarray) -> int:
    below = np.nonzero(~(values > limit))[0]
    return int(below[0]) if below.size else len(values)


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
    x, _ = _item_frame(data, items)
    _check_items(x, complete=False)
    corr = _polychoric if cor == "polychoric" else _pearson
    r = corr(x)
    _check_pd(r, list(x.columns))
    pc = np.sort(np.linalg.eigvalsh(r))[::-1]
    fa = _fa_values(r)
    rng = np.random.default_rng(seed)
    values = x.to_numpy(float)
    n = len(values)
    res_pc, res_fa = [], []
    for _ in range(n_iter):
        sample = np.column_stack(
            [rng.choice(col[~np.isnan(col)], size=n, replace=True) for col in values.T]
        )
        c = corr(pd.DataFrame(sample))
        res_pc.append(np.sort(np.linalg.eigvalsh(c))[::-1])
        res_fa.append(_fa_values(c))
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

    def sorted_loadings(self, blank_below: float = 0.30) -> pd.DataFrame:
        """Loadings for display: items grouped by their main factor, largest first, loadings
        smaller than ``blank_below`` shown as blank strings (the data keep every value)."""
        main = self.loadings.abs().to_numpy().argmax(axis=1)
        order = sorted(
            range(len(main)),
            key=lambda i: (main[i], -abs(self.loadings.iat[i, main[i]])),
        )
        shown = self.loadings.iloc[order].map(
            lambda v: f"{v:.2f}" if abs(v) >= blank_below else ""
        )
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
    x, _ = _item_frame(data, items)
    _check_items(x, complete=False)
    p = x.shape[1]
    if n_factors < 1 or ((p - n_factors) ** 2 - (p + n_factors)) < 0:
        most = max(m for m in range(1, p) if (p - m) ** 2 >= p + m) if p > 3 else 1
        raise _problem(
            "too-many-factors",
            f"{n_factors} factors cannot be estimated from {p} items",
            expected=f"between 1 and {most} factors",
            hint="ask for fewer factors (parallel analysis suggests a number)",
        )
    r = _polychoric(x) if cor == "polychoric" else _pearson(x)
    _check_pd(r, list(x.columns))
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
    )


# ------------------------------------------------------------------------------------- CFA


@dataclass
class CFA:
    """Result of :func:`cfa`: fit indices, standardized loadings, factor correlations."""

    n: int
    estimator: str
    domains: dict[str, list[str]]
    chisq: float
    df: int
    pvalue: float
    cfi: float
    tli: float
    rmsea: float
    rmsea_ci_lower: float
    rmsea_ci_upper: float
    srmr: float
    baseline_chisq: float
    baseline_df: int
    loadings: pd.DataFrame
    factor_correlations: pd.DataFrame
    residual_correlations: pd.DataFrame
    verdict: str
    verdict_text: str
    notes: list[str] = field(default_factory=list)
    n_dropped: int = 0

    @property
    def weak_items(self) -> list[str]:
        """Items whose standardized loading is below .40."""
        return self.loadings.loc[self.loadings["weak"], "item"].tolist()

    def large_residuals(self, limit: float = LARGE_RESIDUAL) -> pd.DataFrame:
        """Pairs of items whose residual correlation is larger than ``limit`` in size."""
        res = self.residual_correlations
        names = list(res.index)
        rows = [
            {"item1": names[i], "item2": names[j], "residual": float(res.iat[i, j])}
            for i in range(len(names))
            for j in range(i + 1, len(names))
            if abs(res.iat[i, j]) > limit
        ]
        out = pd.DataFrame(rows, columns=["item1", "item2", "residual"])
        return out.reindex(out["residual"].abs().sort_values(ascending=False).index)

    def fit_table(self) -> pd.DataFrame:
        """One row: n, estimator and every fit index."""
        keys = ["n", "estimator", "chisq", "df", "pvalue", "cfi", "tli", "rmsea"]
        keys += ["rmsea_ci_lower", "rmsea_ci_upper", "srmr", "verdict"]
        return pd.DataFrame([{k: getattr(self, k) for k in keys}])

    def to_dict(self) -> dict[str, Any]:
        names = list(self.factor_correlations.index)
        phi = {
            f"{a}~~{b}": float(self.factor_correlations.loc[a, b])
            for i, a in enumerate(names)
            for b in names[i + 1 :]
        }
        return {
            "n": self.n,
            "n_dropped": self.n_dropped,
            "estimator": self.estimator,
            "chisq": self.chisq,
            "df": self.df,
            "pvalue": self.pvalue,
            "cfi": self.cfi,
            "tli": self.tli,
            "rmsea": self.rmsea,
            "rmsea_ci_lower": self.rmsea_ci_lower,
            "rmsea_ci_upper": self.rmsea_ci_upper,
            "srmr": self.srmr,
            "loadings": [
                {"domain": r.domain, "item": r.item, "std_loading": float(r.std_loading)}
                for r in self.loadings.itertuples()
            ],
            "factor_correlations": phi,
            "weak_items": self.weak_items,
            "large_residuals": self.large_residuals().to_dict(orient="records"),
            "verdict": self.verdict,
            "verdict_text": self.verdict_text,
            "notes": self.notes,
        }


@dataclass
class _Model:
    items: list[str]
    factor_of: np.ndarray  # factor index of each item
    factors: list[str]

    @property
    def p(self) -> int:
        return len(self.items)

    @property
    def m(self) -> int:
        return len(self.factors)

    def unpack(self, theta: np.ndarray, with_resid: bool) -> tuple[np.ndarray, ...]:
        p, m = self.p, self.m
        lam = np.zeros((p, m))
        lam[np.arange(p), self.factor_of] = theta[:p]
        phi = np.eye(m)
        low = np.tril_indices(m, -1)
        k = len(low[0])
        phi[low] = theta[p : p + k]
        phi[low[1], low[0]] = theta[p : p + k]
        resid = theta[p + k :] if with_resid else 1 - np.einsum("ij,jk,ik->i", lam, phi, lam)
        return lam, phi, resid

    def sigma(self, theta: np.ndarray, with_resid: bool) -> np.ndarray:
        lam, phi, resid = self.unpack(theta, with_resid)
        s = lam @ phi @ lam.T
        s[np.diag_indices(self.p)] += resid
        return s

    def grad_parts(self, theta: np.ndarray, g: np.ndarray, with_resid: bool) -> np.ndarray:
        """Gradient from dF/dΣ = g (symmetric)."""
        lam, phi, _ = self.unpack(theta, with_resid)
        d_lam = 2 * (g @ lam @ phi)[np.arange(self.p), self.factor_of]
        d_phi = 2 * (lam.T @ g @ lam)[np.tril_indices(self.m, -1)]
        parts = [d_lam, d_phi]
        if with_resid:
            parts.append(np.diag(g).copy())
        return np.concatenate(parts)


def _start(model: _Model, r: np.ndarray) -> np.ndarray:
    lam = np.zeros(model.p)
    for f in range(model.m):
        idx = np.nonzero(model.factor_of == f)[0]
        sub = r[np.ix_(idx, idx)]
        if len(idx) >= 3:
            lam[idx] = minres(sub, 1)[:, 0]
        else:
            lam[idx] = np.sqrt(max(abs(sub[0, 1]), 0.05))
            if sub[0, 1] < 0:
                lam[idx[1]] *= -1
    phi = []
    for a, b in zip(*np.tril_indices(model.m, -1), strict=True):
        ia = np.nonzero(model.factor_of == a)[0]
        ib = np.nonzero(model.factor_of == b)[0]
        block = r[np.ix_(ia, ib)] / np.outer(lam[ia], lam[ib])
        phi.append(float(np.clip(np.median(block), -0.9, 0.9)))
    return np.concatenate([lam, phi])


def _fit_ml(model: _Model, r: np.ndarray) -> tuple[np.ndarray, float, bool]:
    p = model.p
    start = _start(model, r)
    start = np.concatenate([start, np.clip(1 - start[:p] ** 2, 0.05, None)])
    logdet_r = np.linalg.slogdet(r)[1]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        s = model.sigma(theta, True)
        try:
            c = np.linalg.cholesky(s)
        except np.linalg.LinAlgError:
            return 1e10, np.zeros_like(theta)
        inv = np.linalg.inv(s)
        logdet = 2 * np.log(np.diag(c)).sum()
        f = logdet + float(np.sum(r * inv)) - logdet_r - p
        g = inv - inv @ r @ inv
        return f, model.grad_parts(theta, g, True)

    fit = optimize.minimize(
        loss,
        start,
        jac=True,
        method="L-BFGS-B",
        options={"ftol": 1e-16, "gtol": 1e-9, "maxiter": 20000, "maxcor": 30},
    )
    theta = _newton_polish(loss, fit.x)
    f, g = loss(theta)
    ok = bool(np.isfinite(f) and f < 1e9 and np.abs(g).max() < 1e-5)
    return theta, f, ok


def _newton_polish(
    loss: Any, theta: np.ndarray, steps: int = 3, h: float = 1e-6
) -> np.ndarray:
    """A few Newton steps with a finite-difference Hessian of the analytic gradient, so the
    optimum is found to a tolerance far below the reported precision."""
    for _ in range(steps):
        f0, g0 = loss(theta)
        if np.abs(g0).max() < 1e-12:
            break
        k = len(theta)
        hess = np.empty((k, k))
        for i in range(k):
            e = np.zeros(k)
            e[i] = h
            hess[:, i] = (loss(theta + e)[1] - loss(theta - e)[1]) / (2 * h)
        hess = (hess + hess.T) / 2
        try:
            step = np.linalg.solve(hess, g0)
        except np.linalg.LinAlgError:
            break
        trial = theta - step
        if loss(trial)[0] <= f0 + 1e-14:
            theta = trial
        else:
            break
    return theta


def _fit_dwls(model: _Model, r: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float, bool]:
    low = np.tril_indices(model.p, -1)
    sw = np.sqrt(w[low])
    target = r[low]
    m_low = np.tril_indices(model.m, -1)
    rows, cols = low

    def residuals(theta: np.ndarray) -> np.ndarray:
        return sw * (target - model.sigma(theta, False)[low])

    def jacobian(theta: np.ndarray) -> np.ndarray:
        lam, phi, _ = model.unpack(theta, False)
        p = model.p
        fi = model.factor_of
        lp = lam @ phi  # (p, m)
        jac = np.zeros((len(target), p + len(m_low[0])))
        # σ_ij = λ_i λ_j φ(f_i, f_j)
        jac[np.arange(len(rows)), rows] = lp[cols, fi[rows]]
        jac[np.arange(len(rows)), cols] = lp[rows, fi[cols]]
        lam_v = lam[np.arange(p), fi]
        prod = lam_v[rows] * lam_v[cols]
        for k, (a, b) in enumerate(zip(*m_low, strict=True)):
            hit = ((fi[rows] == a) & (fi[cols] == b)) | ((fi[rows] == b) & (fi[cols] == a))
            jac[hit, p + k] = prod[hit]
        return -sw[:, None] * jac

    fit = optimize.least_squares(
        residuals,
        _start(model, r),
        jac=jacobian,
        method="trf",
        xtol=1e-15,
        ftol=1e-15,
        gtol=1e-15,
        max_nfev=2000,
    )
    f = float((fit.fun**2).sum())
    grad = fit.jac.T @ fit.fun
    return fit.x, f, bool(fit.status > 0 and np.abs(grad).max() < 1e-6 * max(1.0, f))


def _rmsea_ci(chisq: float, df: int, n_eff: float) -> tuple[float, float]:
    """90% interval for RMSEA from the noncentral χ² (lavaan's ``rmsea.ci``)."""

    def ncp_for(prob: float) -> float:
        if stats.chi2.cdf(chisq, df) < prob:
            return 0.0
        f = lambda lam: stats.ncx2.cdf(chisq, df, lam) - prob if lam > 0 else (
            stats.chi2.cdf(chisq, df) - prob
        )
        hi = max(chisq, 1.0)
        while f(hi) > 0:
            hi *= 2
        return float(optimize.brentq(f, 0.0, hi, xtol=1e-12))

    lo = ncp_for(0.95)
    up = ncp_for(0.05)
    return float(np.sqrt(lo / (n_eff * df))), float(np.sqrt(up / (n_eff * df)))


def _verdict(cfi: float, rmsea: float, estimator: str) -> tuple[str, str]:
    good, ok = CUTOFFS["good"], CUTOFFS["acceptable"]
    shown = f"CFI {cfi:.3f} and RMSEA {rmsea:.3f}"
    if cfi >= good["cfi"] and rmsea <= good["rmsea"]:
        label = "good"
        text = f"The key fits these answers well ({shown}; good is CFI ≥ .95 and RMSEA ≤ .06)."
    elif cfi >= ok["cfi"] and rmsea <= ok["rmsea"]:
        label = "acceptable"
        text = (
            f"The key fits these answers acceptably ({shown}; acceptable is CFI ≥ .90 and "
            "RMSEA ≤ .08, good is CFI ≥ .95 and RMSEA ≤ .06)."
        )
    else:
        label = "poor"
        text = (
            f"The key does not fit these answers well ({shown}; acceptable would be CFI ≥ .90 "
            "and RMSEA ≤ .08). Report its subscale scores with caution, or not at all."
        )
    text += (
        " These cut-offs (Hu and Bentler 1999; Browne and Cudeck 1993) are conventions, not "
        "tests."
    )
    if estimator == "dwls":
        text += " With ordinal answers and DWLS, CFI and RMSEA tend to look better than with ML."
    return label, text


def _model_of(
    domains: Mapping[str, Sequence[str]], columns: Sequence[str]
) -> tuple[_Model, list[str]]:
    notes: list[str] = []
    items: list[str] = []
    factor_of: list[int] = []
    factors: list[str] = []
    seen: dict[str, str] = {}
    for dom, its in domains.items():
        its = [i for i in its if i in columns]
        clash = [i for i in its if i in seen]
        if clash:
            raise _problem(
                "item-in-two-domains",
                f"{', '.join(clash)} belong to both {seen[clash[0]]!r} and {dom!r}",
                expected="each item in one domain for a confirmatory model",
                hint="use a key in which each item scores one domain",
            )
        if len(its) < 2:
            notes.append(
                f"{dom!r} has {len(its)} item(s) and cannot be a factor; left out of the model."
            )
            continue
        if len(its) == 2:
            notes.append(
                f"{dom!r} has 2 items: not identified alone, estimated through its "
                "correlations with the other factors."
            )
        for i in its:
            seen[i] = dom
        items.extend(its)
        factor_of.extend([len(factors)] * len(its))
        factors.append(dom)
    model = _Model(items, np.array(factor_of, dtype=int), factors)
    if model.m == 0 or (model.m == 1 and model.p < 3):
        raise _problem(
            "not-identified",
            "the key has no domain that can be a factor on its own "
            "(a one-factor model needs at least 3 items)",
            hint="check the key: each domain needs 3 or more items",
        )
    return model, notes


def cfa(
    data: Scores | pd.DataFrame,
    domains: Mapping[str, Sequence[str]] | None = None,
    *,
    estimator: Estimator = "ml",
    missing: Missing = "pairwise",
) -> CFA:
    """Confirmatory factor analysis of a key: each domain a factor (lavaan ``cfa``).

    Parameters
    ----------
    data
        :class:`Scores` (the reversed item matrix and the instrument's scored domains) or a
        DataFrame of numeric items with ``domains`` naming each domain's items.
    domains
        Override the key: ``{domain: [items]}``. Each item may load on one domain only.
        A domain with one item is left out; one with two is kept (identified through the
        other factors) with a note.
    estimator
        ``"ml"``: maximum likelihood on the covariance matrix (lavaan's default).
        ``"dwls"``: polychoric correlations and diagonally weighted least squares, for
        ordinal answers (lavaan ``ordered = TRUE, estimator = "DWLS"``).
    missing
        ``"pairwise"`` (default): each covariance or polychoric correlation from the
        respondents who answered both items, N the respondents with any answer (lavaan
        ``missing = "pairwise"``); χ² and its p are then approximate. ``"listwise"``:
        complete answers only (lavaan's default ``missing = "listwise"``).

    Returns
    -------
    CFA
        χ² (lavaan's: N × F for ML, N × F_DWLS for DWLS), df, p, CFI, TLI, RMSEA (N in its
        denominator for ML and N − 1 for DWLS, as lavaan) with its 90% interval, SRMR,
        ``loadings`` (``domain``, ``item``, ``std_loading``, ``weak``), factor correlations,
        residual correlations and a verdict. Raises :class:`ResponseError` if the model
        cannot be estimated (too few respondents, singular correlations, no convergence);
        numbers from a failed fit are never returned.
    """
    if isinstance(data, Scores):
        matrix, sets, _ = item_sets(data, domains)
    else:
        matrix, sets, _ = item_sets(data, domains)
    model, notes = _model_of(sets, list(matrix.columns))
    x = matrix[model.items].apply(pd.to_numeric, errors="coerce").astype(float)
    total = len(x)
    used = x.dropna() if missing == "listwise" else x[x.notna().any(axis=1)]
    _check_items(used, complete=missing == "listwise")
    n = len(used)
    if missing == "listwise" and n < total:
        notes.append(
            f"{total - n} of {total} respondents left out: the model uses complete answers "
            "only (listwise)."
        )
    elif missing == "pairwise" and used.isna().any().any():
        notes.append(
            "Missing answers handled pairwise: each correlation uses the respondents who "
            "answered both items; χ² and its p-value are approximate."
        )
    p, m = model.p, model.m
    k_phi = m * (m - 1) // 2
    values = used.to_numpy(float)
    if estimator == "dwls":
        from .polychoric import asymptotic_variances, polychoric

        r, taus = polychoric(values)
        _check_pd(r, model.items)
        w = 1 / asymptotic_variances(values, r, taus)
        theta, f, ok = _fit_dwls(model, r, w)
        df = p * (p - 1) // 2 - (p + k_phi)
        low = np.tril_indices(p, -1)
        # lavaan's weights are N / (N - 1) times the inverse sampling variances
        baseline = float((r[low] ** 2 * w[low]).sum()) * (n - 1) / n
        baseline_df = p * (p - 1) // 2
        chisq = f * (n - 1) / n
        n_eff = n - 1
    else:
        cov = used.cov(min_periods=2).to_numpy()
        r = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
        _check_pd(r, model.items)
        theta, f, ok = _fit_ml(model, r)
        df = p * (p + 1) // 2 - (2 * p + k_phi)
        baseline = float(-np.linalg.slogdet(r)[1] * n)
        baseline_df = p * (p - 1) // 2
        chisq = f * n
        n_eff = n
    if df <= 0:
        raise _problem(
            "not-identified",
            f"the model has {df} degrees of freedom: nothing left to test the key with",
            hint="a confirmatory model needs more items per domain",
        )
    if not ok:
        raise _problem(
            "not-converged",
            "the confirmatory factor analysis did not converge; no fit is reported",
            hint="check for items with very few answers in some categories, or try --cor "
            "pearson / more respondents",
        )
    lam, phi, resid = model.unpack(theta, estimator == "ml")
    sigma = model.sigma(theta, estimator == "ml")
    sd = np.sqrt(np.diag(sigma))
    lam_v = lam[np.arange(p), model.factor_of]
    std = lam_v / sd
    # lavaan's convention: each factor's first item loads positively
    flip = np.ones(m)
    for f_ in range(m):
        if std[model.factor_of == f_][0] < 0:
            flip[f_] = -1.0
    std = std * flip[model.factor_of]
    phi = phi * np.outer(flip, flip)
    if (resid < 0).any():
        bad = [model.items[i] for i in np.nonzero(resid < 0)[0]]
        notes.append(
            "Improper solution (Heywood case): negative residual variance for "
            + ", ".join(bad)
            + "; their loadings exceed 1 and the fit should not be trusted."
        )
    implied = sigma / np.outer(sd, sd)
    res_cor = r - implied
    np.fill_diagonal(res_cor, 0.0)
    srmr = float(np.sqrt((res_cor[np.tril_indices(p)] ** 2).sum() / (p * (p + 1) / 2)))
    cfi_den = max(chisq - df, baseline - baseline_df, 0.0)
    cfi = 1.0 - max(chisq - df, 0.0) / cfi_den if cfi_den > 0 else 1.0
    tli = ((baseline / baseline_df) - (chisq / df)) / ((baseline / baseline_df) - 1.0)
    rmsea = float(np.sqrt(max(chisq - df, 0.0) / (df * n_eff)))
    lo, up = _rmsea_ci(chisq, df, n_eff)
    label, text = _verdict(cfi, rmsea, estimator)
    loadings = pd.DataFrame(
        {
            "domain": [model.factors[f_] for f_ in model.factor_of],
            "item": model.items,
            "std_loading": std,
        }
    )
    loadings["weak"] = loadings["std_loading"].abs() < WEAK_LOADING
    return CFA(
        n=n,
        estimator=estimator,
        domains={f_: [i for i, g in zip(model.items, model.factor_of, strict=True)
                      if model.factors[g] == f_] for f_ in model.factors},
        chisq=float(chisq),
        df=int(df),
        pvalue=float(stats.chi2.sf(chisq, df)),
        cfi=float(cfi),
        tli=float(tli),
        rmsea=rmsea,
        rmsea_ci_lower=lo,
        rmsea_ci_upper=up,
        srmr=srmr,
        baseline_chisq=baseline,
        baseline_df=int(baseline_df),
        loadings=loadings,
        factor_correlations=pd.DataFrame(phi, index=model.factors, columns=model.factors),
        residual_correlations=pd.DataFrame(res_cor, index=model.items, columns=model.items),
        verdict=label,
        verdict_text=text,
        notes=notes,
        n_dropped=total - n,
    )

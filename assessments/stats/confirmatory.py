"""Confirmatory factor analysis of a key, as R lavaan computes it (see
:mod:`assessments.stats.structure` for the model and the references)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize

from ..scoring import Scores
from ..threads import all_blas_threads, one_blas_thread
from ._inputs import item_sets
from .correlation import (
    check_finite,
    check_items,
    check_positive_definite,
    is_positive_definite,
    problem,
)
from .distributions import chi2_sf
from .factors import minres

Estimator = Literal["ml", "dwls"]
Missing = Literal["pairwise", "listwise"]

WEAK_LOADING = 0.40
LARGE_RESIDUAL = 0.10
HIGH_FACTOR_CORRELATION = 0.85
CUTOFFS = {
    "good": {"cfi": 0.95, "rmsea": 0.06},
    "acceptable": {"cfi": 0.90, "rmsea": 0.08},
}


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
    robust: Robust | None = None  # lavaan's WLSMV figures, for ordinal answers (DWLS)

    @property
    def weak_items(self) -> list[str]:
        """Items whose standardized loading is below .40."""
        return self.loadings.loc[self.loadings["weak"], "item"].tolist()

    def large_residuals(self, limit: float = LARGE_RESIDUAL) -> pd.DataFrame:
        """Pairs of items whose residual correlation is larger than ``limit`` in size."""
        res = self.residual_correlations.to_numpy(float)
        names = list(self.residual_correlations.index)
        rows = [
            {"item1": names[i], "item2": names[j], "residual": float(res[i, j])}
            for i in range(len(names))
            for j in range(i + 1, len(names))
            if abs(res[i, j]) > limit
        ]
        out = pd.DataFrame(rows, columns=["item1", "item2", "residual"])
        return out.reindex(out["residual"].abs().sort_values(ascending=False).index)

    def fit_table(self) -> pd.DataFrame:
        """One row: n, estimator and every fit index (with DWLS, also lavaan's WLSMV scaled
        and robust figures, ``*_scaled`` and ``*_robust``)."""
        keys = ["n", "estimator", "chisq", "df", "pvalue", "cfi", "tli", "rmsea"]
        keys += ["rmsea_ci_lower", "rmsea_ci_upper", "srmr", "verdict"]
        row = {k: getattr(self, k) for k in keys}
        if self.robust is not None:
            row.update(self.robust.to_dict())
        return pd.DataFrame([row])

    @property
    def headline(self) -> dict[str, float]:
        """The figures the verdict rests on: for ordinal answers (DWLS) the robust CFI, TLI
        and RMSEA with its interval (lavaan's WLSMV, Savalei 2021), else the ML ones."""
        r = self.robust
        if r is not None and np.isfinite(r.cfi_robust):
            return {
                "cfi": r.cfi_robust,
                "tli": r.tli_robust,
                "rmsea": r.rmsea_robust,
                "rmsea_ci_lower": r.rmsea_robust_ci_lower,
                "rmsea_ci_upper": r.rmsea_robust_ci_upper,
            }
        if r is not None and np.isfinite(r.cfi_scaled):
            return {
                "cfi": r.cfi_scaled,
                "tli": r.tli_scaled,
                "rmsea": r.rmsea_scaled,
                "rmsea_ci_lower": r.rmsea_scaled_ci_lower,
                "rmsea_ci_upper": r.rmsea_scaled_ci_upper,
            }
        return {
            "cfi": self.cfi,
            "tli": self.tli,
            "rmsea": self.rmsea,
            "rmsea_ci_lower": self.rmsea_ci_lower,
            "rmsea_ci_upper": self.rmsea_ci_upper,
        }

    @property
    def headline_kind(self) -> str:
        """``"robust"``, ``"scaled"`` or ``""`` (ML): which figures :attr:`headline` holds."""
        r = self.robust
        if r is not None and np.isfinite(r.cfi_robust):
            return "robust"
        if r is not None and np.isfinite(r.cfi_scaled):
            return "scaled"
        return ""

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
            **(self.robust.to_dict() if self.robust is not None else {}),
            "loadings": [
                {"domain": d, "item": i, "std_loading": float(v)}
                for d, i, v in zip(
                    self.loadings["domain"],
                    self.loadings["item"],
                    self.loadings["std_loading"].to_numpy(float),
                    strict=True,
                )
            ],
            "factor_correlations": phi,
            "weak_items": self.weak_items,
            "large_residuals": self.large_residuals().to_dict(orient="records"),
            "verdict": self.verdict,
            "verdict_text": self.verdict_text,
            "notes": self.notes,
        }


@dataclass
class Robust:
    """lavaan's WLSMV figures for an ordinal CFA (``estimator = "WLSMV"``): the mean- and
    variance-adjusted χ² (``scaled.shifted``: T·a + b, Asparouhov and Muthén 2010) with its p,
    the fit indices computed from it (``*_scaled``), and the robust CFI, TLI and RMSEA with its
    90% interval (``*_robust``: Savalei 2021, the ML discrepancy of the same solution and its
    scaling c). NaN where lavaan gives NA (a polychoric matrix that is not positive definite
    for the robust figures)."""

    chisq_scaled: float
    df_scaled: int
    pvalue_scaled: float
    scaling_factor: float  # 1 / a
    shift: float  # b
    baseline_chisq_scaled: float
    cfi_scaled: float
    tli_scaled: float
    rmsea_scaled: float
    rmsea_scaled_ci_lower: float
    rmsea_scaled_ci_upper: float
    cfi_robust: float
    tli_robust: float
    rmsea_robust: float
    rmsea_robust_ci_lower: float
    rmsea_robust_ci_upper: float

    def to_dict(self) -> dict[str, float]:
        return {k: (float(v) if k != "df_scaled" else int(v)) for k, v in vars(self).items()}


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


MAX_ITERATIONS = 3000


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
        # a fit that converges does so in well under 100 iterations (ORCA's 325 parameters:
        # 44-70); one that does not would otherwise run 20,000 (5-50 CPU s) to say so
        options={"ftol": 1e-16, "gtol": 1e-9, "maxiter": MAX_ITERATIONS, "maxcor": 30},
    )
    theta = _newton_polish(loss, fit.x)
    f, g = loss(theta)
    ok = bool(np.isfinite(f) and f < 1e9 and np.abs(g).max() < 1e-5)
    return theta, f, ok


def _newton_polish(loss: Any, theta: np.ndarray, steps: int = 3, h: float = 1e-6) -> np.ndarray:
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

    def residuals(theta: np.ndarray) -> np.ndarray:
        return sw * (target - model.sigma(theta, False)[low])

    def jacobian(theta: np.ndarray) -> np.ndarray:
        return -sw[:, None] * _correlation_jacobian(model, theta)

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


def _correlation_jacobian(model: _Model, theta: np.ndarray) -> np.ndarray:
    """Δ: the derivative of each implied correlation (``np.tril_indices(p, -1)`` order) with
    respect to each free parameter (loadings, then factor correlations); σ_ij = λ_i λ_j φ."""
    lam, phi, _ = model.unpack(theta, False)
    p = model.p
    rows, cols = np.tril_indices(p, -1)
    m_low = np.tril_indices(model.m, -1)
    fi = model.factor_of
    lp = lam @ phi  # (p, m)
    jac = np.zeros((len(rows), p + len(m_low[0])))
    jac[np.arange(len(rows)), rows] = lp[cols, fi[rows]]
    jac[np.arange(len(rows)), cols] = lp[rows, fi[cols]]
    lam_v = lam[np.arange(p), fi]
    prod = lam_v[rows] * lam_v[cols]
    for k, (a, b) in enumerate(zip(*m_low, strict=True)):
        hit = ((fi[rows] == a) & (fi[cols] == b)) | ((fi[rows] == b) & (fi[cols] == a))
        jac[hit, p + k] = prod[hit]
    return jac


#: the robust figures need the covariance of every pair of polychoric correlations with every
#: other (p(p-1)/2 squared): ORCA's 77 items make 2,926 pairs (68 MB); past this many items
#: they are not computed, and the verdict says so
MAX_ROBUST_ITEMS = 80


def _wlsmv(
    model: _Model,
    theta: np.ndarray,
    r: np.ndarray,
    values: np.ndarray,
    taus: list[np.ndarray],
    chisq: float,
    df: int,
    baseline: float,
    baseline_df: int,
    notes: list[str],
) -> Robust | None:
    """lavaan 0.6's WLSMV test and fit indices of a DWLS solution (see :class:`Robust`).

    The scaled-shifted statistic uses U Γ, U = W − WΔ(Δ'WΔ)⁻¹Δ'W with W the DWLS weights and
    Γ the covariance of the polychoric correlations (their thresholds are saturated, so only
    the correlation block enters). The robust indices evaluate the ML discrepancy of the same
    solution against the polychoric matrix (lavaan's ``catML``, not re-estimated), with
    c = tr(Wᵢᵤ' V Wᵢᵤ Γ)/df, V the ML weight of the implied correlations (Savalei 2021).
    Checked against lavaan 0.6-14 to 1e-6 (tests/test_wlsmv_against_r.py).
    """
    from .polychoric import asymptotic_covariance

    n, p = values.shape
    if p > MAX_ROBUST_ITEMS:
        notes.append(
            f"The robust (WLSMV) fit figures are computed for up to {MAX_ROBUST_ITEMS} items; "
            f"with {p}, the verdict rests on the unscaled DWLS figures, which look better than "
            "they are with ordinal answers."
        )
        return None
    gamma = n * asymptotic_covariance(values, r, taus)  # lavaan's NACOV (correlation block)
    w = 1 / np.diag(gamma)
    delta = _correlation_jacobian(model, theta)
    info = delta.T @ (w[:, None] * delta)
    proj = delta @ np.linalg.solve(info, delta.T * w[None, :])  # Δ(Δ'WΔ)⁻¹Δ'W
    # (I − proj) Γ, so that U Γ = W (I − proj) Γ; the p(p−1)/2-square matrices are few, as
    # ORCA makes them 68 MB each
    with all_blas_threads():  # pairs × pairs products: large enough to gain from threads
        g1 = proj @ gamma
    np.subtract(gamma, g1, out=g1)
    u_gamma = w[:, None] * g1
    a = np.sqrt(df / float(np.einsum("ij,ji->", u_gamma, u_gamma)))
    shift = df - a * float(np.trace(u_gamma))
    del u_gamma
    scaled = chisq * a + shift
    w_gamma = w[:, None] * gamma  # the baseline: no free correlation, U = W
    a0 = np.sqrt(baseline_df / float(np.einsum("ij,ji->", w_gamma, w_gamma)))
    baseline_scaled = baseline * a0 + (baseline_df - a0 * float(np.trace(w_gamma)))
    del w_gamma
    n_eff = n - 1  # lavaan's N for DWLS
    cfi_s, tli_s = _cfi_tli(scaled, df, baseline_scaled, baseline_df)
    rmsea_s = float(np.sqrt(max((scaled / n_eff) / df - 1 / n_eff, 0.0)))
    lo_s, up_s = _rmsea_ci(scaled, df, n_eff)
    robust = [np.nan] * 5
    if np.linalg.eigvalsh(r)[0] < np.sqrt(np.finfo(float).eps):
        notes.append(
            "The polychoric correlation matrix is not positive definite, so the robust CFI, "
            "TLI and RMSEA cannot be computed (as in lavaan); the verdict uses the scaled ones."
        )
    else:
        sigma = model.sigma(theta, False)
        np.fill_diagonal(sigma, 1.0)
        inv = np.linalg.inv(sigma)
        f_ml = np.linalg.slogdet(sigma)[1] - np.linalg.slogdet(r)[1] + float(np.sum(r * inv)) - p
        xx3 = n * f_ml
        rows, cols = np.tril_indices(p, -1)
        v = inv[np.ix_(rows, rows)]
        v *= inv[np.ix_(cols, cols)]
        v += inv[np.ix_(rows, cols)] * inv[np.ix_(cols, rows)]
        # tr(Wᵢᵤ' V Wᵢᵤ Γ) = tr(V Wᵢᵤ Γ Wᵢᵤ') with Wᵢᵤ = I − proj and Wᵢᵤ Γ = g1
        with all_blas_threads():
            inner = g1 @ proj.T
        np.subtract(g1, inner, out=inner)
        c_hat = float(np.einsum("ij,ji->", v, inner)) / df
        del v, inner
        xx3_null = -np.linalg.slogdet(r)[1] * n
        c_null = float(np.trace(gamma)) / baseline_df
        cfi_r, tli_r = _cfi_tli(xx3, df, xx3_null, baseline_df, c_hat, c_null)
        rmsea_r = float(np.sqrt(max((xx3 / n_eff) / df - c_hat / n_eff, 0.0)))
        lo, up = _rmsea_ci(xx3 / c_hat, df, n_eff)
        robust = [cfi_r, tli_r, rmsea_r, lo * np.sqrt(c_hat), up * np.sqrt(c_hat)]
    return Robust(
        float(scaled),
        int(df),
        float(chi2_sf(scaled, df)),
        float(1 / a),
        float(shift),
        float(baseline_scaled),
        cfi_s,
        tli_s,
        rmsea_s,
        lo_s,
        up_s,
        *(float(x) for x in robust),
    )


def _cfi_tli(
    chisq: float, df: int, base: float, base_df: int, c: float = 1.0, c0: float = 1.0
) -> tuple[float, float]:
    """lavaan's CFI and TLI, with the robust version's scalings ``c`` and ``c0``."""
    t1 = max(chisq - c * df, 0.0)
    t2 = max(chisq - c * df, base - c0 * base_df, 0.0)
    cfi = 1.0 if t1 == 0 and t2 == 0 else 1.0 - t1 / t2
    num, den = (chisq - c * df) * base_df, (base - c0 * base_df) * df
    tli = 1.0 - num / den if den != 0 else 1.0
    return float(cfi), float(tli)


def _rmsea_ci(chisq: float, df: int, n_eff: float) -> tuple[float, float]:
    """90% interval for RMSEA from the noncentral χ² (lavaan's ``rmsea.ci``)."""

    from scipy import stats  # imported when a structure check runs: slow to import

    def ncp_for(prob: float) -> float:
        if stats.chi2.cdf(chisq, df) < prob:
            return 0.0

        def f(lam: float) -> float:
            return float(stats.ncx2.cdf(chisq, df, lam) - prob)

        hi = max(chisq, 1.0)
        while f(hi) > 0:
            hi *= 2
        return float(optimize.brentq(f, 1e-12, hi, xtol=1e-12))

    lo = ncp_for(0.95)
    up = ncp_for(0.05)
    return float(np.sqrt(lo / (n_eff * df))), float(np.sqrt(up / (n_eff * df)))


def _verdict(
    cfi: float, rmsea: float, estimator: str, robust: Robust | None = None
) -> tuple[str, str]:
    """The verdict from CFI and RMSEA; for ordinal answers from the robust WLSMV figures
    (the unscaled DWLS ones look better than they are: Savalei 2021), and it says which."""
    which = ""
    if robust is not None and np.isfinite(robust.cfi_robust):
        unscaled = f"; the unscaled DWLS figures, CFI {cfi:.3f} and RMSEA {rmsea:.3f}, look "
        unscaled += "better than they are with ordinal answers"
        cfi, rmsea, which = robust.cfi_robust, robust.rmsea_robust, "robust "
    elif robust is not None and np.isfinite(robust.cfi_scaled):
        unscaled = ""
        cfi, rmsea, which = robust.cfi_scaled, robust.rmsea_scaled, "scaled "
    good, ok = CUTOFFS["good"], CUTOFFS["acceptable"]
    shown = f"{which}CFI {cfi:.3f} and {which}RMSEA {rmsea:.3f}"
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
        " These cut-offs (Hu and Bentler 1999; Browne and Cudeck 1993) are conventions, not tests."
    )
    if which == "robust ":
        text += (
            " For ordinal answers the verdict uses the robust figures of lavaan's WLSMV "
            f"(Savalei 2021){unscaled}."
        )
    elif which == "scaled ":
        text += " For ordinal answers the verdict uses the scaled figures of lavaan's WLSMV."
    elif estimator == "dwls":
        text += " With ordinal answers and DWLS, CFI and RMSEA tend to look better than with ML."
    return label, text


def _model_of(
    domains: Mapping[str, Sequence[str]], columns: Sequence[str]
) -> tuple[_Model, list[str]]:
    if not domains:
        raise problem(
            "no-domains",
            "the instrument has no scored domains to test as factors",
            expected="a key that puts items in domains",
            hint="for the RSA and RSA-R, whose factor key is not public, pass your key with "
            "--key KEY.yaml (see docs/keys.md)",
        )
    notes: list[str] = []
    items: list[str] = []
    factor_of: list[int] = []
    factors: list[str] = []
    seen: dict[str, str] = {}
    for dom, its in domains.items():
        its = [i for i in its if i in columns]
        clash = [i for i in its if i in seen]
        if clash:
            raise problem(
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
        raise problem(
            "not-identified",
            "the key has no domain that can be a factor on its own "
            "(a one-factor model needs at least 3 items)",
            hint="check the key: each domain needs 3 or more items",
        )
    return model, notes


@one_blas_thread
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
    matrix, sets, _ = item_sets(data, domains)
    model, notes = _model_of(sets, list(matrix.columns))
    x = matrix[model.items].apply(pd.to_numeric, errors="coerce").astype(float)
    total = len(x)
    used = x.dropna() if missing == "listwise" else x[x.notna().any(axis=1)]
    check_items(used, complete=missing == "listwise")
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
    taus: list[np.ndarray] = []
    if estimator == "dwls":
        from .polychoric import asymptotic_variances, polychoric

        r, taus = polychoric(values)
        check_finite(r, model.items)  # DWLS needs no inverse: a non-definite matrix is fine
        if not is_positive_definite(r):
            notes.append(
                "The polychoric correlation matrix is not positive definite (common with few "
                "respondents per answer category); DWLS does not need it to be."
            )
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
        check_positive_definite(r, model.items)
        theta, f, ok = _fit_ml(model, r)
        df = p * (p + 1) // 2 - (2 * p + k_phi)
        baseline = float(-np.linalg.slogdet(r)[1] * n)
        baseline_df = p * (p - 1) // 2
        chisq = f * n
        n_eff = n
    if df <= 0:
        raise problem(
            "not-identified",
            f"the model has {df} degrees of freedom: nothing left to test the key with",
            hint="a confirmatory model needs more items per domain",
        )
    if not ok:
        raise problem(
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
    improper: list[str] = []
    if (resid < 0).any():
        bad = [model.items[i] for i in np.nonzero(resid < 0)[0]]
        improper.append("negative residual variance (a Heywood case) for " + ", ".join(bad))
    if m > 1 and np.linalg.eigvalsh(phi)[0] < 0:
        worst = max(zip(*np.tril_indices(m, -1), strict=True), key=lambda ab: abs(phi[ab]))
        improper.append(
            "the factor correlations are not a valid correlation matrix (largest: "
            f"{model.factors[worst[1]]!r} and {model.factors[worst[0]]!r}, "
            f"{phi[worst]:.2f})"
        )
    high = [
        (abs(phi[a, b]), model.factors[b], model.factors[a])
        for a, b in zip(*np.tril_indices(m, -1), strict=True)
        if abs(phi[a, b]) > HIGH_FACTOR_CORRELATION
    ]
    if high:
        top = ", ".join(f"{x!r} and {y!r} ({v:.2f})" for v, x, y in sorted(high, reverse=True)[:3])
        notes.append(
            f"{len(high)} pair(s) of domains correlate above .85, so they may not be distinct "
            f"factors: {top}" + (" and more." if len(high) > 3 else ".")
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
    robust = (
        _wlsmv(model, theta, r, values, taus, chisq, df, baseline, baseline_df, notes)
        if estimator == "dwls"
        else None
    )
    label, text = _verdict(cfi, rmsea, estimator, robust)
    if improper:  # one verdict: no sentence about how well an improper solution "fits"
        label = "improper"
        text = (
            "The solution is improper: " + "; ".join(improper) + f". Its fit indices (CFI "
            f"{cfi:.3f}, RMSEA {rmsea:.3f}) are shown but are not a verdict on the key, since "
            "an improper solution has no valid fit; the key's domains are probably not "
            "separate factors in these answers (merge or drop domains, or collect more "
            "answers). Report the subscale scores with caution, or not at all."
        )
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
        domains={
            f_: [
                i
                for i, g in zip(model.items, model.factor_of, strict=True)
                if model.factors[g] == f_
            ]
            for f_ in model.factors
        },
        chisq=float(chisq),
        df=int(df),
        pvalue=float(chi2_sf(chisq, df)),
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
        robust=robust,
    )

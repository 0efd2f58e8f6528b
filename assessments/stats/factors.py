"""Factor extraction and rotation as R psych and GPArotation compute them, for omega.

- :func:`minres`: psych's minimum-residual fit (``fa(r, nf, fm = "minres")``): uniquenesses ψ
  bounded to [0.005, 1], started from 1 − SMC, minimizing the squared off-diagonal residuals
  (with psych's gradient); loadings from the top ``nf`` eigenvectors of R with diagonal 1 − ψ.
- :func:`varimax`: ``stats::varimax`` (Kaiser normalization, eps 1e-5).
- :func:`oblimin`: ``GPArotation::oblimin`` (quartimin, γ = 0, no normalization): Bernaards
  and Jennrich's gradient projection algorithm for oblique rotations.
- :func:`omega_hierarchical`: ``psych::omega(r, nfactors)``: the Schmid-Leiman transformation
  of the oblimin solution, the general factor from a one-factor fit of the factor correlations
  (with two factors, psych's ``option = "equal"``: both general loadings √φ₁₂), items flipped to
  the general factor; ω_h = (Σ g)² / ΣR and ω_t = 1 − Σu² / ΣR.

Checked against psych 2.2.9 and GPArotation 2022.10 on simulated instruments with 2-5 facets
(``tests/data/reference/stats/omega_h.csv``, ``make_stats_reference.R``).

Examples
--------
Three facets whose factors correlate 0.5: each item's general loading is λ √0.5, so the exact
ω_h is (Σλ √0.5)² / ΣR and ω_t is 1 − Σ(1 − λ²) / ΣR.

>>> import numpy as np
>>> lam = np.array([0.7, 0.6, 0.65, 0.7, 0.6, 0.55, 0.6, 0.7, 0.5])
>>> facet = np.repeat([0, 1, 2], 3)
>>> r = np.outer(lam, lam) * np.where(facet[:, None] == facet[None, :], 1.0, 0.5)
>>> np.fill_diagonal(r, 1.0)
>>> got = omega_hierarchical(r, 3)
>>> round(got["omega_h"], 4), round(float((lam.sum() * np.sqrt(0.5)) ** 2 / r.sum()), 4)
(0.5942, 0.5942)
>>> round(got["omega_total"], 4), round(float(1 - (1 - lam**2).sum() / r.sum()), 4)
(0.7925, 0.7925)
"""

from __future__ import annotations

import numpy as np
from scipy import optimize


def smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations, 1 − 1/diag(R⁻¹) (psych::smc; pseudo-inverse if singular)."""
    try:
        inv = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(r)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1 - 1 / np.diag(inv)
    return np.clip(np.where(np.isfinite(out), out, 1.0), 0.0, 1.0)


def _loadings(r: np.ndarray, psi: np.ndarray, nf: int) -> np.ndarray:
    s = r.copy()
    np.fill_diagonal(s, 1 - psi)
    vals, vecs = np.linalg.eigh(s)
    order = np.argsort(vals)[::-1][:nf]
    return vecs[:, order] * np.sqrt(np.maximum(vals[order], 0.0))


def minres(r: np.ndarray, nf: int = 1) -> np.ndarray:
    """Unrotated minres loadings (p × nf), as psych ``fa(r, nf, fm = "minres", rotate =
    "none")`` up to the sign of each column."""
    k = r.shape[0]
    low = np.tril_indices(k, -1)

    def loss(psi: np.ndarray) -> tuple[float, np.ndarray]:
        lam = _loadings(r, psi, nf)
        resid = r - lam @ lam.T
        grad = (lam**2).sum(axis=1) + psi - 1  # psych's FAgr.minres: diag(model - data)
        return float((resid[low] ** 2).sum()), grad

    fit = optimize.minimize(
        loss,
        np.clip(1 - smc(r), 0.005, 1.0),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.005, 1.0)] * k,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 1000},
    )
    lam = _loadings(r, fit.x, nf)
    return lam * np.where(lam.sum(axis=0) < 0, -1.0, 1.0)


def varimax(loadings: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Varimax rotation with Kaiser normalization, as R ``stats::varimax``."""
    x = np.asarray(loadings, float)
    p, nc = x.shape
    if nc < 2:
        return x
    sc = np.sqrt((x**2).sum(axis=1))
    x = x / sc[:, None]
    rot = np.eye(nc)
    d = 0.0
    for _ in range(1000):
        z = x @ rot
        b = x.T @ (z**3 - z @ np.diag((z**2).sum(axis=0)) / p)
        u, sv, vt = np.linalg.svd(b)
        rot = u @ vt
        d_past, d = d, sv.sum()
        if d < d_past * (1 + eps):
            break
    return (x @ rot) * sc[:, None]


def _quartimin(lam: np.ndarray) -> tuple[float, np.ndarray]:
    sq = lam**2
    x = sq @ (1 - np.eye(lam.shape[1]))
    return float((sq * x).sum() / 4), lam * x


def oblimin(
    loadings: np.ndarray, eps: float = 1e-5, max_iter: int = 1000
) -> tuple[np.ndarray, np.ndarray]:
    """Oblique quartimin rotation: (pattern loadings, factor correlations), as
    ``GPArotation::oblimin`` with its defaults (the gradient projection algorithm, GPFoblq)."""
    a = np.asarray(loadings, float)
    nc = a.shape[1]
    t = np.eye(nc)
    lam = a @ np.linalg.inv(t).T
    f, gq = _quartimin(lam)
    g = -(lam.T @ gq @ np.linalg.inv(t)).T
    al = 1.0
    for _ in range(max_iter + 1):
        gp = g - t @ np.diag((t * g).sum(axis=0))
        s = np.sqrt(np.trace(gp.T @ gp))
        if s < eps:
            break
        al *= 2
        for _ in range(11):
            x = t - al * gp
            t_new = x / np.sqrt((x**2).sum(axis=0))
            lam = a @ np.linalg.inv(t_new).T
            f_new, gq = _quartimin(lam)
            if f - f_new > 0.5 * s**2 * al:
                break
            al /= 2
        t, f = t_new, f_new
        g = -(lam.T @ gq @ np.linalg.inv(t)).T
    return lam, t.T @ t


def omega_hierarchical(r: np.ndarray, n_factors: int) -> dict[str, float]:
    """ω_h and ω_t of a correlation matrix with ``n_factors`` group factors (psych::omega).

    Returns ``{"omega_h": ..., "omega_total": ...}``; NaN when the matrix has fewer than
    ``n_factors + 1`` items or is not finite.
    """
    r = np.asarray(r, float)
    k = r.shape[0]
    if n_factors < 2 or k <= n_factors or not np.isfinite(r).all():
        return {"omega_h": np.nan, "omega_total": np.nan}
    orth = varimax(minres(r, n_factors))
    pattern, phi = oblimin(orth)
    if n_factors == 2:
        root = np.sqrt(abs(phi[0, 1]))
        gload = np.array([root, np.sign(phi[0, 1]) * root])
    else:
        gload = minres(phi, 1)[:, 0]
    g = pattern @ gload
    key = np.where(g < 0, -1.0, 1.0)
    vt = (r * np.outer(key, key)).sum()
    u2 = 1 - (orth**2).sum(axis=1)
    return {
        "omega_h": float((np.abs(g).sum()) ** 2 / vt),
        "omega_total": float((vt - u2.sum()) / vt),
    }


def ml(r: np.ndarray, nf: int = 1) -> np.ndarray:
    """Unrotated maximum-likelihood loadings (p × nf), as psych ``fa(r, nf, fm = "ml")``.

    psych's fit (the ``factanal`` criterion on the uniquenesses ψ, bounded to [0.005, 1] and
    started from 1 − SMC), run to a tight tolerance; loadings ψ^½ V (E − 1)^½ from the
    eigen-decomposition of ψ^-½ R ψ^-½.
    """
    k = r.shape[0]

    def parts(psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sc = 1 / np.sqrt(psi)
        vals, vecs = np.linalg.eigh(r * np.outer(sc, sc))
        order = np.argsort(vals)[::-1]
        return vals[order], vecs[:, order]

    def loss(psi: np.ndarray) -> tuple[float, np.ndarray]:
        vals, vecs = parts(psi)
        rest = vals[nf:]
        f = -float((np.log(rest) - rest).sum() - nf + k)
        load = np.sqrt(psi)[:, None] * vecs[:, :nf] * np.sqrt(np.maximum(vals[:nf] - 1, 0))
        grad = ((load**2).sum(axis=1) + psi - np.diag(r)) / psi**2
        return f, grad

    fit = optimize.minimize(
        loss,
        np.clip(1 - smc(r), 0.005, 1.0),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.005, 1.0)] * k,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000},
    )
    vals, vecs = parts(fit.x)
    lam = np.sqrt(fit.x)[:, None] * vecs[:, :nf] * np.sqrt(np.maximum(vals[:nf] - 1, 0))
    return lam * np.where(lam.sum(axis=0) < 0, -1.0, 1.0)

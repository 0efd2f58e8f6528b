"""Polychoric correlations and their sampling variances, as lavaan computes them.

Answers on a 4-7 point scale are ordered categories, not interval numbers. The polychoric
correlation of two items is the correlation of two standard normal variables that, cut at the
items' thresholds, reproduce the table of answers. It is estimated in lavaan's two steps:

1. each item's thresholds from its own answers, ``τ_k = Φ⁻¹(P(answer ≤ k))``;
2. each pair's correlation by maximum likelihood on the pair's table, thresholds held fixed.

:func:`asymptotic_variances` gives the variance of each estimated correlation with the
uncertainty of the thresholds taken into account (Muthén 1984, lavaan's ``muthen1984``): the
influence of one respondent on ρ̂ is ``(s_ρ − a' A⁻¹ s_τ) / I_ρ``, with the per-respondent
scores ``s`` of the bivariate and univariate likelihoods. Their reciprocals are the diagonal
weights of DWLS (lavaan ``estimator = "DWLS"``).

The bivariate normal probabilities use Plackett's identity, Φ₂(h, k; ρ) = Φ(h)Φ(k) +
(1/2π)∫₀^{asin ρ} exp(−(h² + k² − 2hk sin θ) / (2 cos² θ)) dθ, by Gauss-Legendre quadrature
over θ (vectorized over every cell of every pair at once).

Checked against lavaan 0.6-14 (``lavCor`` through ``cfa(..., ordered = TRUE)``) on the bfi
data: every correlation to 1e-6 (``tests/data/reference/structure/polychoric.csv``).

Examples
--------
A table whose counts follow a bivariate normal with correlation 0.6, cut at -1, 0 and 0.8,
gives 0.6 back:

>>> import numpy as np
>>> cuts = np.array([-np.inf, -1.0, 0.0, 0.8, np.inf])
>>> cdf = bvn_cdf(cuts[:, None], cuts[None, :], np.array(0.6))
>>> cells = np.diff(np.diff(cdf, axis=0), axis=1)
>>> counts = np.rint(cells * 100_000).astype(int)
>>> a, b = np.nonzero(counts >= 0)
>>> x = np.repeat(np.column_stack([a, b]), counts[a, b], axis=0)
>>> r, taus = polychoric(x)
>>> round(float(r[0, 1]), 3), np.round(taus[0], 3).tolist()
(0.6, [-1.0, 0.0, 0.8])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

_RULES = {n: np.polynomial.legendre.leggauss(n) for n in (20, 40)}
_BIG = 1e6  # stands for an infinite threshold inside the quadrature
_RHO_MAX = 0.9999


def _phi(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(np.abs(x) >= _BIG, 0.0, np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi))


def _cdf(x: np.ndarray) -> np.ndarray:
    return special.ndtr(x)


def _plackett(h: np.ndarray, k: np.ndarray, rho: np.ndarray, nodes: int) -> np.ndarray:
    t, w = _RULES[nodes]
    top = np.arcsin(np.clip(rho, -_RHO_MAX, _RHO_MAX))
    theta = top[:, None] * (1 + t) / 2
    s = np.sin(theta)
    c2 = np.cos(theta) ** 2
    hh = h[:, None]
    kk = k[:, None]
    integrand = np.exp(-(hh * hh + kk * kk - 2 * hh * kk * s) / (2 * c2))
    return (integrand @ w) * top / (4 * np.pi)


def bvn_cdf(h: np.ndarray, k: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """P(X ≤ h, Y ≤ k) for standard bivariate normal X, Y with correlation ``rho``.

    Infinite limits are allowed. Accurate to about 1e-11 for |ρ| ≤ 0.999 (checked against
    adaptive quadrature in the tests): 20 Gauss-Legendre nodes for |ρ| ≤ 0.7, 40 above.

    >>> round(float(bvn_cdf(np.array(0.0), np.array(0.0), np.array(0.5))), 10)
    0.3333333333
    """
    h, k, rho = np.broadcast_arrays(
        np.asarray(h, float), np.asarray(k, float), np.asarray(rho, float)
    )
    hh = np.clip(h, -_BIG, _BIG)
    kk = np.clip(k, -_BIG, _BIG)
    out = np.asarray(_cdf(hh) * _cdf(kk), dtype=float).copy()
    finite = (np.abs(hh) < _BIG) & (np.abs(kk) < _BIG)
    if not finite.any():
        return out
    hf, kf, rf = hh[finite], kk[finite], rho[finite]
    add = np.empty(hf.shape)
    low = np.abs(rf) <= 0.7
    add[low] = _plackett(hf[low], kf[low], rf[low], 20)
    add[~low] = _plackett(hf[~low], kf[~low], rf[~low], 40)
    out[finite] += add
    return out if out.ndim else out[()]
    return out


def bvn_pdf(h: np.ndarray, k: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Bivariate normal density φ₂(h, k; ρ); 0 where a limit is infinite."""
    h = np.asarray(h, float)
    k = np.asarray(k, float)
    one = 1 - rho * rho
    finite = (np.abs(h) < _BIG) & (np.abs(k) < _BIG)
    hf = np.where(finite, h, 0.0)
    kf = np.where(finite, k, 0.0)
    dens = np.exp(-(hf * hf - 2 * rho * hf * kf + kf * kf) / (2 * one)) / (2 * np.pi * np.sqrt(one))
    return np.where(finite, dens, 0.0)


def _codes(x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each column as 0-based category codes (-1 for missing) and its sorted values."""
    codes = np.full(x.shape, -1, dtype=np.int64)
    values = []
    for j in range(x.shape[1]):
        col = x[:, j]
        ok = ~np.isnan(col)
        levels = np.unique(col[ok])
        codes[ok, j] = np.searchsorted(levels, col[ok])
        values.append(levels)
    return codes, values


def thresholds(x: np.ndarray) -> list[np.ndarray]:
    """Each column's thresholds Φ⁻¹(cumulative proportion), from its non-missing answers."""
    codes, values = _codes(np.asarray(x, float))
    out = []
    for j, levels in enumerate(values):
        counts = np.bincount(codes[codes[:, j] >= 0, j], minlength=len(levels))
        out.append(special.ndtri(np.cumsum(counts)[:-1] / counts.sum()))
    return out


@dataclass
class _Pairs:
    """Every pair's table of answers and threshold grids, padded to a common size."""

    i: np.ndarray
    j: np.ndarray
    counts: np.ndarray  # (pairs, K, K)
    grid1: np.ndarray  # (pairs, K + 1, 1): -BIG, τ_1, ..., BIG (BIG beyond the last)
    grid2: np.ndarray  # (pairs, 1, K + 1)

    @property
    def upper1(self) -> np.ndarray:
        return self.grid1[:, 1:, :]

    @property
    def lower1(self) -> np.ndarray:
        return self.grid1[:, :-1, :]

    @property
    def upper2(self) -> np.ndarray:
        return self.grid2[:, :, 1:]

    @property
    def lower2(self) -> np.ndarray:
        return self.grid2[:, :, :-1]


def _pairs(codes: np.ndarray, taus: list[np.ndarray]) -> _Pairs:
    p = codes.shape[1]
    size = max(len(t) for t in taus) + 1
    # one indicator column per (item, category); a missing answer has none
    exact = np.float32 if codes.shape[0] < 2**24 else np.float64  # counts stay exact
    onehot = np.zeros((codes.shape[0], p * size), dtype=exact)
    rows, cols = np.nonzero(codes >= 0)
    onehot[rows, cols * size + codes[rows, cols]] = 1.0
    cross = (onehot.T @ onehot).astype(np.float64).reshape(p, size, p, size)
    iu, ju = np.triu_indices(p, 1)
    counts = cross[iu, :, ju, :]
    grid = np.full((p, size + 1), _BIG)
    for v, t in enumerate(taus):
        grid[v, 0] = -_BIG
        grid[v, 1 : len(t) + 1] = t
    return _Pairs(iu, ju, counts, grid[iu][:, :, None], grid[ju][:, None, :])


def _cell_probabilities(pr: _Pairs, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probability of each cell and its derivative with respect to ρ."""
    r = rho[:, None, None]
    cdf = bvn_cdf(pr.grid1, pr.grid2, r)
    pdf = bvn_pdf(pr.grid1, pr.grid2, r)
    prob = cdf[:, 1:, 1:] - cdf[:, :-1, 1:] - cdf[:, 1:, :-1] + cdf[:, :-1, :-1]
    dprob = pdf[:, 1:, 1:] - pdf[:, :-1, 1:] - pdf[:, 1:, :-1] + pdf[:, :-1, :-1]
    return np.maximum(prob, 1e-300), dprob


def _fit_pairs(pr: _Pairs) -> np.ndarray:
    """Maximum-likelihood ρ of every pair (thresholds fixed), by Fisher scoring with halving."""
    n = pr.counts.sum(axis=(1, 2))
    total = pr.counts / np.maximum(n, 1)[:, None, None]
    # start from the Pearson correlation of the category numbers
    cat = np.arange(pr.counts.shape[1], dtype=float)
    m1 = (total.sum(axis=2) * cat).sum(axis=1)
    m2 = (total.sum(axis=1) * cat).sum(axis=1)
    v1 = (total.sum(axis=2) * cat**2).sum(axis=1) - m1**2
    v2 = (total.sum(axis=1) * cat**2).sum(axis=1) - m2**2
    cxy = (total * cat[None, :, None] * cat[None, None, :]).sum(axis=(1, 2)) - m1 * m2
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.nan_to_num(cxy / np.sqrt(v1 * v2))
    rho = np.clip(rho, -0.95, 0.95)

    def loglik(r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        prob, dprob = _cell_probabilities(pr, r)
        ll = (pr.counts * np.log(prob)).sum(axis=(1, 2))
        grad = (pr.counts * dprob / prob).sum(axis=(1, 2))
        info = (n[:, None, None] * dprob**2 / prob).sum(axis=(1, 2))
        return ll, grad, info

    ll, grad, info = loglik(rho)
    for _ in range(100):
        step = np.where(info > 0, grad / np.maximum(info, 1e-300), 0.0)
        scale = np.ones_like(rho)
        active = np.abs(step) > 1e-12
        if not active.any():
            break
        for _ in range(30):
            trial = np.clip(rho + scale * step, -_RHO_MAX, _RHO_MAX)
            ll_t, grad_t, info_t = loglik(trial)
            worse = active & (ll_t < ll - 1e-12 * np.abs(ll))
            if not worse.any():
                break
            scale = np.where(worse, scale / 2, scale)
        rho = np.where(active, trial, rho)
        ll = np.where(active, ll_t, ll)
        grad = np.where(active, grad_t, grad)
        info = np.where(active, info_t, info)
    return rho


def polychoric(x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Polychoric correlation matrix of the columns of ``x`` and each column's thresholds.

    ``x`` holds ordered answers (any numbers; NaN for missing). Each pair uses the rows where
    both are answered; thresholds come from each column's own answers (with complete rows,
    exactly lavaan's two-step estimate). Empty cells are left empty (no 0.5 added).
    """
    x = np.asarray(x, float)
    codes, _ = _codes(x)
    taus = thresholds(x)
    p = x.shape[1]
    r = np.eye(p)
    if p < 2:
        return r, taus
    pr = _pairs(codes, taus)
    rho = _fit_pairs(pr)
    rho[pr.counts.sum(axis=(1, 2)) < 2] = np.nan  # no answers in common: no correlation
    r[pr.i, pr.j] = rho
    r[pr.j, pr.i] = rho
    return r, taus


@dataclass
class _PairInfluence:
    """Each respondent's influence on one pair's ρ̂, by the categories answered: ``both[a, b]``
    when both items were answered, ``only_a[a]`` / ``only_b[b]`` when only one was."""

    i: int
    j: int
    both: np.ndarray
    only_a: np.ndarray
    only_b: np.ndarray
    counts: np.ndarray  # respondents in each cell
    alone_a: np.ndarray  # respondents who answered item i (category a) but not item j
    alone_b: np.ndarray


def _pair_influences(x: np.ndarray, r: np.ndarray, taus: list[np.ndarray]) -> list[_PairInfluence]:
    """The influence of each answer pattern on each polychoric correlation, accounting for the
    thresholds being estimated too (lavaan's ``muthen1984``). With missing answers it is
    lavaan's pairwise version: each item's thresholds use every answer to it, so a respondent
    who answered only one item of a pair still moves that pair's ρ̂ through them."""
    codes, _ = _codes(x)
    p = x.shape[1]
    full = [np.bincount(codes[codes[:, v] >= 0, v], minlength=len(taus[v]) + 1) for v in range(p)]
    pr = _pairs(codes, taus)
    rho = r[pr.i, pr.j]
    prob, dprob = _cell_probabilities(pr, rho)
    counts = pr.counts
    s_rho = dprob / prob  # score for ρ of a respondent in each cell
    # derivatives of the cell probabilities with respect to each item's thresholds
    rr = rho[:, None, None]
    sd = np.sqrt(1 - rr * rr)

    def cond(lim_other: np.ndarray, t: np.ndarray) -> np.ndarray:
        return _cdf((np.clip(lim_other, -_BIG, _BIG) - rr * t) / sd)

    # P(cell a,b) changes with τ1_a (upper of row a) and τ1_{a-1} (lower of row a)
    d_up1 = _phi(pr.upper1) * (cond(pr.upper2, pr.upper1) - cond(pr.lower2, pr.upper1))
    d_lo1 = -_phi(pr.lower1) * (cond(pr.upper2, pr.lower1) - cond(pr.lower2, pr.lower1))
    d_up2 = _phi(pr.upper2) * (cond(pr.upper1, pr.upper2) - cond(pr.lower1, pr.upper2))
    d_lo2 = -_phi(pr.lower2) * (cond(pr.upper1, pr.lower2) - cond(pr.lower1, pr.lower2))
    out = []
    for n in range(len(pr.i)):
        a, b = pr.i[n], pr.j[n]
        ka, kb = len(taus[a]), len(taus[b])
        c = counts[n, : ka + 1, : kb + 1]
        sr = s_rho[n, : ka + 1, : kb + 1]
        # score of each cell with respect to each threshold of item a: (ka+1, kb+1, ka)
        th_a = np.zeros((ka + 1, kb + 1, ka))
        th_b = np.zeros((ka + 1, kb + 1, kb))
        pc = prob[n, : ka + 1, : kb + 1]
        for m in range(ka):
            th_a[m, :, m] += d_up1[n, m, : kb + 1] / pc[m]
            th_a[m + 1, :, m] += d_lo1[n, m + 1, : kb + 1] / pc[m + 1]
        for m in range(kb):
            th_b[:, m, m] += d_up2[n, : ka + 1, m] / pc[:, m]
            th_b[:, m + 1, m] += d_lo2[n, : ka + 1, m + 1] / pc[:, m + 1]
        u_a = _univariate_scores(taus[a])  # (ka+1, ka): score of each category
        u_b = _univariate_scores(taus[b])
        marg_a = full[a].astype(float)
        marg_b = full[b].astype(float)
        a11_a = (marg_a[:, None, None] * u_a[:, :, None] * u_a[:, None, :]).sum(axis=0)
        a11_b = (marg_b[:, None, None] * u_b[:, :, None] * u_b[:, None, :]).sum(axis=0)
        a21_a = (c[:, :, None] * sr[:, :, None] * th_a).sum(axis=(0, 1))
        a21_b = (c[:, :, None] * sr[:, :, None] * th_b).sum(axis=(0, 1))
        a22 = (c * sr * sr).sum()
        via_a = u_a @ np.linalg.solve(a11_a, a21_a)
        via_b = u_b @ np.linalg.solve(a11_b, a21_b)
        out.append(
            _PairInfluence(
                int(a),
                int(b),
                (sr - via_a[:, None] - via_b[None, :]) / a22,
                -via_a / a22,
                -via_b / a22,
                c,
                marg_a - c.sum(axis=1),
                marg_b - c.sum(axis=0),
            )
        )
    return out


def asymptotic_variances(x: np.ndarray, r: np.ndarray, taus: list[np.ndarray]) -> np.ndarray:
    """Sampling variance of each polychoric correlation (p × p, diagonal NaN): the variance of
    the sum of each respondent's influence on ρ̂ (see :func:`_pair_influences`)."""
    x = np.asarray(x, float)
    p = x.shape[1]
    out = np.full((p, p), np.nan)
    for t in _pair_influences(x, r, taus):
        var = float((t.counts * t.both * t.both).sum())
        var += float((t.alone_a * t.only_a**2).sum()) + float((t.alone_b * t.only_b**2).sum())
        out[t.i, t.j] = out[t.j, t.i] = var
    return out


#: respondents whose influences are held at once when the covariance matrix is summed
_CHUNK = 2000


def asymptotic_covariance(
    x: np.ndarray, r: np.ndarray, taus: list[np.ndarray], *, with_thresholds: bool = False
) -> np.ndarray:
    """Sampling covariance of all the polychoric correlations at once (the pairs in the
    order of ``np.tril_indices(p, -1)``): the sum over respondents of the outer product of
    their influences. Its diagonal is :func:`asymptotic_variances`; lavaan's ``NACOV`` for
    WLSMV is N times it (its correlation block), which the robust χ² and fit indices use.

    With ``with_thresholds`` the thresholds come first (each item's in order, item by item),
    then the correlations: the whole vector of sample statistics a model with constrained
    thresholds (ordinal measurement invariance) is fitted to. A threshold's influence is the
    ordered-probit score of the category answered times the inverse of its information.

    >>> rng = np.random.default_rng(1)
    >>> z = rng.multivariate_normal([0, 0, 0], np.eye(3) * 0.5 + 0.5, 300)
    >>> x = np.digitize(z, [-0.5, 0.5]).astype(float)
    >>> r, taus = polychoric(x)
    >>> var = asymptotic_variances(x, r, taus)[np.tril_indices(3, -1)]
    >>> bool(np.allclose(np.diag(asymptotic_covariance(x, r, taus)), var))
    True

    The threshold block of the whole matrix: the binomial variance of a proportion carried
    through Φ⁻¹ (the delta method), P(1 − P) / φ(τ)², summed over respondents as 1/n² each:

    >>> full = asymptotic_covariance(x, r, taus, with_thresholds=True)
    >>> from scipy import stats
    >>> share = (x[:, 0] == 0).mean()
    >>> delta = share * (1 - share) / stats.norm.pdf(taus[0][0]) ** 2 / len(x)
    >>> bool(np.isclose(full[0, 0], delta)), full.shape
    (True, (9, 9))
    """
    x = np.asarray(x, float)
    codes, _ = _codes(x)
    n, p = x.shape
    low = np.tril_indices(p, -1)
    column = {(int(b), int(a)): k for k, (a, b) in enumerate(zip(*low, strict=True))}
    terms = _pair_influences(x, r, taus)
    first = sum(len(t) for t in taus) if with_thresholds else 0
    place = [
        first + (column[(t.i, t.j)] if (t.i, t.j) in column else column[(t.j, t.i)]) for t in terms
    ]
    tau_infl = []  # each item's influence on its thresholds, by the category answered
    if with_thresholds:
        for v in range(p):
            u = _univariate_scores(taus[v])
            marg = np.bincount(codes[codes[:, v] >= 0, v], minlength=len(taus[v]) + 1)
            info = (marg[:, None, None] * u[:, :, None] * u[:, None, :]).sum(axis=0)
            tau_infl.append(np.linalg.solve(info, u.T).T)
    size = first + len(low[0])
    cov = np.zeros((size, size))
    for start in range(0, n, _CHUNK):
        c = codes[start : start + _CHUNK]
        infl = np.zeros((len(c), size))
        at = 0
        for v, table in enumerate(tau_infl):
            has = c[:, v] >= 0
            infl[has, at : at + table.shape[1]] = table[c[has, v]]
            at += table.shape[1]
        for k, t in zip(place, terms, strict=True):
            ca, cb = c[:, t.i], c[:, t.j]
            has_a, has_b = ca >= 0, cb >= 0
            both = has_a & has_b
            infl[both, k] = t.both[ca[both], cb[both]]
            infl[has_a & ~has_b, k] = t.only_a[ca[has_a & ~has_b]]
            infl[~has_a & has_b, k] = t.only_b[cb[~has_a & has_b]]
        cov += infl.T @ infl
    return cov


def _univariate_scores(tau: np.ndarray) -> np.ndarray:
    """Score of each category (rows) for each threshold (columns) of an ordered probit."""
    k = len(tau)
    grid = np.concatenate([[-np.inf], tau, [np.inf]])
    prob = np.diff(_cdf(grid))
    out = np.zeros((k + 1, k))
    dens = _phi(tau)
    for m in range(k):
        out[m, m] = dens[m] / prob[m]
        out[m + 1, m] = -dens[m] / prob[m + 1]
    return out

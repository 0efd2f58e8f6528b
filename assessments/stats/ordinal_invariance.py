"""Measurement invariance of ordinal answers: a multi-group confirmatory factor analysis of the
items' polychoric correlations and thresholds by DWLS with lavaan's WLSMV test, identified as
Wu and Estabrook (2016) propose and semTools 0.5-6 writes it (``measEq.syntax(...,
parameterization = "delta", ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016")``).

Each item ``j`` of group ``g`` is a normal variable ``y* = ν + λη + ε`` cut at thresholds
``τ``; with the scale factor ``Δ = 1/sd(y*)`` the model gives the standardized thresholds
``(τ − ν − λα)Δ`` and the polychoric correlations ``Δ_jΔ_k λ_jλ_k ψ``. The steps:

==============  =========================================================================
step            held equal across groups (the groups after the first then free)
==============  =========================================================================
``configural``  nothing: each group its own thresholds and loadings (ν = 0, Δ = 1, α = 0,
                factor variances 1): the same as fitting each group alone
``thresholds``  the thresholds (each item's intercept and scale factor free)
``metric``      the thresholds and loadings (the factor variances free)
``scalar``      the thresholds, loadings and intercepts (ν = 0; the factor means free)
==============  =========================================================================

An item freed at a step (partial invariance) keeps its own thresholds (and ν = 0, Δ = 1),
loadings or intercept in each group. With three answer categories the thresholds step is
equivalent to the configural one (0 degrees of freedom, as Wu and Estabrook show); items of
two categories need other identification constraints and are not handled here.

Each step's χ² is scaled and shifted (lavaan's WLSMV), and each step is compared with the one
before by lavaan's ``lavTestLRT`` default for it, the Satorra (2000) scaled-and-shifted
difference test with the constraint matrix from the two models' Jacobians (``A.method =
"delta"``). The scaled CFI, TLI and RMSEA judge the steps: lavaan 0.6-14 gives no robust
indices for constrained multi-group models. Checked against lavaan 0.6-14 with semTools 0.5-6
to 1e-6 on the fit and 1e-4 on the parameters (``tests/test_ordinal_invariance_against_r.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

from .confirmatory import _cfi_tli, _rmsea_ci
from .correlation import problem
from .distributions import chi2_sf

STEPS = ("configural", "thresholds", "metric", "scalar")
EQUAL = {
    "configural": frozenset(),
    "thresholds": frozenset({"thresholds"}),
    "metric": frozenset({"thresholds", "loadings"}),
    "scalar": frozenset({"thresholds", "loadings", "intercepts"}),
}
#: the parameters each step holds equal, by the name partial invariance frees them under
KIND = {"thresholds": "thresholds", "metric": "loadings", "scalar": "intercepts"}

#: the robust test needs every group's covariance of its thresholds and correlations (with 40
#: items of 5 answers, 940 statistics: 7 MB a group); past this many items the ordinal model is
#: not fitted (``invariance_for`` falls back to maximum likelihood and says so)
MAX_ORDINAL_ITEMS = 40


@dataclass
class GroupData:
    """One group's sample statistics: thresholds then correlations (``np.tril_indices(p, -1)``
    order), their DWLS weights, and N times their sampling covariance (lavaan's ``NACOV``)."""

    n: int
    stats: np.ndarray
    weights: np.ndarray
    gamma: np.ndarray


def group_data(values: np.ndarray) -> GroupData:
    """The sample statistics of one group's complete answers (codes 0..K-1 in every column)."""
    from .polychoric import asymptotic_covariance, polychoric

    n, p = values.shape
    r, taus = polychoric(values)
    cov = asymptotic_covariance(values, r, taus, with_thresholds=True)
    stats = np.concatenate([*taus, r[np.tril_indices(p, -1)]])
    return GroupData(n, stats, 1 / (n * np.diag(cov)), n * cov)


@dataclass
class Layout:
    """Where each group's parameters sit in the free vector (−1: fixed)."""

    lam: np.ndarray  # (G, p)
    tau: np.ndarray  # (G, T)
    nu: np.ndarray  # (G, p): fixed at 0
    delta: np.ndarray  # (G, p): fixed at 1
    alpha: np.ndarray  # (G, m): fixed at 0
    psi: np.ndarray  # (G, m, m): the diagonal fixed at 1
    n_free: int


def layout(
    step: str,
    n_groups: int,
    factor_of: np.ndarray,
    n_thresholds: list[int],
    m: int,
    released: Mapping[str, frozenset[int]] | None = None,
) -> Layout:
    """The free parameters of a step (see the module's table); ``released`` items keep their
    own thresholds, loadings or intercepts in every group."""
    equal = EQUAL[step]
    free = released or {}
    p = len(factor_of)
    keys: dict[tuple[Any, ...], int] = {}

    def same(kind: str, i: int) -> bool:
        return kind in equal and i not in free.get(kind, frozenset())

    def slot(*key: Any) -> int:
        return keys.setdefault(key, len(keys))

    item_of = np.repeat(np.arange(p), n_thresholds)
    rank = np.concatenate([np.arange(k) for k in n_thresholds])
    lam = np.empty((n_groups, p), int)
    tau = np.empty((n_groups, len(item_of)), int)
    nu = np.full((n_groups, p), -1)
    delta = np.full((n_groups, p), -1)
    alpha = np.full((n_groups, m), -1)
    psi = np.full((n_groups, m, m), -1)
    for g in range(n_groups):
        for i in range(p):
            lam[g, i] = slot("lam", -1 if same("loadings", i) else g, i)
        for t, (i, k) in enumerate(zip(item_of.tolist(), rank.tolist(), strict=True)):
            tau[g, t] = slot("tau", -1 if same("thresholds", i) else g, i, k)
        for a in range(m):
            for b in range(a):
                psi[g, a, b] = psi[g, b, a] = slot("psi", g, a, b)
        if g == 0:
            continue
        for i in range(p):
            if same("thresholds", i):
                delta[g, i] = slot("delta", g, i)
                if not same("intercepts", i):
                    nu[g, i] = slot("nu", g, i)
        for a in range(m):
            if "loadings" in equal:
                psi[g, a, a] = slot("psi", g, a, a)
            if "intercepts" in equal:
                alpha[g, a] = slot("alpha", g, a)
    return Layout(lam, tau, nu, delta, alpha, psi, len(keys))


@dataclass
class Values:
    lam: np.ndarray
    tau: np.ndarray
    nu: np.ndarray
    delta: np.ndarray
    alpha: np.ndarray
    psi: np.ndarray


def values(lay: Layout, x: np.ndarray, g: int) -> Values:
    """Group ``g``'s parameters, the fixed ones at their values."""

    def pick(index: np.ndarray, fixed: np.ndarray | float) -> np.ndarray:
        return np.where(index >= 0, x[np.maximum(index, 0)], fixed)

    m = lay.psi.shape[1]
    return Values(
        x[lay.lam[g]],
        x[lay.tau[g]],
        pick(lay.nu[g], 0.0),
        pick(lay.delta[g], 1.0),
        pick(lay.alpha[g], 0.0),
        pick(lay.psi[g], np.eye(m)),
    )


class Model:
    """The implied statistics of every group and their Jacobian."""

    def __init__(self, factor_of: np.ndarray, n_thresholds: list[int], m: int) -> None:
        self.factor_of = factor_of
        self.m = m
        p = len(factor_of)
        self.item_of = np.repeat(np.arange(p), n_thresholds)
        self.rows, self.cols = np.tril_indices(p, -1)

    def implied(self, v: Values) -> np.ndarray:
        f, i = self.factor_of, self.item_of
        thr = (v.tau - v.nu[i] - v.lam[i] * v.alpha[f[i]]) * v.delta[i]
        r, c = self.rows, self.cols
        cor = v.delta[r] * v.delta[c] * v.lam[r] * v.lam[c] * v.psi[f[r], f[c]]
        return np.concatenate([thr, cor])

    def jacobian(self, lay: Layout, v: Values, g: int) -> np.ndarray:
        """dσ_g/dx: (statistics, free parameters); the entries of fixed parameters dropped."""
        f, i = self.factor_of, self.item_of
        n_thr = len(i)
        t_rows = np.arange(n_thr)
        a = f[i]
        r, c = self.rows, self.cols
        k_rows = n_thr + np.arange(len(r))
        psi_rc = v.psi[f[r], f[c]]
        base = v.lam[r] * v.lam[c] * psi_rc
        dd = v.delta[r] * v.delta[c]
        parts = [
            (t_rows, lay.tau[g], v.delta[i]),
            (t_rows, lay.nu[g][i], -v.delta[i]),
            (t_rows, lay.lam[g][i], -v.alpha[a] * v.delta[i]),
            (t_rows, lay.alpha[g][a], -v.lam[i] * v.delta[i]),
            (t_rows, lay.delta[g][i], v.tau - v.nu[i] - v.lam[i] * v.alpha[a]),
            (k_rows, lay.lam[g][r], dd * v.lam[c] * psi_rc),
            (k_rows, lay.lam[g][c], dd * v.lam[r] * psi_rc),
            (k_rows, lay.delta[g][r], v.delta[c] * base),
            (k_rows, lay.delta[g][c], v.delta[r] * base),
            (k_rows, lay.psi[g][f[r], f[c]], dd * v.lam[r] * v.lam[c]),
        ]
        jac = np.zeros((n_thr + len(r), lay.n_free))
        for rows, cols, vals in parts:
            keep = cols >= 0
            np.add.at(jac, (rows[keep], cols[keep]), vals[keep])
        return jac


def _weights(data: GroupData) -> np.ndarray:
    """The DWLS weights of the fit: lavaan's ``WLS.V`` times N − 1 (so that the sum of the
    squared weighted residuals is its χ²)."""
    return data.weights * (data.n - 1)


def start(lay: Layout, groups: list[GroupData], model: Model, prev: Any = None) -> np.ndarray:
    """Starting values: each slot the mean over groups of the step before's values, or the
    sample thresholds, loadings of .7, factor correlations of .3 and the fixed values."""
    x = np.zeros(lay.n_free)
    count = np.zeros(lay.n_free)
    n_thr = len(model.item_of)
    blocks = ("lam", "tau", "nu", "delta", "alpha", "psi")
    for g, data in enumerate(groups):
        old = values(prev[1], prev[0], g) if prev is not None else None
        fresh = {
            "lam": np.full(lay.lam.shape[1], 0.7),
            "tau": data.stats[:n_thr],
            "nu": np.zeros(lay.nu.shape[1]),
            "delta": np.ones(lay.delta.shape[1]),
            "alpha": np.zeros(lay.alpha.shape[1]),
            "psi": np.where(np.eye(model.m, dtype=bool), 1.0, 0.3),
        }
        for name in blocks:
            index = getattr(lay, name)[g]
            val = getattr(old, name) if old is not None else fresh[name]
            keep = index >= 0
            np.add.at(x, index[keep], np.asarray(val)[keep])
            np.add.at(count, index[keep], 1)
    return x / np.maximum(count, 1)


def fit(
    lay: Layout, groups: list[GroupData], model: Model, x0: np.ndarray
) -> tuple[np.ndarray, float, bool]:
    """Minimize the DWLS discrepancy over all groups; returns the estimates and χ²."""
    sw = [np.sqrt(_weights(d)) for d in groups]

    def residuals(x: np.ndarray) -> np.ndarray:
        parts = [
            s * (d.stats - model.implied(values(lay, x, g)))
            for g, (d, s) in enumerate(zip(groups, sw, strict=True))
        ]
        return np.concatenate(parts)

    def jacobian(x: np.ndarray) -> np.ndarray:
        return np.vstack(
            [-s[:, None] * model.jacobian(lay, values(lay, x, g), g) for g, s in enumerate(sw)]
        )

    out = optimize.least_squares(
        residuals,
        x0,
        jac=jacobian,
        method="trf",
        xtol=1e-15,
        ftol=1e-15,
        gtol=1e-15,
        max_nfev=3000,
    )
    chisq = float((out.fun**2).sum())
    grad = out.jac.T @ out.fun
    ok = bool(out.status > 0 and np.abs(grad).max() < 1e-6 * max(1.0, chisq))
    return out.x, chisq, ok


def deltas(lay: Layout, x: np.ndarray, model: Model, n_groups: int) -> list[np.ndarray]:
    return [model.jacobian(lay, values(lay, x, g), g) for g in range(n_groups)]


def scaled_test(
    chisq: float, df: int, delta: list[np.ndarray], groups: list[GroupData]
) -> tuple[float, float, float]:
    """lavaan's scaled-and-shifted statistic: a, b from tr(UΓ) and tr((UΓ)²), U = V − VΔE⁻¹Δ'V
    over all groups (V the weights times each group's share of N, Γ each NACOV over it)."""
    total = sum(d.n for d in groups)
    fg = [d.n / total for d in groups]
    info = sum(
        f * dl.T @ (d.weights[:, None] * dl) for f, dl, d in zip(fg, delta, groups, strict=True)
    )
    e_inv = np.linalg.inv(info)
    blocks = []
    for f, dl, d in zip(fg, delta, groups, strict=True):
        v = f * d.weights
        blocks.append((v, dl, d.gamma / f))
    # UΓ over all groups: row block g, column block h: V_g(δ_gh − Δ_g E⁻¹ Δ_h' V_h) Γ_h
    ug = []
    for g, (v_g, d_g, _) in enumerate(blocks):
        left = v_g[:, None] * (d_g @ e_inv)
        row = []
        for h, (v_h, d_h, gam_h) in enumerate(blocks):
            part = -left @ ((d_h.T * v_h[None, :]) @ gam_h)
            if h == g:
                part += v_g[:, None] * gam_h
            row.append(part)
        ug.append(row)
    n_g = len(blocks)
    tr1 = sum(float(np.trace(ug[g][g])) for g in range(n_g))
    tr2 = sum(float(np.sum(ug[g][h] * ug[h][g].T)) for g in range(n_g) for h in range(n_g))
    a = np.sqrt(df / tr2)
    shift = df - a * tr1
    return float(chisq * a + shift), float(a), float(shift)


def difference_test(
    chisq1: float,
    df1: int,
    delta1: list[np.ndarray],
    chisq0: float,
    df0: int,
    delta0: list[np.ndarray],
    groups: list[GroupData],
) -> tuple[float, int, float]:
    """lavaan's ``lavTestLRT`` for WLSMV: Satorra's (2000) scaled-and-shifted difference of
    a model (0) nested in a less restricted one (1), the constraints A from their Jacobians
    (``A.method = "delta"``: A spans the complement of ginv(Δ₁)Δ₀)."""
    m = df0 - df1
    if m <= 0:
        return float(chisq0 - chisq1), m, float("nan")
    total = sum(d.n for d in groups)
    fg = np.array([d.n / total for d in groups])
    d1 = np.vstack(delta1)
    d0 = np.vstack(delta0)
    h = np.linalg.pinv(d1) @ d0
    u_, s_, _ = np.linalg.svd(h, full_matrices=True)
    rank = int((s_ > s_.max() * max(h.shape) * np.finfo(float).eps).sum())
    a_mat = u_[:, rank:].T  # rows: the constraints
    info = sum(
        f * dl.T @ (d.weights[:, None] * dl) for f, dl, d in zip(fg, delta1, groups, strict=True)
    )
    p_inv = np.linalg.inv(info)
    apa = a_mat @ p_inv @ a_mat.T
    core = p_inv @ a_mat.T @ np.linalg.pinv(apa) @ a_mat @ p_inv
    # U = V Δ₁ core Δ₁' V over all groups with V the weights; Γ each NACOV times its share
    left = [d.weights[:, None] * dl for dl, d in zip(delta1, groups, strict=True)]
    ug = [
        [lg @ core @ (lh.T @ (f * d.gamma)) for lh, f, d in zip(left, fg, groups, strict=True)]
        for lg in left
    ]
    n_g = len(groups)
    tr1 = sum(float(np.trace(ug[g][g])) for g in range(n_g))
    tr2 = sum(float(np.sum(ug[g][h] * ug[h][g].T)) for g in range(n_g) for h in range(n_g))
    a = np.sqrt(m / tr2)
    shift = m - a * tr1
    stat = (chisq0 - chisq1) * a + shift
    return float(stat), m, float(chi2_sf(stat, m))


def baseline(groups: list[GroupData], n_thr: int) -> tuple[float, float, int]:
    """The independence model (each group's thresholds free, no correlation): its χ², its
    scaled-and-shifted χ² and df."""
    chisq = sum(float((_weights(d)[n_thr:] * d.stats[n_thr:] ** 2).sum()) for d in groups)
    tr1 = tr2 = 0.0
    for d in groups:
        wg = d.weights[n_thr:, None] * d.gamma[n_thr:, n_thr:]
        tr1 += float(np.trace(wg))
        tr2 += float(np.sum(wg * wg.T))
    df = sum(len(d.stats) - n_thr for d in groups)
    a = np.sqrt(df / tr2)
    return chisq, float(chisq * a + df - a * tr1), df


def srmr(lay: Layout, x: np.ndarray, groups: list[GroupData], model: Model) -> float:
    """lavaan's SRMR for ordinal answers: the root mean square of the correlation residuals
    (over p(p+1)/2 with the diagonal's zeros), each group's weighted by its share of N."""
    total = sum(d.n for d in groups)
    n_thr = len(model.item_of)
    p = len(model.factor_of)
    out = 0.0
    for g, d in enumerate(groups):
        res = d.stats[n_thr:] - model.implied(values(lay, x, g))[n_thr:]
        out += d.n / total * np.sqrt((res**2).sum() / (p * (p + 1) / 2))
    return float(out)


def fit_step(
    step: str,
    lay: Layout,
    groups: list[GroupData],
    model: Model,
    base: tuple[float, float, int],
    prev: tuple[np.ndarray, Layout] | None,
) -> tuple[dict[str, Any], np.ndarray, list[np.ndarray]] | None:
    """One step's row of figures, its estimates and Jacobians; ``None`` if it did not converge."""
    x, chisq, ok = fit(lay, groups, model, start(lay, groups, model, prev))
    if not ok:
        return None
    n_groups = len(groups)
    total = sum(d.n for d in groups)
    df = sum(len(d.stats) for d in groups) - lay.n_free
    dl = deltas(lay, x, model, n_groups)
    scaled, _, _ = scaled_test(chisq, df, dl, groups)
    cfi, tli = _cfi_tli(scaled, df, base[1], base[2])
    n_eff = total - n_groups
    root_g = np.sqrt(n_groups)
    rmsea = float(np.sqrt(max((scaled - df) / (df * n_eff), 0.0)) * root_g)
    lo, up = _rmsea_ci(scaled, df, n_eff)
    row = {
        "step": step,
        "npar": lay.n_free,
        "chisq": chisq,
        "df": int(df),
        "chisq_scaled": scaled,
        "pvalue": float(chi2_sf(scaled, df)),
        "cfi": cfi,
        "tli": tli,
        "rmsea": rmsea,
        "rmsea_ci_lower": lo * root_g,
        "rmsea_ci_upper": up * root_g,
        "srmr": srmr(lay, x, groups, model),
    }
    return row, x, dl


@dataclass
class Categories:
    """Every group's answers as 0-based codes shared by all groups, each item's number of
    thresholds, and which answer options were counted together."""

    parts: list[np.ndarray]
    n_thresholds: list[int]
    merged: list[str]  # sentences: "q4: 5 counted with 4 (no one in C answered 5)"


def categories(parts: list[np.ndarray], items: list[str], labels: list[str]) -> Categories:
    """Prepare the answers of each group for the ordinal model. Every answer option has to be
    used in every group (lavaan stops otherwise: the thresholds of an answer nobody in a group
    chose cannot be estimated there). An option some group never used is counted with its
    neighbour toward the middle of the item's answers, in every group, and said so: the usual
    remedy, which keeps the order of the answers. An item left with fewer than three options
    cannot be modelled (Wu and Estabrook's identification needs three).

    >>> a = np.array([[1, 2], [2, 3], [3, 4], [4, 1], [2, 2]], float)
    >>> b = np.array([[2, 2], [3, 3], [4, 4], [2, 1], [3, 4]], float)
    >>> c = categories([a, b], ["q1", "q2"], ["A", "B"])
    >>> c.n_thresholds, c.merged
    ([2, 3], ['q1: 1 counted with 2 (no one in B answered 1)'])
    >>> c.parts[1][:, 0].tolist()
    [0.0, 1.0, 2.0, 0.0, 1.0]
    """
    out = [np.empty_like(x) for x in parts]
    n_thr: list[int] = []
    merged: list[str] = []
    for j, item in enumerate(items):
        columns = [x[:, j] for x in parts]
        levels = list(np.unique(np.concatenate(columns)))
        target = {v: v for v in levels}  # each answer -> the option it is counted with
        while True:
            kept = sorted(set(target.values()))
            lacking = None
            for col, label in zip(columns, labels, strict=True):
                used = {target[v] for v in np.unique(col)}
                gone = [v for v in kept if v not in used]
                if gone:
                    lacking = (gone[0], label)
                    break
            if lacking is None or len(kept) < 3:
                break
            value, label = lacking
            allv = np.array([target[v] for v in np.concatenate(columns)])
            middle = float(np.median(allv))
            at = kept.index(value)
            into = (
                kept[at + 1]
                if at == 0 or (at < len(kept) - 1 and value < middle)
                else (kept[at - 1])
            )
            for v, t in target.items():
                if t == value:
                    target[v] = into
            merged.append(f"{item}: {value:g} counted with {into:g} (no one in {label} answered "
                          f"{value:g})")  # fmt: skip
        kept = sorted(set(target.values()))
        if len(kept) < 3:
            raise problem(
                "ordinal-two-categories",
                f"{item} has {len(kept)} answer options that every group used: ordinal "
                "invariance needs three or more",
                hint="use --cor pearson, or compare fewer, larger groups",
            )
        code = {v: float(kept.index(t)) for v, t in target.items()}
        for x, o in zip(parts, out, strict=True):
            o[:, j] = [code[v] for v in x[:, j]]
        n_thr.append(len(kept) - 1)
    return Categories(out, n_thr, merged)


def finding(
    kind: str,
    item: int,
    lay: Layout,
    x: np.ndarray,
    model: Model,
    groups: list[str],
    items: list[str],
) -> str:
    """A sentence on a freed item: its value in each group, the most different one named
    (thresholds: their mean, where the item's answers sit on the latent scale)."""
    f = model.factor_of[item]
    values_ = []
    for g in range(len(groups)):
        v = values(lay, x, g)
        if kind == "loadings":
            values_.append(float(v.lam[item] * np.sqrt(v.psi[f, f]) * v.delta[item]))
        elif kind == "intercepts":
            values_.append(float(v.nu[item] * v.delta[item]))
        else:
            own = model.item_of == item
            values_.append(float(((v.tau[own] - v.nu[item]) * v.delta[item]).mean()))
    return differs(items[item], what_of(kind), np.array(values_), groups)


def what_of(kind: str) -> str:
    return {"loadings": "standardized loading", "intercepts": "intercept",
            "thresholds": "mean threshold", "residuals": "residual variance"}[kind]  # fmt: skip


def differs(item: str, what: str, arr: np.ndarray, groups: list[str]) -> str:
    """A freed item's value in each group; with three or more groups the most different one
    named."""

    def num(v: float) -> str:
        return f"{round(float(v), 2) + 0.0:.2f}"  # no "-0.00"

    if len(arr) == 2:
        return (
            f"{item} works differently in {groups[0]} and {groups[1]}: its {what} is "
            f"{num(arr[0])} in {groups[0]} and {num(arr[1])} in {groups[1]}."
        )
    odd = int(np.argmax([abs(a - np.median(np.delete(arr, k))) for k, a in enumerate(arr)]))
    others = ", ".join(f"{groups[k]} {num(arr[k])}" for k in range(len(arr)) if k != odd)
    return (
        f"{item} works differently in {groups[odd]}: its {what} there is {num(arr[odd])} "
        f"({others})."
    )

"""Measurement invariance: can the groups' scores be compared? A multi-group confirmatory factor
analysis of the key, by maximum likelihood, in the usual steps (lavaan ``cfa(model, group = ,
std.lv = TRUE, group.equal = )``):

==============  =================================================================================
step            what is held equal across the groups
==============  =================================================================================
``configural``  nothing: the same items measure the same areas in each group
``metric``      the loadings (the factor variances of the groups after the first are then free)
``scalar``      the loadings and the intercepts (the latent means after the first group free)
``strict``      the loadings, the intercepts and the residual variances
==============  =================================================================================

Each step is compared with the one before by ΔCFI ≥ −.01 and ΔRMSEA ≤ .015 (Chen 2007; Cheung
and Rensvold 2002: conventions, not tests) and by the likelihood-ratio test (lavaan's
``lavTestLRT``). Scalar invariance is what comparing the groups' means needs; metric invariance
lets their relationships (correlations, regressions) be compared; without configural invariance
the areas mean different things to the groups. χ², df, CFI, TLI, RMSEA with its 90% interval and
SRMR equal lavaan 0.6-14 to 1e-6 (``tests/test_invariance_against_r.py``).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> f = rng.normal(size=(600, 2))
>>> x = np.repeat(f, 3, axis=1) * 0.8 + rng.normal(scale=0.6, size=(600, 6))
>>> df = pd.DataFrame(x, columns=[f"q{i}" for i in range(1, 7)])
>>> df["site"] = np.repeat(["North", "South"], 300)
>>> key = {"a": ["q1", "q2", "q3"], "b": ["q4", "q5", "q6"]}
>>> inv = invariance(df, "site", key)
>>> inv.table["step"].tolist(), inv.level
(['configural', 'metric', 'scalar', 'strict'], 'strict')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from ..scoring import Scores
from ..threads import one_blas_thread
from . import ordinal_invariance as ordinal
from ._inputs import item_sets
from .confirmatory import CUTOFFS, _model_of, _newton_polish, _rmsea_ci
from .correlation import check_items, problem
from .distributions import chi2_sf

STEPS = ("configural", "metric", "scalar", "strict")
EQUAL = {
    "configural": frozenset(),
    "metric": frozenset({"loadings"}),
    "scalar": frozenset({"loadings", "intercepts"}),
    "strict": frozenset({"loadings", "intercepts", "residuals"}),
}
#: Chen (2007) for samples over 300: a step holds when CFI drops by at most .01 and RMSEA rises
#: by at most .015
DELTA_CFI = -0.01
DELTA_RMSEA = 0.015

MEANING = {
    "strict": "Scores can be compared across {by}: the items work the same way in every "
    "group, down to their residual variances.",
    "scalar": "Scores can be compared across {by}: the items' loadings and intercepts are the "
    "same in every group, so a difference in the means is a difference in the areas measured.",
    "metric": "Compare relationships but not means across {by}: the loadings are the same in "
    "every group, but the intercepts are not, so a difference in means may come from how an "
    "item is read rather than from the area it measures.",
    "thresholds": "Compare neither means nor relationships across {by}: the answer options "
    "are used the same way in every group, but the items do not weigh the same.",
    "configural": "The areas have the same items in every group of {by}, but the items do not "
    "weigh the same: do not compare the groups' scores, nor their relationships.",
    "none": "The key does not fit every group of {by} even with each group's own figures: the "
    "areas mean different things to these groups, so their scores are not comparable.",
}


#: Chen (2007) simulated groups of 150 to 300: below this the steps' tests are a first look
SMALL_GROUP = 150

#: models with more free parameters are not polished by Newton steps (see :func:`_fit`)
MAX_POLISHED = 300

#: partial invariance refits the model once per item and freed parameter; past this many items
#: the search is left out (with a note)
MAX_PARTIAL_ITEMS = 40


def _finding(
    kind: str,
    item: int,
    lay: _Layout,
    x: np.ndarray,
    groups: list[str],
    items: list[str],
    factor_of: np.ndarray,
    m: int,
) -> str:
    """A sentence on a freed item: its value in each group, the most different one named."""
    values = []
    for g in range(len(groups)):
        lam, psi, theta, nu, _ = _matrices(lay, x, g, factor_of, m)
        if kind == "loadings":
            sigma = lam @ psi @ lam.T + np.diag(theta)
            values.append(float(lam[item, factor_of[item]] * np.sqrt(psi[factor_of[item],
                          factor_of[item]]) / np.sqrt(sigma[item, item])))  # fmt: skip
        elif kind == "intercepts":
            values.append(float(nu[item]))
        else:
            values.append(float(theta[item]))
    return ordinal.differs(items[item], ordinal.what_of(kind), np.array(values), groups)


def _partial_words(
    level: str, by: str, released: Mapping[str, frozenset[int]], items: list[str]
) -> str:
    """What a partial level allows, naming the parameters left free."""
    single = {"thresholds": "thresholds", "loadings": "loading", "intercepts": "intercept",
              "residuals": "residual variance"}  # fmt: skip
    parts = []
    for kind in ("thresholds", "loadings", "intercepts", "residuals"):
        names = [items[i] for i in sorted(released.get(kind, ()))]
        if names:
            what = (
                single[kind] if len(names) == 1 else kind.replace("residuals", "residual variances")
            )
            parts.append(f"the {what} of {' and '.join(names)}")
    freed = " and ".join(parts)
    if set(k for k, v in released.items() if v) == {"residuals"}:  # scalar held in full
        return (
            MEANING["scalar"].format(by=by)
            + f" Strict invariance holds in part: {freed} differ across the groups, so those "
            "items are not equally precise in every group (this does not bar comparing means)."
        )
    allows = (
        "Means can be compared with care: a difference in an area that holds one of these "
        "items may partly come from how the item is read."
        if level in ("scalar", "strict")
        else "Relationships can be compared with care, but not means."
        if level == "metric"
        else "Neither means nor relationships can be compared."
    )
    return (
        f"Partial {level} invariance across {by}: apart from {freed}, left free in each group, "
        f"the items work the same way in every group. {allows}"
    )


@dataclass
class Invariance:
    """Result of :func:`invariance`: one row per step, and what the steps allow."""

    by: str
    groups: dict[str, int]  # group -> respondents used
    table: pd.DataFrame  # step, npar, chisq, df, pvalue, cfi, tli, rmsea (+ CI), srmr, deltas
    level: str  # the last step that holds: strict, scalar, metric, configural or none
    verdict_text: str
    notes: list[str] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)  # groups too small, with their n
    estimator: str = "ml"  # "dwls": ordinal (WLSMV); chisq_scaled and scaled indices

    @property
    def means_comparable(self) -> bool:
        return self.level in ("scalar", "strict")

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "groups": self.groups,
            "left_out": self.left_out,
            "level": self.level,
            "estimator": self.estimator,
            "means_comparable": self.means_comparable,
            "verdict_text": self.verdict_text,
            "steps": self.table.to_dict(orient="records"),
            "notes": self.notes,
        }


@dataclass
class _Layout:
    """Where each group's parameters sit in the free vector (−1: fixed at ``fixed``)."""

    lam: np.ndarray  # (G, p)
    psi: np.ndarray  # (G, m, m)
    theta: np.ndarray  # (G, p)
    nu: np.ndarray  # (G, p)
    alpha: np.ndarray  # (G, m)
    n_free: int


#: the parameters each step holds equal, by the name partial invariance frees them under
KIND = {"metric": "loadings", "scalar": "intercepts", "strict": "residuals"}


def _layout(
    step: str,
    n_groups: int,
    p: int,
    m: int,
    released: Mapping[str, frozenset[int]] | None = None,
) -> _Layout:
    """The free parameters of a step; ``released`` items keep their own loadings, intercepts
    or residual variances in each group (partial invariance)."""
    equal = EQUAL[step]
    free = released or {}
    keys: dict[tuple[Any, ...], int] = {}

    def same(kind: str, i: int) -> bool:
        return kind in equal and i not in free.get(kind, frozenset())

    def slot(kind: str, g: int, *index: int, shared: bool) -> int:
        key = (kind, -1 if shared else g, *index)
        return keys.setdefault(key, len(keys))

    lam = np.empty((n_groups, p), int)
    psi = np.full((n_groups, m, m), -1)
    theta = np.empty((n_groups, p), int)
    nu = np.empty((n_groups, p), int)
    alpha = np.full((n_groups, m), -1)
    for g in range(n_groups):
        for i in range(p):
            lam[g, i] = slot("lam", g, i, shared=same("loadings", i))
        for a in range(m):
            if g > 0 and "loadings" in equal:  # the first group sets the factors' scale
                psi[g, a, a] = slot("psi", g, a, a, shared=False)
            for b in range(a):
                psi[g, a, b] = psi[g, b, a] = slot("psi", g, a, b, shared=False)
            if g > 0 and "intercepts" in equal:
                alpha[g, a] = slot("alpha", g, a, shared=False)
        for i in range(p):
            theta[g, i] = slot("theta", g, i, shared=same("residuals", i))
            nu[g, i] = slot("nu", g, i, shared=same("intercepts", i))
    return _Layout(lam, psi, theta, nu, alpha, len(keys))


def _matrices(
    lay: _Layout, x: np.ndarray, g: int, factor_of: np.ndarray, m: int
) -> tuple[np.ndarray, ...]:
    p = len(factor_of)
    lam = np.zeros((p, m))
    lam[np.arange(p), factor_of] = x[lay.lam[g]]
    psi = np.where(lay.psi[g] >= 0, x[np.maximum(lay.psi[g], 0)], np.eye(m))
    theta = x[lay.theta[g]]
    nu = x[lay.nu[g]]
    alpha = np.where(lay.alpha[g] >= 0, x[np.maximum(lay.alpha[g], 0)], 0.0)
    return lam, psi, theta, nu, alpha


def _fit(
    lay: _Layout,
    stats: list[tuple[int, np.ndarray, np.ndarray]],
    factor_of: np.ndarray,
    m: int,
    start: np.ndarray | None,
) -> tuple[np.ndarray, float, bool]:
    """Minimize Σ_g N_g F_ML,g with a mean structure; ``start`` from the step before."""
    p = len(factor_of)
    logdet_s = [np.linalg.slogdet(s)[1] for _, s, _ in stats]

    def loss(x: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros_like(x)
        for g, (n, s, mean) in enumerate(stats):
            lam, psi, theta, nu, alpha = _matrices(lay, x, g, factor_of, m)
            sigma = lam @ psi @ lam.T + np.diag(theta)
            try:
                c = np.linalg.cholesky(sigma)
            except np.linalg.LinAlgError:
                return 1e10, np.zeros_like(x)
            inv = np.linalg.inv(sigma)
            d = mean - (nu + lam @ alpha)
            f = 2 * np.log(np.diag(c)).sum() + float(np.sum(s * inv)) - logdet_s[g] - p
            f += float(d @ inv @ d)
            total += n * f
            gs = inv - inv @ (s + np.outer(d, d)) @ inv  # dF/dΣ
            gm = -2 * inv @ d  # dF/dμ
            d_lam = 2 * gs @ lam @ psi + np.outer(gm, alpha)
            np.add.at(grad, lay.lam[g], n * d_lam[np.arange(p), factor_of])
            d_psi = lam.T @ gs @ lam
            free = lay.psi[g] >= 0
            low = np.tril(free)  # each free element once: off-diagonals counted twice
            scale = np.where(np.eye(m, dtype=bool), 1.0, 2.0)
            np.add.at(grad, lay.psi[g][low], n * (d_psi * scale)[low])
            np.add.at(grad, lay.theta[g], n * np.diag(gs))
            np.add.at(grad, lay.nu[g], n * gm)
            fa = lay.alpha[g] >= 0
            np.add.at(grad, lay.alpha[g][fa], n * (lam.T @ gm)[fa])
        return total, grad

    x0 = np.zeros(lay.n_free) if start is None else start
    if start is None:
        pooled = sum(n * s for n, s, _ in stats) / sum(n for n, _, _ in stats)
        sd = np.sqrt(np.diag(pooled))
        for g, (_, _, mean) in enumerate(stats):
            x0[lay.lam[g]] = 0.7 * sd
            x0[lay.theta[g]] = 0.5 * sd**2
            x0[lay.nu[g]] = mean
            off = lay.psi[g][np.tril_indices(m, -1)]
            x0[off[off >= 0]] = 0.3
            diag = np.diag(lay.psi[g])
            x0[diag[diag >= 0]] = 1.0
    fit = optimize.minimize(
        loss,
        x0,
        jac=True,
        method="L-BFGS-B",
        options={"ftol": 1e-16, "gtol": 1e-10, "maxiter": 5000, "maxcor": 30},
    )
    # a few Newton steps on a finite-difference Hessian settle the parameters far below the
    # reported precision; past a few hundred parameters (ORCA across 4 groups has 1,600) they
    # cost 2 gradients per parameter each, while χ² and the indices, flat at the optimum, are
    # already settled by L-BFGS
    x = _newton_polish(loss, fit.x, steps=4) if lay.n_free <= MAX_POLISHED else fit.x
    f, grad = loss(x)
    ok = bool(np.isfinite(f) and f < 1e9 and np.abs(grad).max() < 1e-4 * max(1.0, f))
    return x, f, ok


def _carry(prev: tuple[np.ndarray, _Layout] | None, lay: _Layout) -> np.ndarray | None:
    """Start a step from the step before: each new slot takes the mean of the old values."""
    if prev is None:
        return None
    old_x, old = prev
    x = np.zeros(lay.n_free)
    count = np.zeros(lay.n_free)
    for new_pos, old_pos in (
        (lay.lam, old.lam),
        (lay.theta, old.theta),
        (lay.nu, old.nu),
        (lay.psi, old.psi),
        (lay.alpha, old.alpha),
    ):
        keep = (new_pos >= 0) & (old_pos >= 0)
        np.add.at(x, new_pos[keep], old_x[old_pos[keep]])
        np.add.at(count, new_pos[keep], 1)
    fresh = count == 0
    x[~fresh] /= count[~fresh]
    x[fresh] = 1.0  # a factor variance newly freed; latent means start at 0 below
    for g in range(lay.alpha.shape[0]):
        a = lay.alpha[g]
        x[a[(a >= 0) & fresh[np.maximum(a, 0)]]] = 0.0
    return x


def _srmr(
    lay: _Layout,
    x: np.ndarray,
    stats: list[tuple[int, np.ndarray, np.ndarray]],
    factor_of: np.ndarray,
    m: int,
) -> float:
    """lavaan's SRMR (Bentler's) with a mean structure: the residuals of the covariances (the
    diagonal included) and of the means, divided by the sample standard deviations, each
    group's weighted by its share of N."""
    total_n = sum(n for n, _, _ in stats)
    out = 0.0
    p = len(factor_of)
    for g, (n, s, mean) in enumerate(stats):
        lam, psi, theta, nu, alpha = _matrices(lay, x, g, factor_of, m)
        sigma = lam @ psi @ lam.T + np.diag(theta)
        sd_s = np.sqrt(np.diag(s))
        res = (s - sigma) / np.outer(sd_s, sd_s)
        mres = (mean - (nu + lam @ alpha)) / sd_s
        low = np.tril_indices(p)
        value = np.sqrt(((res[low] ** 2).sum() + (mres**2).sum()) / (p * (p + 1) / 2 + p))
        out += n / total_n * value
    return float(out)


@one_blas_thread
def invariance(
    data: Scores | pd.DataFrame,
    by: str | pd.Series,
    domains: Mapping[str, Sequence[str]] | None = None,
    *,
    steps: Sequence[str] | None = None,
    min_group_size: int = 0,
    partial: bool = True,
    estimator: str = "ml",
) -> Invariance:
    """Step through configural, metric, scalar and strict invariance of the key across the
    groups of ``by`` (see the module's description).

    Parameters
    ----------
    data
        :class:`Scores` or a DataFrame of numeric items (with ``domains``).
    by
        The grouping column (site, role, perspective, wave) or a Series of group labels.
    steps
        The steps to fit, in order (``strict`` is optional in the literature); by default
        every step of the estimator's.
    min_group_size
        Groups with fewer respondents are left out, with a note; a group is also left out
        when it has fewer complete answers than the free parameters of its own model.
    partial
        When a step fails, free the items that differ one at a time (the one whose equality
        costs most χ² first, up to a third of the items) until it holds, and say which items
        work differently in which group; the steps stop at one that fails even so. With
        ``False`` every step is fitted as it is, whether or not the one before held.
    estimator
        ``"ml"``: maximum likelihood on the answers as numbers (configural, metric, scalar,
        strict). ``"dwls"``: the answers as ordered categories, by DWLS on each group's
        polychoric correlations and thresholds with lavaan's WLSMV tests, identified as Wu
        and Estabrook (2016) propose (configural, thresholds, metric, scalar; see
        :mod:`.ordinal_invariance`). Every answer category must be used in every group.

    Raises
    ------
    ResponseError
        Fewer than two groups to compare, or a model that cannot be estimated.
    """
    matrix, sets, _ = item_sets(data, domains)
    model, notes = _model_of(sets, list(matrix.columns))
    if isinstance(by, str):
        frame = data.respondents if isinstance(data, Scores) else data
        if by not in frame.columns:
            raise problem("unknown-group", f"there is no column {by!r} to compare groups by")
        labels = frame[by].reindex(matrix.index)
        name = by
    else:
        labels = by.reindex(matrix.index)
        name = str(by.name or "group")
    x = matrix[model.items].apply(pd.to_numeric, errors="coerce").astype(float)
    complete = x.notna().all(axis=1) & labels.notna()
    dropped = int((~complete).sum())
    if dropped:
        notes.append(
            f"{dropped} respondents without an answer to every item (or without a group) left "
            "out: the multi-group model uses complete answers (listwise, lavaan's default)."
        )
    if estimator not in ("ml", "dwls"):
        raise problem("unknown-estimator", f"no estimator {estimator!r}: use 'ml' or 'dwls'")
    p, m = model.p, model.m
    if estimator == "dwls" and p > ordinal.MAX_ORDINAL_ITEMS:
        raise problem(
            "too-many-ordinal-items",
            f"the ordinal multi-group model is computed for up to {ordinal.MAX_ORDINAL_ITEMS} "
            f"items; this key has {p}",
            hint="use estimator='ml', or check each domain on its own (invariance_by_domain)",
        )
    if estimator == "dwls":  # loadings, thresholds, factor correlations
        n_thr = int(sum(x.loc[complete, c].nunique() - 1 for c in model.items))
        per_group = p + n_thr + m * (m - 1) // 2
    else:  # loadings, residuals, correlations, intercepts
        per_group = p + p + m * (m - 1) // 2 + p
    stats: list[tuple[int, np.ndarray, np.ndarray]] = []
    raw: list[np.ndarray] = []
    groups: dict[str, int] = {}
    left_out: dict[str, int] = {}
    for label, part in x[complete].groupby(labels[complete].astype(str), sort=True):
        n = len(part)
        if n < max(min_group_size, per_group + 1):
            left_out[str(label)] = n
            continue
        values = part.to_numpy(float)
        check_items(part, complete=True)
        cov = np.cov(values, rowvar=False, bias=True)
        stats.append((n, cov, values.mean(axis=0)))
        raw.append(values)
        groups[str(label)] = n
    if left_out:
        notes.append(
            "Left out as too small for a model of their own ("
            + ", ".join(f"{g} {n}" for g, n in left_out.items())
            + f"): each group needs more complete answers than its {per_group} parameters"
            + (f" and at least {min_group_size}" if min_group_size else "")
            + "."
        )
    if stats and min(n for n, _, _ in stats) < SMALL_GROUP:
        notes.append(
            f"A group has fewer than {SMALL_GROUP} complete answers: the steps' tests have "
            "little power and ΔCFI and ΔRMSEA vary from sample to sample, so read the verdict "
            "as a first look."
        )
    if len(stats) < 2:
        raise problem(
            "too-few-groups",
            f"invariance needs two groups of {name} with enough complete answers; "
            f"{len(stats)} had them"
            + (
                " (too small: "
                + ", ".join(f"{g} {n}" for g, n in left_out.items())
                + f"; each group needs more complete answers than its {per_group} parameters)"
                if left_out
                else ""
            ),
            hint="compare fewer, larger groups (merge small sites), or collect more answers",
        )
    if estimator == "dwls":
        ordered = _OrdinalBackend(raw, list(groups), model)
        back: _Backend = ordered
        merged = ordered.merged
        if merged:
            shown = "; ".join(merged[:8]) + (
                f"; and {len(merged) - 8} more" if len(merged) > 8 else ""
            )
            notes.append(
                "Every answer option must be used in every group for the ordinal model, so an "
                f"option a group never chose is counted with its neighbour: {shown}."
            )
    else:
        back = _NormalBackend(stats, model)
    if steps is None:
        steps = back.steps
    elif estimator == "dwls" and "strict" in steps:
        notes.append(
            "No strict step for ordinal answers: their residual variances are not free "
            "parameters in the delta parameterization (Wu and Estabrook 2016)."
        )
    steps = [s for s in steps if s in back.steps]
    return _step_through(back, steps, name, groups, model.items, notes, left_out, partial)


class _Backend:
    """What the step loop needs of an estimator: its steps, each step's free parameters
    (``released`` items keep their own), a fit's row of figures, the test against the step
    before, and a sentence on a freed item."""

    steps: tuple[str, ...]
    kind: Mapping[str, str]

    def layout(self, step: str, released: Mapping[str, frozenset[int]]) -> Any:
        raise NotImplementedError

    def fit(self, step: str, lay: Any, prev: Any) -> tuple[dict[str, Any], Any] | None:
        """The step's row (χ², df, cfi, tli, rmsea with its interval, srmr) and its state
        (what the next step starts from); ``None`` when it did not converge."""
        raise NotImplementedError

    def chisq(self, lay: Any, prev: Any) -> float | None:
        """χ² of a trial fit (for the partial search), ``None`` when it did not converge."""
        raise NotImplementedError

    def difference(self, row: dict[str, Any], state: Any, before: dict[str, Any],
                   before_state: Any) -> tuple[float, float]:  # fmt: skip
        raise NotImplementedError

    def finding(self, kind: str, item: int, state: Any, groups: list[str]) -> str:
        raise NotImplementedError


class _NormalBackend(_Backend):
    """Maximum likelihood on the answers as numbers (means and covariances)."""

    steps = STEPS
    kind = KIND

    def __init__(self, stats: list[tuple[int, np.ndarray, np.ndarray]], model: Any) -> None:
        self.stats = stats
        self.model = model
        p = model.p
        self.n_groups = len(stats)
        self.total_n = sum(n for n, _, _ in stats)
        self.moments = self.n_groups * (p * (p + 1) // 2 + p)
        # the baseline: each group's own means and variances, no covariances
        self.baseline = sum(
            n * (np.log(np.diag(s)).sum() - np.linalg.slogdet(s)[1]) for n, s, _ in stats
        )
        self.baseline_df = self.n_groups * p * (p - 1) // 2

    def layout(self, step: str, released: Mapping[str, frozenset[int]]) -> _Layout:
        return _layout(step, self.n_groups, self.model.p, self.model.m, released)

    def fit(
        self, step: str, lay: _Layout, prev: Any
    ) -> tuple[dict[str, Any], tuple[np.ndarray, _Layout]] | None:
        m, factor_of = self.model.m, self.model.factor_of
        theta, chisq, ok = _fit(lay, self.stats, factor_of, m, _carry(prev, lay))
        if not ok:
            return None
        df = self.moments - lay.n_free
        base, base_df = self.baseline, self.baseline_df
        cfi_den = max(chisq - df, base - base_df, 0.0)
        cfi = 1.0 - max(chisq - df, 0.0) / cfi_den if cfi_den > 0 else 1.0
        tli = ((base / base_df) - (chisq / df)) / ((base / base_df) - 1.0)
        root_g = np.sqrt(self.n_groups)
        rmsea = float(np.sqrt(max(chisq - df, 0.0) / (df * self.total_n)) * root_g)
        lo, up = _rmsea_ci(chisq, df, self.total_n)
        row = {
            "step": step,
            "npar": lay.n_free,
            "chisq": float(chisq),
            "df": int(df),
            "pvalue": float(chi2_sf(chisq, df)),
            "cfi": float(cfi),
            "tli": float(tli),
            "rmsea": rmsea,
            "rmsea_ci_lower": lo * root_g,
            "rmsea_ci_upper": up * root_g,
            "srmr": _srmr(lay, theta, self.stats, factor_of, m),
        }
        return row, (theta, lay)

    def chisq(self, lay: _Layout, prev: Any) -> float | None:
        _, chisq, ok = _fit(lay, self.stats, self.model.factor_of, self.model.m, _carry(prev, lay))
        return chisq if ok else None

    def difference(self, row: dict[str, Any], state: Any, before: dict[str, Any],
                   before_state: Any) -> tuple[float, float]:  # fmt: skip
        diff = row["chisq"] - before["chisq"]
        return diff, float(chi2_sf(diff, row["df"] - before["df"]))

    def finding(self, kind: str, item: int, state: Any, groups: list[str]) -> str:
        x, lay = state
        return _finding(kind, item, lay, x, groups, self.model.items, self.model.factor_of,
                        self.model.m)  # fmt: skip


class _OrdinalBackend(_Backend):
    """DWLS on each group's polychoric correlations and thresholds, with lavaan's WLSMV test
    (:mod:`.ordinal_invariance`)."""

    steps = ordinal.STEPS
    kind = ordinal.KIND

    def __init__(self, parts: list[np.ndarray], labels: list[str], model: Any) -> None:
        cats = ordinal.categories(parts, model.items, labels)
        self.n_thr = cats.n_thresholds
        self.merged = cats.merged
        self.groups = [ordinal.group_data(x) for x in cats.parts]
        self.model = ordinal.Model(model.factor_of, self.n_thr, model.m)
        self.items = model.items
        self.base = ordinal.baseline(self.groups, sum(self.n_thr))

    def layout(self, step: str, released: Mapping[str, frozenset[int]]) -> ordinal.Layout:
        return ordinal.layout(
            step, len(self.groups), self.model.factor_of, self.n_thr, self.model.m, released
        )

    def fit(self, step: str, lay: ordinal.Layout, prev: Any) -> tuple[dict[str, Any], Any] | None:
        out = ordinal.fit_step(step, lay, self.groups, self.model, self.base, _state(prev))
        if out is None:
            return None
        row, x, dl = out
        return row, (x, lay, dl)

    def chisq(self, lay: ordinal.Layout, prev: Any) -> float | None:
        x0 = ordinal.start(lay, self.groups, self.model, _state(prev))
        _, chisq, ok = ordinal.fit(lay, self.groups, self.model, x0)
        return chisq if ok else None

    def difference(self, row: dict[str, Any], state: Any, before: dict[str, Any],
                   before_state: Any) -> tuple[float, float]:  # fmt: skip
        stat, _, p = ordinal.difference_test(
            before["chisq"], before["df"], before_state[2], row["chisq"], row["df"], state[2],
            self.groups,
        )  # fmt: skip
        return stat, p

    def finding(self, kind: str, item: int, state: Any, groups: list[str]) -> str:
        x, lay, _ = state
        return ordinal.finding(kind, item, lay, x, self.model, groups, self.items)


def _state(prev: Any) -> tuple[np.ndarray, Any] | None:
    return None if prev is None else (prev[0], prev[1])


def _step_through(
    back: _Backend,
    steps: Sequence[str],
    name: str,
    groups: dict[str, int],
    items: list[str],
    notes: list[str],
    left_out: dict[str, int],
    partial: bool,
) -> Invariance:
    """Fit the steps in order, each judged against the last one that held; when one fails,
    free its items one at a time (partial invariance), the one whose equality costs most χ²
    first, up to a third of the items."""
    p = len(items)

    def row_of(step: str, lay: Any, prev: Any) -> tuple[dict[str, Any], Any]:
        out = back.fit(step, lay, prev)
        if out is None:
            raise problem(
                "not-converged",
                f"the {step} model across {name} did not converge; no fit is reported",
                hint="compare fewer groups, or check items with little variation in a group",
            )
        row, state = out
        row["freed"] = "; ".join(
            f"{kind} of " + ", ".join(items[i] for i in sorted(released[kind]))
            for kind in ("thresholds", "loadings", "intercepts", "residuals")
            if released.get(kind)
        )
        return row, state

    def compare(row: dict[str, Any], state: Any) -> None:
        if accepted is None:
            row.update(delta_cfi=np.nan, delta_rmsea=np.nan, chisq_diff=np.nan, df_diff=np.nan,
                       p_diff=np.nan)  # fmt: skip
            ok = CUTOFFS["acceptable"]
            row["holds"] = bool(row["cfi"] >= ok["cfi"] and row["rmsea"] <= ok["rmsea"])
            return
        before, before_state = accepted
        row["delta_cfi"] = row["cfi"] - before["cfi"]
        row["delta_rmsea"] = row["rmsea"] - before["rmsea"]
        row["chisq_diff"], row["p_diff"] = back.difference(row, state, before, before_state)
        row["df_diff"] = row["df"] - before["df"]
        row["holds"] = bool(
            before["holds"] and row["delta_cfi"] >= DELTA_CFI and row["delta_rmsea"] <= DELTA_RMSEA
        )

    rows: list[dict[str, Any]] = []
    released: dict[str, frozenset[int]] = {}
    accepted: tuple[dict[str, Any], Any] | None = None  # the last step that holds, its state
    findings: list[str] = []
    level = "none"
    partial_level = False
    for step in steps:
        prev = None if accepted is None else accepted[1]
        lay = back.layout(step, released)
        row, state = row_of(step, lay, prev)
        compare(row, state)
        rows.append(row)
        kind = back.kind.get(step)
        if not partial:
            if row["holds"]:
                level = step
            accepted = (row, state)
            continue
        if not row["holds"] and kind and accepted is not None and p <= MAX_PARTIAL_ITEMS:
            tried = row
            while not tried["holds"] and len(released.get(kind, ())) < p // 3:
                best = None
                for i in range(p):
                    if i in released.get(kind, frozenset()):
                        continue
                    trial = {**released, kind: released.get(kind, frozenset()) | {i}}
                    t_chisq = back.chisq(back.layout(step, trial), prev)
                    if t_chisq is not None and (best is None or t_chisq < best[0]):
                        best = (t_chisq, i, trial)
                if best is None:
                    break
                released = best[2]
                lay = back.layout(step, released)
                tried, state = row_of(step, lay, prev)
                tried["step"] = f"{step} (partial)"
                compare(tried, state)
                rows.append(tried)
                findings.append(back.finding(kind, best[1], state, list(groups)))
            row = tried
        if not row["holds"]:
            break
        accepted = (row, state)
        level = step
        partial_level = bool(row["freed"])
    table = pd.DataFrame(rows)
    text = MEANING[level].format(by=name)
    if partial_level:
        text = _partial_words(level, name, released, items)
    if findings:
        text += " " + " ".join(findings)
    scaled = "scaled " if isinstance(back, _OrdinalBackend) else ""
    text += (
        f" Each step is judged by {scaled}ΔCFI ≥ −.01 and ΔRMSEA ≤ .015 against the step before "
        "(Chen 2007; Cheung and Rensvold 2002), and the configural model by CFI ≥ .90 and "
        "RMSEA ≤ .08: these are conventions, not tests; the "
        + ("scaled difference tests" if scaled else "likelihood-ratio tests")
        + " are in the table."
    )
    if p > MAX_PARTIAL_ITEMS and not table["holds"].all():
        notes.append(
            f"No search for the items that differ (partial invariance) with more than "
            f"{MAX_PARTIAL_ITEMS} items: it refits the model once per item."
        )
    estimator = "dwls" if isinstance(back, _OrdinalBackend) else "ml"
    return Invariance(name, groups, table, level, text, notes, left_out, estimator)


def invariance_for(
    data: Scores | pd.DataFrame,
    by: str | pd.Series,
    domains: Mapping[str, Sequence[str]] | None = None,
    *,
    cor: str = "pearson",
    **options: Any,
) -> Invariance:
    """:func:`invariance` with the estimator that goes with the correlations of the structure
    check: ``"polychoric"`` gives the ordinal model (DWLS, WLSMV), and falls back to maximum
    likelihood, saying why, when the answers cannot be modelled as ordered categories (an
    answer a group never gave, items of two answers, more than ``MAX_ORDINAL_ITEMS`` items).
    """
    from ..errors import AssessmentError

    if cor != "polychoric":
        return invariance(data, by, domains, **options)
    matrix, _, _ = item_sets(data, domains)
    why = ""
    if matrix.shape[1] > ordinal.MAX_ORDINAL_ITEMS:
        why = (
            f"the key has {matrix.shape[1]} items, more than the {ordinal.MAX_ORDINAL_ITEMS} "
            "the ordinal multi-group model is computed for"
        )
    else:
        try:
            return invariance(data, by, domains, estimator="dwls", **options)
        except AssessmentError as err:
            codes = {p.code for p in err.problems}
            if not codes & {"empty-category", "ordinal-two-categories"}:
                raise
            why = "; ".join(p.message for p in err.problems)
    out = invariance(data, by, domains, **options)
    out.notes.insert(
        0,
        f"Measurement invariance is estimated by maximum likelihood on the answers as numbers, "
        f"not as ordered categories: {why}.",
    )
    return out


@dataclass
class DomainInvariance:
    """:func:`invariance_by_domain`: each factor's own steps, in one table with a ``domain``
    column, and each factor's level."""

    by: str
    results: dict[str, Invariance]
    problems: dict[str, str]  # domain -> why it could not be estimated

    @property
    def table(self) -> pd.DataFrame:
        parts = [r.table.assign(domain=d) for d, r in self.results.items()]
        if not parts:
            return pd.DataFrame(columns=["domain", "step"])
        out = pd.concat(parts, ignore_index=True)
        return out[["domain", *[c for c in out.columns if c != "domain"]]]

    @property
    def levels(self) -> dict[str, str]:
        return {d: r.level for d, r in self.results.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "per_domain": {d: r.to_dict() for d, r in self.results.items()},
            "problems": self.problems,
        }


def invariance_by_domain(
    data: Scores | pd.DataFrame,
    by: str | pd.Series,
    domains: Mapping[str, Sequence[str]] | None = None,
    **options: Any,
) -> DomainInvariance:
    """:func:`invariance` of each factor on its own (a one-factor model of its items): for
    groups too small for the whole key's multi-group model (the RSA's perspectives: 32 matched
    practices need more than 106 complete answers per group, a factor of 6 items 19). A factor
    of fewer than three items cannot be tested alone and is said so."""
    from ..errors import AssessmentError

    _, sets, _ = item_sets(data, domains)
    results: dict[str, Invariance] = {}
    problems: dict[str, str] = {}
    for dom, items in sets.items():
        if len(items) < 3:
            problems[dom] = f"{len(items)} item(s): a factor needs three to be tested alone"
            continue
        try:
            results[dom] = invariance_for(data, by, {dom: list(items)}, **options)
        except AssessmentError as err:
            problems[dom] = "; ".join(p.message for p in err.problems)
    name = by if isinstance(by, str) else str(by.name or "group")
    return DomainInvariance(name, results, problems)

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
from functools import partial
from typing import Any

import pandas as pd

from ..errors import Problem, ResponseError
from ..scoring import Scores
from ..threads import one_blas_thread
from ._inputs import DEFAULT_MIN_GROUP_SIZE, group_labels, item_sets, suppressed_groups
from .confirmatory import CFA, Estimator, Missing, cfa
from .correlation import Correlation
from .exploratory import EFA, Extraction, ParallelAnalysis, Rotation, efa, parallel_analysis

__all__ = [
    "CFA",
    "EFA",
    "ParallelAnalysis",
    "Structure",
    "cfa",
    "efa",
    "parallel_analysis",
    "structure",
    "structure_tables",
]


# ------------------------------------------------------------------------- all three at once


@dataclass
class Structure:
    """Parallel analysis, EFA and CFA of one group (``group`` is ``"all"`` without ``by``).

    A part that could not be estimated is None, with the reason in ``problems``.
    """

    group: Any
    n: int
    parallel: ParallelAnalysis | None
    efa: EFA | None
    cfa: CFA | None
    suppressed: bool = False
    problems: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "n": self.n,
            "suppressed": self.suppressed,
            "parallel": self.parallel.to_dict() if self.parallel else None,
            "efa": self.efa.to_dict() if self.efa else None,
            "cfa": self.cfa.to_dict() if self.cfa else None,
            "problems": self.problems,
        }


def max_structure_items() -> int:
    """``ASSESS_MAX_STRUCTURE_ITEMS`` (default 150): the most items a structure check takes.
    ORCA, the largest shipped instrument, has 77."""
    import os

    try:
        return max(2, int(os.environ.get("ASSESS_MAX_STRUCTURE_ITEMS", "150")))
    except ValueError:
        return 150


@one_blas_thread
def structure(
    data: Scores | pd.DataFrame,
    domains: Mapping[str, Sequence[str]] | None = None,
    by: str | None = None,
    *,
    n_factors: int | None = None,
    fm: Extraction = "minres",
    rotate: Rotation = "oblimin",
    cor: Correlation = "pearson",
    missing: Missing = "pairwise",
    n_iter: int = 20,
    seed: int | None = 20261201,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    strict: bool | None = None,
) -> list[Structure]:
    """Parallel analysis, EFA and CFA of the key, for all respondents or per group.

    The EFA uses ``n_factors`` or, without it, the parallel analysis' suggestion (at least
    1). The CFA uses ML with ``cor="pearson"`` and DWLS on polychoric correlations with
    ``cor="polychoric"``. Groups smaller than ``min_group_size`` are suppressed (with the
    toolkit's complementary suppression). With ``strict`` (the default without ``by``), a
    part that cannot be estimated raises its :class:`ResponseError`; otherwise the reason is
    kept in ``problems`` and the other parts are still given. An instrument without a key
    (the RSA before ``--key``) still gets the parallel analysis and the EFA of all its items;
    its CFA is in ``problems`` as ``no-domains``.
    """
    matrix, sets, _ = item_sets(data, domains)
    frame = data.respondents if isinstance(data, Scores) else data
    if cor == "polychoric" and isinstance(data, Scores):
        ranged = [s.name for s in data.instrument.scales.values() if s.is_range]
        if ranged:
            raise ResponseError(
                Problem(
                    "not-ordinal",
                    "polychoric correlations are for answers on a few ordered points; this "
                    "instrument's answers are numbers in a range (" + ", ".join(ranged) + ")",
                    expected="--cor pearson for numbers in a range",
                    hint="use --cor pearson (the default)",
                )
            )
    strict = by is None if strict is None else strict
    groups = group_labels(frame, by)
    items = list(dict.fromkeys(c for v in sets.values() for c in v))
    if not items and isinstance(data, Scores):  # no key (RSA): explore every item
        items = [c for c in data.instrument.item_ids if c in matrix.columns]
    limit = max_structure_items()
    if len(items) > limit:  # bounded before any work: 500 items ran for many minutes
        raise ResponseError(
            Problem(
                "too-many-items",
                f"{len(items)} items are more than a structure check takes (at most {limit}): "
                "the factor analyses would run for a very long time",
                value=len(items),
                expected=f"at most {limit} items",
                hint="check a subset of the domains (a definition file with only those), or "
                "raise the limit with ASSESS_MAX_STRUCTURE_ITEMS",
            )
        )
    sizes = {g: int((groups == g).sum()) for g in pd.unique(groups.dropna())}
    hidden = set(suppressed_groups(sizes, min_group_size)) if by is not None else set()
    out = []
    for g, size in sizes.items():
        if g in hidden:
            out.append(Structure(g, size, None, None, None, suppressed=True))
            continue
        part = matrix.loc[(groups == g).to_numpy(), items]
        result = Structure(g, size, None, None, None)

        def attempt(name: str, run: Any, result: Structure = result) -> Any:
            try:
                return run()
            except ResponseError as err:
                if strict and not (name == "cfa" and err.codes == ["no-domains"]):
                    raise
                result.problems[name] = str(err)
                return None

        result.parallel = attempt(
            "parallel", partial(parallel_analysis, part, cor=cor, n_iter=n_iter, seed=seed)
        )
        k = n_factors or (max(result.parallel.suggested_factors, 1) if result.parallel else 1)
        result.efa = attempt("efa", partial(efa, part, k, fm=fm, rotate=rotate, cor=cor))
        estimator: Estimator = "dwls" if cor == "polychoric" else "ml"
        result.cfa = attempt("cfa", partial(cfa, part, sets, estimator=estimator, missing=missing))
        out.append(result)
    return out


def structure_tables(results: Sequence[Structure]) -> dict[str, pd.DataFrame]:
    """Tidy tables of :func:`structure` results, for ``-o`` and the report workbook:
    ``fit`` (one row per group), ``loadings`` (CFA), ``factor_correlations`` (CFA, long),
    ``efa_loadings`` (long), ``parallel`` (long)."""
    fit, load, phi, eload, par = [], [], [], [], []
    for res in results:
        g = res.group
        if res.cfa is not None:
            row = res.cfa.fit_table().iloc[0].to_dict()
            fit.append({"group": g, **row})
            load.append(res.cfa.loadings.assign(group=g))
            names = list(res.cfa.factor_correlations.index)
            phi += [
                {
                    "group": g,
                    "domain1": a,
                    "domain2": b,
                    "r": float(res.cfa.factor_correlations.loc[a, b]),
                }
                for i, a in enumerate(names)
                for b in names[i + 1 :]
            ]
        else:
            fit.append(
                {
                    "group": g,
                    "n": res.n,
                    "verdict": "suppressed" if res.suppressed else "not estimated",
                }
            )
        if res.efa is not None:
            long = res.efa.loadings.reset_index(names="item").melt(
                id_vars="item", var_name="factor", value_name="loading"
            )
            eload.append(long.assign(group=g))
        if res.parallel is not None:
            par.append(res.parallel.table().assign(group=g))

    def stack(parts: list[pd.DataFrame], cols: list[str]) -> pd.DataFrame:
        if not parts:
            return pd.DataFrame(columns=cols)
        df = pd.concat(parts, ignore_index=True)
        return df[["group", *[c for c in df.columns if c != "group"]]]

    return {
        "fit": pd.DataFrame(fit),
        "loadings": stack(load, ["group", "domain", "item", "std_loading", "weak"]),
        "factor_correlations": pd.DataFrame(phi, columns=["group", "domain1", "domain2", "r"]),
        "efa_loadings": stack(eload, ["group", "item", "factor", "loading"]),
        "parallel": stack(par, ["group", "number", "eigen_data", "resampled_fa"]),
    }

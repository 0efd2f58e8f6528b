"""Structure checks against R: psych 2.2.9 (fa.parallel, fa), lavaan 0.6-14 (cfa, lavCor) and
GPArotation 2022.10 on the 25 bfi items and a small 3-factor instrument on a 1-4 scale.

The reference files are written by ``tests/data/reference/structure/make_structure_reference.R``
(versions.txt beside it); the tests do not need R. Tolerances are those the issue asks for:
loadings 1e-4 (up to column order and sign for EFA), fit indices 1e-4, χ² 1e-3 relative; the
agreement reached is far closer (about 1e-6), so the tolerances leave no room for a real error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from assessments.stats.polychoric import asymptotic_variances, bvn_cdf, polychoric
from assessments.stats.structure import cfa, efa, parallel_analysis

HERE = Path(__file__).parent / "data" / "reference"
REF = HERE / "structure"
ITEMS = [f"{s}{i}" for s in "ACENO" for i in range(1, 6)]
BFI = {
    "agreeableness": ITEMS[0:5],
    "conscientiousness": ITEMS[5:10],
    "extraversion": ITEMS[10:15],
    "neuroticism": ITEMS[15:20],
    "openness": ITEMS[20:25],
}
SMALL = {
    "first": ["q1", "q2", "q3", "q4"],
    "second": ["q5", "q6", "q7"],
    "third": ["q8", "q9", "q10"],
}
FIT = {
    "chisq": "chisq",
    "df": "df",
    "pvalue": "pvalue",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea_ci_lower": "rmsea.ci.lower",
    "rmsea_ci_upper": "rmsea.ci.upper",
    "srmr": "srmr",
    "baseline_chisq": "baseline.chisq",
    "n": "ntotal",
}


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return pd.read_csv(HERE / "bfi" / "data.csv")[ITEMS]


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return pd.read_csv(REF / "small_data.csv")


CASES = [
    ("ml", "listwise", "ml", "bfi"),
    ("ml", "pairwise", "ml_pairwise", "bfi"),
    ("dwls", "listwise", "dwls", "bfi"),
    ("dwls", "pairwise", "dwls_pairwise", "bfi"),
    ("ml", "listwise", "small_ml", "small"),
    ("dwls", "listwise", "small_dwls", "small"),
]


@pytest.mark.parametrize(("estimator", "missing", "tag", "data"), CASES)
def test_cfa_matches_lavaan(request, estimator, missing, tag, data):
    """lavaan ``cfa(model, std.lv = TRUE)``: fitMeasures, standardizedSolution, residuals."""
    x = request.getfixturevalue(data)
    domains = BFI if data == "bfi" else SMALL
    fit = cfa(x, domains, estimator=estimator, missing=missing)
    expected = pd.read_csv(REF / f"cfa_{tag}_fit.csv").set_index("measure")["value"]
    for ours, theirs in FIT.items():
        got, want = getattr(fit, ours), expected[theirs]
        if ours in ("chisq", "baseline_chisq"):
            assert got == pytest.approx(want, rel=1e-6), ours
        else:
            assert got == pytest.approx(want, abs=1e-6), ours
    loads = pd.read_csv(REF / f"cfa_{tag}_loadings.csv").merge(
        fit.loadings, on=["domain", "item"], suffixes=("_r", "")
    )
    assert len(loads) == len(fit.loadings) == sum(len(v) for v in domains.values())
    assert np.abs(loads["std_loading_r"] - loads["std_loading"]).max() < 1e-4
    phi = pd.read_csv(REF / f"cfa_{tag}_phi.csv")
    for a, b, r in phi.itertuples(index=False):
        assert fit.factor_correlations.loc[a, b] == pytest.approx(r, abs=1e-4)
    resid = pd.read_csv(REF / f"cfa_{tag}_residual_cor.csv", index_col=0)
    names = list(resid.index)
    got = fit.residual_correlations.loc[names, names].to_numpy()
    assert np.abs(resid.loc[names, names].to_numpy() - got).max() < 1e-4


def test_small_instrument_flags_its_weak_item(small):
    """q4 was simulated with loading .3: the only item below .40, in both estimators."""
    for estimator in ("ml", "dwls"):
        fit = cfa(small, SMALL, estimator=estimator, missing="listwise")
        assert fit.weak_items == ["q4"]
        assert fit.verdict == "good"
        assert "3 of 400 respondents left out" in " ".join(fit.notes)


def test_polychoric_matches_lavaan(bfi):
    """lavaan's two-step polychoric correlations (thresholds fixed), complete cases."""
    r, taus = polychoric(bfi.dropna().to_numpy(float))
    expected = pd.read_csv(REF / "polychoric.csv", index_col=0).loc[ITEMS, ITEMS].to_numpy()
    assert np.abs(r - expected).max() < 1e-6
    assert [len(t) for t in taus] == [5] * 25


def test_polychoric_variance_against_a_simulation():
    """Independent check of the DWLS weights: the variance of ρ̂ over 400 simulated samples
    (thresholds re-estimated each time) is within sampling error of the analytic one."""
    rng = np.random.default_rng(11)
    cov = [[1, 0.5], [0.5, 1]]
    est, analytic = [], []
    for _ in range(400):
        z = rng.multivariate_normal([0, 0], cov, size=300)
        x = np.digitize(z, [-0.8, 0.2, 1.0]).astype(float)
        r, taus = polychoric(x)
        est.append(r[0, 1])
        analytic.append(asymptotic_variances(x, r, taus)[0, 1])
    ratio = np.var(est, ddof=1) / np.mean(analytic)
    assert 0.85 < ratio < 1.15  # the simulated variance has a standard error of about 7%


def test_bivariate_normal_cdf_against_adaptive_quadrature():
    rng = np.random.default_rng(0)

    def reference(h: float, k: float, r: float) -> float:
        def dens(t: float) -> float:
            one = 1 - t * t
            return np.exp(-(h * h - 2 * t * h * k + k * k) / (2 * one)) / (2 * np.pi * np.sqrt(one))

        return (
            stats.norm.cdf(h) * stats.norm.cdf(k)
            + integrate.quad(dens, 0, r, epsabs=1e-15, epsrel=1e-13, limit=200)[0]
        )

    for rho in (0.0, 0.3, 0.7, 0.71, 0.9, 0.99, -0.95):
        for h, k in rng.normal(scale=1.5, size=(10, 2)):
            assert bvn_cdf(np.array(h), np.array(k), np.array(rho)) == pytest.approx(
                reference(h, k, rho), abs=1e-11
            )
    assert bvn_cdf(np.array(np.inf), np.array(0.3), np.array(0.5)) == pytest.approx(
        stats.norm.cdf(0.3)
    )
    assert bvn_cdf(np.array(-np.inf), np.array(0.3), np.array(0.5)) == 0.0


def _match_columns(ours: np.ndarray, theirs: np.ndarray) -> float:
    """Largest difference after matching our factors to R's by order and sign."""
    worst = 0.0
    used: set[int] = set()
    for j in range(theirs.shape[1]):
        best, pick = np.inf, -1
        for k in range(ours.shape[1]):
            if k in used:
                continue
            d = min(np.abs(theirs[:, j] - s * ours[:, k]).max() for s in (1.0, -1.0))
            if d < best:
                best, pick = d, k
        used.add(pick)
        worst = max(worst, best)
    return worst


@pytest.mark.parametrize("fm", ["minres", "ml"])
@pytest.mark.parametrize("rotate", ["oblimin", "varimax"])
def test_efa_matches_psych(bfi, fm, rotate):
    """psych ``fa(x, 5, fm, rotate)`` on pairwise Pearson correlations."""
    got = efa(bfi, 5, fm=fm, rotate=rotate)
    expected = pd.read_csv(REF / f"efa_{fm}_{rotate}.csv").set_index("item")
    theirs = expected[[f"F{k}" for k in range(1, 6)]].to_numpy()
    assert _match_columns(got.loadings.to_numpy(), theirs) < 1e-4
    # psych orders and signs the factors the same way
    assert np.abs(got.loadings.to_numpy() - theirs).max() < 1e-4
    assert np.abs(got.communalities.to_numpy() - expected["h2"].to_numpy()).max() < 1e-4
    phi = pd.read_csv(REF / f"efa_{fm}_{rotate}_phi.csv").to_numpy()
    assert np.abs(got.factor_correlations.to_numpy() - phi).max() < 1e-4
    assert got.variance["cumulative"].iloc[-1] == pytest.approx(
        got.communalities.sum() / 25, abs=1e-9
    )


def test_parallel_analysis_matches_psych(bfi):
    """fa.values and pc.values are deterministic and must agree; the suggested numbers come
    from random resamples (psych's and ours differ) and agree on bfi, where the data's sixth
    eigenvalue is far from the resampled one."""
    got = parallel_analysis(bfi)
    expected = pd.read_csv(REF / "parallel_eigen.csv")
    assert np.abs(got.eigen_data - expected["fa_values"]).max() < 1e-5
    assert np.abs(got.eigen_pc - expected["pc_values"]).max() < 1e-9
    suggested = pd.read_csv(REF / "parallel_suggested.csv").iloc[0]
    assert got.suggested_factors == suggested["nfact"] == 6
    assert got.suggested_components == suggested["ncomp"] == 6
    # the resampled eigenvalues of independent items hover around 1 (components)
    assert 0.9 < got.resampled_pc[0] < 1.2

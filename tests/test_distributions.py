"""assessments.stats.distributions against scipy.stats, the functions it stands in for (an
independent implementation of the same figures: scipy's own distribution objects and tests)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from assessments.stats import distributions as d

X = np.array(
    [-np.inf, -40.0, -3.5, -1.0, -1e-9, 0.0, 1e-9, 0.3, 1.0, 2.7, 9.0, 60.0, np.inf, np.nan]
)
Q = np.array(
    [-0.1, 0.0, 1e-12, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999, 1 - 1e-12, 1.0, 1.1, np.nan]
)
DF = [-1.0, 0.0, 0.5, 1.0, 2.0, 7.5, 30.0, 1e4, np.nan]


def same(ours, theirs) -> None:
    np.testing.assert_array_equal(np.asarray(ours, float), np.asarray(theirs, float))


@pytest.mark.parametrize("df", DF)
def test_t_equals_scipy(df):
    same(d.t_sf(X, df), stats.t.sf(X, df))
    same(d.t_ppf(Q, df), stats.t.ppf(Q, df))


@pytest.mark.parametrize("df1", [0.0, 1.0, 3.0, 12.5, np.nan])
@pytest.mark.parametrize("df2", [-2.0, 1.0, 4.0, 200.0])
def test_f_equals_scipy(df1, df2):
    same(d.f_sf(X, df1, df2), stats.f.sf(X, df1, df2))
    same(d.f_ppf(Q, df1, df2), stats.f.ppf(Q, df1, df2))


def test_normal_and_chi2_equal_scipy():
    same(d.norm_cdf(X), stats.norm.cdf(X))
    same(d.norm_sf(X), stats.norm.sf(X))
    same(d.norm_ppf(Q), stats.norm.ppf(Q))
    for df in (1, 2, 5, 40):
        same(d.chi2_sf(X[X >= 0], df), stats.chi2.sf(X[X >= 0], df))


def test_scalars_come_back_as_scalars():
    assert np.ndim(d.t_ppf(0.975, 10)) == 0
    assert float(d.f_sf(3.0, 2, 20)) == float(stats.f.sf(3.0, 2, 20))


@pytest.mark.parametrize("seed", range(6))
def test_ranks_and_rank_tests_equal_scipy(seed):
    rng = np.random.default_rng(seed)
    # few distinct values (Likert answers: many ties), then continuous, then small samples
    a = rng.integers(1, 6, 40 + seed * 37).astype(float)
    b = rng.integers(2, 6, 25 + seed * 11).astype(float)
    c = rng.normal(size=9 + seed)
    for x in (a, b, c, np.concatenate([a, c]), np.r_[a[:5], np.nan, a[5:9]], np.array([])):
        same(d.rank_average(x)[0], stats.rankdata(x))
    h, p = d.kruskal(a, b, c)
    ref = stats.kruskal(a, b, c)
    assert (h, p) == (float(ref.statistic), float(ref.pvalue))
    for x, y in (
        (a, b),
        (b, a),
        (c, a),
        (c[:5], c[5:]),
        (a[:6], b[:7]),
        (c[:3], rng.normal(size=20)),
    ):
        ref = stats.mannwhitneyu(x, y, alternative="two-sided")
        assert d.mann_whitney(x, y) == (float(ref.statistic), float(ref.pvalue))


def test_the_report_path_does_not_import_scipy_stats():
    """scipy.stats is 50 MB and a third of a second: importing the report modules, and
    building a report with comparisons, agreement, change and reliability, leave it out."""
    code = (
        "import sys\n"
        "from assessments import score\n"
        "from assessments.demo import demo_responses\n"
        "from assessments.render import build_report\n"
        "for i in ('oric', 'orca'):  # ORCA's published norms too\n"
        "    s = score(demo_responses(i, n=120, seed=1), i, on_invalid='missing')\n"
        "    p = score(demo_responses(i, n=120, seed=2), i, on_invalid='missing')\n"
        "    build_report(s, 'role', aggregate_by='site', previous=p)\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"ASSESS_CHART_WORKERS": "0", "MPLBACKEND": "Agg", "PATH": ""},
    )
    assert out.stdout.strip() == "False"


def test_welch_from_summary_statistics_equals_scipy():
    rng = np.random.default_rng(3)
    cases = [
        (3.4, 0.8, 120, 3.1, 0.9, 400),
        (2.0, 0.0, 10, 2.0, 0.0, 12),
        (2.5, 0.0, 5, 2.0, 0.0, 9),
    ]
    cases += [tuple(rng.uniform([1, 0.1, 2, 1, 0.1, 2], [5, 2, 500, 5, 2, 500])) for _ in range(20)]
    for m1, s1, n1, m2, s2, n2 in cases:
        ref = stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
        same(d.welch_from_stats(m1, s1, n1, m2, s2, n2), (ref.statistic, ref.pvalue))

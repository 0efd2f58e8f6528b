"""Post-hoc tests and the studentized range distribution against scipy and hand computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from assessments.stats import posthoc
from assessments.stats.studentized_range import ptukey, qtukey


@pytest.mark.parametrize(
    ("q", "k", "df"),
    [(1.0, 2, 5), (3.5, 3, 20), (4.2, 5, 479.19), (2.5, 10, 60), (6.0, 20, 4), (5.1, 20, 3000)],
)
def test_studentized_range_matches_scipy(q, k, df):
    assert float(ptukey(q, k, df)) == pytest.approx(stats.studentized_range.cdf(q, k, df), abs=1e-8)


@pytest.mark.parametrize(("k", "df"), [(3, 10), (5, 100), (20, 40)])
def test_studentized_range_quantile_matches_scipy(k, df):
    assert float(qtukey(0.95, k, df)) == pytest.approx(
        stats.studentized_range.ppf(0.95, k, df), rel=1e-8
    )


def three_groups():
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "g": ["a"] * 12 + ["b"] * 15 + ["c"] * 9,
            "x": np.concatenate(
                [rng.normal(3, 1, 12), rng.normal(3.8, 0.6, 15), rng.normal(3.1, 1.3, 9)]
            ),
        }
    )


def test_tukey_matches_scipy_tukey_hsd():
    df = three_groups()
    got = posthoc(df, "g", columns=["x"], method="tukey")
    values = [df.loc[df.g == g, "x"].to_numpy() for g in "abc"]
    res = stats.tukey_hsd(*values)
    ci = res.confidence_interval(0.95)
    for row in got.itertuples():
        i, j = "abc".index(row.group1), "abc".index(row.group2)
        assert row.p_adjusted == pytest.approx(res.pvalue[i, j], abs=1e-7)
        # scipy reports group i minus group j; we report group2 minus group1
        assert row.estimate == pytest.approx(-res.statistic[i, j], rel=1e-12)
        assert row.ci_low == pytest.approx(-ci.high[i, j], rel=1e-6)
        assert row.ci_high == pytest.approx(-ci.low[i, j], rel=1e-6)


def test_dunn_z_squared_is_kruskal_h_for_two_groups():
    df = pd.DataFrame({"g": ["a"] * 7 + ["b"] * 6, "x": [1, 2, 2, 3, 3, 3, 4, 2, 4, 4, 5, 5, 5]})
    got = posthoc(df, "g", columns=["x"], method="dunn").iloc[0]
    h = stats.kruskal(df.x[df.g == "a"], df.x[df.g == "b"]).statistic
    assert got.statistic**2 == pytest.approx(h, rel=1e-12)
    assert got.p_unadjusted == pytest.approx(
        stats.kruskal(df.x[df.g == "a"], df.x[df.g == "b"]).pvalue
    )


def test_dunn_holm_adjusts_within_a_domain():
    df = three_groups()
    got = posthoc(df, "g", columns=["x"], method="dunn")
    p = got.p_unadjusted.to_numpy()
    order = np.argsort(p)
    expected = np.minimum(np.maximum.accumulate(p[order] * np.array([3, 2, 1])), 1)
    np.testing.assert_allclose(got.p_adjusted.to_numpy()[order], expected)


def test_games_howell_two_groups_equals_welch_t():
    df = three_groups()
    two = df[df.g != "c"]
    got = posthoc(two, "g", columns=["x"]).iloc[0]
    t = stats.ttest_ind(two.x[two.g == "b"], two.x[two.g == "a"], equal_var=False)
    assert got.statistic == pytest.approx(abs(t.statistic), rel=1e-12)
    assert got.df == pytest.approx(t.df, rel=1e-12)
    assert got.p_adjusted == pytest.approx(t.pvalue, abs=1e-8)  # the range of 2 means is |t|·√2


def test_unknown_method_is_an_error():
    from assessments import ResponseError

    with pytest.raises(ResponseError) as exc:
        posthoc(three_groups(), "g", columns=["x"], method="scheffe")
    assert exc.value.codes == ["bad-option"]


# ---- precision of the upper tail (issue 13): computed directly, never as 1 - CDF -------------
@pytest.mark.parametrize("df", [1.0, 1.5, 2.0, 5.0, 30.0, 1000.0, 1e5])
def test_range_of_two_means_tail_is_exact_down_to_1e_12(df):
    """For k = 2 the studentized range is |t|·√2, so P(Q > q) = 2 P(t_df > q/√2) exactly.
    (scipy's own sf is off by up to 100% at these points; this is the independent check.)"""
    from assessments.stats.studentized_range import tukey_sf

    for p in (0.5, 0.05, 1e-3, 1e-6, 1e-9, 1e-12):
        q = stats.t.isf(p / 2, df) * np.sqrt(2)
        assert float(tukey_sf(q, 2, df)) == pytest.approx(p, rel=1e-6)


@pytest.mark.parametrize("k", [3, 10, 50, 200])
@pytest.mark.parametrize("df", [2.0, 10.0, 100.0])
def test_tail_matches_scipy_where_scipy_is_precise(k, df):
    from assessments.stats.studentized_range import tukey_sf

    for p in (0.5, 0.05, 1e-3, 1e-6):
        q = stats.studentized_range.isf(p, k, df)
        expected = stats.studentized_range.sf(q, k, df)
        assert float(tukey_sf(q, k, df)) == pytest.approx(expected, rel=1e-6)


def _tail_by_adaptive_quadrature(q, k, df):
    """An independent evaluation with scipy.integrate.quad (adaptive) of
    ∫ f_s(s) T(q s) ds, T(w) = k ∫ φ(z) [Φ(z)^(k-1) − (Φ(z) − Φ(z − w))^(k-1)] dz."""
    from scipy import integrate, special

    m = k - 1

    def inner(w):
        def f(z):
            a, c = special.ndtr(z), special.ndtr(z - w)
            if a <= 0 or c >= a:
                return 0.0 if a <= 0 else float(np.exp(-z * z / 2) / np.sqrt(2 * np.pi) * a**m)
            return float(
                np.exp(-z * z / 2) / np.sqrt(2 * np.pi) * a**m * -np.expm1(m * np.log1p(-c / a))
            )

        opts = {"epsabs": 0, "epsrel": 1e-12, "limit": 200}
        return k * (
            integrate.quad(f, -12, w / 2, **opts)[0]
            + integrate.quad(f, w / 2, w / 2 + 14, **opts)[0]
        )

    dist = stats.chi(df, scale=1 / np.sqrt(df))
    hi = dist.isf(1e-16)
    points = [x for x in (1 / q, 3 / q, dist.median()) if x < hi]
    return integrate.quad(
        lambda s: dist.pdf(s) * inner(q * s),
        0,
        hi,
        points=points,
        epsabs=0,
        epsrel=1e-10,
        limit=400,
    )[0]


@pytest.mark.parametrize(("k", "df"), [(3, 5.0), (10, 30.0)])
def test_deep_tail_matches_an_independent_quadrature(k, df):
    from assessments.stats.studentized_range import tukey_sf

    for q in ({3: 60.0, 10: 14.0}[k], {3: 150.0, 10: 20.0}[k]):
        expected = _tail_by_adaptive_quadrature(q, k, df)
        assert 1e-13 < expected < 1e-6
        assert float(tukey_sf(q, k, df)) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("df", [1.0, 1.2, 1.5, 1.9, 2.5])
def test_quantile_at_small_df_matches_scipy(df):
    assert float(qtukey(0.95, 4, df)) == pytest.approx(
        stats.studentized_range.ppf(0.95, 4, df), rel=1e-8
    )


def many_sites(k=14, n=12, seed=8):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "site": np.repeat([f"s{i:02d}" for i in range(k)], n),
            "x": rng.normal(np.repeat(np.linspace(2.5, 4, k), n), 0.8),
        }
    )


def test_more_than_ten_groups_compare_each_with_the_rest():
    from assessments.stats.adjust import holm

    df = many_sites()
    got = posthoc(df, "site", columns=["x"])
    assert len(got) == 14
    assert (got["method"] == "vs-rest").all()
    assert (got["group2"] == "rest").all()
    raw = []
    for row in got.itertuples():
        mine, rest = df.x[df.site == row.group1], df.x[df.site != row.group1]
        t = stats.ttest_ind(mine, rest, equal_var=False)
        assert row.statistic == pytest.approx(t.statistic, rel=1e-10)
        assert row.df == pytest.approx(t.df, rel=1e-10)
        assert row.p_unadjusted == pytest.approx(t.pvalue, rel=1e-9)
        assert row.estimate == pytest.approx(mine.mean() - rest.mean(), rel=1e-12)
        raw.append(t.pvalue)
    np.testing.assert_allclose(got["p_adjusted"], holm(np.array(raw)), rtol=1e-9)
    assert (got["adjustment"] == "holm").all()
    pairs = posthoc(df, "site", columns=["x"], method="games-howell")
    assert len(pairs) == 14 * 13 // 2
    assert pairs["p_unadjusted"].isna().all()  # a studentized-range p is family-wise only
    assert (pairs["adjustment"] == "studentized range (family-wise)").all()

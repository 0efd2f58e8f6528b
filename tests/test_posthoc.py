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
    assert got.p_value == pytest.approx(stats.kruskal(df.x[df.g == "a"], df.x[df.g == "b"]).pvalue)


def test_dunn_holm_adjusts_within_a_domain():
    df = three_groups()
    got = posthoc(df, "g", columns=["x"], method="dunn")
    p = got.p_value.to_numpy()
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

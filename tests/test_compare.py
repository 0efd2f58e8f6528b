"""Omnibus comparisons, effect sizes and corrections: hand computations and scipy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from assessments.stats import bh, cliffs_delta, compare, describe, hedges_g, holm
from assessments.stats.effects import variance_explained_ci


def data():
    rng = np.random.default_rng(11)
    return pd.DataFrame(
        {
            "site": ["north"] * 20 + ["south"] * 25 + ["east"] * 4,
            "x": np.concatenate([rng.normal(3, 1, 20), rng.normal(3.6, 0.8, 25), [1, 5, 3, 2]]),
            "y": np.concatenate([rng.normal(4, 1, 20), rng.normal(4, 1, 25), [2, 2, 2, 2]]),
        }
    )


def test_p_adjustments_match_r_p_adjust():
    p = [0.01, 0.02, 0.03, 0.04, 0.05]
    np.testing.assert_allclose(holm(p), [0.05, 0.08, 0.09, 0.09, 0.09])
    np.testing.assert_allclose(bh(p), [0.05] * 5)
    p2 = np.array([0.001, 0.2, np.nan, 0.04, 0.03])
    np.testing.assert_allclose(
        bh(p2)[[0, 1, 3, 4]], stats.false_discovery_control(p2[[0, 1, 3, 4]])
    )
    assert np.isnan(holm(p2)[2])


def test_small_groups_are_suppressed_not_tested():
    # east (4) is too small; north, the next smallest, is hidden with it so that east's figures
    # cannot be worked out from a total: one group is left, so nothing is tested
    got = compare(data(), "site", columns=["x", "y"])
    assert got["suppressed_groups"].tolist() == ["east, north", "east, north"]
    assert got["k_groups"].tolist() == [1, 1]
    assert got["p_value"].isna().all()
    desc = describe(data(), "site", columns=["x"])
    for hidden in ("east", "north"):
        row = desc[desc.group == hidden].iloc[0]
        assert bool(row.suppressed)
        assert np.isnan(row["mean"])
    with_west = pd.concat([data(), data().assign(site="west").iloc[:30]])
    got = compare(with_west, "site", columns=["x"]).iloc[0]
    assert (got["suppressed_groups"], got["k_groups"]) == ("east, north", 2)


def two_sites():
    df = data()
    return df[df.site != "east"]


def test_two_groups_use_welch_t_and_mann_whitney():
    df = two_sites()
    got = compare(df, "site", columns=["x"]).iloc[0]
    north, south = df.x[df.site == "north"], df.x[df.site == "south"]
    t = stats.ttest_ind(south, north, equal_var=False)
    assert got.p_value == pytest.approx(t.pvalue, rel=1e-10)
    assert got.welch_t == pytest.approx(t.statistic, rel=1e-12)
    assert got.welch_f == pytest.approx(t.statistic**2, rel=1e-10)
    mw = stats.mannwhitneyu(south, north, alternative="two-sided")
    assert got.mann_whitney_p == pytest.approx(mw.pvalue)
    kw = compare(df, "site", columns=["x"], test="kruskal").iloc[0]
    assert kw.p_value == pytest.approx(mw.pvalue)
    g = hedges_g(south, north)
    assert got.hedges_g == pytest.approx(g[0])


def test_eta_squared_is_ssb_over_sst_and_its_interval_inverts_the_noncentral_f():
    df = data()
    got = compare(df, "site", columns=["x"], min_group_size=3).iloc[0]
    x, g = df.x.to_numpy(), df.site.to_numpy()
    sst = ((x - x.mean()) ** 2).sum()
    ssb = sum(len(x[g == s]) * (x[g == s].mean() - x.mean()) ** 2 for s in set(g))
    assert got.eta_squared == pytest.approx(ssb / sst, rel=1e-12)
    assert got.eta_squared_ci_low <= got.eta_squared <= got.eta_squared_ci_high
    assert got.omega_squared <= got.epsilon_squared <= got.eta_squared
    # the interval's noncentralities put the observed F at the 97.5th and 2.5th percentiles
    f, d1, d2 = got.anova_f, got.anova_df1, got.anova_df2
    ci = variance_explained_ci(f, d1, d2)
    for bound, q in ((ci["eta_squared_ci_low"], 0.975), (ci["eta_squared_ci_high"], 0.025)):
        ncp = bound * d2 / (1 - bound)
        if ncp > 0:
            assert stats.ncf.cdf(f, d1, d2, ncp) == pytest.approx(q, abs=1e-6)


def test_hedges_g_and_cliffs_delta_by_hand():
    a, b = np.array([2.0, 4, 4, 5, 7]), np.array([1.0, 2, 3, 3, 4, 6])
    sp = np.sqrt((4 * a.var(ddof=1) + 5 * b.var(ddof=1)) / 9)
    g, lo, hi = hedges_g(a, b)
    j = math.gamma(9 / 2) / (math.sqrt(9 / 2) * math.gamma(8 / 2))  # exact correction, df 9
    d = (a.mean() - b.mean()) / sp
    assert g == pytest.approx(d * j)
    # the limits are noncentrality bounds of t = d sqrt(n1 n2 / (n1 + n2)), rescaled by J
    root = math.sqrt(30 / 11)
    assert stats.nct.cdf(d * root, 9, lo / j * root) == pytest.approx(0.975, abs=1e-9)
    assert stats.nct.cdf(d * root, 9, hi / j * root) == pytest.approx(0.025, abs=1e-9)
    brute = np.mean([np.sign(x - y) for x in a for y in b])
    d, dlo, dhi = cliffs_delta(a, b)
    assert d == pytest.approx(brute)
    assert -1 <= dlo < d < dhi <= 1


def test_describe_matches_pandas_and_t_interval():
    df = two_sites()
    got = describe(df, "site", columns=["y"]).set_index("group")
    north = df.y[df.site == "north"]
    assert got.loc["north", "mean"] == pytest.approx(north.mean())
    assert got.loc["north", "sd"] == pytest.approx(north.std())
    half = stats.t.ppf(0.975, 19) * north.std() / np.sqrt(20)
    assert got.loc["north", "ci_high"] == pytest.approx(north.mean() + half)

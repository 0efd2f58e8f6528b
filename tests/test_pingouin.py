"""Where pingouin (a test-only reference) computes the same statistic, we agree with it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from assessments.stats import change, compare, hedges_g, posthoc, reliability
from assessments.stats.effects import hedges_correction

# pingouin's own code trips pandas 3 deprecation warnings; they are not ours to fix here
pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")


@pytest.fixture(scope="module")
def groups():
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "g": np.repeat(list("abc"), [30, 25, 20]),
            "y": np.r_[rng.normal(3, 1, 30), rng.normal(3.5, 0.6, 25), rng.normal(3.2, 1.3, 20)],
        }
    )


def test_omnibus_tests(groups):
    ours = compare(groups, "g", columns=["y"]).iloc[0]
    welch = pg.welch_anova(data=groups, dv="y", between="g").iloc[0]
    assert ours.welch_f == pytest.approx(welch["F"], rel=1e-9)
    assert ours.welch_df2 == pytest.approx(welch["ddof2"], rel=1e-9)
    assert ours.welch_p == pytest.approx(welch["p_unc"], rel=1e-7)
    anova = pg.anova(data=groups, dv="y", between="g", effsize="np2").iloc[0]
    assert ours.anova_f == pytest.approx(anova["F"], rel=1e-9)
    assert ours.eta_squared == pytest.approx(anova["np2"], rel=1e-9)
    kw = pg.kruskal(data=groups, dv="y", between="g").iloc[0]
    assert ours.kruskal_h == pytest.approx(kw["H"], rel=1e-9)
    assert ours.kruskal_p == pytest.approx(kw["p_unc"], rel=1e-9)


def test_games_howell_and_tukey(groups):
    gh = pg.pairwise_gameshowell(data=groups, dv="y", between="g")
    ours = posthoc(groups, "g", columns=["y"])
    np.testing.assert_allclose(ours["estimate"], gh["mean_B"] - gh["mean_A"], rtol=1e-12)
    np.testing.assert_allclose(ours["statistic"], gh["T"].abs(), rtol=1e-9)
    np.testing.assert_allclose(ours["df"], gh["df"], rtol=1e-9)
    np.testing.assert_allclose(ours["p_adjusted"], gh["pval"], atol=1e-6)
    tk = pg.pairwise_tukey(data=groups, dv="y", between="g")
    ours = posthoc(groups, "g", columns=["y"], method="tukey")
    np.testing.assert_allclose(ours["estimate"], -tk["diff"], rtol=1e-12)
    np.testing.assert_allclose(ours["p_adjusted"], tk["p_tukey"], atol=1e-6)


def test_cronbach_alpha_and_its_interval():
    rng = np.random.default_rng(1)
    latent = rng.normal(0, 1, 80)
    items = pd.DataFrame(
        {f"i{k}": np.clip(np.rint(3 + latent + rng.normal(0, 0.8, 80)), 1, 5) for k in range(5)}
    )
    items.iloc[3, 2] = np.nan
    alpha, _ = pg.cronbach_alpha(data=items)
    ours = reliability(items, domains={"d": list(items.columns)}).iloc[0]
    assert ours.raw_alpha == pytest.approx(alpha, rel=1e-9)
    # pingouin rounds its (F-distribution) interval to 3 decimals and uses every row as n
    complete = reliability(items.dropna(), domains={"d": list(items.columns)}).iloc[0]
    assert complete.alpha_ci_low == pytest.approx(pg.cronbach_alpha(items.dropna())[1][0], abs=6e-4)
    assert complete.alpha_ci_high == pytest.approx(
        pg.cronbach_alpha(items.dropna())[1][1], abs=6e-4
    )


def test_hedges_g_and_paired_t(groups):
    a, b = groups.y[groups.g == "a"], groups.y[groups.g == "b"]
    # pingouin uses the approximate correction 1 - 3 / (4 df - 1); we use the exact J (as R
    # effectsize does): the same Cohen's d underneath
    df = len(a) + len(b) - 2
    approx = 1 - 3 / (4 * df - 1)
    ours = hedges_g(a, b)[0] / hedges_correction(df) * approx
    assert ours == pytest.approx(pg.compute_effsize(a, b, eftype="hedges"), rel=1e-12)
    rng = np.random.default_rng(2)
    before = pd.DataFrame({"id": range(30), "x": rng.normal(3, 1, 30)})
    after = before.assign(x=before.x + rng.normal(0.3, 0.5, 30))
    ours = change(before, after, paired_on="id", columns=["x"]).iloc[0]
    ref = pg.ttest(after.x, before.x, paired=True).iloc[0]
    assert ours.statistic == pytest.approx(ref["T"], rel=1e-9)
    assert ours.p_value == pytest.approx(ref["p_val"], rel=1e-9)

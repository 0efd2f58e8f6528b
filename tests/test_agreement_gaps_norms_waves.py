"""Agreement, reliability edge cases, perspective gaps, norms and waves: hand computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from assessments import load_instrument, score
from assessments.demo import demo_responses
from assessments.stats import agreement, change, gaps, norms, omega_total, reliability


def test_omega_recovers_a_one_factor_structure():
    lam = np.array([0.8, 0.7, 0.6, 0.5])
    r = np.outer(lam, lam)
    np.fill_diagonal(r, 1.0)
    expected = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    assert omega_total(r) == pytest.approx(expected, rel=1e-8)


def test_listwise_and_pairwise_alpha_differ_on_missing_data():
    df = pd.DataFrame(
        {"a": [1, 2, 3, 4, 5, np.nan], "b": [2, 2, 3, 5, 4, 1], "c": [1, 3, 3, 4, 4, 2]}
    )
    pw = reliability(df, domains={"d": ["a", "b", "c"]}).iloc[0]
    lw = reliability(df, domains={"d": ["a", "b", "c"]}, method="listwise").iloc[0]
    assert pw.n == 6
    assert lw.n == lw.n_complete == 5
    complete = df.dropna()
    c = complete.cov().to_numpy()
    assert lw.raw_alpha == pytest.approx(1.5 * (1 - np.trace(c) / c.sum()))
    assert pw.raw_alpha != pytest.approx(lw.raw_alpha)


def agreeing_sites():
    return pd.DataFrame(
        {
            "site": ["a"] * 6 + ["b"] * 6 + ["c"] * 3 + ["d"] * 2,
            "q1": [4, 4, 5, 4, 4, 5, 1, 5, 3, 2, 4, 1, 3, 3, 3, 2, 2],
            "q2": [4, 5, 5, 4, 4, 5, 2, 5, 1, 3, 5, 1, 3, 3, 3, 2, 3],
        }
    )


def test_rwg_by_hand_with_skewed_nulls_and_suppression():
    got = agreement(agreeing_sites(), "site", domains={"d": ["q1", "q2"]}, options=5)
    a = got[got.group == "a"].iloc[0]
    s2 = np.mean([np.var([4, 4, 5, 4, 4, 5], ddof=1), np.var([4, 5, 5, 4, 4, 5], ddof=1)])
    ratio = s2 / 2.0
    assert a.rwg_j == pytest.approx(2 * (1 - ratio) / (2 * (1 - ratio) + ratio))
    assert a.rwg_j_star == pytest.approx(1 - ratio)
    r_slight = s2 / 1.34
    assert a.rwg_j_slight_skew == pytest.approx(
        2 * (1 - r_slight) / (2 * (1 - r_slight) + r_slight)
    )
    assert a.ad_m == pytest.approx(
        np.mean([np.mean(np.abs(v - np.mean(v))) for v in ([4, 4, 5, 4, 4, 5], [4, 5, 5, 4, 4, 5])])
    )
    assert bool(a.aggregate)
    assert a.verdict.startswith("supported")
    b = got[got.group == "b"].iloc[0]
    assert b.rwg_j == 0.0  # more spread than the uniform null
    assert b.verdict.startswith("not supported")
    assert bool(got[got.group == "c"].iloc[0].suppressed)
    assert a.icc1_ci_low <= a.icc1 <= a.icc1_ci_high


@pytest.fixture(scope="module")
def orca_scores():
    return score(demo_responses("orca", n=300, seed=5), "orca", on_invalid="missing")


def test_norms_compare_with_the_published_orca_figures(orca_scores):
    got = norms(orca_scores).set_index("target")
    assert list(got.index) == [
        "research_evidence",
        "clinical_experience",
        "patient_preferences",
        "senior_leadership_culture",
        "staff_culture",
        "leadership_behavior",
    ]
    row = got.loc["research_evidence"]
    assert row.norm_mean == 4.16
    assert row.standardized_difference == pytest.approx((row["mean"] - 4.16) / 0.49)
    p = stats.ttest_ind_from_stats(row["mean"], row.sd, row.n, 4.16, 0.49, 80, equal_var=False)
    assert row.p_value == pytest.approx(p.pvalue)
    bench = pd.DataFrame({"target": ["evidence"], "mean": [3.5], "source": ["state average"]})
    extra = norms(orca_scores, benchmarks=bench).set_index("target")
    assert extra.loc["evidence", "difference"] == pytest.approx(
        row_mean(orca_scores, "evidence") - 3.5
    )


def row_mean(s, col):
    return s.respondents[col].mean()


def test_gaps_are_sorted_by_effect_size_and_cover_items(orca_scores):
    got = gaps(orca_scores, a="peer specialist", b="clinician", by="role")
    dom = got[got.level == "domain"]
    assert (np.diff(dom.hedges_g.abs().to_numpy()) <= 1e-12).all()
    assert set(got.level) == {"domain", "item"}
    r = orca_scores.respondents
    x = r.loc[r.role == "peer specialist", "staff_culture"].dropna()
    y = r.loc[r.role == "clinician", "staff_culture"].dropna()
    row = dom.set_index("name").loc["staff_culture"]
    assert row.gap == pytest.approx(x.mean() - y.mean())
    assert row.p_value == pytest.approx(stats.ttest_ind(x, y, equal_var=False).pvalue)


def test_gaps_between_versions_compare_domains_not_items():
    rsa = load_instrument("rsa")
    rng = np.random.default_rng(0)
    prov = score(
        pd.DataFrame(rng.integers(1, 6, (30, 32)), columns=[f"rsa_{i}" for i in range(1, 33)]),
        rsa,
        version="provider",
    )
    person = score(
        pd.DataFrame(rng.integers(2, 6, (30, 32)), columns=[f"rsa_{i}" for i in range(1, 33)]),
        rsa,
        version="person",
    )
    got = gaps({"providers": prov, "people": person}, a="providers", b="people")
    assert got.level.tolist() == ["domain"]
    assert got.name.tolist() == ["total"]


def test_change_between_independent_and_paired_waves():
    rng = np.random.default_rng(2)
    ids = [f"r{i}" for i in range(40)]
    before = pd.DataFrame({"id": ids, "x": rng.normal(3, 0.7, 40)})
    after = pd.DataFrame({"id": ids, "x": before.x + rng.normal(0.4, 0.3, 40)})
    ind = change(before, after, columns=["x"]).iloc[0]
    t = stats.ttest_ind(after.x, before.x, equal_var=False)
    assert ind.p_value == pytest.approx(t.pvalue)
    assert ind.change == pytest.approx(after.x.mean() - before.x.mean())
    paired = change(before, after, paired_on="id", columns=["x"]).iloc[0]
    assert paired.n_pairs == 40
    assert paired.p_value == pytest.approx(stats.ttest_rel(after.x, before.x).pvalue)
    assert paired.wilcoxon_p == pytest.approx(stats.wilcoxon(after.x, before.x).pvalue)
    assert np.isnan(paired.rci_s_diff)  # no alpha for a plain column


def test_reliable_change_uses_the_domains_alpha():
    inst = load_instrument("oric")
    rng = np.random.default_rng(4)
    base = rng.normal(0, 1, 60)

    def wave(shift):
        x = np.clip(np.rint(3 + base[:, None] + shift + rng.normal(0, 0.6, (60, 12))), 1, 5)
        df = pd.DataFrame(x, columns=list(inst.item_ids))
        df["person"] = range(60)
        return score(df, inst)

    before, after = wave(0), wave(0.8)
    got = change(before, after, paired_on="person").set_index("domain").loc["change_commitment"]
    alpha = reliability(before).set_index("domain").loc["change_commitment", "raw_alpha"]
    sd = before.respondents["change_commitment"].std()
    assert got.rci_s_diff == pytest.approx(sd * np.sqrt(2 * (1 - alpha)))
    d = after.respondents["change_commitment"] - before.respondents["change_commitment"]
    rci = d / got.rci_s_diff
    assert got.n_reliably_improved == int((rci > 1.96).sum())
    assert got.n_reliably_improved + got.n_reliably_worse + got.n_no_reliable_change == 60

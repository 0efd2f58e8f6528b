"""Statistics against R on data made by ``tests/data/reference/stats/make_stats_reference.R``
(psych 2.2.9, multilevel 2.7, effectsize 0.8.3, base R 4.2.2; versions.txt beside it), plus the
coverage simulation of the ICC intervals and the edge cases that used to give silent NaN."""

from __future__ import annotations

import importlib
import textwrap

import numpy as np
import pandas as pd
import pytest

from assessments import load_instrument, score
from assessments.errors import InstrumentError, ResponseError
from assessments.stats import agreement, change, compare, icc, omega_total, reliability
from assessments.stats.waves import wilcoxon_paired

REF = __import__("pathlib").Path(__file__).parent / "data" / "reference" / "stats"
reliability_module = importlib.import_module("assessments.stats.reliability")


def ref(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name)


# --------------------------------------------------------------------------------------- omega
def _matrices():
    m, o, lds = ref("omega_matrices.csv"), ref("omega.csv"), ref("omega_loadings.csv")
    for row in o.itertuples():
        d = m[m.matrix == row.matrix]
        r = np.zeros((row.k, row.k))
        r[d.i - 1, d.j - 1] = d.r
        load = lds[lds.matrix == row.matrix].sort_values("i")["loading"].to_numpy()
        yield row.matrix, r, row.omega_total, load


def test_omega_total_matches_psych_on_random_matrices():
    """psych::omega(r, nfactors = 1)$omega.tot on 300 random matrices of 2-8 items.

    psych stops its L-BFGS-B search early (factr 1e7). Where the minres objective is flat (near-
    zero correlations, Heywood cases at the 0.005 bound) its stopping point differs from a tight
    fit by up to 5e-4 in omega: 293 of the 302 agree to 1e-4 (the exact-fit test below shows
    that in such cases the tight fit is the right one).
    """
    diffs = np.array([abs(omega_total(r) - expected) for _, r, expected, _ in _matrices()])
    assert len(diffs) == 302
    assert (diffs <= 1e-4).mean() >= 0.97
    assert diffs.max() < 6e-4


def test_omega_of_two_items_and_a_heywood_case_match_psych():
    expected = ref("omega.csv").set_index("matrix")["omega_total"]
    two = np.array([[1, 0.3], [0.3, 1]])
    assert omega_total(two) == pytest.approx(expected[301], abs=1e-4)
    assert omega_total(two) == pytest.approx(2 * 0.3 / 1.3, abs=1e-6)  # 2r / (1 + r)
    heywood = np.array([[1, 0.6, 0.5], [0.6, 1, 0.2], [0.5, 0.2, 1]])
    assert omega_total(heywood) == pytest.approx(expected[302], abs=1e-4)


def test_omega_of_two_item_domains_is_never_degenerate():
    rng = np.random.default_rng(3)
    for r in rng.uniform(0.05, 0.95, 57):
        assert omega_total(np.array([[1, r], [r, 1]])) == pytest.approx(2 * r / (1 + r), abs=1e-6)


def test_three_item_exact_fit_is_found_where_psych_stops_early():
    """Independent check: three items fit one factor exactly, λ₃² = r₁₃ r₂₃ / r₁₂."""
    for matrix, r, _, _ in _matrices():
        if len(r) != 3:
            continue
        l3 = r[0, 2] * r[1, 2] / r[0, 1]
        l1, l2 = r[0, 1] * r[0, 2] / r[1, 2], r[0, 1] * r[1, 2] / r[0, 2]
        if min(l1, l2, l3) <= 0.01 or max(l1, l2, l3) >= 0.99:
            continue  # not an interior exact solution
        lam = reliability_module.minres_one_factor(r)
        assert abs(lam[2]) == pytest.approx(np.sqrt(l3), abs=1e-5), matrix


# ------------------------------------------------------------------------------------ Wilcoxon
def test_paired_wilcoxon_matches_r():
    data, expected = ref("wilcoxon_data.csv"), ref("wilcoxon.csv")
    for row in expected.itertuples():
        d = data[data.case == row.case]
        v, p = wilcoxon_paired(d["after"].to_numpy() - d["before"].to_numpy())
        assert v == row.v
        assert p == pytest.approx(row.p_value, rel=1e-9)


def test_change_reports_r_s_wilcoxon_for_paired_waves():
    d = ref("wilcoxon_data.csv")
    d = d[d.case == 3].reset_index(drop=True).assign(id=lambda x: range(len(x)))
    before = d[["id", "before"]].rename(columns={"before": "x"})
    after = d[["id", "after"]].rename(columns={"after": "x"})
    got = change(before, after, paired_on="id", columns=["x"]).iloc[0]
    r = ref("wilcoxon.csv").set_index("case").loc[3]
    assert got["wilcoxon_v"] == r["v"]
    assert got["wilcoxon_p"] == pytest.approx(r["p_value"], rel=1e-9)


def test_duplicate_ids_in_a_paired_wave_are_refused_with_the_ids():
    before = pd.DataFrame({"id": [1, 2, 2, 3, 4, 5], "x": [3.0, 4, 4, 2, 5, 3]})
    after = pd.DataFrame({"id": [1, 2, 3, 3, 4, 5], "x": [4.0, 4, 3, 3, 5, 2]})
    with pytest.raises(ResponseError, match=r"before wave.*: 2") as err:
        change(before, after, paired_on="id", columns=["x"])
    assert err.value.problems[0].code == "duplicate-id"


def test_all_zero_paired_differences_say_why():
    w = pd.DataFrame({"id": range(6), "x": [3.0, 4, 2, 5, 3, 4]})
    got = change(w, w, paired_on="id", columns=["x"]).iloc[0]
    assert np.isnan(got["wilcoxon_p"])
    assert np.isnan(got["p_value"])
    assert "same score in both waves" in got["note"]


# --------------------------------------------------------------------------------------- Welch
def test_welch_with_a_zero_variance_group_matches_t_test():
    data = ref("welch_zero_variance_data.csv")
    r = ref("welch_zero_variance.csv").iloc[0]
    got = compare(data, "group", columns=["y"]).iloc[0]
    assert got["welch_t"] == pytest.approx(r["t"], rel=1e-9)
    assert got["welch_df2"] == pytest.approx(r["df"], rel=1e-9)
    assert got["welch_p"] == pytest.approx(r["p_value"], rel=1e-9)
    assert got["p_value"] == got["welch_p"]
    before = data[data.group == "a"][["y"]]
    after = data[data.group == "b"][["y"]]
    wave = change(before, after, columns=["y"]).iloc[0]
    assert wave["p_value"] == pytest.approx(r["p_value"], rel=1e-9)
    assert wave["df"] == pytest.approx(r["df"], rel=1e-9)


# -------------------------------------------------------------------------------- effect sizes
def test_effect_sizes_and_intervals_match_effectsize():
    data, expected = ref("effect_sizes_data.csv"), ref("effect_sizes.csv")
    for row in expected.to_dict("records"):
        d = data[data.case == row["case"]]
        got = compare(d, "group", columns=["y"], min_group_size=1).iloc[0]
        two = d[d.group.isin([1, 2])]
        pair = compare(two, "group", columns=["y"], min_group_size=1).iloc[0]
        for col in row:
            if col == "case":
                continue
            value = pair[col] if col.startswith("hedges") else got[col]
            assert value == pytest.approx(row[col], abs=1e-6), (row["case"], col)


def test_an_interval_that_cannot_be_computed_is_nan_with_a_note(monkeypatch):
    from scipy import special

    # the noncentral F's distribution function (what scipy.stats.ncf.cdf calls) giving up
    monkeypatch.setattr(special, "ncfdtr", lambda *a, **k: np.nan)
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"g": np.repeat(list("abc"), 20), "y": rng.normal(size=60)})
    df.loc[df.g == "c", "y"] += 5
    got = compare(df, "g", columns=["y"]).iloc[0]
    assert np.isfinite(got["eta_squared"])
    assert np.isnan(got["eta_squared_ci_low"])
    assert "too large for the noncentral F" in got["note"]


def test_compare_with_large_effects_many_groups_and_large_n():
    rng = np.random.default_rng(7)
    sites = np.repeat([f"site {i:02d}" for i in range(49)], 2041)
    y = rng.normal(np.repeat(np.linspace(1, 5, 49), 2041), 0.3)
    got = compare(pd.DataFrame({"site": sites, "y": y}), "site", columns=["y"]).iloc[0]
    assert got["k_groups"] == 49
    assert got["n"] == 49 * 2041
    for col in ("eta_squared_ci_low", "eta_squared_ci_high", "omega_squared_ci_low"):
        assert np.isfinite(got[col]) or "noncentral" in str(got["note"])
    assert got["eta_squared_ci_low"] <= got["eta_squared"] <= got["eta_squared_ci_high"]


# ----------------------------------------------------------------------------------------- ICC
def test_icc_matches_multilevel_and_psych_f_interval():
    data, expected = ref("icc_data.csv"), ref("icc.csv")
    for row in expected.itertuples():
        d = data[data.case == row.case]
        got = icc(d, "group", columns=["y"], min_group_size=1).iloc[0]
        assert got["icc1"] == pytest.approx(row.icc1, rel=1e-9)
        assert got["icc2"] == pytest.approx(row.icc2, rel=1e-9)
        assert got["icc_f"] == pytest.approx(row.f, rel=1e-9)
        assert got["icc_p"] == pytest.approx(row.p_value, rel=1e-9)
        if not np.isnan(row.icc1_ci_low):  # balanced: psych::ICC's ICC1 and ICC1k bounds
            assert got["icc1_ci_low"] == pytest.approx(row.icc1_ci_low, rel=1e-9)
            assert got["icc1_ci_high"] == pytest.approx(row.icc1_ci_high, rel=1e-9)
            assert got["icc2_ci_low"] == pytest.approx(row.icc2_ci_low, rel=1e-9)
            assert got["icc2_ci_high"] == pytest.approx(row.icc2_ci_high, rel=1e-9)


def test_groups_of_one_give_r_s_anova_and_iccs():
    data, expected = ref("icc_data.csv"), ref("icc.csv").set_index("case")
    d = data[data.case == 4]  # groups of 1, 1, 2, 5, 9, 14, 20, 30
    got = compare(d, "group", columns=["y"], min_group_size=1).iloc[0]
    assert got["anova_f"] == pytest.approx(expected.loc[4, "f"], rel=1e-9)
    assert got["anova_p"] == pytest.approx(expected.loc[4, "p_value"], rel=1e-9)
    assert np.isfinite(got["eta_squared"])
    assert np.isnan(got["welch_p"])
    assert "two or more answers in every group" in got["note"]


def _simulate(rng, sizes, rho):
    k = len(sizes)
    codes = np.repeat(np.arange(k), sizes)
    y = rng.normal(0, np.sqrt(rho), k)[codes] + rng.normal(0, np.sqrt(1 - rho), len(codes))
    return pd.DataFrame({"g": codes, "y": y})


@pytest.mark.parametrize("rho", [0.0, 0.1])
@pytest.mark.parametrize("layout", ["equal", "unequal"])
def test_icc_intervals_hold_their_level(rho, layout):
    """300 simulated data sets of 25 groups (20 each, or 8 to 40): the 95% intervals of ICC(1)
    and of ICC(2) (true value n̄ρ / (1 + (n̄ − 1)ρ)) cover the truth in 91-99% of them."""
    rng = np.random.default_rng(20261201)
    sizes = np.full(25, 20) if layout == "equal" else rng.integers(8, 41, 25)
    n_bar = sizes.mean()
    true2 = n_bar * rho / (1 + (n_bar - 1) * rho)
    hits1 = hits2 = 0
    reps = 300
    for _ in range(reps):
        got = icc(_simulate(rng, sizes, rho), "g", columns=["y"], min_group_size=1).iloc[0]
        hits1 += got["icc1_ci_low"] <= rho <= got["icc1_ci_high"]
        hits2 += got["icc2_ci_low"] <= true2 <= got["icc2_ci_high"]
    assert 0.91 <= hits1 / reps <= 0.99
    assert 0.91 <= hits2 / reps <= 0.99


def test_cluster_bootstrap_resamples_groups():
    rng = np.random.default_rng(5)
    df = _simulate(rng, np.full(30, 15), 0.2)
    got = icc(df, "g", columns=["y"], min_group_size=1, ci="cluster_bootstrap", n_boot=400)
    row = got.iloc[0]
    assert row["icc_ci_method"] == "cluster_bootstrap"
    assert row["icc1_ci_low"] < row["icc1"] < row["icc1_ci_high"]
    f_row = icc(df, "g", columns=["y"], min_group_size=1).iloc[0]
    assert row["icc1_ci_low"] == pytest.approx(f_row["icc1_ci_low"], abs=0.08)


def test_a_single_group_and_an_all_missing_domain_say_why():
    df = pd.DataFrame({"g": ["a"] * 8, "y": np.arange(8.0), "z": np.nan})
    got = compare(df, "g", columns=["y", "z"]).set_index("domain")
    assert "fewer than two groups" in got.loc["y", "note"]
    assert "no respondent" in got.loc["z", "note"]
    i = icc(df, "g", columns=["y"]).iloc[0]
    assert np.isnan(i["icc1"])
    assert "two or more groups" in i["note"]


# ------------------------------------------------------------------------ rwg(j) per domain
MIXED = textwrap.dedent(
    """
    id: mixed-scales
    title: Two domains on different scales (tests only)
    citation: test
    versions:
      - {id: staff, name: Staff, n_items: 6}
    response_scale:
      points:
        - {code: 1, label: one}
        - {code: 2, label: two}
        - {code: 3, label: three}
        - {code: 4, label: four}
        - {code: 5, label: five}
    other_scales:
      frequency:
        points:
          - {code: 0, label: f0}
          - {code: 1, label: f1}
          - {code: 2, label: f2}
          - {code: 3, label: f3}
          - {code: 4, label: f4}
          - {code: 5, label: f5}
          - {code: 6, label: f6}
    items:
      - {id: q1, label: Frequency 1, scale: frequency}
      - {id: q2, label: Frequency 2, scale: frequency}
      - {id: q3, label: Frequency 3, scale: frequency}
      - {id: q4, label: Frequency 4, scale: frequency}
      - {id: p1, label: Agreement 1}
      - {id: p2, label: Agreement 2}
    domain_defaults:
      min_answered: 0
      key: {status: published, source: test}
    domains:
      - {id: often, name: How often, items: [q1, q2, q3, q4]}
      - {id: agree, name: Agreement, items: [p1, p2]}
    """
)


@pytest.fixture
def mixed_instrument(tmp_path):
    path = tmp_path / "mixed.yaml"
    path.write_text(MIXED, encoding="utf-8")
    return load_instrument(path)


def test_rwg_takes_each_domain_s_own_scale(mixed_instrument):
    data = ref("rwg_options_data.csv")
    expected = ref("rwg_options.csv").set_index("site")
    rng = np.random.default_rng(2)
    data = data.assign(p1=rng.integers(1, 6, len(data)), p2=rng.integers(1, 6, len(data)))
    scored = score(data, mixed_instrument)
    got = agreement(scored, "site").set_index(["domain", "group"])
    often = got.loc["often"]
    assert (often["options"] == 7).all()
    assert (often["null_variance"] == 4.0).all()
    np.testing.assert_allclose(often.loc[expected.index, "rwg_j"], expected["rwg_j"], rtol=1e-9)
    np.testing.assert_allclose(
        often.loc[expected.index, "rwg_j_star"], expected["rwg_j_star"], rtol=1e-9
    )
    assert (got.loc["agree", "null_variance"] == 2.0).all()
    by_dict = agreement(scored, "site", options={"often": 7}).set_index(["domain", "group"])
    np.testing.assert_allclose(by_dict.loc["often", "rwg_j"], often["rwg_j"])


def test_a_domain_mixing_scales_is_an_error(tmp_path):
    path = tmp_path / "mixed.yaml"
    path.write_text(MIXED.replace("items: [p1, p2]", "items: [p1, q1]"), encoding="utf-8")
    inst = load_instrument(path)
    with pytest.raises(InstrumentError, match="mixes response scales") as err:
        inst.domain_scale("agree")
    assert "--options agree=A" in err.value.problems[0].hint


# -------------------------------------------------------------------------- aggregation verdict
def test_agreement_without_group_differences_is_not_supported():
    """Members agree (rwg(j) high) but the sites do not differ: one organization-wide score."""
    rng = np.random.default_rng(11)
    rows = []
    for site in "abcd":
        for _ in range(12):
            base = 4 + rng.choice([0, 0, 0, 0, 1])  # the same distribution at every site
            rows.append({"site": site, "q1": base, "q2": base, "q3": base})
    got = agreement(pd.DataFrame(rows), "site", domains={"d": ["q1", "q2", "q3"]}, options=5)
    assert (got["agree_within"]).all()
    assert not got["aggregate"].any()
    assert got["verdict"].str.contains(r"sites do not differ .*report one organization-wide").all()


def test_agreement_with_differing_sites_is_supported():
    rng = np.random.default_rng(12)
    rows = []
    for site, level in zip("abcd", [2, 3, 4, 5], strict=True):
        for _ in range(12):
            base = level - rng.choice([0, 0, 0, 1]) if level > 1 else level
            rows.append({"site": site, "q1": base, "q2": base, "q3": base})
    got = agreement(pd.DataFrame(rows), "site", domains={"d": ["q1", "q2", "q3"]}, options=5)
    assert got["aggregate"].all()
    assert got["verdict"].str.startswith("supported").all()
    assert (got["icc_p"] < 0.05).all()


# --------------------------------------------------------------------------------------- Feldt
def test_feldt_interval_counts_respondents_who_answered_the_domain():
    """Documented choice: n is the number of respondents with at least one answer in the domain
    (psych::alpha counts every row); blank rows do not narrow the interval."""
    from scipy import stats

    rng = np.random.default_rng(4)
    f = rng.normal(size=40)
    df = pd.DataFrame({c: f + rng.normal(size=40) for c in "abc"})
    blank = pd.DataFrame({c: [np.nan] * 10 for c in "abc"})
    one = reliability(df, domains={"d": list("abc")}).iloc[0]
    two = reliability(pd.concat([df, blank]), domains={"d": list("abc")}).iloc[0]
    assert one["n"] == two["n"] == 40
    assert one["alpha_ci_low"] == pytest.approx(two["alpha_ci_low"], rel=1e-12)
    low = 1 - (1 - one["raw_alpha"]) * stats.f.ppf(0.975, 39, 78)
    assert one["alpha_ci_low"] == pytest.approx(low, rel=1e-12)


# ------------------------------------------------------------------------ omega hierarchical
def test_omega_hierarchical_matches_psych():
    from assessments.stats.factors import omega_hierarchical

    m, o = ref("omega_h_matrices.csv"), ref("omega_h.csv")
    for row in o.itertuples():
        d = m[m.case == row.case]
        k = d.i.max()
        r = np.zeros((k, k))
        r[d.i - 1, d.j - 1] = d.r
        got = omega_hierarchical(r, row.n_factors)
        assert got["omega_h"] == pytest.approx(row.omega_h, abs=1e-4), row.case
        assert got["omega_total"] == pytest.approx(row.omega_total, abs=1e-4), row.case


def test_omega_h_is_reported_for_scales_made_of_facets():
    from assessments.demo import demo_responses
    from assessments.stats import omega_h

    scored = score(demo_responses("orca", n=300, seed=5), "orca", on_invalid="missing")
    got = omega_h(scored).set_index("scale")
    assert set(got.index) == {"evidence", "context", "facilitation"}
    assert (got["omega_h"] < got["omega_total"]).all()
    assert got.loc["context", "n_facets"] == 6
    oric = score(demo_responses("oric", n=200, seed=1), "oric", on_invalid="missing")
    two = omega_h(oric).iloc[0]
    assert two["scale"] == "total"
    assert two["n_facets"] == 2
    assert "not identified" in two["note"]


def test_posthoc_and_change_never_return_an_empty_table_without_a_reason():
    from assessments.stats import posthoc

    df = pd.DataFrame({"g": ["a"] * 8, "y": np.arange(8.0)})
    got = posthoc(df, "g", columns=["y"])
    assert len(got) == 1
    assert "fewer than two groups" in got.iloc[0]["note"]
    before = pd.DataFrame({"site": ["a"] * 6, "y": np.arange(6.0)})
    after = pd.DataFrame({"site": ["b"] * 6, "y": np.arange(6.0)})
    wave = change(before, after, by="site", columns=["y"])
    assert len(wave) == 1
    assert "present in both waves" in wave.iloc[0]["note"]


def test_each_pair_has_hedges_g_with_the_interval_effectsize_gives():
    """Issue 33: group comparisons gave an effect size for the omnibus test only. Every pair
    of a post-hoc comparison now carries Hedges' g and its 95% interval: the pair of groups 1
    and 2 of each reference case equals R effectsize::hedges_g(group 2, group 1)."""
    from assessments.stats import posthoc
    from assessments.stats.effects import hedges_g

    data, expected = ref("effect_sizes_data.csv"), ref("effect_sizes.csv")
    for row in expected.to_dict("records"):
        d = data[data.case == row["case"]]
        for method in ("games-howell", "tukey", "dunn"):
            got = posthoc(d, "group", columns=["y"], method=method, min_group_size=1)
            pair = got[(got.group1 == 1) & (got.group2 == 2)].iloc[0]
            for col, mine in (("hedges_g", "hedges_g"), ("hedges_g_ci_low", "g_ci_low"),
                              ("hedges_g_ci_high", "g_ci_high")):  # fmt: skip
                assert pair[mine] == pytest.approx(row[col], abs=1e-6), (row["case"], col)
        rest = posthoc(d, "group", columns=["y"], method="vs-rest", min_group_size=1)
        first = rest[rest.group1 == 1].iloc[0]
        mine = hedges_g(d.y[d.group == 1], d.y[d.group != 1])
        assert (first.hedges_g, first.g_ci_low, first.g_ci_high) == pytest.approx(mine)


def test_hedges_g_of_many_pairs_comes_without_its_interval():
    from assessments.stats import posthoc
    from assessments.stats.posthoc import MAX_G_INTERVALS

    rng = np.random.default_rng(3)
    k = 26  # 325 pairs
    assert k * (k - 1) // 2 > MAX_G_INTERVALS
    df = pd.DataFrame({"g": np.repeat(np.arange(k), 6), "y": rng.normal(size=6 * k)})
    got = posthoc(df, "g", columns=["y"], method="games-howell", min_group_size=1)
    assert got["hedges_g"].notna().all()
    assert got["g_ci_low"].isna().all()
    assert got["note"].str.contains("without its interval").all()

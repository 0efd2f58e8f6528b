"""Statistics against R on the psych bfi data (tests/data/reference/, made by make_reference.R):
psych::alpha, oneway.test, aov, kruskal.test, multilevel::ICC1/ICC2/rwg.j and
rstatix::games_howell_test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assessments import load_instrument, read_table, score
from assessments.stats import agreement, compare, item_reliability, posthoc, reliability

REF = Path(__file__).parent / "data" / "reference"
SCALES = ["agreeableness", "conscientiousness", "extraversion", "neuroticism", "openness"]


@pytest.fixture(scope="module")
def bfi():
    table = read_table(REF / "bfi" / "data.csv")
    return score(table.data, load_instrument(REF / "bfi-instrument.yaml"), rows=table.rows)


def ref(name):
    return pd.read_csv(REF / "bfi" / name)


def close(a, b, rtol=1e-6):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=1e-12)


def test_alpha_matches_psych(bfi):
    got = reliability(bfi).set_index("domain").loc[SCALES]
    r = ref("alpha.csv").set_index("scale").loc[SCALES]
    close(got["raw_alpha"], r["raw_alpha"], 1e-9)
    close(got["std_alpha"], r["std_alpha"], 1e-9)
    close(got["average_r"], r["average_r"], 1e-9)
    assert got["n_complete"].tolist() == r["n_complete"].tolist()
    assert got["n_items"].tolist() == r["n_items"].tolist()
    assert (got["alpha_ci_low"] < got["raw_alpha"]).all()
    assert (got["raw_alpha"] < got["alpha_ci_high"]).all()


def test_item_statistics_match_psych(bfi):
    got = item_reliability(bfi)
    r = ref("items.csv")
    assert got["item"].tolist() == [i.lower() for i in r["item"]]
    for col in ["r_drop", "alpha_if_dropped", "mean", "sd"]:
        close(got[col], r[col], 1e-9)
    assert got["n"].tolist() == r["n"].tolist()
    assert (got["pct_not_applicable"] == 0).all()


def test_omnibus_tests_match_r(bfi):
    got = compare(bfi, "education").set_index("domain").loc[SCALES]
    r = ref("compare.csv").set_index("scale").loc[SCALES]
    pairs = {
        "welch_f": "welch_F",
        "welch_df1": "welch_df1",
        "welch_df2": "welch_df2",
        "welch_p": "welch_p",
        "anova_f": "anova_F",
        "anova_p": "anova_p",
        "eta_squared": "eta_squared",
        "kruskal_h": "kruskal_H",
        "kruskal_df": "kruskal_df",
        "kruskal_p": "kruskal_p",
        "n": "n",
        "k_groups": "k_groups",
    }
    for ours, theirs in pairs.items():
        close(got[ours], r[theirs], 1e-9)
    assert (got["p_value"] == got["welch_p"]).all()
    assert (got["p_adjusted"] >= got["p_value"]).all()


def test_games_howell_matches_rstatix(bfi):
    got = posthoc(bfi, "education")
    r = ref("games_howell.csv")
    assert len(got) == len(r) == 50
    assert got["group1"].astype(int).tolist() == r["group1"].tolist()
    assert got["group2"].astype(int).tolist() == r["group2"].tolist()
    for ours, theirs in [("estimate", "estimate"), ("statistic", "statistic"), ("df", "df")]:
        close(got[ours], r[theirs], 1e-9)
    # R's qtukey is itself approximate (documented), so the interval agrees to ~4e-8 relative
    close(got["ci_low"], r["conf.low"], 1e-6)
    close(got["ci_high"], r["conf.high"], 1e-6)
    # rstatix prints p rounded to 3 places
    np.testing.assert_allclose(got["p_adjusted"], r["p.adj"], atol=0.0005 + 1e-12)


def test_rwg_j_and_iccs_match_multilevel(bfi):
    got = agreement(bfi, "education", n_boot=0)
    r = ref("rwg_j.csv")
    assert got["domain"].tolist() == r["scale"].tolist()
    assert got["group"].astype(int).tolist() == r["grpid"].tolist()
    assert got["n"].tolist() == r["gsize"].tolist()
    close(got["rwg_j"], r["rwg.j"], 1e-9)
    close(got["null_variance"], r["ranvar"], 1e-12)
    per_domain = got.groupby("domain", sort=False)[["icc1", "icc2"]].first().loc[SCALES]
    c = ref("compare.csv").set_index("scale").loc[SCALES]
    close(per_domain["icc1"], c["icc1"], 1e-9)
    close(per_domain["icc2"], c["icc2"], 1e-9)

"""Issue 28, structure and reliability sentences: the demo's ORCA answers pass the toolkit's own
structure check; a report with the structure section carries its verdict on the domain results;
``--listwise`` item statistics use the complete cases like the rest of the table; omega is
computed from ``cor(x, use = "pairwise")`` as ``psych::omega`` does on raw items.

References: the omega values are R's (``tests/data/reference/stats/make_omega_raw.R``, psych
as in ``omega_raw_versions.txt``); the listwise item figures are checked against pandas on the
complete cases (an independent computation).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assessments import score
from assessments.demo import demo_responses, demo_size
from assessments.render import build_report
from assessments.render.model import Note
from assessments.stats import reliability
from assessments.stats.reliability import item_reliability
from assessments.stats.structure import structure

REF = Path(__file__).parent / "data" / "reference" / "stats"


def test_the_demo_orca_answers_pass_the_structure_check():
    """Before: 240 demo respondents whose domains correlated near 1 (93 pairs above .85,
    improper) beside a demo report showing all 19 subscales."""
    scores = score(demo_responses("orca", n=demo_size("orca", 240), seed=2027), "orca",
                   on_invalid="missing")  # fmt: skip
    (res,) = structure(scores)
    assert res.cfa.verdict in ("good", "acceptable"), res.cfa.verdict_text
    assert not [n for n in res.cfa.notes if "correlate above .85" in n]
    oric = score(demo_responses("oric", n=240, seed=2026), "oric", on_invalid="missing")
    (res,) = structure(oric)
    assert res.cfa.verdict in ("good", "acceptable"), res.cfa.verdict_text


def _one_factor_oric(n: int = 300, seed: int = 3) -> pd.DataFrame:
    """ORIC answers driven by one trait: its two domains are not separate factors."""
    rng = np.random.default_rng(seed)
    trait = rng.normal(0, 1, n)
    return pd.DataFrame(
        {
            f"oric_{k}": np.clip(np.rint(3.5 + trait + rng.normal(0, 0.3, n)), 1, 5)
            for k in range(1, 13)
        }
    )


def _notes(section) -> list[str]:
    return [b.text for b in section.blocks if isinstance(b, Note)]


def test_domain_results_carry_the_structure_verdict():
    scores = score(_one_factor_oric(), "oric")
    with_structure = build_report(scores, structure=True, n_boot=0)
    by_heading = {s.heading: s for s in with_structure.sections}
    (res,) = structure(scores)
    assert res.cfa.verdict == "improper" or any(".85" in n for n in res.cfa.notes)
    for heading in ("At a glance", "Domain results"):
        assert any("structure check" in t for t in _notes(by_heading[heading])), heading
    without = build_report(scores, n_boot=0)
    for s in without.sections:
        assert not any("structure check" in t for t in _notes(s))
    # data whose structure holds carries no such note
    good = score(demo_responses("oric", n=240, seed=2026), "oric", on_invalid="missing")
    report = build_report(good, structure=True, n_boot=0)
    assert not any("structure check" in t for s in report.sections for t in _notes(s))


def test_listwise_item_statistics_use_the_complete_cases():
    scores = score(demo_responses("orca", n=400, seed=9), "orca", on_invalid="missing")
    table = item_reliability(scores, method="listwise")
    domain = scores.instrument.scored_domains[0]
    cols = list(domain.items)
    x = scores.items[cols].astype(float)
    complete = x.dropna()
    assert len(complete) < x.notna().any(axis=1).sum()  # blanks make the two sets differ
    rows = table[table["domain"] == domain.id].set_index("item")
    for item in cols:
        assert rows.loc[item, "n"] == len(complete)
        assert rows.loc[item, "mean"] == pytest.approx(complete[item].mean(), abs=1e-12)
        assert rows.loc[item, "sd"] == pytest.approx(complete[item].std(), abs=1e-12)
    summary = reliability(scores, method="listwise")
    assert summary.set_index("domain").loc[domain.id, "n"] == len(complete)


def test_omega_of_raw_items_with_blanks_matches_psych_omega():
    data = pd.read_csv(REF / "omega_raw_data.csv")
    expected = pd.read_csv(REF / "omega_raw.csv").set_index("set")
    assert len(expected) == 40
    for set_id, long in data.groupby("set"):
        x = long.pivot(index="row", columns="item", values="value")
        x.columns = [f"i{c}" for c in x.columns]
        got = reliability(x, domains={"d": list(x.columns)})
        assert got.loc[0, "omega_total"] == pytest.approx(
            expected.loc[set_id, "omega_total"], abs=6e-4
        ), set_id

"""The shipped instruments against the facts in FACTS.md (project notes), item by item."""

from __future__ import annotations

import pytest

from assessments import InstrumentError, list_instruments, load_instrument


def test_every_shipped_instrument_loads_in_display_order():
    assert [i.id for i in list_instruments()] == [
        "oric", "orca", "rsa", "rsa-r", "rki", "peer-support-practices",
    ]  # fmt: skip


def test_oric_key_matches_published_facets():
    oric = load_instrument("oric")
    assert oric.version == "staff"
    assert oric.item_ids == tuple(f"oric_{k}" for k in range(1, 13))
    assert oric.domain("change_commitment").items == tuple(f"oric_{k}" for k in (2, 4, 6, 9, 11))
    assert oric.domain("change_efficacy").items == tuple(
        f"oric_{k}" for k in (1, 3, 5, 7, 8, 10, 12)
    )
    assert not any(i.reverse for i in oric.items)
    assert [p.label.lower() for p in oric.response_scale.points] == [
        "disagree",
        "somewhat disagree",
        "neither agree nor disagree",
        "somewhat agree",
        "agree",
    ]
    assert oric.response_scale.codes == (1, 2, 3, 4, 5)
    assert {d.key_status for d in oric.domains} == {"published"}
    # every item is in exactly one facet
    assert sorted(i for d in oric.domains for i in d.items) == sorted(oric.item_ids)


ORCA_TABLE = {  # FACTS.md: scale, subscale id, item suffixes, status
    "discord": ("evidence", ["1", "2"], "provisional"),
    "research_evidence": ("evidence", [f"3{c}" for c in "abcde"], "published"),
    "clinical_experience": ("evidence", [f"4{c}" for c in "abcd"], "published"),
    "patient_preferences": ("evidence", [f"5{c}" for c in "abcd"], "published"),
    "senior_leadership_culture": ("context", [f"6{c}" for c in "abc"], "published"),
    "staff_culture": ("context", [f"7{c}" for c in "abcd"], "published"),
    "leadership_behavior": ("context", [f"8{c}" for c in "abcd"], "published"),
    "measurement": ("context", [f"9{c}" for c in "abcd"], "published"),
    "opinion_leaders": ("context", [f"10{c}" for c in "abcd"], "provisional"),
    "general_resources": ("context", [f"11{c}" for c in "abcd"], "provisional"),
    "senior_leaders_practices": ("facilitation", [f"12{c}" for c in "abcd"], "provisional"),
    "clinical_champion": ("facilitation", [f"13{c}" for c in "abcd"], "provisional"),
    "leadership_implementation_roles": ("facilitation", [f"14{c}" for c in "abcd"], "provisional"),
    "implementation_team_roles": ("facilitation", [f"15{c}" for c in "abcd"], "provisional"),
    "implementation_plan": ("facilitation", [f"16{c}" for c in "abcd"], "provisional"),
    "project_communication": ("facilitation", [f"17{c}" for c in "abcd"], "provisional"),
    "progress_tracking": ("facilitation", [f"18{c}" for c in "abcd"], "provisional"),
    "project_resources": ("facilitation", [f"19{c}" for c in "abcdef"], "provisional"),
    "project_evaluation": ("facilitation", [f"20{c}" for c in "abcde"], "provisional"),
}


def test_orca_structure_matches_facts_table():
    orca = load_instrument("orca")
    assert len(orca.items) == 77
    assert [d.id for d in orca.domains] == list(ORCA_TABLE)
    for did, (_, suffixes, status) in ORCA_TABLE.items():
        dom = orca.domain(did)
        assert dom.items == tuple(f"orca_{s}" for s in suffixes), did
        assert dom.key_status == status, did
        assert dom.min_answered == 0.5
    for item in orca.items:
        assert orca.number(item.id) == item.id.removeprefix("orca_")
    scales = {s.id: s for s in orca.composites}
    assert set(scales) == {"evidence", "context", "facilitation"}
    for sid, sc in scales.items():
        assert sc.method == "mean_of_domains"
        assert list(sc.domains) == [d for d, (s, _, _) in ORCA_TABLE.items() if s == sid]
    counts = {sid: len(orca.scale_items(sc)) for sid, sc in scales.items()}
    assert counts == {"evidence": 15, "context": 23, "facilitation": 39}


def test_orca_reverse_items_drops_and_norms():
    orca = load_instrument("orca")
    assert {i.id for i in orca.items if i.reverse} == {"orca_3d", "orca_3e", "orca_4d"}
    assert orca.suggested_drop == (
        "orca_3d",
        "orca_3e",
        "orca_4d",
        "orca_5a",
        "orca_5b",
        "orca_5c",
        "orca_5d",
    )
    norms = {n.target: (n.mean, n.sd, n.n) for n in orca.norms}
    assert norms["research_evidence"] == (4.16, 0.49, 80)
    assert norms["senior_leadership_culture"] == (3.66, 1.00, 80)
    assert len(norms) == 6


def test_orca_drop_suggested_removes_items_and_empty_subscale():
    orca = load_instrument("orca", drop_suggested=True)
    assert len(orca.items) == 70
    assert "patient_preferences" not in [d.id for d in orca.domains]
    assert orca.domain("research_evidence").items == ("orca_3a", "orca_3b", "orca_3c")
    evidence = next(s for s in orca.composites if s.id == "evidence")
    assert evidence.domains == ("discord", "research_evidence", "clinical_experience")


@pytest.mark.parametrize(
    ("iid", "versions"),
    [
        ("rsa", {"administrator": 36, "provider": 32, "person": 32, "family": 40}),
        ("rsa-r", {"provider": 32, "person": 32}),
    ],
)
def test_rsa_versions_scale_and_undeclared_keys(iid, versions):
    rsa = load_instrument(iid)
    assert rsa.version is None
    assert rsa.summary()["n_items"] == versions
    scale = rsa.response_scale
    assert scale.codes == (1, 2, 3, 4, 5)
    assert scale.not_applicable is not None
    assert scale.dont_know is not None
    assert scale.not_applicable.code != scale.dont_know.code
    five = [
        "life_goals",
        "involvement",
        "diversity_of_treatment_options",
        "choice",
        "individually_tailored_services",
    ]
    # the RSA's printings that have a sixth factor: declared, optional (issue 35)
    sixth = ["inviting_environment"] if iid == "rsa" else []
    assert [d.id for d in rsa.domains] == five + sixth
    assert [d.id for d in rsa.domains if d.optional] == sixth
    assert list(rsa.missing_keys) == five  # the optional one is not missing
    assert all(d.items == () and d.key_status == "user" for d in rsa.domains)
    assert rsa.total is not None
    assert rsa.total.all_items
    provider = rsa.select("provider")
    assert provider.item_ids == tuple(f"rsa_{k}" for k in range(1, 33))
    assert provider.score_ids == ("total",)
    assert "no scoring key" in " ".join(provider.key_warnings())


def test_rsa_needs_a_version_to_score():
    with pytest.raises(InstrumentError) as exc:
        load_instrument("rsa").select(None)
    assert exc.value.codes == ["version-required"]
    assert "administrator, provider, person, family" in str(exc.value)


def test_unknown_id_suggests_the_closest():
    with pytest.raises(InstrumentError) as exc:
        load_instrument("orcaa")
    assert exc.value.codes == ["unknown-instrument"]
    assert "did you mean 'orca'" in str(exc.value)


def test_unknown_version():
    with pytest.raises(InstrumentError) as exc:
        load_instrument("rsa", "clinician")
    assert exc.value.codes == ["unknown-version"]


def test_item_labels_are_short_and_our_own():
    # labels are short paraphrases or placeholders: never long instrument wording
    for inst in list_instruments():
        for item in inst.items:
            assert len(item.label) <= 60, (inst.id, item.id)
            assert item.text is None

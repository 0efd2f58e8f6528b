"""Scoring against hand-computed cases: reverse keys, proration at exactly half, N/A vs blank
vs Don't know, labels, invalid answers, exclusions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from assessments import InstrumentError, ResponseError, load_instrument, score

ORCA = load_instrument("orca")


def orca_row(**answers):
    """One ORCA respondent whose every item scores 4 after reversal (reverse-keyed items are
    answered 2), except the given items (None = blank)."""
    row = {i.id: 2 if i.reverse else 4 for i in ORCA.items}
    row.update({f"orca_{k}": v for k, v in answers.items()})
    return row


def test_reverse_keys_use_six_minus_x():
    s = score(pd.DataFrame([orca_row(**{"3d": 2, "3e": 1, "4d": 5})]), ORCA)
    r = s.respondents.iloc[0]
    assert r["research_evidence"] == pytest.approx((4 + 4 + 4 + 4 + 5) / 5)
    assert r["clinical_experience"] == pytest.approx((4 + 4 + 4 + 1) / 4)
    assert s.items.loc[0, "orca_3d"] == 4
    assert s.items.loc[0, "orca_4d"] == 1


def test_proration_at_exactly_half_and_below():
    rows = [
        # discord: 1 of 2 answered = exactly half -> scored
        orca_row(**{"2": None, "1": 3}),
        # research evidence: 2 of 5 answered (< half) -> blank; 3 of 5 -> scored
        orca_row(**{"3a": None, "3b": None, "3c": None}),
        orca_row(**{"3a": None, "3b": None, "3c": 2}),
        # senior leadership culture: 1 of 3 -> blank (needs 2)
        orca_row(**{"6a": None, "6b": None}),
    ]
    r = score(pd.DataFrame(rows), ORCA).respondents
    assert r.loc[0, "discord"] == 3.0
    assert r.loc[0, "discord_n"] == 1
    assert bool(r.loc[0, "prorated"])
    assert math.isnan(r.loc[1, "research_evidence"])
    assert r.loc[1, "research_evidence_n"] == 2
    assert r.loc[2, "research_evidence"] == pytest.approx((2 + 4 + 4) / 3)
    assert math.isnan(r.loc[3, "senior_leadership_culture"])
    # a scale needs all its subscales by default
    assert math.isnan(r.loc[1, "evidence"])
    assert r.loc[1, "evidence_n"] == 3
    assert r.loc[3, "context_n"] == 5
    assert r.loc[2, "evidence"] == pytest.approx((4 + (2 + 4 + 4) / 3 + 4 + 4) / 4)
    assert not bool(r.loc[3, "prorated"])  # the only short domain was not scored


def test_drop_suggested_changes_the_scores():
    row = orca_row(**{"3d": 1, "5a": 1, "5b": 1})
    full = score(pd.DataFrame([row]), ORCA).respondents.iloc[0]
    dropped = score(pd.DataFrame([row]), "orca", drop_suggested=True).respondents.iloc[0]
    assert full["research_evidence"] == pytest.approx((4 * 3 + 5 + 4) / 5)
    assert dropped["research_evidence"] == 4.0
    assert "patient_preferences" not in dropped.index
    assert dropped["evidence"] == 4.0


def rsa_answers(**cells):
    row = {f"rsa_{k}": 4 for k in range(1, 33)}
    row.update(cells)
    return row


def test_not_applicable_dont_know_and_blank_are_kept_apart():
    df = pd.DataFrame(
        [
            rsa_answers(
                rsa_1="N/A",
                rsa_2="Don't know",
                rsa_3=None,
                rsa_4=97,
                rsa_5=98,
                rsa_6="not applicable",
                rsa_7="DK",
                rsa_8="#N/A",
            )
        ]
    )
    s = score(df, "rsa", version="provider")
    r = s.respondents.iloc[0]
    assert r["total"] == 4.0
    assert r["total_n"] == 32 - 8
    assert (r["n_not_applicable"], r["n_dont_know"], r["n_blank"]) == (3, 3, 2)
    summary = s.item_summary().set_index("item")
    assert summary.loc["rsa_1", "n_not_applicable"] == 1
    assert summary.loc["rsa_2", "n_dont_know"] == 1
    assert summary.loc["rsa_3", "n_blank"] == 1
    assert s.summary()["not_applicable"] == 3
    assert "no scoring key" in " ".join(s.notes)


def test_missing_markers_for_an_instrument_without_na():
    df = pd.DataFrame({f"oric_{k}": [4] for k in range(1, 13)})
    df["oric_1"] = ["N/A"]
    df["oric_2"] = ["NA"]
    df["oric_3"] = ["not applicable"]
    r = score(df, "oric").respondents.iloc[0]
    assert (r["n_not_applicable"], r["n_blank"], r["total_n"]) == (2, 1, 9)


def test_labels_are_case_spacing_and_punctuation_insensitive():
    answers = [
        "  AGREE ",
        "somewhat-disagree",
        "Neither agree nor disagree.",
        "neutral",
        "5 - Agree",
        "Somewhat agree (4)",
        "strongly disagree",
        "2",
        3.0,
        "4.0",
        "1",
        "3",
    ]
    df = pd.DataFrame({f"oric_{k}": [a] for k, a in enumerate(answers, 1)})
    s = score(df, "oric")
    assert s.items.iloc[0, 1:].tolist() == [5, 2, 3, 3, 5, 4, 1, 2, 3, 4, 1, 3]
    assert len(s.recodes) == 7


def test_invalid_answers_fail_listing_every_cell():
    df = pd.DataFrame({f"oric_{k}": [4, 4, 4] for k in range(1, 13)})
    df["oric_3"] = [4, 7, 4]
    df["oric_5"] = df["oric_5"].astype(object)
    df.loc[2, "oric_5"] = "Agreee"
    with pytest.raises(ResponseError) as exc:
        score(df, "oric", file="answers.csv")
    err = exc.value
    assert err.codes == ["invalid-value", "invalid-value"]
    first, second = err.problems
    assert (first.row, first.column, first.value) == (3, "oric_3", 7)
    assert (second.row, second.column, second.value) == (4, "oric_5", "Agreee")
    assert "did you mean 'agree'" in str(second)
    assert 'on_invalid="missing"' in str(first)  # a Python caller is told the keyword
    assert "--on-invalid missing" in first.cli_text()  # the command line, its flag
    assert "answers.csv, row 3, column 'oric_3'" in str(first)


def test_invalid_answers_as_missing_are_recorded():
    df = pd.DataFrame({f"oric_{k}": [4, 4] for k in range(1, 13)})
    df["oric_3"] = [4, 0]
    s = score(df, "oric", on_invalid="missing")
    assert s.invalid[["row", "column", "value"]].values.tolist() == [[3, "oric_3", 0]]
    assert s.respondents.loc[1, "change_efficacy_n"] == 6
    assert s.respondents.loc[1, "n_invalid"] == 1


def test_rows_without_valid_answers_are_excluded_with_a_reason():
    df = pd.DataFrame({f"oric_{k}": [4, None, "N/A", 9] for k in range(1, 13)})
    df["id"] = ["a", "b", "c", "d"]
    s = score(df, "oric", on_invalid="missing")
    assert s.respondents["respondent_id"].tolist() == ["a"]
    assert s.excluded["respondent_id"].tolist() == ["b", "c", "d"]
    assert s.excluded["row"].tolist() == [3, 4, 5]
    reasons = s.excluded["reason"].tolist()
    assert "every item is blank" in reasons[0]
    assert "12 N/A or Don't know" in reasons[1]
    assert "12 invalid" in reasons[2]
    assert s.n_scored + s.n_excluded == s.rows_read == 4


def test_metadata_passes_through_and_ids_are_detected():
    df = pd.DataFrame({f"ORIC_{k}": [3, 5] for k in range(1, 13)})
    df.insert(0, "ResponseId", ["R_1", "R_2"])
    df["site"] = ["North", "South"]
    r = score(df, "oric").respondents
    assert list(r.columns[:3]) == ["respondent_id", "row", "site"]
    assert r["respondent_id"].tolist() == ["R_1", "R_2"]
    assert r["change_commitment"].tolist() == [3.0, 5.0]


def test_column_problems_are_errors_with_fixes():
    df = pd.DataFrame({f"oric_{k}": [3] for k in range(1, 12)})
    with pytest.raises(ResponseError) as exc:
        score(df, "oric")
    assert exc.value.codes == ["missing-items"]
    assert "oric_12" in str(exc.value)
    assert "allow_missing_items=True" in str(exc.value)
    assert "--allow-missing-items" in "\n".join(exc.value.cli_lines())
    s = score(df, "oric", allow_missing_items=True)
    assert s.respondents.loc[0, "change_efficacy_n"] == 6
    df["ORIC_1"] = 4
    with pytest.raises(ResponseError) as exc:
        score(df, "oric", allow_missing_items=True)
    assert exc.value.codes == ["column-mapped-twice"]
    with pytest.raises(ResponseError) as exc:
        score(pd.DataFrame({"x": [1]}), "oric")
    assert exc.value.codes == ["no-items"]


def test_scoring_is_vectorized_and_consistent_on_numeric_input():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 6, size=(500, 77)).astype(float)
    x[rng.random(x.shape) < 0.2] = np.nan
    df = pd.DataFrame(x, columns=list(ORCA.item_ids))
    s = score(df, ORCA)
    # independent computation of one subscale, with the reversal and the half rule
    items = ["orca_4a", "orca_4b", "orca_4c", "orca_4d"]
    v = df[items].copy()
    v["orca_4d"] = 6 - v["orca_4d"]
    n = v.notna().sum(axis=1)
    expected = v.mean(axis=1).where(n >= 2)
    kept = s.respondents["respondent_id"] - 2
    np.testing.assert_allclose(s.respondents["clinical_experience"], expected[kept], rtol=1e-12)


@pytest.mark.parametrize("layout", ["all numeric", "some text columns", "one item missing"])
def test_block_checks_agree_with_coding_each_cell(layout):
    """The fast path (numeric columns checked a block of rows at a time, sums by one matrix
    product) against the general path (every column coded cell by cell through the label
    coder), on 9,000 rows (three blocks) with invalid cells in every block: whole numbers out
    of range, fractions, negatives, blanks."""
    rng = np.random.default_rng(7)
    n = 9_000
    x = rng.integers(1, 6, size=(n, 77)).astype(float)
    x[rng.random(x.shape) < 0.1] = np.nan
    bad = rng.random(x.shape) < 0.002
    x[bad] = rng.choice([0.0, 6.0, 2.5, -1.0, 99.0], size=int(bad.sum()))
    x[4_000] = np.nan  # a respondent with no answer, excluded
    ids = list(ORCA.item_ids)
    numeric = pd.DataFrame(x, columns=ids)
    numeric.insert(0, "site", np.where(rng.random(n) < 0.5, "North", "South"))
    if layout == "some text columns":
        for c in ids[1::3]:
            numeric[c] = numeric[c].astype(object)
    kwargs = {"on_invalid": "missing"}
    if layout == "one item missing":
        numeric = numeric.drop(columns=["orca_4b"])
        kwargs["allow_missing_items"] = True
    text = numeric.astype({c: object for c in numeric.columns if c in ORCA.item_ids})
    fast, slow = score(numeric, ORCA, **kwargs), score(text, ORCA, **kwargs)
    pd.testing.assert_frame_equal(fast.respondents, slow.respondents, check_exact=False, rtol=1e-12)
    np.testing.assert_array_equal(fast.status.to_numpy(), slow.status.to_numpy())
    np.testing.assert_array_equal(
        fast.items[ids].to_numpy(), slow.items[ids].to_numpy()
    )  # NaN where not answered, reversed where keyed so
    scored_columns = [j for j, c in enumerate(ids) if c in numeric.columns]
    assert len(fast.invalid) == int(bad[:, scored_columns].sum()) - int(
        bad[4_000, scored_columns].sum()
    )
    pd.testing.assert_frame_equal(
        fast.invalid.astype({"value": float}), slow.invalid.astype({"value": float})
    )
    assert fast.excluded["row"].tolist() == [4_002]
    assert fast.cell_counts == slow.cell_counts


BIPOLAR = """
id: bipolar
title: A scale centred on zero (tests only)
response_scale:
  points:
    - {code: -2, label: Much worse}
    - {code: -1, label: Worse}
    - {code: 0, label: Same}
    - {code: 1, label: Better}
    - {code: 2, label: Much better}
items:
  - {id: b1, label: One}
  - {id: b2, label: Two, reverse: true}
  - {id: b3, label: Three}
  - {id: b4, label: Four}
domains:
  - {id: change, name: Change, items: [b1, b2, b3, b4]}
"""


def test_negative_codes_are_summed_exactly(tmp_path):
    """Sums start from the scale's lowest code (here -2), so negative codes and reversal
    around zero must come out as a plain pandas mean of the reversed answers."""
    path = tmp_path / "bipolar.yaml"
    path.write_text(BIPOLAR, encoding="utf-8")
    inst = load_instrument(path)
    rng = np.random.default_rng(3)
    x = rng.integers(-2, 3, size=(300, 4)).astype(float)
    x[rng.random(x.shape) < 0.25] = np.nan
    df = pd.DataFrame(x, columns=["b1", "b2", "b3", "b4"])
    got = score(df, inst).respondents.set_index("row")["change"]
    v = df.assign(b2=-df["b2"])  # reversing -2..2 is negation
    expected = v.mean(axis=1).where(v.notna().sum(axis=1) >= 2)
    expected.index = expected.index + 2
    expected = expected[got.index]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12, atol=1e-15)


def _wide_instrument(tmp_path, codes: list[int], k: int):
    """A user instrument of ``k`` items on the whole ``codes``, in two domains of unequal size
    (every third item, and the rest)."""
    items = "\n".join(f"  - {{id: q{i}, label: Q{i}}}" for i in range(k))
    first = ", ".join(f"q{i}" for i in range(0, k, 3))
    rest = ", ".join(f"q{i}" for i in range(k) if i % 3)
    labels = "\n".join(f"    - {{code: {c}, label: P{c}}}" for c in codes)
    text = (
        f"id: wide\ntitle: Wide codes (tests only)\nresponse_scale:\n  points:\n{labels}\n"
        f"items:\n{items}\ndomains:\n  - {{id: a, name: A, items: [{first}]}}\n"
        f"  - {{id: b, name: B, items: [{rest}]}}\n"
    )
    path = tmp_path / "wide.yaml"
    path.write_text(text, encoding="utf-8")
    return load_instrument(path)


@pytest.mark.parametrize(
    ("codes", "k"),
    [
        (list(range(11)), 90),
        (list(range(1, 8)), 300),
        (list(range(-50, 51)), 40),
        ([0, 1, 2, 3, 9_999], 150),
    ],
    ids=["0-10 x90", "1-7 x300", "-50..50 x40", "0..9999 x150 (float64 sums)"],
)
def test_sums_and_counts_are_exact_for_any_whole_codes(tmp_path, codes, k):
    """Sums and counts come from one matrix product with a marker in the unanswered cells
    (_item_sums); checked against a plain pandas mean and count of the answered cells on
    scales of other widths, offsets and lengths. In the last, half of a 100-item domain
    unanswered puts the marked sum near 2**29, where float32 would round it: the sums must
    switch to float64."""
    inst = _wide_instrument(tmp_path, codes, k)
    rng = np.random.default_rng(len(codes) + k)
    x = rng.choice(np.array(codes, dtype=float), size=(2_000, k))
    x[rng.random(x.shape) < 0.3] = np.nan
    x[5, :] = codes[-1]  # every answer at the top of the scale
    x[6, ::3] = np.nan  # domain a unanswered, domain b answered
    b_items = [i for i in range(k) if i % 3]
    x[7, b_items] = codes[1]  # an odd sum ...
    x[7, b_items[: len(b_items) // 2]] = np.nan  # ... and half of domain b unanswered
    df = pd.DataFrame(x, columns=list(inst.item_ids))
    got = score(df, inst).respondents.set_index("row")
    for dom in inst.domains:
        v = df[list(dom.items)]
        n = v.notna().sum(axis=1)
        expected = v.mean(axis=1).where(n >= dom.min_items())
        expected.index = expected.index + 2
        np.testing.assert_allclose(
            got[dom.id].to_numpy(), expected[got.index].to_numpy(), rtol=1e-12, atol=1e-12
        )
        assert got[f"{dom.id}_n"].tolist() == n.to_numpy()[got.index - 2].tolist()
    assert got.loc[7, "b"] == codes[-1]
    assert np.isnan(got.loc[8, "a"])
    assert got.loc[9, "b"] == codes[1]
    assert got["n_answered"].tolist() == df.notna().sum(axis=1).to_numpy()[got.index - 2].tolist()


def test_codes_too_far_apart_to_sum_exactly_are_an_instrument_error(tmp_path):
    inst = _wide_instrument(tmp_path, [0, 10**13], 10)
    df = pd.DataFrame(np.zeros((3, 10)), columns=list(inst.item_ids))
    with pytest.raises(InstrumentError, match="too far apart") as err:
        score(df, inst)
    assert err.value.codes == ["codes-too-large"]


def test_codes_far_apart_are_looked_up_without_a_table(tmp_path):
    """An N/A code far from the scale (99999999, as some exports use) is classified by sorted
    lookup instead of a table spanning every code in between (which needed 100 MB)."""
    path = tmp_path / "far.yaml"
    path.write_text(
        "id: far\ntitle: Far N/A code (tests only)\nresponse_scale:\n  points:\n"
        + "".join(f"    - {{code: {c}, label: P{c}}}\n" for c in range(1, 6))
        + "  not_applicable: {code: 99999999, label: Not applicable}\n"
        "items:\n  - {id: q1, label: One}\n  - {id: q2, label: Two}\n"
        "domains:\n  - {id: a, name: A, items: [q1, q2]}\n",
        encoding="utf-8",
    )
    inst = load_instrument(path)
    df = pd.DataFrame({"q1": [1, 99999999, 3, 7, np.nan], "q2": [5, 4, 99999998, 2.5, 2]})
    s = score(df, inst, on_invalid="missing")
    # answered, N/A, answered, (row 5: both invalid, excluded), blank
    assert s.status["q1"].tolist() == [0, 2, 0, 1]
    assert s.status["q2"].tolist() == [0, 0, 4, 0]
    assert s.excluded["row"].tolist() == [5]
    assert len(s.invalid) == 3
    assert s.respondents["a"].tolist()[:2] == [3.0, 4.0]


def test_item_summary_matches_pandas_column_by_column():
    """Item means, SDs and status counts (computed one column at a time, so that 200k
    respondents need no copy of the answer matrix) against pandas on the whole frames."""
    rng = np.random.default_rng(11)
    x = rng.integers(1, 6, size=(3_000, 77)).astype(object)
    x[rng.random(x.shape) < 0.1] = None
    x[rng.random(x.shape) < 0.03] = "N/A"
    x[:, 5] = None  # an item nobody answered
    x[0, 6] = 3  # and one answered once
    x[1:, 6] = None
    df = pd.DataFrame(x, columns=list(ORCA.item_ids))
    s = score(df, ORCA, allow_missing_items=True)
    got = s.item_summary().set_index("item")
    items = s.items[list(ORCA.item_ids)]
    np.testing.assert_allclose(got["mean"], items.mean().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(got["sd"], items.std(ddof=1).to_numpy(), rtol=1e-12)
    assert np.isnan(got.loc[ORCA.item_ids[5], "mean"])
    assert np.isnan(got.loc[ORCA.item_ids[6], "sd"])
    for code, name in enumerate(["answered", "blank", "not_applicable", "dont_know", "invalid"]):
        assert got[f"n_{name}"].tolist() == (s.status == code).sum().tolist()


@pytest.mark.parametrize("layout", ["one block", "a block per column", "with metadata"])
def test_the_callers_frame_is_never_written_to(layout):
    """Scoring reverses keyed items in its own copy of the answers, whatever the frame's
    memory layout (a many-block frame is gathered into a new array, which is not copied
    again), and gives the same scores for each layout."""
    x = np.random.default_rng(2).integers(1, 6, (60, 77)).astype(float)
    ids = list(ORCA.item_ids)
    if layout == "one block":
        df = pd.DataFrame(x.copy(), columns=ids)
    elif layout == "a block per column":
        df = pd.DataFrame({c: x[:, j].copy() for j, c in enumerate(ids)}, copy=False)
    else:
        df = pd.DataFrame(x.copy(), columns=ids).assign(site="North")
    before = df.copy()
    s = score(df, ORCA)
    pd.testing.assert_frame_equal(df, before)
    expected = score(pd.DataFrame(x, columns=ids), ORCA).respondents
    pd.testing.assert_frame_equal(s.respondents.drop(columns=["site"], errors="ignore"), expected)


@pytest.mark.parametrize("layout", ["one block", "a block per column"])
def test_excluded_rows_leave_the_same_scores_as_scoring_the_rest_alone(layout):
    """Rows with no usable answer are dropped from the scorer's own arrays in place: the
    scores, items and status of the rest are those of scoring the rest alone (an independent
    computation), the excluded rows are listed, and the caller's frame is untouched."""
    rng = np.random.default_rng(5)
    x = rng.integers(1, 6, (50, 77)).astype(float)
    x[rng.random(x.shape) < 0.2] = np.nan
    blank = [0, 7, 8, 31, 49]  # the first, two together, the last
    x[blank] = np.nan
    ids = list(ORCA.item_ids)
    if layout == "one block":
        df = pd.DataFrame(x.copy(), columns=ids).assign(site=[f"s{i % 3}" for i in range(50)])
    else:
        df = pd.DataFrame({c: x[:, j].copy() for j, c in enumerate(ids)}, copy=False)
        df["site"] = [f"s{i % 3}" for i in range(50)]
    before = df.copy()
    s = score(df, ORCA, id_column=None)
    pd.testing.assert_frame_equal(df, before)
    assert s.excluded["row"].tolist() == [b + 2 for b in blank]
    rest = df.drop(index=blank).reset_index(drop=True)
    alone = score(rest, ORCA, rows=[r + 2 for r in range(50) if r not in blank])
    pd.testing.assert_frame_equal(s.respondents, alone.respondents)
    pd.testing.assert_frame_equal(s.items, alone.items)
    pd.testing.assert_frame_equal(s.status, alone.status)
    assert s.cell_counts["blank"] == alone.cell_counts["blank"] + 77 * len(blank)


def test_scores_without_answers_keep_every_score_and_refuse_item_summaries():
    x = np.random.default_rng(8).integers(1, 6, (40, 77)).astype(float)
    s = score(pd.DataFrame(x, columns=list(ORCA.item_ids)), ORCA)
    light = s.without_answers()
    pd.testing.assert_frame_equal(light.respondents, s.respondents)
    assert list(light.items.columns) == list(s.items.columns)
    assert len(light.items) == len(light.status) == 0
    with pytest.raises(ResponseError, match="kept without them"):
        light.item_summary()
    from assessments.stats import change, reliability

    with pytest.raises(ResponseError, match="reliability estimates need the answers"):
        reliability(light)
    # what an earlier wave is kept for: change between independent samples, unchanged
    pd.testing.assert_frame_equal(change(light, s), change(s, s))


@pytest.mark.parametrize("answers", ["labels and codes", "codes"])
def test_consuming_the_responses_gives_the_same_scores_and_frees_the_answers(tmp_path, answers):
    """``consume=True`` (what ``assess report`` passes) drops each answer column once coded:
    the scores, items, status and logs (invalid cells with their raw values included) equal an
    ordinary scoring of the same file, and the Responses keep only their metadata columns."""
    from assessments import read_responses
    from assessments.demo import demo_responses

    path = tmp_path / "answers.csv"
    df = demo_responses("orca", n=300, seed=4)
    if answers == "codes":  # numeric columns: the block path, with two codes off the scale
        items = list(ORCA.item_ids)
        df[items] = df[items].apply(pd.to_numeric, errors="coerce")
        df.loc[[3, 9], "orca_5b"] = [7, 0]
    df.to_csv(path, index=False)
    plain = score(read_responses(path, "orca"), on_invalid="missing")
    r = read_responses(path, "orca")
    metadata = r.metadata_columns
    eaten = score(r, on_invalid="missing", consume=True)
    for name in ("respondents", "items", "status", "excluded", "invalid", "recodes"):
        pd.testing.assert_frame_equal(getattr(eaten, name), getattr(plain, name))
    assert len(eaten.invalid) >= (2 if answers == "codes" else 1)
    assert list(r.data.columns) == metadata
    assert not set(r.columns.values()) & set(r.raw.columns)

"""Property tests: scored + excluded = rows read, and scores equal an independent per-row
computation, over random answers mixing codes, labels, markers and junk."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments import load_instrument, score

ORIC = load_instrument("oric")
VALUES = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, "Agree": 5, "somewhat disagree": 2, "3": 3}
MISSING = [None, "", "N/A", "NA", "#N/A", "not applicable"]
JUNK = [0, 6, 44, "maybe", -1, "Agreee"]

cell = st.sampled_from(list(VALUES) + MISSING + JUNK)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(cell, min_size=12, max_size=12), min_size=1, max_size=30))
def test_every_row_is_scored_or_excluded_and_scores_are_right(rows):
    df = pd.DataFrame(rows, columns=list(ORIC.item_ids)).astype(object)
    s = score(df, ORIC, on_invalid="missing")
    assert s.n_scored + s.n_excluded == s.rows_read == len(rows)
    assert set(s.respondents["respondent_id"]).isdisjoint(s.excluded["respondent_id"])
    by_row = s.respondents.set_index("respondent_id")
    for i, raw in enumerate(rows):
        valid = {item: VALUES[v] for item, v in zip(ORIC.item_ids, raw, strict=True) if v in VALUES}
        row_id = i + 2
        if not valid:
            assert row_id in set(s.excluded["respondent_id"])
            continue
        for d in ORIC.domains:
            got = by_row.loc[row_id, d.id]
            answered = [valid[x] for x in d.items if x in valid]
            if len(answered) >= math.ceil(len(d.items) / 2):  # the toolkit's default rule
                assert math.isclose(got, sum(answered) / len(answered))
            else:
                assert math.isnan(got)

"""Scores through a user-written instrument file against R (rowMeans(na.rm=TRUE)) on the psych
bfi data: tests/data/reference/bfi/scores.csv, made by make_reference.R."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from assessments import load_instrument, read_table, score

REFERENCE = Path(__file__).parent / "data" / "reference"


def test_bfi_scores_match_r():
    table = read_table(REFERENCE / "bfi" / "data.csv")
    inst = load_instrument(REFERENCE / "bfi-instrument.yaml")
    s = score(table.data, inst, rows=table.rows)
    ref = pd.read_csv(REFERENCE / "bfi" / "scores.csv")
    assert s.rows_read == len(ref) == 2800
    got = s.respondents.set_index("respondent_id").loc[ref["respondent"]]
    for d in ["agreeableness", "conscientiousness", "extraversion", "neuroticism", "openness"]:
        np.testing.assert_allclose(got[d].to_numpy(), ref[d].to_numpy(), rtol=1e-9)
        np.testing.assert_array_equal(got[f"{d}_n"].to_numpy(), ref[f"{d}_n"].to_numpy())
    # metadata pass through
    assert {"gender", "education", "age"} <= set(s.respondents.columns)

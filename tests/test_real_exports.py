"""Exports shaped like the real ones that were scored wrong in silence (issue 14).

The files are made by ``tests/data/exports/make_exports.py``; each expected figure here is
computed from the answers that script wrote (read back independently), not stored.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import openpyxl
import pandas as pd
import pytest

from assessments import load_instrument, read_responses, read_table, score
from assessments.errors import ResponseError

EXPORTS = __import__("pathlib").Path(__file__).parent / "data" / "exports"
FREQ = EXPORTS / "frequency-instrument.yaml"
CODES = {"None": 0, "A little": 1, "Some": 2, "Quite a bit": 3, "A lot": 4}


def test_a_scale_point_labelled_none_is_that_point_not_a_blank():
    raw = pd.read_csv(EXPORTS / "forms-frequency-grid.csv", dtype=str, keep_default_na=False)
    nones = int((raw == "None").sum().sum())
    assert nones > 50  # the file is shaped like the real one: "None" is a common answer
    s = score(read_responses(EXPORTS / "forms-frequency-grid.csv", FREQ), FREQ)
    assert s.n_scored == 40
    assert int((s.items == 0).sum().sum()) == nones
    assert int(s.respondents["n_blank"].sum()) == 0
    grid = [c for c in raw.columns if c.endswith("]")]
    coded = raw[grid].replace(CODES).astype(float).to_numpy()
    body = coded[:, [0, 1, 3]].mean(axis=1)  # sleep, appetite, energy
    np.testing.assert_allclose(s.respondents["body"].to_numpy(), body)


def test_na_as_a_point_of_the_scale_is_that_point(tmp_path):
    inst = tmp_path / "yesno.yaml"
    inst.write_text(
        textwrap.dedent(
            """
            id: yesno
            title: a scale with a point labelled NA (tests only)
            response_scale:
              points:
                - {code: 0, label: "No"}
                - {code: 1, label: "Yes"}
                - {code: 2, label: "NA", synonyms: [Not asked]}
            items:
              - {id: a, label: A}
              - {id: b, label: B}
            domain_defaults:
              min_answered: 0
            domains:
              - {id: d, name: D, items: [a, b]}
            """
        ),
        encoding="utf-8",
    )
    df = pd.DataFrame({"a": ["NA", "Yes", "#N/A"], "b": ["No", "NA", "NULL"]})
    s = score(df, load_instrument(inst))
    assert s.items["a"].tolist()[:2] == [2, 1]
    assert s.items["b"].tolist()[:2] == [0, 2]
    assert s.n_excluded == 1  # "#N/A" and "NULL" are not points: a blank row


def test_a_boolean_cell_is_invalid_not_the_code_1():
    with pytest.raises(ResponseError) as err:
        score(read_responses(EXPORTS / "boolean-cells.xlsx", "oric"), "oric")
    found = {(p.row, p.column) for p in err.value.problems}
    assert found == {(3, "oric_1"), (5, "oric_2")}
    s = score(read_responses(EXPORTS / "boolean-cells.xlsx", "oric"), "oric", on_invalid="missing")
    assert int(s.respondents["n_invalid"].sum()) == 2
    assert s.items.loc[1, "oric_1"] != 1  # row 3 (True) is not read as 1
    df = pd.DataFrame({"oric_1": [1, True, 1.0, False], "oric_2": [2, 2, 2, 2]}).astype(object)
    got = score(df, "oric", allow_missing_items=True, on_invalid="missing")
    assert got.status["oric_1"].tolist() == [0, 4, 0, 4]


AGREE3 = textwrap.dedent(
    """
    id: agree3
    title: three agreement items (tests only)
    response_scale:
      points:
        - {code: 1, label: Disagree}
        - {code: 2, label: Somewhat disagree}
        - {code: 3, label: Neutral}
        - {code: 4, label: Somewhat agree}
        - {code: 5, label: Agree}
    items:
      - {id: q1, label: First}
      - {id: q2, label: Second}
      - {id: q3, label: Third}
    domains:
      - {id: all, name: All, items: [q1, q2, q3]}
    """
)


def test_spss_user_missing_values_and_ranges_are_honoured(tmp_path):
    import pyreadstat

    inst = tmp_path / "agree3.yaml"
    inst.write_text(AGREE3, encoding="utf-8")
    raw, meta = pyreadstat.read_sav(str(EXPORTS / "user-missing.sav"), user_missing=True)
    assert {"lo": 90.0, "hi": 99.0} in meta.missing_ranges["q2"]
    r = read_responses(EXPORTS / "user-missing.sav", inst)
    s = score(r, inst)
    expected_missing = {
        "q1": raw["q1"].isin([3, 8, 9]),
        "q2": raw["q2"].isin([8]) | raw["q2"].between(90, 99),
        "q3": raw["q3"].isin([8, 9]),
    }
    for item, missing in expected_missing.items():
        assert missing.sum() > 0
        got = s.items[item].isna().to_numpy()
        np.testing.assert_array_equal(got, missing.to_numpy())
    counted = r.translations[r.translations["reason"].str.startswith("user-missing")]
    assert counted["count"].sum() == sum(int(m.sum()) for m in expected_missing.values())
    # grouping columns carry their value labels, ids are integers
    assert set(s.respondents["sex"]) == {"MALES", "FEMALES"}
    assert s.respondents["respondent_id"].tolist()[:2] == [1000, 1001]


def test_redcap_values_outside_the_choices_are_invalid_with_notices():
    raw = pd.read_csv(EXPORTS / "redcap-oric-raw.csv")
    dictionary = EXPORTS / "redcap-oric-dictionary.csv"
    with pytest.raises(ResponseError) as err:
        score(read_responses(EXPORTS / "redcap-oric-raw.csv", "oric", dictionary=dictionary))
    [problem] = err.value.problems
    assert (problem.row, problem.column) == (5, "oric_12")
    assert "not a choice" in str(problem.value)
    r = read_responses(EXPORTS / "redcap-oric-raw.csv", "oric", dictionary=dictionary)
    text = " ".join(r.notices)
    assert "not in the data dictionary (oric_11)" in text
    assert "'oric_10' is a dropdown field whose choices" in text
    assert "cannot be told apart" in text
    s = score(r, on_invalid="missing")
    assert math.isnan(s.items.loc[3, "oric_12"])
    assert s.items["oric_1"].tolist() == raw["oric_1"].tolist()


def test_the_first_visible_sheet_is_read_and_the_others_listed():
    t = read_table(EXPORTS / "hidden-first-sheet.xlsx")
    wb = openpyxl.load_workbook(EXPORTS / "hidden-first-sheet.xlsx")
    expected = [[c.value for c in row] for row in wb["current"].iter_rows(min_row=2)]
    assert t.data.iloc[:, 1:].astype(int).to_numpy().tolist() == [r[1:] for r in expected]
    notice = " ".join(t.notices)
    assert "'old copy' (hidden)" in notice
    assert "'lists' (very hidden)" in notice


@pytest.mark.parametrize(
    "name", ["surveymonkey-trimmed.csv", "surveymonkey-matrix-only.csv", "surveymonkey-full.csv"]
)
def test_surveymonkey_two_row_headers_are_detected_from_their_shape(name, tmp_path):
    t = read_table(EXPORTS / name)
    assert t.source == "surveymonkey"
    assert t.header_rows == 2
    assert len(t.data) == 15
    assert int(t.rows[0]) == 3  # the first respondent is on spreadsheet row 3
    items = [c for c in t.data.columns if " - ORIC item " in c]
    assert len(items) == 12
    mapping = tmp_path / "map.yaml"
    lines = ["columns:"] + [f'  "{c}": oric_{c.rsplit(" ", 1)[-1]}' for c in items]
    mapping.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = score(read_responses(EXPORTS / name, "oric", mapping=mapping))
    assert s.n_scored == 15
    leaked = {"IP Address", "Email Address", "First Name", "Last Name", "Custom Data 1"}
    assert not leaked & set(s.respondents.columns)
    if name == "surveymonkey-full.csv":  # "Respondent ID" is the id, not a passing column
        assert s.respondents["respondent_id"].tolist()[:2] == [1000, 1001]
        assert "Respondent ID" not in s.respondents.columns


def test_a_plain_table_with_a_blank_header_says_which_source_to_pass(tmp_path):
    path = tmp_path / "unsure.csv"
    path.write_text("q1,,q3\nfirst,second,third\n1,2,3\n", encoding="utf-8")
    t = read_table(path)
    assert t.source == "table"
    assert any("--source surveymonkey" in n for n in t.notices)


def test_domains_without_a_published_rule_need_half_their_items():
    oric = load_instrument("oric")
    commitment = oric.domain("change_commitment")
    assert commitment.min_answered_is_default
    assert commitment.min_items() == 3
    answers = {i: np.nan for i in oric.item_ids}
    answers.update(oric_2=5, oric_1=4, oric_3=4, oric_5=4, oric_7=4)  # 1 of 5, 4 of 7
    s = score(pd.DataFrame([answers]), oric)
    assert math.isnan(s.respondents.loc[0, "change_commitment"])
    assert s.respondents.loc[0, "change_efficacy"] == 4.0


def test_a_user_instrument_without_a_key_block_is_not_called_published(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(AGREE3, encoding="utf-8")
    inst = load_instrument(path)
    assert inst.domain("all").key_status == "user"
    assert inst.key_description() == "user"


def test_validate_counts_each_recoded_cell_once_and_never_contradicts_itself(tmp_path):
    import subprocess
    import sys

    from assessments import validate

    inst = tmp_path / "agree3.yaml"
    inst.write_text(AGREE3, encoding="utf-8")
    r = read_responses(EXPORTS / "user-missing.sav", inst)
    report = validate(r)
    import pyreadstat

    raw, _ = pyreadstat.read_sav(str(EXPORTS / "user-missing.sav"), user_missing=True)
    # every item cell is translated once (a value label, or a user-missing value to blank);
    # the import and the scorer both reading a label is still one cell
    assert report.summary["cells_recoded"] == int(raw[["q1", "q2", "q3"]].notna().sum().sum())
    assert report.summary["cells_recoded"] == 90
    assert report.summary["would_score"] == 30
    bad = validate(read_responses(EXPORTS / "boolean-cells.xlsx", "oric"))
    assert not bad.can_score
    assert "would_score" not in bad.summary
    assert bad.summary["would_score_with_on_invalid_missing"] == 8
    assert not any("treated as missing" in n for n in bad.notes)
    cli = [sys.executable, "-m", "assessments.cli.main", "validate"]
    run = subprocess.run(
        [*cli, str(EXPORTS / "user-missing.sav"), "-i", str(inst)], capture_output=True, text=True
    )
    assert run.returncode == 0
    assert "Warning" not in run.stderr
    assert "Traceback" not in run.stderr

"""Every shared sample export imports with its counts checked (tests/data/samples/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from assessments import read_responses, read_table, score, validate
from assessments.cli.main import cli
from assessments.io import draft_mapping, load_mapping, mapping_yaml

SAMPLES = Path(__file__).parent / "data" / "samples"
STARWARS = SAMPLES / "surveymonkey" / "fivethirtyeight_StarWars.csv"
NO_BASIS = SAMPLES / "qualtrics" / "QT_No_Basis_for_Evaluation_Insights.csv"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def starwars_mapping(tmp_path_factory):
    table = read_table(STARWARS)
    from assessments import load_instrument

    inst = load_instrument(SAMPLES / "starwars-instrument.yaml")
    draft = draft_mapping(list(table.data.columns), inst)
    path = tmp_path_factory.mktemp("map") / "starwars-map.yaml"
    path.write_text(mapping_yaml(draft, inst, table.source))
    return path, draft


def test_surveymonkey_starwars_cp1252_two_header_rows(starwars_mapping):
    path, draft = starwars_mapping
    # every character is found by its row label in the matrix: "question - Han Solo"
    from assessments import load_instrument

    inst = load_instrument(SAMPLES / "starwars-instrument.yaml")
    for d in draft:
        assert d["column"].endswith(" - " + inst.item(d["item"]).label), d
        assert d["method"] == "label"
        assert d["confidence"] == 0.9
    r = read_responses(STARWARS, SAMPLES / "starwars-instrument.yaml", mapping=path)
    assert r.source == "surveymonkey"
    assert r.header_rows == 2
    assert any("cp1252" in n for n in r.notices)
    report = validate(r)
    s = report.summary
    assert s["rows_read"] == 1186
    assert s["not_applicable"] == 852
    assert s["answers"] == 5166 + 2569 + 1647 + 654 + 641
    assert s["blank"] == 5075
    assert s["invalid"] == 0
    assert report.can_score
    log = r.cell_log()  # every translated cell, with its original value
    assert len(log) == 5166 + 2569 + 1647 + 654 + 641 + 852
    assert (log[log["original"] == "Unfamiliar (N/A)"]["status"] == "not_applicable").all()
    assert log[log["original"] == "Very favorably"]["code"].eq(5).all()
    recodes = report.recodes.groupby("original")["count"].sum()
    assert recodes["Very favorably"] == 5166
    assert recodes["Unfamiliar (N/A)"] == 852
    scores = score(r)
    assert scores.n_scored + scores.n_excluded == 1186
    assert scores.respondents["respondent_id"].iloc[0] == 3292879998
    assert scores.respondents["row"].iloc[0] == 3  # two header rows


def test_surveymonkey_steak_reads_with_question_text_columns():
    t = read_table(SAMPLES / "surveymonkey" / "fivethirtyeight_steak-risk-survey.csv")
    assert (t.source, t.header_rows, len(t.data)) == ("surveymonkey", 2, 550)
    assert "Do you ever smoke cigarettes?" in t.data.columns


def test_qualtrics_no_basis_is_not_applicable_and_codes_map(tmp_path):
    inst = SAMPLES / "vegetables-instrument.yaml"
    mapping = tmp_path / "map.yaml"
    mapping.write_text("codes:\n  -2: not_applicable\n")
    r = read_responses(NO_BASIS, inst, mapping=mapping)
    assert (r.source, r.header_rows, len(r.data)) == ("qualtrics", 3, 15)
    assert r.methods["q3_1"] == "id"
    report = validate(r)
    items = report.items.set_index("item")
    assert items.loc[["q3_1", "q3_2", "q3_3", "q3_4"], "n_not_applicable"].tolist() == [5, 4, 4, 4]
    # -1 (no basis) and -2 (mapped) are both N/A in the second matrix
    assert items.loc[["q4_1", "q4_2", "q4_3", "q4_4"], "n_not_applicable"].tolist() == [
        4 + 2,
        2 + 5,
        4 + 3,
        4 + 3,
    ]
    assert report.summary["invalid"] == 0
    reasons = set(r.translations["reason"])
    assert {"qualtrics: no basis for evaluation", "mapping file code"} <= reasons
    s = score(r)
    assert s.respondents["respondent_id"].str.startswith("R_").all()
    assert "IPAddress" not in s.respondents.columns  # platform bookkeeping is left out


def test_qualtrics_minus_two_without_mapping_is_reported_with_rows():
    r = read_responses(NO_BASIS, SAMPLES / "vegetables-instrument.yaml")
    report = validate(r)
    assert not report.can_score
    assert report.summary["invalid"] == 13
    first = report.problems[0]
    assert first.code == "invalid-value"
    assert first.value in (-2, "-2")
    assert "row" in first.message


def test_qualtrics_recode_values_map_through_codes(tmp_path):
    path = SAMPLES / "qualtrics" / "QT_Single_Answer_Matrix_Questions_Insights.csv"
    inst = tmp_path / "m.yaml"
    inst.write_text("""
id: matrix
title: Matrix (test)
response_scale:
  points: [{code: 1, label: one}, {code: 2, label: two}, {code: 3, label: three},
           {code: 4, label: four}]
items:
  - {id: a1, label: statement 1}
  - {id: a2, label: statement 2}
  - {id: a3, label: statement 3}
domains: [{id: d, name: D, items: [a1, a2, a3]}]
""")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns: {Q4_1: a1, Q4_2: a2, Q4_3: a3}\ncodes: {10: 1, 11: 2, 12: 3, 13: 4}\n"
    )
    s = score(read_responses(path, inst, mapping=mapping))
    assert s.items["a1"].tolist() == [3, 3, 3, 1, 2]
    assert s.n_scored == 5


@pytest.mark.parametrize(
    ("name", "header_rows"), [("qualtRics_sample.csv", 3), ("qualtRics_sample_legacy.csv", 2)]
)
def test_qualtrics_current_and_legacy_exports(name, header_rows, tmp_path):
    t = read_table(SAMPLES / "qualtrics" / name)
    assert (t.source, t.header_rows, len(t.data)) == ("qualtrics", header_rows, 1)
    inst = tmp_path / "q1.yaml"
    inst.write_text("""
id: q1
title: One question (test)
response_scale: {points: [{code: 1, label: a}, {code: 2, label: b}, {code: 3, label: c}]}
items: [{id: q1, label: the multiple choice question}]
domains: [{id: d, name: D, items: [q1]}]
""")
    s = score(read_responses(SAMPLES / "qualtrics" / name, inst))
    assert s.respondents["respondent_id"].tolist() == ["R_2YPOQ602ER1jkf1"]
    assert s.respondents["d"].tolist() == [2.0]
    if header_rows == 3:
        assert t.questions["Q1"] == "This is a multiple choice question."
    else:  # the legacy export's trailing comma makes an empty column, which is dropped
        assert not any(c.startswith("unnamed") for c in t.data.columns)


def test_redcap_dictionary_labels_become_codes(tmp_path):
    dictionary = SAMPLES / "redcap" / "REDCapR_survey_dictionary.csv"
    raw = pd.read_csv(SAMPLES / "redcap" / "REDCapR_survey_data_raw.csv", dtype=str)
    raw = pd.concat([raw] * 3, ignore_index=True)
    raw["participant_id"] = [str(i) for i in range(1, 7)]
    raw["pmq4"] = ["0", "1", "2", "2", "", "1"]
    export = tmp_path / "export.csv"
    raw.to_csv(export, index=False)
    r = read_responses(export, SAMPLES / "openness-instrument.yaml", dictionary=dictionary)
    assert r.source == "redcap"
    assert r.columns == {"openness": "pmq4"}
    assert any(c.endswith("_complete") for c in r.dropped)
    assert any(c.endswith("_timestamp") for c in r.dropped)
    s = score(r)
    assert s.items["openness"].tolist() == [1, 2, 3, 3, 2]
    assert s.excluded["row"].tolist() == [6]
    assert set(r.translations["reason"]) == {"value label"}


def test_redcap_shared_exports_without_items_say_how_to_map():
    from assessments import ResponseError

    r = read_table(SAMPLES / "redcap" / "REDCapR_simple_data_raw.csv")
    assert (r.source, len(r.data)) == ("redcap", 5)
    assert "\n" in r.data.loc[0, "address"]  # quoted newlines survive
    with pytest.raises(ResponseError) as exc:
        read_responses(SAMPLES / "redcap" / "REDCapR_simple_data_raw.csv", "oric")
    assert exc.value.codes == ["no-items"]
    assert "assess map" in str(exc.value)


def test_cli_map_then_validate_starwars(tmp_path):
    out = tmp_path / "map.yaml"
    result = run("map", STARWARS, "-i", SAMPLES / "starwars-instrument.yaml", "-o", out)
    assert result.exit_code == 0, result.output
    assert load_mapping(out).columns  # a valid mapping file
    html = tmp_path / "check.html"
    result = run(
        "validate",
        STARWARS,
        "-i",
        SAMPLES / "starwars-instrument.yaml",
        "--map",
        out,
        "--json",
        "--html",
        html,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["can_score"] is True
    assert data["not_applicable"] == 852
    page = html.read_text()
    assert "<script" not in page
    assert "http" not in page
    assert "can be scored" in page

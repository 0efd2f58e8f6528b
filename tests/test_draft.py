"""Issue 33: ``assess draft`` (and the page's draft step) describes any survey in minutes.

A draft is checked against an independent reference on each platform's sample:

- SurveyMonkey StarWars: the hand-written ``starwars-instrument.yaml`` (same codes) gives the
  same score for every respondent, and the shared README's answer counts;
- Google Forms grid: pandas' own mean of the labels coded 1-5, in the order of the scale;
- Qualtrics: the N/A counts of the existing vegetables test, and the raw recode values;
- REDCap with its dictionary: pandas' mean of the raw codes (the dictionary's codes are the
  scale's), and a raw export without it is refused;
- SPSS: the value labels give the scale and its Don't know.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from test_web import start

from assessments import InputFileError, load_instrument, read_responses, score, validate
from assessments.cli.main import cli
from assessments.instruments.draft import draft_instrument
from assessments.instruments.scale_words import order_labels, special_kind

DATA = Path(__file__).parent / "data"
SAMPLES = DATA / "samples"
STARWARS = SAMPLES / "surveymonkey" / "fivethirtyeight_StarWars.csv"
NO_BASIS = SAMPLES / "qualtrics" / "QT_No_Basis_for_Evaluation_Insights.csv"
MATRIX = SAMPLES / "qualtrics" / "QT_Single_Answer_Matrix_Questions_Insights.csv"
FORMS = DATA / "exports" / "forms-frequency-grid.csv"
REDCAP_RAW = DATA / "exports" / "redcap-oric-raw.csv"
REDCAP_DICT = DATA / "exports" / "redcap-oric-dictionary.csv"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def write(draft, tmp_path: Path, name: str = "draft.yaml") -> Path:
    return draft.write(tmp_path / name)


# --- the answers' order from their words ---------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "expected", "family"),
    [
        (
            ["Agree", "Somewhat disagree", "Neither agree nor disagree", "Disagree",
             "Somewhat agree"],
            ["Disagree", "Somewhat disagree", "Neither agree nor disagree", "Somewhat agree",
             "Agree"],
            "agreement",
        ),
        (["Often", "Never", "Always", "Rarely", "Sometimes"],
         ["Never", "Rarely", "Sometimes", "Often", "Always"], "frequency"),
        (["A lot", "None", "Some", "A little", "Quite a bit"],
         ["None", "A little", "Some", "Quite a bit", "A lot"], "amount"),
        (["Good", "Poor", "Excellent", "Fair", "Very good"],
         ["Poor", "Fair", "Good", "Very good", "Excellent"], "quality"),
        (["Very satisfied", "Dissatisfied", "Satisfied", "Very dissatisfied"],
         ["Very dissatisfied", "Dissatisfied", "Satisfied", "Very satisfied"], "satisfaction"),
        (["Very open", "Not open", "Undecided"], ["Not open", "Undecided", "Very open"], "words"),
        (["5 - Excellent", "1 - Poor", "3 - Average"], ["1 - Poor", "3 - Average", "5 - Excellent"],
         "numbers"),
    ],
)  # fmt: skip
def test_answer_labels_are_put_in_order(labels, expected, family):
    order = order_labels(labels)
    assert order.ordered
    assert order.labels == expected
    assert order.family == family


def test_a_grouping_has_no_order():
    assert not order_labels(["North", "South", "East"]).ordered
    assert not order_labels(["Clinician", "Peer specialist", "Manager"]).ordered


def test_a_missing_strong_end_is_added_so_codes_do_not_shift():
    # nobody chose "Strongly disagree": without it Agree would be coded 3, not 4
    order = order_labels(["Disagree", "Neutral", "Agree", "Strongly agree"])
    assert order.labels == ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
    assert order.added == ["Strongly disagree"]
    assert any("Strongly disagree" in c for c in order.checks)


@pytest.mark.parametrize(
    ("label", "kind"),
    [("N/A", "not_applicable"), ("Not applicable", "not_applicable"),
     ("Unfamiliar (N/A)", "not_applicable"), ("Does not apply", "not_applicable"),
     ("Don't know", "dont_know"), ("Not sure", "dont_know"),
     ("Prefer not to answer", "dont_know"), ("Agree", None), ("None", None)],
)  # fmt: skip
def test_not_applicable_and_dont_know_are_kept_apart(label, kind):
    assert special_kind(label) == kind


# --- each platform's sample ---------------------------------------------------------------------


def test_surveymonkey_starwars_scores_as_the_hand_written_definition(tmp_path):
    draft = draft_instrument(STARWARS)
    scale = draft.scales[0]
    assert scale.labels == [
        "Very unfavorably",
        "Somewhat unfavorably",
        "Neither favorably nor unfavorably (neutral)",
        "Somewhat favorably",
        "Very favorably",
    ]
    assert scale.not_applicable[1] == "Unfamiliar (N/A)"
    assert len(draft.items) == 14
    assert draft.items["label"].iloc[0] == "Han Solo"
    assert draft.items["domain"].nunique() == 1
    reasons = dict(zip(draft.left_out["column"], draft.left_out["reason"], strict=True))
    rank = [c for c in reasons if c.startswith("Please rank")]
    assert len(rank) == 6
    assert all("ranking" in reasons[c] for c in rank)
    assert "grouping" in reasons["Gender"]
    assert reasons["RespondentID"] == "the respondent id"
    path = write(draft, tmp_path)
    drafted = read_responses(STARWARS, path)
    report = validate(drafted)
    assert report.can_score
    assert report.summary["not_applicable"] == 852  # the shared README's count
    assert report.summary["answers"] == 5166 + 2569 + 1647 + 654 + 641
    ours = score(drafted).respondents
    theirs = score(
        read_responses(
            STARWARS,
            SAMPLES / "starwars-instrument.yaml",
            mapping=_starwars_mapping(tmp_path),
        )
    ).respondents
    domain = draft.items["domain"].iloc[0]
    assert ours["respondent_id"].tolist() == theirs["respondent_id"].tolist()
    np.testing.assert_allclose(ours[domain].to_numpy(), theirs["favourability"].to_numpy())


def _starwars_mapping(tmp_path: Path) -> Path:
    from assessments import read_table
    from assessments.io import draft_mapping, mapping_yaml

    inst = load_instrument(SAMPLES / "starwars-instrument.yaml")
    table = read_table(STARWARS)
    path = tmp_path / "map.yaml"
    path.write_text(mapping_yaml(draft_mapping(list(table.data.columns), inst), inst, "sm"))
    return path


def test_forms_grid_scores_as_pandas_computes_it(tmp_path):
    draft = draft_instrument(FORMS)
    assert draft.scales[0].labels == ["None", "A little", "Some", "Quite a bit", "A lot"]
    assert draft.items["item"].tolist() == [
        "sleep", "appetite", "worry", "energy", "focus", "mood", "calm"
    ]  # fmt: skip
    assert draft.items["domain"].nunique() == 1
    s = score(read_responses(FORMS, write(draft, tmp_path)))
    raw = pd.read_csv(FORMS, keep_default_na=False, na_values=[""])  # "None" is an answer
    codes = {label: i for i, label in enumerate(draft.scales[0].labels, start=1)}
    expected = raw[[c for c in raw.columns if "[" in c]].replace(codes).astype(float).mean(axis=1)
    domain = draft.items["domain"].iloc[0]
    np.testing.assert_allclose(s.respondents[domain].to_numpy(), expected.to_numpy())


def test_qualtrics_matrix_with_no_basis_and_an_unknown_code(tmp_path):
    draft = draft_instrument(NO_BASIS)
    items = draft.items.set_index("column")
    assert {"Q3_1", "Q3_4", "Q4_1", "Q4_4"} <= set(items.index)
    assert items.loc["Q3_1", "item"] == "q3_1"
    assert items.loc["Q3_1", "label"] == "Squash"
    assert items.loc["Q3_1", "domain"] != items.loc["Q4_1", "domain"]  # one per matrix
    assert "Q2_1" not in items.index  # a checkbox
    assert any("-2" in c and "Don't know" in c for c in draft.checks)  # a guess, marked
    r = read_responses(NO_BASIS, write(draft, tmp_path))
    report = validate(r)
    assert report.can_score
    by_item = report.items.set_index("item")
    # -1 (no basis) is N/A, as in the hand-written vegetables test
    first = by_item.loc[["q3_1", "q3_2", "q3_3", "q3_4"], "n_not_applicable"]
    assert first.tolist() == [5, 4, 4, 4]
    assert int(by_item["n_dont_know"].sum()) == 13  # the 13 answers of -2 kept apart
    assert score(r).n_scored == 15


def test_qualtrics_recode_values_stay_as_exported(tmp_path):
    draft = draft_instrument(MATRIX)
    items = draft.items.set_index("column")
    scale = next(sc for sc in draft.scales if sc.name == items.loc["Q4_1", "scale"])
    assert [code for code, _ in scale.points] == [10, 11, 12, 13]
    assert items.loc["Q4_1", "label"] == "Click to write Statement 1"
    s = score(read_responses(MATRIX, write(draft, tmp_path)))
    # the existing test maps 10..13 to 1..4 and reads [3, 3, 3, 1, 2]
    assert s.items[items.loc["Q4_1", "item"]].tolist() == [12, 12, 12, 10, 11]


def test_redcap_with_its_dictionary(tmp_path):
    draft = draft_instrument(REDCAP_RAW, dictionary=REDCAP_DICT)
    assert draft.scales[0].points == [
        (1, "Disagree"),
        (2, "Somewhat disagree"),
        (3, "Neither agree nor disagree"),
        (4, "Somewhat agree"),
        (5, "Agree"),
    ]
    items = draft.items.set_index("column")
    nine = [f"oric_{i}" for i in range(1, 10)]
    assert set(items.loc[nine, "domain"]) == {"oric"}  # the dictionary's form
    assert items.loc["oric_1", "label"] == "ORIC item 1"
    assert not any(c.startswith("supports___") for c in items.index)  # checkboxes
    assert "site" not in items.index  # a grouping
    r = read_responses(REDCAP_RAW, write(draft, tmp_path), dictionary=REDCAP_DICT)
    s = score(r, on_invalid="missing")
    raw = pd.read_csv(REDCAP_RAW)
    np.testing.assert_allclose(s.respondents["oric"].to_numpy(), raw[nine].mean(axis=1))


def test_redcap_raw_without_its_dictionary_is_refused():
    with pytest.raises(InputFileError) as exc:
        draft_instrument(REDCAP_RAW)
    assert exc.value.codes == ["redcap-needs-dictionary"]
    assert "dictionary=" in str(exc.value)


def test_spss_value_labels_give_the_scale_and_dont_know(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    rng = np.random.default_rng(3)
    df = pd.DataFrame({f"q{i}": rng.integers(1, 6, 40).astype(float) for i in range(1, 5)})
    df.loc[[0, 5], "q2"] = 9.0
    labels = {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree",
              5: "Strongly agree", 9: "Don't know"}  # fmt: skip
    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(df, str(path), variable_value_labels={c: labels for c in df.columns})
    draft = draft_instrument(path)
    scale = draft.scales[0]
    assert scale.points == [(k, v) for k, v in labels.items() if k != 9]
    assert scale.dont_know[:2] == (9, "Don't know")
    s = score(read_responses(path, write(draft, tmp_path)))
    assert s.items["q2"].isna().sum() == 2
    expected = df.replace(9.0, np.nan).mean(axis=1)
    domain = draft.items["domain"].iloc[0]
    np.testing.assert_allclose(s.respondents[domain].to_numpy(), expected.to_numpy())


def test_a_reversed_item_is_flagged_not_reversed(tmp_path):
    rng = np.random.default_rng(0)
    trait = rng.normal(size=80)
    cols = {
        f"q{i}": np.clip(np.round(3 + trait + rng.normal(scale=0.6, size=80)), 1, 5)
        for i in range(1, 5)
    }
    cols["q5"] = 6 - cols["q1"]
    path = tmp_path / "survey.csv"
    pd.DataFrame({"id": range(80), **cols}).astype(int).to_csv(path, index=False)
    draft = draft_instrument(path)
    flagged = draft.items.set_index("item")["check"]
    assert "reverse" in flagged["q5"]
    assert not flagged.drop("q5").str.contains("reverse").any()
    assert "reverse: true" not in draft.text.split("items:")[1].split("#")[0]  # not applied


def test_a_title_row_above_the_header_and_a_workbook(tmp_path):
    answers = ["Never", "Rarely", "Sometimes", "Often", "Always"] * 6
    df = pd.DataFrame({f"Item {i}": answers[i:] + answers[:i] for i in range(1, 5)})
    path = tmp_path / "survey.xlsx"
    with pd.ExcelWriter(path) as xl:
        df.to_excel(xl, index=False, startrow=2)
        xl.sheets["Sheet1"].write(0, 0, "Staff survey, spring")
    draft = draft_instrument(path)
    assert draft.items["column"].tolist() == list(df.columns)
    assert draft.scales[0].labels == ["Never", "Rarely", "Sometimes", "Often", "Always"]
    assert score(read_responses(path, write(draft, tmp_path))).n_scored == 30


# --- errors ---------------------------------------------------------------------------------


def test_no_rating_columns_says_why_each_was_left_out(tmp_path):
    path = tmp_path / "people.csv"
    pd.DataFrame({"name": ["Ann", "Bo", "Cy"], "site": ["North", "South", "North"]}).to_csv(
        path, index=False
    )
    with pytest.raises(InputFileError) as exc:
        draft_instrument(path)
    assert exc.value.codes == ["no-items"]
    text = str(exc.value)
    assert "'site'" in text
    assert "grouping" in text
    assert "columns=" in text


def test_columns_asked_for_are_items_and_unknown_ones_are_named(tmp_path):
    sample = SAMPLES / "qualtrics" / "qualtRics_sample.csv"
    with pytest.raises(InputFileError):
        draft_instrument(sample)  # one respondent, one answer: nothing looks like a scale
    draft = draft_instrument(sample, columns=["Q1"])
    assert draft.items["column"].tolist() == ["Q1"]
    assert score(read_responses(sample, write(draft, tmp_path))).respondents["row"].tolist() == [4]
    with pytest.raises(InputFileError) as exc:
        draft_instrument(sample, columns=["Q9_*"])
    assert exc.value.codes == ["unknown-column"]
    assert "Q9_*" in str(exc.value)


# --- the command line ---------------------------------------------------------------------------


def test_cli_draft_then_validate(tmp_path):
    out = tmp_path / "starwars.yaml"
    result = run("draft", STARWARS, "-o", out, "--id", "starwars", "--title", "Star Wars")
    assert result.exit_code == 0, result.output
    assert "assess validate" in result.output
    inst = load_instrument(out)
    assert (inst.id, inst.title) == ("starwars", "Star Wars")
    assert run("validate", STARWARS, "-i", out).exit_code == 0
    printed = run("draft", FORMS)  # without -o: the definition itself
    assert printed.exit_code == 0
    assert printed.output.startswith("# Drafted by `assess draft` from forms-frequency-grid.csv")
    data = json.loads(run("draft", FORMS, "--json").output)
    assert [i["item"] for i in data["items"]][:2] == ["sleep", "appetite"]
    assert data["definition"].startswith("# Drafted")


def test_cli_draft_never_writes_over_its_export(tmp_path):
    copy = tmp_path / "forms.csv"
    copy.write_bytes(FORMS.read_bytes())
    result = run("draft", copy, "-o", copy)
    assert result.exit_code == 1
    assert copy.read_bytes() == FORMS.read_bytes()


def test_cli_draft_redcap_needs_its_dictionary():
    result = run("draft", REDCAP_RAW)
    assert result.exit_code == 1
    assert "--dictionary" in result.output


def test_help_has_an_example():
    assert "assess draft export.csv -o" in run("draft", "--help").output


# --- the web page -------------------------------------------------------------------------------


@pytest.fixture
def client(web_client):
    return web_client


def test_web_draft_edit_use_and_score(client):
    wid, csrf = start(client)
    page = client.get(f"/w/{wid}/instrument").text
    assert "Draft a definition" in page
    r = client.post(
        f"/w/{wid}/draft",
        data={"csrf": csrf},
        files={"export": ("weekly grid.csv", FORMS.read_bytes())},
    )
    assert r.status_code == 200, r.text[:500]
    assert "A draft definition of weekly grid.csv" in r.text
    definition = re.search(r"<textarea[^>]*>(.*?)</textarea>", r.text, re.S).group(1)
    import html

    text = html.unescape(definition)
    assert "weekly grid.csv" in text
    assert "export.csv" not in text  # the page's own copy is never named
    assert "id: weekly-grid " in text
    assert "/tmp" not in text
    # the person names the domain on the page, then uses the definition
    text = re.sub(r'name: "In the past week[^"]*"', 'name: "Weekly trouble"', text)
    r = client.post(
        f"/w/{wid}/draft/use", data={"csrf": csrf, "definition": text}, follow_redirects=True
    )
    assert r.status_code == 200
    assert str(r.url).endswith("/check")  # the export is already uploaded
    assert "weekly grid.csv" in r.text
    download = client.get(f"/w/{wid}/draft.yaml")
    assert download.status_code == 200
    assert "Weekly trouble" in download.text
    assert "weekly%20grid-instrument.yaml" in download.headers["content-disposition"]


def test_web_draft_errors_speak_of_the_page(client):
    wid, csrf = start(client)
    r = client.post(
        f"/w/{wid}/draft",
        data={"csrf": csrf},
        files={"export": ("raw.csv", REDCAP_RAW.read_bytes())},
    )
    assert r.status_code == 422
    assert "--dictionary" not in r.text
    assert "in Python" not in r.text
    assert "draft form on the Instrument step" in r.text
    r = client.post(
        f"/w/{wid}/draft",
        data={"csrf": csrf},
        files={
            "export": ("raw.csv", REDCAP_RAW.read_bytes()),
            "dictionary": ("dict.csv", REDCAP_DICT.read_bytes()),
        },
    )
    assert r.status_code == 200
    assert "ORIC item 1" in r.text
    # a definition broken on the page: its problem, with the way back to the draft
    r = client.post(f"/w/{wid}/draft/use", data={"csrf": csrf, "definition": "id: x\nlable: y\n"})
    assert r.status_code == 422
    assert f"/w/{wid}/draft" in r.text
    assert "lable" in r.text

"""One test per file of the bad-input corpus (tests/data/bad/README.md): a clear error or the
documented handling, a non-zero exit where the file cannot be scored, the file left unchanged."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from assessments import AssessmentError, read_responses, read_table, score, validate
from assessments.cli.main import cli

BAD = Path(__file__).parent / "data" / "bad"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check(name: str, *args: str) -> tuple[int, str]:
    """Run ``assess validate`` on a corpus file; the file must be unchanged afterwards."""
    path = BAD / name
    before = digest(path)
    result = CliRunner().invoke(cli, ["validate", str(path), "-i", "oric", *args])
    assert digest(path) == before
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("empty.csv", "empty-file"),
        ("header-only.csv", "no-data"),
        ("binary-junk.xlsx", "excel-read"),
        ("zip-bomb.xlsx", "zip-bomb"),
        ("huge-cell.csv", "cell-too-long"),
        ("duplicated-headers.csv", "column-mapped-twice"),
        ("merged-header.xlsx", "no-items"),
    ],
)
def test_files_that_cannot_be_scored(name, code):
    with pytest.raises(AssessmentError) as exc:
        read_responses(BAD / name, "oric")
    assert code in exc.value.codes
    exit_code, output = check(name)
    assert exit_code == 1
    assert "error" in output


def test_zip_bomb_is_refused_before_expanding_it():
    with pytest.raises(AssessmentError) as exc:
        read_table(BAD / "zip-bomb.xlsx")
    message = str(exc.value)
    assert "expands" in message
    assert "80 MB" in message


def test_huge_cell_names_its_row_and_column():
    with pytest.raises(AssessmentError) as exc:
        read_table(BAD / "huge-cell.csv")
    problem = exc.value.problems[0]
    assert (problem.row, problem.column) == (4, "respondent_id")


def test_limits_are_configurable(monkeypatch):
    monkeypatch.setenv("ASSESS_MAX_CELL_CHARS", "100000")
    assert len(read_table(BAD / "huge-cell.csv").data) == 6
    monkeypatch.setenv("ASSESS_MAX_ROWS", "3")
    with pytest.raises(AssessmentError) as exc:
        read_table(BAD / "semicolons.csv")
    assert exc.value.codes == ["too-many-rows"]


def test_macros_are_not_run_and_links_not_followed():
    r = read_responses(BAD / "macros-and-links.xlsm", "oric")
    assert any("macros; they are never run" in n for n in r.notices)
    assert any("links are not followed" in n for n in r.notices)
    assert score(r).n_scored == 6
    assert check("macros-and-links.xlsm")[0] == 0


def test_blank_header_is_kept_as_metadata():
    s = score(read_responses(BAD / "blank-header.csv", "oric"))
    assert s.respondents["Unnamed: 13"].tolist() == ["a note"] * 6
    assert check("blank-header.csv")[0] == 0


def test_duplicated_item_header_is_reported_with_both_columns():
    with pytest.raises(AssessmentError) as exc:
        read_responses(BAD / "duplicated-headers.csv", "oric")
    assert "columns 'oric_1' and 'oric_1 (2)' both map to item 'oric_1'" in str(exc.value)


@pytest.mark.parametrize("name", ["semicolons.csv", "tabs-named.csv", "bom-utf8.csv"])
def test_delimiters_and_bom_are_detected(name):
    t = read_table(BAD / name)
    assert list(t.data.columns[:2]) == ["respondent_id", "oric_1"]
    assert check(name)[0] == 0


def test_utf16_text_export():
    t = read_table(BAD / "bom-utf16-tabs.txt")
    assert list(t.data.columns[:2]) == ["respondent_id", "oric_1"]
    assert any("UTF-16" in n for n in t.notices)


def test_mixed_encodings_are_read_line_by_line():
    t = read_table(BAD / "mixed-encodings.csv")
    assert set(t.data["site"]) == {"Café Nord", "Café Sud"}
    assert any("mixes encodings" in n for n in t.notices)


def test_dates_and_formulas_in_item_cells():
    r = read_responses(BAD / "dates-and-formulas.xlsx", "oric")
    assert any("formulas" in n for n in r.notices)
    report = validate(r)
    assert not report.can_score
    assert "date" in report.invalid["suggestion"].iloc[0]
    assert check("dates-and-formulas.xlsx")[0] == 1
    assert check("dates-and-formulas.xlsx", "--on-invalid", "missing")[0] == 0


def test_duplicate_respondent_ids_are_scored_with_a_note():
    report = validate(read_responses(BAD / "duplicate-ids.csv", "oric"))
    assert report.can_score
    assert report.duplicate_ids.to_dict("records") == [{"respondent_id": "R1", "rows": "3, 5"}]
    exit_code, output = check("duplicate-ids.csv")
    assert exit_code == 0
    assert "duplicate ids" in output


def test_openpyxl_parses_with_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def test_a_tab_inside_a_cell_does_not_fool_the_delimiter(tmp_path):
    """Found by the property test: a note cell holding a quote and a tab, and an answer cell
    holding a tab, made the sniffer pick tab; every row was misread and pandas dropped data
    with only a warning. The comma, which splits the header and every row alike, wins."""
    import pandas as pd

    from assessments import read_responses

    items = [f"oric_{i}" for i in range(1, 13)]
    rows = [("", [1] * 11 + ["\t0"]), ("", [1] * 12), ("", [1] * 12), ('"\t', [1] * 12)]
    df = pd.DataFrame([[m, *a] for m, a in rows], columns=["note", *items]).astype(object)
    path = tmp_path / "export.csv"
    df.to_csv(path, index=False)
    r = read_responses(path, "oric")
    assert r.data.shape == (4, 13)
    assert r.data["note"].tolist()[3] == '"\t'


def test_a_row_with_more_fields_than_the_header_is_an_error_not_a_loss(tmp_path):
    from assessments import read_responses
    from assessments.errors import InputFileError

    header = ",".join(["note", *[f"oric_{i}" for i in range(1, 13)]])
    path = tmp_path / "export.csv"
    path.write_text(
        header
        + "\n"
        + ",".join(["b"] + ["4"] * 12 + ["5"])
        + "\n"
        + ",".join(["a"] + ["4"] * 12)
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(InputFileError) as err:  # pandas only warned for a long first row
        read_responses(path, "oric")
    assert "row 2 has 14 fields but the header has 13" in str(err.value)
    trailing = tmp_path / "trailing.csv"
    trailing.write_text(header + "\n" + ",".join(["a"] + ["4"] * 12) + ",\n", encoding="utf-8")
    assert read_responses(trailing, "oric").data.shape == (1, 13)  # an empty extra is harmless

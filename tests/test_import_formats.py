"""SPSS, Google/Microsoft Forms, the data-entry template round trip, mapping files, bad files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from click.testing import CliRunner

from assessments import (
    InputFileError,
    InstrumentError,
    ResponseError,
    load_instrument,
    read_responses,
    read_table,
    score,
    validate,
)
from assessments.cli.main import cli
from assessments.io import write_template


def test_spss_value_labels_and_user_missing_values(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(1, 6, (20, 32)).astype(float)
    x[0, :3] = [8, 9, 8]  # 8 = don't know, 9 = not answered (user-defined missing)
    df = pd.DataFrame(x, columns=[f"RSA_{k}" for k in range(1, 33)])
    df.insert(0, "site", ["north"] * 10 + ["south"] * 10)
    labels = {
        1: "Strongly disagree",
        2: "Disagree",
        3: "Neutral",
        4: "Agree",
        5: "Strongly agree",
        8: "Don't know",
        9: "Not answered",
    }
    path = tmp_path / "rsa.sav"
    pyreadstat.write_sav(
        df,
        str(path),
        variable_value_labels={f"RSA_{k}": labels for k in range(1, 33)},
        missing_ranges={f"RSA_{k}": [8, 9] for k in range(1, 33)},
    )
    r = read_responses(path, "rsa", "provider")
    assert r.source == "spss"
    s = score(r)
    first = s.respondents.iloc[0]
    assert (first["n_dont_know"], first["n_blank"]) == (2, 1)
    reasons = set(r.translations["reason"])
    assert "value label" in reasons
    assert any(reason.startswith("user-missing") for reason in reasons)
    assert s.respondents["total"].iloc[1] == pytest.approx(x[1].mean())


def test_spss_codes_that_differ_from_the_instrument_go_through_labels(tmp_path):
    df = pd.DataFrame({f"oric_{k}": [0.0, 4.0, 2.0] for k in range(1, 13)})
    labels = {
        0: "Disagree",
        1: "Somewhat disagree",
        2: "Neither agree nor disagree",
        3: "Somewhat agree",
        4: "Agree",
    }
    path = tmp_path / "oric.sav"
    pyreadstat.write_sav(df, str(path), variable_value_labels={c: labels for c in df.columns})
    s = score(read_responses(path, "oric"))
    assert s.respondents["total"].tolist() == [1.0, 5.0, 3.0]


def test_google_forms_grid_columns_map_by_row_label(tmp_path):
    inst = load_instrument("oric")
    question = "How far do you agree"
    cols = {
        f"{question} [{it.label}]": ["Agree", "Somewhat agree", "Disagree"] for it in inst.items
    }
    df = pd.DataFrame(
        {"Timestamp": ["2026/01/05 10:00:00 AM GMT"] * 3, "Site": ["a", "b", "c"], **cols}
    )
    path = tmp_path / "forms.csv"
    df.to_csv(path, index=False)
    result = CliRunner().invoke(
        cli, ["map", str(path), "-i", "oric", "-o", str(tmp_path / "m.yaml")]
    )
    assert result.exit_code == 0, result.output
    r = read_responses(path, "oric", mapping=tmp_path / "m.yaml")
    assert r.source == "forms"
    assert "Timestamp" in r.dropped
    s = score(r)
    assert s.respondents["total"].tolist() == [5.0, 4.0, 1.0]
    assert s.respondents["Site"].tolist() == ["a", "b", "c"]


def test_microsoft_forms_metadata_columns():
    df = pd.DataFrame(
        {
            "ID": [1],
            "Start time": ["x"],
            "Completion time": ["y"],
            "Email": ["e"],
            "Name": ["n"],
            "Q1": [4],
        }
    )
    from assessments.io.exports import detect_csv

    assert detect_csv([list(df.columns)]) == ("forms", 1)


def test_template_round_trip(tmp_path):
    path = write_template("rsa", tmp_path / "entry.xlsx", version="person", rows=20)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["instructions", "responses", "lists"]
    ws = wb["responses"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["respondent_id", "site", "role", "wave"]
    assert header[4:] == [f"rsa_{k}" for k in range(1, 33)]
    assert ws.freeze_panes == "E2"
    assert ws.data_validations.dataValidation[0].formula1 == "lists!$A$1:$A$7"
    answers = ["Agree", "Strongly agree", "N/A", "Don't know", None, "Neutral"]
    for r in range(2, 5):
        ws.cell(r, 1, f"P{r}")
        ws.cell(r, 2, "north")
        for j in range(5, 37):
            ws.cell(r, j, answers[(r + j) % len(answers)])
    wb.save(path)
    resp = read_responses(path, "rsa", "person")
    assert resp.methods["rsa_1"] == "id"
    s = score(resp)
    assert s.n_scored == 3
    assert s.respondents["respondent_id"].tolist() == ["P2", "P3", "P4"]
    assert s.cell_counts["not_applicable"] > 0
    assert s.cell_counts["dont_know"] > 0


def test_mapping_file_problems_are_listed(tmp_path):
    src = tmp_path / "x.csv"
    pd.DataFrame({"A": [1], "B": [2], "C": [3]}).to_csv(src, index=False)
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns: {A: oric_1, B: oric_1, Z: oric_2, C: oric_99}\n")
    with pytest.raises(ResponseError) as exc:
        read_responses(src, "oric", mapping=bad)
    # every problem at once: the three mapping mistakes, and the items still without a column
    assert {"column-mapped-twice", "unknown-column", "unknown-item"} <= set(exc.value.codes)
    assert "missing-items" in exc.value.codes
    typo = tmp_path / "typo.yaml"
    typo.write_text("colums: {A: oric_1}\n")
    with pytest.raises(InstrumentError) as exc:
        read_responses(src, "oric", mapping=typo)
    assert exc.value.codes == ["unknown-key"]
    assert "did you mean 'columns'" in str(exc.value)


def test_missing_items_list_candidates(tmp_path):
    src = tmp_path / "x.csv"
    cols = {f"oric_{k}": [3] for k in range(1, 12)}
    cols["We can manage the politics"] = [4]
    pd.DataFrame(cols).to_csv(src, index=False)
    with pytest.raises(ResponseError) as exc:
        read_responses(src, "oric")
    assert exc.value.codes == ["missing-items"]
    assert "candidates: 'We can manage the politics'" in str(exc.value)


def test_merged_header_cells_give_a_clear_error(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "ORIC answers"
    ws.merge_cells("A1:L1")
    for r in range(2, 5):
        for c in range(1, 13):
            ws.cell(r, c, 4)
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(ResponseError) as exc:
        read_responses(path, "oric")
    assert exc.value.codes == ["no-items"]
    assert "assess map" in str(exc.value)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_wrong_delimiter_is_sniffed_or_flagged(tmp_path):
    ok = tmp_path / "pipes.csv"
    ok.write_text("oric_1|oric_2\n4|5\n")
    assert list(read_table(ok).data.columns) == ["oric_1", "oric_2"]
    with pytest.raises(InputFileError) as exc:
        read_table(ok, source="nonsense")
    assert exc.value.codes == ["unknown-source"]


def test_duplicates_and_straight_lining_are_reported(tmp_path):
    df = pd.DataFrame({f"oric_{k}": [5, 3, 4, 2] for k in range(1, 13)})
    df["oric_5"] = [5, 1, 2, 1]  # only row 2 ("a") gives one answer throughout
    df.insert(0, "id", ["a", "b", "a", "c"])
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    report = validate(read_responses(path, "oric"))
    assert report.can_score
    assert report.duplicate_ids.to_dict("records") == [{"respondent_id": "a", "rows": "2, 4"}]
    assert report.straight_lined["respondent_id"].tolist() == ["a"]  # row 2: all 5s
    assert report.summary["duplicate_ids"] == 1
    notes = report.quality_notes()
    assert any("more than one row" in n for n in notes)
    result = CliRunner().invoke(
        cli, ["score", str(path), "-i", "oric", "-o", str(tmp_path / "s.csv")]
    )
    assert result.exit_code == 0
    assert "appear on more than one row" in result.output


def test_recoded_cells_keep_their_original_values(tmp_path):
    path = tmp_path / "q.csv"
    df = pd.DataFrame({f"oric_{k}": [4, 2] for k in range(1, 13)})
    df.to_csv(path, index=False)
    m = tmp_path / "m.yaml"
    m.write_text("codes: {2: blank}\n")
    r = read_responses(path, "oric", mapping=m)
    cells = r.recoded_cells()
    assert len(cells) == 12
    assert set(cells["original"]) == {2}
    assert cells["row"].unique().tolist() == [3]


def test_excel_platform_exports_are_recognised_like_csv(tmp_path):
    import csv

    import xlsxwriter

    from assessments.io.exports import read_table as read_export

    src = Path(__file__).parent / "data/samples/qualtrics/QT_No_Basis_for_Evaluation_Insights.csv"
    with open(src, encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    path = tmp_path / "qualtrics.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": True})
    ws = wb.add_worksheet()
    for i, r in enumerate(rows):
        ws.write_row(i, 0, r)
    wb.close()
    t = read_export(path)
    assert (t.source, t.header_rows, len(t.data)) == ("qualtrics", 3, 15)
    assert t.rows[:2].tolist() == [4, 5]
    assert t.data["Q3_1"].tolist()[:3] == [-1, 2, 3]


def test_formulas_in_a_workbook_are_reported(tmp_path):
    import xlsxwriter

    path = tmp_path / "f.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["oric_1", "oric_2"])
    ws.write_row(1, 0, [4, 5])
    ws.write_formula(2, 0, "=A2+1", None, 5)
    ws.write(2, 1, 3)
    wb.close()
    t = read_table(path)
    assert any("formulas" in n for n in t.notices)


def test_unknown_labels_and_dates_get_suggestions(tmp_path):
    import datetime

    df = pd.DataFrame({f"oric_{k}": ["Agree", "Agre", "Agre"] for k in range(1, 13)})
    df["oric_2"] = ["Agree", datetime.datetime(2026, 3, 4), "Agree"]
    path = tmp_path / "x.xlsx"
    df.to_excel(path, index=False)
    report = validate(read_responses(path, "oric"))
    assert not report.can_score
    top = report.unknown_labels.iloc[0]
    assert (top["value"], top["count"]) == ("Agre", 22)
    assert top["suggestion"] == "did you mean 'agree'?"
    dates = report.invalid[report.invalid["column"] == "oric_2"]
    assert "date" in dates["suggestion"].iloc[0]
    with pytest.raises(ResponseError) as exc:
        score(read_responses(path, "oric"))
    assert any("date or time" in str(p) for p in exc.value.problems)


def test_a_large_export_of_labels_reads_as_pandas_reads_it(tmp_path):
    """A file of answer labels is parsed in one thread (less memory, and faster, than pandas
    3.1's threaded parser on text); the table is the one pandas' default read gives."""
    from assessments.demo import demo_responses
    from assessments.io.exports import _mostly_text

    path = tmp_path / "labels.csv"
    demo_responses("orca", n=16000, seed=2).to_csv(path, index=False)  # 6.4 MB: threaded
    assert path.stat().st_size > 6 * 2**20
    head = path.read_text(encoding="utf-8")[:65536]
    assert _mostly_text(head, head.index("\n") + 1, ",")
    r = read_responses(path, "orca")
    bare = pd.read_csv(path, keep_default_na=False, na_values=[""])
    pd.testing.assert_frame_equal(r.raw.reset_index(drop=True), bare, check_index_type=False)

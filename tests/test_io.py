"""Reading answer tables (encodings, delimiters, bad files) and writing results safely."""

from __future__ import annotations

import hashlib

import openpyxl
import pandas as pd
import pytest

from assessments import InputFileError, read_table, write_table
from assessments.io import write_workbook


def test_cp1252_csv_is_read_with_a_notice(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("site,oric_1\nCaf\xe9 Nord,4\n".encode("cp1252"))
    table = read_table(path)
    assert table.data.loc[0, "site"] == "Caf\xe9 Nord"
    assert any("cp1252" in n for n in table.notices)


def test_bom_semicolons_and_na_text_are_kept(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffid;oric_1;oric_2\n1;N/A;NA\n2;;4\n".encode())
    table = read_table(path)
    assert list(table.data.columns) == ["id", "oric_1", "oric_2"]
    assert table.data["oric_1"].tolist()[0] == "N/A"
    assert table.data["oric_2"].tolist()[0] == "NA"
    assert pd.isna(table.data.loc[1, "oric_1"])
    assert table.rows.tolist() == [2, 3]


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"", "empty-file"), (b"oric_1,oric_2\n", "no-data"), (b"\n\n  \n", "empty-file")],
)
def test_empty_and_header_only_files(tmp_path, content, code):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError) as exc:
        read_table(path)
    assert exc.value.codes == [code]


def test_unknown_format_and_fake_workbook(tmp_path):
    with pytest.raises(InputFileError) as exc:
        read_table(tmp_path / "missing.csv")
    assert exc.value.codes == ["file-not-found"]
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    with pytest.raises(InputFileError) as exc:
        read_table(tmp_path / "a.pdf")
    assert exc.value.codes == ["unknown-format"]
    fake = tmp_path / "junk.xlsx"
    fake.write_bytes(b"this is not a zip file at all")
    with pytest.raises(InputFileError) as exc:
        read_table(fake)
    assert exc.value.codes == ["excel-read"]


def test_csv_output_escapes_formulas_but_not_numbers(tmp_path):
    df = pd.DataFrame({"site": ["=HYPERLINK(1)", "@sum", "North", "-2"], "score": [1.5, -2, 3, 4]})
    path = write_table(df, tmp_path / "out.csv")
    text = path.read_text()
    assert "'=HYPERLINK(1)" in text
    assert "'@sum" in text
    assert "\n-2,4" in text  # a number stays a number
    assert "-2.0" in text


def test_excel_output_stores_formula_text_as_text(tmp_path):
    df = pd.DataFrame({"site": ["=1+1", "North"], "score": [1.25, 2.0]})
    path = write_workbook({"scores": df}, tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(path)["scores"]
    assert ws["A2"].value == "=1+1"
    assert ws["A2"].data_type == "s"
    assert ws["B2"].value == 1.25
    assert ws.freeze_panes == "A2"
    # reading it back gives the same table
    table = read_table(path)
    assert table.data["site"].tolist() == ["=1+1", "North"]


def test_excel_trailing_empty_rows_are_ignored(tmp_path):
    path = tmp_path / "in.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["oric_1", "site"])
    ws.append([4, "A"])
    ws.append([None, None])
    ws["B10"] = None
    ws["A12"].number_format = "0.00"
    wb.save(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    table = read_table(path)
    assert len(table.data) == 1
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_utf8_rows_after_accented_header_rows_start_where_they_should(tmp_path):
    """The UTF-8 fast path hands pandas the file's bytes from the first data row: a BOM,
    accented header text (several bytes per character) and a quoted cell holding a line
    break must not shift it (the Qualtrics shape: three header rows)."""
    text = (
        "\ufeffResponseId,Équipe,Q1,Q2\n"
        '"Réponse","Équipe — site","Ça change, \n"" vraiment""",Q2 texte\n'
        '{"ImportId":"_recordId"},{"ImportId":"équipe"},{"ImportId":"QID1"},{"ImportId":"QID2"}\n'
        "R_1,Nord,4,5\n"
        "R_2,Sud-Est,3,\n"
    )
    path = tmp_path / "qualtrics.csv"
    path.write_bytes(text.encode("utf-8"))
    table = read_table(path)
    assert table.data["ResponseId"].tolist() == ["R_1", "R_2"]
    assert table.data["Équipe"].tolist() == ["Nord", "Sud-Est"]
    assert table.data["Q1"].tolist() == [4, 3]
    assert pd.isna(table.data["Q2"].iloc[1])


@pytest.mark.parametrize(
    ("bad_row", "message"), [('R_2,"Sud,3,4\n', "EOF inside string"), ("R_2,Sud,3,4,9\n", "")]
)
def test_a_parse_error_after_multi_line_header_rows_names_the_editor_line(
    tmp_path, bad_row, message
):
    """pandas reads the file itself and skips the three Qualtrics header rows, one of which
    spans two lines; the error still names the line an editor shows (line 7 here)."""
    text = (
        "ResponseId,Team,Q1,Q2\n"
        '"Response","Team name","It changes,\n really",Q2 text\n'
        '{"ImportId":"_recordId"},{"ImportId":"team"},{"ImportId":"QID1"},{"ImportId":"QID2"}\n'
        "R_1,Nord,4,5\n" + bad_row + "R_3,Est,2,2\n"
    )
    text = text.replace("R_2", "R_1b,Nord,4,5\nR_2", 1)  # the bad row is the file's line 7
    path = tmp_path / "broken.csv"
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(InputFileError) as err:
        read_table(path)
    problem = err.value.problems[0]
    assert problem.row == 7, str(err.value)
    assert message in str(err.value)


@pytest.fixture
def small_head(monkeypatch):
    """Files over 2 x 2 KB take the head-only path (1 MB in use), so small files test it."""
    import assessments.io.exports as exports

    monkeypatch.setattr(exports, "HEAD_BYTES", 2048)
    return exports


def _csv_lines(n: int) -> list[str]:
    return [f"R{k},Équipe {k % 3},{1 + k % 5},{1 + k % 4}\n" for k in range(n)]


def test_a_large_file_read_from_its_head_equals_a_whole_read(tmp_path, small_head, monkeypatch):
    """Platform, delimiter and header rows come from the file's head and pandas parses the
    file itself; the table is the same as when the whole file is decoded first."""
    text = "respondent_id,team,q1,q2\n" + "".join(_csv_lines(2_000))
    path = tmp_path / "big.csv"
    path.write_bytes(("\ufeff" + text).encode("utf-8"))
    calls = []
    reader = small_head._read_csv

    def recording(*args, whole, **kw):
        calls.append(whole)
        return reader(*args, whole=whole, **kw)

    monkeypatch.setattr(small_head, "_read_csv", recording)
    head_read = read_table(path)
    assert calls == [False]  # the head sufficed: no whole read
    whole = reader(path, "auto", None, whole=True)
    pd.testing.assert_frame_equal(head_read.data, whole.data)
    assert len(head_read.data) == 2_000
    assert head_read.data["team"].iloc[1] == "Équipe 1"
    assert head_read.notices == whole.notices


def test_a_large_file_that_stops_being_utf8_is_read_whole_with_its_notice(tmp_path, small_head):
    lines = _csv_lines(2_000)
    body = "".join(lines[:1_500]).encode("utf-8")
    body += "R_x,Équipe cp,3,3\n".encode("cp1252") + "".join(lines[1_500:]).encode("utf-8")
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"respondent_id,team,q1,q2\n" + body)
    table = read_table(path)
    assert len(table.data) == 2_001
    assert "Équipe cp" in set(table.data["team"])  # the cp1252 line, decoded as such
    assert any("mixes encodings" in n for n in table.notices)


def test_a_parse_error_past_the_head_names_its_line(tmp_path, small_head):
    lines = _csv_lines(2_000)
    lines[1_700] = 'R1700,"Équipe,3,3\n'  # an unclosed quote far past the head
    path = tmp_path / "late-error.csv"
    path.write_bytes(("respondent_id,team,q1,q2\n" + "".join(lines)).encode("utf-8"))
    with pytest.raises(InputFileError) as err:
        read_table(path)
    assert err.value.problems[0].row == 1_702  # the header, then line 1,702

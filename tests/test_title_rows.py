"""Issue 33: an export with title lines above its column names (a survey's name, an export
date, a blank line, as many tools write them) is read, with a note, and its row numbers stay
the file's; ``--header-row N`` names the row when the lines above are more than a title.

Before: "row 3: cannot be parsed as a table: Expected 2 fields, saw 16 (check the delimiter)".
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from click.testing import CliRunner

from assessments import score
from assessments.cli.main import cli
from assessments.demo import demo_responses
from assessments.errors import InputFileError
from assessments.io import read_responses


@pytest.fixture
def answers() -> pd.DataFrame:
    return demo_responses("oric", n=40, seed=2)


def test_title_lines_above_a_csv_header_are_skipped(tmp_path, answers):
    path = tmp_path / "titled.csv"
    path.write_text("ORIC staff survey, spring 2026\nExported 2026-04-02\n\n"
                    + answers.to_csv(index=False), encoding="utf-8")  # fmt: skip
    before = path.read_bytes()
    r = read_responses(path, "oric")
    assert len(r.data) == 40
    assert any("3 line(s) above the column names skipped" in n for n in r.notices)
    s = score(r, on_invalid="missing")
    plain = score(answers, "oric", on_invalid="missing")
    assert s.respondents["total"].tolist() == pytest.approx(plain.respondents["total"].tolist(),
                                                          nan_ok=True)  # fmt: skip
    # row numbers are the file's: three title lines and the names' row above the first answer
    first = s.excluded.iloc[0]
    k = answers.index[answers["respondent_id"] == first["respondent_id"]][0]
    assert first["row"] == k + 1 + 1 + 3
    assert path.read_bytes() == before


def test_title_rows_above_an_excel_header_are_skipped(tmp_path, answers):
    path = tmp_path / "titled.xlsx"
    with pd.ExcelWriter(path) as w:
        pd.DataFrame([["ORIC staff survey"]]).to_excel(
            w, index=False, header=False, sheet_name="responses"
        )
        answers.to_excel(w, index=False, startrow=2, sheet_name="responses")
    r = read_responses(path, "oric")
    assert len(r.data) == 40
    assert any("above the column names skipped ('ORIC staff survey')" in n for n in r.notices)


def test_header_row_names_the_row_and_a_bad_one_is_an_error(tmp_path, answers):
    path = tmp_path / "meta.csv"
    # four filled cells above the names: more than a title, so it is not skipped by itself
    path.write_text("Survey,ORIC,Wave,2026\n" + answers.to_csv(index=False), encoding="utf-8")
    with pytest.raises(InputFileError):
        read_responses(path, "oric")
    r = read_responses(path, "oric", header_row=2)
    assert len(r.data) == 40
    with pytest.raises(InputFileError, match="no header row 99"):
        read_responses(path, "oric", header_row=99)
    result = CliRunner().invoke(
        cli, ["score", str(path), "-i", "oric", "--header-row", "2", "--on-invalid", "missing",
              "-o", str(tmp_path / "s.csv")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "s.csv")) == 38  # two demo rows have no answers


def test_the_web_page_reads_title_lines_and_takes_the_header_row(tmp_path, answers):
    from starlette.testclient import TestClient

    from assessments.web.app import create_app
    from tests.test_web import start

    titled = tmp_path / "titled.csv"
    titled.write_text("ORIC staff survey\n" + answers.to_csv(index=False), encoding="utf-8")
    meta = tmp_path / "meta.csv"
    meta.write_text("Survey,ORIC,Wave,2026\n" + answers.to_csv(index=False), encoding="utf-8")
    app = create_app(root=tmp_path / "sessions", store=str(tmp_path / "h.sqlite"))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        wid, csrf = start(c)
        r = c.post(f"/w/{wid}/upload", data={"csrf": csrf},
                   files={"export": ("titled.csv", titled.read_bytes())},
                   follow_redirects=True)  # fmt: skip
        words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.text))
        assert "40 rows read" in words, words[:3000]
        assert "above the column names skipped" in words
        assert "--header-row" not in r.text  # said as what to do on the page
        r = c.post(f"/w/{wid}/upload", data={"csrf": csrf, "header_row": "2"},
                   files={"export": ("meta.csv", meta.read_bytes())},
                   follow_redirects=True)  # fmt: skip
        words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.text))
        assert "40 rows read" in words, words[:3000]

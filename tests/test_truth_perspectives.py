"""Issue 28, perspectives: every perspective and every excluded row reaches ``assess score``'s
output; only a perspective that could be identified is hidden, with the true reason; a file
whose item columns belong to another version is refused naming the version that fits; version
names in any case, with a suggestion.

Each test failed on the code before the fix (the workbook held two of four perspectives and no
excluded sheet; 8 administrators were hidden with 3 family members; a family file scored as
providers with exit 0; ``Provider`` was unknown).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from assessments import InstrumentError, load_instrument
from assessments.cli.main import cli
from assessments.demo import run_rsa_demo
from assessments.errors import ResponseError
from assessments.perspectives import score_perspectives


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rsa")
    run_rsa_demo(out, report=False)
    return out


def _inputs(folder: Path, sizes: dict[str, int] | None = None) -> list[str]:
    out = []
    for v in ("administrator", "provider", "person", "family"):
        path = folder / f"rsa_{v}_answers.csv"
        if sizes and v in sizes:
            small = folder.parent / f"{folder.name}_{v}_{sizes[v]}.csv"
            pd.read_csv(path).head(sizes[v]).to_csv(small, index=False)
            path = small
        out.append(f"{path}:{v}")
    return out


def test_score_writes_every_perspective_and_every_excluded_row(demo, tmp_path):
    # one person row with no answers (excluded) and one provider answer out of the scale
    person = pd.read_csv(demo / "rsa_person_answers.csv")
    items = [c for c in person.columns if c.startswith("rsa_")]
    person.loc[3, items] = None
    person_file = tmp_path / "person.csv"
    person.to_csv(person_file, index=False)
    provider = pd.read_csv(demo / "rsa_provider_answers.csv")
    provider["rsa_5"] = provider["rsa_5"].astype(object)
    provider.loc[0, "rsa_5"] = 7
    provider_file = tmp_path / "provider.csv"
    provider.to_csv(provider_file, index=False)
    admin = pd.read_csv(demo / "rsa_administrator_answers.csv").head(3)
    admin_file = tmp_path / "admin.csv"
    admin.to_csv(admin_file, index=False)
    inputs = [
        f"{admin_file}:administrator",
        f"{provider_file}:provider",
        f"{person_file}:person",
        f"{demo / 'rsa_family_answers.csv'}:family",
    ]
    out = tmp_path / "scores.xlsx"
    args = ["score", *[x for i in inputs for x in ("--input", i)], "-i", "rsa"]
    args += ["--key", str(demo / "rsa-demo-key.yaml"), "--on-invalid", "missing", "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    book = pd.read_excel(out, sheet_name=None, engine="calamine")
    assert {"scores", "excluded", "invalid", "items", "recodes", "notes"} <= set(book)
    counts = book["scores"]["perspective"].value_counts().to_dict()
    assert counts == {"administrator": 3, "provider": len(provider), "person": len(person) - 1,
                      "family": len(pd.read_csv(demo / "rsa_family_answers.csv"))}  # fmt: skip
    excluded = book["excluded"]
    assert excluded[["perspective", "row"]].values.tolist() == [["person", 5]]  # row 3 + header
    invalid = book["invalid"]
    assert invalid[["perspective", "column"]].values.tolist()[0] == ["provider", "rsa_5"]
    # the same in CSV: the side files as for one file
    csv = tmp_path / "scores.csv"
    result = CliRunner().invoke(cli, [*args[:-1], str(csv)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "scores.excluded.csv")) == 1
    assert len(pd.read_csv(tmp_path / "scores.invalid.csv")) == 1
    assert set(pd.read_csv(csv)["perspective"]) == {"administrator", "provider", "person",
                                                    "family"}  # fmt: skip


def test_one_small_perspective_hides_only_itself_and_says_why(demo, tmp_path):
    # administrators 3, providers 45, people in recovery 80: the staff-versus-people comparison
    # stays, and only the administrators are hidden
    inputs = _inputs(demo, {"administrator": 3, "provider": 45, "person": 80})
    key = demo / "rsa-demo-key.yaml"
    p = score_perspectives([tuple(i.rsplit(":", 1)) for i in inputs], "rsa", key=key)
    assert p.hidden == ["administrator"]
    assert {"provider", "family"} <= set(p.gaps()["perspective"])
    assert len(p.practice_gaps()) > 0
    out = tmp_path / "rep"
    args = ["report", *[x for i in inputs for x in ("--input", i)], "-i", "rsa", "--key",
            str(key), "--on-invalid", "missing", "--format", "html", "-o", str(out)]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    page = (out / "rsa-perspectives-report.html").read_text(encoding="utf-8")
    assert "administrator: hidden (fewer than 5 answered)" in page
    assert "family: hidden" not in page
    assert "provider: hidden" not in page
    assert "under 5)" not in page


def test_a_file_with_another_versions_items_is_refused_naming_it(demo, tmp_path):
    family = demo / "rsa_family_answers.csv"
    args = ["score", "--input", f"{family}:provider", "--input",
            f"{demo / 'rsa_person_answers.csv'}:person", "-i", "rsa", "--key",
            str(demo / "rsa-demo-key.yaml"), "--on-invalid", "missing", "-o",
            str(tmp_path / "s.csv")]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "40 item columns" in result.output
    assert "looks like the family version" in result.output
    assert not (tmp_path / "s.csv").exists()
    # one file with --version, and a DataFrame in Python: the same rule
    one = CliRunner().invoke(
        cli, ["score", str(family), "-i", "rsa", "--version", "provider", "-o",
              str(tmp_path / "t.csv")],
    )  # fmt: skip
    assert one.exit_code == 1
    assert "family version" in one.output
    from assessments import score

    with pytest.raises(ResponseError, match="family version"):
        score(pd.read_csv(family), "rsa", version="provider", on_invalid="missing")


def test_version_names_in_any_case_and_a_suggestion():
    rsa = load_instrument("rsa")
    assert rsa.version_id("Provider") == "provider"
    assert rsa.version_id("PERSON") == "person"
    assert rsa.version_id("Person in recovery") == "person"
    with pytest.raises(InstrumentError, match="did you mean 'family'"):
        rsa.version_id("famly")
    assert load_instrument("rsa", "Provider").version == "provider"


def test_cli_accepts_capitalized_versions(demo, tmp_path):
    args = ["score", "--input", f"{demo / 'rsa_provider_answers.csv'}:Provider", "--input",
            f"{demo / 'rsa_person_answers.csv'}:Person", "-i", "rsa", "--on-invalid", "missing",
            "-o", str(tmp_path / "s.csv")]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert set(pd.read_csv(tmp_path / "s.csv")["perspective"]) == {"provider", "person"}
    famly = f"{demo / 'rsa_person_answers.csv'}:famly"
    bad = CliRunner().invoke(cli, [*args[:3], "--input", famly, *args[5:]])
    assert bad.exit_code == 1
    assert "did you mean 'family'" in bad.output


def test_report_tables_name_perspectives_for_readers(demo, tmp_path):
    """Issue 29: 92 table rows started with a bare 'person'. Readers see the version's name;
    the workbook keeps the ids for analysts."""
    from assessments.render.model import TableBlock
    from assessments.render.perspectives import build_perspective_report

    inputs = [tuple(i.rsplit(":", 1)) for i in _inputs(demo)]
    p = score_perspectives(inputs, "rsa", key=demo / "rsa-demo-key.yaml", on_invalid="missing")
    report = build_perspective_report(p)
    shown = {
        str(v)
        for sec in report.sections
        for b in sec.blocks
        if isinstance(b, TableBlock) and "perspective" in b.data.columns
        for v in b.data["perspective"]
    }
    assert shown
    assert not shown & {"person", "provider", "administrator", "family"}
    assert "Person in recovery" in shown
    sheets = dict(report.workbook)
    assert "person" in set(sheets["profile"]["perspective"])

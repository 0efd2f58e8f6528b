"""The scoring-key workbook (issue 17, first part): a filled workbook round-trips to YAML and
scores the same as the YAML; each mistake gets its own error with its sheet and cell; every
``--key`` accepts the workbook. The numbers used are arbitrary test numbers, not the RSA's key."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from openpyxl import load_workbook

from assessments import InstrumentError, load_instrument, score
from assessments.cli.main import cli
from assessments.instruments.key_workbook import key_yaml, read_key_workbook, write_key_template

FACTORS = [
    "life_goals",
    "involvement",
    "diversity_of_treatment_options",
    "choice",
    "individually_tailored_services",
]


def fill(
    path, *, provider=True, person=True, source="Test scoring sheet, not the RSA's key", edits=()
):
    """A filled template: items 1-15 of provider and person in factors, three at a time (test
    numbers), person item k+1 the same practice as provider item k, one label."""
    book = load_workbook(path)
    book["source"]["B2"] = source
    book["source"]["B3"] = "test printing"
    if provider:
        sheet = book["provider"]
        for k in range(1, 16):
            sheet.cell(row=k + 1, column=2, value=FACTORS[(k - 1) // 3])
        person_col = next(c.column for c in sheet[1] if c.value == "same practice as person")
        for k in range(1, 6):
            sheet.cell(row=k + 1, column=person_col, value=k + 1)
        sheet["C2"] = "Goals set with the person"
    if person:
        sheet = book["person"]
        for k in range(1, 16):
            sheet.cell(row=k + 1, column=2, value=FACTORS[(k - 1) // 3])
    for sheet, cell, value in edits:
        book[sheet][cell] = value
    book.save(path)
    return path


@pytest.fixture
def template(tmp_path):
    return write_key_template("rsa", tmp_path / "rsa-key.xlsx")


def test_template_has_a_sheet_per_version_with_dropdowns(template):
    book = load_workbook(template)
    assert book.sheetnames == [
        "instructions",
        "source",
        "lists",
        "administrator",
        "provider",
        "person",
        "family",
    ]
    assert book["lists"].sheet_state == "hidden"
    provider = book["provider"]
    assert provider.max_row == 33  # header + 32 item numbers
    assert [c.value for c in provider[1]] == [
        "number",
        "factor",
        "label (your own words)",
        "same practice as administrator",
        "same practice as person",
        "same practice as family",
    ]
    rules = provider.data_validations.dataValidation
    assert any(r.type == "list" and "lists!$A$1:$A$6" in r.formula1 for r in rules)
    with pytest.raises(InstrumentError) as err:
        write_key_template("oric", template.with_name("oric.xlsx"))
    assert err.value.codes == ["nothing-to-key"]


def test_a_filled_workbook_round_trips_and_scores_as_its_yaml(template, tmp_path):
    fill(template)
    data = read_key_workbook(template, "rsa")
    assert data["versions"]["provider"]["life_goals"] == [1, 2, 3]
    assert data["labels"] == {"provider": {1: "Goals set with the person"}}
    assert {"provider": 1, "person": 2} in data["same_practice"]
    text = key_yaml(data)
    assert yaml.safe_load(text)["versions"] == data["versions"]
    key_file = tmp_path / "rsa-key.yaml"
    key_file.write_text(text, encoding="utf-8")
    answers = pd.DataFrame([{f"rsa_{k}": (k % 5) + 1 for k in range(1, 33)} for _ in range(3)])
    from_yaml = score(answers, "rsa", version="provider", key=key_file)
    from_book = score(answers, "rsa", version="provider", key=template)
    cols = from_yaml.score_columns
    assert cols == from_book.score_columns
    assert len(cols) == 6  # five factors and the total
    pd.testing.assert_frame_equal(from_yaml.respondents[cols], from_book.respondents[cols])
    inst = load_instrument("rsa", "provider", key=template)
    assert inst.item("rsa_1").label == "Goals set with the person"  # the user's own words
    assert inst.domain("life_goals").items == ("rsa_1", "rsa_2", "rsa_3")
    assert {d.key_status for d in inst.domains} == {"user"}


@pytest.mark.parametrize(
    ("edits", "code", "where"),
    [
        ([("provider", "B3", "life goals and dreams")], "unknown-factor", "cell B3"),
        ([("provider", "A4", 99)], "unknown-item", "cell A4"),
        ([("provider", "A4", 2)], "duplicate-item", "cell A4"),
        ([("provider", "E3", 2)], "not-one-to-one", "cell E3"),
        ([("provider", "E3", 40)], "unknown-item", "cell E3"),
        ([("person", "E3", 4)], "inconsistent-correspondence", "sheet 'provider' cell E2"),
        ([("source", "B2", None)], "no-source", "sheet 'source' cell B2"),
    ],
)
def test_each_mistake_has_its_own_error_with_the_cell(template, edits, code, where):
    fill(template, edits=edits)
    with pytest.raises(InstrumentError) as err:
        read_key_workbook(template, "rsa")
    assert code in err.value.codes
    problem = next(p for p in err.value.problems if p.code == code)
    assert where in str(problem)
    assert problem.hint or problem.expected


def test_a_factor_left_empty_in_a_keyed_version(template):
    fill(template, person=False)
    book = load_workbook(template)
    for k in range(1, 4):  # person: only life goals chosen
        book["person"].cell(row=k + 1, column=2, value="life_goals")
    book.save(template)
    with pytest.raises(InstrumentError) as err:
        read_key_workbook(template, "rsa")
    assert err.value.codes.count("empty-factor") == 4
    assert "factor 'involvement' has no items in the person version" in str(err.value)


def test_factor_names_are_accepted_as_well_as_ids(template):
    fill(template, person=False, edits=[("provider", "B2", "Life Goals")])
    assert read_key_workbook(template, "rsa")["versions"]["provider"]["life_goals"][0] == 1


def test_cli_key_template_check_and_score_with_the_workbook(tmp_path):
    runner = CliRunner()
    book = tmp_path / "rsa-key.xlsx"
    r = runner.invoke(cli, ["key", "template", "rsa", "-o", str(book)])
    assert r.exit_code == 0, r.output
    fill(book)
    out = tmp_path / "rsa-key.yaml"
    r = runner.invoke(cli, ["key", "check", str(book), "-i", "rsa", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "provider: life_goals 3 items" in r.output
    assert yaml.safe_load(out.read_text())["key_for"] == "rsa"
    answers = tmp_path / "providers.csv"
    pd.DataFrame([{f"rsa_{k}": 4 for k in range(1, 33)}]).to_csv(answers, index=False)
    for key in (book, out):
        r = runner.invoke(
            cli,
            [
                "score",
                str(answers),
                "-i",
                "rsa",
                "--version",
                "provider",
                "--key",
                str(key),
                "-o",
                str(tmp_path / f"s-{key.suffix}.csv"),
            ],
        )
        assert r.exit_code == 0, r.output
    fill(book, edits=[("provider", "B3", "nonsense")])
    r = runner.invoke(cli, ["key", "check", str(book), "-i", "rsa", "--json"])
    assert r.exit_code == 1
    problems = json.loads(r.output)["problems"]
    assert problems[0]["code"] == "unknown-factor"
    assert "cell B3" in problems[0]["path"]


def test_a_users_own_instrument_takes_a_key_workbook(tmp_path):
    """A definition the user wrote (here the RSA under another id, in their own folder) gets
    a key template and takes the filled workbook: the workbook is read against every version
    of that file, not looked up as a shipped id (which failed: "no shipped instrument")."""
    from assessments.resources import data_dir

    text = (data_dir("instruments") / "rsa.yaml").read_text(encoding="utf-8")
    text = text.replace("id: rsa\n", "id: our-rsa\n", 1)
    assert "id: our-rsa\n" in text
    definition = tmp_path / "our-rsa.yaml"
    definition.write_text(text, encoding="utf-8")
    book = write_key_template(load_instrument(definition), tmp_path / "our-key.xlsx")
    fill(book)
    inst = load_instrument(definition, "provider", key=book)
    assert inst.id == "our-rsa"
    assert inst.domain("life_goals").items == ("rsa_1", "rsa_2", "rsa_3")
    answers = pd.DataFrame([{f"rsa_{k}": (k % 5) + 1 for k in range(1, 33)} for _ in range(3)])
    assert "life_goals" in score(answers, inst).score_columns


# ------------------------------------------------------------------ issue 28 and issue 36


def _patch(path, member, old, new):
    """Rewrite one part of an .xlsx archive (to write what openpyxl cannot: a formula's saved
    value, a claimed used range)."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    if old not in parts[member] and old.replace(b"<v />", b"<v></v>") in parts[member]:
        old = old.replace(b"<v />", b"<v></v>")  # openpyxl writes it so when lxml is installed
    assert old in parts[member], (member, parts[member][:300])
    parts[member] = parts[member].replace(old, new)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


def _sheet_member(path, name):
    book = load_workbook(path)
    return f"xl/worksheets/sheet{book.sheetnames.index(name) + 1}.xml"


@pytest.mark.parametrize("renamed", ["providers", "Person in recovery", "provider (staff)"])
def test_a_renamed_version_sheet_is_an_error_naming_the_sheet(template, renamed, tmp_path):
    fill(template)
    book = load_workbook(template)
    book["provider" if renamed != "Person in recovery" else "person"].title = renamed
    book.save(template)
    with pytest.raises(InstrumentError) as err:
        read_key_workbook(template, "rsa")
    assert "unknown-sheet" in err.value.codes
    problem = next(p for p in err.value.problems if p.code == "unknown-sheet")
    assert repr(renamed) in str(problem)
    assert "administrator, provider, person, family" in str(problem)
    # the CLI: exit 1, the workbook named, no temporary file anywhere
    checked = CliRunner().invoke(cli, ["key", "check", str(template), "-i", "rsa"])
    assert checked.exit_code == 1
    assert renamed in checked.output
    answers = tmp_path / "a.csv"
    pd.DataFrame([{f"rsa_{k}": 4 for k in range(1, 33)}]).to_csv(answers, index=False)
    scored = CliRunner().invoke(
        cli,
        ["score", str(answers), "-i", "rsa", "--version", "provider", "--key", str(template),
         "-o", str(tmp_path / "s.csv")],
    )  # fmt: skip
    assert scored.exit_code == 1
    assert "assess-key-" not in scored.output
    assert ".yaml" not in scored.output
    assert str(template.name) in scored.output


def test_a_formula_without_a_saved_value_is_an_error_naming_the_cell(template):
    fill(template, edits=[("provider", "B10", '="life_goals"')])  # openpyxl saves no value
    with pytest.raises(InstrumentError) as err:
        read_key_workbook(template, "rsa")
    assert "formula-without-value" in err.value.codes
    assert "sheet 'provider' cell B10" in str(err.value)


def test_a_formula_with_a_saved_value_is_used_with_a_notice(template, tmp_path):
    fill(template, edits=[("provider", "B10", '="choice"')])
    _patch(
        template,
        _sheet_member(template, "provider"),
        b'<c r="B10"><f>"choice"</f><v /></c>',
        b'<c r="B10" t="str"><f>"choice"</f><v>choice</v></c>',
    )
    data = read_key_workbook(template, "rsa")
    assert 9 in data["versions"]["provider"]["choice"]  # row 10 is item 9
    assert any("cell B10" in n and "formula" in n for n in data["notices"])
    answers = pd.DataFrame([{f"rsa_{k}": 4 for k in range(1, 33)}])
    scores = score(answers, "rsa", version="provider", key=template)
    assert any("cell B10" in n for n in scores.notes)
    checked = CliRunner().invoke(cli, ["key", "check", str(template), "-i", "rsa"])
    assert checked.exit_code == 0, checked.output
    assert "B10" in checked.output


def test_a_claimed_huge_used_range_and_too_many_rows_are_bounded(template):
    fill(template)
    member = _sheet_member(template, "provider")
    import re
    import zipfile

    with zipfile.ZipFile(template) as z:
        dim = re.search(rb'<dimension ref="[^"]*"\s*/>', z.read(member)).group(0)
    _patch(template, member, dim, b'<dimension ref="A1:XFD1048576"/>')
    data = read_key_workbook(template, "rsa")  # read as the cells present, not 17 billion
    assert data["versions"]["provider"]["life_goals"] == [1, 2, 3]

    book = load_workbook(template)
    for r in range(40, 1_200):
        book["person"].cell(row=r, column=1, value=1)
    book.save(template)
    with pytest.raises(InstrumentError) as err:
        read_key_workbook(template, "rsa")
    assert "too-many-rows" in err.value.codes


def test_a_truncated_key_workbook_is_a_clear_error(template, tmp_path):
    fill(template)
    data = template.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InstrumentError) as err:
        read_key_workbook(cut, "rsa")
    assert err.value.codes == ["not-a-workbook"]
    checked = CliRunner().invoke(cli, ["key", "check", str(cut), "-i", "rsa"])
    assert checked.exit_code == 1
    assert "internal error" not in checked.output

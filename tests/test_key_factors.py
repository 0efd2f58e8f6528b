"""Issue 35: the RSA's key as its users have it. Some printings (and PhenX) describe a sixth
factor, inviting environment: the RSA declares it as optional, so a key may list its items or
leave it out; a user's key may also add a factor the instrument does not declare, with its name.
The item numbers below are arbitrary test numbers, not the RSA's key."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from assessments import InstrumentError, load_instrument, score
from assessments.instruments.key_workbook import read_key_workbook, write_key_template

FIVE = ["life_goals", "involvement", "diversity_of_treatment_options", "choice",
        "individually_tailored_services"]  # fmt: skip


def key_file(tmp_path, extra: str = "", names: str = "") -> str:
    lines = ["key_for: rsa", 'source: "Test scoring sheet, not the RSA key"', "versions:",
             "  provider:"]  # fmt: skip
    lines += [f"    {f}: [{3 * k + 1}, {3 * k + 2}, {3 * k + 3}]" for k, f in enumerate(FIVE)]
    lines += [f"    {extra}"] if extra else []
    lines += ["names:", f"  {names}"] if names else []
    path = tmp_path / "key.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def answers() -> pd.DataFrame:
    rows = [{f"rsa_{k}": ((k + r) % 5) + 1 for k in range(1, 33)} for r in range(4)]
    return pd.DataFrame(rows)


def test_a_key_without_the_sixth_factor_leaves_it_out(tmp_path):
    inst = load_instrument("rsa", "provider", key=key_file(tmp_path))
    assert [d.id for d in inst.domains] == FIVE
    assert inst.missing_keys == ()
    assert not any("no scoring key" in w for w in inst.key_warnings())


def test_a_key_with_the_sixth_factor_scores_it(tmp_path):
    path = key_file(tmp_path, "inviting_environment: [16, 17, 18]")
    s = score(answers(), "rsa", version="provider", key=path)
    assert "inviting_environment" in s.score_columns
    inst = s.instrument
    assert inst.domain("inviting_environment").name == "Inviting environment"
    assert inst.domain("inviting_environment").key_status == "user"
    expected = answers()[["rsa_16", "rsa_17", "rsa_18"]].mean(axis=1)  # the mean of its items
    assert s.respondents["inviting_environment"].tolist() == pytest.approx(expected.tolist())


def test_a_key_may_add_a_factor_with_its_name(tmp_path):
    path = key_file(tmp_path, "peer_culture: [20, 21, 22]", 'peer_culture: "Peer culture"')
    s = score(answers(), "rsa", version="provider", key=path)
    dom = s.instrument.domain("peer_culture")
    assert dom.name == "Peer culture"
    assert dom.key_status == "user"
    assert "adds" in dom.key_source
    expected = answers()[["rsa_20", "rsa_21", "rsa_22"]].mean(axis=1)
    assert s.respondents["peer_culture"].tolist() == pytest.approx(expected.tolist())


def test_a_factor_the_instrument_lacks_needs_its_name(tmp_path):
    with pytest.raises(InstrumentError) as err:
        load_instrument("rsa", "provider", key=key_file(tmp_path, "peer_culture: [20, 21]"))
    problem = next(p for p in err.value.problems if p.code == "unknown-domain")
    assert "names:" in problem.hint
    assert problem.line is not None


def test_the_workbook_offers_the_sixth_factor_and_takes_one_the_user_adds(tmp_path):
    path = write_key_template("rsa", tmp_path / "rsa-key.xlsx")
    book = load_workbook(path)
    assert [c.value for c in book["lists"]["A"]] == [*FIVE, "inviting_environment"]
    assert "added factors" in book["instructions"]["A7"].value
    assert book["source"]["A5"].value == "added factors"
    book["source"]["B2"] = "Test scoring sheet"
    book["source"]["B5"] = "Peer culture"
    sheet = book["provider"]
    for k in range(1, 16):
        sheet.cell(row=k + 1, column=2, value=FIVE[(k - 1) // 3])
    for k in (16, 17, 18):
        sheet.cell(row=k + 1, column=2, value="Inviting environment")  # by its name
    for k in (20, 21):
        sheet.cell(row=k + 1, column=2, value="Peer culture")  # a factor of the user's own
    book.save(path)
    data = read_key_workbook(path, "rsa")
    assert data["versions"]["provider"]["inviting_environment"] == [16, 17, 18]
    assert data["versions"]["provider"]["peer_culture"] == [20, 21]
    assert data["names"] == {"peer_culture": "Peer culture"}
    assert any("'Peer culture' is not a factor rsa declares" in n for n in data["notices"])
    inst = load_instrument("rsa", "provider", key=path)
    assert inst.domain("peer_culture").items == ("rsa_20", "rsa_21")


def test_a_misspelt_or_unnamed_factor_is_an_error_not_a_new_factor(tmp_path):
    path = write_key_template("rsa", tmp_path / "rsa-key.xlsx")
    book = load_workbook(path)
    book["source"]["B2"] = "Test scoring sheet"
    book["provider"]["B2"] = "Lif goals"
    book["provider"]["B3"] = "Peer culture"  # not named under 'added factors'
    book.save(path)
    with pytest.raises(InstrumentError) as err:
        read_key_workbook(path, "rsa")
    typo, unnamed = [p for p in err.value.problems if p.code == "unknown-factor"]
    assert "did you mean 'Life goals'" in typo.hint
    assert "cell B3" in str(unnamed)
    assert "added factors" in unnamed.hint

"""User scoring-key files for the RSA: the shipped placeholder is rejected, a real one works."""

from __future__ import annotations

import pandas as pd
import pytest

from assessments import InstrumentError, load_instrument, score
from assessments.resources import data_dir

EXAMPLE = data_dir("instruments") / "keys" / "rsa.example.yaml"

KEY = """
key_for: rsa
source: "test key: arbitrary numbers, not the RSA's key"
versions:
  provider:
    life_goals: [1, 2, 3]
    involvement: [4, 5]
    diversity_of_treatment_options: [6, 7]
    choice: [8, 9]
    individually_tailored_services: [10, rsa_11]
"""


def test_shipped_example_is_rejected_as_placeholder():
    with pytest.raises(InstrumentError) as exc:
        load_instrument("rsa", "provider", key=EXAMPLE)
    assert exc.value.codes == ["placeholder-key"]
    assert "delete the 'placeholder' line" in str(exc.value)


def test_a_filled_key_scores_the_domains_with_user_status(write_yaml):
    key = write_yaml(KEY, "key.yaml")
    inst = load_instrument("rsa", "provider", key=key)
    assert inst.domain("life_goals").items == ("rsa_1", "rsa_2", "rsa_3")
    assert inst.domain("individually_tailored_services").items == ("rsa_10", "rsa_11")
    assert {d.key_status for d in inst.domains} == {"user"}
    assert inst.missing_keys == ()
    df = pd.DataFrame([{f"rsa_{k}": (5 if k <= 3 else 3) for k in range(1, 33)}])
    s = score(df, "rsa", version="provider", key=key)
    r = s.respondents.iloc[0]
    assert r["life_goals"] == 5.0
    assert r["involvement"] == 3.0
    assert r["total"] == pytest.approx((3 * 5 + 29 * 3) / 32)
    assert any("user-supplied scoring key" in n for n in s.notes)


def test_key_problems_are_listed_with_lines(write_yaml):
    bad = KEY.replace("involvement: [4, 5]", "involvment: [4, 55]")
    err_path = write_yaml(bad, "bad.yaml")
    with pytest.raises(InstrumentError) as exc:
        load_instrument("rsa", "provider", key=err_path)
    assert exc.value.codes == ["unknown-domain"]
    assert exc.value.problems[0].line == 6
    bad = KEY.replace("[4, 5]", "[4, 55]")
    with pytest.raises(InstrumentError) as exc:
        load_instrument("rsa", "provider", key=write_yaml(bad, "bad2.yaml"))
    assert exc.value.codes == ["unknown-item"]


def test_key_for_another_instrument_or_version(write_yaml):
    key = write_yaml(KEY.replace("key_for: rsa", "key_for: rsa-r"), "k.yaml")
    with pytest.raises(InstrumentError) as exc:
        load_instrument("rsa", "provider", key=key)
    assert exc.value.codes == ["wrong-instrument"]
    key = write_yaml(KEY, "k2.yaml")
    with pytest.raises(InstrumentError) as exc:
        load_instrument("rsa", "person", key=key)
    assert exc.value.codes == ["unknown-version"]
    assert "add the version's item lists" in str(exc.value)

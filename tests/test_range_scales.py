"""Issue 32: a numeric range scale (a 0-100 slider, a 200-800 score, decimal answers) in an
instrument file: ``range: {min, max, step}`` instead of listing every point. Checked against
independent computations with pandas and numpy (means, reverse keys, Cronbach's alpha)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessments import InstrumentError, load_instrument, read_responses, score, validate
from assessments.stats import reliability

SLIDER = """
id: slider
title: Slider survey (test)
response_scale:
  range: {min: 0, max: 100, step: 0.5, min_label: Not at all, max_label: Completely}
  not_applicable: {code: -1, label: Does not apply}
items:
  - {id: s1, label: first}
  - {id: s2, label: second}
  - {id: s3, label: third, reverse: true}
  - {id: s4, label: fourth}
domains:
  - {id: all_four, name: All four, items: [s1, s2, s3, s4]}
"""


@pytest.fixture
def slider(tmp_path):
    path = tmp_path / "slider.yaml"
    path.write_text(SLIDER)
    return path


def test_the_range_is_described_and_checked(slider, tmp_path):
    scale = load_instrument(slider).response_scale
    assert scale.is_range
    assert (scale.min, scale.max) == (0, 100)
    assert scale.describe() == (
        "any number from 0 (Not at all) to 100 (Completely) in steps of 0.5, -1 = Does not apply"
    )
    for bad, code in [
        ("range: {min: 10, max: 0}", "bad-range"),
        ("range: {min: 0, max: 10, step: 3}", "bad-range"),
        ("range: {min: 0, max: 100}\n  not_applicable: {code: 50, label: NA}", "special-in-range"),
        ("range: {min: 0, max: 5}\n  points: [{code: 1, label: one}]", "schema"),
    ]:
        path = tmp_path / "bad.yaml"
        text = SLIDER.replace(
            "range: {min: 0, max: 100, step: 0.5, min_label: Not at all, max_label: Completely}\n"
            "  not_applicable: {code: -1, label: Does not apply}",
            bad,
        )
        path.write_text(text)
        with pytest.raises(InstrumentError) as exc:
            load_instrument(path)
        assert code in exc.value.codes, (bad, exc.value.codes)
        assert "line" in str(exc.value)


def test_decimal_answers_score_as_pandas_computes_them(slider, tmp_path):
    raw = pd.DataFrame(
        {
            "respondent_id": [1, 2, 3, 4, 5],
            "s1": [10, 50.5, "Does not apply", 100, 0],
            "s2": [20.0, 0, 99.5, None, 33.5],
            "s3": [30, 100, 0, 50, 12.5],
            "s4": ["Completely", 12.25, 40, 60, 101],
        }
    )
    path = tmp_path / "answers.csv"
    raw.to_csv(path, index=False)
    r = read_responses(path, slider)
    report = validate(r)
    assert report.summary["invalid"] == 2  # 12.25 is off the 0.5 steps, 101 above the range
    assert report.summary["not_applicable"] == 1
    found = {(p.column, str(p.value), p.message) for p in report.problems}
    assert ("s4", "12.25", "1 answer(s) not on the scale (row 3)") in found, found
    assert ("s4", "101", "1 answer(s) not on the scale (row 6)") in found, found
    s = score(r, on_invalid="missing")
    expected = pd.DataFrame(
        {
            "s1": [10, 50.5, np.nan, 100, 0],
            "s2": [20, 0, 99.5, np.nan, 33.5],
            "s3": [100 - 30, 0, 100, 50, 87.5],  # reversed: min + max - x
            "s4": [100, np.nan, 40, 60, np.nan],
        }
    )
    np.testing.assert_allclose(s.items[["s1", "s2", "s3", "s4"]].to_numpy(float), expected)
    np.testing.assert_allclose(s.respondents["all_four"], expected.mean(axis=1))


def test_reliability_and_structure_on_a_range(slider):
    rng = np.random.default_rng(7)
    trait = rng.normal(size=400)
    cols = {
        f"s{i}": np.clip(
            np.round((50 + 15 * trait + rng.normal(scale=10, size=400)) * 2) / 2, 0, 100
        )
        for i in (1, 2, 4)
    }
    cols["s3"] = 100 - cols["s1"] + rng.normal(scale=5, size=400).round()
    cols["s3"] = np.clip(cols["s3"], 0, 100)
    s = score(pd.DataFrame(cols), load_instrument(slider))
    x = s.items[["s1", "s2", "s3", "s4"]].dropna().to_numpy(float)
    k = x.shape[1]
    alpha = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert reliability(s).iloc[0]["raw_alpha"] == pytest.approx(alpha, abs=1e-10)
    from assessments.errors import ResponseError
    from assessments.stats.structure import structure

    with pytest.raises(ResponseError) as exc:
        structure(s, cor="polychoric")
    assert exc.value.codes == ["not-ordinal"]


def test_template_demo_and_report(slider, tmp_path):
    import openpyxl

    from assessments.demo import demo_responses
    from assessments.io import write_template
    from assessments.render import build_report

    out = write_template(slider, tmp_path / "entry.xlsx")
    sheet = openpyxl.load_workbook(out)["responses"]
    rules = sheet.data_validations.dataValidation
    assert {r.type for r in rules} == {"custom"}  # a number in the range, or -1 for N/A
    assert "OR(AND(ISNUMBER(E2),E2>=0,E2<=100),E2=-1)" in rules[0].formula1
    assert "From 0 to 100; -1 for Does not apply" in rules[0].prompt
    inst = load_instrument(str(slider).replace("slider.yaml", "slider.yaml"))
    stepped = tmp_path / "sat.yaml"
    stepped.write_text(
        SLIDER.replace(
            "{min: 0, max: 100, step: 0.5, min_label: Not at all, max_label: Completely}",
            "{min: 200, max: 800, step: 10}",
        )
    )
    demo = demo_responses(load_instrument(stepped), n=100, seed=1)
    values = pd.to_numeric(demo[["s1", "s2", "s3", "s4"]].stack(), errors="coerce").dropna()
    on_grid = values[(values >= 200) & (values <= 800)]
    assert ((on_grid - 200) % 10 == 0).all()
    s = score(demo_responses(inst, n=120, seed=2), inst, on_invalid="missing")
    text = str(build_report(s, "site", n_boot=0))
    assert "from 0 (Not at all) to 100 (Completely)" in text
    assert "top two" not in text

"""Issue 32: measurement invariance against lavaan 0.6-14 (``cfa(model, group = "site",
std.lv = TRUE, group.equal = ...)``, maximum likelihood, listwise).

``tests/data/reference/structure/make_invariance_reference.R`` simulates 1,050 respondents in
three sites (500, 350, 200) on 9 items of 1-5, with two known differences: item q5 loads .35
lower in site C, and item q8's intercept is .6 higher in site B. It writes lavaan's fitMeasures
for configural, metric, scalar and strict models and ``lavTestLRT`` between them. The tests
need no R; tolerances 1e-6 (χ² relative).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assessments.errors import ResponseError
from assessments.stats.invariance import invariance

REF = Path(__file__).parent / "data" / "reference" / "structure"
KEY = {"first": ["q1", "q2", "q3"], "second": ["q4", "q5", "q6"], "third": ["q7", "q8", "q9"]}
MEASURES = {
    "npar": "npar",
    "df": "df",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea_ci_lower": "rmsea.ci.lower",
    "rmsea_ci_upper": "rmsea.ci.upper",
    "srmr": "srmr",
}


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(REF / "invariance_data.csv")


def test_every_step_matches_lavaan(data):
    inv = invariance(data, "site", KEY, partial=False)
    ref = pd.read_csv(REF / "invariance_fit.csv").pivot(
        index="step", columns="measure", values="value"
    )
    table = inv.table.set_index("step")
    assert list(table.index) == ["configural", "metric", "scalar", "strict"]
    for step in table.index:
        assert table.loc[step, "chisq"] == pytest.approx(ref.loc[step, "chisq"], rel=1e-6)
        for ours, theirs in MEASURES.items():
            assert table.loc[step, ours] == pytest.approx(ref.loc[step, theirs], abs=1e-6), (
                step,
                ours,
            )
    lrt = pd.read_csv(REF / "invariance_lrt.csv").set_index("step")
    for step in lrt.index:
        assert table.loc[step, "chisq_diff"] == pytest.approx(lrt.loc[step, "chisq_diff"], rel=1e-6)
        assert table.loc[step, "df_diff"] == lrt.loc[step, "df_diff"]
        assert table.loc[step, "p_diff"] == pytest.approx(lrt.loc[step, "p"], rel=1e-5)
    assert inv.groups == {"A": 500, "B": 350, "C": 200}
    # metric fails by ΔRMSEA (.018 > .015): the loadings differ, so the level is configural
    assert inv.level == "configural"
    assert not inv.means_comparable


def test_partial_invariance_finds_the_items_that_were_made_to_differ(data):
    inv = invariance(data, "site", KEY)
    partial = inv.table[inv.table["step"].str.endswith("(partial)")]
    assert partial["freed"].tolist() == ["loadings of q5", "loadings of q5; intercepts of q8"]
    assert partial["holds"].all()
    assert inv.level == "strict"
    text = inv.verdict_text
    assert "Partial strict invariance across site" in text
    assert "the loading of q5 and the intercept of q8" in text
    assert "q5 works differently in C" in text
    assert "q8 works differently in B" in text


def test_invariant_groups_reach_scalar_without_freeing_anything():
    rng = np.random.default_rng(5)
    f = rng.normal(size=(900, 2))
    x = np.repeat(f, 3, axis=1) * 0.8 + rng.normal(scale=0.6, size=(900, 6))
    df = pd.DataFrame(x, columns=[f"q{i}" for i in range(1, 7)])
    df["role"] = np.repeat(["clinician", "peer", "manager"], 300)
    key = {"a": ["q1", "q2", "q3"], "b": ["q4", "q5", "q6"]}
    inv = invariance(df, "role", key)
    assert not inv.table["step"].str.contains("partial").any()
    assert inv.level == "strict"
    assert inv.means_comparable
    assert inv.verdict_text.startswith("Scores can be compared across role")


def test_small_groups_are_left_out_and_two_are_needed(data):
    small = pd.concat([data, data[data["site"] == "C"].head(12).assign(site="D")])
    inv = invariance(small, "site", KEY, partial=False)
    assert inv.left_out == {"D": 12}
    assert "D 12" in " ".join(inv.notes)
    with pytest.raises(ResponseError) as exc:
        invariance(data[data["site"] == "A"], "site", KEY)
    assert exc.value.codes == ["too-few-groups"]


# --- the surfaces: the terminal's JSON, the report, its workbook ------------------------------

DEFINITION = (
    """
id: nine
title: Nine items (test)
response_scale:
  points: [{code: 1, label: one}, {code: 2, label: two}, {code: 3, label: three},
           {code: 4, label: four}, {code: 5, label: five}]
items:
"""
    + "".join(f"  - {{id: q{i}, label: item {i}}}\n" for i in range(1, 10))
    + """
domains:
  - {id: first, name: First, items: [q1, q2, q3]}
  - {id: second, name: Second, items: [q4, q5, q6]}
  - {id: third, name: Third, items: [q7, q8, q9]}
"""
)


@pytest.fixture(scope="module")
def files(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("inv")
    (folder / "nine.yaml").write_text(DEFINITION)
    data.assign(respondent_id=range(len(data))).to_csv(folder / "answers.csv", index=False)
    return folder


def test_cli_structure_by_gives_the_invariance_lavaan_gives(files):
    import json

    from click.testing import CliRunner

    from assessments.cli.main import cli

    result = CliRunner().invoke(
        cli,
        ["structure", str(files / "answers.csv"), "-i", str(files / "nine.yaml"), "--by",
         "site", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    inv = json.loads(result.output)["invariance"]
    ref = pd.read_csv(REF / "invariance_fit.csv").pivot(
        index="step", columns="measure", values="value"
    )
    first = inv["steps"][0]
    assert first["step"] == "configural"
    assert first["chisq"] == pytest.approx(ref.loc["configural", "chisq"], rel=1e-6)
    assert inv["level"] == "strict"
    assert "q5 works differently in C" in inv["verdict_text"]
    printed = CliRunner().invoke(
        cli, ["structure", str(files / "answers.csv"), "-i", str(files / "nine.yaml"), "--by",
              "site"],
    )  # fmt: skip
    assert "Can the groups of site be compared?" in printed.output
    assert "Partial strict invariance across site" in printed.output


def test_the_report_says_whether_the_groups_means_may_be_compared(files):
    import io

    import openpyxl

    from assessments import read_responses, score
    from assessments.render import build_report, render_xlsx

    s = score(read_responses(files / "answers.csv", files / "nine.yaml"))
    report = build_report(s, "site", n_boot=0, structure=True)
    text = str(report)
    assert "Can the groups of site be compared?" in text
    assert "Item 5 works differently in C" in text  # the reader's item, not q5
    assert "The structure check supports comparing the means of these groups" in text
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    sheet = book["structure_invariance"]
    header = [c.value for c in sheet[1]]
    chisq = [r[header.index("chisq")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(chisq) == 6  # four steps and two partial ones
    plain = build_report(s, "site", n_boot=0)
    assert "Can the groups of site be compared?" not in str(plain)


def test_a_large_model_matches_lavaan_without_the_newton_polish():
    """30 items in 4 groups: 372 free parameters in the configural model, past the polish
    (MAX_POLISHED), so χ² and the indices rest on L-BFGS alone."""
    from assessments.stats.invariance import MAX_POLISHED

    data = pd.read_csv(REF / "invariance_large_data.csv")
    key = {
        name: [f"q{i}" for i in range(10 * k + 1, 10 * k + 11)]
        for k, name in enumerate(("first", "second", "third"))
    }
    inv = invariance(data, "site", key, partial=False)
    ref = pd.read_csv(REF / "invariance_large_fit.csv").pivot(
        index="step", columns="measure", values="value"
    )
    table = inv.table.set_index("step")
    assert table.loc["configural", "npar"] > MAX_POLISHED
    for step in table.index:
        assert table.loc[step, "chisq"] == pytest.approx(ref.loc[step, "chisq"], rel=1e-6)
        for ours, theirs in MEASURES.items():
            assert table.loc[step, ours] == pytest.approx(ref.loc[step, theirs], abs=1e-6), (
                step,
                ours,
            )


def test_every_step_and_parameter_matches_lavaan_on_a_real_set():
    """psych's bfi, agreeableness and conscientiousness by gender (complete answers), by ML:
    fit and tests to 1e-6, every loading, intercept, residual variance, factor (co)variance and
    latent mean of each step to 1e-4 (``make_ordinal_invariance_reference.R``, lavaan with
    ``group.label = c("female", "male")``: the toolkit's sorted order). lavaan points each
    factor the way its first item loads; the toolkit, the way most of its items load: the
    signs are aligned before comparing."""
    from assessments.stats.invariance import _fit, _layout, _matrices

    bfi = pd.read_csv(Path(__file__).parent / "data" / "reference" / "bfi" / "data.csv")
    key = {"agree": [f"A{i}" for i in range(1, 6)], "consc": [f"C{i}" for i in range(1, 6)]}
    items = [i for v in key.values() for i in v]
    bfi = bfi.dropna(subset=[*items, "gender"])
    bfi["gender"] = np.where(bfi["gender"] == 1, "male", "female")
    inv = invariance(bfi, "gender", key, partial=False)
    fit = pd.read_csv(REF / "invariance_bfi_ml_fit.csv").pivot(
        index="step", columns="measure", values="value"
    )
    lrt = pd.read_csv(REF / "invariance_bfi_ml_lrt.csv").set_index("step")
    table = inv.table.set_index("step")
    for step in fit.index:
        assert table.loc[step, "chisq"] == pytest.approx(fit.loc[step, "chisq"], rel=1e-6)
        for ours, theirs in MEASURES.items():
            assert table.loc[step, ours] == pytest.approx(fit.loc[step, theirs], abs=1e-6)
    for step in lrt.index:
        assert table.loc[step, "chisq_diff"] == pytest.approx(lrt.loc[step, "chisq_diff"], rel=1e-6)
        assert table.loc[step, "p_diff"] == pytest.approx(lrt.loc[step, "p"], rel=1e-5)

    stats = []
    for _, part in bfi.groupby("gender", sort=True):
        x = part[items].to_numpy(float)
        stats.append((len(x), np.cov(x, rowvar=False, bias=True), x.mean(axis=0)))
    factor_of = np.repeat([0, 1], 5)
    factors = list(key)
    ref = pd.read_csv(REF / "invariance_bfi_ml_par.csv")
    for step in ("configural", "metric", "scalar", "strict"):
        lay = _layout(step, 2, 10, 2)
        x, _, ok = _fit(lay, stats, factor_of, 2, None)
        assert ok
        rows = ref[ref["step"] == step]
        for g in (0, 1):
            lam, psi, theta, nu, alpha = _matrices(lay, x, g, factor_of, 2)
            mine = rows[(rows["group"] == g + 1)]
            first = {f: mine[(mine.op == "=~") & (mine.lhs == f)].iloc[0] for f in factors}
            sign = np.array(
                [np.sign(first[f].est * lam[items.index(first[f].rhs), k])
                 for k, f in enumerate(factors)]
            )  # fmt: skip
            checked = 0
            for row in mine.itertuples():
                if row.op == "=~":
                    k = factors.index(row.lhs)
                    ours = lam[items.index(row.rhs), k] * sign[k]
                elif row.op == "~1" and row.lhs in items:
                    ours = nu[items.index(row.lhs)]
                elif row.op == "~1":
                    k = factors.index(row.lhs)
                    ours = alpha[k] * sign[k]
                elif row.op == "~~" and row.lhs in items:
                    ours = theta[items.index(row.lhs)]
                elif row.op == "~~":
                    a, b = factors.index(row.lhs), factors.index(row.rhs)
                    ours = psi[a, b] * sign[a] * sign[b]
                else:
                    continue
                assert ours == pytest.approx(row.est, abs=1e-4), (step, g, row)
                checked += 1
            assert checked >= 33

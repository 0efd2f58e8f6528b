"""Issue 32: measurement invariance of ordinal answers against lavaan 0.6-14 with semTools
0.5-6 (WLSMV, ``measEq.syntax(..., parameterization = "delta", ID.fac = "std.lv",
ID.cat = "Wu.Estabrook.2016")``).

``tests/data/reference/structure/make_ordinal_invariance_reference.R`` fits configural,
thresholds, metric and scalar models on two sets: the simulated three sites of
``invariance_data.csv`` (q5 loads lower in site C, q8's intercept is higher in site B), with the
partial scalar model that frees q8's intercept, and psych's bfi (agreeableness and
conscientiousness by gender, a real set). The tests need no R; tolerances: χ² 1e-6 relative
(lavaan's polychoric estimates stop at about 1e-7), indices 1e-6, parameters 1e-4.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assessments.errors import ResponseError
from assessments.stats import ordinal_invariance as ordinal
from assessments.stats.invariance import invariance

REF = Path(__file__).parent / "data" / "reference" / "structure"
BFI = Path(__file__).parent / "data" / "reference" / "bfi" / "data.csv"
SIM_KEY = {"first": ["q1", "q2", "q3"], "second": ["q4", "q5", "q6"], "third": ["q7", "q8", "q9"]}
BFI_KEY = {"agree": [f"A{i}" for i in range(1, 6)], "consc": [f"C{i}" for i in range(1, 6)]}
MEASURES = {
    "npar": "npar",
    "df": "df",
    "chisq_scaled": "chisq.scaled",
    "pvalue": "pvalue.scaled",
    "cfi": "cfi.scaled",
    "tli": "tli.scaled",
    "rmsea": "rmsea.scaled",
    "rmsea_ci_lower": "rmsea.ci.lower.scaled",
    "rmsea_ci_upper": "rmsea.ci.upper.scaled",
    "srmr": "srmr",
}


def _reference(tag: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    fit = pd.read_csv(REF / f"ordinal_invariance_{tag}_fit.csv").pivot(
        index="step", columns="measure", values="value"
    )
    lrt = pd.read_csv(REF / f"ordinal_invariance_{tag}_lrt.csv").set_index("step")
    return fit, lrt


def _bfi() -> pd.DataFrame:
    data = pd.read_csv(BFI)
    items = [i for key in BFI_KEY.values() for i in key]
    data = data.dropna(subset=[*items, "gender"])
    data["gender"] = np.where(data["gender"] == 1, "male", "female")
    return data


def _check(table: pd.DataFrame, fit: pd.DataFrame, lrt: pd.DataFrame) -> None:
    table = table.set_index("step")
    for step in fit.index:
        assert table.loc[step, "chisq"] == pytest.approx(fit.loc[step, "chisq"], rel=1e-6)
        for ours, theirs in MEASURES.items():
            assert table.loc[step, ours] == pytest.approx(
                fit.loc[step, theirs], rel=1e-6, abs=1e-6
            ), (step, ours)
    for step in lrt.index:
        assert table.loc[step, "chisq_diff"] == pytest.approx(lrt.loc[step, "chisq_diff"], rel=1e-6)
        assert table.loc[step, "df_diff"] == lrt.loc[step, "df_diff"]
        assert table.loc[step, "p_diff"] == pytest.approx(lrt.loc[step, "p"], rel=1e-5, abs=1e-12)


def test_every_step_matches_lavaan_and_semtools_on_simulated_sites():
    data = pd.read_csv(REF / "invariance_data.csv")
    inv = invariance(data, "site", SIM_KEY, estimator="dwls")
    fit, lrt = _reference("sim")
    _check(inv.table, fit, lrt)
    # the scalar step fails and freeing q8's intercept (the item made to differ) restores it
    steps = inv.table["step"].tolist()
    assert steps == ["configural", "thresholds", "metric", "scalar", "scalar (partial)"]
    assert inv.table.iloc[-1]["freed"] == "intercepts of q8"
    assert inv.level == "scalar"
    assert "q8 works differently in B" in inv.verdict_text


def test_every_step_matches_lavaan_on_a_real_set():
    inv = invariance(_bfi(), "gender", BFI_KEY, estimator="dwls", partial=False)
    fit, lrt = _reference("bfi")
    _check(inv.table, fit, lrt)
    assert inv.groups == {"female": 1765, "male": 867}


def test_parameters_match_lavaan():
    """Every loading, threshold, intercept, scale factor, latent mean and factor (co)variance
    of each step, in each site, to 1e-4."""
    data = pd.read_csv(REF / "invariance_data.csv")
    items = [f"q{i}" for i in range(1, 10)]
    parts = [part[items].to_numpy(float) for _, part in data.groupby("site", sort=True)]
    cats = ordinal.categories(parts, items, ["A", "B", "C"])
    assert cats.merged == []
    n_thr = cats.n_thresholds
    groups = [ordinal.group_data(x) for x in cats.parts]
    factor_of = np.repeat([0, 1, 2], 3)
    model = ordinal.Model(factor_of, n_thr, 3)
    base = ordinal.baseline(groups, sum(n_thr))
    ref = pd.read_csv(REF / "ordinal_invariance_sim_par.csv")
    factors = list(SIM_KEY)
    prev = None
    for step in ordinal.STEPS:
        lay = ordinal.layout(step, 3, factor_of, n_thr, 3)
        out = ordinal.fit_step(step, lay, groups, model, base, prev)
        assert out is not None
        _, x, _ = out
        prev = (x, lay)
        checked = 0
        for row in ref[ref["step"] == step].itertuples():
            v = ordinal.values(lay, x, int(row.group) - 1)
            if row.op == "=~":
                ours = v.lam[items.index(row.rhs)]
            elif row.op == "|":
                j = items.index(row.lhs)
                ours = v.tau[model.item_of == j][int(row.rhs[1:]) - 1]
            elif row.op == "~*~":
                ours = v.delta[items.index(row.lhs)]
            elif row.op == "~1":
                ours = (
                    v.nu[items.index(row.lhs)]
                    if row.lhs in items
                    else (v.alpha[factors.index(row.lhs)])
                )
            elif row.lhs in factors:
                ours = v.psi[factors.index(row.lhs), factors.index(row.rhs)]
            else:
                continue  # residual variances: implied by the scale factors
            assert ours == pytest.approx(row.est, abs=1e-4), (step, row)
            checked += 1
        assert checked > 100


def test_an_answer_a_group_never_gave_is_counted_with_its_neighbour_everywhere():
    """No one in C answered q4 with 5: the model counts 5 with 4 in every group, which is the
    same as recoding it so in the data (what a lavaan user does by hand), and says so."""
    data = pd.read_csv(REF / "invariance_data.csv")
    data.loc[(data["site"] == "C") & (data["q4"] == 5), "q4"] = 4
    inv = invariance(data, "site", SIM_KEY, estimator="dwls", partial=False)
    recoded = data.assign(q4=data["q4"].clip(upper=4))
    by_hand = invariance(recoded, "site", SIM_KEY, estimator="dwls", partial=False)
    assert inv.table["chisq_scaled"].tolist() == pytest.approx(
        by_hand.table["chisq_scaled"].tolist(), rel=1e-9
    )
    assert any("q4: 5 counted with 4 (no one in C answered 5)" in n for n in inv.notes)
    assert not any("counted with" in n for n in by_hand.notes)


def test_the_thresholds_step_of_three_categories_adds_no_constraint():
    """Wu and Estabrook (2016): with three answer categories, equal thresholds (with each
    item's intercept and scale free) are the configural model again."""
    data = pd.read_csv(REF / "invariance_data.csv")
    items = [i for key in SIM_KEY.values() for i in key]
    data[items] = data[items].clip(2, 4)
    inv = invariance(data, "site", SIM_KEY, estimator="dwls", partial=False)
    table = inv.table.set_index("step")
    assert table.loc["thresholds", "df"] == table.loc["configural", "df"]
    configural = table.loc["configural", "chisq"]
    assert table.loc["thresholds", "chisq"] == pytest.approx(configural, abs=1e-6)


def test_cli_structure_polychoric_by_gives_the_ordinal_steps(tmp_path):
    """``assess structure --cor polychoric --by site``: the table a person reads is lavaan's
    scaled χ² and indices, and the verdict names the item made to differ."""
    import json

    from click.testing import CliRunner
    from test_invariance_against_r import DEFINITION

    from assessments.cli.main import cli

    (tmp_path / "nine.yaml").write_text(DEFINITION)
    data = pd.read_csv(REF / "invariance_data.csv")
    data.assign(respondent_id=range(len(data))).to_csv(tmp_path / "answers.csv", index=False)
    args = ["structure", str(tmp_path / "answers.csv"), "-i", str(tmp_path / "nine.yaml"),
            "--by", "site", "--cor", "polychoric"]  # fmt: skip
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    inv = json.loads(result.output)["invariance"]
    fit, lrt = _reference("sim")
    assert inv["estimator"] == "dwls"
    steps = {s["step"]: s for s in inv["steps"]}
    assert steps["scalar"]["chisq_scaled"] == pytest.approx(
        fit.loc["scalar", "chisq.scaled"], rel=1e-6
    )
    assert steps["scalar (partial)"]["p_diff"] == pytest.approx(
        lrt.loc["scalar (partial)", "p"], rel=1e-5
    )
    printed = CliRunner().invoke(cli, args, terminal_width=200)
    assert "ordered answers by WLSMV" in printed.output
    assert "chisq_scaled" in printed.output
    assert "Partial scalar invariance across site" in printed.output
    assert "q8 works differently in B" in printed.output


def test_items_of_two_answers_fall_back_to_ml_and_say_why():
    from assessments.stats.invariance import invariance_for

    data = pd.read_csv(REF / "invariance_data.csv")
    data["q4"] = data["q4"].clip(2, 3)
    with pytest.raises(ResponseError, match="q4 has 2 answer options"):
        invariance(data, "site", SIM_KEY, estimator="dwls")
    inv = invariance_for(data, "site", SIM_KEY, cor="polychoric")
    assert inv.estimator == "ml"
    assert inv.notes[0].startswith("Measurement invariance is estimated by maximum likelihood")
    assert "q4 has 2 answer options" in inv.notes[0]

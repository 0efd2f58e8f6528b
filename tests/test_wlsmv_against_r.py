"""Issue 32: lavaan's WLSMV figures for ordinal CFA, against lavaan 0.6-14.

``tests/data/reference/structure/make_wlsmv_reference.R`` simulates three sets that are not the
bfi (600 respondents on 12 items of 1-4 with a cross-loading left out of the key; the same
answers with 6% blank, pairwise; 250 respondents on 9 items of 1-5 with a Heywood case) and
writes lavaan's ``fitMeasures`` of ``cfa(..., ordered = TRUE, estimator = "WLSMV")``. The
tests need no R. Tolerances: 1e-6 on the indices, 1e-6 relative on the χ² values.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from assessments.stats.structure import cfa

REF = Path(__file__).parent / "data" / "reference" / "structure"
TWELVE = {
    "first": ["q1", "q2", "q3", "q4"],
    "second": ["q5", "q6", "q7", "q8"],
    "third": ["q9", "q10", "q11", "q12"],
}
NINE = {"first": ["q1", "q2", "q3"], "second": ["q4", "q5", "q6"], "third": ["q7", "q8", "q9"]}
CASES = [("twelve", TWELVE, "listwise"), ("twelve_na", TWELVE, "pairwise"),
         ("heywood", NINE, "listwise")]  # fmt: skip
#: ours -> lavaan's fitMeasures name
CHISQ = {
    "chisq": "chisq",
    "robust.chisq_scaled": "chisq.scaled",
    "robust.baseline_chisq_scaled": "baseline.chisq.scaled",
    "robust.scaling_factor": "chisq.scaling.factor",
    "robust.pvalue_scaled": "pvalue.scaled",
}
INDICES = {
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "robust.cfi_scaled": "cfi.scaled",
    "robust.tli_scaled": "tli.scaled",
    "robust.rmsea_scaled": "rmsea.scaled",
    "robust.rmsea_scaled_ci_lower": "rmsea.ci.lower.scaled",
    "robust.rmsea_scaled_ci_upper": "rmsea.ci.upper.scaled",
    "robust.cfi_robust": "cfi.robust",
    "robust.tli_robust": "tli.robust",
    "robust.rmsea_robust": "rmsea.robust",
    "robust.rmsea_robust_ci_lower": "rmsea.ci.lower.robust",
    "robust.rmsea_robust_ci_upper": "rmsea.ci.upper.robust",
}


def value(fit, name: str) -> float:
    obj = fit
    for part in name.split("."):
        obj = getattr(obj, part)
    return float(obj)


@pytest.mark.parametrize(("tag", "key", "missing"), CASES, ids=[c[0] for c in CASES])
def test_wlsmv_matches_lavaan(tag, key, missing):
    data = pd.read_csv(REF / f"wlsmv_{tag}_data.csv")
    ref = pd.read_csv(REF / f"wlsmv_{tag}_fit.csv").set_index("measure")["value"]
    fit = cfa(data, key, estimator="dwls", missing=missing)
    assert fit.n == ref["ntotal"]
    assert fit.robust.df_scaled == ref["df.scaled"]
    for ours, theirs in CHISQ.items():
        assert value(fit, ours) == pytest.approx(ref[theirs], rel=1e-6), ours
    for ours, theirs in INDICES.items():
        assert value(fit, ours) == pytest.approx(ref[theirs], abs=1e-6), ours


def test_the_verdict_uses_the_robust_figures():
    """The issue's case: unscaled DWLS figures say "good" while the robust ones do not."""
    data = pd.read_csv(REF / "wlsmv_twelve_data.csv")
    fit = cfa(data, TWELVE, estimator="dwls", missing="listwise")
    assert fit.cfi > 0.95
    assert fit.rmsea < 0.06  # "good" by the unscaled figures
    assert fit.robust.cfi_robust < 0.95
    assert fit.verdict == "acceptable"
    assert "robust CFI 0.929" in fit.verdict_text
    assert "unscaled DWLS figures, CFI 0.982" in fit.verdict_text
    assert fit.headline_kind == "robust"
    assert fit.headline["rmsea"] == fit.robust.rmsea_robust
    table = fit.fit_table()
    assert {"chisq_scaled", "cfi_robust", "rmsea_robust_ci_upper"} <= set(table.columns)


def test_ml_has_no_wlsmv_figures():
    data = pd.read_csv(REF / "wlsmv_twelve_data.csv")
    fit = cfa(data, TWELVE, estimator="ml", missing="listwise")
    assert fit.robust is None
    assert fit.headline["cfi"] == fit.cfi

"""Structure checks: what cannot be estimated says why, per group and per instrument, and the
``assess structure`` command (text and JSON). Numbers against R: test_structure_against_r.py."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import assessments as ra
from assessments.cli.main import cli
from assessments.demo import demo_responses
from assessments.errors import ResponseError
from assessments.stats import confirmatory
from assessments.stats.structure import cfa, efa, parallel_analysis, structure, structure_tables


def two_factors(n: int = 600, seed: int = 5, loading: float = 0.7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.multivariate_normal([0, 0], [[1, 0.3], [0.3, 1]], size=n)
    noise = np.sqrt(1 - loading**2)
    cols = {f"x{j}": loading * f[:, j // 4] + noise * rng.normal(size=n) for j in range(8)}
    return pd.DataFrame(cols)


KEY = {"a": ["x0", "x1", "x2", "x3"], "b": ["x4", "x5", "x6", "x7"]}


def codes(err: pytest.ExceptionInfo[ResponseError]) -> list[str]:
    return err.value.codes


def test_a_true_two_factor_key_fits_and_efa_recovers_it():
    df = two_factors()
    fit = cfa(df, KEY)
    assert fit.verdict == "good"
    assert fit.df == 19
    assert fit.loadings["std_loading"].between(0.6, 0.8).all()
    assert fit.weak_items == []
    pa = parallel_analysis(df)
    assert pa.suggested_factors == 2
    e = efa(df, 2)
    main = e.loadings.abs().to_numpy().argmax(axis=1)
    assert len(set(main[:4])) == 1
    assert len(set(main[4:])) == 1
    assert main[0] != main[4]


def test_a_wrong_key_does_not_fit():
    """The same answers scored with the items swapped between the two domains."""
    wrong = {"a": ["x0", "x1", "x4", "x5"], "b": ["x2", "x3", "x6", "x7"]}
    fit = cfa(two_factors(), wrong)
    assert fit.verdict in ("poor", "improper")
    assert fit.cfi < 0.9
    assert len(fit.large_residuals()) > 0


def test_fewer_respondents_than_items_is_a_clear_error():
    with pytest.raises(ResponseError) as err:
        cfa(two_factors(n=7), KEY)
    assert codes(err) == ["too-few-respondents"]
    assert "7 respondents for 8 items" in str(err.value)
    with pytest.raises(ResponseError) as err:
        parallel_analysis(two_factors(n=6))
    assert codes(err) == ["too-few-respondents"]


def test_collinear_items_are_named():
    df = two_factors()
    df["x7"] = df["x5"] + df["x6"]
    with pytest.raises(ResponseError) as err:
        cfa(df, KEY)
    assert codes(err) == ["not-positive-definite"]
    message = str(err.value)
    assert all(name in message for name in ("x5", "x6", "x7"))
    assert "x0" not in message


def test_an_item_without_variance_is_named():
    df = two_factors()
    df["x3"] = 4.0
    with pytest.raises(ResponseError) as err:
        efa(df, 2)
    assert codes(err) == ["no-variance"]
    assert "x3" in str(err.value)


def test_small_domains():
    df = two_factors()
    fit = cfa(df, {"a": ["x0", "x1", "x2", "x3"], "b": ["x4", "x5"], "c": ["x6"]})
    notes = " ".join(fit.notes)
    assert "'b' has 2 items: not identified alone" in notes
    assert "'c' has 1 item(s) and cannot be a factor" in notes
    assert list(fit.factor_correlations.index) == ["a", "b"]
    with pytest.raises(ResponseError) as err:
        cfa(df, {"a": ["x0", "x1"]})
    assert codes(err) == ["not-identified"]


def test_too_many_factors_for_the_items():
    with pytest.raises(ResponseError) as err:
        efa(two_factors(), 6)
    assert codes(err) == ["too-many-factors"]
    assert "between 1 and 4 factors" in str(err.value)


def test_an_item_in_two_domains_is_refused():
    with pytest.raises(ResponseError) as err:
        cfa(two_factors(), {"a": ["x0", "x1", "x2"], "b": ["x2", "x3", "x4"]})
    assert codes(err) == ["item-in-two-domains"]


def test_non_convergence_reports_no_numbers(monkeypatch):
    def fails(model, r):
        return np.zeros(1), np.nan, False

    monkeypatch.setattr(confirmatory, "_fit_ml", fails)
    with pytest.raises(ResponseError) as err:
        cfa(two_factors(), KEY)
    assert codes(err) == ["not-converged"]
    assert "no fit is reported" in str(err.value)


def test_a_heywood_case_is_improper():
    """Two items that correlate .95 with each other and .3 with the third: the one-factor
    solution needs a loading above 1."""
    rng = np.random.default_rng(2)
    z = rng.normal(size=(500, 1))
    df = pd.DataFrame(
        {
            "a": z[:, 0] + 0.2 * rng.normal(size=500),
            "b": z[:, 0] + 0.2 * rng.normal(size=500),
            "c": 0.3 * z[:, 0] + rng.normal(size=500),
            "d": 0.3 * z[:, 0] + rng.normal(size=500),
        }
    )
    df["a"] = 0.9 * df["b"] + 0.1 * rng.normal(size=500) + 0.5 * df["c"]
    fit = cfa(df, {"f": ["a", "b", "c", "d"]})
    assert fit.verdict == "improper"
    assert "Heywood" in fit.verdict_text
    assert "'a'" not in fit.verdict_text
    # one verdict: no sentence says an improper solution fits (issue 28)
    assert "fits these answers" not in fit.verdict_text
    assert "acceptabl" not in fit.verdict_text


def test_pairwise_and_listwise_differ_only_when_answers_are_missing():
    df = two_factors()
    same = [cfa(df, KEY, missing=m).chisq for m in ("pairwise", "listwise")]
    assert same[0] == pytest.approx(same[1], rel=1e-10)
    df.iloc[::7, 0] = np.nan
    pw, lw = (cfa(df, KEY, missing=m) for m in ("pairwise", "listwise"))
    assert pw.n == 600
    assert lw.n == 600 - len(df.iloc[::7])
    assert "listwise" in " ".join(lw.notes)
    assert "pairwise" in " ".join(pw.notes)


def test_structure_per_group_suppresses_small_groups_and_keeps_reasons():
    df = two_factors(n=427)
    df["site"] = ["big"] * 400 + ["tiny"] * 12 + ["one"] * 8 + ["two"] * 7
    out = structure(df, KEY, by="site", min_group_size=10)
    by = {r.group: r for r in out}
    assert by["one"].suppressed
    assert by["one"].cfa is None
    assert by["two"].suppressed
    assert by["big"].cfa is not None
    assert by["big"].cfa.verdict == "good"
    # 12 respondents for 8 items: estimable in principle; whatever fails is named, not raised
    assert not by["tiny"].suppressed
    assert by["tiny"].cfa is not None or "cfa" in by["tiny"].problems
    tables = structure_tables(out)
    assert set(tables["fit"]["group"]) == {"big", "tiny", "one", "two"}
    assert tables["fit"].set_index("group").loc["one", "verdict"] == "suppressed"


def test_structure_of_scores_uses_the_instruments_key():
    inst = ra.load_instrument("oric")
    scores = ra.score(demo_responses(inst, n=400, seed=3), inst, on_invalid="missing")
    (res,) = structure(scores, cor="polychoric")
    assert res.cfa is not None
    assert res.cfa.estimator == "dwls"
    assert set(res.cfa.domains) == {"change_commitment", "change_efficacy"}
    assert res.efa is not None
    assert res.parallel is not None


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    ra_demo = __import__("assessments.demo", fromlist=["run_demo"])
    ra_demo.run_demo(out, report=False)
    return out


def test_cli_structure_json_has_the_documented_shape(demo_files):
    runner = CliRunner()
    args = ["structure", str(demo_files / "orca_answers.xlsx"), "-i", "orca"]
    result = runner.invoke(cli, [*args, "--on-invalid", "missing", "--json"])
    assert result.exit_code == 0, result.output
    d = json.loads(result.output)
    assert set(d["parallel"]) >= {
        "eigen_data",
        "eigen_pc",
        "suggested_factors",
        "suggested_components",
    }
    assert d["efa"]["n_factors"] == d["parallel"]["suggested_factors"]
    assert {"item", "F1"} <= set(d["efa"]["loadings"][0])
    cfa_keys = {
        "n",
        "chisq",
        "df",
        "pvalue",
        "cfi",
        "tli",
        "rmsea",
        "rmsea_ci_lower",
        "rmsea_ci_upper",
        "srmr",
        "loadings",
        "factor_correlations",
        "verdict",
    }
    assert cfa_keys <= set(d["cfa"])
    orca = ra.load_instrument("orca")
    assert {row["item"] for row in d["cfa"]["loadings"]} == set(orca.item_ids)
    assert len(d["cfa"]["factor_correlations"]) == 19 * 18 // 2
    assert all("~~" in k for k in d["cfa"]["factor_correlations"])
    # without --on-invalid missing the demo's typos stop the run, as every command does
    stopped = runner.invoke(cli, args)
    assert stopped.exit_code == 1
    assert "not on the instrument's scale" in stopped.output


def test_cli_structure_text_and_workbook(demo_files, tmp_path):
    runner = CliRunner()
    out = tmp_path / "structure.xlsx"
    result = runner.invoke(
        cli,
        [
            "structure",
            str(demo_files / "oric_answers.csv"),
            "-i",
            "oric",
            "--on-invalid",
            "missing",
            "--factors",
            "2",
            "--fm",
            "ml",
            "--rotate",
            "varimax",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    text = result.output
    assert "How many factors?" in text
    assert "Does the key hold?" in text
    assert "2 factor(s), ml, varimax rotation" in text
    assert "conventions, not tests" in text
    sheets = pd.read_excel(out, sheet_name=None, engine="calamine")
    assert {"fit", "loadings", "factor_correlations", "efa_loadings", "parallel"} <= set(sheets)


def test_cli_structure_by_group_and_errors(demo_files):
    runner = CliRunner()
    base = [
        "structure",
        str(demo_files / "oric_answers.csv"),
        "-i",
        "oric",
        "--on-invalid",
        "missing",
    ]
    result = runner.invoke(cli, [*base, "--by", "site", "--json"])
    assert result.exit_code == 0, result.output
    groups = json.loads(result.output)["groups"]
    assert {g["group"] for g in groups} == {"North Clinic", "Riverside", "Downtown Center"}
    bad = runner.invoke(cli, [*base, "--by", "Site"])
    assert bad.exit_code == 1
    assert "did you mean 'site'" in bad.output
    many = runner.invoke(cli, [*base, "--factors", "11"])
    assert many.exit_code == 1
    assert "11 factors cannot be estimated from 12 items" in many.output
    assert "internal error" not in many.output


def test_report_structure_section_pdf_html_and_workbook(tmp_path):
    """``assess report --structure``: the section reads in domain names, has the scree plot
    and the fit table, and the workbook gains the structure sheets."""
    import openpyxl
    import pypdf

    from assessments.render import build_report, render_html, render_pdf, render_xlsx

    inst = ra.load_instrument("oric")
    scores = ra.score(demo_responses(inst, n=300, seed=9), inst, on_invalid="missing")
    report = build_report(scores, n_boot=0, structure=True)
    (section,) = [s for s in report.sections if s.heading == "Does the structure hold?"]
    text = str(report)
    assert "Parallel analysis finds" in text
    assert "change_commitment" not in " ".join(b.text for b in section.blocks if hasattr(b, "text"))
    assert any(getattr(b, "caption", "") == "Parallel analysis" for b in section.blocks)
    pdf = pypdf.PdfReader(__import__("io").BytesIO(render_pdf(report)))
    pdf_text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Does the structure hold?" in pdf_text
    assert "RMSEA" in pdf_text
    html = render_html(report)
    assert "Does the structure hold?" in html
    assert "Scree plot of 12 items" in html  # the chart's alt text
    book = openpyxl.load_workbook(__import__("io").BytesIO(render_xlsx(report)))
    assert {"structure_fit", "structure_loadings", "structure_parallel"} <= set(book.sheetnames)
    plain = build_report(scores, n_boot=0)
    assert "Does the structure hold?" not in str(plain)


def test_report_structure_that_cannot_be_estimated_says_why():
    from assessments.render import build_report

    inst = ra.load_instrument("orca")
    scores = ra.score(demo_responses(inst, n=40, seed=2), inst, on_invalid="missing")
    report = build_report(scores, n_boot=0, structure=True)
    (section,) = [s for s in report.sections if s.heading == "Does the structure hold?"]
    (para,) = section.blocks
    assert para.text.startswith("The structure of these answers could not be checked:")
    assert "more respondents than items" in para.text


def test_cli_report_structure_flag(demo_files, tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "report",
            str(demo_files / "oric_answers.csv"),
            "-i",
            "oric",
            "--on-invalid",
            "missing",
            "--structure",
            "--format",
            "html",
            "--n-boot",
            "0",
            "-o",
            str(tmp_path / "r"),
        ],
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r" / "oric-report.html").read_text(encoding="utf-8")
    assert "Does the structure hold?" in page


def test_a_polychoric_matrix_that_is_not_positive_definite():
    """40 respondents, 12 four-point items: the polychoric matrix has a negative eigenvalue.
    DWLS does not need an inverse (lavaan fits it too), EFA smooths it as psych::cor.smooth,
    and each says so; Pearson on the same answers is fine."""
    from assessments.stats.correlation import smooth
    from assessments.stats.polychoric import polychoric

    rng = np.random.default_rng(2)
    f = rng.normal(size=(40, 2))
    x = np.column_stack(
        [np.digitize(0.8 * f[:, j // 6] + 0.6 * rng.normal(size=40), [-1, 0, 1]) for j in range(12)]
    ).astype(float)
    r, _ = polychoric(x)
    assert np.linalg.eigvalsh(r)[0] < 0
    fixed = smooth(r)
    assert np.linalg.eigvalsh(fixed)[0] > 0
    assert np.allclose(np.diag(fixed), 1.0)
    assert np.abs(fixed - r).max() < 0.1
    df = pd.DataFrame(x, columns=[f"q{j}" for j in range(12)])
    key = {"a": [f"q{j}" for j in range(6)], "b": [f"q{j}" for j in range(6, 12)]}
    fit = cfa(df, key, estimator="dwls")
    assert "not positive definite" in " ".join(fit.notes)
    e = efa(df, 2, cor="polychoric")
    assert "smoothed as psych's cor.smooth does" in " ".join(e.notes)
    assert efa(df, 2).notes == []


RSA_KEY = """
key_for: rsa
source: "test key: arbitrary numbers, not the RSA's key"
versions:
  provider:
    life_goals: [1, 2, 3, 4, 5, 6]
    involvement: [7, 8, 9, 10, 11, 12]
"""


def test_rsa_needs_a_key_and_uses_the_versions_numbers(write_yaml, tmp_path):
    """Without a key the RSA has no factors to test (a clear error pointing at --key); with a
    user key for the provider version, the CFA tests exactly the keyed items."""
    rng = np.random.default_rng(4)
    f = rng.normal(size=(300, 2))
    cols = {}
    for k in range(1, 33):
        z = 0.75 * f[:, 0 if k <= 6 else 1] + 0.66 * rng.normal(size=300)
        cols[f"rsa_{k}"] = np.digitize(z, [-1.2, -0.4, 0.4, 1.2]) + 1
    src = tmp_path / "providers.csv"
    pd.DataFrame(cols).to_csv(src, index=False)
    runner = CliRunner()
    base = ["structure", str(src), "-i", "rsa", "--version", "provider"]
    plain = runner.invoke(cli, base)
    assert plain.exit_code == 0, plain.output
    assert "How many factors?" in plain.output  # exploring needs no key
    assert "cfa not estimated" in plain.output
    assert "no scored domains" in plain.output
    assert "--key" in plain.output
    key = write_yaml(RSA_KEY, "key.yaml")
    keyed = runner.invoke(cli, [*base, "--key", str(key), "--json"])
    assert keyed.exit_code == 0, keyed.output
    d = json.loads(keyed.output)
    assert {row["item"] for row in d["cfa"]["loadings"]} == {f"rsa_{k}" for k in range(1, 13)}
    assert d["cfa"]["df"] == 12 * 13 // 2 - (2 * 12 + 1)
    assert d["version"] == "provider"

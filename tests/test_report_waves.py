"""Reports over several waves (--wave-file repeated, FILE:LABEL, --wave-column), the chosen
sections (--sections), and the workbook's README sheet. Wave data are made here from the demo
generator; each wave's change is checked against an independent pandas computation."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pypdf
import pytest
from click.testing import CliRunner

from assessments import ResponseError, read_responses, score
from assessments.cli.main import cli
from assessments.demo import demo_responses
from assessments.render import build_report


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


@pytest.fixture(scope="module")
def waves(tmp_path_factory):
    """Three ORIC waves, each a little higher than the one before, as CSV files."""
    folder = tmp_path_factory.mktemp("waves")
    paths = {}
    for k, (label, shift) in enumerate((("2024", -0.6), ("2025", -0.3), ("2026", 0.0))):
        df = demo_responses("oric", n=90, seed=20 + k, shift=shift).assign(wave=label)
        paths[label] = folder / f"oric_{label}.csv"
        df.to_csv(paths[label], index=False)
    return paths


def _sheet(path, name):
    ws = openpyxl.load_workbook(path)[name]
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_three_wave_files_give_a_trend_and_consecutive_changes(waves, tmp_path):
    result = run(
        "report", waves["2026"], "-i", "oric", "--on-invalid", "missing",
        "--wave-file", f"{waves['2024']}:first", "--wave-file", waves["2025"],
        "--label", "now", "-o", tmp_path, "--format", "pdf,xlsx", "--n-boot", 0,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    change = _sheet(tmp_path / "oric-report.xlsx", "change")
    # the change sheet is the last step (2025 file -> this wave), checked against pandas
    before = score(read_responses(waves["2025"], "oric"), on_invalid="missing").respondents
    after = score(read_responses(waves["2026"], "oric"), on_invalid="missing").respondents
    row = change.set_index("domain").loc["change_efficacy"]
    expected = after["change_efficacy"].mean() - before["change_efficacy"].mean()
    assert row["change"] == pytest.approx(expected, abs=1e-9)
    text = " ".join(
        p.extract_text()
        for p in pypdf.PdfReader(io.BytesIO((tmp_path / "oric-report.pdf").read_bytes())).pages
    )
    assert "Mean scores in the 3 waves" in text
    assert "first → oric_2025" in text  # labels as given
    assert "oric_2025 → now" in text
    assert "Since the last wave (oric_2025 to now)" in text


def test_a_wave_column_splits_one_file_into_waves(waves, tmp_path):
    allwaves = pd.concat([pd.read_csv(p) for p in waves.values()], ignore_index=True)
    src = tmp_path / "all.csv"
    allwaves.sample(frac=1, random_state=1).to_csv(src, index=False)  # rows in any order
    result = run(
        "report", src, "-i", "oric", "--on-invalid", "missing", "--wave-column", "wave",
        "-o", tmp_path / "r", "--format", "xlsx", "--n-boot", 0,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = _sheet(tmp_path / "r" / "oric-report.xlsx", "summary")["summary"].tolist()
    assert any(s.startswith("Since the last wave (2025 to 2026)") for s in summary)
    dom = _sheet(tmp_path / "r" / "oric-report.xlsx", "domain_summary").set_index("domain")
    only_2026 = score(read_responses(waves["2026"], "oric"), on_invalid="missing")
    assert dom.loc["change_commitment", "n"] == only_2026.respondents["change_commitment"].count()


def test_wave_errors_are_clear(waves, tmp_path):
    same = run(
        "report", waves["2026"], "-i", "oric", "--on-invalid", "missing",
        "--wave-file", f"{waves['2024']}:x", "--wave-file", f"{waves['2025']}:x", "-o", tmp_path,
    )  # fmt: skip
    assert same.exit_code == 1
    assert "two waves are named 'x'" in same.output
    both = run(
        "report", waves["2026"], "-i", "oric", "--wave-column", "wave",
        "--wave-file", waves["2024"], "-o", tmp_path,
    )  # fmt: skip
    assert both.exit_code == 1
    assert "not both" in both.output
    one = run("report", waves["2026"], "-i", "oric", "--wave-column", "wave", "-o", tmp_path)
    assert one.exit_code == 1
    assert "names only one wave ('2026')" in one.output
    nocol = run("report", waves["2026"], "-i", "oric", "--wave-column", "cohort", "-o", tmp_path)
    assert nocol.exit_code == 1
    assert "no column 'cohort' names the waves" in nocol.output
    df = pd.read_csv(waves["2026"])
    df.loc[3, "wave"] = None
    df.to_csv(tmp_path / "blank.csv", index=False)
    with pytest.raises(ResponseError, match="1 row\\(s\\) name no wave") as err:
        read_responses(tmp_path / "blank.csv", "oric").split_waves("wave")
    assert err.value.problems[0].row == 5  # header on row 1, the fourth data row


def test_numeric_waves_sort_as_numbers(tmp_path):
    df = demo_responses("oric", n=30).assign(wave=[9] * 10 + [10] * 10 + [100] * 10)
    df.to_csv(tmp_path / "w.csv", index=False)
    assert list(read_responses(tmp_path / "w.csv", "oric").split_waves("wave")) == [
        "9",
        "10",
        "100",
    ]


def test_sections_choose_what_is_built(waves, tmp_path):
    s = score(read_responses(waves["2026"], "oric"), on_invalid="missing")
    report = build_report(s, "role", sections=["methods", "summary"], n_boot=0)
    assert [x.heading for x in report.sections] == ["At a glance", "Methods"]  # report order
    with_structure = build_report(s, sections=["methods", "summary"], structure=True, n_boot=0)
    assert [x.heading for x in with_structure.sections] == [
        "At a glance",
        "Does the structure hold?",
        "Methods",
    ]
    with pytest.raises(ResponseError, match="unknown report section"):
        build_report(s, sections=["summary", "charts"])
    bad = run("report", waves["2026"], "-i", "oric", "--sections", "summary,nope", "-o", tmp_path)
    assert bad.exit_code == 1
    assert "unknown report section(s): nope; expected some of summary" in bad.output


def test_workbook_readme_explains_every_sheet(waves, tmp_path):
    out = tmp_path / "x"
    result = run(
        "report", waves["2026"], "-i", "oric", "--on-invalid", "missing", "--by", "role",
        "--wave-file", waves["2025"], "-o", out, "--format", "xlsx", "--n-boot", 0,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out / "oric-report.xlsx")
    assert wb.sheetnames[:2] == ["README", "summary"]
    readme = _sheet(out / "oric-report.xlsx", "README")
    described = set(readme["sheet"])
    assert set(wb.sheetnames[1:]) <= described  # every other sheet has a line
    assert all(len(str(t)) > 20 for t in readme["what it holds"])
    ws = wb["domain_summary"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert ws.cell(2, header.index("mean") + 1).number_format == "0.00"


def test_group_styles_differ_in_shape_and_dash_not_only_colour():
    from assessments.charts.theme import group_style

    styles = [group_style(i) for i in range(8)]
    assert len({s["marker"] for s in styles}) == 8
    assert len({str(s["linestyle"]) for s in styles}) >= 7
    # the answer bars stripe the disagree side, so Agree and Disagree differ in greyscale; the
    # stripes are plain lines (a hatch is an SVG fill pattern, which the PDF must rasterize)
    import io

    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    from assessments.charts import answer_bars
    from assessments.charts.drawing import needs_raster

    s = score(demo_responses("oric", n=60), "oric", on_invalid="missing")
    ax = answer_bars(s)
    stripes = [p for p in ax.patches if p.get_gid() == "stripes"]
    assert len(stripes) == 2  # strongly disagree and disagree, on a 5-point scale
    n_items = len(s.instrument.items)
    assert all(len(p.get_path().vertices) >= 2 * n_items for p in stripes)
    # every stripe lies inside the answer bars' span (-100..0: the disagree side)
    xs = np.concatenate([p.get_path().vertices[:, 0] for p in stripes])
    assert xs.min() >= -100 - 1e-9
    assert xs.max() <= 1e-9
    legend = ax.figure.legends[0]
    assert len(legend.findobj(LineCollection)) == 2  # the legend keys are striped the same way
    svg = io.StringIO()
    ax.figure.savefig(svg, format="svg")
    assert not needs_raster(svg.getvalue())
    plt.close("all")


def test_the_summary_names_no_statistic_even_with_waves_and_groups(waves):
    s = score(read_responses(waves["2026"], "oric"), on_invalid="missing")
    prev = score(read_responses(waves["2025"], "oric"), on_invalid="missing")
    report = build_report(s, "role", previous=prev, sections=["summary"], n_boot=0)
    text = str(report.sections[0])
    for jargon in ("Hedges", "rwg", "ICC", "p <", "p =", "confidence", "alpha", "Welch"):
        assert jargon not in text
    assert np.isfinite(s.respondents["change_efficacy"].mean())


def test_benchmarks_and_published_norms_beside_the_scores(tmp_path):
    """ORCA's published means (Helfrich et al. 2009, in the instrument file) and a user's
    benchmark file on the summary chart, in words and in the workbook; the counts of areas
    above and below are checked against a direct computation."""
    s = score(demo_responses("orca", n=200, seed=4), "orca", on_invalid="missing")
    bench = pd.DataFrame(
        {
            "target": ["staff_culture", "general_resources", "not_a_score"],
            "mean": [5.0, 1.0, 3.0],
            "sd": [0.5, 0.5, 0.5],
            "n": [300, 300, 300],
            "source": ["State network", "State network", "State network"],
            "sample": ["12 agencies"] * 3,
        }
    )
    report = build_report(s, benchmarks=bench, sections=["summary", "domains"], n_boot=0)
    points = [x for b in report.sections[0].blocks if hasattr(b, "items") for x in b.items]
    [state] = [p for p in points if p.startswith("Compared with State network")]
    assert state == "Compared with State network, 12 agencies (2 areas): higher on 1, lower on 1."
    [paper] = [p for p in points if p.startswith("Compared with Helfrich et al. 2009")]
    norms = {n.target: n for n in s.instrument.norms}
    means = s.respondents[list(norms)].mean()
    diff = {t: means[t] - n.mean for t, n in norms.items()}
    higher = sum(d > 0.2 * norms[t].sd for t, d in diff.items())
    lower = sum(d < -0.2 * norms[t].sd for t, d in diff.items())
    assert f"({len(norms)} areas)" in paper
    assert (f"higher on {higher}" in paper) == (higher > 0)
    assert (f"lower on {lower}" in paper) == (lower > 0)
    assert "State network" in report.sections[0].blocks[1].svg  # named in the chart's legend
    sheets = dict(report.workbook)
    table = sheets["benchmarks"].set_index(["source", "target"])
    ours = table.loc[("State network", "staff_culture"), "mean"]
    assert ours == pytest.approx(s.respondents["staff_culture"].mean())
    assert "not_a_score" not in set(sheets["benchmarks"]["target"])


def test_a_bad_benchmark_file_is_a_clear_error(waves, tmp_path):
    bad = tmp_path / "bench.csv"
    bad.write_text("area,value\nx,3\n", encoding="utf-8")
    result = run(
        "report", waves["2026"], "-i", "oric", "--on-invalid", "missing",
        "--benchmarks", bad, "-o", tmp_path / "r",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "missing column(s) target, mean" in result.output
    assert not (tmp_path / "r").exists()


def test_items_show_the_users_wording_when_the_instrument_file_has_it(tmp_path):
    """ORCA ships numbered labels only: the report says where the wording goes; a copy of the
    file with `text:` for an item prints that text in the item tables and charts instead."""
    from assessments import load_instrument

    s = score(demo_responses("orca", n=120, seed=2), "orca", on_invalid="missing")
    items = build_report(s, sections=["items"], n_boot=0).sections[0]
    notes = [b.text for b in items.blocks if type(b).__name__ == "Note"]
    assert any("number on the form" in n and "licensed copy" in n for n in notes)
    assert not any("-i" in n.split() or "`" in n for n in notes)  # no command-line words
    source = Path(load_instrument("orca").source_file).read_text(encoding="utf-8")
    old = "  - {id: orca_1, number: '1', label: 'Discord about the evidence'}"
    assert old in source
    copy = tmp_path / "orca-with-text.yaml"
    copy.write_text(
        source.replace(old, old[:-1] + ", text: 'Wording the user typed from their licence'}"),
        encoding="utf-8",
    )
    mine = load_instrument(copy)
    s2 = score(demo_responses("orca", n=120, seed=2), mine, on_invalid="missing")
    assert "Wording the user typed from their licence" in set(s2.item_summary()["label"])
    items2 = build_report(s2, sections=["items"], n_boot=0).sections[0]
    assert not [b for b in items2.blocks if type(b).__name__ == "Note"]


def test_a_long_profile_splits_over_charts_instead_of_shrinking():
    s = score(demo_responses("orca", n=300, seed=5), "orca", on_invalid="missing")
    report = build_report(s, "role", sections=["domains"], n_boot=0)
    profiles = [f for f in report.figures() if f.caption.startswith("Mean scores")]
    assert len(profiles) == 2
    assert profiles[0].caption.endswith("(1 of 2)")
    names = s.instrument.score_names()
    for col in s.score_columns:  # every score is on exactly one of the charts
        assert sum(f">{names[col]}<" in f.svg for f in profiles) == 1, col
    for f in profiles:  # drawn at full size: under the 9.5 in cap
        height = float(f.svg.split('height="', 1)[1].split("pt", 1)[0])
        assert height < 9.5 * 72


def test_paired_change_matches_people_by_id_and_says_so(tmp_path):
    """--paired-on: the change section tests within the people found in both waves (paired
    t, checked against scipy's ttest_rel on a pandas merge) and says so; without it the same
    waves are independent samples."""
    from scipy import stats as sps

    first = demo_responses("oric", n=80, seed=31, shift=-0.4)
    second = demo_responses("oric", n=80, seed=32)
    second = second.iloc[10:].reset_index(drop=True)  # 10 people did not answer again
    before, after = (score(x, "oric", on_invalid="missing") for x in (first, second))
    report = build_report(
        after, previous=before, paired_on="respondent_id", sections=["trends", "methods"],
        n_boot=0,
    )  # fmt: skip
    trends = report.sections[0]
    text = str(trends)
    assert "matched across the waves by 'respondent_id'" in text
    assert "paired t" in text
    table = next(b for b in trends.blocks if type(b).__name__ == "TableBlock").data
    m = before.respondents.merge(after.respondents, on="respondent_id", suffixes=("_b", "_a"))
    m = m.dropna(subset=["change_efficacy_b", "change_efficacy_a"])
    row = table.set_index("score").loc["Change efficacy"]
    assert row["people in both"] == len(m)
    assert len(m) <= 70
    assert float(row["change"]) == pytest.approx(
        (m["change_efficacy_a"] - m["change_efficacy_b"]).mean(), abs=1e-9
    )
    expected_p = sps.ttest_rel(m["change_efficacy_a"], m["change_efficacy_b"]).pvalue
    assert float(row["p"]) == pytest.approx(expected_p, rel=1e-9)
    assert "a paired t-test gives p < .05" in str(report.sections[-1])
    summary = build_report(
        after, previous=before, paired_on="respondent_id", sections=["summary"], n_boot=0
    )
    both = len(set(before.respondents["respondent_id"]) & set(after.respondents["respondent_id"]))
    assert both < 70  # a few demo rows are excluded (no answers) in one wave or the other
    assert f"among the {both} people who answered both" in str(summary.sections[0])
    assert f"({both} people answered both" in text
    independent = build_report(after, previous=before, sections=["trends"], n_boot=0)
    assert "independent groups (Welch's t)" in str(independent.sections[0])
    assert "matched" not in str(independent.sections[0])


def test_paired_on_a_column_that_is_missing_is_a_clear_error(waves, tmp_path):
    result = run(
        "report", waves["2026"], "-i", "oric", "--on-invalid", "missing",
        "--wave-file", waves["2025"], "--paired-on", "person", "-o", tmp_path,
        "--format", "xlsx", "--n-boot", 0,
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "person" in result.output
    assert "respondent_id" in result.output  # the columns there are


def test_paired_on_ids_that_never_match_is_a_clear_error():
    """Asked to pair people but no id is in both waves (say "R0012" in one, 12 in the other):
    an error with the fix, not a report of 0 pairs."""
    first = demo_responses("oric", n=40, seed=41)
    second = demo_responses("oric", n=40, seed=42)
    second["respondent_id"] = [f"X{k}" for k in range(len(second))]
    before, after = (score(x, "oric", on_invalid="missing") for x in (first, second))
    with pytest.raises(ResponseError) as err:
        build_report(after, previous=before, paired_on="respondent_id", n_boot=0)
    assert err.value.codes == ["no-pairs"]
    assert "independent samples" in str(err.value)

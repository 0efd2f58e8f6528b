"""Reports read back: PDF (pypdf), HTML (parsed), Excel (openpyxl); suppression; charts."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import openpyxl
import pypdf
import pytest
from click.testing import CliRunner

from assessments import charts, score, stats
from assessments.cli.main import cli
from assessments.demo import demo_responses
from assessments.render import build_report, render_html, render_pdf, write_report
from assessments.render.suppression import suppressed_groups

matplotlib.use("Agg")


def answers_with_small_group():
    df = demo_responses("oric", n=160, seed=4)
    df.loc[:3, "role"] = "volunteer"  # a group of 4
    df["team_note"] = ""
    df.loc[5, "team_note"] = '=HYPERLINK("http://x")'  # must stay text in Excel
    return df


@pytest.fixture(scope="module")
def scores():
    return score(answers_with_small_group(), "oric", on_invalid="missing")


@pytest.fixture(scope="module")
def report(scores):
    previous = score(
        demo_responses("oric", n=120, seed=8, shift=-0.3), "oric", on_invalid="missing"
    )
    return build_report(
        scores,
        "role",
        aggregate_by="site",
        previous=previous,
        organization="Test Agency",
        period="Spring 2026",
        n_boot=100,
    )


class Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_self_contained_and_accessible(report):
    page = render_html(report)
    p = Collect()
    p.feed(page)
    tags = [t for t, _ in p.tags]
    assert "script" not in tags
    assert "link" not in tags
    svgs = [a for t, a in p.tags if t == "svg" and a.get("role") == "img"]
    assert len(svgs) == len(report.figures()) >= 6
    assert all(a.get("aria-label") for a in svgs)
    assert all(a.get("alt") for t, a in p.tags if t == "img")
    for _, attrs in p.tags:
        for key in ("src", "href"):
            assert not str(attrs.get(key, "")).startswith(("http:", "https:", "//"))
    # every table, and under each chart a table of its numbers (issue 30)
    with_numbers = [f for f in report.figures() if f.data is not None and len(f.data)]
    assert len(with_numbers) == len(report.figures())
    assert tags.count("caption") == len(report.tables()) + len(with_numbers)
    assert all(a.get("scope") == "col" for t, a in p.tags if t == "th" and "scope" in a)
    assert "@media print" in page
    assert report._repr_html_().startswith("<div")


def test_pdf_has_cover_with_contents_summary_page_and_embedded_fonts(report):
    data = render_pdf(report)
    pdf = pypdf.PdfReader(io.BytesIO(data))
    n = len(pdf.pages)
    assert n >= 6
    text = [page.extract_text() for page in pdf.pages]
    assert "Test Agency" in text[0]
    assert "Spring 2026" in text[0]
    assert "In this report" in text[0]  # the contents share the cover page
    assert f"page 2 of {n}" in text[1]
    assert "At a glance" in text[1]  # the summary is the first page after the cover
    assert any("Warning: Provisional scoring key" in t for t in text)
    assert pdf.metadata.title.startswith("Organizational Readiness")
    assert b"/FontFile2" in data  # TrueType font embedded
    assert b"DejaVu" in data


def test_small_groups_are_suppressed_everywhere(scores, report, tmp_path):
    sizes = scores.respondents["role"].value_counts().to_dict()
    assert sizes["volunteer"] == 4
    hidden = suppressed_groups(sizes, 5)
    assert hidden[0] == "volunteer"
    assert len(hidden) == 2  # complementary suppression
    page = render_html(report)
    pdf_text = " ".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(report))).pages
    )
    for hidden_group in hidden:
        for table in report.tables():
            assert hidden_group not in table.data.astype(str).to_numpy()
    assert "volunteer: 4" not in page
    assert "volunteer: 4" not in pdf_text
    # try to recover the volunteers' mean from what is published: the totals and shown groups
    shown = {t.caption: t.data for t in report.tables()}
    by_role = shown["Scores by role"]
    overall = shown["Scores, all respondents"].set_index("score")
    row = by_role[by_role["score"] == "Change commitment"]
    total_n, total_mean = overall.loc["Change commitment", ["n", "mean"]]
    rest = total_n * total_mean - (row["n"] * row["mean"]).sum()
    rest_n = total_n - row["n"].sum()
    recovered = rest / rest_n
    r = scores.respondents
    true = r.loc[r["role"] == "volunteer", "change_commitment"].mean()
    assert rest_n > 4  # two groups are hidden together ...
    assert abs(recovered - true) > 0.01  # ... so the small one cannot be worked out
    out = write_report(
        scores,
        tmp_path,
        by="role",
        aggregate_by="site",
        formats=["xlsx"],
        n_boot=50,
        include_respondents=True,
    )[0]
    wb = openpyxl.load_workbook(out)
    roles = (
        {c.value for c in wb["scores"]["D"][1:]} if wb["scores"]["D1"].value == "role" else set()
    )
    header = [c.value for c in wb["scores"][1]]
    col = header.index("role") + 1
    roles = {wb["scores"].cell(i, col).value for i in range(2, wb["scores"].max_row + 1)}
    assert "volunteer" not in roles
    assert "suppressed (fewer than 5)" in roles
    groups = {
        wb["group_summary"].cell(i, 2).value for i in range(2, wb["group_summary"].max_row + 1)
    }
    assert "volunteer" not in groups


def test_excel_sheets_and_formula_text(scores, tmp_path):
    shared = write_report(scores, tmp_path / "shared", by="role", formats=["xlsx"], n_boot=50)[0]
    sheets = openpyxl.load_workbook(shared).sheetnames
    assert "scores" not in sheets  # a report to share holds no respondent rows
    excluded = openpyxl.load_workbook(shared)["excluded"]
    assert [c.value for c in excluded[1]] == ["reason", "rows"]  # counts, not respondents
    out = write_report(
        scores,
        tmp_path,
        by="role",
        aggregate_by="site",
        formats=["xlsx"],
        n_boot=50,
        include_respondents=True,
    )[0]
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [
        "README",
        "summary",
        "scores",
        "domain_summary",
        "item_statistics",
        "comparisons",
        "group_summary",
        "by_site",
        "agreement",
        "reliability",
        "next_steps",
        "excluded",
        "import_log",
        "notes",
    ]
    ws = wb["scores"]
    header = [c.value for c in ws[1]]
    site_col = header.index("team_note") + 1
    cell = ws.cell(7, site_col)
    assert cell.value == '=HYPERLINK("http://x")'
    assert cell.data_type == "s"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref


def test_no_respondent_ids_in_pdf_or_html(scores, report):
    ids = set(scores.respondents["respondent_id"])
    page = render_html(report)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(report))).pages)
    assert not any(i in page for i in ids)
    assert not any(i in text for i in ids)


def test_the_same_input_gives_the_same_html(scores, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    a = render_html(build_report(scores, "role", n_boot=50))
    b = render_html(build_report(scores, "role", n_boot=50))
    assert a == b
    assert "2026-01-01" in a


def test_the_summary_page_names_strongest_weakest_gap_and_change_in_plain_words(scores, report):
    first = report.sections[0]
    assert first.heading == "At a glance"
    points = [x for b in first.blocks if hasattr(b, "items") for x in b.items]
    means = scores.respondents[["change_commitment", "change_efficacy"]].mean()
    names = {"change_commitment": "Change commitment", "change_efficacy": "Change efficacy"}
    assert points[0].startswith(f"Strongest: {names[means.idxmax()]}")
    assert any(
        p.startswith(f"Weakest, where to look first: {names[means.idxmin()]}") for p in points
    )
    assert any(
        p.startswith("Largest difference between groups of role")
        or p.startswith("No reliable difference was found between the groups of role")
        or (p.startswith("The groups of role (") and p.endswith("rate every area much alike."))
        for p in points
    )
    assert any(p.startswith("Since the last wave") for p in points)
    assert any(p.startswith("Scoring key:") for p in points)
    text = " ".join([b.text for b in first.blocks if hasattr(b, "text")] + points)
    for jargon in ("Hedges", "rwg", "ICC", "p <", "p =", "confidence interval", "alpha", "SD"):
        assert jargon not in text, jargon  # no statistic names on the board's page
    assert "How to read this page" in text


def test_charts_take_an_axes_and_return_it(scores):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(14, 8))
    g = stats.gaps(scores, a="clinician", b="peer specialist", by="role")
    a = stats.agreement(scores, "site", n_boot=0)
    made = [
        charts.domain_profile(scores, by="site", ax=axes[0, 0]),
        charts.distribution(scores, ax=axes[0, 1]),
        charts.gap_dumbbell(
            g,
            a="clinician",
            b="peer specialist",
            scale=scores.instrument.response_scale,
            ax=axes[0, 2],
        ),
        charts.heatmap(scores, "site", ax=axes[1, 0]),
        charts.agreement_chart(a, ax=axes[1, 1]),
        charts.answer_bars(scores, by="site", items=["oric_1", "oric_2"], ax=axes[1, 2]),
    ]
    assert made == list(axes.ravel())
    for ax in made:
        assert ax.get_title(loc="left")
        assert charts.alt_text(ax) != ax.get_title(loc="left")
    assert "Agree" in [t.get_text() for t in made[0].get_xticklabels()][-1]
    table = charts.answer_table(scores, by="role")
    assert "volunteer" not in set(table["group"])
    row = table.iloc[0]
    assert sum(row[f"pct_{c}"] for c in range(1, 6)) == pytest.approx(100)
    plt.close(fig)


def test_assess_report_command(tmp_path):
    src = tmp_path / "oric.csv"
    answers_with_small_group().to_csv(src, index=False)
    earlier = tmp_path / "oric_2025.csv"
    demo_responses("oric", n=100, seed=3, shift=-0.3).to_csv(earlier, index=False)
    result = CliRunner().invoke(
        cli,
        [
            "report",
            str(src),
            "-i",
            "oric",
            "--by",
            "role",
            "--by",
            "site",
            "--wave-file",
            str(earlier),
            "--on-invalid",
            "missing",
            "--format",
            "html,pdf",
            "-o",
            str(tmp_path / "r"),
            "--n-boot",
            "50",
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [
        "oric-report.html",
        "oric-report.pdf",
    ]
    assert "Change since the last wave" in (tmp_path / "r" / "oric-report.html").read_text()
    bad = CliRunner().invoke(cli, ["report", str(src), "-i", "oric", "--format", "docx"])
    assert bad.exit_code == 1
    assert "unknown format" in bad.output


def test_objects_display_as_html_and_text(scores, report):
    from assessments import load_instrument, read_responses, validate

    oric = load_instrument("oric")
    assert "<table" in oric._repr_html_()
    assert str(oric).startswith("Organizational Readiness")
    assert repr(oric) == "<Instrument oric/staff: 12 items, 2 domains>"
    assert "change_commitment" in scores._repr_html_()
    assert str(scores).startswith("Scores for oric/staff")
    assert repr(report).startswith("<Report 'Organizational Readiness")
    assert "At a glance" in str(report)
    assert "png" not in repr(report.figures()[0])
    reference = Path(__file__).parent / "data" / "reference"
    check = validate(
        read_responses(reference / "bfi" / "data.csv", reference / "bfi-instrument.yaml")
    )
    assert "can be scored" in str(check)
    assert "<table" in check._repr_html_()


def test_heatmap_hides_small_groups_by_the_shared_rule_and_names_scales():
    """One group under the minimum hides the next smallest too (else subtraction from the
    overall means would recover it); domain-level rows carry reader-facing names."""
    import matplotlib.pyplot as plt

    s = score(demo_responses("orca", n=200, seed=3), "orca", on_invalid="missing")
    r = s.respondents.copy()
    r["team"] = ["big"] * 150 + ["mid"] * 46 + ["tiny"] * (len(r) - 196)
    from dataclasses import replace

    s = replace(s, respondents=r)
    ax = charts.heatmap(s, "team", level="domain", min_group_size=5)
    shown = [t.get_text().split("\n")[0] for t in ax.get_xticklabels()]
    assert shown == ["big"]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert "Evidence" in rows
    assert "evidence" not in rows
    plt.close(ax.get_figure())


def test_answer_table_hides_the_next_smallest_group_too():
    s = score(demo_responses("oric", n=120, seed=2), "oric", on_invalid="missing")
    from dataclasses import replace

    r = s.respondents.copy()
    r["team"] = ["big"] * 80 + ["mid"] * (len(r) - 83) + ["tiny"] * 3
    table = charts.answer_table(replace(s, respondents=r), by="team", min_group_size=5)
    assert set(table["group"]) == {"big"}


def test_pdf_charts_are_vectors_with_their_text(report):
    """Charts go into the PDF as vectors drawn from their SVG, every one of them (Typst
    draws fill patterns too): the PDF holds no raster image, and chart text stays text."""
    data = render_pdf(report)
    pdf = pypdf.PdfReader(io.BytesIO(data))
    images = sum(len(page.images) for page in pdf.pages)
    assert images == 0
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "ORIC: domain profile by role" in text  # a vector chart's title, as text


def _text_fills(pdf_bytes: bytes) -> list[tuple[float, ...]]:
    """The fill colour in force at every text-showing operator of every page (text is
    painted in the fill colour), read from the content streams."""
    from pypdf.generic import ContentStream

    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    fills = []
    for page in reader.pages:
        content = ContentStream(page.get_contents(), reader)
        fill: tuple[float, ...] = (0.0,)
        stack = []
        for operands, op in content.operations:
            if op == b"q":
                stack.append(fill)
            elif op == b"Q" and stack:
                fill = stack.pop()
            elif op in (b"g", b"rg", b"k", b"sc", b"scn"):
                fill = tuple(float(x) for x in operands if not hasattr(x, "startswith"))
            elif op in (b"Tj", b"TJ", b"'", b'"'):
                fills.append(fill)
    return fills


def test_chart_text_after_a_table_is_black_not_the_tables_shading():
    """A chart's SVG text without a fill of its own is painted in the PDF's current fill
    colour: after a table's shaded header, chart labels came out pale blue. Every text in the
    PDF is now black or the report's own greys and accent, never the header shading."""
    import pandas as pd

    from assessments.charts.theme import new_axes
    from assessments.render.common import figure
    from assessments.render.model import Figure, Report, Section, TableBlock

    ax = new_axes(4, 2)
    ax.set_title("A chart")
    ax.set_yticks([0, 1], ["first label", "second label"])
    report = Report(
        title="t",
        subtitle="s",
        cover=(),
        sections=(
            Section(
                "Tables then a chart",
                (
                    TableBlock("numbers", pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})),
                    figure(ax, "c"),
                ),
            ),
        ),
        created="2026-01-01T00:00:00",
    )
    assert isinstance(report.sections[0].blocks[1], Figure)
    fills = _text_fills(render_pdf(report))
    assert fills
    shading = tuple(round(c / 255, 3) for c in (221, 235, 247))
    assert not [f for f in fills if tuple(round(c, 3) for c in f) == shading]


def test_n_boot_chooses_the_icc_intervals():
    """Issue 33: ``assess report --n-boot`` did nothing (the report's ICC intervals were always
    F-based). Now 0 (the default) gives the F-based interval and N > 0 a cluster bootstrap of N
    resamples, in the agreement sheet and the methods' words."""
    import io

    import numpy as np
    import openpyxl
    import pandas as pd

    from assessments import score
    from assessments.demo import demo_responses
    from assessments.render import build_report, render_xlsx

    s = score(demo_responses("oric", n=200, seed=3), "oric", on_invalid="missing")
    sheets = {}
    for n_boot in (0, 200):
        report = build_report(s, "role", aggregate_by="site", n_boot=n_boot)
        book = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
        rows = list(book["agreement"].iter_rows(values_only=True))
        sheets[n_boot] = pd.DataFrame(rows[1:], columns=rows[0])
        words = "cluster-bootstrap intervals (200 resamples)" if n_boot else "F-based intervals"
        assert words in str(report)
    assert set(sheets[0]["icc_ci_method"].dropna()) == {"f"}
    assert set(sheets[200]["icc_ci_method"].dropna()) == {"cluster_bootstrap"}
    assert not np.allclose(
        sheets[0]["icc1_ci_low"].astype(float), sheets[200]["icc1_ci_low"].astype(float)
    )

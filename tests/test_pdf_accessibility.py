"""Issue 30: the PDF reports are tagged PDF/UA-1 documents.

Two independent checks on the ORIC, ORCA, checklist, RSA-perspective and history reports:

- our own walk of the file with pikepdf: every text-showing operator of every content stream
  sits inside tagged content (a marked-content sequence with an MCID) or an artifact; the
  structure tree holds H1 and H2 headings, paragraphs, lists, tables with header cells and
  figures with alt text; the catalog declares the language, a tagged file, the title shown in
  the window, and the XMP metadata the PDF/UA identifier and the title;
- ``page`` (PyPI ``page-validation``), a PDF/UA-1 validator that passes the veraPDF test
  corpus: the file conforms, every one of its rules.

The walk is shown to catch what it must on a file written without tags. Before this issue
the fpdf2 PDF had 702 untagged text runs in the ORIC demo report and failed 10 of page's 104
rules (638 checks).
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import page
import pikepdf
import pytest
from click.testing import CliRunner

from assessments import score
from assessments.cli.main import cli
from assessments.demo import demo_responses, run_rsa_demo
from assessments.perspectives import score_perspectives
from assessments.render import build_report
from assessments.render.pdf import render_pdf
from assessments.render.perspectives import build_perspective_report

TEXT_OPERATORS = {"Tj", "TJ", "'", '"'}


def untagged_text(pdf: pikepdf.Pdf) -> list[tuple[int, str]]:
    """Every text-showing operator outside tagged content or an artifact: (page, operator)."""
    found = []
    for number, pg in enumerate(pdf.pages, start=1):
        stack: list[bool] = []  # per open marked-content sequence: tagged or artifact?
        for operands, operator in pikepdf.parse_content_stream(pg):
            op = str(operator)
            if op in ("BDC", "BMC"):
                tag = str(operands[0])
                props = operands[1] if op == "BDC" and len(operands) > 1 else None
                has_mcid = isinstance(props, pikepdf.Dictionary) and "/MCID" in props
                stack.append(tag == "/Artifact" or has_mcid or (bool(stack) and stack[-1]))
            elif op == "EMC":
                if stack:
                    stack.pop()
            elif op in TEXT_OPERATORS and not (stack and stack[-1]):
                found.append((number, op))
        # form XObjects (the charts) are drawn inside the page's marked content: their own
        # text is covered by the tag around the Do operator
    return found


def tag_counts(pdf: pikepdf.Pdf) -> tuple[Counter[str], list[str]]:
    """How many structure elements of each type; the alt text of every Figure."""
    counts: Counter[str] = Counter()
    alts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, pikepdf.Array):
            for k in node:
                walk(k)
            return
        if not isinstance(node, pikepdf.Dictionary):
            return
        if "/S" in node:
            kind = str(node.S).lstrip("/")
            counts[kind] += 1
            if kind == "Figure":
                alts.append(str(node.get("/Alt", "")))
        if "/K" in node:
            walk(node.K)

    walk(pdf.Root.StructTreeRoot)
    return counts, alts


def check(document: bytes, name: str) -> Counter[str]:
    pdf = pikepdf.open(io.BytesIO(document))
    assert untagged_text(pdf) == [], name
    root = pdf.Root
    assert str(root.Lang).startswith("en")
    assert bool(root.MarkInfo.Marked)
    assert bool(root.ViewerPreferences.DisplayDocTitle)
    meta = pdf.open_metadata()
    assert meta.get("{http://www.aiim.org/pdfua/ns/id/}part") == "1"
    assert meta.get("{http://purl.org/dc/elements/1.1/}title")
    assert "/Outlines" in root  # bookmarks
    counts, alts = tag_counts(pdf)
    for kind in ("Document", "H1", "H2", "P", "L", "LI", "Table", "TR", "TH", "TD", "Figure"):
        assert counts[kind] > 0, (name, kind, dict(counts))
    assert all(len(a) > 20 for a in alts), name  # alt text that says something
    verdict = page.validate_pdf_bytes(document, profile="ua1")
    failed = sorted({f.rule_id for f in verdict.failures})
    assert verdict.is_compliant, (name, failed)
    return counts


def test_the_walk_finds_untagged_text():
    import typst

    untagged = typst.compile(b"= Title\nSome words.", format="pdf", pdf_tags=False)
    assert untagged_text(pikepdf.open(io.BytesIO(untagged)))
    verdict = page.validate_pdf_bytes(untagged, profile="ua1")
    assert not verdict.is_compliant


@pytest.mark.parametrize("iid", ["oric", "orca", "peer-support-practices"])
def test_reports_are_tagged_pdf_ua(iid):
    s = score(demo_responses(iid, n=160, seed=6), iid, on_invalid="missing")
    report = build_report(s, "role", aggregate_by="site", n_boot=0)
    counts = check(render_pdf(report), iid)
    figures = len(report.figures())
    assert counts["Figure"] == figures
    # every chart's numbers are in a table: their own in the appendix when no other holds them
    only_here = [f for f in report.figures() if f.data is not None and f.data.attrs["only_here"]]
    assert only_here  # the spread of scores and the answer shares, at least
    assert counts["Table"] == len(report.tables()) + len(only_here)
    # the sections, "In this report" on the cover and the appendix of chart numbers
    assert counts["H2"] == len(report.sections) + 2
    assert counts["H1"] == 1  # the report's title


def test_the_perspective_report_is_tagged_pdf_ua(tmp_path):
    run_rsa_demo(tmp_path, report=False)
    inputs = [
        (tmp_path / f"rsa_{v}_answers.csv", v)
        for v in ("administrator", "provider", "person", "family")
    ]
    p = score_perspectives(inputs, "rsa", key=tmp_path / "rsa-demo-key.yaml")
    check(render_pdf(build_perspective_report(p)), "rsa perspectives")


def test_the_history_report_is_tagged_pdf_ua(tmp_path):
    store = f"sqlite:///{tmp_path / 'history.sqlite'}"
    for k, wave in enumerate(("2025", "2026")):
        path = tmp_path / f"{wave}.csv"
        demo_responses("oric", n=120, seed=30 + k).to_csv(path, index=False)
        result = CliRunner().invoke(
            cli,
            ["history", "add", str(path), "-i", "oric", "--org", "Example Agency", "--wave",
             wave, "--on-invalid", "missing", "--store", store],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    out = tmp_path / "report"
    result = CliRunner().invoke(
        cli,
        ["report", "--history", "Example Agency", "--store", store, "--by", "role",
         "--format", "pdf", "-o", str(out), "--n-boot", "0"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    check(Path(out / "oric-report.pdf").read_bytes(), "history")


def test_the_heatmaps_means_reach_a_screen_reader():
    """Issue 30: the item-by-role means were only colours (48 values in ORIC). Now they are a
    table: under the chart in the HTML, in the PDF's appendix, equal to the groups' means."""
    from assessments.render import render_html

    s = score(demo_responses("oric", n=200, seed=8), "oric", on_invalid="missing")
    report = build_report(s, "role", n_boot=0)
    fig = next(f for f in report.figures() if f.caption == "Item means by role")
    data = fig.data
    assert data is not None
    assert data.attrs["only_here"]
    items = s.items[list(s.instrument.item_ids)].astype(float)
    means = items.assign(role=s.respondents["role"].to_numpy()).groupby("role").mean()
    shown = [c for c in data.columns if c != "item"]
    assert len(data) * len(shown) == 12 * len(shown) >= 36
    for column in shown:
        group = column.rsplit(" (n=", 1)[0]
        for k, item in enumerate(s.instrument.item_ids):
            assert data[column][k] == pytest.approx(round(means.loc[group, item], 2))
    page = render_html(report)
    assert "The numbers in the chart: Item means by role" in page
    import pypdf

    pages = pypdf.PdfReader(io.BytesIO(render_pdf(report))).pages
    text = " ".join(p.extract_text() for p in pages).replace("\n", " ")
    assert "Item means by role (chart" in text
    k = text.index("Appendix: the numbers in the charts", text.index("Item means by role (chart"))
    first = data.iloc[0]
    assert f"{first[shown[0]]:.2f}" in text[k:]


def test_names_that_look_like_markup_or_hold_control_characters_print_as_text():
    """The report reaches Typst as data: a site named like Typst markup prints as it is
    written, and a control character (which an SVG cannot hold: it ended in an internal error)
    is shown as the replacement character; the file still conforms."""
    import pypdf

    df = demo_responses("oric", n=80, seed=1)
    df.loc[df.site == "Riverside", "site"] = '#set page(width: 1pt) [x] $y$ "q" <b>'
    df.loc[df.site == "North Clinic", "site"] = "North\x07Clinic"
    s = score(df, "oric", on_invalid="missing")
    report = build_report(s, "role", aggregate_by="site", n_boot=0, organization="Org #[x] $y$")
    document = render_pdf(report)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(document)).pages)
    assert '#set page(width: 1pt) [x] $y$ "q" <b>' in text
    assert "Org #[x] $y$" in text
    assert "North\ufffdClinic" in text
    assert page.validate_pdf_bytes(document, profile="ua1").is_compliant

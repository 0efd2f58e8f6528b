"""Issue 29, words and pages: items named by what a quality lead finds on the form, the RSA's
practice gaps by each form's item number and area, no word broken in a PDF table.

Before: ORCA items read "Staff culture, item 1 of 4", RSA items "Item 18 of the version
(wording not shipped)" and the RSA's page 2 "(provider 18) ... (person 18)"; PDF headers broke
mid-word ("Hedge/s' g", "commitmen/t") because fpdf2 kept its own cell margin inside a width
that had already taken it off.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assessments import load_instrument, score
from assessments.charts.answers import answer_table
from assessments.demo import demo_responses, run_rsa_demo
from assessments.perspectives import score_perspectives
from assessments.render import build_report
from assessments.render.model import Bullets, TableBlock
from assessments.render.perspectives import build_perspective_report


def test_orca_items_are_named_by_form_number_and_area():
    orca = load_instrument("orca")
    assert orca.item_label("orca_7b") == "Staff culture"
    assert orca.item_name("orca_3d") == "Item 3d: Research evidence"
    assert not orca.wording_shipped
    s = score(demo_responses("orca", n=120, seed=3), "orca", on_invalid="missing")
    summary = s.item_summary()
    assert summary.set_index("item").loc["orca_12a", "label"] == "Senior leaders' practices"
    table = answer_table(s)
    assert set(table["label"]) == {orca.item_name(i) for i in orca.item_ids}
    report = build_report(s, n_boot=0, sections=["items"])
    shown = " ".join(
        " ".join(map(str, b.data.to_numpy().ravel()))
        for b in report.sections[0].blocks
        if isinstance(b, TableBlock)
    )
    assert not re.search(r", item \d+ of \d+", shown)
    svg = " ".join(f.svg for f in report.figures())
    assert "Item 3d: Research evidence" in svg


def test_oric_items_keep_their_own_label_with_the_number():
    oric = load_instrument("oric")
    assert oric.wording_shipped
    assert oric.item_name("oric_2").startswith("Item 2: ")
    assert oric.item_label("oric_2") == oric.item("oric_2").label


@pytest.fixture(scope="module")
def rsa(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rsa-words")
    run_rsa_demo(out, report=False)
    return out


def test_rsa_items_are_named_by_factor_and_form_number(rsa):
    plain = load_instrument("rsa")
    assert plain.item_label("rsa_18") == "Wording not shipped"
    inputs = [
        (rsa / f"rsa_{v}_answers.csv", v) for v in ("administrator", "provider", "person", "family")
    ]
    p = score_perspectives(inputs, "rsa", key=rsa / "rsa-demo-key.yaml")
    provider = p.scores["provider"].instrument
    factor = next(d.name for d in provider.domains if "rsa_18" in d.items)
    assert provider.item_label("rsa_18") == factor
    report = build_perspective_report(p)
    summary = report.sections[0]
    bullets = [x for b in summary.blocks if isinstance(b, Bullets) for x in b.items]
    sentence = next(x for x in bullets if x.startswith("The practice rated most differently"))
    top = p.practice_gaps().iloc[0]
    n_staff = str(top["staff_item"]).split()[-1]
    assert f"item {n_staff} of the provider form" in sentence
    assert "of the person in recovery form" in sentence
    assert f"a practice of {top['label']}" in sentence
    assert "(provider" not in sentence
    assert "(person" not in sentence
    table = next(
        b
        for s in report.sections
        for b in s.blocks
        if isinstance(b, TableBlock) and b.caption == "Practices by gap"
    )
    assert list(table.data.columns[:3]) == ["Provider item", "Person in recovery item", "area"]
    assert table.data["Provider item"].str.fullmatch(r"\d+").all()


def test_pdf_table_words_never_break():
    """No word of a table cell or header is split over two lines in the PDF (the fpdf2
    renderer broke "Hedge/s' g" and "commitmen/t"): every word of the extracted tables is a
    word of the table's own text."""
    import io

    import pypdf

    from assessments.render.pdf import render_pdf

    s = score(demo_responses("oric", n=200, seed=3), "oric", on_invalid="missing")
    report = build_report(s, "role", aggregate_by="site", n_boot=0)
    text = " ".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(render_pdf(report))).pages
    )
    words = set(text.split())
    for table in report.tables():
        for header in table.data.columns:
            for word in str(header).split():
                assert word in words, (table.caption, header, word)
    for broken in ("Hedge", "commitmen", "implementati"):
        assert broken not in words


def _page_fill(pdf_bytes: bytes) -> list[float]:
    """How far down each page its lowest text reaches (0 = top, 1 = bottom), the running
    header and the page number left out."""
    import io

    import pypdf

    out = []
    for page in pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages:
        height = float(page.mediabox.height)
        ys: list[float] = []

        def visit(text, cm, tm, font, size, ys=ys):
            if text.strip() and not text.strip().startswith("page "):
                ys.append(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])

        page.extract_text(visitor_text=visit)
        body = [y for y in ys if 0.06 * height < y < 0.94 * height]
        out.append(1 - min(body) / height if body else 0.0)
    return out


def test_no_nearly_empty_page_in_the_checklist_and_rsa_reports(rsa):
    """Issue 29: the checklist's page 11 held 3% and the RSA's page 6 18%."""
    from assessments.render.pdf import render_pdf

    df = demo_responses("peer-support-practices", n=40, seed=3)
    s = score(df, "peer-support-practices", on_invalid="missing")
    checklist = render_pdf(build_report(s, "role", n_boot=20))
    inputs = [
        (rsa / f"rsa_{v}_answers.csv", v) for v in ("administrator", "provider", "person", "family")
    ]
    p = score_perspectives(inputs, "rsa", key=rsa / "rsa-demo-key.yaml")
    persp = render_pdf(build_perspective_report(p))
    for name, document in [("checklist", checklist), ("rsa", persp)]:
        fill = _page_fill(document)
        inner = fill[1:-1]  # the cover and the closing page may be short
        assert len(inner) >= 3, name
        assert min(inner) > 0.4, (name, [round(f, 2) for f in fill])


def test_a_groups_n_is_the_same_on_the_chart_the_heatmap_and_the_table():
    """Issue 29, a new user's read: the summary chart said n=271 beside '274 could be scored',
    and a site was n=55 on the heatmap and n=53 in the table under it (the most answered area,
    not the respondents). Now a group's n is its respondents everywhere; an area's own n is in
    the tables."""
    df = demo_responses("oric", n=300, seed=11)
    s = score(df, "oric", on_invalid="missing")
    report = build_report(s, "role", aggregate_by="site", n_boot=0,
                          sections=["summary", "sites"])  # fmt: skip
    svg = " ".join(f.svg for f in report.figures())
    assert f"all respondents (n={s.n_scored})" in svg
    sites = next(sec for sec in report.sections if sec.heading.startswith("Results by"))
    table = next(b.data for b in sites.blocks if isinstance(b, TableBlock))
    counts = s.respondents["site"].value_counts()
    for site, n in counts.items():
        header = f"{site} (n={n})"
        assert header in table.columns
        assert f"(n={n})" in svg


def test_strongest_and_weakest_never_read_the_same():
    """A new user's read of the checklist's page 1: "Strongest: ... 1.3 of 2" and "Weakest:
    ... 1.3 of 2". When one decimal makes different means look equal, two are shown."""
    s = score(demo_responses("peer-support-practices", n=40, seed=3), "peer-support-practices",
              on_invalid="missing")  # fmt: skip
    report = build_report(s, "role", n_boot=0, sections=["summary"])
    bullets = [x for b in report.sections[0].blocks if isinstance(b, Bullets) for x in b.items]
    strong = next(x for x in bullets if x.startswith("Strongest"))
    weak = next(x for x in bullets if x.startswith("Weakest"))
    numbers = [re.findall(r"(\d+\.\d+) of 2", x) for x in (strong, weak)]
    assert numbers[0]
    assert numbers[1]
    assert set(numbers[0]).isdisjoint(numbers[1]), (strong, weak)

"""Render a :class:`~assessments.render.model.Report` as a tagged PDF (PDF/UA-1) with Typst.

Why Typst (the ``typst`` package from PyPI, the Typst compiler built in): it writes a tagged
PDF by default and checks PDF/UA-1 when asked, so every heading, paragraph, list, table
(header cells included) and figure (with its alt text) is in the structure tree in reading
order, running headers and page numbers are artifacts, and the document language, title
(shown in the window), bookmarks and fonts with their Unicode mappings are set. fpdf2, which
drew the PDF before, cannot tag more than images. Typst installs from PyPI alone, compiles a
report in well under a second, and draws the charts' SVG as vectors with their text as text.

The report's words never pass through Typst markup: the template below reads the report as
JSON data (``sys.inputs``), so no text a user typed (a group or organization name) can be
read as markup. Charts are passed as their SVG text the same way.

Cover page (organization, instrument and version, collection period, n by group) with the
contents at its foot; the one-page summary on page 2 when the report has one; a running header
and "page X of Y"; tables that split across pages with their header repeated; the DejaVu Sans
font (shipped with matplotlib) embedded. The creation date honours ``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, overload

import matplotlib

from .html import format_cell
from .model import (
    SUMMARY_HEADING,
    Block,
    Bullets,
    Figure,
    Note,
    Paragraph,
    Report,
    Section,
    TableBlock,
)

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu Sans"  # matplotlib's font, shipped with it: the name its SVG text gives
TEXT_WIDTH_PT = (210 - 24) / 25.4 * 72  # A4 less 12 mm margins
MAX_FIGURE_HEIGHT_PT = 235 / 25.4 * 72  # a chart never runs past a page

#: The document, written in Typst's code mode from the report's data alone.
TEMPLATE = r"""
#let data = json(bytes(sys.inputs.at("report")))
#let accent = rgb(0, 114, 178)
#let warn = rgb(178, 24, 43)
#let muted = rgb(90, 90, 90)
#set document(title: data.title, author: "recovery-assessments", keywords: data.keywords,
  description: data.subtitle)
#set text(lang: "en", region: "US", font: "DejaVu Sans", size: 9.5pt, hyphenate: false)
#set par(leading: 0.6em, spacing: 0.9em)
#set page(paper: "a4", margin: (x: 12mm, top: 17mm, bottom: 17mm),
  header: context if here().page() > 1 {
    set text(8pt, fill: muted)
    data.title
  },
  footer: context {
    set text(8pt, fill: muted)
    align(center)[page #counter(page).display() of #counter(page).final().first()]
  })
#show heading.where(level: 1): set text(21pt)
#show heading.where(level: 2): set text(15pt, fill: accent)
#show heading: set block(above: 1.3em, below: 0.8em)
#set figure(numbering: none, gap: 0.5em)
#show figure: set block(breakable: true)
#show figure: set align(left)
#show figure.where(kind: table): set figure.caption(position: top)
#show figure.caption: it => align(left, text(8.5pt, fill: muted, it.body))
#show figure.caption.where(kind: table): it => align(left, text(9pt, weight: "bold", it.body))
#set table(inset: (x: 3pt, y: 2.6pt))
#show table: set text(8pt)
#set list(indent: 0.4em, spacing: 0.7em)
#show outline: set heading(level: 2)

#let show-table(b) = figure(kind: table, supplement: none, caption: b.caption,
  table(
    columns: b.columns.map(c => c * 1fr),
    align: (x, y) => if b.numeric.at(x) { right } else { left },
    fill: (x, y) => if y == 0 { rgb(221, 235, 247) },
    stroke: (x, y) => (bottom: if y == 0 { 0.7pt } else { 0.3pt + rgb(200, 200, 200) }),
    table.header(..b.header.map(h => text(weight: "bold", h))),
    ..b.rows.flatten(),
  ))

#let show-figure(b) = figure(kind: image, supplement: none, caption: b.caption,
  image(bytes(sys.inputs.at(b.id)), format: "svg", alt: b.alt, width: b.width * 1pt))

#let show-note(b) = block(width: 100%, inset: (left: 7pt, y: 3pt),
  stroke: (left: 2.5pt + if b.warning { warn } else { accent }),
  if b.warning { text(weight: "bold")[Warning: #b.text] } else { b.text })

#let show-block(b) = {
  if b.kind == "p" { par(b.text) }
  else if b.kind == "list" { list(..b.items) }
  else if b.kind == "note" { show-note(b) }
  else if b.kind == "table" { show-table(b) }
  else if b.kind == "figure" { show-figure(b) }
}

#v(28mm)
#heading(level: 1, outlined: false, data.title)
#text(13pt, fill: muted, data.subtitle)
#v(8mm)
#terms(tight: false, separator: h(0.6em), ..data.cover.map(c => terms.item(c.at(0), c.at(1))))
#v(10mm)
#outline(title: "In this report", target: heading.where(level: 2), depth: 2)

#for (i, s) in data.sections.enumerate() {
  if i == 0 or s.new_page { pagebreak(weak: true) }
  heading(level: 2, s.heading)
  for b in s.blocks { show-block(b) }
}
"""


#: Table text: 8 pt, with 3 pt of padding each side of a cell (as the template sets them).
TABLE_PT, CELL_PAD_PT = 8.0, 3.0


@functools.cache
def _font(bold: bool) -> Any:
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONT_DIR / name), size=100)


@functools.lru_cache(maxsize=20_000)
def _text_pt(text: str, bold: bool = False) -> float:
    """Width of ``text`` in points at the table's size, in the font Typst sets it in."""
    return float(_font(bold).getlength(text)) * TABLE_PT / 100


def _column_weights(header: list[str], rows: list[list[str]]) -> list[float]:
    """Column widths (points; Typst gets them as shares of the page, so a table always fits):
    each at least its heading's and its cells' longest word (so no word breaks in two; a word
    over 16 characters may), the room left shared by how much wider each column's text would
    like to be (at most 45 characters' worth before it wraps)."""
    pad = 2 * CELL_PAD_PT + 1
    longest_word = _text_pt("n" * 16)
    cap = _text_pt("n" * 45)
    least: list[float] = []
    natural: list[float] = []
    for j, h in enumerate(header):
        words = {w for r in rows for w in r[j].split()}
        widest = max((_text_pt(w) for w in words), default=0.0)
        head = max((_text_pt(w, bold=True) for w in h.split()), default=0.0)
        low = max(head, min(widest, longest_word)) + pad
        least.append(low)
        longest = max((_text_pt(r[j]) for r in rows), default=0.0)
        natural.append(max(low, min(cap, longest) + pad))
    if sum(natural) <= TEXT_WIDTH_PT:
        return [round(w, 2) for w in natural]
    room = TEXT_WIDTH_PT - sum(least)
    if room <= 0:
        return [round(w, 2) for w in least]
    wish = [n - m for n, m in zip(natural, least, strict=True)]
    total = sum(wish) or 1.0
    return [round(m + room * x / total, 2) for m, x in zip(least, wish, strict=True)]


def _svg_width_pt(svg: str) -> tuple[float, float]:
    """The chart's size in points, from matplotlib's ``width="504pt" height="...pt"``."""
    m = re.search(r'<svg[^>]*\swidth="([0-9.]+)pt"\s+height="([0-9.]+)pt"', svg)
    return (float(m.group(1)), float(m.group(2))) if m else (TEXT_WIDTH_PT, TEXT_WIDTH_PT / 2)


#: The closing section holding the numbers of charts no other table gives.
CHART_NUMBERS_HEADING = "Appendix: the numbers in the charts"


def _table_data(b: TableBlock) -> dict[str, Any]:
    cells = [[format_cell(v, b.decimals) for v in rec] for rec in b.data.itertuples(index=False)]
    header = [str(c) for c in b.data.columns]
    return {
        "kind": "table",
        "caption": b.caption,
        "header": header,
        "numeric": [any(r[j][1] for r in cells) for j in range(len(header))],
        "columns": _column_weights(header, [[x for x, _ in r] for r in cells]),
        "rows": [[text for text, _ in r] for r in cells],
    }


def _with_chart_numbers(report: Report) -> tuple[Section, ...]:
    """The report's sections, and a closing appendix with the numbers of each chart that no
    other table holds (a heatmap's means, answer shares, the spread of scores), each such
    chart's caption saying where they are: a screen reader reaches every number (issue 30)."""
    out: list[Section] = []
    tables: list[Block] = []
    for section in report.sections:
        blocks: list[Block] = []
        for b in section.blocks:
            if isinstance(b, Figure) and b.data is not None and b.data.attrs.get("only_here"):
                k = len(tables) + 1
                tables.append(TableBlock(f"Chart {k}: {b.caption}", b.data, decimals=2))
                b = replace(b, caption=f"{b.caption} (chart {k}: its numbers are in the appendix)")
            blocks.append(b)
        out.append(replace(section, blocks=tuple(blocks)))
    if tables:
        out.append(
            Section(
                CHART_NUMBERS_HEADING,
                (
                    Paragraph(
                        "The numbers each chart draws, where no table above gives them: for "
                        "reading aloud, copying, or checking a colour."
                    ),
                    *tables,
                ),
            )
        )
    return tuple(out)


def _data(report: Report) -> tuple[dict[str, Any], dict[str, str]]:
    """The report as the template's data, and each chart's SVG by its key."""
    charts: dict[str, str] = {}
    sections = []
    with_numbers = _with_chart_numbers(report)
    for i, section in enumerate(with_numbers):
        after_summary = i > 0 and with_numbers[i - 1].heading == SUMMARY_HEADING
        blocks: list[dict[str, Any]] = []
        for b in section.blocks:
            if isinstance(b, Paragraph):
                blocks.append({"kind": "p", "text": b.text})
            elif isinstance(b, Bullets):
                blocks.append({"kind": "list", "items": list(b.items)})
            elif isinstance(b, Note):
                blocks.append({"kind": "note", "text": b.text, "warning": b.kind == "warning"})
            elif isinstance(b, TableBlock):
                blocks.append(_table_data(b))
            elif isinstance(b, Figure):
                key = f"chart{len(charts)}"
                svg = _clean_svg(b.svg)
                charts[key] = svg
                w, h = _svg_width_pt(svg)
                width = min(w, TEXT_WIDTH_PT)
                if h * width / w > MAX_FIGURE_HEIGHT_PT:
                    width = MAX_FIGURE_HEIGHT_PT * w / h
                blocks.append(
                    {"kind": "figure", "id": key, "caption": b.caption, "alt": b.alt,
                     "width": round(width, 2)}
                )  # fmt: skip
        sections.append(
            {
                "heading": section.heading,
                # the summary has a page of its own: it starts one, and so does what follows
                "new_page": section.heading == SUMMARY_HEADING or after_summary,
                "blocks": blocks,
            }
        )
    data = {
        "title": report.title,
        "subtitle": report.subtitle,
        "keywords": list(report.keywords),
        "cover": [list(c) for c in report.cover],
        "sections": sections,
    }
    return data, charts


#: Characters XML (so an SVG) cannot hold, and that a PDF's text should not: a control
#: character in a site's name is shown as the replacement character instead.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _printable(value: Any) -> Any:
    """``value`` (text, or lists and dicts of it) with :data:`_NOT_XML` characters replaced."""
    if isinstance(value, str):
        return _NOT_XML.sub("\ufffd", value)
    if isinstance(value, list):
        return [_printable(v) for v in value]
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    return value


def _clean_svg(svg: str) -> str:
    """matplotlib's SVG without its XML prologue and metadata block (nothing to draw), and
    without characters an SVG cannot hold (a control character in a group's name)."""
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    svg = re.sub(r"^<\?xml[^>]*>\s*<!DOCTYPE[^>]*>", "", svg, count=1, flags=re.S)
    return _NOT_XML.sub("\ufffd", svg)


@overload
def render_pdf(report: Report, path: None = None) -> bytes: ...
@overload
def render_pdf(report: Report, path: str | Path) -> Path: ...
def render_pdf(report: Report, path: str | Path | None = None) -> bytes | Path:
    """The report as a tagged PDF/UA-1 document: bytes, or with ``path`` the file written
    (whole or not at all) and its path."""
    if path is not None:
        from ..io.tables import _atomic

        data = render_pdf(report)
        out = Path(path)
        _atomic(out, lambda tmp: tmp.write_bytes(data))
        return out
    import typst

    content, charts = _data(report)
    created = datetime.datetime.fromisoformat(report.created)
    if created.tzinfo is None:
        created = created.replace(tzinfo=datetime.UTC)
    inputs = {"report": json.dumps(_printable(content), ensure_ascii=False), **charts}
    compiler: Any = typst  # its stubs tie input and font paths to one type: bytes and str here
    pdf = compiler.compile(
        TEMPLATE.encode("utf-8"),
        format="pdf",
        sys_inputs=inputs,
        pdf_standards=["ua-1"],
        font_paths=[str(FONT_DIR)],
        ignore_system_fonts=True,
        timestamp=created.astimezone(datetime.UTC),
    )
    assert isinstance(pdf, bytes)  # one document, not pages
    return pdf

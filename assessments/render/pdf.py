"""Render a :class:`~assessments.render.model.Report` as PDF with fpdf2 (pure Python).

Cover page (organization, instrument and version, collection period, n by group) with the
contents at its foot; the one-page summary on page 2 when the report has one; a running header
and "page X of Y"; tables that split across pages with their header repeated; charts as
200-dpi PNG; the DejaVu Sans font (shipped with matplotlib) embedded; document metadata. The
creation date honours ``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path
from typing import Any, overload

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image

from .html import format_cell
from .model import SUMMARY_HEADING, Bullets, Figure, Note, Paragraph, Report, TableBlock

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
ACCENT = (0, 114, 178)
WARN = (178, 24, 43)


class _PDF(FPDF):
    report_title = ""

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("DejaVu", size=8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, self.report_title, align="L")
        self.ln(8)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, f"page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def _contents(pdf: FPDF, outline: list[Any]) -> None:
    """The list of sections with their pages, at the foot of the cover page."""
    pdf.set_x(pdf.l_margin)
    pdf.set_font("DejaVu", "B", 12)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 8, "In this report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", size=10)
    for entry in outline:
        if entry.level > 0:
            continue
        pdf.cell(0, 6, entry.name, new_x="RIGHT", new_y="TOP")
        pdf.cell(
            0,
            6,
            str(entry.page_number),
            align="R",
            new_x="LMARGIN",
            new_y="NEXT",
            link=pdf.add_link(page=entry.page_number),
        )


def _table(pdf: FPDF, t: TableBlock) -> None:
    pdf.set_font("DejaVu", "B", 10)
    pdf.multi_cell(0, 6, t.caption, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=8)
    heading = FontFace(emphasis="BOLD", fill_color=(221, 235, 247))
    cells = [[format_cell(v, t.decimals)[0] for v in rec] for rec in t.data.itertuples(index=False)]
    widths = [
        max([len(str(c)), *(len(row[j]) for row in cells)], default=4)
        for j, c in enumerate(t.data.columns)
    ]
    widths = [min(max(w, 5), 45) for w in widths]
    with pdf.table(
        headings_style=heading,
        repeat_headings=1,
        line_height=5,
        text_align="LEFT",
        borders_layout="HORIZONTAL_LINES",
        col_widths=tuple(widths),
    ) as table:
        table.row([str(c) for c in t.data.columns])
        for rec in t.data.itertuples(index=False):
            row = table.row()
            for v in rec:
                text, num = format_cell(v, t.decimals)
                row.cell(text, align="RIGHT" if num else "LEFT")
    pdf.ln(3)


_SVG_SIZE = re.compile(r'<svg[^>]*\swidth="([0-9.]+)pt"\s+height="([0-9.]+)pt"')


def _pixel_size(f: Figure) -> tuple[float, float]:
    """The chart's width and height in any one unit (its aspect is what matters)."""
    if f.png:
        with Image.open(io.BytesIO(f.png)) as img:
            return img.size
    m = _SVG_SIZE.search(f.svg[:2000])
    return (float(m[1]), float(m[2])) if m else (7.0, 4.0)


def _vector(svg: str) -> io.BytesIO:
    """The chart's SVG as fpdf2 reads it: matplotlib's sizes are in points of its viewBox,
    which fpdf2 would read as CSS pixels (three quarters of a point), and its metadata
    block is not drawable."""
    svg = re.sub(r"font-size: ?([0-9.]+)px", r"font-size: \1pt", svg)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    return io.BytesIO(svg.encode("utf-8"))


def _figure(pdf: FPDF, f: Figure) -> None:
    w_px, h_px = _pixel_size(f)
    width = pdf.epw
    height = width * h_px / w_px
    max_h = pdf.eph - 20
    if height > max_h:
        width, height = width * max_h / height, max_h
    room = pdf.page_break_trigger - pdf.get_y() - 10
    if height > room >= 0.8 * height:  # nearly fits: a little smaller rather than a new page
        width, height = width * room / height, room
    elif height > room:
        pdf.add_page()
    source = io.BytesIO(f.png) if f.png else _vector(f.svg)
    pdf.image(source, w=width, h=height, alt_text=f.alt)
    pdf.set_font("DejaVu", size=8)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(0, 4, f.caption, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)


def _note(pdf: FPDF, n: Note) -> None:
    color = WARN if n.kind == "warning" else ACCENT
    pdf.set_draw_color(*color)
    pdf.set_line_width(0.8)
    x, y = pdf.get_x(), pdf.get_y()
    pdf.set_x(x + 3)
    pdf.set_font("DejaVu", "B" if n.kind == "warning" else "", 9)
    pdf.multi_cell(
        pdf.epw - 3,
        5,
        ("Warning: " if n.kind == "warning" else "") + n.text,
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.line(x + 1, y, x + 1, pdf.get_y())
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(2)


def _figure_height(pdf: FPDF, f: Figure) -> float:
    w_px, h_px = _pixel_size(f)
    return min(pdf.epw * h_px / w_px, pdf.eph - 20) + 10


def _lead_height(pdf: FPDF, blocks: tuple[Any, ...]) -> float:
    """Height of a section's opening: its text up to and including its first chart or table
    (about 30 mm of a table), so that the heading is never left alone at a page's foot."""
    height = 0.0
    for b in blocks:
        if isinstance(b, Figure):
            return height + _figure_height(pdf, b)
        if isinstance(b, TableBlock):
            return height + 30
        text = b.text if isinstance(b, Paragraph | Note) else " ".join(getattr(b, "items", ()))
        height += 5 * (len(text) // 95 + 1) + 3
    return height


@overload
def render_pdf(report: Report, path: None = None) -> bytes: ...
@overload
def render_pdf(report: Report, path: str | Path) -> Path: ...
def render_pdf(report: Report, path: str | Path | None = None) -> bytes | Path:
    """The report as PDF: bytes, or with ``path`` the file written (whole or not at all) and
    its path."""
    if path is not None:
        from ..io.tables import _atomic

        data = render_pdf(report)
        out = Path(path)
        _atomic(out, lambda tmp: tmp.write_bytes(data))
        return out
    pdf = _PDF(format="A4")
    pdf.report_title = report.title
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    # the charts' SVG text names matplotlib's font family
    pdf.add_font("DejaVu Sans", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu Sans", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(report.title)
    pdf.set_author("recovery-assessments")
    pdf.set_subject(report.subtitle)
    pdf.set_keywords(", ".join(report.keywords))
    pdf.set_creator("recovery-assessments")
    pdf.set_creation_date(datetime.datetime.fromisoformat(report.created))
    pdf.set_lang("en")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 22)
    pdf.ln(30)
    pdf.multi_cell(0, 11, report.title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font("DejaVu", size=13)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(0, 8, report.subtitle, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(10)
    for key, value in report.cover:
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(50, 7, key)
        pdf.set_font("DejaVu", size=11)
        pdf.multi_cell(0, 7, value, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(12)
    # the contents fill the rest of the cover page (no page of their own); then page 2
    pdf.insert_toc_placeholder(_contents, pages=1)
    for i, section in enumerate(report.sections):
        top = pdf.get_y() <= pdf.t_margin + 10  # nothing on this page yet
        after_summary = i > 0 and report.sections[i - 1].heading == SUMMARY_HEADING
        # keep the heading with what follows: a section whose first chart would not fit
        # below its heading and opening text starts on a new page rather than leave them alone
        lead = _lead_height(pdf, section.blocks)
        no_room = pdf.get_y() + 14 + lead > pdf.page_break_trigger
        if not top and (i == 0 or after_summary or no_room or pdf.get_y() > pdf.h * 0.6):
            pdf.add_page()
        elif i > 0:
            pdf.ln(6)
        pdf.start_section(section.heading)
        pdf.set_font("DejaVu", "B", 16)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(0, 9, section.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(2)
        for b in section.blocks:
            if isinstance(b, Paragraph):
                pdf.set_font("DejaVu", size=10)
                pdf.multi_cell(0, 5, b.text, new_x="LMARGIN", new_y="NEXT", align="L")
                pdf.ln(2)
            elif isinstance(b, Bullets):
                pdf.set_font("DejaVu", size=10)
                for item in b.items:
                    pdf.multi_cell(0, 5, "•  " + item, new_x="LMARGIN", new_y="NEXT", align="L")
                    pdf.ln(1)
                pdf.ln(2)
            elif isinstance(b, TableBlock):
                _table(pdf, b)
            elif isinstance(b, Figure):
                _figure(pdf, b)
            elif isinstance(b, Note):
                _note(pdf, b)
    return bytes(pdf.output())

"""Render a :class:`~assessments.render.model.Report` as PDF with fpdf2 (pure Python).

Cover page (organization, instrument and version, collection period, n by group) with the
contents at its foot; the one-page summary on page 2 when the report has one; a running header
and "page X of Y"; tables that split across pages with their header repeated; charts drawn as
vectors from their SVG (a PNG only for one fpdf2 cannot draw); the DejaVu Sans font (shipped
with matplotlib) embedded; document metadata. The creation date honours ``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import datetime
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, cast, overload

import matplotlib
from fpdf import FPDF
from fpdf.enums import MethodReturnValue
from PIL import Image

from .html import format_cell
from .model import SUMMARY_HEADING, Bullets, Figure, Note, Paragraph, Report, TableBlock

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu Sans"  # matplotlib's font, shipped with it: the name its SVG text gives
ACCENT = (0, 114, 178)
WARN = (178, 24, 43)


class _PDF(FPDF):
    report_title = ""

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, size=8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, self.report_title, align="L")
        self.ln(8)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, f"page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def _contents(pdf: FPDF, outline: list[Any]) -> None:
    """The list of sections with their pages, at the foot of the cover page."""
    pdf.set_x(pdf.l_margin)
    pdf.set_font(FONT, "B", 12)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 8, "In this report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, size=10)
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


#: Table text: 8 pt on lines 4.2 mm apart, 1 mm in from each side of its column.
TABLE_PT, TABLE_LINE, TABLE_PAD = 8, 4.2, 1.0
BASELINE = 3.0  # mm from the top of a table line to its text's baseline
HEADING_FILL = (221, 235, 247)
RULE_GREY = (200, 200, 200)


def _cell_lines(pdf: FPDF, text: str, width: float) -> list[str]:
    """A cell's text as the lines it takes in ``width`` mm: one line when it fits (most
    cells: numbers), else wrapped at spaces, word widths measured once per font (fpdf2's
    multi_cell dry run, which measures every character again, took most of a long table's
    time); a word wider than the column alone is left to fpdf2 to break."""
    room = width - 2 * TABLE_PAD
    if not text or _width(pdf, text) <= room:
        return [text]
    words = text.split(" ")
    space = _width(pdf, " ")
    if "\n" in text or any(_width(pdf, w) > room for w in words):
        # multi_cell keeps its own cell margin inside the width it is given: add it back, or
        # a word that fits the column breaks in two ("Hedge/s' g")
        lines = pdf.multi_cell(
            room + 2 * pdf.c_margin, TABLE_LINE, text, dry_run=True, output=MethodReturnValue.LINES
        )
        return [str(line) for line in cast(list, lines)]
    out: list[str] = []
    line, used = "", 0.0
    for w in words:
        ww = _width(pdf, w)
        if line and used + space + ww > room:
            out.append(line)
            line, used = w, ww
        else:
            line, used = (f"{line} {w}", used + space + ww) if line else (w, ww)
    out.append(line)
    return out


_WIDTHS: dict[tuple[str, str, float, str], float] = {}


def _width(pdf: FPDF, text: str) -> float:
    """``pdf.get_string_width`` of ``text`` in the current font, remembered."""
    key = (pdf.font_family, pdf.font_style, pdf.font_size_pt, text)
    found = _WIDTHS.get(key)
    if found is None:
        if len(_WIDTHS) > 50_000:
            _WIDTHS.clear()
        found = _WIDTHS[key] = pdf.get_string_width(text)
    return found


def _column_widths(pdf: FPDF, header: list[str], rows: list[list[str]]) -> list[float]:
    """Column widths (mm) filling the page: each at least its heading's and its cells'
    longest word (so no word breaks in two: "commitmen/t"; a word over 16 characters may
    still), the room left shared by how much wider each column's text would like to be (at
    most 45 characters' worth before it wraps)."""
    pad = 2 * TABLE_PAD + 0.5
    pdf.set_font(FONT, "B", TABLE_PT)
    least = [max(map(pdf.get_string_width, h.split() or [""])) + pad for h in header]
    pdf.set_font(FONT, "", TABLE_PT)
    longest_word = pdf.get_string_width("n" * 16)
    for j in range(len(header)):
        words = {w for r in rows for w in r[j].split()}
        widest = max(map(pdf.get_string_width, words), default=0.0)
        least[j] = max(least[j], min(widest, longest_word) + pad)
    cap = pdf.get_string_width("n" * 45)
    natural = [
        max(least[j], min(cap, max((pdf.get_string_width(r[j]) for r in rows), default=0)) + pad)
        for j in range(len(header))
    ]
    if sum(natural) <= pdf.epw:  # everything fits on one line: widen in proportion
        return [w * pdf.epw / sum(natural) for w in natural]
    room = pdf.epw - sum(least)
    if room <= 0:
        return [w * pdf.epw / sum(least) for w in least]
    wish = [n - m for n, m in zip(natural, least, strict=True)]
    return [m + room * x / sum(wish) for m, x in zip(least, wish, strict=True)]


def _table(pdf: FPDF, t: TableBlock) -> None:
    """A table across the page width: a shaded header row repeated on every page it runs to,
    a thin rule under each row, numbers right-aligned, long text wrapped within its column.
    Drawn cell by cell (fpdf2's table lays out every cell twice, which made tables the
    largest part of a long report's PDF time)."""
    header = [str(c) for c in t.data.columns]
    cells = [[format_cell(v, t.decimals) for v in rec] for rec in t.data.itertuples(index=False)]
    widths = _column_widths(pdf, header, [[text for text, _ in row] for row in cells])
    numeric = [any(row[j][1] for row in cells) for j in range(len(header))]
    heading = [(h, num) for h, num in zip(header, numeric, strict=True)]  # aligned as below

    def lines_of(texts: list[str], style: str) -> int:
        pdf.set_font(FONT, style, TABLE_PT)
        return max(len(_cell_lines(pdf, x, w)) for x, w in zip(texts, widths, strict=True))

    # the caption, the header and the first row start the table together (a header alone at
    # the foot of a page, its rows on the next, read as a near-empty page)
    pdf.set_font(FONT, "B", 10)
    caption_h = 6 * len(
        cast(list, pdf.multi_cell(0, 6, t.caption, dry_run=True, output=MethodReturnValue.LINES))
    )
    first = lines_of(header, "B") + (lines_of([x for x, _ in cells[0]], "") if cells else 0)
    if pdf.get_y() + caption_h + first * TABLE_LINE + 1.6 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 6, t.caption, new_x="LMARGIN", new_y="NEXT")

    def draw(texts: list[tuple[str, bool]], style: str, fill: bool) -> None:
        pdf.set_font(FONT, style, TABLE_PT)
        wrapped = [_cell_lines(pdf, text, w) for (text, _), w in zip(texts, widths, strict=True)]
        height = max(len(ls) for ls in wrapped) * TABLE_LINE + 0.8
        if pdf.get_y() + height > pdf.page_break_trigger and height < pdf.eph:
            pdf.add_page()
            if not fill:  # a body row starting a page: the header again above it
                draw(heading, "B", True)
                pdf.set_font(FONT, style, TABLE_PT)
        x, y = pdf.l_margin, pdf.get_y()
        if fill:
            pdf.set_fill_color(*HEADING_FILL)
            pdf.rect(x, y, pdf.epw, height, style="F")
        for (_, number), lines, w in zip(texts, wrapped, widths, strict=True):
            for k, line in enumerate(lines):
                if not line:
                    continue
                # text() at its baseline: no layout pass per cell (cell() makes one)
                left = x + w - TABLE_PAD - pdf.get_string_width(line) if number else x + TABLE_PAD
                pdf.text(left, y + 0.4 + k * TABLE_LINE + BASELINE, line)
            x += w
        pdf.set_draw_color(*((0, 0, 0) if fill else RULE_GREY))
        pdf.set_line_width(0.3 if fill else 0.1)
        pdf.line(pdf.l_margin, y + height, pdf.l_margin + pdf.epw, y + height)
        pdf.set_xy(pdf.l_margin, y + height)

    draw(heading, "B", True)
    for row in cells:
        draw(row, "", False)
    _default_colors(pdf)
    pdf.set_line_width(0.2)
    pdf.ln(3)


def _default_colors(pdf: FPDF) -> None:
    """Black fill, lines and text again: a chart's SVG text without a fill of its own is drawn
    in the current fill colour (a table's shading left behind made chart labels pale blue)."""
    pdf.set_fill_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_text_color(0, 0, 0)


_SVG_SIZE = re.compile(r'<svg[^>]*\swidth="([0-9.]+)pt"\s+height="([0-9.]+)pt"')


def _pixel_size(f: Figure) -> tuple[float, float]:
    """The chart's width and height in any one unit (its aspect is what matters)."""
    if f.png:
        with Image.open(io.BytesIO(f.png)) as img:
            return img.size
    m = _SVG_SIZE.search(f.svg[:2000])
    return (float(m[1]), float(m[2])) if m else (7.0, 4.0)


_SVG_NS = "{http://www.w3.org/2000/svg}"
for _prefix, _uri in (("", _SVG_NS[1:-1]), ("xlink", "http://www.w3.org/1999/xlink")):
    ET.register_namespace(_prefix, _uri)  # written back as matplotlib wrote them


def _unwrap_groups(svg: str) -> str:
    """The SVG without the groups that only name a part (``<g id="patch_3">``): they change
    nothing drawn, and fpdf2 makes a graphics context for each (about a sixth of its time).
    Groups with a style, transform or clip path, and everything in ``<defs>``, stay."""
    root = ET.fromstring(svg)

    def flatten(parent: ET.Element) -> None:
        kept: list[ET.Element] = []
        for child in parent:
            if child.tag == _SVG_NS + "defs":
                kept.append(child)
                continue
            flatten(child)
            if child.tag == _SVG_NS + "g" and set(child.attrib) <= {"id"}:
                kept.extend(child)
            else:
                kept.append(child)
        parent[:] = kept

    flatten(root)
    return ET.tostring(root, encoding="unicode")


def _vector(svg: str) -> io.BytesIO:
    """The chart's SVG as fpdf2 reads it: matplotlib's sizes are in points of its viewBox,
    which fpdf2 would read as CSS pixels (three quarters of a point); its metadata block is
    not drawable, and its naming groups are unwrapped (:func:`_unwrap_groups`)."""
    svg = re.sub(r"font-size: ?([0-9.]+)px", r"font-size: \1pt", svg)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    svg = _unwrap_groups(re.sub(r"^<\?xml[^>]*>\s*<!DOCTYPE[^>]*>", "", svg, count=1, flags=re.S))
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
    _default_colors(pdf)
    pdf.image(source, w=width, h=height, alt_text=f.alt)
    pdf.set_font(FONT, size=8)
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
    pdf.set_font(FONT, "B" if n.kind == "warning" else "", 9)
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


LEAD_TEXT = 30.0  # mm of a section's opening text kept with its heading


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
        if height >= LEAD_TEXT:  # text flows over a page break: its first lines are enough
            return LEAD_TEXT
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
    # one family for the text and the charts (whose SVG text names matplotlib's font): each
    # style is read once and embedded once
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(report.title)
    pdf.set_author("recovery-assessments")
    pdf.set_subject(report.subtitle)
    pdf.set_keywords(", ".join(report.keywords))
    pdf.set_creator("recovery-assessments")
    pdf.set_creation_date(datetime.datetime.fromisoformat(report.created))
    pdf.set_lang("en")
    pdf.add_page()
    pdf.set_font(FONT, "B", 22)
    pdf.ln(30)
    pdf.multi_cell(0, 11, report.title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font(FONT, size=13)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(0, 8, report.subtitle, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(10)
    for key, value in report.cover:
        pdf.set_font(FONT, "B", 11)
        pdf.cell(50, 7, key)
        pdf.set_font(FONT, size=11)
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
        pdf.set_font(FONT, "B", 16)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(0, 9, section.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(2)
        for b in section.blocks:
            if isinstance(b, Paragraph):
                pdf.set_font(FONT, size=10)
                pdf.multi_cell(0, 5, b.text, new_x="LMARGIN", new_y="NEXT", align="L")
                pdf.ln(2)
            elif isinstance(b, Bullets):
                pdf.set_font(FONT, size=10)
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

"""Render a :class:`~assessments.render.model.Report` as one self-contained HTML file.

Charts are inline SVG with ``role="img"`` and an ``aria-label`` (their alt text) and a
``<title>``; tables have captions and header cells with ``scope``; the stylesheet from
``reports/report.css`` is inlined, with print rules so that printing from a browser gives a
clean document. Nothing is fetched from the network.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path
from typing import overload

import pandas as pd

from ..resources import data_dir
from . import model
from .model import (
    APPENDIX_HEADING,
    SUMMARY_HEADING,
    Bullets,
    Figure,
    Note,
    Paragraph,
    Report,
    TableBlock,
)

_XML_HEAD = re.compile(r"^\s*<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.DOTALL)
_SVG_OPEN = re.compile(r"<svg\b([^>]*)>")
_METADATA = re.compile(r"<metadata>.*?</metadata>", re.DOTALL)


@cache
def stylesheet() -> str:
    """The report stylesheet shipped in ``reports/report.css``."""
    return (data_dir("reports") / "report.css").read_text(encoding="utf-8")


def _slug(text: str, i: int) -> str:
    return f"s{i}-" + re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def format_cell(value: object, decimals: int) -> tuple[str, bool]:
    """Text of a table cell and whether it is a number.

    >>> format_cell(-0.001, 2), format_cell(0.0004, 3), format_cell(-0.0004, 3)
    (('0.00', True), ('<0.001', True), ('0.000', True))
    """
    if value is None or (isinstance(value, float) and value != value):
        return "", False
    if isinstance(value, bool):
        return ("yes" if value else "no"), False
    if isinstance(value, float):
        if 0 < value < 0.001 and decimals >= 3:
            return "<0.001", True
        text = f"{value:.{decimals}f}"
        if float(text) == 0:
            text = text.lstrip("-")  # a value that rounds to zero is never "-0.00"
        return text, True
    if isinstance(value, int):
        return str(value), True
    return str(value), False


def _table(t: TableBlock) -> str:
    e = html.escape
    df: pd.DataFrame = t.data
    head = "".join(f'<th scope="col">{e(str(c))}</th>' for c in df.columns)
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for v in rec:
            text, num = format_cell(v, t.decimals)
            cells.append(f'<td class="num">{e(text)}</td>' if num else f"<td>{e(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    # a wide table scrolls in its own box on a phone instead of widening the page
    return (
        f'<div class="table-scroll" role="region" aria-label="{e(t.caption)}" tabindex="0">'
        f"<table><caption>{e(t.caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _figure(f: Figure) -> str:
    e = html.escape
    svg = _METADATA.sub("", _XML_HEAD.sub("", f.svg))
    svg = _SVG_OPEN.sub(
        lambda m: f'<svg{m.group(1)} role="img" aria-label="{e(f.alt)}"><title>{e(f.alt)}</title>',
        svg,
        count=1,
    )
    # on a phone the chart keeps a readable size and scrolls sideways in its own box
    # (shrunk to the screen its text was about 4 px)
    numbers = ""
    if f.data is not None and len(f.data):
        # the chart's numbers as a table a screen reader reaches (issue 30): closed under
        # the chart, opened with a click or Enter
        table = _table(TableBlock(f"The numbers in the chart: {f.caption}", f.data))
        numbers = (
            '<details class="chart-data"><summary>The numbers in this chart '
            f"({len(f.data)} rows)</summary>{table}</details>"
        )
    return (
        f'<figure><div class="chart-scroll" role="region" tabindex="0" '
        f'aria-label="{e(f.caption)} (chart; scrolls sideways on a narrow screen)">{svg}</div>'
        f"<figcaption>{e(f.caption)}</figcaption>{numbers}</figure>"
    )


@overload
def render_html(report: Report, path: None = None, *, standalone: bool = True) -> str: ...
@overload
def render_html(report: Report, path: str | Path, *, standalone: bool = True) -> Path: ...
def render_html(
    report: Report, path: str | Path | None = None, *, standalone: bool = True
) -> str | Path:
    """The report as HTML: a whole page, or (``standalone=False``) a fragment for Jupyter.

    Like every renderer: with ``path`` the file is written (whole or not at all) and its path
    returned; without, the content is returned.
    """
    if path is not None:
        from ..io.tables import _atomic

        text = render_html(report, standalone=standalone)
        out = Path(path)
        _atomic(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        return out
    e = html.escape
    parts = [
        '<header class="cover">',
        f"<h1>{e(report.title)}</h1>",
        f'<p class="subtitle">{e(report.subtitle)}</p><dl class="facts">',
    ]
    parts += [f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in report.cover]
    parts.append("</dl></header>")
    ids = [_slug(s.heading, i) for i, s in enumerate(report.sections)]
    parts.append(
        '<nav class="contents" aria-label="Contents"><h2>Contents</h2><ol>'
        + "".join(
            f'<li><a href="#{i}">{e(s.heading)}</a></li>'
            for i, s in zip(ids, report.sections, strict=True)
        )
        + "</ol></nav>"
    )
    parts.append("<main>")
    for sid, section in zip(ids, report.sections, strict=True):
        kind = ' class="summary"' if section.heading == SUMMARY_HEADING else ""
        parts.append(f'<section id="{sid}"{kind}><h2>{e(section.heading)}</h2>')
        for b in section.blocks:
            if isinstance(b, Paragraph):
                parts.append(f"<p>{e(b.text)}</p>")
            elif isinstance(b, Bullets):
                parts.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in b.items) + "</ul>")
            elif isinstance(b, TableBlock) and section.heading == APPENDIX_HEADING:
                # closed on the screen (a phone scrolls past them), open when printed
                parts.append(
                    f'<details class="full-table"><summary>{e(b.caption)} ({len(b.data)} '
                    f"rows)</summary>{_table(b)}</details>"
                )
            elif isinstance(b, TableBlock):
                parts.append(_table(b))
            elif isinstance(b, Figure):
                parts.append(_figure(b))
            elif isinstance(b, Note):
                role = ' role="note"' if b.kind == "info" else ' role="alert"'
                parts.append(f'<div class="note {b.kind}"{role}>{e(b.text)}</div>')
        parts.append("</section>")
    parts.append("</main>")
    body = "\n".join(parts)
    if not standalone:
        return f"<div class='assess-report'><style>{stylesheet()}</style>{body}</div>"
    keywords = ", ".join(report.keywords)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="recovery-assessments">'
        f'<meta name="keywords" content="{e(keywords)}">'
        f"<title>{e(report.title)}</title><style>{stylesheet()}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _notebook_html(report: Report) -> str:
    return render_html(report, standalone=False)


model.notebook_renderer = _notebook_html

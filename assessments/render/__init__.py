"""Reports: one immutable model built by :func:`build_report`, rendered as PDF, HTML and Excel.

Examples
--------
>>> from assessments import score
>>> from assessments.demo import demo_responses
>>> from assessments.render import build_report, render_html
>>> report = build_report(score(demo_responses("oric", n=60), "oric", on_invalid="missing"),
...                       n_boot=0)
>>> [s.heading for s in report.sections][:2]
['At a glance', 'Domain results']
>>> render_html(report).startswith("<!doctype html>")
True
"""

from .build import build_report
from .files import write_report
from .html import render_html
from .model import Bullets, Figure, Note, Paragraph, Report, Section, TableBlock
from .pdf import render_pdf
from .suppression import suppressed_groups
from .xlsx import render_xlsx

__all__ = [
    "Bullets", "Figure", "Note", "Paragraph", "Report", "Section", "TableBlock", "build_report",
    "render_html", "render_pdf", "render_xlsx", "suppressed_groups", "write_report",
]  # fmt: skip

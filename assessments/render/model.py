"""The report model: built once by :func:`~assessments.render.build_report`, rendered many ways.

A :class:`Report` is a title, cover facts and a tuple of :class:`Section`; a section holds
blocks: :class:`Paragraph`, :class:`Bullets`, :class:`TableBlock`, :class:`Figure` and
:class:`Note`. Figures carry an SVG (for HTML, and drawn as vectors in the PDF), with their alt
text; they are drawn while the report is built, in a worker process where one can run.
Everything is frozen; tables are DataFrames that renderers only read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from ..charts.drawing import Drawing

#: How a report shows itself in a notebook: set by :mod:`.html` when it is imported (as
#: :mod:`assessments.render` always does), so that the model imports no renderer.
notebook_renderer: Callable[[Report], str] | None = None


@dataclass(frozen=True)
class Paragraph:
    """Plain text."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A bulleted list."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class TableBlock:
    """A table with a caption; ``percent``/``decimals`` say how renderers format numbers."""

    caption: str
    data: pd.DataFrame
    decimals: int = 2


@dataclass(frozen=True)
class Figure:
    """A chart: its caption, alt text, and its drawing (SVG text, for the HTML page and drawn
    as vectors in the PDF). The drawing may still be under way in a worker process
    (:mod:`~assessments.charts.drawing`); ``svg`` waits for it."""

    caption: str
    alt: str
    drawing: Drawing = field(repr=False, compare=False)
    #: The numbers the chart draws, as a table a screen reader reaches (HTML: under the
    #: chart; PDF: in the appendix when no other table holds them); None when not given.
    data: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def svg(self) -> str:
        return self.drawing.result()[0]


@dataclass(frozen=True)
class Note:
    """A boxed note; ``warning`` notes are shown prominently (e.g. provisional scoring keys)."""

    text: str
    kind: Literal["info", "warning"] = "info"


Block = Paragraph | Bullets | TableBlock | Figure | Note

#: The heading of the report's one-page summary (renderers give it a page of its own).
SUMMARY_HEADING = "At a glance"
APPENDIX_HEADING = "Appendix: full tables"


@dataclass(frozen=True)
class Section:
    """A heading and its blocks."""

    heading: str
    blocks: tuple[Block, ...]

    def __str__(self) -> str:
        lines = [self.heading]
        for b in self.blocks:
            if isinstance(b, Bullets):
                lines += [f"  - {x}" for x in b.items]
            elif isinstance(b, Paragraph):
                lines.append(f"  {b.text}")
            elif isinstance(b, Note):
                lines.append(f"  [{b.kind}] {b.text}")
            elif isinstance(b, TableBlock):
                lines.append(f"  (table) {b.caption}")
            elif isinstance(b, Figure):
                lines.append(f"  (figure) {b.caption}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Report:
    """A whole report."""

    title: str
    subtitle: str
    cover: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    created: str
    keywords: tuple[str, ...] = field(default=())
    workbook: tuple[tuple[str, pd.DataFrame], ...] = field(default=())
    """Full-precision data tables for the Excel renderer (small groups already suppressed)."""

    def __repr__(self) -> str:
        return (
            f"<Report {self.title!r}: {len(self.sections)} sections, "
            f"{len(self.figures())} figures, {len(self.tables())} tables>"
        )

    def __str__(self) -> str:
        lines = [self.title, self.subtitle, *(f"{k}: {v}" for k, v in self.cover)]
        lines += [f"\n{s}" for s in self.sections]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        if notebook_renderer is None:  # only when the model is imported on its own
            import html

            return f"<pre>{html.escape(str(self))}</pre>"
        return notebook_renderer(self)

    def figures(self) -> list[Figure]:
        """Every figure, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]

    def tables(self) -> list[TableBlock]:
        """Every table, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, TableBlock)]

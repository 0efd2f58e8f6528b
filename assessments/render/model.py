"""The report model: built once by :func:`~assessments.render.build_report`, rendered many ways.

A :class:`Report` is a title, cover facts and a tuple of :class:`Section`; a section holds
blocks: :class:`Paragraph`, :class:`Bullets`, :class:`TableBlock`, :class:`Figure` and
:class:`Note`. Figures carry both a PNG (for PDF) and an SVG (for HTML) rendered at build time,
with their alt text. Everything is frozen; tables are DataFrames that renderers only read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd


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
    """A chart: PNG bytes, SVG text, alt text and a caption."""

    caption: str
    alt: str
    png: bytes
    svg: str


@dataclass(frozen=True)
class Note:
    """A boxed note; ``warning`` notes are shown prominently (e.g. provisional scoring keys)."""

    text: str
    kind: Literal["info", "warning"] = "info"


Block = Paragraph | Bullets | TableBlock | Figure | Note


@dataclass(frozen=True)
class Section:
    """A heading and its blocks."""

    heading: str
    blocks: tuple[Block, ...]


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

    def _repr_html_(self) -> str:
        from .html import render_html

        return render_html(self, standalone=False)

    def figures(self) -> list[Figure]:
        """Every figure, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]

    def tables(self) -> list[TableBlock]:
        """Every table, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, TableBlock)]

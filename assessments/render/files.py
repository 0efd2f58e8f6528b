"""Write the report set (PDF, HTML, Excel) to a folder: :func:`write_report`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..io.tables import atomic_set
from ..scoring import Scores
from .build import build_report
from .html import render_html
from .model import Report
from .pdf import render_pdf
from .xlsx import render_xlsx

FORMATS = ("pdf", "html", "xlsx")


def write_report(
    scores: Scores,
    out_dir: str | Path,
    *,
    by: str | None = None,
    aggregate_by: str | None = None,
    previous: Scores | None = None,
    formats: Sequence[str] = FORMATS,
    name: str | None = None,
    organization: str = "",
    period: str = "",
    min_group_size: int = 5,
    n_boot: int = 0,
    plan: pd.DataFrame | None = None,
    progress: Callable[[str], None] | None = None,
    include_respondents: bool = False,
    structure: bool = False,
    history: Mapping[str, Scores] | None = None,
    sections: Sequence[str] | None = None,
    benchmarks: pd.DataFrame | str | Path | None = None,
    paired_on: str | None = None,
    practices: pd.DataFrame | None = None,
    invited: pd.DataFrame | str | Path | None = None,
) -> list[Path]:
    """Build the report once and write it in each format; returns the paths written.

    Every file is rendered first, then all are written to temporary names and renamed together:
    a full disk or an interrupted run never leaves a half-written report or a partial set.
    """
    step = progress or (lambda _: None)
    folder = Path(out_dir)
    stem = name or f"{scores.instrument.id}-report"
    step("building the report")
    report = build_report(
        scores,
        by,
        aggregate_by=aggregate_by,
        previous=previous,
        organization=organization,
        period=period,
        min_group_size=min_group_size,
        n_boot=n_boot,
        plan=plan,
        include_respondents=include_respondents,
        structure=structure,
        history=history,
        sections=sections,
        benchmarks=benchmarks,
        paired_on=paired_on,
        practices=practices,
        invited=invited,
    )
    return write_report_set(report, folder, stem, formats, step)


def write_report_set(
    report: Report,
    folder: Path,
    stem: str,
    formats: Sequence[str] = FORMATS,
    step: Callable[[str], None] = lambda _: None,
) -> list[Path]:
    """Render a built report in each format and write the set whole, or not at all."""
    files = []
    # the PDF is rendered first: it draws each chart as soon as a chart worker has drawn it
    # (charts.drawing), where the HTML page waits for them all
    document = b""
    if "pdf" in formats:
        step("rendering PDF")
        document = render_pdf(report)
    if "html" in formats:
        step("rendering HTML")
        page = render_html(report)
        files.append((folder / f"{stem}.html", lambda tmp: tmp.write_text(page, encoding="utf-8")))
    if "pdf" in formats:
        files.append((folder / f"{stem}.pdf", lambda tmp: tmp.write_bytes(document)))
    if "xlsx" in formats:
        step("rendering Excel")
        workbook = render_xlsx(report)
        files.append((folder / f"{stem}.xlsx", lambda tmp: tmp.write_bytes(workbook)))
    step("writing the report set")
    atomic_set(files)  # the set is written whole, or not at all
    written = [path for path, _ in files]
    return written

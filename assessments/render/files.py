"""Write the report set (PDF, HTML, Excel) to a folder: :func:`write_report`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from ..scoring import Scores
from .build import build_report
from .html import render_html
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
    n_boot: int = 1000,
    plan: pd.DataFrame | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Build the report once and write it in each format; returns the paths written.

    Each file is written to a temporary name and renamed, so an interrupted run never leaves a
    half-written report.
    """
    step = progress or (lambda _: None)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
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
    )
    written = []
    if "html" in formats:
        step("writing HTML")
        written.append(render_html(report, folder / f"{stem}.html"))
    if "pdf" in formats:
        step("writing PDF")
        written.append(render_pdf(report, folder / f"{stem}.pdf"))
    if "xlsx" in formats:
        step("writing Excel")
        written.append(render_xlsx(report, folder / f"{stem}.xlsx"))
    return written

"""Render the report's data as an Excel workbook for follow-up.

Sheets (from :attr:`~assessments.render.model.Report.workbook`): ``scores`` (one row per
respondent; suppressed groups' labels masked), ``domain_summary``, ``item_statistics``,
``comparisons``, ``group_summary``, ``agreement``, ``excluded``, ``import_log`` and ``notes``,
written by :func:`assessments.io.write_workbook` (formats, frozen headers, filters, no formulas).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import overload

from ..io.tables import write_workbook
from .model import Report


@overload
def render_xlsx(report: Report, path: None = None) -> bytes: ...
@overload
def render_xlsx(report: Report, path: str | Path) -> Path: ...
def render_xlsx(report: Report, path: str | Path | None = None) -> bytes | Path:
    """The report's data tables as a workbook: with ``path`` the file written (whole or not at
    all) and its path, as the other renderers do; without, the workbook's bytes."""
    if path is not None:
        return write_workbook(dict(report.workbook), path)
    with tempfile.TemporaryDirectory() as folder:
        return write_workbook(dict(report.workbook), Path(folder) / "report.xlsx").read_bytes()

"""Render the report's data as an Excel workbook for follow-up.

Sheets (from :attr:`~assessments.render.model.Report.workbook`): ``scores`` (one row per
respondent; suppressed groups' labels masked), ``domain_summary``, ``item_statistics``,
``comparisons``, ``group_summary``, ``agreement``, ``excluded``, ``import_log`` and ``notes``,
written by :func:`assessments.io.write_workbook` (formats, frozen headers, filters, no formulas).
"""

from __future__ import annotations

from pathlib import Path

from ..io.tables import write_workbook
from .model import Report


def render_xlsx(report: Report, path: str | Path) -> Path:
    """Write the report's data tables as a workbook."""
    return write_workbook(dict(report.workbook), path)

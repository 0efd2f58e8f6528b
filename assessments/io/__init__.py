"""Reading survey exports and writing results."""

from .results import notes_frame, tables_json, write_scores, write_tables
from .tables import Table, escape_formulas, read_table, write_table, write_workbook

__all__ = [
    "Table",
    "escape_formulas",
    "notes_frame",
    "read_table",
    "tables_json",
    "write_scores",
    "write_table",
    "write_tables",
    "write_workbook",
]

"""Reading survey exports, mapping them onto instruments, checking them, writing results."""

from .exports import read_table
from .mapping import ColumnMapping, auto_map, draft_mapping, load_mapping, mapping_yaml
from .responses import Responses, read_responses
from .results import notes_frame, tables_json, write_scores, write_tables
from .tables import Table, escape_formulas, write_table, write_workbook
from .template import write_template
from .validation import ValidationReport, validate

__all__ = [
    "ColumnMapping",
    "Responses",
    "Table",
    "ValidationReport",
    "auto_map",
    "draft_mapping",
    "escape_formulas",
    "load_mapping",
    "mapping_yaml",
    "notes_frame",
    "read_responses",
    "read_table",
    "tables_json",
    "validate",
    "write_scores",
    "write_table",
    "write_tables",
    "write_template",
    "write_workbook",
]

"""recovery-assessments: score, check and compare recovery-orientation and readiness surveys.

Examples
--------
>>> import pandas as pd
>>> import assessments as ra
>>> oric = ra.load_instrument("oric")
>>> answers = pd.DataFrame({f"oric_{i}": [4, 5] for i in range(1, 13)})
>>> ra.score(answers, oric).respondents[["change_commitment", "change_efficacy"]]
   change_commitment  change_efficacy
0                4.0              4.0
1                5.0              5.0
"""

from .errors import AssessmentError, InputFileError, InstrumentError, Problem, ResponseError
from .history import History, HistoryError
from .instruments import (
    Instrument,
    apply_key,
    list_instruments,
    load_instrument,
    read_instrument_file,
)
from .io import Responses, ValidationReport, read_responses, read_table, validate, write_table
from .scoring import Scores, score

__version__ = "0.1.0"

__all__ = [
    "AssessmentError",
    "History",
    "HistoryError",
    "InputFileError",
    "Instrument",
    "InstrumentError",
    "Problem",
    "ResponseError",
    "Responses",
    "Scores",
    "ValidationReport",
    "__version__",
    "apply_key",
    "list_instruments",
    "load_instrument",
    "read_instrument_file",
    "read_responses",
    "read_table",
    "score",
    "validate",
    "write_table",
]

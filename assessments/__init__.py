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

from typing import TYPE_CHECKING, Any

from .errors import AssessmentError, InputFileError, InstrumentError, Problem, ResponseError

if TYPE_CHECKING:
    from .history import History, HistoryError
    from .instruments import (
        Instrument,
        apply_key,
        list_instruments,
        load_instrument,
        read_instrument_file,
    )
    from .io import (
        Responses,
        ValidationReport,
        read_responses,
        read_table,
        validate,
        write_table,
    )
    from .scoring import Scores, score

# Loaded on first use, so that `assess --help` and light commands do not import pandas.
_LAZY = {
    "History": "history",
    "HistoryError": "history",
    "Instrument": "instruments",
    "apply_key": "instruments",
    "list_instruments": "instruments",
    "load_instrument": "instruments",
    "read_instrument_file": "instruments",
    "Responses": "io",
    "ValidationReport": "io",
    "read_responses": "io",
    "read_table": "io",
    "validate": "io",
    "write_table": "io",
    "Scores": "scoring",
    "score": "scoring",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


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

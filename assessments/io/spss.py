"""SPSS ``.sav`` files through pyreadstat (the ``spss`` extra).

Value labels and user-defined missing values are kept: a value whose label names the
instrument's N/A or Don't-know answer becomes that answer; any other user-missing value (e.g.
9 = not answered) is read as blank, and the import log says so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputFileError, Problem
from .tables import Table, _finish


def read_sav(path: str | Path) -> Table:
    """Read a ``.sav``/``.zsav`` file with its value labels and user-missing values."""
    try:
        import pyreadstat
    except ImportError:
        raise InputFileError(
            Problem(
                "missing-extra",
                "reading SPSS files needs pyreadstat",
                file=str(path),
                hint='pip install "recovery-assessments[spss]"',
            )
        ) from None
    try:
        df, meta = pyreadstat.read_sav(str(path), user_missing=True)
    except Exception as exc:  # pyreadstat raises its own error types
        raise InputFileError(
            Problem("spss-read", f"not a readable SPSS file ({exc})", file=str(path))
        ) from None
    table = _finish(df, str(path), [])
    missing: dict[str, set[object]] = {}
    for col, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        values: set[object] = set()
        for r in ranges:
            lo, hi = r.get("lo"), r.get("hi")
            if lo is not None and lo == hi:
                values.add(lo)
            elif isinstance(lo, int | float) and isinstance(hi, int | float) and hi - lo <= 100:
                values.update(float(v) for v in np.arange(lo, hi + 1))
        if values:
            missing[col] = values
    for col, vals in (getattr(meta, "missing_user_values", None) or {}).items():
        missing.setdefault(col, set()).update(vals)
    labels: dict[str, dict[object, str]] = {
        c: {k: str(lab) for k, lab in v.items()}
        for c, v in (meta.variable_value_labels or {}).items()
    }
    questions = {c: q for c, q in (meta.column_names_to_labels or {}).items() if q}
    return Table(
        table.data,
        table.rows,
        table.file,
        table.notices,
        source="spss",
        questions=questions,
        value_labels=labels,
        user_missing=missing,
    )

"""SPSS ``.sav`` files through pyreadstat (part of the normal install).

Value labels and user-defined missing values are kept. Every user-missing declaration of a
variable is honoured, discrete values and ranges (``LO THRU HI``): a declared-missing value whose
label names the instrument's N/A or Don't-know answer becomes that answer; any other (e.g.
9 = not answered, or 3 declared missing although 3 is also a point of the scale) is read as
blank, and the import log counts it.
"""

from __future__ import annotations

from pathlib import Path

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
                "reading SPSS files needs pyreadstat, which the normal install includes",
                file=str(path),
                hint="reinstall the toolkit: pip install recovery-assessments",
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
    ranges: dict[str, list[tuple[float, float]]] = {}
    for col, declared in (getattr(meta, "missing_ranges", None) or {}).items():
        for r in declared:
            lo, hi = r.get("lo"), r.get("hi")
            if lo is not None and lo == hi:
                missing.setdefault(col, set()).add(lo)
            elif isinstance(lo, int | float) and isinstance(hi, int | float):
                ranges.setdefault(col, []).append((float(lo), float(hi)))
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
        user_missing_ranges=ranges,
    )

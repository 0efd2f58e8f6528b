"""Turn raw answers (numeric codes or text labels) into numbers and a status per cell.

Every cell ends up with a value (the numeric code, NaN when not scored) and a status:

========  ==================  ======================================================
status    name                meaning
========  ==================  ======================================================
0         ``answered``        a scored answer on the item's scale
1         ``blank``           empty, or a missing marker (``NA``, ``#N/A``, ``NULL``...)
2         ``not_applicable``  the N/A answer (or ``N/A``, ``not applicable`` in any instrument)
3         ``dont_know``       the Don't-know answer
4         ``invalid``         outside the scale or an unknown label (only with on_invalid=missing)
========  ==================  ======================================================

Labels match through the instrument's labels and synonyms, insensitive to case, spacing and
punctuation. Work is vectorized: a text column is factorized and only its distinct values are
looked at in Python.

Examples
--------
>>> from assessments import load_instrument
>>> coder = Coder(load_instrument("rsa", "provider").response_scale)
>>> [coder.classify(v)[:2] for v in ["Agree", 3, " n/a ", "#N/A", "dk"]]
[(4.0, 0), (3.0, 0), (nan, 2), (nan, 1), (nan, 3)]
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..instruments.loader import normalize_label
from ..instruments.model import ResponseScale

ANSWERED, BLANK, NOT_APPLICABLE, DONT_KNOW, INVALID = 0, 1, 2, 3, 4
STATUS_NAMES = ("answered", "blank", "not_applicable", "dont_know", "invalid")

# Raw (upper-cased, stripped) texts read as a blank cell in every instrument.
MISSING_MARKERS = frozenset(
    {
        "NA",
        "#N/A",
        "N.A.",
        "NAN",
        "NULL",
        "#NULL!",
        "NONE",
        ".",
        "-",
        "--",
        "MISSING",
        "<NA>",
        "NAT",
    }
)
# Normalized texts read as "not applicable" in every instrument, even one without that option.
NA_MARKERS = frozenset({"n a", "not applicable"})

_CODE_AND_LABEL = re.compile(r"^\s*(-?\d+)\s*[-=:.)]\s*(.+?)\s*$")
_LABEL_AND_CODE = re.compile(r"^\s*(.+?)\s*\(\s*(-?\d+)\s*\)\s*$")

Classified = tuple[float, int, bool]  # value, status, recoded (a label or marker was translated)


_TYPE_OF = np.frompyfunc(type, 1, 1)


def _factorize_keeping_booleans(column: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """``pd.factorize``, except that True/False stay apart from 1/0 (pandas merges them, which
    would score a boolean cell as the code 1): the uniques are the original objects."""
    kind = pd.api.types.infer_dtype(column, skipna=True)
    if kind not in ("boolean", "mixed", "mixed-integer"):
        idx, uniques = pd.factorize(column, use_na_sentinel=True)
        return idx, list(uniques)
    obj = column.to_numpy(dtype=object)
    kinds = _TYPE_OF(obj)  # one C loop; a generator of isinstance calls was 20x slower
    is_bool = pd.Series(kinds, dtype=object).isin([bool, np.bool_]).to_numpy()
    if not is_bool.any():
        idx, uniques = pd.factorize(column, use_na_sentinel=True)
        return idx, list(uniques)
    keys = obj.copy()
    keys[is_bool] = np.array([f"\x00bool:{bool(v)}" for v in obj[is_bool]], dtype=object)
    idx, _ = pd.factorize(pd.Series(keys, dtype=object), use_na_sentinel=True)
    firsts = np.full(idx.max() + 1 if len(idx) and idx.max() >= 0 else 0, -1)
    valid = np.flatnonzero(idx >= 0)
    order = valid[::-1]
    firsts[idx[order]] = order  # the first row holding each key (later rows overwritten first)
    return idx, [obj[i] for i in firsts]


#: Widest span of codes looked up through a table indexed by ``code - min``.
_MAX_TABLE = 1 << 16


@dataclass
class Coder:
    """Classifies answers for one response scale."""

    scale: ResponseScale
    labels: dict[str, tuple[int, int]] = field(init=False)

    def __post_init__(self) -> None:
        labels: dict[str, tuple[int, int]] = {}
        for p in self.scale.points:
            for text in (p.label, *p.synonyms):
                labels[normalize_label(text)] = (p.code, ANSWERED)
        for special, status in (
            (self.scale.not_applicable, NOT_APPLICABLE),
            (self.scale.dont_know, DONT_KNOW),
        ):
            if special is not None:
                for text in (special.label, *special.synonyms):
                    labels[normalize_label(text)] = (special.code, status)
        if self.scale.is_range:  # its ends' labels, when given, are its ends
            for text, end in ((self.scale.low_label, self.scale.low),
                              (self.scale.high_label, self.scale.high)):  # fmt: skip
                if text and end is not None:
                    labels.setdefault(normalize_label(text), (end, ANSWERED))  # type: ignore[arg-type]
        self.labels = labels
        self._exact_points = {
            text.strip().upper(): p.code
            for p in self.scale.points
            for text in (p.label, *p.synonyms)
        }
        self._codes = {float(c): ANSWERED for c in self.scale.codes}
        if self.scale.not_applicable is not None:
            self._codes[float(self.scale.not_applicable.code)] = NOT_APPLICABLE
        if self.scale.dont_know is not None:
            self._codes[float(self.scale.dont_know.code)] = DONT_KNOW
        self._table = self._code_table()

    def _code_table(self) -> tuple[int, int, np.ndarray | None, bool]:
        """``(lo, hi, table, simple)``: the status of each code from ``lo`` to ``hi``, and
        whether the scale is just consecutive whole codes with no N/A or Don't-know code (then
        two comparisons and a wholeness test classify a number, without the table). When the
        codes are far apart (``1..5`` and ``99999999`` for N/A) there is no table: the codes are
        looked up in sorted order instead. A range scale has no table (:meth:`_lookup`)."""
        if self.scale.is_range:
            return 0, 0, None, False
        lo, hi = int(min(self._codes)), int(max(self._codes))
        table = None
        if hi - lo < _MAX_TABLE:
            table = np.full(hi - lo + 1, INVALID, dtype=np.int8)
            for code, kind in self._codes.items():
                table[int(code) - lo] = kind
        answered = sorted(float(c) for c in self.scale.codes)
        consecutive = answered == [answered[0] + i for i in range(len(answered))]
        simple = consecutive and len(answered) == len(self._codes)
        return lo, hi, table, simple

    def expected(self) -> str:
        """Human description of what is accepted."""
        return self.scale.describe() + " (codes or labels)"

    def nearest_label(self, text: str) -> str | None:
        """The known label closest to ``text``, to suggest a fix."""
        close = difflib.get_close_matches(normalize_label(text), list(self.labels), n=1, cutoff=0.5)
        return close[0] if close else None

    def suggestion(self, value: object) -> str | None:
        """What an invalid answer probably was: the nearest label, or a note on dates.

        >>> from assessments import load_instrument
        >>> Coder(load_instrument("oric").response_scale).suggestion("Agre")
        "did you mean 'agree'?"
        """
        if isinstance(value, datetime.date | datetime.time | pd.Timestamp):
            return (
                "the cell holds a date or time (a spreadsheet may have turned a typed answer "
                "into one); retype it as a code or label"
            )
        if isinstance(value, str):
            near = self.nearest_label(value)
            return f"did you mean {near!r}?" if near else None
        return None

    def _number(self, x: float) -> Classified:
        status = self._codes.get(float(x))
        if status is None and self.scale.is_range:
            status = ANSWERED if bool(self.scale.in_range(np.array([x]))[0]) else None
        if status is None:
            return math.nan, INVALID, False
        return (float(x) if status == ANSWERED else math.nan), status, False

    def classify(self, raw: Any) -> Classified:
        """Classify one raw answer as ``(value, status, recoded)``."""
        if raw is None or raw is pd.NA or raw is pd.NaT:
            return math.nan, BLANK, False
        if isinstance(raw, bool | np.bool_):
            return math.nan, INVALID, False
        if isinstance(raw, int | float | np.integer | np.floating):
            return (math.nan, BLANK, False) if math.isnan(raw) else self._number(float(raw))
        text = str(raw).strip()
        if not text:
            return math.nan, BLANK, False
        # a label that is a scored point of the scale is always that point, even when it reads
        # like a missing marker ("None" on a frequency scale, "NA" as a point)
        if text.upper() in MISSING_MARKERS:
            point = self._exact_points.get(text.upper())
            if point is None:
                return math.nan, BLANK, True
            return float(point), ANSWERED, True
        hit = self.labels.get(normalize_label(text))
        if hit is None:
            try:
                number = float(text)
            except ValueError:
                pass
            else:
                return self._number(number) if math.isfinite(number) else (math.nan, INVALID, False)
        if hit is None:
            for pattern, code_first in ((_CODE_AND_LABEL, True), (_LABEL_AND_CODE, False)):
                m = pattern.match(text)
                if m:
                    code, label = (m[1], m[2]) if code_first else (m[2], m[1])
                    by_label = self.labels.get(normalize_label(label))
                    if by_label is not None and by_label[0] == int(code):
                        hit = by_label
                        break
        if hit is None:
            if normalize_label(text) in NA_MARKERS:
                return math.nan, NOT_APPLICABLE, True
            return math.nan, INVALID, False
        code, status = hit
        return (float(code) if status == ANSWERED else math.nan), status, True

    def _lookup(self, x: np.ndarray) -> np.ndarray:
        """Status of every number in ``x`` at once, through a table indexed by ``code - min``.

        When the scale is only consecutive whole codes (no N/A or Don't-know code), two
        comparisons and one test of wholeness decide; otherwise the table does. A range scale
        accepts any number within it (on its steps), and its N/A and Don't-know codes."""
        if self.scale.is_range:
            status = np.where(self.scale.in_range(x), np.int8(ANSWERED), np.int8(INVALID))
            for code, kind in self._codes.items():
                status[x == code] = kind
            status[np.isnan(x)] = BLANK
            return status.astype(np.int8, copy=False)
        lo, hi, table, simple = self._table
        with np.errstate(invalid="ignore"):
            inside = (x >= lo) & (x <= hi)  # False for NaN
            whole = np.floor(x) == x
            if simple:
                status = np.where(inside & whole, np.int8(ANSWERED), np.int8(INVALID))
            elif table is None:
                known = np.array(sorted(self._codes), dtype=np.float64)
                kinds = np.array([self._codes[c] for c in known], dtype=np.int8)
                at = np.minimum(np.searchsorted(known, x), len(known) - 1)  # NaN sorts last
                status = np.where(known[at] == x, kinds[at], np.int8(INVALID))
            else:
                offset = np.where(inside & whole, x - lo, 0).astype(np.intp)
                status = np.where(inside & whole, table[offset], np.int8(INVALID))
        status[np.isnan(x)] = BLANK
        return status.astype(np.int8, copy=False)

    @property
    def simple_range(self) -> tuple[int, int] | None:
        """``(lo, hi)`` when the scale is only the consecutive whole codes ``lo..hi`` (no N/A or
        Don't-know code): a number is then valid exactly when it is whole and within the range,
        which the scorer checks for many columns at once. None otherwise."""
        lo, hi, _, simple = self._table
        return (lo, hi) if simple else None

    def code_column(self, column: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Code a whole column: returns ``values`` (float64), ``status`` (int8), ``recoded`` (bool).

        Numeric columns take a fully vectorized path; other columns are factorized so each
        distinct raw value is classified once.
        """
        values, status, recoded, _ = self.code_column_logged(column)
        return values, status, recoded

    def code_column_logged(
        self, column: pd.Series
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame | None]:
        """:meth:`code_column`, and the recode log of the column: one row per distinct text
        read as a code (``original``, ``code``, ``status``, ``count``), in order of first
        appearance, counted from the factorization rather than by grouping the cells again;
        None when no cell was recoded."""
        n = len(column)
        if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
            column.dtype
        ):
            x = column.to_numpy(dtype="float64", na_value=np.nan)
            status = self._lookup(x)
            values = np.where(status == ANSWERED, x, np.nan)
            return values, status, np.zeros(n, dtype=bool), None
        idx, uniques = _factorize_keeping_booleans(column)
        table = [self.classify(u) for u in uniques]
        # one extra slot for the NA sentinel (-1 indexes the last element)
        vals = np.array([t[0] for t in table] + [math.nan], dtype="float64")
        stats = np.array([t[1] for t in table] + [BLANK], dtype=np.int8)
        recs = np.array([t[2] for t in table] + [False], dtype=bool)
        logged = np.flatnonzero(recs[:-1])
        if len(logged) == 0:
            return vals[idx], stats[idx], recs[idx], None
        counts = np.bincount(idx[idx >= 0], minlength=len(uniques))
        log = pd.DataFrame(
            {
                "original": [str(uniques[k]) for k in logged],
                "code": vals[logged],
                "status": stats[logged],
                "count": counts[logged].astype(np.int64),
            }
        )
        if log["original"].duplicated().any():  # distinct raw values with the same text
            log = log.groupby("original", sort=False, as_index=False).agg(
                code=("code", "first"), status=("status", "first"), count=("count", "sum")
            )
        return vals[idx], stats[idx], recs[idx], log

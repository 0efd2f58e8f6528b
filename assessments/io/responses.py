"""Survey answers read from an export and mapped onto an instrument, with an import log.

:func:`read_responses` reads any supported export (:mod:`.exports`), maps its columns to items
(:mod:`.mapping`), and turns platform codes into answers the instrument knows: value labels from
SPSS or a REDCap dictionary, Qualtrics' ``-1`` "no basis for evaluation", SPSS user-missing
values, and the mapping file's label and code overrides. Every translation is logged with its
count, and the raw table is kept, so the original value of every recoded cell can be listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InstrumentError, Problem, ResponseError
from ..instruments import Instrument, load_instrument, normalize_label
from ..instruments.loader import check_version_columns
from ..responses import Responses
from ..scoring.coding import (
    ANSWERED,
    DONT_KNOW,
    NOT_APPLICABLE,
    Coder,
    _factorize_keeping_booleans,
)
from .exports import read_table
from .mapping import ColumnMapping, load_mapping, resolve_columns
from .tables import Table

NA_TEXT = "N/A"


def _target_value(target: int | str, inst: Instrument) -> object:
    if target == "not_applicable":
        return NA_TEXT
    if target == "dont_know":
        dk = inst.response_scale.dont_know
        if dk is None:
            raise InstrumentError(
                Problem(
                    "no-dont-know",
                    f"{inst.id} has no Don't-know answer to map to",
                    hint="map it to blank or not_applicable",
                )
            )
        return dk.label
    if target == "blank":
        return None
    return int(target)


def _translator(
    table: Table, col: str, inst: Instrument, coder: Coder, mapping: ColumnMapping | None
) -> dict[Any, tuple[object, str]]:
    """raw value -> (new value, reason) for one item column."""
    out: dict[Any, tuple[object, str]] = {}
    labels = table.value_labels.get(col, {})
    missing = table.user_missing.get(col, set())
    for raw, label in labels.items():
        _, status, _ = coder.classify(label)
        declared_missing = raw in missing or _in_ranges(raw, table.user_missing_ranges.get(col))
        if declared_missing and status not in (NOT_APPLICABLE, DONT_KNOW):
            # the file says this value is missing, whatever its label: never an answer
            out[raw] = (None, f"user-missing value ({label})")
        elif status in (ANSWERED, NOT_APPLICABLE, DONT_KNOW):
            out[raw] = (label, "value label")
    for raw in missing:
        out.setdefault(raw, (None, "user-missing value"))
    for code, meaning in table.special_codes.items():
        if meaning == "not_applicable":
            out.setdefault(code, (NA_TEXT, f"{table.source}: no basis for evaluation"))
    if mapping is not None:
        for number, to in mapping.codes.items():
            out[number] = (_target_value(to, inst), "mapping file code")
        for text, to in mapping.labels.items():
            out[("label", normalize_label(text))] = (
                _target_value(to, inst),
                "mapping file label",
            )
    return out


def _metadata_column(table: Table, col: str) -> pd.Series:
    """A column kept beside the answers: value labels applied (SPSS ``1`` -> ``MALES``) and
    whole numbers stored as doubles shown as integers (ids ``1000``, not ``1000.0``)."""
    series = table.data[col]
    labels = table.value_labels.get(col)
    declared = table.user_missing.get(col, set())
    ranges = table.user_missing_ranges.get(col)
    if declared or ranges:
        missing = [
            (not pd.isna(v)) and (v in declared or _in_ranges(v, ranges))
            for v in series.to_numpy(dtype=object)
        ]
        series = series.mask(pd.Series(missing, index=series.index))
    if labels:
        lookup = {_as_number(k) if _as_number(k) is not None else k: v for k, v in labels.items()}
        mapped = [
            lookup.get(_as_number(v) if _as_number(v) is not None else v, v)
            if not pd.isna(v)
            else None
            for v in series.to_numpy(dtype=object)
        ]
        return pd.Series(mapped, index=series.index, name=col, dtype=object)
    if pd.api.types.is_float_dtype(series.dtype):
        x = series.to_numpy(dtype=float)
        finite = x[np.isfinite(x)]
        if len(finite) and np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 2**53):
            return series.astype("Int64")
    return series


def _in_ranges(value: object, ranges: list[tuple[float, float]] | None) -> bool:
    number = _as_number(value) if ranges else None
    return number is not None and any(lo <= number <= hi for lo, hi in ranges or [])


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _translate(
    series: pd.Series,
    table: dict[Any, tuple[object, str]],
    missing_ranges: list[tuple[float, float]] | None = None,
    closed: dict[object, str] | None = None,
) -> tuple[pd.Series, list[tuple[object, object, str, int]]]:
    """Apply a column's translations. With ``closed`` (the only valid raw codes and their
    labels, as a REDCap dictionary gives them) any other value becomes an invalid answer."""
    if not table and not missing_ranges and not closed:
        return series, []
    known_labels = {normalize_label(v) for v in (closed or {}).values()}
    codes, uniques = _factorize_keeping_booleans(series)
    new = list(uniques)
    log = []
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    for i, u in enumerate(uniques):
        key: Any = str(u).strip() if isinstance(u, str) else u
        hit = table.get(_as_number(u))  # 1, 1.0 and "1" are one key
        if hit is None and _in_ranges(u, missing_ranges):
            hit = (None, "user-missing value (declared range)")
        if hit is None and isinstance(u, str):
            hit = table.get(key) or table.get(("label", normalize_label(key)))
        if hit is None and closed and not (isinstance(u, str) and not u.strip()):
            number = _as_number(u)
            choice = next((lab for c, lab in closed.items() if _as_number(c) == number), None)
            is_label = isinstance(u, str) and normalize_label(u) in known_labels
            if choice is not None and number is not None:
                hit = (choice, "value label")  # a choice whose label is not on the scale
            elif not is_label:
                hit = (
                    f"{key} (not a choice of this field in the REDCap dictionary)",
                    "not a choice in the REDCap dictionary",
                )
        if hit is not None:
            new[i] = hit[0]
            log.append((key, hit[0], hit[1], int(counts[i])))
    values = np.array([*new, None], dtype=object)[codes]
    return pd.Series(values, index=series.index, name=series.name), log


def read_responses(
    path: str | Path,
    instrument: Instrument | str | Path,
    version: str | None = None,
    mapping: ColumnMapping | str | Path | None = None,
    source: str = "auto",
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    dictionary: str | Path | None = None,
    key: str | Path | None = None,
    drop_suggested: bool = False,
    allow_missing_items: bool = False,
    header_row: int | None = None,
) -> Responses:
    """Read an export and map it onto an instrument.

    Parameters
    ----------
    path
        CSV/TSV, Excel, SPSS ``.sav``, or a Qualtrics, SurveyMonkey, REDCap or Forms export.
    instrument, version, key, drop_suggested
        As for :func:`~assessments.load_instrument`.
    mapping
        A mapping file (or :class:`ColumnMapping`) for columns and answers that do not match.
    source
        ``"auto"`` or a platform name to force (see :mod:`.exports`).
    dictionary
        A REDCap data dictionary for a raw export.
    header_row
        The row (1-based) holding the column names, when the lines above it are not title
        lines recognised by themselves (:func:`~assessments.io.exports.title_rows`).

    Raises
    ------
    AssessmentError
        Unreadable file, columns that do not map (with candidates), invalid mapping file.
    """
    table = read_table(
        path,
        sheet=sheet,
        encoding=encoding,
        source=source,
        dictionary=dictionary,
        header_row=header_row,
    )
    mp = load_mapping(mapping) if isinstance(mapping, str | Path) else mapping
    if isinstance(instrument, Instrument):
        inst = instrument.select(version)
    else:
        inst = load_instrument(
            instrument,
            version or (mp.version if mp else None),
            key=key,
            drop_suggested=drop_suggested,
        ).select(version or (mp.version if mp else None))
    if isinstance(instrument, Instrument) and key is not None:
        from ..instruments import apply_key

        inst = apply_key(inst, key)
    resolved = resolve_columns(
        list(table.data.columns), inst, mp, file=table.file, allow_missing_items=allow_missing_items
    )
    _refuse_raw_redcap_codes(table, resolved, mp, dictionary)
    coder_by_scale = {name: Coder(sc) for name, sc in inst.scales.items()}
    parts: dict[str, pd.Series] = {}
    log: list[dict[str, object]] = []
    columns, methods = {}, {}
    for col, (item, method) in resolved.items():
        coder = coder_by_scale[inst.item(item).scale]
        values, entries = _translate(
            table.data[col],
            _translator(table, col, inst, coder, mp),
            table.user_missing_ranges.get(col),
            table.value_labels.get(col) if col in table.closed_labels else None,
        )
        parts[item] = values
        columns[item], methods[item] = col, method
        log += [
            {"column": col, "item": item, "original": o, "new": n, "reason": r, "count": c}
            for o, n, r, c in entries
        ]
    ignored = set(mp.ignore) if mp else set()
    dropped = [
        c for c in table.data.columns if c not in resolved and (c in table.metadata or c in ignored)
    ]
    passed = [c for c in table.data.columns if c not in resolved and c not in dropped]
    check_version_columns(inst, passed, list(columns), table.file)
    item_order = [i for i in inst.item_ids if i in columns]
    # one construction, not a column at a time (which fragments the frame); copy=False: an
    # untranslated column stays the table's own (copy-on-write keeps the two apart), so that
    # a 200k-row export is not held twice
    out = pd.DataFrame(
        {
            **{c: _metadata_column(table, c) for c in passed},
            **{i: parts[i] for i in item_order},
        },
        index=table.data.index,
        copy=False,
    )
    translations = pd.DataFrame(
        log, columns=["column", "item", "original", "new", "reason", "count"]
    )
    notices = list(table.notices)
    if table.dictionary_fields is not None:
        absent = [c for c in columns.values() if c not in table.dictionary_fields]
        if absent:
            notices.append(
                f"{table.file}: {len(absent)} item column(s) are not in the data dictionary "
                f"({', '.join(map(str, absent[:8]))}{' ...' if len(absent) > 8 else ''}); "
                "their raw values are read as codes of the instrument's scale. Check that "
                "the dictionary belongs to this export."
            )
    if dropped:
        notices.append(
            f"{len(dropped)} platform or ignored column(s) left out: "
            + ", ".join(map(str, dropped[:8]))
            + (" ..." if len(dropped) > 8 else "")
        )
    return Responses(
        data=out,
        rows=table.rows,
        file=table.file,
        source=table.source,
        instrument=inst,
        columns=columns,
        methods=methods,
        dropped=dropped,
        header_rows=table.header_rows,
        translations=translations,
        raw=table.data,
        notices=notices,
    )


def _refuse_raw_redcap_codes(
    table: Table,
    resolved: dict[str, tuple[str, str]],
    mp: ColumnMapping | None,
    dictionary: str | Path | None,
) -> None:
    """A raw REDCap export holds each choice's code, whose meaning only its data dictionary
    gives (REDCap numbers choices as the project was built: 0-4, 1-5, or any other codes).
    Read as the instrument's own codes they can be silently wrong, so without the dictionary
    (or the mapping's own ``codes:``) such an export is refused."""
    if table.source != "redcap" or dictionary is not None or (mp is not None and mp.codes):
        return
    coded = [
        col
        for col in resolved
        if pd.api.types.is_numeric_dtype(table.data[col].dtype)
        or (
            pd.to_numeric(table.data[col].dropna().astype(str).head(200), errors="coerce")
            .notna()
            .all()
            and table.data[col].notna().any()
        )
    ]
    if not coded:  # a label export: the answers are words, read as any other export
        return
    raise ResponseError(
        Problem(
            "redcap-needs-dictionary",
            f"this is a raw REDCap export: its {len(coded)} item column(s) hold choice codes "
            "whose meaning only the project's data dictionary gives, so they are not scored as "
            "if they were the instrument's own codes",
            file=table.file,
            column=str(coded[0]),
            expected="the data dictionary with the export",
            hint="give the data dictionary (REDCap: Project Setup > Data Dictionary > Download) "
            "with --dictionary, or export the data as labels",
        )
    )

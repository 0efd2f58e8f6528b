"""Score survey answers with an instrument: :func:`score`.

The work is vectorized over respondents: answers are coded column by column (see
:mod:`.coding`), then every domain, scale and total is one matrix product of the coded answers
with a 0/1 item-by-score weight matrix, divided by the matching product of the answered mask.

Examples
--------
>>> import pandas as pd
>>> from assessments import score
>>> answers = pd.DataFrame(
...     {"oric_2": [5, 4], "oric_4": ["Agree", "n/a"], "oric_6": [4, 4], "site": ["A", "B"]}
... )
>>> s = score(answers, "oric", allow_missing_items=True)
>>> s.respondents[["respondent_id", "site", "change_commitment", "change_commitment_n"]]
   respondent_id site  change_commitment  change_commitment_n
0              2    A           4.666667                    3
1              3    B                NaN                    2

B answered 2 of the facet's 5 items, fewer than half (the toolkit's default rule where ORIC
states none), so the facet is blank rather than a guess from two answers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..errors import InstrumentError, Problem, ResponseError
from ..instruments import Instrument, apply_key, load_instrument
from ..threads import one_blas_thread
from .coding import BLANK, DONT_KNOW, INVALID, NOT_APPLICABLE, STATUS_NAMES, Coder
from .scores import Scores

if TYPE_CHECKING:
    from ..responses import Responses

OnInvalid = Literal["error", "missing"]
ID_CANDIDATES = (
    "respondent_id",
    "respondent",
    "respondentid",
    "responseid",
    "response_id",
    "record_id",
    "participant_id",
    "id",
)
MAX_PROBLEMS = 10_000


def _resolve(
    instrument: Instrument | str | Path,
    version: str | None,
    key: str | Path | None,
    drop_suggested: bool,
) -> Instrument:
    if isinstance(instrument, Instrument):
        inst = instrument.select(version)
        if key is not None:
            inst = apply_key(inst, key)
        if drop_suggested:
            inst = inst.without_items(list(inst.suggested_drop))
        return inst
    inst = load_instrument(instrument, version, key=key, drop_suggested=drop_suggested)
    return inst.select(version)


def map_columns(
    columns: Sequence[object], instrument: Instrument, *, file: str | None = None
) -> dict[object, str]:
    """Map data columns to item ids: case-insensitive item id or alias.

    Raises
    ------
    ResponseError
        When two columns map to the same item.
    """
    lookup: dict[str, str] = {}
    for it in instrument.items:
        for name in (it.id, *it.aliases):
            lookup[name.strip().casefold()] = it.id
    mapping: dict[object, str] = {}
    taken: dict[str, object] = {}
    problems = []
    for col in columns:
        item = lookup.get(str(col).strip().casefold())
        if item is None:
            continue
        if item in taken:
            problems.append(
                Problem(
                    "column-mapped-twice",
                    f"columns {taken[item]!r} and {col!r} both map to item {item!r}",
                    file=file,
                    column=str(col),
                    hint="rename or remove one of them",
                )
            )
            continue
        taken[item] = col
        mapping[col] = item
    if problems:
        raise ResponseError(problems)
    return mapping


def _id_column(columns: Sequence[object], id_column: str | None, file: str | None) -> object | None:
    if id_column is not None:
        for c in columns:
            if str(c) == id_column or str(c).strip().casefold() == id_column.strip().casefold():
                return c
        raise ResponseError(
            Problem(
                "unknown-column",
                f"no column {id_column!r} for respondent ids",
                file=file,
                expected="one of " + ", ".join(map(str, columns)),
            )
        )
    # "Respondent ID", "respondent-id" and "RespondentID" are one name
    folded = {re.sub(r"[\s\-.]+", "_", str(c).strip().casefold()): c for c in columns}
    for cand in ID_CANDIDATES:
        if cand in folded:
            return folded[cand]
    return None


def _invalid_problems(
    bad: pd.DataFrame, coders: dict[str, Coder], file: str | None
) -> list[Problem]:
    out = []
    for rec in bad.head(MAX_PROBLEMS).to_dict("records"):
        coder = coders[str(rec["item"])]
        near = coder.suggestion(rec["value"])
        hint = (f"{near}; " if near else "") + (
            "fix the cell, or score it as missing with --on-invalid missing"
        )
        out.append(
            Problem(
                "invalid-value",
                f"answer not on the scale of item {rec['item']!r}",
                file=file,
                row=int(rec["row"]),
                column=str(rec["column"]),
                value=rec["value"],
                expected=coder.expected(),
                hint=hint,
            )
        )
    return out


@one_blas_thread
def score(
    responses: pd.DataFrame | Responses,
    instrument: Instrument | str | Path | None = None,
    *,
    version: str | None = None,
    key: str | Path | None = None,
    drop_suggested: bool = False,
    on_invalid: OnInvalid = "error",
    id_column: str | None = None,
    allow_missing_items: bool = False,
    rows: Sequence[int] | np.ndarray | None = None,
    file: str | None = None,
    consume: bool = False,
) -> Scores:
    """Score survey answers.

    Parameters
    ----------
    responses
        :class:`~assessments.io.Responses` from :func:`~assessments.read_responses` (instrument,
        rows and file come with them), or a DataFrame with one row per respondent: columns named
        like item ids or aliases (case-insensitive) are items; every other column passes through
        as metadata. Answers may be numeric codes or labels (case, spacing and punctuation
        insensitive, with the instrument's synonyms).
    instrument
        An :class:`~assessments.Instrument`, a shipped id or a path to a YAML definition
        (required for a DataFrame).
    version, key, drop_suggested
        As for :func:`~assessments.load_instrument`.
    on_invalid
        ``"error"`` (default): any answer outside the scale raises :class:`ResponseError`
        listing every such cell. ``"missing"``: such cells count as missing and are listed in
        ``Scores.invalid``.
    id_column
        Column holding respondent ids; by default a column named ``respondent_id``,
        ``respondent``, ``ResponseId``, ``record_id``, ``participant_id`` or ``id`` if present,
        else the row number.
    allow_missing_items
        Score even when some items have no column (they count as unanswered).
    rows
        Spreadsheet row number of each data row, for messages (default: header on row 1).
    file
        File name, for messages.
    consume
        :class:`~assessments.io.Responses` only: once the answers are coded, drop their
        columns from ``responses.data`` and ``responses.raw``, so that the export's memory is
        freed while the scores are computed. For a caller that reads an export only to score
        it (``assess report``); ``responses`` then keeps only its metadata columns, also when
        scoring stops on answers off the scale.

    Returns
    -------
    Scores
        Checked against hand-computed cases and against R ``rowMeans(na.rm=TRUE)`` on the psych
        ``bfi`` data (tests/test_reference_scores.py).
    """
    if on_invalid not in ("error", "missing"):
        raise ResponseError(
            Problem("bad-option", f"on_invalid={on_invalid!r}", expected="'error' or 'missing'")
        )
    if isinstance(responses, pd.DataFrame):
        if instrument is None:
            raise ResponseError(
                Problem(
                    "missing-option",
                    "name the instrument to score with",
                    hint="score(data, 'oric') or score(read_responses(...))",
                )
            )
        inst = _resolve(instrument, version, key, drop_suggested)
        df = responses
    else:
        inst = (
            responses.instrument
            if instrument is None
            else _resolve(instrument, version, key, drop_suggested)
        )
        df = responses.data
        rows = responses.rows if rows is None else rows
        file = responses.file if file is None else file
        allow_missing_items = True  # already checked when the columns were mapped
    if inst.reverse_from_key and inst.key_file is None:
        # its items' direction is unknown without the key: no score and no item mean is right
        raise ResponseError(
            Problem(
                "key-required",
                f"{inst.id} needs a scoring key to score anything: its scales and its reversed "
                "items are listed only in its scoring instructions",
                file=file,
                hint=f"write a key file (key_for: {inst.id}, versions:, reverse:) from the "
                "official scoring instructions and pass it with --key (see docs/keys.md)",
            )
        )
    n = len(df)
    row_numbers = np.asarray(rows if rows is not None else np.arange(n) + 2, dtype="int64")
    if len(row_numbers) != n:
        raise ResponseError(Problem("bad-option", "rows must give one number per data row"))
    if df.columns.duplicated().any():
        dup = [str(c) for c in df.columns[df.columns.duplicated()]]
        raise ResponseError(
            Problem(
                "duplicate-column",
                "column names appear more than once",
                file=file,
                value=", ".join(dup),
                hint="rename the columns so each name is unique",
            )
        )

    mapping = map_columns(list(df.columns), inst, file=file)
    if isinstance(responses, pd.DataFrame):  # read_responses checked a file's columns
        from ..instruments.loader import check_version_columns

        check_version_columns(
            inst, [c for c in df.columns if c not in mapping], list(mapping.values()), file or ""
        )
    by_item = {item: col for col, item in mapping.items()}
    missing = [i for i in inst.item_ids if i not in by_item]
    if not by_item:
        raise ResponseError(
            Problem(
                "no-items",
                f"no column matches an item of {inst.id}",
                file=file,
                expected="columns named like " + ", ".join(inst.item_ids[:3]) + ", ...",
                hint="rename the columns to item ids (see `assess show " + inst.id + "`)",
            )
        )
    if missing and not allow_missing_items:
        raise ResponseError(
            Problem(
                "missing-items",
                f"{len(missing)} item(s) of {inst.id} have no column: "
                + ", ".join(missing[:20])
                + (" ..." if len(missing) > 20 else ""),
                file=file,
                hint="add or rename the columns, or pass --allow-missing-items to score them as "
                "unanswered",
            )
        )

    id_col = _id_column(list(df.columns), id_column, file)
    meta_cols = [c for c in df.columns if c not in mapping and c != id_col]
    ids = df[id_col].to_numpy() if id_col is not None else row_numbers
    # consume: each answer column is dropped from the Responses as soon as it is coded
    release = None if isinstance(responses, pd.DataFrame) or not consume else responses.drop_answers
    coded = _code_items(df, inst, by_item, release)
    invalid = _invalid_cells(coded, inst, by_item, row_numbers, ids)
    if len(invalid) and on_invalid == "error":
        more = f" (first {MAX_PROBLEMS} listed in detail)" if len(invalid) > MAX_PROBLEMS else ""
        raise ResponseError(
            _invalid_problems(invalid, coded.coders, file),
            summary=f"{len(invalid)} answer(s) are not on the instrument's scale{more}",
        )

    set_aside, per_item = _apply_conditions(inst, coded.values)
    computed, n_answered = _compute(inst, coded.values)
    n_answered = n_answered + set_aside  # an answer set aside was still given
    per_row = _status_counts(coded.status, n_answered)
    has_any = n_answered > 0
    excluded = _excluded(coded.status, has_any, row_numbers, ids)
    # over every row read, scored or excluded
    cell_counts = {name: int(per_row[f"n_{name}"].sum()) for name in STATUS_NAMES}
    keep: slice | np.ndarray = slice(None)
    if not has_any.all():  # the scorer's own arrays lose their excluded rows in place
        kept = np.flatnonzero(has_any)
        coded.values = _drop_rows(coded.values, kept)
        coded.status = _drop_rows(coded.status, kept)
        computed = {name: _drop_rows(col, kept) for name, col in computed.items()}
        per_row = {name: _drop_rows(col, kept) for name, col in per_row.items()}
        keep = kept  # for the arrays that are the caller's (ids, metadata): copies
    columns: dict[str, np.ndarray] = {"respondent_id": ids[keep], "row": row_numbers[keep]}
    for c in meta_cols:
        if str(c) in computed or str(c) in per_row or str(c) in ("respondent_id", "row"):
            raise ResponseError(
                Problem(
                    "column-clash",
                    f"input column {c!r} has the name of an output column",
                    file=file,
                    column=str(c),
                    hint="rename it before scoring (is this file already scored?)",
                )
            )
        columns[str(c)] = df[c].to_numpy()[keep]
    columns.update(computed)  # already without the excluded rows, as are per_row and coded
    columns.update(per_row)
    out = pd.DataFrame(columns, copy=False)

    item_columns = _column_index(inst.item_ids)
    items = pd.DataFrame(coded.values, columns=item_columns, copy=False)
    items.insert(0, "respondent_id", ids[keep])
    status_df = pd.DataFrame(coded.status, columns=item_columns, copy=False)
    recode_cols = ["column", "item", "original", "code", "status", "count"]
    recodes = (
        pd.concat(coded.recodes, ignore_index=True)[recode_cols]
        if coded.recodes
        else _empty(tuple(recode_cols))
    )
    if len(recodes):
        recodes["status"] = [STATUS_NAMES[x] for x in recodes["status"]]
    notes = [*inst.key_warnings(), *inst.key_notices]
    if missing:
        notes.append(
            f"{len(missing)} item(s) had no column and count as unanswered: " + ", ".join(missing)
        )
    if len(invalid):
        notes.append(f"{len(invalid)} answer(s) outside the scale were treated as missing")
    if per_item:
        shown = ", ".join(f"{i} {k}" for i, k in list(per_item.items())[:6])
        more = f" and {len(per_item) - 6} more items" if len(per_item) > 6 else ""
        notes.append(
            f"{sum(per_item.values())} answer(s) set aside, as the instrument counts them only "
            f"when another answer says so (e.g. a kind of support marked important): {shown}"
            f"{more}. They are in no score nor item statistic."
        )
    return Scores(
        respondents=out,
        items=items,
        status=status_df,
        excluded=excluded,
        invalid=invalid,
        recodes=recodes,
        instrument=inst,
        rows_read=n,
        cell_counts=cell_counts,
        notes=tuple(notes),
    )


def _apply_conditions(inst: Instrument, values: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
    """Set aside (as NaN) each answer to an item with ``counts_if`` whose deciding item was not
    answered with one of the listed codes, in place. Returns, per respondent, how many answers
    were set aside, and per item how many (items with none left out).

    >>> from assessments.instruments.model import Item
    >>> class Inst:  # the two fields this reads
    ...     item_ids = ("important", "support")
    ...     items = (Item("important", "i"), Item("support", "s", counts_if=("important", (1.0,))))
    >>> v = np.array([[1.0, 4.0], [0.0, 3.0], [np.nan, 2.0]])
    >>> rows, items = _apply_conditions(Inst(), v)
    >>> v[:, 1].tolist(), rows.tolist(), items
    ([4.0, nan, nan], [0, 1, 1], {'support': 2})
    """
    rows = np.zeros(values.shape[0], dtype=np.int64)
    per_item: dict[str, int] = {}
    pos = {iid: j for j, iid in enumerate(inst.item_ids)}
    for it in inst.items:
        if it.counts_if is None or it.id not in pos:
            continue
        gate, answers = it.counts_if
        j = pos[it.id]
        if gate in pos:
            off = ~np.isin(values[:, pos[gate]], answers)
        else:  # the deciding item is not in this version: nothing counts
            off = np.ones(values.shape[0], dtype=bool)
        off &= ~np.isnan(values[:, j])
        if off.any():
            values[off, j] = np.nan
            rows += off
            per_item[it.id] = int(off.sum())
    return rows, per_item


def _drop_rows(a: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``a[keep]`` (``keep`` increasing row numbers) written over ``a``'s first rows, column
    by column, and returned as a view of them: the same values as ``a[keep]`` without a second
    array the size of ``a``. Only for arrays the scorer made (``a`` is overwritten).

    >>> a = np.asfortranarray(np.arange(12.0).reshape(4, 3))
    >>> _drop_rows(a, np.array([1, 3])).tolist()
    [[3.0, 4.0, 5.0], [9.0, 10.0, 11.0]]
    """
    m = len(keep)
    if a.ndim == 1:
        a[:m] = a[keep]  # the right side is gathered first; row keep[i] >= i is never lost
        return a[:m]
    for j in range(a.shape[1]):  # one column at a time: a temporary of one column
        col = a[:, j]
        col[:m] = col[keep]
    return a[:m]


@dataclass
class _Coded:
    """Coded answers, column-major: ``values`` (reversed; NaN unless answered) and ``status``."""

    values: np.ndarray
    status: np.ndarray
    coders: dict[str, Coder]
    recodes: list[pd.DataFrame]
    invalid_rows: dict[int, np.ndarray]
    invalid_values: dict[int, np.ndarray]  # the raw values of those cells, as exported


#: Rows handled at once by the block passes: about 64k cells (512 KB), so each pass stays in L2
#: and temporaries stay small whatever the file's size.
_CHUNK_CELLS = 1 << 16


def _chunk_rows(width: int) -> int:
    return max(256, _CHUNK_CELLS // max(width, 1))


def _row_chunks(n: int, width: int) -> Iterator[slice]:
    step = _chunk_rows(width)
    for a in range(0, n, step):
        yield slice(a, min(n, a + step))


def _code_items(
    df: pd.DataFrame,
    inst: Instrument,
    by_item: dict[str, object],
    release: Callable[[Sequence[str]], None] | None = None,
) -> _Coded:
    """Code every item column once, writing straight into column-major matrices;
    ``release(item_ids)``, when given, is called once those items' columns are no longer
    needed (:func:`score` with ``consume``).

    Numeric columns on a scale of consecutive whole codes (the usual export) are copied in and
    then checked together, a block of rows at a time (:func:`_check_block`); other columns are
    coded one by one through :meth:`Coder.code_column`. Both give the same values and
    statuses (tests/test_scoring.py)."""
    n, k = len(df), len(inst.item_ids)
    scale_coders = {name: Coder(sc) for name, sc in inst.scales.items()}
    coders = {iid: scale_coders[inst.item(iid).scale] for iid in inst.item_ids}
    blocks: dict[tuple[int, int], list[int]] = {}
    general: list[int] = []
    dtypes: dict[object, Any] = dict(zip(df.columns, df.dtypes, strict=True))
    for j, iid in enumerate(inst.item_ids):
        if iid not in by_item:
            continue
        bounds = coders[iid].simple_range
        dtype = dtypes[by_item[iid]]
        if bounds is not None and (
            dtype == np.float64
            or (pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))
        ):
            blocks.setdefault(bounds, []).append(j)
        else:
            general.append(j)
    if len(blocks) == 1 and len(next(iter(blocks.values()))) == k:
        # the usual export: every item a numeric column on one scale, copied in one step
        # (always a copy: the caller's frame is never written to)
        numbers = df[[by_item[i] for i in inst.item_ids]].to_numpy(dtype="float64", na_value=np.nan)
        fresh = numbers.flags.writeable and not np.may_share_memory(
            numbers, df[by_item[inst.item_ids[0]]].to_numpy()
        )  # a frame of many blocks is gathered into a new array: no second copy needed
        values = np.asfortranarray(numbers) if fresh else np.array(numbers, order="F", copy=True)
    else:
        # every column is written once below, as it is coded: np.empty leaves a column's
        # memory untouched until then, while ``release`` frees the export column by column
        values = np.empty((n, k), order="F")
        for js in blocks.values():
            for j in js:
                values[:, j] = df[by_item[inst.item_ids[j]]].to_numpy(
                    dtype="float64", na_value=np.nan
                )
    status = np.empty((n, k), dtype=np.int8, order="F")  # written as values are
    for j, iid in enumerate(inst.item_ids):
        if iid not in by_item:  # an item without a column: unanswered
            values[:, j] = np.nan
            status[:, j] = BLANK
    recodes: list[pd.DataFrame] = []
    invalid_rows: dict[int, np.ndarray] = {}
    invalid_values: dict[int, np.ndarray] = {}
    for j in general:
        iid = inst.item_ids[j]
        col = df[by_item[iid]]
        item = inst.item(iid)
        v, st, _, log = coders[iid].code_column_logged(col)
        values[:, j] = inst.item_scale(item).reverse(v) if item.reverse else v
        status[:, j] = st
        bad = np.flatnonzero(st == INVALID)
        if len(bad):
            invalid_rows[j] = bad
            invalid_values[j] = col.to_numpy()[bad]
        del col
        if release is not None:
            release([iid])
        if log is not None:
            recodes.append(log.assign(column=str(by_item[iid]), item=iid))
    for (lo, hi), js in blocks.items():
        found = _check_block(values, status, js, lo, hi)
        invalid_rows.update(found)
        for j, bad in found.items():
            invalid_values[j] = df[by_item[inst.item_ids[j]]].to_numpy()[bad]
        for j in js:
            if inst.item(inst.item_ids[j]).reverse:
                np.subtract(lo + hi, values[:, j], out=values[:, j])
        if release is not None:
            release([inst.item_ids[j] for j in js])
    return _Coded(
        values, status, coders, recodes, dict(sorted(invalid_rows.items())), invalid_values
    )


def _check_block(
    values: np.ndarray, status: np.ndarray, js: list[int], lo: int, hi: int
) -> dict[int, np.ndarray]:
    """Check raw numbers already copied into columns ``js`` of ``values`` against the whole
    codes ``lo..hi``: set their status, blank out the invalid ones, and return the rows of
    invalid cells per column."""
    contiguous = js[-1] - js[0] + 1 == len(js)
    cols: slice | list[int] = slice(js[0], js[-1] + 1) if contiguous else js
    bad_parts: dict[int, list[np.ndarray]] = {}
    for rows in _row_chunks(len(values), len(js)):
        block = values[rows, cols]  # a view when the columns are contiguous, else a copy
        if contiguous:  # True -> 1 (BLANK), False -> 0 (ANSWERED), written in place
            missing = np.isnan(block, out=status[rows, cols].view(np.bool_))
        else:
            missing = np.isnan(block)
            status[rows, cols] = missing
        n_missing = np.count_nonzero(missing)
        if n_missing == block.size:
            continue
        # usual case first: every number within lo..hi (fmin/fmax skip NaN) and whole (floor
        # differs from the value only for NaN and fractions)
        if (
            np.fmin.reduce(block, axis=None) >= lo
            and np.fmax.reduce(block, axis=None) <= hi
            and np.count_nonzero(np.floor(block) != block) == n_missing
        ):
            continue
        with np.errstate(invalid="ignore"):
            ok = (block >= lo) & (block <= hi)
            ok &= np.floor(block) == block
        bad = ~(ok | missing)
        if bad.any():
            st = missing.astype(np.int8)
            st[bad] = INVALID
            block[bad] = np.nan
            if not contiguous:
                values[rows, cols] = block
            for c in np.flatnonzero(bad.any(axis=0)):
                bad_parts.setdefault(js[c], []).append(rows.start + np.flatnonzero(bad[:, c]))
            status[rows, cols] = st
    return {j: np.concatenate(parts) for j, parts in bad_parts.items()}


@functools.lru_cache(maxsize=64)
def _column_index(names: tuple[str, ...]) -> pd.Index:
    """One shared (immutable) column index per instrument, instead of one per frame."""
    return pd.Index(names)


@functools.lru_cache(maxsize=16)
def _empty_template(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    """An empty frame with these columns (a copy of a cached one: cheaper than building it)."""
    return _empty_template(columns).copy()


def _invalid_cells(
    coded: _Coded,
    inst: Instrument,
    by_item: dict[str, object],
    rows: np.ndarray,
    ids: np.ndarray,
) -> pd.DataFrame:
    """One row per answer outside the scale: row, respondent id, column, item, raw value."""
    parts = []
    for j, bad in coded.invalid_rows.items():
        iid = inst.item_ids[j]
        col = by_item[iid]
        parts.append(
            pd.DataFrame(
                {
                    "row": rows[bad],
                    "respondent_id": ids[bad],
                    "column": str(col),
                    "item": iid,
                    "value": coded.invalid_values[j],
                }
            )
        )
    if not parts:
        return _empty(("row", "respondent_id", "column", "item", "value"))
    return pd.concat(parts, ignore_index=True).sort_values(["row", "column"], ignore_index=True)


def _status_counts(status: np.ndarray, n_answered: np.ndarray) -> dict[str, np.ndarray]:
    """Per respondent, how many item cells have each status (``n_answered``, ``n_blank``...).

    ``n_answered`` comes from the scoring pass. When no cell is N/A, Don't know or invalid (most
    files), every other cell is blank and no further pass over the matrix is needed."""
    top = int(status.max()) if status.size else 0
    k = status.shape[1]
    out = {"n_answered": n_answered}
    for code, name in enumerate(STATUS_NAMES[1:], start=1):
        if code > top:
            out[f"n_{name}"] = np.zeros(status.shape[0], dtype=np.int64)
        elif top == BLANK:
            out[f"n_{name}"] = k - n_answered
        else:
            out[f"n_{name}"] = (status == code).sum(axis=1, dtype=np.int64)
    return out


def _excluded(
    status: np.ndarray, has_any: np.ndarray, rows: np.ndarray, ids: np.ndarray
) -> pd.DataFrame:
    drop = np.flatnonzero(~has_any)
    reasons = []
    for r in drop:
        st = status[r]
        n_na = int(((st == NOT_APPLICABLE) | (st == DONT_KNOW)).sum())
        n_bad = int((st == INVALID).sum())
        if n_na == 0 and n_bad == 0:
            reasons.append("no answers: every item is blank")
        else:
            parts = [f"{n_na} N/A or Don't know"] if n_na else []
            parts += [f"{n_bad} invalid"] if n_bad else []
            reasons.append("no scorable answer (" + ", ".join(parts) + ")")
    return pd.DataFrame({"row": rows[drop], "respondent_id": ids[drop], "reason": reasons})


def _float_sums(values: np.ndarray, item_sets: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_item_sums` for answers that need not be whole numbers (a range scale): each
    set's sum of the answered cells (float64, added left to right as ``np.nansum`` does) and
    their count, ``(sets, n)``."""
    n = values.shape[0]
    sums = np.empty((len(item_sets), n))
    counts = np.empty((len(item_sets), n), dtype=np.int64)
    for c, cols in enumerate(item_sets):
        block = values[:, cols]
        sums[c] = np.nansum(block, axis=1)
        counts[c] = np.isfinite(block).sum(axis=1)
    return sums, counts


def _item_sums(
    values: np.ndarray, item_sets: list[list[int]], lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sum and count of the answered cells of each set of item columns, for every respondent.

    ``values`` is NaN exactly where a cell is not answered, and every answer is a whole code in
    ``lo..hi``. With ``base = min(lo, 0)``, unanswered cells get the marker ``base + w``, where
    ``w`` is more than any set's sum of ``answer - base``. One matrix product with a 0/1
    membership matrix then gives, per set, ``sum - base * size = above + w * n_unanswered`` with
    ``0 <= above < w``, and a division by ``w`` separates the two. Every partial sum is a whole
    number below 2**24 (float32) or 2**50 (float64), so the sums are exact whatever the order
    of addition and equal adding the answered cells one by one (tests/test_scoring.py; against
    R rowMeans in tests/test_reference_scores.py).

    Returns the sums (float64) and counts (int64), each ``(sets, n)`` and C-ordered, so that
    each set's row is contiguous."""
    n, k = values.shape
    base = min(lo, 0)
    w = (hi - base) * k + 1
    marker = base + w
    bound = k * max(abs(base), abs(hi), abs(marker)) * 2
    if bound >= 2**50:
        raise InstrumentError(
            Problem(
                "codes-too-large",
                f"answer codes from {lo} to {hi} are too far apart to be summed exactly over "
                f"{k} items",
                expected="whole codes of a sensible size, e.g. 0 to 10",
                hint="renumber the scale's points in the instrument file",
            )
        )
    dtype = np.float32 if bound < 2**24 else np.float64
    member = np.zeros((k, len(item_sets)), dtype=dtype)
    for c, cols in enumerate(item_sets):
        member[cols, c] = 1.0
    marked = np.empty((min(n, _chunk_rows(k)), k), dtype=dtype, order="F")
    sums = np.empty((n, len(item_sets)), dtype=dtype, order="F")
    for rows in _row_chunks(n, k):
        buf = marked[: rows.stop - rows.start]
        np.fmin(values[rows], marker, out=buf)  # fmin(NaN, m) is m; every answer is below m
        np.matmul(buf, member, out=sums[rows])
    sizes = np.array([len(cols) for cols in item_sets], dtype=np.float64)[:, None]
    totals = sums.T.astype(np.float64, order="C")
    if base:
        totals -= base * sizes
    unanswered = totals / w
    np.floor(unanswered, out=unanswered)
    totals -= unanswered * w  # the answered cells' sum of (answer - base)
    if base:
        totals += base * (sizes - unanswered)
    return totals, (sizes - unanswered).astype(np.int64)


def _compute(inst: Instrument, values: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Domain, scale and total scores with their counts (checked against R rowMeans), and the
    number of answered items of each respondent."""
    pos = {iid: j for j, iid in enumerate(inst.item_ids)}
    scales = [*inst.composites, *([inst.total] if inst.total is not None else [])]
    item_scales = [sc for sc in scales if sc.method != "mean_of_domains"]
    sets = [[pos[i] for i in dom.items] for dom in inst.scored_domains]
    sets += [[pos[i] for i in inst.scale_items(sc)] for sc in item_scales]
    sets.append(list(range(len(inst.item_ids))))
    if any(sc.is_range for sc in inst.scales.values()):  # answers need not be whole numbers
        totals, counts = _float_sums(values, sets)
    else:
        codes = [c for sc in inst.scales.values() for c in sc.codes]
        totals, counts = _item_sums(values, sets, min(codes, default=0), max(codes, default=0))
    cols: dict[str, np.ndarray] = {}
    d = len(inst.scored_domains)
    # every domain at once: rows of (domains, respondents) arrays
    need = np.array([dom.min_items() for dom in inst.scored_domains], dtype=np.int64)[:, None]
    sizes = np.array([len(dom.items) for dom in inst.scored_domains], dtype=np.int64)[:, None]
    scored = counts[:d] >= need
    means = totals[:d] / np.maximum(counts[:d], 1)
    dscores = np.where(scored, means, np.nan)
    prorated = np.asarray((scored & (counts[:d] < sizes)).any(axis=0))
    row = {dom.id: c for c, dom in enumerate(inst.scored_domains)}
    for c, dom in enumerate(inst.scored_domains):
        cols[dom.id] = dscores[c]
        cols[f"{dom.id}_n"] = counts[c]
    by_items = {sc.id: d + i for i, sc in enumerate(item_scales)}
    for sc in scales:
        if sc.method == "mean_of_domains":
            rows = [row[x] for x in sc.domains]  # in the scale's order of domains
            total = np.where(scored[rows], means[rows], 0.0).sum(axis=0)
            cnt = scored[rows].sum(axis=0, dtype=np.int64)
            width = len(sc.domains)
        else:
            total, cnt = totals[by_items[sc.id]], counts[by_items[sc.id]]
            width = len(sets[by_items[sc.id]])
        need_sc = max(1, int(np.ceil(sc.min_answered * width - 1e-9)))
        with np.errstate(invalid="ignore", divide="ignore"):
            cols[sc.id] = np.where(cnt >= need_sc, total / np.maximum(cnt, 1), np.nan)
        cols[f"{sc.id}_n"] = cnt.astype(np.int64)
    summed = inst.total_sum
    if summed is not None and inst.total is not None:  # the key's total: sum (a column beside)
        cols[summed.column] = cols[inst.total.id] * summed.n_items
    cols["prorated"] = prorated
    return cols, counts[-1]

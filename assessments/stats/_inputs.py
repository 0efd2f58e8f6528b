"""Shared input handling: every statistic takes :class:`Scores` or a DataFrame plus column names."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ..errors import Problem, ResponseError
from ..scoring import Scores

DEFAULT_MIN_GROUP_SIZE = 5
F = TypeVar("F", bound=Callable[..., Any])


def score_frame(
    data: Scores | pd.DataFrame, columns: Sequence[str] | None
) -> tuple[pd.DataFrame, list[str]]:
    """The respondent-level table and the score columns to analyse.

    For :class:`Scores` the default columns are every domain, scale and total; for a DataFrame
    ``columns`` must be given.
    """
    if isinstance(data, Scores):
        frame = data.respondents
        cols = list(columns) if columns is not None else data.score_columns
    else:
        frame = data
        if columns is None:
            raise ResponseError(
                Problem(
                    "missing-option",
                    "name the score columns to analyse",
                    hint="pass columns=[...] (or give Scores, which know their columns)",
                )
            )
        cols = list(columns)
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ResponseError(
            Problem(
                "unknown-column",
                "no such score column(s): " + ", ".join(missing),
                expected="one of " + ", ".join(map(str, frame.columns)),
            )
        )
    return frame, cols


def item_sets(
    data: Scores | pd.DataFrame, domains: Mapping[str, Sequence[str]] | None
) -> tuple[pd.DataFrame, dict[str, list[str]], pd.DataFrame | None]:
    """Item matrix (after reverse keys), the items of each domain, and the status matrix.

    For a DataFrame, ``domains`` maps a name to its (already reversed, numeric) item columns.
    """
    if isinstance(data, Scores):
        inst = data.instrument
        sets = {d.id: list(d.items) for d in inst.scored_domains}
        if domains is not None:
            sets = {k: list(v) for k, v in domains.items()}
        return data.items, sets, data.status
    if domains is None:
        raise ResponseError(
            Problem(
                "missing-option",
                "name the items of each domain",
                hint="pass domains={'name': ['item1', 'item2', ...]}",
            )
        )
    sets = {k: list(v) for k, v in domains.items()}
    cols = [c for v in sets.values() for c in v]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ResponseError(
            Problem("unknown-column", "no such item column(s): " + ", ".join(missing))
        )
    return data, sets, None


def group_labels(frame: pd.DataFrame, by: str | None) -> pd.Series:
    """Group of each row (a single group ``"all"`` when ``by`` is None)."""
    if by is None:
        return pd.Series("all", index=frame.index, dtype=object)
    if by not in frame.columns:
        import difflib

        names = [str(c) for c in frame.columns]
        folded = {n.casefold(): n for n in names}
        close = folded.get(str(by).casefold()) or next(
            iter(difflib.get_close_matches(str(by), names, n=1, cutoff=0.6)), None
        )
        raise ResponseError(
            Problem(
                "unknown-column",
                f"no column {by!r} to group by",
                expected="one of " + ", ".join(names),
                hint=f"did you mean {close!r}? (names are case-sensitive)" if close else None,
            )
        )
    return frame[by]


def group_stats(y: np.ndarray, codes: np.ndarray, k: int) -> tuple[np.ndarray, ...]:
    """n, mean and variance (ddof 1) of ``y`` per group code 0..k-1, vectorized."""
    n = np.bincount(codes, minlength=k).astype(float)
    s = np.bincount(codes, weights=y, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = s / n
        ss = np.bincount(codes, weights=(y - m[codes]) ** 2, minlength=k)
        v = ss / (n - 1)
    return n, m, v


def ordered_groups(labels: pd.Series) -> list[Any]:
    """Distinct groups in natural order (numbers numerically, text alphabetically)."""
    uniq = list(pd.unique(labels.dropna()))
    try:
        return sorted(uniq)
    except TypeError:
        return sorted(uniq, key=str)


@dataclass(frozen=True)
class Groups:
    """Group labels factorized once: ordered ``names`` and an integer code per row (-1: none)."""

    names: list[Any]
    codes: np.ndarray

    @classmethod
    def of(cls, labels: pd.Series) -> Groups:
        names = ordered_groups(labels)
        codes = pd.Categorical(labels, categories=names).codes.astype(np.int64)
        return cls(names, codes)

    @functools.cached_property
    def _runs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows in group order (stable: file order within a group), and where each
        group's run starts and ends: sorted once, however many columns are split."""
        order = np.argsort(self.codes, kind="stable")
        ranks = np.arange(len(self.names))
        ordered = self.codes[order]
        return (
            order,
            np.searchsorted(ordered, ranks, "left"),
            np.searchsorted(ordered, ranks, "right"),
        )

    def split(self, y: np.ndarray) -> list[np.ndarray]:
        """The non-missing values of ``y`` for each group, in ``names`` order (each in file
        order)."""
        if not self.names:  # every label missing (or every group hidden): no parts at all
            return []
        order, starts, ends = self._runs
        ys = np.asarray(y)[order]
        parts = []
        for a, b in zip(starts, ends, strict=True):
            part = ys[a:b]
            parts.append(part[~np.isnan(part)])
        return parts


@contextmanager
def quiet_numerics() -> Iterator[None]:
    """Silence scipy/numpy warnings about degenerate data (identical answers, one value): the
    statistics come out NaN and the tables show them blank, which says the same thing."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def quietly(func: F) -> F:
    """Run ``func`` inside :func:`quiet_numerics`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with quiet_numerics():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def suppressed_groups(
    sizes: Mapping[Any, int], min_group_size: int = DEFAULT_MIN_GROUP_SIZE
) -> list[Any]:
    """Groups to hide: those under ``min_group_size``, and when exactly one would be hidden, the
    next smallest too, so that it cannot be worked out from a total (complementary suppression).

    >>> suppressed_groups({"a": 30, "b": 4, "c": 12})
    ['b', 'c']
    >>> suppressed_groups({"a": 30, "b": 4})
    ['b', 'a']
    >>> suppressed_groups({"a": 30, "b": 12})
    []
    """
    order = sorted(sizes, key=lambda g: (sizes[g], str(g)))
    small = [g for g in order if sizes[g] < min_group_size]
    if len(small) == 1 and len(sizes) >= 2:
        small.append(next(g for g in order if g not in small))
    return small

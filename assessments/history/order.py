"""Which wave came first: the one rule the history list, trends, change sentences and tables use.

Waves are ordered by their collection dates when every wave has one. Without dates, the labels'
natural order decides, but only when it is certain: every label must have the same shape (the
same words in the same places, numbers and known period names where they differ), as in
``2023 < 2024``, ``2024 Q2 < 2024 Q10``, ``wave 2 < wave 10``, ``spring 2025 < fall 2025`` or
``March 2025 < May 2025``. When some waves have dates and others not, the labels' order is used
if it agrees with every pair of dates. Otherwise there is no single order, and
:func:`order_waves` raises :class:`WaveOrderError` asking for ``--date``; it never falls back to
the order in which the waves were added.

Examples
--------
>>> order_waves([{"wave": "2026"}, {"wave": "2025"}])
[{'wave': '2025'}, {'wave': '2026'}]
>>> [w["wave"] for w in order_waves([{"wave": "2024 Q10"}, {"wave": "2024 Q2"}])]
['2024 Q2', '2024 Q10']
>>> [w["wave"] for w in order_waves([{"wave": "fall 2025"}, {"wave": "spring 2025"}])]
['spring 2025', 'fall 2025']
>>> try:
...     order_waves([{"wave": "baseline"}, {"wave": "follow-up"}])
... except WaveOrderError as err:
...     print(err.problems[0].message[:60])
the order of the waves 'baseline' and 'follow-up' cannot be
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from ..errors import AssessmentError, Problem

W = TypeVar("W", bound=Mapping[str, Any])

# period names whose place within a year is certain (winter is not: it spans two years)
_PERIODS = {
    **{
        m: k
        for k, names in enumerate(
            (
                ("january", "jan"),
                ("february", "feb"),
                ("march", "mar"),
                ("april", "apr"),
                ("may",),
                ("june", "jun"),
                ("july", "jul"),
                ("august", "aug"),
                ("september", "sep", "sept"),
                ("october", "oct"),
                ("november", "nov"),
                ("december", "dec"),
            ),
            start=1,
        )
        for m in names
    },
}
_SEASONS = {"spring": 1, "summer": 2, "fall": 3, "autumn": 3}
_TOKEN = re.compile(r"\d+|[^\W\d_]+", re.UNICODE)


class WaveOrderError(AssessmentError):
    """The waves have no single order: neither collection dates nor their labels give one."""


def _shape(label: str) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    """The label's words (with numbers and period names as placeholders) and its numbers."""
    shape: list[str] = []
    values: list[int] = []
    for tok in _TOKEN.findall(label.lower()):
        if tok.isdigit():
            shape.append("#")
            values.append(int(tok))
        elif tok in _PERIODS:
            shape.append("<month>")
            values.append(_PERIODS[tok])
        elif tok in _SEASONS:
            shape.append("<season>")
            values.append(_SEASONS[tok])
        else:
            shape.append(tok)
    if not values:
        return None
    return tuple(shape), tuple(values)


def _label_keys(labels: Sequence[str]) -> list[tuple[int, ...]] | None:
    """A sort key per label when the labels' natural order is certain, else None."""
    shapes = [_shape(lab) for lab in labels]
    if any(s is None for s in shapes):
        return None
    forms = {s[0] for s in shapes if s is not None}
    if len(forms) != 1:
        return None
    form = next(iter(forms))
    keys = [s[1] for s in shapes if s is not None]
    if len(set(keys)) != len(keys):
        return None
    # "March 2025": the year is the larger unit even when written after the period name
    kinds = [t for t in form if t == "#" or t.startswith("<")]
    if any(k != "#" for k in kinds):
        years = [i for i, k in enumerate(kinds) if k == "#"]
        named = [i for i, k in enumerate(kinds) if k != "#"]
        if len(years) != 1 or len(named) != 1:
            return None
        return [(k[years[0]], k[named[0]]) for k in keys]
    return keys


def order_waves(waves: Sequence[W], *, label: str = "wave", date: str = "date") -> list[W]:
    """The waves (mappings with a label and an optional ISO date) from earliest to latest.

    Raises
    ------
    WaveOrderError
        When neither the dates nor the labels give one order; the message names the waves
        and asks for a collection date.
    """
    waves = list(waves)
    if len(waves) < 2:
        return waves
    labels = [str(w[label]) for w in waves]
    dates = [w.get(date) or None for w in waves]
    keys = _label_keys(labels)
    if all(dates):
        by_date = sorted(range(len(waves)), key=lambda i: (str(dates[i]), keys[i] if keys else 0))
        ties = [
            (labels[a], labels[b])
            for a, b in itertools.pairwise(by_date)
            if dates[a] == dates[b] and keys is None
        ]
        if ties:
            first, second = ties[0]
            raise WaveOrderError(
                Problem(
                    "wave-order",
                    f"the waves {first!r} and {second!r} have the same collection date and "
                    "their labels do not say which came first",
                    hint="give each wave its own collection date (--date YYYY-MM-DD)",
                )
            )
        return [waves[i] for i in by_date]
    if keys is None:
        undated = [lab for lab, d in zip(labels, dates, strict=True) if not d]
        others = [lab for lab in labels if lab not in undated[:1]]
        raise WaveOrderError(
            Problem(
                "wave-order",
                f"the order of the waves {undated[0]!r} and {others[0]!r} cannot be told from "
                "their labels, and "
                + ("they have" if len(undated) == len(labels) else f"{undated[0]!r} has")
                + " no collection date",
                hint="give every wave its collection date: assess history add ... --date "
                "YYYY-MM-DD --replace (the date of a stored wave is kept when --replace gives "
                "none)",
            )
        )
    by_label = sorted(range(len(waves)), key=lambda i: keys[i])
    dated = [i for i in by_label if dates[i]]
    for a, b in itertools.pairwise(dated):
        if str(dates[a]) > str(dates[b]):
            raise WaveOrderError(
                Problem(
                    "wave-order",
                    f"the labels put {labels[a]!r} before {labels[b]!r} but their dates "
                    f"({dates[a]}, {dates[b]}) say the opposite",
                    hint="give every wave its collection date (--date YYYY-MM-DD), or correct "
                    "the date that is wrong",
                )
            )
    return [waves[i] for i in by_label]

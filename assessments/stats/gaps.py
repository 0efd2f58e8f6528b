"""Perspective gaps: how far two respondent groups differ, domain by domain and item by item.

The analysis RSA reports lead with (e.g. providers versus people in recovery). Each gap is
group ``a``'s mean minus group ``b``'s, with Hedges' g and its interval (see
:mod:`.effects`) and Welch's t-test p (:func:`~.compare.welch_t`, R ``t.test``; NaN when
neither group's answers vary), Holm-adjusted within domains and within items; rows are sorted
by the size of g.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"role": ["p"] * 5 + ["c"] * 5, "x": [4, 5, 4, 5, 4, 2, 3, 2, 3, 3]})
>>> gaps(df, a="p", b="c", by="role", columns=["x"])[["name", "gap"]]
  name  gap
0    x  1.8
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem, ResponseError
from ..instruments import Instrument
from ..scoring import Scores
from ._inputs import (
    DEFAULT_MIN_GROUP_SIZE,
    group_labels,
    quietly,
    score_frame,
    suppressed_groups,
)
from .adjust import holm
from .compare import welch_t
from .effects import hedges_g

COLUMNS = [
    "level",
    "name",
    "label",
    "n_a",
    "mean_a",
    "n_b",
    "mean_b",
    "gap",
    "hedges_g",
    "hedges_g_ci_low",
    "hedges_g_ci_high",
    "p_value",
    "p_adjusted",
    "suppressed",
]


@quietly
def _row(
    level: str, name: str, label: str, xa: np.ndarray, xb: np.ndarray, min_n: int, ci: float | None
) -> dict[str, Any]:
    xa, xb = xa[~np.isnan(xa)], xb[~np.isnan(xb)]
    row: dict[str, Any] = {
        "level": level,
        "name": name,
        "label": label,
        "n_a": len(xa),
        "n_b": len(xb),
    }
    if len(xa) < min_n or len(xb) < min_n:
        return {**row, "suppressed": True}
    g, lo, hi = hedges_g(xa, xb, ci)
    p = welch_t(xa, xb)[2] if len(xa) > 1 and len(xb) > 1 else np.nan
    return {
        **row,
        "mean_a": xa.mean(),
        "mean_b": xb.mean(),
        "gap": xa.mean() - xb.mean(),
        "hedges_g": g,
        "hedges_g_ci_low": lo,
        "hedges_g_ci_high": hi,
        "p_value": float(p),
        "suppressed": False,
    }


def _column(frame: pd.DataFrame, name: str, rows: np.ndarray | None) -> np.ndarray:
    """One column as floats, of the rows marked in ``rows`` (all when None)."""
    x = frame[name].to_numpy(float)
    return x if rows is None else x[rows]


def gaps(
    data: Scores | pd.DataFrame | Mapping[str, Scores],
    a: str,
    b: str,
    by: str | None = None,
    *,
    columns: Sequence[str] | None = None,
    items: bool = True,
    level: float | None = 0.95,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """Differences between groups ``a`` and ``b`` per domain (and item), largest first.

    ``level`` is the confidence level of Hedges' g's interval; None skips the interval (its
    columns are then NaN), for callers that only rank the gaps.

    Parameters
    ----------
    data
        :class:`Scores` or a DataFrame with a ``by`` column holding ``a`` and ``b``; or a mapping
        ``{name: Scores}`` of separately scored groups (e.g. two RSA versions), where ``a`` and
        ``b`` are keys. Items are compared only when both were scored with the same instrument
        and version: the same item id in two versions is not the same question.

    Returns
    -------
    DataFrame
        ``level`` (``domain`` or ``item``), ``name``, ``label``, ``n_a``, ``mean_a``, ``n_b``,
        ``mean_b``, ``gap`` (a - b), ``hedges_g`` with interval, ``p_value``, ``p_adjusted``,
        ``suppressed``.
    """
    if isinstance(data, Mapping):
        missing = [k for k in (a, b) if k not in data]
        if missing:
            raise ResponseError(
                Problem(
                    "unknown-group",
                    "no scores for " + ", ".join(missing),
                    expected="one of " + ", ".join(data),
                )
            )
        sa, sb = data[a], data[b]
        cols = (
            list(columns)
            if columns is not None
            else [c for c in sa.score_columns if c in sb.score_columns]
        )
        fa, fb = sa.respondents, sb.respondents
        same = (sa.instrument.id, sa.instrument.version) == (
            sb.instrument.id,
            sb.instrument.version,
        )
        if same and items:
            sa.require_answers("item gaps")
            sb.require_answers("item gaps")
        ia, ib = (sa.items, sb.items) if same and items else (None, None)
        ma: np.ndarray | None = None
        mb: np.ndarray | None = None
        inst: Instrument | None = sa.instrument
    else:
        if by is None:
            raise ResponseError(Problem("missing-option", "name the group column with by="))
        frame, cols = score_frame(data, columns)
        labels = group_labels(frame, by)
        for g in (a, b):
            if not (labels == g).any():
                raise ResponseError(
                    Problem(
                        "unknown-group",
                        f"no respondents with {by} = {g!r}",
                        expected="one of " + ", ".join(map(str, pd.unique(labels.dropna()))),
                    )
                )
        ma, mb = (labels == a).to_numpy(), (labels == b).to_numpy()
        fa = fb = frame  # each column is taken of each group's rows below: no copied frames
        # the shared rule: a small group, and its complement, are hidden here as everywhere
        sizes = {g: int(n) for g, n in labels.value_counts(dropna=True).items()}
        hidden = suppressed_groups(sizes, min_group_size)
        if a in hidden or b in hidden:
            min_group_size = max(len(frame) + 1, min_group_size)
        ia = ib = None
        if isinstance(data, Scores) and items:
            data.require_answers("item gaps")
            ia = ib = data.items
        inst = data.instrument if isinstance(data, Scores) else None
    names = {d.id: d.name for d in inst.domains} if inst else {}
    rows = [
        _row(
            "domain",
            c,
            names.get(c, c),
            _column(fa, c, ma),
            _column(fb, c, mb),
            min_group_size,
            level,
        )
        for c in cols
    ]
    if ia is not None and ib is not None and inst is not None:
        rows += [
            _row(
                "item",
                i.id,
                inst.item_label(i.id),
                _column(ia, i.id, ma),
                _column(ib, i.id, mb),
                min_group_size,
                level,
            )
            for i in inst.items
        ]
    out = pd.DataFrame(rows).reindex(columns=COLUMNS)
    for lvl in ("domain", "item"):
        sel = (out["level"] == lvl).to_numpy()
        out.loc[sel, "p_adjusted"] = holm(out.loc[sel, "p_value"].to_numpy(float))
    out["_size"] = out["hedges_g"].abs()
    out = out.sort_values(["level", "_size"], ascending=[True, False], na_position="last")
    return out.drop(columns="_size").reset_index(drop=True)

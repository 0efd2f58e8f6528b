"""Did we change since the last wave?

Anonymous waves are compared as independent groups (Welch's t, Hedges' g of after minus
before); matched respondents (``paired_on``) as pairs (paired t, Wilcoxon signed-rank, and the
Jacobson-Truax reliable change index with the domain's alpha from the first wave). t-tests and
Wilcoxon are scipy's; checked in tests/test_waves.py against hand computations.

Examples
--------
>>> import pandas as pd
>>> before = pd.DataFrame({"x": [3, 3, 4, 2, 3, 4]})
>>> after = pd.DataFrame({"x": [4, 4, 5, 3, 4, 4]})
>>> change(before, after, columns=["x"])[["domain", "mean_before", "mean_after", "change"]].round(2)
  domain  mean_before  mean_after  change
0      x         3.17         4.0    0.83
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import Problem, ResponseError
from ..scoring import Scores
from ._inputs import DEFAULT_MIN_GROUP_SIZE, group_labels, quietly, score_frame
from .effects import hedges_g
from .reliability import reliability

RCI_Z = 1.96


@quietly
def _independent(yb: np.ndarray, ya: np.ndarray, level: float) -> dict[str, Any]:
    t = stats.ttest_ind(ya, yb, equal_var=False)
    g, lo, hi = hedges_g(ya, yb, level)
    return {
        "test": "welch_t",
        "statistic": float(t.statistic),
        "df": float(t.df),
        "p_value": float(t.pvalue),
        "hedges_g": g,
        "hedges_g_ci_low": lo,
        "hedges_g_ci_high": hi,
    }


@quietly
def _paired(yb: np.ndarray, ya: np.ndarray, alpha: float) -> dict[str, Any]:
    d = ya - yb
    t = stats.ttest_rel(ya, yb)
    w = stats.wilcoxon(ya, yb) if np.any(d != 0) else None
    out: dict[str, Any] = {
        "test": "paired_t",
        "statistic": float(t.statistic),
        "df": len(d) - 1,
        "p_value": float(t.pvalue),
        "mean_change": float(d.mean()),
        "sd_change": float(d.std(ddof=1)),
        "wilcoxon_v": float(w.statistic) if w else np.nan,
        "wilcoxon_p": float(w.pvalue) if w else np.nan,
    }
    s_diff = yb.std(ddof=1) * np.sqrt(2 * (1 - alpha)) if np.isfinite(alpha) else np.nan
    if np.isfinite(s_diff) and s_diff > 0:
        rci = d / s_diff
        out.update(
            rci_s_diff=s_diff,
            n_reliably_improved=int((rci > RCI_Z).sum()),
            n_reliably_worse=int((rci < -RCI_Z).sum()),
            n_no_reliable_change=int((np.abs(rci) <= RCI_Z).sum()),
        )
    return out


def change(
    before: Scores | pd.DataFrame,
    after: Scores | pd.DataFrame,
    by: str | None = None,
    paired_on: str | None = None,
    *,
    columns: Sequence[str] | None = None,
    level: float = 0.95,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """Change in every domain, scale and total between two waves (per group with ``by``).

    Returns
    -------
    DataFrame
        ``domain``, ``group``, ``n_before``, ``mean_before``, ``sd_before``, ``n_after``,
        ``mean_after``, ``sd_after``, ``change``, ``test``, ``statistic``, ``df``, ``p_value``,
        ``hedges_g`` (+ interval) for independent waves; paired: ``n_pairs``, ``mean_change``,
        ``sd_change``, ``wilcoxon_v``, ``wilcoxon_p``, ``rci_s_diff`` and the counts of
        respondents reliably improved / worse / unchanged (|RCI| > 1.96). ``suppressed``.
    """
    fb, cols = score_frame(before, columns)
    fa, cols_a = score_frame(after, cols)
    alphas: dict[str, float] = {}
    if paired_on is not None and isinstance(before, Scores):
        rel = reliability(before)
        alphas = dict(zip(rel["domain"], rel["raw_alpha"], strict=True))
    if paired_on is not None:
        for f, name in ((fb, "before"), (fa, "after")):
            if paired_on not in f.columns:
                raise ResponseError(
                    Problem("unknown-column", f"no column {paired_on!r} in the {name} wave")
                )
    gb, ga = group_labels(fb, by), group_labels(fa, by)
    groups = sorted(set(pd.unique(gb.dropna())) & set(pd.unique(ga.dropna())), key=str)
    rows = []
    for col in cols:
        for g in groups:
            sb, sa = fb[(gb == g).to_numpy()], fa[(ga == g).to_numpy()]
            row: dict[str, Any] = {"domain": col, "group": g}
            if paired_on is not None:
                m = (
                    sb[[paired_on, col]]
                    .merge(sa[[paired_on, col]], on=paired_on, suffixes=("_b", "_a"))
                    .dropna()
                )
                yb, ya = m[f"{col}_b"].to_numpy(float), m[f"{col}_a"].to_numpy(float)
                row["n_pairs"] = len(m)
            else:
                yb, ya = sb[col].dropna().to_numpy(float), sa[col].dropna().to_numpy(float)
            row.update(
                n_before=len(yb),
                mean_before=yb.mean() if len(yb) else np.nan,
                sd_before=yb.std(ddof=1) if len(yb) > 1 else np.nan,
                n_after=len(ya),
                mean_after=ya.mean() if len(ya) else np.nan,
                sd_after=ya.std(ddof=1) if len(ya) > 1 else np.nan,
            )
            if min(len(yb), len(ya)) < min_group_size:
                rows.append({**row, "suppressed": True})
                continue
            row["change"] = row["mean_after"] - row["mean_before"]
            if paired_on is not None:
                row.update(_paired(yb, ya, alphas.get(col, np.nan)))
            else:
                row.update(_independent(yb, ya, level))
            rows.append({**row, "suppressed": False})
    order = [
        "domain",
        "group",
        "n_before",
        "mean_before",
        "sd_before",
        "n_after",
        "mean_after",
        "sd_after",
        "change",
        "test",
        "statistic",
        "df",
        "p_value",
        "hedges_g",
        "hedges_g_ci_low",
        "hedges_g_ci_high",
    ]
    if paired_on is not None:
        order = [
            *order[:2],
            "n_pairs",
            *order[2:13],
            "mean_change",
            "sd_change",
            "wilcoxon_v",
            "wilcoxon_p",
            "rci_s_diff",
            "n_reliably_improved",
            "n_reliably_worse",
            "n_no_reliable_change",
        ]
    del cols_a
    return pd.DataFrame(rows).reindex(columns=[*order, "suppressed"])

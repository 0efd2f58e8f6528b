"""How do we compare with published figures or a benchmark (e.g. a state average)?

Published norms live in the instrument file (ORCA: subscale means and SDs from Helfrich et al.
2009); a user benchmark file adds more. For each target the table gives the difference, the
difference in units of the norm's SD, Hedges' g with the pooled SD when the norm's SD and n are
known, and Welch's t-test from summary statistics (``scipy.stats.ttest_ind_from_stats``, as
:func:`.distributions.welch_from_stats`).

Examples
--------
>>> import pandas as pd
>>> bench = pd.DataFrame({"target": ["x"], "mean": [3.0], "sd": [1.0], "n": [50], "source": ["s"]})
>>> df = pd.DataFrame({"x": [3.5, 4.0, 4.5, 3.0, 4.0]})
>>> norms(df, benchmarks=bench, columns=["x"])[["target", "difference", "standardized_difference"]]
  target  difference  standardized_difference
0      x         0.8                      0.8
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputFileError, Problem
from ..scoring import Scores
from ._inputs import quietly, score_frame
from .distributions import welch_from_stats

BENCHMARK_COLUMNS = ["target", "mean", "sd", "n", "source", "sample"]


def load_benchmarks(path: str | Path) -> pd.DataFrame:
    """Read a benchmark CSV with columns ``target, mean`` and optional ``sd, n, source, sample``."""
    p = Path(path)
    from ..io.guard import protect

    protect(p)
    try:
        df = pd.read_csv(p)
    except (OSError, pd.errors.ParserError) as exc:
        raise InputFileError(
            Problem("benchmark-file", f"cannot read benchmarks: {exc}", file=str(p))
        ) from None
    missing = [c for c in ("target", "mean") if c not in df.columns]
    if missing:
        raise InputFileError(
            Problem(
                "benchmark-file",
                "missing column(s) " + ", ".join(missing),
                file=str(p),
                expected="target, mean[, sd, n, source, sample]",
            )
        )
    return df.reindex(columns=BENCHMARK_COLUMNS)


@quietly
def norms(
    data: Scores | pd.DataFrame,
    *,
    benchmarks: pd.DataFrame | str | Path | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Compare our score means with published norms and benchmarks.

    Returns
    -------
    DataFrame
        ``target``, ``source``, ``sample``, ``n``, ``mean``, ``sd``, ``norm_n``, ``norm_mean``,
        ``norm_sd``, ``difference``, ``standardized_difference`` (difference / norm SD),
        ``hedges_g``, ``p_value``. Only targets present in both are listed.
    """
    frame, cols = score_frame(data, columns)
    refs: list[dict[str, Any]] = []
    if isinstance(data, Scores):
        refs += [
            {
                "target": n.target,
                "mean": n.mean,
                "sd": n.sd,
                "n": n.n,
                "source": n.source,
                "sample": n.sample,
            }
            for n in data.instrument.norms
        ]
    if benchmarks is not None:
        bench = benchmarks if isinstance(benchmarks, pd.DataFrame) else load_benchmarks(benchmarks)
        bench = bench.reindex(columns=BENCHMARK_COLUMNS)
        refs += [{str(k): v for k, v in r.items()} for r in bench.to_dict("records")]
    rows = []
    for ref in refs:
        if ref["target"] not in cols:
            continue
        y = frame[ref["target"]].dropna().to_numpy(float)
        n, m = len(y), y.mean() if len(y) else np.nan
        sd = y.std(ddof=1) if n > 1 else np.nan
        nm, ns, nn = float(ref["mean"]), ref.get("sd"), ref.get("n")
        ns = float(ns) if ns is not None and pd.notna(ns) else np.nan
        nn = float(nn) if nn is not None and pd.notna(nn) else np.nan
        g = p = np.nan
        if np.isfinite(ns) and np.isfinite(nn) and n > 1:
            pooled = np.sqrt(((n - 1) * sd**2 + (nn - 1) * ns**2) / (n + nn - 2))
            g = (m - nm) / pooled * (1 - 3 / (4 * (n + nn) - 9))
            p = welch_from_stats(m, sd, n, nm, ns, nn)[1]
        rows.append(
            {
                "target": ref["target"],
                "source": ref.get("source"),
                "sample": ref.get("sample"),
                "n": n,
                "mean": m,
                "sd": sd,
                "norm_n": nn,
                "norm_mean": nm,
                "norm_sd": ns,
                "difference": m - nm,
                "standardized_difference": (m - nm) / ns if np.isfinite(ns) else np.nan,
                "hedges_g": g,
                "p_value": float(p),
            }
        )
    order = [
        "target",
        "source",
        "sample",
        "n",
        "mean",
        "sd",
        "norm_n",
        "norm_mean",
        "norm_sd",
        "difference",
        "standardized_difference",
        "hedges_g",
        "p_value",
    ]
    return pd.DataFrame(rows).reindex(columns=order)

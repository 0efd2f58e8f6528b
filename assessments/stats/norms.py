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
#: a network benchmark file (``assess benchmarks --from-history``) also has: its unit
#: ("agencies": the figures are of agency means) and the quantiles of the agency means
NETWORK_COLUMNS = ["unit", "q1", "median", "q3", *(f"p{k}" for k in range(10, 100, 10))]


def place_among(value: float, ref: dict[str, Any]) -> str:
    """Where a mean stands among a network's agencies, from the benchmark's deciles (else its
    quartiles), by linear interpolation between them, to the nearest 5%.

    >>> ref = {"n": 40, **{f"p{k}": k / 100 for k in range(10, 100, 10)}}
    >>> place_among(0.62, ref)
    'higher than about 60% of the 40 agencies in the network'
    >>> place_among(0.05, ref)
    'among the lowest 10% of the 40 agencies in the network'
    >>> place_among(3.4, {"n": 6, "q1": 3.0, "median": 3.5, "q3": 3.9})
    'higher than about 45% of the 6 agencies in the network'
    """
    deciles = [(k, ref.get(f"p{k}")) for k in range(10, 100, 10)]
    points = [(k, float(v)) for k, v in deciles if v is not None and pd.notna(v)]
    if len(points) < 9:
        quartiles = [(25, ref.get("q1")), (50, ref.get("median")), (75, ref.get("q3"))]
        points = [(k, float(v)) for k, v in quartiles if v is not None and pd.notna(v)]
    if not points or not np.isfinite(value):
        return ""
    k = int(ref.get("n") or 0)
    agencies = f"of the {k} agencies in the network" if k else "of the agencies in the network"
    if value < points[0][1]:
        return f"among the lowest {points[0][0]}% {agencies}"
    if value > points[-1][1]:
        return f"among the highest {100 - points[-1][0]}% {agencies}"
    below = max(i for i, (_, v) in enumerate(points) if v <= value)
    above = min(i for i, (_, v) in enumerate(points) if v >= value)
    (p0, v0), (p1, v1) = points[below], points[above]
    pct = (p0 + p1) / 2 if v1 == v0 else p0 + (p1 - p0) * (value - v0) / (v1 - v0)
    return f"higher than about {int(5 * round(pct / 5))}% {agencies}"


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
    return df.reindex(columns=[*BENCHMARK_COLUMNS, *NETWORK_COLUMNS])


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
        bench = bench.reindex(columns=[*BENCHMARK_COLUMNS, *NETWORK_COLUMNS])
        refs += [{str(k): v for k, v in r.items()} for r in bench.to_dict("records")]
    rows = []
    for ref in refs:
        if ref["target"] not in cols or pd.isna(ref.get("mean")):
            continue  # a network figure suppressed for too few agencies has no mean
        y = frame[ref["target"]].dropna().to_numpy(float)
        n, m = len(y), y.mean() if len(y) else np.nan
        sd = y.std(ddof=1) if n > 1 else np.nan
        nm, ns, nn = float(ref["mean"]), ref.get("sd"), ref.get("n")
        ns = float(ns) if ns is not None and pd.notna(ns) else np.nan
        nn = float(nn) if nn is not None and pd.notna(nn) else np.nan
        g = p = np.nan
        network = ref.get("unit") == "agencies"  # its SD and n are of agency means
        ns_std = np.nan if network else ns  # no "in SD units" of another level's SD
        if not network and np.isfinite(ns) and np.isfinite(nn) and n > 1:
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
                "standardized_difference": (m - nm) / ns_std if np.isfinite(ns_std) else np.nan,
                "hedges_g": g,
                "p_value": float(p),
                "place": place_among(m, ref) if network else "",
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
        "place",
    ]
    return pd.DataFrame(rows).reindex(columns=order)

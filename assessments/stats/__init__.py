"""Statistics on scores: reliability, group comparisons, agreement, gaps, norms, waves, and
factor structure (:mod:`assessments.stats.structure`).

Every function takes :class:`~assessments.Scores` (or a DataFrame plus column names) and returns
a tidy DataFrame with stable snake_case columns; each names the reference it was checked against.
"""

from .adjust import adjust, bh, holm
from .agreement import agreement, icc, rwg_j
from .compare import compare, describe
from .confirmatory import cfa
from .effects import cliffs_delta, hedges_g
from .exploratory import efa, parallel_analysis
from .gaps import gaps
from .norms import load_benchmarks, norms
from .posthoc import posthoc
from .reliability import item_reliability, omega_h, omega_total, reliability
from .waves import change

__all__ = [
    "adjust",
    "agreement",
    "bh",
    "cfa",
    "change",
    "cliffs_delta",
    "compare",
    "describe",
    "efa",
    "gaps",
    "hedges_g",
    "holm",
    "icc",
    "item_reliability",
    "load_benchmarks",
    "norms",
    "omega_h",
    "omega_total",
    "parallel_analysis",
    "posthoc",
    "reliability",
    "rwg_j",
]

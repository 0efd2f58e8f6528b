"""Corrections for testing several domains or pairs at once.

Checked against R ``p.adjust`` on hand-worked vectors (tests/test_compare.py); Benjamini-
Hochberg also against ``scipy.stats.false_discovery_control``.

Examples
--------
>>> holm([0.01, 0.04, 0.03])
array([0.03, 0.06, 0.06])
>>> bh([0.01, 0.04, 0.03])
array([0.03, 0.04, 0.04])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

Correction = Literal["holm", "fdr_bh", "none"]


def holm(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment; NaN entries are left out and stay NaN."""
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    adj = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adj, 1.0)
    return out


def bh(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg false discovery rate adjustment; NaN entries stay NaN."""
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")][::-1]
    ranks = np.arange(m, 0, -1)
    adj = np.minimum.accumulate(p[order] * m / ranks)
    out[order] = np.minimum(adj, 1.0)
    return out


def adjust(p: Sequence[float] | np.ndarray, method: Correction) -> np.ndarray:
    """Adjust ``p`` with ``"holm"``, ``"fdr_bh"`` or ``"none"``."""
    if method == "holm":
        return holm(p)
    if method == "fdr_bh":
        return bh(p)
    return np.asarray(p, dtype=float).copy()

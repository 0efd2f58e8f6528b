"""Benchmark: comparisons on 100,000 respondents in 20 groups (issue 4: "runs in seconds").

Scores generated ORCA answers (77 items, 22 scores), then times each statistic separately.

Run: python benchmarks/bench_compare.py [N] [GROUPS]
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from assessments import load_instrument, score
from assessments.stats import agreement, compare, describe, posthoc, reliability


def timed(label: str, func, *args, **kwargs):
    t0 = time.perf_counter()
    out = func(*args, **kwargs)
    print(f"{label:<44} {time.perf_counter() - t0:6.2f} s")
    return out


def main(n: int = 100_000, groups: int = 20) -> None:
    inst = load_instrument("orca")
    rng = np.random.default_rng(7)
    g = rng.integers(0, groups, n)
    shift = rng.normal(0, 0.3, groups)[g][:, None]
    x = np.clip(np.rint(3.6 + shift + rng.normal(0, 0.9, (n, len(inst.items)))), 1, 5)
    df = pd.DataFrame(x, columns=list(inst.item_ids))
    df["site"] = [f"site {k:02d}" for k in g]
    print(f"{n:,} respondents, {groups} groups, {len(inst.items)} items, 22 scores")
    s = timed("score", score, df, inst)
    timed("describe (22 scores)", describe, s, "site")
    timed("compare: Welch, ANOVA, Kruskal, effect sizes", compare, s, "site")
    timed("posthoc Games-Howell (22 x 190 pairs)", posthoc, s, "site")
    timed("reliability (19 domains)", reliability, s)
    timed("agreement + ICC, 1000 bootstrap resamples", agreement, s, "site")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)

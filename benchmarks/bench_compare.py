"""Benchmark: comparisons on 100,000 respondents in many sites (issues 4 and 13).

Scores generated ORCA answers (77 items, 22 scores), then times each statistic separately and
reports the peak memory. Issue 13's goals: Games-Howell over every pair for 49 groups x 22
scores under 5 s, 200 groups x 22 under 60 s and 1 GB; ``assess agreement`` at 200 groups
under 2 s.

Run: python benchmarks/bench_compare.py [N] [GROUPS]   (e.g. 100000 49, 100000 200)
"""

from __future__ import annotations

import resource
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
    pairs = groups * (groups - 1) // 2
    timed("posthoc default (auto)", posthoc, s, "site")
    timed(f"posthoc Games-Howell (22 x {pairs} pairs)", posthoc, s, "site", method="games-howell")
    timed("reliability (19 domains)", reliability, s)
    timed("agreement + ICC (F intervals)", agreement, s, "site")
    timed("agreement + ICC (cluster bootstrap, 1000)", agreement, s, "site", ci="cluster_bootstrap")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak memory':<44} {peak:6.0f} MB")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)

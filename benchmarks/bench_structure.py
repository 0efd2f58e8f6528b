"""Benchmark: structure checks of ORCA's 77 items and 19-subscale key (issue 19).

Simulates answers that follow the key (each item loads .55-.80 on its subscale, subscales
correlate .5, answers cut to the 1-5 scale, 3% left blank), scores them, then times the
parallel analysis, the EFA and the CFA (ML and DWLS) separately and reports peak memory.
Issue 19's goal: the CFA of the 77 items on 10,000 respondents in under 10 s.

Run: python benchmarks/bench_structure.py [N]   (default 10000)
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
import pandas as pd

from assessments import load_instrument, score
from assessments.stats.structure import cfa, efa, parallel_analysis


def timed(label: str, func, *args, **kwargs):
    t0 = time.perf_counter()
    out = func(*args, **kwargs)
    print(f"{label:<44} {time.perf_counter() - t0:6.2f} s")
    return out


def answers(n: int, seed: int = 19) -> pd.DataFrame:
    inst = load_instrument("orca")
    domains = [d.id for d in inst.scored_domains]
    of = {i: next(d.id for d in inst.scored_domains if i in d.items) for i in inst.item_ids}
    rng = np.random.default_rng(seed)
    m = len(domains)
    phi = np.full((m, m), 0.5) + 0.5 * np.eye(m)
    factors = rng.multivariate_normal(np.zeros(m), phi, size=n)
    cols = {}
    for item in inst.item_ids:
        lam = rng.uniform(0.55, 0.8)
        z = lam * factors[:, domains.index(of[item])] + np.sqrt(1 - lam**2) * rng.normal(size=n)
        x = np.digitize(z, [-1.6, -0.7, 0.3, 1.2]) + 1.0
        x[rng.random(n) < 0.03] = np.nan
        cols[item] = x
    return pd.DataFrame(cols)


def main(n: int = 10_000) -> None:
    df = answers(n)
    print(f"{n:,} respondents, {df.shape[1]} items, 19 subscales")
    s = timed("score", score, df, "orca")
    pa = timed("parallel analysis (20 resamples)", parallel_analysis, s)
    timed(f"EFA, {pa.suggested_factors} factors, minres + oblimin", efa, s, pa.suggested_factors)
    ml = timed("CFA, ML (pairwise)", cfa, s)
    dw = timed("CFA, DWLS on polychoric correlations", cfa, s, estimator="dwls")
    for fit in (ml, dw):
        print(
            f"  {fit.estimator}: chisq {fit.chisq:.1f} on {fit.df} df, CFI {fit.cfi:.3f}, "
            f"RMSEA {fit.rmsea:.3f}, verdict {fit.verdict}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak memory':<44} {peak:6.0f} MB")


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:]])

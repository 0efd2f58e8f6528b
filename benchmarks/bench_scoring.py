"""Benchmark: score 1,000,000 respondents x 77 ORCA items, next to bare numpy.

The bare computation is what any scorer must do at least: reverse three items, then for each of
the 19 subscales the mean of the answered items with the half rule, then the three scale means.
The library must stay within 2x of it (issue 2). R psych::scoreItems takes about 34 s here.

Run: python benchmarks/bench_scoring.py [N]
"""

from __future__ import annotations

import resource
import sys
import time
import warnings

import numpy as np
import pandas as pd

from assessments import load_instrument, score


def bare_numpy(x: np.ndarray, inst) -> dict[str, np.ndarray]:
    x = x.copy()
    pos = {iid: j for j, iid in enumerate(inst.item_ids)}
    for it in inst.items:
        if it.reverse:
            x[:, pos[it.id]] = 6 - x[:, pos[it.id]]
    out = {}
    for d in inst.domains:
        sub = x[:, [pos[i] for i in d.items]]
        n = np.sum(~np.isnan(sub), axis=1)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
            out[d.id] = np.where(n >= d.min_items(), np.nanmean(sub, axis=1), np.nan)
    for s in inst.composites:
        sub = np.column_stack([out[d] for d in s.domains])
        out[s.id] = sub.mean(axis=1)  # NaN when any subscale is missing (min_answered = 1)
    return out


def main(n: int = 1_000_000) -> None:
    inst = load_instrument("orca")
    rng = np.random.default_rng(1)
    x = rng.integers(1, 6, size=(n, len(inst.items))).astype("float64")
    x[rng.random(x.shape) < 0.05] = np.nan
    df = pd.DataFrame(x, columns=list(inst.item_ids))

    t0 = time.perf_counter()
    ref = bare_numpy(x, inst)
    t_bare = time.perf_counter() - t0

    t0 = time.perf_counter()
    s = score(df, inst)
    t_lib = time.perf_counter() - t0

    got = s.respondents
    for key in ("research_evidence", "project_resources", "evidence", "facilitation"):
        np.testing.assert_allclose(got[key].to_numpy(), ref[key][got.index], rtol=1e-9)
    print(f"respondents x items : {n:,} x {len(inst.items)}")
    print(f"bare numpy          : {t_bare:6.2f} s")
    print(f"assessments.score   : {t_lib:6.2f} s  ({t_lib / t_bare:.2f}x bare numpy)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (process): {peak:,.0f} MB; the input matrix is {x.nbytes / 1e6:,.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)

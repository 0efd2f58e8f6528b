"""Benchmark: score 10k to 1M respondents x 77 ORCA items, next to bare numpy.

The bare computation is what any scorer must do at least: reverse three items, then for each of
the 19 subscales the mean of the answered items with the half rule, then the three scale means.
The goal is at most 1.2x of it at every size from 10k respondents up (issue 14): the library
also checks every answer against the scale and counts each cell's status, which the bare
computation does not. R psych::scoreItems takes about 34 s at 1M.

Run: python benchmarks/bench_scoring.py [N ...]   (default 10k, 100k, 200k and 1M)
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


def measure(n: int, inst, repeats: int) -> tuple[float, float]:
    """Best of ``repeats`` runs of each, alternating, on the same ``n`` x 77 answers."""
    rng = np.random.default_rng(1)
    x = rng.integers(1, 6, size=(n, len(inst.items))).astype("float64")
    x[rng.random(x.shape) < 0.05] = np.nan
    df = pd.DataFrame(x, columns=list(inst.item_ids))
    t_bare, t_lib = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ref = bare_numpy(x, inst)
        t_bare.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        s = score(df, inst)
        t_lib.append(time.perf_counter() - t0)
    got = s.respondents
    for key in ("research_evidence", "project_resources", "evidence", "facilitation"):
        np.testing.assert_allclose(got[key].to_numpy(), ref[key][got.index], rtol=1e-9)
    return min(t_bare), min(t_lib)


def main(sizes: list[int]) -> None:
    inst = load_instrument("orca")
    print(f"ORCA, {len(inst.items)} items; best of several runs each")
    print(f"{'respondents':>12} {'bare numpy':>11} {'score()':>9} {'ratio':>6}")
    for n in sizes:
        repeats = 3 if n >= 500_000 else (9 if n >= 100_000 else 31)
        t_bare, t_lib = measure(n, inst, repeats)
        print(f"{n:>12,} {t_bare:>10.3f}s {t_lib:>8.3f}s {t_lib / t_bare:>5.2f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (process): {peak:,.0f} MB")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000, 200_000, 1_000_000])

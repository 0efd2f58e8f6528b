"""Benchmark: the toolkit's work with one BLAS thread, quiet and beside busy processes (issue 32).

Each case runs quiet, then beside two processes that keep both cores busy, with NumPy's BLAS as
the user has it (OpenBLAS: a thread per core) and as the toolkit now runs its own calls (one
thread, ``assessments.threads``). Cases: a parallel analysis of 30 items on 1,000 respondents
(R psych ``fa.parallel``: 3.7-5.7 s for the same under load, as the issue measured), scoring
200,000 ORCA respondents next to the bare numpy computation, and the multi-group invariance of
ORCA's 77 items across 4 groups of 2,500.

Run: python benchmarks/bench_threads.py [cases ...]   (default: parallel score invariance)
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits


def busy(k: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(k)]


def timed(func) -> float:
    t0 = time.perf_counter()
    func()
    return time.perf_counter() - t0


def parallel_case():
    from assessments.stats import exploratory
    from assessments.stats.structure import parallel_analysis

    rng = np.random.default_rng(0)
    f = rng.normal(size=(1000, 3))
    x = np.repeat(f, 10, axis=1) * 0.7 + rng.normal(size=(1000, 30))
    df = pd.DataFrame(np.clip(np.round(3 + x), 1, 5), columns=[f"q{i}" for i in range(30)])
    raw = exploratory.parallel_analysis.__wrapped__  # the same work without the toolkit's scope
    return (lambda: raw(df)), (lambda: parallel_analysis(df))


def score_case():
    """200,000 ORCA respondents' numeric answers (5% blank), as bench_scoring.py makes them."""
    from bench_scoring import bare_numpy

    from assessments import load_instrument, score
    from assessments.scoring import engine

    inst = load_instrument("orca")
    rng = np.random.default_rng(1)
    x = rng.integers(1, 6, size=(200_000, len(inst.items))).astype("float64")
    x[rng.random(x.shape) < 0.05] = np.nan
    df = pd.DataFrame(x, columns=list(inst.item_ids))
    raw = engine.score.__wrapped__
    return (lambda: raw(df, inst)), (lambda: score(df, inst)), (lambda: bare_numpy(x, inst))


def invariance_case():
    from assessments import load_instrument
    from assessments.stats import invariance as inv

    inst = load_instrument("orca")
    domains = {d.id: list(d.items) for d in inst.scored_domains}
    rng = np.random.default_rng(4)
    m = len(domains)
    phi = np.full((m, m), 0.5) + 0.5 * np.eye(m)
    n = 10_000
    factors = rng.multivariate_normal(np.zeros(m), phi, size=n)
    cols = {}
    for k, (_d, items) in enumerate(domains.items()):
        for item in items:
            cols[item] = np.clip(np.round(3 + 0.8 * factors[:, k] + rng.normal(size=n)), 1, 5)
    df = pd.DataFrame(cols)
    df["group"] = np.repeat(["a", "b", "c", "d"], n // 4)
    raw = inv.invariance.__wrapped__
    return (lambda: raw(df, "group", domains, partial=False)), (
        lambda: inv.invariance(df, "group", domains, partial=False)
    )


def ordinal_case():
    """The ordinal (WLSMV) invariance of a 30-item, three-factor key across 4 groups of 500."""
    from assessments.stats import invariance as inv

    rng = np.random.default_rng(5)
    n, k = 2000, 3
    factors = rng.multivariate_normal(np.zeros(k), np.full((k, k), 0.4) + 0.6 * np.eye(k), n)
    cols = {f"q{i}": np.clip(np.round(3 + 0.8 * factors[:, i // 10] + rng.normal(size=n)), 1, 5)
            for i in range(30)}  # fmt: skip
    df = pd.DataFrame(cols)
    df["group"] = np.repeat(["a", "b", "c", "d"], n // 4)
    domains = {f"f{j}": [f"q{i}" for i in range(10 * j, 10 * j + 10)] for j in range(k)}
    raw = inv.invariance.__wrapped__
    return (lambda: raw(df, "group", domains, partial=False, estimator="dwls")), (
        lambda: inv.invariance(df, "group", domains, partial=False, estimator="dwls")
    )


CASES = {
    "parallel": parallel_case,
    "score": score_case,
    "invariance": invariance_case,
    "ordinal": ordinal_case,
}


def main(names: list[str]) -> None:
    """Each case quiet and beside two busy processes: best of three runs of each (the user's
    BLAS, the toolkit's scope, and for scoring the bare numpy floor in the same conditions)."""
    for name in names:
        as_user, as_toolkit, *floor = CASES[name]()
        as_toolkit()  # warm up imports
        for load in (0, 2):
            procs = busy(load)
            try:
                time.sleep(0.5)
                with threadpool_limits(limits=None):
                    user = min(timed(as_user) for _ in range(3))
                tool = min(timed(as_toolkit) for _ in range(3))
                bare = min(timed(floor[0]) for _ in range(3)) if floor else None
            finally:
                for p in procs:
                    p.kill()
            where = "quiet" if not load else "2 busy processes"
            line = f"{name:<11} {where:<17} user's BLAS {user:6.2f} s   one thread {tool:6.2f} s"
            if bare is not None:
                line += f"   numpy floor {bare:6.2f} s ({tool / bare:.2f}x)"
            print(line, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or list(CASES))

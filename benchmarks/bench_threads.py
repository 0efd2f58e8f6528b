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
    from assessments import score
    from assessments.demo import demo_responses
    from assessments.scoring import engine

    df = demo_responses("orca", n=20_000, seed=1)
    df = pd.concat([df] * 10, ignore_index=True)
    df["respondent_id"] = range(len(df))
    raw = engine.score.__wrapped__
    return (lambda: raw(df, "orca", on_invalid="missing")), (
        lambda: score(df, "orca", on_invalid="missing")
    )


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


CASES = {"parallel": parallel_case, "score": score_case, "invariance": invariance_case}


def main(names: list[str]) -> None:
    for name in names:
        as_user, as_toolkit = CASES[name]()
        as_toolkit()  # warm up imports
        for load in (0, 2):
            procs = busy(load)
            try:
                time.sleep(0.5)
                with threadpool_limits(limits=None):
                    user = timed(as_user)
                tool = timed(as_toolkit)
            finally:
                for p in procs:
                    p.kill()
            where = "quiet" if not load else "2 busy processes"
            print(f"{name:<11} {where:<17} user's BLAS {user:6.2f} s   one thread {tool:6.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:] or list(CASES))

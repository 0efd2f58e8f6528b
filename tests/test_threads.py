"""Issue 32: the toolkit's own computations run with one BLAS thread, scoped to their call;
the user's setting is the same before and after (benchmarks/bench_threads.py measures it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_info, threadpool_limits

from assessments.threads import all_blas_threads, one_blas_thread


def blas_threads() -> int:
    return max(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")


def test_one_thread_inside_and_the_users_setting_after():
    seen = []

    @one_blas_thread
    def inside():
        seen.append(blas_threads())
        with all_blas_threads():  # a large product asks for the threads back
            seen.append(blas_threads())

    with threadpool_limits(limits=2, user_api="blas"):
        inside()
        assert blas_threads() == 2
    assert seen[0] == 1
    assert seen[1] >= 1


def test_the_entry_points_are_scoped():
    from assessments.scoring import engine
    from assessments.stats import confirmatory, exploratory, invariance, structure

    for func in (
        engine.score,
        exploratory.parallel_analysis,
        exploratory.efa,
        confirmatory.cfa,
        invariance.invariance,
        structure.structure,
    ):
        assert hasattr(func, "__wrapped__"), func
    rng = np.random.default_rng(1)
    x = pd.DataFrame(rng.normal(size=(200, 6)), columns=list("abcdef"))
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        exploratory.parallel_analysis(x)
        assert blas_threads() == before

"""Benchmark: an assessment history of 50 waves x 20,000 respondents x 77 ORCA items (issue 20).

Scores one generated ORCA wave of N respondents, stores it W times under different labels (the
content does not change the cost), then times: adding a wave, ``History.waves()`` (what
``assess history list`` shows), ``assess history list`` as a command (process start included),
loading one whole wave, and the trend report's data load (``History.series``: every wave's
scores). Issue 20's goals: list under 0.5 s and the trend data under 2 s on that store.

Run: python benchmarks/bench_history.py [WAVES] [N] [STORE]
     (default 50 20000 and a SQLite file in a temporary folder; STORE may be postgresql://...)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assessments import score
from assessments.demo import demo_responses
from assessments.history import History


def timed(label: str, func, *args, **kwargs):
    t0 = time.perf_counter()
    out = func(*args, **kwargs)
    print(f"{label:<52} {time.perf_counter() - t0:7.2f} s")
    return out


def main(waves: int = 50, n: int = 20_000, store: str | None = None) -> None:
    store = store or str(Path(tempfile.mkdtemp()) / "history.sqlite")
    print(f"{waves} waves x {n:,} respondents x 77 items in {store}")
    scores = timed(
        "score one wave", score, demo_responses("orca", n=n, seed=1), "orca", on_invalid="missing"
    )
    history = History(store)
    t0 = time.perf_counter()
    for k in range(waves):
        history.add(
            scores,
            org="Benchmark Agency",
            wave=f"{2000 + k}",
            date=f"{2000 + k}-01-01",
            replace=True,
        )
    total = time.perf_counter() - t0
    print(f"{'add a wave (mean of ' + str(waves) + ')':<52} {total / waves:7.2f} s")
    if not store.startswith("postgres"):
        print(f"{'store size':<52} {Path(store).stat().st_size / 1e6:7.0f} MB")
    timed("History.waves() (the list)", history.waves)
    env = {**os.environ, "ASSESS_STORE": store}
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "assessments", "history", "list"],
        env=env,
        check=True,
        capture_output=True,
    )
    print(
        f"{'assess history list (command, process start included)':<52} "
        f"{time.perf_counter() - t0:7.2f} s"
    )
    timed("load one whole wave", history.load, "Benchmark Agency", "2000")
    series = timed(
        "trend data: every wave's scores (History.series)",
        history.series,
        "Benchmark Agency",
        "orca",
    )
    assert len(series) == waves


if __name__ == "__main__":
    args = sys.argv[1:]
    main(
        int(args[0]) if args else 50,
        int(args[1]) if len(args) > 1 else 20_000,
        args[2] if len(args) > 2 else None,
    )

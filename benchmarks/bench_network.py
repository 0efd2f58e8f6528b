"""Benchmark: a state network on one store (issue 34): 300 agencies x 100 respondents x 3 waves
of ORIC (900 waves). Times adding them, ``assess history list`` (the command, process start
included) and ``assess benchmarks --from-history`` (each agency's latest wave).

Run: python benchmarks/bench_network.py [STORE]   (default: a SQLite file in a temporary folder;
a postgresql:// URL of an empty database for PostgreSQL)

Measured (2 cores): SQLite: adding 900 waves 6.6 s, list 0.42 s, benchmarks 2.3 s; PostgreSQL 15:
adding 24 s, list 0.55 s (1.03 s before long lists were printed as aligned text), benchmarks
2.4 s (9.5 s before one transaction read every agency's scores).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assessments import score
from assessments.demo import demo_responses
from assessments.history.store import History


def main(store: str) -> None:
    waves = [score(demo_responses("oric", n=100, seed=k), "oric", on_invalid="missing")
             for k in range(3)]  # fmt: skip
    t0 = time.perf_counter()
    with History(store, create=True) as h:
        for a in range(300):
            for w, year in enumerate(("2024", "2025", "2026")):
                h.add(waves[w], org=f"Agency {a + 1:03d}", wave=year, date=f"{year}-05-01")
    print(f"add 900 waves        {time.perf_counter() - t0:6.2f} s")
    for name, args in (
        ("history list", ["history", "list"]),
        ("benchmarks", ["benchmarks", "--from-history", "-i", "oric", "-o",
                        str(Path(tempfile.mkdtemp()) / "network.csv")]),
    ):  # fmt: skip
        t0 = time.perf_counter()
        subprocess.run(["assess", *args, "--store", store], check=True, capture_output=True)
        print(f"{name:<20} {time.perf_counter() - t0:6.2f} s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(tempfile.mkdtemp()) / "network.sqlite"))

"""Benchmark: a state network on one store (issue 34): 300 agencies x 100 respondents x 3 waves
of ORIC (900 waves). Times adding them, ``assess history list`` (the command, process start
included), ``assess benchmarks --from-history`` (each agency's latest wave), and an agency's
report as the web page builds it in network mode (the benchmarks read from the store, then the
PDF, HTML and Excel set) beside the same report without the network.

Run: python benchmarks/bench_network.py [STORE]   (default: a SQLite file in a temporary folder;
a postgresql:// URL of an empty database for PostgreSQL)

Measured (2 cores): SQLite: adding 900 waves 6.6 s, list 0.42 s, benchmarks 2.3 s; PostgreSQL 15:
adding 24 s, list 0.55 s (1.03 s before long lists were printed as aligned text), benchmarks
2.4 s (9.5 s before one transaction read every agency's scores).
An agency's report (100 respondents, PDF + HTML + Excel, best of 2): SQLite 0.92 s alone, 1.29 s
with the network's benchmarks read from the 300 agencies; PostgreSQL 0.94 s and 1.34 s.
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
    # an agency's report as the page builds it in network mode (the network's benchmarks read
    # from the store, then the report set), beside the same report without them (best of 2)
    from assessments.network import network_benchmarks
    from assessments.render import write_report

    own = score(demo_responses("oric", n=100, seed=99), "oric", on_invalid="missing")
    for name, network in (("report", False), ("report + network", True)):
        best = float("inf")
        for _ in range(2):
            t0 = time.perf_counter()
            bench = None
            if network:
                with History(store, actor="bench@agency.example") as h:
                    bench = network_benchmarks(h, "oric").table
            write_report(own, Path(tempfile.mkdtemp()), by="role", n_boot=0, benchmarks=bench)
            best = min(best, time.perf_counter() - t0)
        print(f"{name:<20} {best:6.2f} s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(tempfile.mkdtemp()) / "network.sqlite"))

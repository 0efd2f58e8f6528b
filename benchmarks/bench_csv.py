"""Benchmark: read a CSV export of N respondents x 77 ORCA items (+ 3 metadata columns) into
scored-ready responses, next to pandas reading the same file bare.

``read_responses`` does what every command does first: read the table, detect the platform,
map the columns to items. The goal (issue 16) is at most 1.3 times pandas' time and peak
memory. Each step runs in its own child process, so its peak memory is its own.

Run: python benchmarks/bench_csv.py [N]   (default 1,000,000; the file is cached in the temp
folder)
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def make_csv(path: Path, n: int) -> None:
    import pandas as pd

    from assessments import load_instrument

    items = load_instrument("orca").item_ids
    rng = np.random.default_rng(3)
    x = rng.integers(1, 6, size=(n, len(items))).astype(float)
    x[rng.random(x.shape) < 0.03] = np.nan
    df = pd.DataFrame(x, columns=list(items))
    df.insert(0, "site", rng.choice(["North", "South", "East"], n))
    df.insert(0, "role", rng.choice(["clinician", "peer specialist", "administrator"], n))
    df.insert(0, "respondent_id", np.arange(1, n + 1))
    df.to_csv(path, index=False, float_format="%.0f")


def _pandas(path: str, out: mp.Queue) -> None:
    import pandas as pd

    t0 = time.perf_counter()
    df = pd.read_csv(path)
    out.put((time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(df)))


def _ours(path: str, out: mp.Queue) -> None:
    import pandas as pd  # imported before the clock starts, as in the pandas step

    from assessments import read_responses

    del pd
    t0 = time.perf_counter()
    r = read_responses(path, "orca")
    out.put(
        (time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(r.data))
    )


def _run(target, path: Path) -> tuple[float, float, int]:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(str(path), q))
    p.start()
    result = q.get()
    p.join()
    return result


def main(n: int = 1_000_000) -> None:
    path = Path(tempfile.gettempdir()) / f"bench_orca_{n}.csv"
    if not path.exists():
        make_csv(path, n)
    print(f"{path.name}: {n:,} rows x 80 columns, {path.stat().st_size / 1e6:,.0f} MB")
    base_t, base_m, rows = _run(_pandas, path)
    t, m, rows2 = _run(_ours, path)
    assert rows == rows2 == n
    print(f"  pandas.read_csv    {base_t:6.2f} s  peak {base_m / 1024:7,.0f} MB")
    print(f"  read_responses     {t:6.2f} s  peak {m / 1024:7,.0f} MB")
    print(f"  ratio              {t / base_t:6.2f}x time, {m / base_m:.2f}x memory")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)

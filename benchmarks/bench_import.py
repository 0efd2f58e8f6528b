"""Benchmark: import a 100,000-row x 80-column .xlsx next to python-calamine reading it bare.

The import is what `assess validate` does: read the sheet, map 77 ORCA item columns (plus 3
metadata columns), check every answer, and build the validation report. Issue 3 asks for it to
stay within 1.5x of the bare read. Peak memory of each step is measured in a child process.

Run: python benchmarks/bench_import.py [N]   (the workbook is cached in the temp folder)
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import xlsxwriter


def make_workbook(path: Path, n: int) -> None:
    from assessments import load_instrument

    items = load_instrument("orca").item_ids
    rng = np.random.default_rng(3)
    x = rng.integers(1, 6, size=(n, len(items)))
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("responses")
    ws.write_row(0, 0, ["respondent_id", "site", "role", *items])
    sites = ["North", "South", "East", "West"]
    for r in range(n):
        ws.write_row(r + 1, 0, [f"R{r:06d}", sites[r % 4], "staff", *x[r].tolist()])
    wb.close()


def bare(path: str) -> None:
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    assert len(rows) > 1


def full_import(path: str) -> None:
    from assessments import read_responses, validate

    report = validate(read_responses(path, "orca"))
    assert report.can_score


def measure(func, path: str, out: mp.Queue) -> None:
    t0 = time.perf_counter()
    func(path)
    out.put((time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def run(func, path: str) -> tuple[float, float]:
    q: mp.Queue = mp.Queue()
    p = mp.Process(target=measure, args=(func, path, q))
    p.start()
    result = q.get()
    p.join()
    return result


def main(n: int = 100_000) -> None:
    path = Path(tempfile.gettempdir()) / f"assess-bench-{n}x80.xlsx"
    if not path.exists():
        t0 = time.perf_counter()
        make_workbook(path, n)
        size = path.stat().st_size / 1e6
        print(f"wrote {path} ({size:.0f} MB) in {time.perf_counter() - t0:.0f} s")
    t_bare, m_bare = run(bare, str(path))
    t_imp, m_imp = run(full_import, str(path))
    print(f"{n:,} rows x 80 columns")
    print(f"python-calamine, bare read      : {t_bare:6.2f} s, peak {m_bare:,.0f} MB")
    print(
        f"read_responses + validate       : {t_imp:6.2f} s, peak {m_imp:,.0f} MB "
        f"({t_imp / t_bare:.2f}x the bare read)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)

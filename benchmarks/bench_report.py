"""Benchmark: the full report set for N respondents in 4 roles and 3 sites, two waves. Times
scoring, building the model (statistics and charts), and each renderer.

Goals (issue 16, on the 2-core machine): any report at 2,000 respondents under 3 s; ORCA at
20,000 under 6 s, at 200,000 under 25 s and 600 MB (run it under /usr/bin/time -v for the
peak memory).

Charts are drawn by the chart workers (``ASSESS_CHART_WORKERS``; 0 draws them in this
process) while the statistics are computed, so "build" holds the statistics and the charts'
construction, and "render PDF" waits for the drawings still under way.

The answers are the demo generator's, made numeric as a clean export is read. The whole
command (reading the CSVs included, and its memory with the chart worker's) is
``benchmarks/bench_report_cli.py``.

Run: python benchmarks/bench_report.py [N] [INSTRUMENT]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

from assessments import score
from assessments.demo import demo_responses
from assessments.render import build_report, render_html, render_pdf, render_xlsx

matplotlib.use("Agg")


def _clean(df):
    """The demo's answers as a clean numeric export (its few deliberately invalid text cells
    blank), as read_responses gives a CSV of codes: not 77 columns of Python objects."""
    import pandas as pd

    from assessments import load_instrument

    for c in load_instrument(instrument_id(df)).item_ids:
        df[c] = pd.to_numeric(df[c], errors="coerce")
    return df


def instrument_id(df) -> str:
    return "orca" if "orca_1" in df.columns else "oric"


def main(n: int = 10_000, instrument: str = "oric") -> None:
    answers = _clean(demo_responses(instrument, n=n, seed=1))
    earlier = _clean(demo_responses(instrument, n=n, seed=2, shift=-0.3))
    t0 = time.perf_counter()
    s = score(answers, instrument, on_invalid="missing")
    prev = score(earlier, instrument, on_invalid="missing")
    t1 = time.perf_counter()
    report = build_report(s, "role", aggregate_by="site", previous=prev)
    t2 = time.perf_counter()
    out = Path(tempfile.mkdtemp())
    # the PDF first, as write_report does: it draws each chart as soon as a worker has it
    (out / "r.pdf").write_bytes(render_pdf(report))
    t3 = time.perf_counter()
    (out / "r.html").write_text(render_html(report))
    t4 = time.perf_counter()
    render_xlsx(report, out / "r.xlsx")
    t5 = time.perf_counter()
    print(f"{instrument}: {n:,} respondents, 4 roles, 3 sites, two waves")
    for label, dt in [
        ("score both waves", t1 - t0),
        ("build report (stats, charts queued to draw)", t2 - t1),
        ("render PDF (waits for the charts still being drawn)", t3 - t2),
        ("render HTML", t4 - t3),
        ("write Excel (no respondent rows, as shared)", t5 - t4),
    ]:
        print(f"  {label:<42} {dt:6.2f} s")
    print(f"  {'total':<42} {t5 - t0:6.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of the process (answers of both waves included): {peak:,.0f} MB")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 10_000,
        sys.argv[2] if len(sys.argv) > 2 else "oric",
    )

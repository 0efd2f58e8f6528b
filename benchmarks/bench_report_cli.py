"""Benchmark: ``assess report`` on two CSV exports of N ORCA respondents (this wave and an
earlier one), as a user runs it: reading, scoring, the statistics, the charts and the PDF,
HTML and Excel files.

Goal (issue 16, on the 2-core machine): at 200,000 respondents under 25 s and 600 MB.

Prints the wall time; the peak memory of the command's own process (what ``/usr/bin/time``
reports); and, sampled every 50 ms, the largest sum over the command and its chart worker of
their resident memory and of their proportional share of it (PSS: a library both map counts
half in each). The CSVs are the demo generator's, labels and codes mixed as in a real export,
and are cached in the temp folder.

Run: python benchmarks/bench_report_cli.py [N]   (default 200,000; Linux, for /proc)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _exports(n: int) -> tuple[Path, Path]:
    folder = Path(tempfile.gettempdir()) / f"assess-bench-cli-{n}"
    folder.mkdir(exist_ok=True)
    now, before = folder / "this.csv", folder / "earlier.csv"
    if not (now.exists() and before.exists()):
        # in a process of its own: a child forked from a process holding the answers would
        # count them in its own peak memory until it runs the command
        code = (
            "import sys\n"
            "from assessments.demo import demo_responses\n"
            "n = int(sys.argv[1])\n"
            "demo_responses('orca', n=n, seed=1).to_csv(sys.argv[2], index=False)\n"
            "demo_responses('orca', n=n, seed=2, shift=-0.3).to_csv(sys.argv[3], index=False)\n"
        )
        subprocess.run([sys.executable, "-c", code, str(n), now, before], check=True)
    return now, before


def _tree(pid: int) -> list[int]:
    """The process and its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            pass
    return out


def _memory(pids: list[int]) -> tuple[int, int]:
    """Summed Rss and Pss (kB) of ``pids``."""
    rss = pss = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def main(n: int = 200_000) -> None:
    now, before = _exports(n)
    out = Path(tempfile.mkdtemp())
    assess = shutil.which("assess") or "assess"
    cmd = [assess, "report", str(now), "-i", "orca", "--by", "role", "--by", "site"]
    cmd += ["--wave-file", f"{before}:earlier", "--on-invalid", "missing", "-o", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    top_rss = top_pss = 0
    while True:
        done, status, usage = os.wait4(proc.pid, os.WNOHANG)  # this child's own figures
        if done:
            break
        rss, pss = _memory(_tree(proc.pid))
        top_rss, top_pss = max(top_rss, rss), max(top_pss, pss)
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(proc.stderr.read().decode() if proc.stderr else "assess report failed")
    own = usage.ru_maxrss / 1024
    print(f"assess report, ORCA, {n:,} respondents in each of two waves, 4 roles, 3 sites")
    print(f"  wall time                                        {wall:6.1f} s")
    print(f"  peak memory of the command's process             {own:6.0f} MB")
    print(f"  largest sum with its chart worker: resident      {top_rss / 1024:6.0f} MB")
    print(f"                                     proportional  {top_pss / 1024:6.0f} MB")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)

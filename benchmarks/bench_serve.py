"""Benchmark: concurrent sessions on the local web page (issue 18), and one large export scored
on the page beside ``assess score`` to CSV on the same file (issue 31: goal within 1.3x).

Starts the page on a loopback port, then SESSIONS threads each run a whole session at once:
start, choose ORIC, upload the demo export, check it, score it. Prints each step's median and
95th percentile latency over the sessions, and whether every session succeeded.

Run: python benchmarks/bench_serve.py [SESSIONS] [RESPONDENTS]   (default 20 240)
     python benchmarks/bench_serve.py large [RESPONDENTS]        (default 50000)
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from assessments.demo import demo_responses
from assessments.io.tables import write_table
from assessments.web.app import create_app
from assessments.web.server import free_port


def session(base: str, data: bytes, out: dict[str, list[float]], ok: list[bool]) -> None:
    with httpx.Client(base_url=base, timeout=120, follow_redirects=True) as c:
        t = time.perf_counter()
        r = c.post("/start")
        out["start"].append(time.perf_counter() - t)
        wid = str(r.url).split("/w/")[1].split("/")[0]
        csrf = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
        c.post(f"/w/{wid}/instrument", data={"csrf": csrf, "instrument": "oric"})
        t = time.perf_counter()
        r = c.post(
            f"/w/{wid}/upload", data={"csrf": csrf}, files={"export": ("oric_answers.csv", data)}
        )
        out["upload and check"].append(time.perf_counter() - t)
        basis = re.search(r'name="basis" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
        t = time.perf_counter()
        r = c.post(
            f"/w/{wid}/check",
            data={"csrf": csrf, "basis": basis, "on_invalid": "missing", "action": "score"},
        )
        out["score"].append(time.perf_counter() - t)
        ok.append(r.status_code == 200 and "scored" in r.text)


def main(sessions: int = 20, n: int = 240) -> None:
    folder = Path(tempfile.mkdtemp())
    path = folder / "oric_answers.csv"
    write_table(demo_responses("oric", n=n), path)
    data = path.read_bytes()
    port = free_port("127.0.0.1", 28765)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(port=port, root=folder / "sessions"),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    out: dict[str, list[float]] = {"start": [], "upload and check": [], "score": []}
    ok: list[bool] = []
    t0 = time.perf_counter()
    workers = [
        threading.Thread(target=session, args=(f"http://127.0.0.1:{port}", data, out, ok))
        for _ in range(sessions)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - t0
    print(
        f"{sessions} concurrent sessions, {n} respondents each: "
        f"{sum(ok)} of {sessions} succeeded in {wall:.1f} s"
    )
    for step, times in out.items():
        times = sorted(times)
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        print(f"  {step:<18} median {statistics.median(times):6.2f} s   p95 {p95:6.2f} s")
    server.should_exit = True
    thread.join(timeout=10)


def large(n: int = 50_000) -> None:
    """One session scoring an export of ``n`` rows, beside ``assess score`` to CSV on it."""
    import subprocess

    folder = Path(tempfile.mkdtemp())
    path = folder / "oric_answers.csv"
    write_table(demo_responses("oric", n=n), path)
    t = time.perf_counter()
    subprocess.run(
        ["assess", "score", str(path), "-i", "oric", "--on-invalid", "missing", "-o",
         str(folder / "cli.csv")],
        check=True, capture_output=True,
    )  # fmt: skip
    cli = time.perf_counter() - t
    out: dict[str, list[float]] = {"start": [], "upload and check": [], "score": []}
    ok: list[bool] = []
    port = free_port("127.0.0.1", 28865)
    server = uvicorn.Server(
        uvicorn.Config(create_app(port=port, root=folder / "sessions"), host="127.0.0.1",
                       port=port, log_level="warning")
    )  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    session(f"http://127.0.0.1:{port}", path.read_bytes(), out, ok)
    server.should_exit = True
    thread.join(timeout=10)
    page = out["score"][0]
    print(f"{n:,} rows: assess score to CSV {cli:.2f} s (process start included); the page's "
          f"score step {page:.2f} s ({page / cli:.2f}x); upload and check "
          f"{out['upload and check'][0]:.2f} s; succeeded: {all(ok)}")  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:2] == ["large"]:
        large(*[int(a) for a in sys.argv[2:]])
    else:
        main(*[int(a) for a in sys.argv[1:]])

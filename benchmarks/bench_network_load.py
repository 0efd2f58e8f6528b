"""Benchmark: 20 signed-in people of 10 agencies using the network page at once (issue 34), on
loopback only, bounded in time and count. Each person signs in, then until the time is up
starts a workspace, uploads a 60-respondent ORIC export, scores it, opens the keep page and the
start page. Reported: requests, errors, the slowest request of each kind, and whether any
response ever named another agency (it must not).

Measured (2 cores, server and the 20 clients on the same machine): PostgreSQL 15, 120 s: 3,666
requests, 0 errors, 0 responses naming another agency, the slowest 2.7 s (sign-in: 20 Argon2
hashes at once; the slowest page 2.6 s, scoring); SQLite, 30 s: 1,832 requests, 0 errors, 0
leaks, slowest 2.2 s.

Run: python benchmarks/bench_network_load.py STORE [SECONDS]   (a new SQLite file, or a
postgresql:// URL of an empty database; default 60 s)
"""

from __future__ import annotations

import re
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
import uvicorn

from assessments.accounts import Accounts
from assessments.demo import demo_responses
from assessments.history.store import History
from assessments.io.tables import write_table
from assessments.web.app import create_app
from assessments.web.server import free_port

PASSWORD = "correct horse battery staple"
AGENCIES = [f"Agency {chr(65 + k)}" for k in range(10)]


def person(base: str, email: str, agency: str, export: bytes, until: float, out: dict) -> None:
    with httpx.Client(base_url=base, timeout=60, follow_redirects=True) as c:

        def timed(kind: str, method: str, url: str, **kw):  # type: ignore[no-untyped-def]
            t0 = time.perf_counter()
            r = c.request(method, url, **kw)
            out["times"][kind].append(time.perf_counter() - t0)
            if r.status_code >= 400:
                out["errors"].append((kind, r.status_code))
            others = [a for a in AGENCIES if a != agency and a in r.text]
            if others:
                out["leaks"].append((email, kind, others))
            return r

        page = timed("signin form", "GET", "/signin")
        pre = re.search(r'name="pre" value="([^"]+)"', page.text).group(1)
        timed("sign in", "POST", "/signin", data={"pre": pre, "email": email,
                                                   "password": PASSWORD})  # fmt: skip
        while time.time() < until:
            r = timed("start", "POST", "/start")
            wid = str(r.url).split("/w/")[1].split("/")[0]
            csrf = re.search(r'name="csrf" value="([^"]+)"', r.text.split("</header>")[1]).group(1)
            timed("instrument", "POST", f"/w/{wid}/instrument",
                  data={"csrf": csrf, "instrument": "oric"})  # fmt: skip
            timed("upload", "POST", f"/w/{wid}/upload", data={"csrf": csrf},
                  files={"export": ("export.csv", export)})  # fmt: skip
            page = timed("check", "GET", f"/w/{wid}/check")
            basis = re.search(r'name="basis" value="([^"]+)"', page.text).group(1)
            timed("score", "POST", f"/w/{wid}/check", data={"csrf": csrf, "basis": basis,
                  "on_invalid": "missing", "action": "score"})  # fmt: skip
            timed("keep page", "GET", f"/w/{wid}/keep")
            timed("start page", "GET", "/")


def main(store: str, seconds: float) -> None:
    root = Path(tempfile.mkdtemp())
    accounts = Accounts(History(store))
    people = []
    for agency in AGENCIES:
        accounts.create_agency(agency)
        for k in range(2):
            email = f"p{k}@{agency.split()[1].lower()}.example"
            accounts.accept(accounts.invite(email, "agency", agency=agency), PASSWORD)
            people.append((email, agency))
    port = free_port("127.0.0.1", 18965)
    app = create_app(port=port, root=root / "sessions", store=store, accounts=True)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    path = root / "export.csv"
    write_table(demo_responses("oric", n=60, seed=3), path)
    export = path.read_bytes()
    out: dict = {"times": defaultdict(list), "errors": [], "leaks": []}
    until = time.time() + seconds
    threads = [threading.Thread(target=person, args=(f"http://127.0.0.1:{port}", e, a, export,
                                                     until, out)) for e, a in people]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 600)  # a hang, not a speed limit
    srv.should_exit = True
    total = sum(len(v) for v in out["times"].values())
    print(f"{len(people)} people, {seconds:g} s: {total} requests, {len(out['errors'])} errors, "
          f"{len(out['leaks'])} responses naming another agency")  # fmt: skip
    for kind, times in sorted(out["times"].items()):
        print(f"  {kind:<12} {len(times):5d} requests  slowest {max(times):6.2f} s  "
              f"median {sorted(times)[len(times) // 2]:5.2f} s")  # fmt: skip


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else str(Path(tempfile.mkdtemp()) / "network.sqlite"),
        float(sys.argv[2]) if len(sys.argv) > 2 else 60.0,
    )

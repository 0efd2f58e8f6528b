"""Issue 36: the second hostile corpus, aimed at the newer surfaces (the history store, the web
page, key workbooks, structure, hostile names). Each case has its own test; every one asserts
no internal error (exit 3), no traceback, no 500, no changed input, no secret and no raw
control character on a terminal.

The cases of key workbooks (a claimed A1:XFD1048576, a million rows, a truncated file, formula
cells) are in ``test_key_workbook.py``; the PostgreSQL password in ``test_truth_history.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient
from test_web import start  # the one way a test opens a session

from assessments import score
from assessments.cli.main import cli
from assessments.demo import demo_responses
from assessments.errors import AssessmentError, ResponseError
from assessments.history import History
from assessments.io.tables import write_table
from assessments.stats import confirmatory
from assessments.stats.structure import structure
from assessments.web.app import create_app

ORG = "Example Agency"


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def clean(result) -> None:
    """No internal error, no traceback, no raw control character."""
    assert result.exit_code in (0, 1, 2), result.output
    assert "internal error" not in result.output
    assert "Traceback" not in result.output
    assert "\x1b" not in result.output


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export") / "oric.csv"
    write_table(demo_responses("oric", n=120, seed=4), path)
    return path


@pytest.fixture
def kept(tmp_path, export) -> Path:
    store = tmp_path / "history.sqlite"
    for wave in ("2025", "2026"):
        result = run("history", "add", export, "-i", "oric", "--org", ORG, "--wave", wave,
                     "--on-invalid", "missing", "--store", store)  # fmt: skip
        assert result.exit_code == 0, result.output
    return store


# ----------------------------------------------------------------------------------- store


def test_a_flipped_byte_anywhere_is_read_the_same_or_refused(kept, tmp_path):
    original = History(kept)
    reference = {w: original.load(ORG, w).respondents for w in ("2025", "2026")}
    data = kept.read_bytes()
    outcomes = {"same": 0, "refused": 0}
    for offset in range(0, len(data), max(1, len(data) // 60)):
        damaged = tmp_path / f"flip{offset}.sqlite"
        flipped = bytearray(data)
        flipped[offset] ^= 0x5A
        damaged.write_bytes(bytes(flipped))
        try:
            h = History(damaged, create=False)
            h.rows()
            got = {w: h.load(ORG, w).respondents for w in reference}
        except AssessmentError:
            outcomes["refused"] += 1
            continue
        # never a wrong number: what reads, reads exactly as stored
        assert all(got[w].equals(reference[w]) for w in reference), offset
        outcomes["same"] += 1
    assert outcomes["refused"] > 0
    result = run("history", "list", "--store", tmp_path / "flip0.sqlite")
    clean(result)


def test_a_schema_version_that_is_text_is_a_clear_error(store, export):
    History(store).add(score(demo_responses("oric", n=30), "oric", on_invalid="missing"),
                       org=ORG, wave="2026")  # fmt: skip
    from sqlalchemy import create_engine, text

    url = store if "://" in store else f"sqlite:///{store}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        if url.startswith("sqlite"):
            conn.execute(text("UPDATE schema_version SET version = 'two'"))
        else:
            conn.execute(text("ALTER TABLE schema_version ALTER COLUMN version TYPE text"))
            conn.execute(text("UPDATE schema_version SET version = 'two'"))
    engine.dispose()
    result = run("history", "list", "--store", store)
    clean(result)
    assert result.exit_code == 1
    assert "schema version is 'two'" in result.output


def test_no_output_over_the_store_or_an_input(kept, tmp_path):
    before = digest(kept)
    result = run("history", "export", ORG, "-o", kept, "--store", kept)
    clean(result)
    assert result.exit_code == 1
    assert "input file" in result.output
    folder = tmp_path / "rep"
    folder.mkdir()
    inside = folder / "oric-report.xlsx"
    inside.write_bytes(kept.read_bytes())
    result = run("report", "--history", ORG, "--store", inside, "-o", folder)
    clean(result)
    assert result.exit_code == 1
    assert digest(kept) == before
    assert digest(inside) == before


def test_history_export_hides_a_small_group(tmp_path):
    df = demo_responses("oric", n=80, seed=6)
    df["site"] = ["Main"] * 77 + ["Tiny"] * 3
    path = tmp_path / "a.csv"
    write_table(df, path)
    store = tmp_path / "h.sqlite"
    added = run("history", "add", path, "-i", "oric", "--org", ORG, "--wave", "2026",
                "--on-invalid", "missing", "--store", store)  # fmt: skip
    assert added.exit_code == 0, added.output
    out = tmp_path / "export.xlsx"
    result = run("history", "export", ORG, "-o", out, "--store", store)
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o077 == 0  # readable only by its owner
    book = pd.read_excel(out, sheet_name=None, engine="calamine")
    sites = set(book["scores"]["site"].astype(str))
    assert "Tiny" not in sites
    assert "Main" not in sites  # its complement: Tiny = all - Main otherwise
    assert "row" not in book["scores"].columns
    assert any("suppressed" in n for n in book["notes"]["note"])


@pytest.mark.parametrize(
    ("org", "words"),
    [("x" * 40_004, "at most 200"), ("Org\x1b[31mRed", "control character"),
     ("Org\x00", "control character")],
)  # fmt: skip
def test_names_beyond_a_cell_or_with_control_characters_are_refused(org, words, tmp_path, export):
    store = tmp_path / "h.sqlite"
    result = run("history", "add", export, "-i", "oric", "--org", org, "--wave", "2026",
                 "--on-invalid", "missing", "--store", store)  # fmt: skip
    clean(result)
    assert result.exit_code == 1
    assert words in result.output
    assert not store.exists()  # refused before any work


def test_terminal_output_escapes_control_characters(tmp_path):
    df = demo_responses("oric", n=90, seed=8)
    df.loc[df["site"] == "Riverside", "site"] = "River\x1b[2J\x1b]0;pwned\x07side"
    path = tmp_path / "esc.csv"
    write_table(df, path)
    store = tmp_path / "h.sqlite"
    for args in (
        ["compare", path, "-i", "oric", "--by", "site", "--on-invalid", "missing"],
        ["validate", path, "-i", "oric", "--on-invalid", "missing"],
        ["reliability", path, "-i", "oric", "--by", "site", "--on-invalid", "missing"],
        ["history", "add", path, "-i", "oric", "--org", ORG, "--wave", "2026",
         "--on-invalid", "missing", "--store", store],
        ["history", "list", "--store", store],
        ["history", "show", ORG, "2026", "--store", store],
    ):  # fmt: skip
        result = run(*args)
        clean(result)
        assert result.exit_code == 0, (args, result.output)


# ------------------------------------------------------------------------------- structure


def test_structure_on_uncorrelated_answers_is_bounded(monkeypatch):
    """The CFA of answers with no structure stops after a bounded number of iterations (it ran
    20,000 before saying "did not converge")."""
    seen = []
    real = confirmatory.optimize.minimize

    def counted(*args, **kwargs):
        seen.append(kwargs["options"]["maxiter"])
        return real(*args, **kwargs)

    monkeypatch.setattr(confirmatory.optimize, "minimize", counted)
    rng = np.random.default_rng(8)
    df = pd.DataFrame(rng.integers(1, 6, (60, 6)), columns=[f"oric_{k}" for k in range(1, 7)])
    with pytest.raises(ResponseError) as err:  # this data set does not converge
        confirmatory.cfa(df, {"a": list(df.columns[:3]), "b": list(df.columns[3:])})
    assert err.value.codes == ["not-converged"]
    assert seen
    assert max(seen) <= confirmatory.MAX_ITERATIONS <= 5000


def test_structure_refuses_more_items_than_it_takes_before_any_work(monkeypatch):
    import assessments.stats.structure as module

    def never(*args, **kwargs):
        raise AssertionError("no analysis may start")

    monkeypatch.setattr(module, "parallel_analysis", never)
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.integers(1, 6, (40, 200)), columns=[f"q{k}" for k in range(200)])
    domains = {f"d{j}": [f"q{k}" for k in range(j * 20, j * 20 + 20)] for j in range(10)}
    with pytest.raises(ResponseError) as err:
        structure(df, domains)
    assert err.value.codes == ["too-many-items"]
    assert "at most 150" in str(err.value)


# ------------------------------------------------------------------------ definition files


@pytest.mark.parametrize(
    "text",
    [
        json.dumps("id: six\ntitle: Six\nitems:\n  - {id: q1, label: Q1}\n"),
        '{"id": "six", "title": "Six \\ud800", "response_scale": {"points": [{"code": 1, '
        '"label": "1"}, {"code": 2, "label": "2"}]}, "items": [{"id": "oric_1", "label": '
        '"Q1 \\udfff"}], "domains": [{"id": "a", "name": "A \\u001b[31m", "items": ["oric_1"]}]}',
    ],
    ids=["one-json-string", "escaped-surrogates"],
)
def test_json_escaped_definitions_are_clear_errors(text, tmp_path, export):
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    before = digest(path)
    for args in (["show", path], ["score", export, "-i", path, "-o", tmp_path / "s.xlsx"],
                 ["template", path, "-o", tmp_path / "t.xlsx"]):  # fmt: skip
        result = run(*args)
        clean(result)
        assert result.exit_code == 1, result.output
    assert digest(path) == before


# ----------------------------------------------------------------------------------- Ctrl-C


def test_ctrl_c_ends_a_report_and_its_chart_workers_quietly(tmp_path):
    """SIGINT to the whole process group, as a terminal sends it, while the report is built:
    exit 130 (or 0 if it had finished), no traceback on any stream, no file half-written."""
    path = tmp_path / "orca.csv"
    write_table(demo_responses("orca", n=1500, seed=2), path)
    out = tmp_path / "rep"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from assessments.cli.main import main; main()", "report",
         str(path), "-i", "orca", "--by", "role", "--on-invalid", "missing", "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "ASSESS_CHART_WORKERS": "1"},
    )  # fmt: skip
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:  # wait for the chart worker
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True)
        if children.stdout.strip():
            break
        time.sleep(0.05)
    time.sleep(0.3)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode in (0, 130), stderr
    assert "Traceback" not in stderr + stdout
    assert "KeyboardInterrupt" not in stderr
    written = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert written in ([], ["orca-report.html", "orca-report.pdf", "orca-report.xlsx"])


# -------------------------------------------------------------------------------- web page


@pytest.fixture
def client(tmp_path):
    app = create_app(root=tmp_path / "sessions", store=str(tmp_path / "history.sqlite"))
    with TestClient(app, base_url="http://127.0.0.1:8765", raise_server_exceptions=False) as c:
        yield c


def test_opening_the_page_creates_nothing_and_foreign_posts_are_refused(client, tmp_path):
    roots = tmp_path / "sessions"
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert not [p for p in roots.iterdir() if p.is_dir()]
    r = client.post("/start", headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    assert client.post("/start", headers={"origin": "null"}).status_code == 403
    assert client.post("/start", headers={"sec-fetch-site": "cross-site"}).status_code == 403
    assert not [p for p in roots.iterdir() if p.is_dir()]
    wid, csrf = start(client)
    r = client.post(
        f"/w/{wid}/instrument",
        data={"csrf": csrf, "instrument": "orca"},  # a valid token, from another site
        headers={"origin": "https://evil.example"},
    )
    assert r.status_code == 403
    assert client.app.state.workspaces.get(wid).state()["instrument"] == "oric"
    ok = client.post("/start", headers={"origin": "http://127.0.0.1:8765"})
    assert ok.status_code in (200, 303)


def test_uploads_are_bounded_whatever_their_declared_size(client, monkeypatch, export):
    monkeypatch.setenv("ASSESS_MAX_UPLOAD_MB", "1")
    wid, csrf = start(client)
    # a declared size over the limit: refused before the body is read
    r = client.post(
        f"/w/{wid}/upload", content=b"x" * 10, headers={"content-length": str(50 * 2**20)}
    )
    assert r.status_code == 413
    # chunked, no declared size: read only up to the limit
    sent = []

    def chunks():
        boundary = b"--b\r\n"
        yield boundary + b'Content-Disposition: form-data; name="csrf"\r\n\r\n' + csrf.encode()
        yield b'\r\n--b\r\nContent-Disposition: form-data; name="export"; filename="a.csv"'
        yield b"\r\nContent-Type: text/csv\r\n\r\n"
        for _ in range(400):
            sent.append(1)
            yield b"y" * 16384

    r = client.post(
        f"/w/{wid}/upload",
        content=chunks(),
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert r.status_code == 413
    assert "larger than the limit" in r.text


def test_a_client_that_goes_away_ends_its_request_quietly(tmp_path):
    import asyncio

    app = create_app(root=tmp_path / "sessions")
    ws = app.state.workspaces.new()
    messages = [
        {"type": "http.request", "body": b"--b\r\nContent-Disposition: form-data; name=",
         "more_body": True},
        {"type": "http.disconnect"},
    ]  # fmt: skip
    sent: list[dict] = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": f"/w/{ws.id}/upload", "raw_path": b"",
        "root_path": "", "scheme": "http", "query_string": b"", "server": ("127.0.0.1", 8765),
        "client": ("127.0.0.1", 5000), "http_version": "1.1",
        "headers": [(b"host", b"127.0.0.1:8765"),
                    (b"content-type", b"multipart/form-data; boundary=b"),
                    (b"content-length", b"100000")],
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    assert status == 400


def test_hostile_file_names_and_steps_out_of_order(client, export, tmp_path):
    wid, csrf = start(client)
    # steps out of order: the mapping and keeping before any upload
    assert client.get(f"/w/{wid}/mapping.yaml", follow_redirects=False).status_code == 303
    name = 'a[b]: *c {d} #e !f\n"g".csv'
    r = client.post(
        f"/w/{wid}/upload",
        data={"csrf": csrf},
        files={"export": (name, export.read_bytes())},
        follow_redirects=True,
    )
    assert r.status_code in (200, 422)
    mapping = client.get(f"/w/{wid}/mapping.yaml")
    assert mapping.status_code == 200
    from assessments.io.mapping import load_mapping

    own = tmp_path / "mapping.yaml"
    own.write_text(mapping.text, encoding="utf-8")
    assert load_mapping(own).columns  # the page's own file reads back
    png = client.post(
        f"/w/{wid}/upload",
        data={"csrf": csrf},
        files={"export": ("chart.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)},
    )
    assert png.status_code == 415
    assert "PNG file" in png.text
    assert ".bin" not in png.text


def test_a_truncated_key_workbook_on_the_instrument_page(client, tmp_path):
    from assessments.instruments.key_workbook import write_key_template

    key = write_key_template("rsa", tmp_path / "rsa-key.xlsx")
    data = key.read_bytes()
    wid, csrf = start(client)
    r = client.post(
        f"/w/{wid}/instrument",
        data={"csrf": csrf, "instrument": "rsa", "version": "provider"},
        files={"key_file": ("rsa-key.xlsx", data[: len(data) // 2])},
    )
    assert r.status_code == 422
    assert "rsa-key.xlsx" in r.text
    assert "Something went wrong" not in r.text


def test_the_keep_page_never_shows_the_store_password(tmp_path):
    url = "postgresql://assess:s3cret-pw@127.0.0.1:1/nowhere"
    app = create_app(root=tmp_path / "sessions", store=url)
    with TestClient(app, base_url="http://127.0.0.1:8765", raise_server_exceptions=False) as c:
        wid, _ = start(c)
        page = c.get(f"/w/{wid}/keep")
        assert page.status_code < 500
        assert "s3cret-pw" not in page.text


def test_page_work_runs_in_workers_with_a_time_and_memory_limit(monkeypatch):
    """Issue 36: parsing and statistics for the page run in worker processes, stopped past
    their time (ASSESS_WEB_SECONDS) or memory (ASSESS_WEB_MEMORY_MB); the event loop waits
    without blocking, and the user's own errors cross the process boundary intact."""
    import asyncio
    import time

    from assessments.web.limits import WorkLimitError, run_limited, stop_pool

    stop_pool()
    monkeypatch.setenv("ASSESS_WEB_SECONDS", "1")
    monkeypatch.setenv("ASSESS_WEB_MEMORY_MB", "600")
    monkeypatch.setenv("ASSESS_WEB_WORKERS", "1")
    try:
        assert asyncio.run(run_limited(sum, [1, 2, 3])) == 6  # the pool starts and answers
        with pytest.raises(WorkLimitError) as slow:
            asyncio.run(run_limited(time.sleep, 30))
        assert slow.value.codes == ["too-slow"]
        with pytest.raises(WorkLimitError) as big:
            asyncio.run(run_limited(bytearray, 2 * 10**9))
        assert big.value.codes == ["too-much-memory"]
        with pytest.raises(ResponseError) as bad:  # an AssessmentError, rebuilt whole
            asyncio.run(run_limited(score, pd.DataFrame({"oric_1": [9]}), "oric"))
        assert "invalid-value" in bad.value.codes or "missing-items" in bad.value.codes
        assert bad.value.problems[0].message
    finally:
        stop_pool()

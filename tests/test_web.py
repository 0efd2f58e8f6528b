"""The local web page, route by route (Starlette's test client): every page, the whole flow on
the demo export, a mapping fixed by choosing a column, every bad file of ``tests/data/bad/``,
and the safety rules (Host header, CSRF, size limit, file names, escaping, clean-up)."""

from __future__ import annotations

import html
import io
import re
import time
from pathlib import Path

import pypdf
import pytest
from starlette.testclient import TestClient

from assessments import read_responses
from assessments.demo import demo_responses
from assessments.errors import AssessmentError
from assessments.io.tables import write_table
from assessments.web.app import create_app
from assessments.web.common import page_words
from assessments.web.server import LOOPBACK_WARNING, free_port, is_loopback

BAD = Path(__file__).parent / "data" / "bad"
BAD_DATA = sorted(p for p in BAD.iterdir() if p.suffix in (".csv", ".xlsx", ".xlsm", ".txt"))
HOSTILE = "<img src=x onerror=window.__pwned=1>"


@pytest.fixture
def client(tmp_path):
    app = create_app(root=tmp_path / "sessions", store=str(tmp_path / "history.sqlite"))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        yield c


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    df = demo_responses("oric", n=120, seed=11)
    df.loc[df["site"] == "Riverside", "site"] = HOSTILE
    path = tmp_path_factory.mktemp("export") / "oric_answers.csv"
    write_table(df, path)
    return path


def start(c: TestClient, instrument: str = "oric") -> tuple[str, str]:
    r = c.post("/start", follow_redirects=True)
    assert r.status_code == 200
    wid = str(r.url).split("/w/")[1].split("/")[0]
    csrf = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
    r = c.post(
        f"/w/{wid}/instrument",
        data={"csrf": csrf, "instrument": instrument},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return wid, csrf


def now(c: TestClient, wid: str) -> str:
    """The session's basis, as its pages put it in every form that acts on the upload."""
    from assessments.web.session import basis

    ws = c.app.state.workspaces.get(wid)
    return basis(ws, ws.state())


def upload(c: TestClient, wid: str, csrf: str, path: Path, name: str | None = None):
    return c.post(
        f"/w/{wid}/upload",
        data={"csrf": csrf},
        files={"export": (name or path.name, path.read_bytes())},
        follow_redirects=True,
    )


def score_on_page(c: TestClient, wid: str, csrf: str, path: Path) -> None:
    """Upload ``path`` and score it, answers outside the scale as missing (as a person would
    after reading the check page)."""
    from test_web_report_options import form_basis

    upload(c, wid, csrf, path)
    page = c.get(f"/w/{wid}/check").text
    c.post(f"/w/{wid}/check", data={"csrf": csrf, "basis": form_basis(page),
                                    "on_invalid": "missing", "action": "score"})  # fmt: skip


def test_the_whole_flow_on_the_demo_export(client, export):
    wid, csrf = start(client)
    page = client.get(f"/w/{wid}/instrument").text
    assert "scoring key: domains published; total provisional" in page
    r = upload(client, wid, csrf, export)
    assert r.status_code == 200
    assert "120</strong> rows read" in r.text
    assert 'name="col:oric_1"' in r.text
    mapping = client.get(f"/w/{wid}/mapping.yaml")
    assert mapping.status_code == 200
    assert '"oric_1": oric_1' in mapping.text
    # invalid answers stop the run until the person chooses to treat them as missing
    stopped = client.post(
        f"/w/{wid}/check",
        data={"csrf": csrf, "basis": now(client, wid), "action": "score"},
        follow_redirects=True,
    )
    assert stopped.status_code == 422
    assert "not on the instrument&#39;s scale" in stopped.text
    r = client.post(
        f"/w/{wid}/check",
        data={"csrf": csrf, "basis": now(client, wid), "on_invalid": "missing", "action": "score"},
        follow_redirects=True,
    )
    assert r.status_code == 200
    assert "scored" in r.text
    for name in ("scores.csv", "scores.xlsx", "scores.excluded.csv"):
        got = client.get(f"/w/{wid}/files/{name}")
        assert got.status_code == 200, name
        assert "attachment" in got.headers["content-disposition"]
    r = client.post(
        f"/w/{wid}/report",
        data={
            "csrf": csrf,
            "basis": now(client, wid),
            "by": "role",
            "aggregate_by": "site",
            "organization": HOSTILE,
            "min_group_size": "5",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    for _ in range(120):
        page = client.get(f"/w/{wid}/report").text
        if "Ready" in page or "could not be built" in page:
            break
        # no automatic refresh (WCAG 2.2.1; it sent focus to the top every 2 s): a live
        # region, a same-origin script asking /report/status, and a link for no script
        assert 'http-equiv="refresh"' not in page
        assert 'src="/static/progress.js"' in page
        assert 'aria-live="polite"' in page
        state = client.get(f"/w/{wid}/report/status").json()
        assert state["status"] in ("running", "done", "error")
        time.sleep(0.5)
    assert "Ready" in page, page
    pdf = client.get(f"/w/{wid}/files/oric-report.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Organizational Readiness for Implementing Change" in text
    assert set(client.app.state.workspaces.get(wid).state()["metadata_columns"]) == {"site", "role"}
    preview = client.get(f"/w/{wid}/report/preview")
    assert "Groups compared by role" in preview.text
    assert "sandbox" in preview.headers["content-security-policy"]
    assert HOSTILE not in preview.text
    assert html.escape(HOSTILE) in preview.text or "&lt;img" in preview.text
    zipped = client.get(f"/w/{wid}/report.zip")
    assert zipped.headers["content-type"] == "application/zip"
    plan = client.get(f"/w/{wid}/files/action-plan.xlsx")
    assert plan.status_code == 200
    kept = client.post(
        f"/w/{wid}/keep",
        data={"csrf": csrf, "basis": now(client, wid), "org": "Test Agency", "wave": "2026"},
        follow_redirects=True,
    )
    assert kept.status_code == 200
    assert "Kept as Test Agency, wave 2026" in kept.text
    assert "<td>Test Agency</td>" in kept.text


def test_a_missing_column_is_fixed_by_choosing_it(client, tmp_path):
    df = demo_responses("oric", n=60, seed=3).rename(columns={"oric_3": "How ready (third)"})
    path = tmp_path / "renamed.csv"
    write_table(df, path)
    wid, csrf = start(client)
    r = upload(client, wid, csrf, path)
    assert r.status_code == 422
    assert "item &#39;oric_3&#39; has no column" in r.text
    assert 'name="col:oric_3"' in r.text
    r = client.post(
        f"/w/{wid}/check",
        data={
            "csrf": csrf,
            "basis": now(client, wid),
            "col:oric_3": "How ready (third)",
            "on_invalid": "missing",
            "action": "save",
        },
        follow_redirects=True,
    )
    assert r.status_code == 200
    assert "chosen here" in r.text
    mapping = client.get(f"/w/{wid}/mapping.yaml").text
    assert '"How ready (third)": oric_3' in mapping


@pytest.mark.parametrize("path", BAD_DATA, ids=lambda p: p.name)
def test_each_bad_file_gives_the_clis_message_and_no_traceback(client, path, tmp_path):
    wid, csrf = start(client)
    before = sorted(p.name for p in tmp_path.iterdir())
    r = upload(client, wid, csrf, path)
    try:
        read_responses(path, "oric")
    except AssessmentError as err:
        assert 400 <= r.status_code < 500, r.text[:500]
        page = html.unescape(r.text)
        for problem in err.problems:  # the CLI's message, its advice said for the page
            assert page_words(problem.cli_text().replace(str(path), path.name)) in page
        assert str(BAD) not in page
        assert "/sessions/" not in page
    else:
        assert r.status_code in (200, 422)
    assert "Traceback" not in r.text
    assert "internal error" not in r.text
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written outside


def test_safety_rules(client, export, monkeypatch, tmp_path):
    wid, csrf = start(client)
    assert client.get("/", headers={"host": "attacker.example"}).status_code == 400
    r = client.post(f"/w/{wid}/instrument", data={"instrument": "oric"})
    assert r.status_code == 403
    assert (
        client.get(f"/w/{wid}/check")
        .headers["content-security-policy"]
        .startswith("default-src 'none'")
    )
    # the person's file name never becomes a path
    r = upload(client, wid, csrf, export, name="../../escape.csv")
    assert r.status_code == 200
    assert not (tmp_path / "escape.csv").exists()
    assert client.get(f"/w/{wid}/files/state.json").status_code == 404
    assert client.get(f"/w/{wid}/files/..%2Fstate.json").status_code == 404
    assert client.get("/w/not-a-session/check").status_code == 404
    # names from the file are escaped everywhere
    check = client.get(f"/w/{wid}/check").text
    assert HOSTILE not in check
    monkeypatch.setenv("ASSESS_MAX_UPLOAD_MB", "0.001")
    r = upload(client, wid, csrf, export)
    assert r.status_code == 413
    assert "larger than the limit" in r.text


def test_two_tabs_are_independent(client, export):
    first, csrf1 = start(client, "oric")
    second, _ = start(client, "orca")
    assert first != second
    upload(client, first, csrf1, export)
    assert "Organizational Readiness to Change Assessment" in client.get(f"/w/{second}/upload").text
    assert "oric_answers.csv" not in client.get(f"/w/{second}/upload").text


def test_sessions_are_deleted_when_the_server_stops(tmp_path, export):
    root = tmp_path / "sessions"
    app = create_app(root=root)
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        wid, csrf = start(c)
        upload(c, wid, csrf, export)
        assert (root / wid / "export.csv").exists()
        assert (root.stat().st_mode & 0o777) == 0o700
        old = root / wid
        import os

        os.utime(old, (time.time() - 5 * 3600, time.time() - 5 * 3600))
        start(c)  # a new session sweeps the ones older than a few hours
        assert not old.exists()
    assert not root.exists()


def test_server_helpers(capsys):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        taken = s.getsockname()[1]
        s.listen()
        assert free_port("127.0.0.1", taken) != taken
    assert is_loopback("127.0.0.1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    assert "no login" in LOOPBACK_WARNING


def test_assess_serve_stops_on_ctrl_c_and_deletes_the_uploads(tmp_path, export):
    """The real command: started, used, interrupted with SIGINT (Ctrl-C)."""
    import os
    import signal
    import subprocess
    import sys

    import httpx

    port = free_port("127.0.0.1", 19765)
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assessments",
            "serve",
            "--no-browser",
            "--port",
            str(port),
            "--store",
            str(tmp_path / "h.sqlite"),
            "--keep-days",
            "0",  # nothing kept: everything deleted when the page stops
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                r = httpx.get(base + "/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert r.status_code == 200
        r = httpx.post(base + "/start", follow_redirects=True, timeout=10)
        wid = str(r.url).split("/w/")[1].split("/")[0]
        csrf = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
        httpx.post(f"{base}/w/{wid}/instrument", data={"csrf": csrf, "instrument": "oric"})
        httpx.post(
            f"{base}/w/{wid}/upload",
            data={"csrf": csrf},
            files={"export": ("a.csv", export.read_bytes())},
        )
        roots = list(tmp_path.glob("assess-serve-*"))
        assert len(roots) == 1
        assert (roots[0] / wid / "export.csv").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"running at {base}/" in out
    assert "uploaded files were deleted" in out
    assert not list(tmp_path.glob("assess-serve-*"))


def test_an_uploaded_definition_with_an_error_names_its_line(client, tmp_path):
    wid, csrf = start(client)
    bad = "id: mine\nversion: '1'\ntitle: Mine\nlable: x\n"
    r = client.post(
        f"/w/{wid}/instrument",
        data={"csrf": csrf, "instrument": "custom"},
        files={"instrument_file": ("my-survey.yaml", bad.encode())},
    )
    assert r.status_code == 422
    page = html.unescape(r.text)
    assert "my-survey.yaml" in page
    assert "line 4" in page
    assert "/sessions/" not in page


def test_choosing_my_own_instrument_without_its_file_asks_for_it(client):
    r = client.post("/start", follow_redirects=True)
    wid = str(r.url).split("/w/")[1].split("/")[0]
    csrf = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
    r = client.post(f"/w/{wid}/instrument", data={"csrf": csrf, "instrument": "custom"})
    assert r.status_code == 422
    assert "Choose the YAML file of your own instrument" in r.text


def test_a_choice_on_the_page_overrides_the_uploaded_mapping_file(client, tmp_path):
    from assessments.web.session import mapping
    from assessments.web.workspace import Workspace

    df = demo_responses("oric", n=40, seed=5).rename(columns={"oric_3": "third", "oric_4": "x4"})
    path = tmp_path / "renamed.csv"
    write_table(df, path)
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text('columns:\n  "third": oric_4\n  "x4": oric_3\n', encoding="utf-8")
    r = client.post("/start", follow_redirects=True)
    wid = str(r.url).split("/w/")[1].split("/")[0]
    csrf = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
    client.post(
        f"/w/{wid}/instrument",
        data={"csrf": csrf, "instrument": "oric"},
        files={"mapping_file": ("mapping.yaml", mapping_file.read_bytes())},
    )
    upload(client, wid, csrf, path)
    r = client.post(
        f"/w/{wid}/check",
        data={
            "csrf": csrf,
            "basis": now(client, wid),
            "col:oric_3": "third",
            "col:oric_4": "x4",
            "on_invalid": "missing",
            "action": "save",
        },
        follow_redirects=True,
    )
    assert r.status_code == 200
    ws = client.app.state.workspaces.get(wid)
    assert isinstance(ws, Workspace)
    merged = mapping(ws, ws.state())
    assert merged.columns == {"third": "oric_3", "x4": "oric_4"}


def test_the_same_app_starts_again_after_it_stopped(tmp_path):
    """Stopping deletes the temporary workspaces and their folder; a second start (a server
    embedded in a program, a test client) makes the folder again instead of crashing."""
    app = create_app(root=tmp_path / "sessions", store=str(tmp_path / "history.sqlite"))
    for _ in range(2):
        with TestClient(app, base_url="http://127.0.0.1:8765") as c:
            assert c.get("/").status_code == 200
            started = c.post("/start", follow_redirects=True)
            assert started.status_code == 200
            assert "/w/" in str(started.url)
        assert not (tmp_path / "sessions").exists()  # nothing of the session is left behind

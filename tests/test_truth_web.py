"""Issue 31, the web page never serves a stale report: whatever is built (scores files, the
report, its preview, the zip) is served only while the session holds what it was built from; a
form from another tab (or a page left open before a new upload) is refused; a shown column
choice is a choice (the SurveyMonkey sample scores by accepting the suggestions); keeping a wave
before any upload is a page, not "Something went wrong"; file names are never mangled.

Each test failed before the fix: the new upload's header sat above the earlier export's report
(and its PDF downloaded), the other tab's post acted on the newer file, the suggested mapping
was refused with "no column matches", and keep ended in ``KeyError: 'export'``.
"""

from __future__ import annotations

import html
import io
import re
import time
from pathlib import Path

import pandas as pd
import pytest
from starlette.testclient import TestClient
from test_web import start  # the one way a test opens a session

from assessments.demo import demo_responses
from assessments.io.tables import write_table
from assessments.web.app import create_app
from assessments.web.session import basis

SAMPLES = Path(__file__).parent / "data" / "samples"


@pytest.fixture
def client(tmp_path):
    app = create_app(root=tmp_path / "sessions", store=str(tmp_path / "history.sqlite"))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        yield c


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    out = {}
    for name, n, shift in (("first", 120, -0.6), ("second", 60, 0.4)):
        path = folder / f"oric_{name}.csv"
        write_table(demo_responses("oric", n=n, seed=len(name), shift=shift), path)
        out[name] = path
    return out


def form_basis(page: str) -> str:
    return re.search(r'name="basis" value="([^"]+)"', page).group(1)


def upload(c: TestClient, wid: str, csrf: str, path: Path):
    return c.post(
        f"/w/{wid}/upload",
        data={"csrf": csrf},
        files={"export": (path.name, path.read_bytes())},
        follow_redirects=True,
    )


def score_it(c: TestClient, wid: str, csrf: str):
    page = c.get(f"/w/{wid}/check").text
    return c.post(
        f"/w/{wid}/check",
        data={"csrf": csrf, "basis": form_basis(page), "on_invalid": "missing", "action": "score"},
        follow_redirects=True,
    )


def build_report(c: TestClient, wid: str, csrf: str) -> str:
    page = c.get(f"/w/{wid}/report").text
    r = c.post(
        f"/w/{wid}/report",
        data={"csrf": csrf, "basis": form_basis(page), "by": "role", "min_group_size": "5"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:500]
    for _ in range(240):
        page = c.get(f"/w/{wid}/report").text
        if "Ready" in page or "could not be built" in page:
            return page
        time.sleep(0.25)
    raise AssertionError("the report was not built")


def test_a_new_upload_after_a_report_never_shows_the_old_report(client, exports):
    wid, csrf = start(client)
    upload(client, wid, csrf, exports["first"])
    assert score_it(client, wid, csrf).status_code == 200
    page = build_report(client, wid, csrf)
    assert "Ready: the report of oric_first.csv" in page
    assert client.get(f"/w/{wid}/files/oric-report.pdf").status_code == 200
    old_scores = client.get(f"/w/{wid}/files/scores.csv").text

    # the coordinator uploads the next export in the same session and scores it
    upload(client, wid, csrf, exports["second"])
    scored = score_it(client, wid, csrf)
    assert scored.status_code == 200
    assert "oric_second.csv" in scored.text
    assert client.get(f"/w/{wid}/files/scores.csv").text != old_scores
    report = client.get(f"/w/{wid}/report").text
    assert "Ready" not in report
    assert "oric_first" not in report
    for url in ("files/oric-report.pdf", "report/preview", "report.zip"):
        assert client.get(f"/w/{wid}/{url}").status_code in (404, 409), url
    # built again, the report is the second export's: its 60 rows, not the first's 120
    page = build_report(client, wid, csrf)
    assert "Ready: the report of oric_second.csv" in page
    preview = client.get(f"/w/{wid}/report/preview").text
    assert "60 responses were read" in preview
    assert "120 responses were read" not in preview


def test_a_form_from_another_tab_is_refused(client, exports):
    wid, csrf = start(client)
    upload(client, wid, csrf, exports["first"])
    tab_one = client.get(f"/w/{wid}/check").text  # left open on the first file
    upload(client, wid, csrf, exports["second"])  # the second tab uploads another file
    ws = client.app.state.workspaces.get(wid)
    before = ws.state()
    r = client.post(
        f"/w/{wid}/check",
        data={"csrf": csrf, "basis": form_basis(tab_one), "on_invalid": "missing",
              "action": "score"},
    )  # fmt: skip
    assert r.status_code == 409
    text = html.unescape(r.text)
    assert "earlier state of your session" in text
    assert "oric_second.csv" in text
    assert ws.state().get("on_invalid") == before.get("on_invalid")
    # the same for building a report and keeping the wave
    assert score_it(client, wid, csrf).status_code == 200
    report_page = client.get(f"/w/{wid}/report").text
    old = form_basis(report_page)
    upload(client, wid, csrf, exports["first"])
    assert score_it(client, wid, csrf).status_code == 200
    for step, data in (("report", {"by": "role"}), ("keep", {"org": "A", "wave": "2026"})):
        r = client.post(f"/w/{wid}/{step}", data={"csrf": csrf, "basis": old, **data})
        assert r.status_code == 409, step
    assert basis(ws, ws.state()) != old


def test_the_suggested_mapping_is_accepted_as_shown(client):
    """The SurveyMonkey StarWars export: every dropdown shows the right column (label, 0.90);
    scoring with the page as shown works."""
    r = client.post("/start", follow_redirects=True)
    wid = str(r.url).split("/w/")[1].split("/")[0]
    csrf = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
    definition = SAMPLES / "starwars-instrument.yaml"
    client.post(
        f"/w/{wid}/instrument",
        data={"csrf": csrf, "instrument": "custom"},
        files={"instrument_file": (definition.name, definition.read_bytes())},
    )
    export = SAMPLES / "surveymonkey" / "fivethirtyeight_StarWars.csv"
    client.post(
        f"/w/{wid}/upload",
        data={"csrf": csrf},
        files={"export": (export.name, export.read_bytes())},
    )
    page = client.get(f"/w/{wid}/check").text
    shown = {
        m.group(1): html.unescape(m.group(2))
        for m in re.finditer(
            r'<select id="col-[^"]+" name="col:([^"]+)">.*?<option value="([^"]*)" selected>',
            page,
            re.S,
        )
    }
    assert len(shown) == 14
    data = {"csrf": csrf, "basis": form_basis(page), "on_invalid": "missing", "action": "score"}
    data.update({f"col:{k}": v for k, v in shown.items()})
    data.update({f"auto:{k}": v for k, v in shown.items()})
    r = client.post(f"/w/{wid}/check", data=data, follow_redirects=True)
    assert r.status_code == 200, html.unescape(r.text)[:2000]
    assert "1186" in r.text or "1,186" in r.text


def test_keep_before_any_upload_and_names_never_mangled(client, tmp_path):
    wid, csrf = start(client)
    page = client.get(f"/w/{wid}/keep").text
    r = client.post(
        f"/w/{wid}/keep",
        data={"csrf": csrf, "basis": form_basis(page), "org": "A", "wave": "2026"},
        follow_redirects=True,
    )
    assert r.status_code == 200
    assert "Something went wrong" not in r.text
    assert "Upload" in r.text
    # a key file whose name contains the page's own stored name ("key")
    bad_key = tmp_path / "rsa-demo-key.yaml"
    bad_key.write_text("key_for: rsa\nversions: {}\n", encoding="utf-8")
    r = client.post(
        f"/w/{wid}/instrument",
        data={"csrf": csrf, "instrument": "rsa", "version": "provider"},
        files={"key_file": (bad_key.name, bad_key.read_bytes())},
    )
    text = html.unescape(r.text)
    assert "rsa-demo-key.yaml" in text
    assert "rsa-demo-rsa-demo-key" not in text


def test_the_check_page_says_each_note_once_and_as_the_choice_is(client, exports):
    wid, csrf = start(client)
    upload(client, wid, csrf, exports["first"])  # the demo export has answers off the scale
    page = html.unescape(client.get(f"/w/{wid}/check").text)
    notes = re.findall(r'<p class="note">(.*?)</p>', page, re.S)
    assert notes
    assert len(notes) == len(set(notes))
    assert "were treated as missing" not in page  # the choice is still "Stop"
    score_it(client, wid, csrf)  # now the choice is "treat them as missing"
    page = html.unescape(client.get(f"/w/{wid}/check").text)
    assert "were treated as missing" in page


EXPORTS = Path(__file__).parent / "data" / "exports"


def test_a_raw_redcap_export_needs_its_dictionary_on_the_page(client):
    """Before: scored without the dictionary, silently (change efficacy 3.15 instead of 3.21,
    an invalid value missed). Now refused, saying what to do on the page; with the dictionary
    uploaded it scores as the command line does with --dictionary."""
    import assessments as ra

    wid, csrf = start(client)
    raw = EXPORTS / "redcap-oric-raw.csv"
    r = upload(client, wid, csrf, raw)
    text = html.unescape(r.text)
    assert r.status_code == 422
    assert "raw REDCap export" in text
    assert "--dictionary" not in text
    assert "data dictionary under \u201cMore about the file\u201d on the Upload step" in text
    dictionary = EXPORTS / "redcap-oric-dictionary.csv"
    r = client.post(
        f"/w/{wid}/upload",
        data={"csrf": csrf},
        files={"dictionary": (dictionary.name, dictionary.read_bytes())},
        follow_redirects=True,
    )
    assert r.status_code == 200, html.unescape(r.text)[:1500]
    scored = score_it(client, wid, csrf)
    assert scored.status_code == 200, html.unescape(scored.text)[:1500]
    page_scores = pd.read_csv(io.BytesIO(client.get(f"/w/{wid}/files/scores.csv").content))
    expected = ra.score(
        ra.read_responses(raw, "oric", dictionary=dictionary), on_invalid="missing"
    ).respondents
    assert page_scores["change_efficacy"].mean() == pytest.approx(
        expected["change_efficacy"].mean(), abs=1e-12
    )
    assert client.get(f"/w/{wid}/files/scores.invalid.csv").status_code == 200


def test_a_sheet_an_encoding_and_missing_items_are_chosen_on_the_page(client, tmp_path):
    from assessments.io import write_workbook

    df = demo_responses("oric", n=60, seed=2)
    book = tmp_path / "two-sheets.xlsx"
    write_workbook({"about": pd.DataFrame({"note": ["read me first"]}), "answers": df}, book)
    wid, csrf = start(client)
    r = client.post(
        f"/w/{wid}/upload",
        data={"csrf": csrf, "sheet": "answers"},
        files={"export": (book.name, book.read_bytes())},
        follow_redirects=True,
    )
    assert r.status_code == 200, html.unescape(r.text)[:1500]
    assert "60</strong> rows read" in r.text
    # a Windows-encoded file, with the encoding chosen from the list
    text = tmp_path / "cp1252.csv"
    df2 = demo_responses("oric", n=40, seed=3)
    df2["site"] = "Montr\u00e9al"
    text.write_bytes(df2.to_csv(index=False).encode("cp1252"))
    r = client.post(
        f"/w/{wid}/upload",
        data={"csrf": csrf, "encoding": "cp1252"},
        files={"export": (text.name, text.read_bytes())},
        follow_redirects=True,
    )
    assert r.status_code == 200
    assert client.app.state.workspaces.get(wid).state()["encoding"] == "cp1252"
    assert score_it(client, wid, csrf).status_code == 200
    scores = client.get(f"/w/{wid}/files/scores.csv").content.decode("utf-8")
    assert "Montr\u00e9al" in scores
    # an export without one item's column: scored when the box says so
    short = tmp_path / "short.csv"
    demo_responses("oric", n=40, seed=4).drop(columns=["oric_12"]).to_csv(short, index=False)
    r = upload(client, wid, csrf, short)
    assert r.status_code == 422
    assert "--allow-missing-items" not in html.unescape(r.text)
    page = client.get(f"/w/{wid}/check").text
    data = {"csrf": csrf, "basis": form_basis(page), "on_invalid": "missing",
            "allow_missing_items": "yes", "action": "score"}  # fmt: skip
    r = client.post(f"/w/{wid}/check", data=data, follow_redirects=True)
    assert r.status_code == 200, html.unescape(r.text)[:1500]
    assert "count as unanswered" in html.unescape(r.text)


def test_keep_takes_the_collection_date(client, exports):
    wid, csrf = start(client)
    upload(client, wid, csrf, exports["first"])
    score_it(client, wid, csrf)
    page = client.get(f"/w/{wid}/keep").text
    r = client.post(
        f"/w/{wid}/keep",
        data={"csrf": csrf, "basis": form_basis(page), "org": "A", "wave": "baseline",
              "wave_date": "2025-03-01"},
        follow_redirects=True,
    )  # fmt: skip
    assert r.status_code == 200, html.unescape(r.text)[:1500]
    assert "2025-03-01" in r.text


def test_a_workspace_is_kept_between_visits_and_server_restarts(tmp_path, exports):
    """Issue 31: a coordinator closes the laptop and comes back tomorrow. The upload, the
    choices and the built scores are still there after the server stops and starts again,
    listed on the start page, until deleted; nothing of one workspace shows in another."""
    root = tmp_path / "kept"

    def app():
        return create_app(root=root, store=str(tmp_path / "h.sqlite"), keep_days=30)

    with TestClient(app(), base_url="http://127.0.0.1:8765") as c:
        wid, csrf = start(c)
        upload(c, wid, csrf, exports["first"])
        assert score_it(c, wid, csrf).status_code == 200
        other, _ = start(c)  # a second workspace, left empty
    assert (root / wid / "state.json").exists()  # the server stopped: still there
    with TestClient(app(), base_url="http://127.0.0.1:8765") as c:
        home = html.unescape(c.get("/").text)
        assert "oric_first.csv" in home
        assert f"/w/{wid}/scores" in home
        scores = c.get(f"/w/{wid}/files/scores.csv")
        assert scores.status_code == 200
        assert c.get(f"/w/{other}/files/scores.csv").status_code == 404  # not the other's
        page = html.unescape(c.get(f"/w/{wid}/check").text)
        assert "oric_first.csv" in page
        r = c.post(f"/w/{wid}/delete", data={"csrf": csrf}, follow_redirects=True)
        assert r.status_code == 200
        assert "oric_first.csv" not in html.unescape(r.text)
    assert not (root / wid).exists()


def test_kept_workspaces_expire_after_the_retention_period(tmp_path):
    import os

    from assessments.web.workspace import Workspaces

    kept = Workspaces(tmp_path / "w", keep_days=30)
    old, new = kept.new(), kept.new()
    month = time.time() - 31 * 86400
    os.utime(old.folder / "state.json", (month, month))
    kept.sweep()
    assert not old.folder.exists()
    assert new.folder.exists()
    kept.close()  # kept workspaces outlive the server
    assert new.folder.exists()


def test_the_scores_workbook_is_written_only_when_asked_for(client, exports):
    """Issue 31: every scoring wrote a workbook first (50,000 rows: longer than the scoring)."""
    wid, csrf = start(client)
    upload(client, wid, csrf, exports["first"])
    assert score_it(client, wid, csrf).status_code == 200
    folder = client.app.state.workspaces.get(wid).folder
    assert (folder / "scores.csv").exists()
    assert not (folder / "scores.xlsx").exists()
    book = client.get(f"/w/{wid}/files/scores.xlsx")
    assert book.status_code == 200
    sheets = pd.read_excel(io.BytesIO(book.content), sheet_name=None, engine="calamine")
    csv = pd.read_csv(io.BytesIO(client.get(f"/w/{wid}/files/scores.csv").content))
    assert len(sheets["scores"]) == len(csv)

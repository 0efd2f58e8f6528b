"""Issue 31: the report's choices on the web page, as ``assess report`` has them: which sections,
the structure section, benchmarks, last year's action plan (its progress), how many were
invited (response rates), and the paper-form data-entry workbook to download."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import openpyxl
import pytest
from starlette.testclient import TestClient
from test_truth_web import form_basis, upload
from test_web import start

from assessments.demo import demo_responses
from assessments.io.tables import write_table


@pytest.fixture
def client(web_client):
    return web_client


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("exports") / "oric_staff.csv"
    write_table(demo_responses("oric", n=160, seed=12), path)
    return path


def wait(c: TestClient, wid: str) -> str:
    for _ in range(400):
        page = c.get(f"/w/{wid}/report").text
        if "Ready" in page or "could not be built" in page:
            return page
        time.sleep(0.25)
    raise AssertionError("the report was not built")


def build(c: TestClient, wid: str, csrf: str, files=None, **fields) -> str:
    page = c.get(f"/w/{wid}/report").text
    data = {"csrf": csrf, "basis": form_basis(page), "by": "role", "min_group_size": "5",
            "section_form": "1", **fields}  # fmt: skip
    r = c.post(f"/w/{wid}/report", data=data, files=files or {}, follow_redirects=False)
    assert r.status_code == 303, r.text[:800]
    return wait(c, wid)


def preview(c: TestClient, wid: str) -> str:
    return c.get(f"/w/{wid}/report/preview").text


def ready(c: TestClient, export: Path) -> tuple[str, str]:
    wid, csrf = start(c)
    upload(c, wid, csrf, export)
    page = c.get(f"/w/{wid}/check").text
    c.post(
        f"/w/{wid}/check",
        data={"csrf": csrf, "basis": form_basis(page), "on_invalid": "missing", "action": "score"},
    )
    return wid, csrf


ALL = {f"section_{s}": "1" for s in ("summary", "domains", "groups", "sites", "agreement",
                                      "items", "trends", "plan", "quality", "methods")}  # fmt: skip


def test_sections_and_the_structure_section(client, export):
    wid, csrf = ready(client, export)
    page = build(client, wid, csrf, section_summary="1", section_methods="1", structure="1")
    assert "Ready" in page
    html = preview(client, wid)
    assert "Does the structure hold?" in html
    assert "Can the groups of role be compared?" in html
    assert "Domain results" not in html
    page = client.get(f"/w/{wid}/report").text  # the choice is kept for the next build
    assert re.search(r'id="section_domains"[^>]*>', page).group(0).count("checked") == 0
    r = client.post(
        f"/w/{wid}/report",
        data={"csrf": csrf, "basis": form_basis(page), "section_form": "1"},
    )
    assert r.status_code == 422
    assert "Tick at least one section" in r.text


def test_benchmarks_plan_and_invitations(client, export, tmp_path):
    wid, csrf = ready(client, export)
    build(client, wid, csrf, **ALL)
    plan = client.get(f"/w/{wid}/files/action-plan.xlsx")  # this year's plan, next year's input
    assert plan.status_code == 200
    bench = b"target,mean,sd,n,source\nchange_efficacy,3.9,0.5,120,State average 2025\n"
    invited = b"group,invited\nall,400\n"
    page = build(
        client,
        wid,
        csrf,
        files={
            "benchmarks": ("state.csv", bench),
            "plan": ("plan-2025.xlsx", plan.content),
            "invited": ("invited.csv", invited),
        },
        **ALL,
    )
    assert "Ready" in page
    html = preview(client, wid)
    assert "State average 2025" in html
    assert "Progress on the action plan" in html
    assert "400" in html
    assert "response rate" in html.lower()
    page = client.get(f"/w/{wid}/report").text
    assert "now: state.csv" in page
    assert "now: plan-2025.xlsx" in page
    # a benchmarks file that cannot be read: the person's file named, never the server's path
    page = build(client, wid, csrf, files={"benchmarks": ("broken.csv", b"mean\nx\n")}, **ALL)
    assert "could not be built" in page
    assert "broken.csv" in page
    assert "report-benchmarks" not in page


def test_the_data_entry_workbook_downloads(client):
    wid, _ = start(client)
    page = client.get(f"/w/{wid}/upload").text
    assert "Download a data-entry workbook" in page
    r = client.get(f"/w/{wid}/template.xlsx")
    assert r.status_code == 200
    assert "oric-entry.xlsx" in r.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["instructions", "responses", "lists"]
    assert [c.value for c in book["responses"][1]][4] == "oric_1"


def keep(c: TestClient, wid: str, csrf: str, org: str, wave: str, date: str) -> None:
    page = c.get(f"/w/{wid}/keep").text
    r = c.post(
        f"/w/{wid}/keep",
        data={"csrf": csrf, "basis": form_basis(page), "org": org, "wave": wave,
              "wave_date": date},
    )  # fmt: skip
    assert r.status_code == 200, r.text[:800]


def test_a_report_from_kept_waves_and_removing_one(client, tmp_path):
    """Issue 31: last year's file is not uploaded again: the report of a kept wave has the kept
    waves before it in its trends, from the page; removing a wave asks first."""
    from assessments import History

    exports = {}
    for wave, shift in (("2025", -0.4), ("2026", 0.3)):
        path = tmp_path / f"oric_{wave}.csv"
        write_table(demo_responses("oric", n=150, seed=int(wave), shift=shift), path)
        exports[wave] = path
    for wave, date in (("2025", "2025-04-01"), ("2026", "2026-04-01")):
        wid, csrf = ready(client, exports[wave])
        keep(client, wid, csrf, "Example Agency", wave, date)
    page = client.get(f"/w/{wid}/keep").text
    assert "Report with its trends" in page
    assert '<option value="site">site</option>' in page  # kept grouping columns to compare by
    r = client.post(
        f"/w/{wid}/keep/report",
        data={"csrf": csrf, "org": "Example Agency", "wave": "2026", "instrument": "oric",
              "by": "site"},
    )  # fmt: skip
    assert r.status_code == 200, r.text[:1500]
    assert "The report of Example Agency, wave 2026" in r.text
    html_name = re.search(r'href="/w/[^/]+/kept/([^"]+\.html)"', r.text).group(1)
    report = client.get(f"/w/{wid}/kept/{html_name}").text
    assert "Change since the last wave" in report
    assert "2025" in report
    assert client.get(f"/w/{wid}/kept/../state.json").status_code == 404
    # remove: the first post only asks
    asked = client.post(
        f"/w/{wid}/keep/remove",
        data={"csrf": csrf, "org": "Example Agency", "wave": "2025", "instrument": "oric"},
    )
    assert "Remove Example Agency, wave 2025?" in asked.text
    store = client.app.state.store
    assert len(History(store).rows()) == 2
    done = client.post(
        f"/w/{wid}/keep/remove",
        data={"csrf": csrf, "org": "Example Agency", "wave": "2025", "instrument": "oric",
              "confirm": "yes"},
    )  # fmt: skip
    assert "Removed Example Agency, wave 2025." in done.text
    assert [r["wave"] for r in History(store).rows()] == ["2026"]


def test_a_report_build_can_be_cancelled(client, tmp_path):
    """Issue 31: a cancel button beside the progress line: nothing of a cancelled build is
    kept or shown, and the report can be built again once its work has stopped. (2,000
    respondents: the build takes seconds, so the cancel arrives while it runs.)"""
    big = tmp_path / "oric_big.csv"
    write_table(demo_responses("oric", n=2000, seed=5), big)
    wid, csrf = ready(client, big)
    page = client.get(f"/w/{wid}/report").text
    r = client.post(
        f"/w/{wid}/report",
        data={"csrf": csrf, "basis": form_basis(page), "by": "role", "min_group_size": "5"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "Cancel this report" in client.get(f"/w/{wid}/report").text
    page = client.post(f"/w/{wid}/report/cancel", data={"csrf": csrf}).text
    assert "The report was cancelled" in page
    jobs = client.app.state.jobs
    for _ in range(400):
        if not jobs[wid].get("busy"):
            break
        time.sleep(0.25)
    assert jobs[wid]["status"] == "cancelled"
    ws = client.app.state.workspaces.get(wid)
    assert not list(ws.folder.glob("oric-report.*"))  # what it wrote was discarded
    page = client.get(f"/w/{wid}/report").text
    assert "Ready" not in page
    assert "Ready" in build(client, wid, csrf, **ALL)  # and it builds again


def test_replacing_a_kept_wave_asks_first(client, export):
    wid, csrf = ready(client, export)
    keep(client, wid, csrf, "Example Agency", "2026", "2026-04-01")
    page = client.get(f"/w/{wid}/keep").text
    data = {"csrf": csrf, "basis": form_basis(page), "org": "Example Agency", "wave": "2026",
            "wave_date": "2026-05-01", "replace": "yes"}  # fmt: skip
    asked = client.post(f"/w/{wid}/keep", data=data)
    assert "Replace Example Agency, wave 2026?" in asked.text
    assert "2026-04-01" in asked.text  # the wave it would replace, by its date
    from assessments import History

    assert History(client.app.state.store).rows()[0]["date"] == "2026-04-01"  # nothing yet
    done = client.post(f"/w/{wid}/keep", data={**data, "confirm": "yes"})
    assert done.status_code == 200
    assert History(client.app.state.store).rows()[0]["date"] == "2026-05-01"

"""Issue 31: the RSA in four perspectives on the page, as ``assess report --input FILE:VERSION
... --key KEY`` makes it: the key workbook to download and fill in, one file per perspective
with the filled-in key, the perspective report; errors name the person's files."""

from __future__ import annotations

import io
import shutil

import openpyxl
import pytest
from starlette.testclient import TestClient
from test_docs import rsa_key_workbook
from test_web import start

from assessments.demo import run_rsa_demo

VERSIONS = ("administrator", "provider", "person", "family")


@pytest.fixture
def client(web_client):
    return web_client


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("rsa")
    run_rsa_demo(out, report=False)
    rsa_key_workbook(out / "rsa-key.xlsx")  # filled in as a reader fills it (test_docs)
    return out


def post(c: TestClient, wid: str, csrf: str, demo, key_name: str, **extra):
    files = {f"file_{v}": (f"{v} 2026.csv", (demo / f"rsa_{v}_answers.csv").read_bytes())
             for v in VERSIONS}  # fmt: skip
    files["key"] = (key_name, (demo / key_name).read_bytes())
    data = {"csrf": csrf, "instrument": "rsa", "organization": "Example Agency", **extra}
    return c.post(f"/w/{wid}/perspectives", data=data, files=files, follow_redirects=True)


def test_the_key_workbook_and_the_perspective_report(client, demo):
    wid, csrf = start(client)
    assert "from several perspectives" in client.get(f"/w/{wid}/instrument").text
    r = client.get(f"/w/{wid}/key-template.xlsx?instrument=rsa")
    assert r.status_code == 200
    assert "rsa-key.xlsx" in r.headers["content-disposition"]
    assert "provider" in openpyxl.load_workbook(io.BytesIO(r.content)).sheetnames
    page = post(client, wid, csrf, demo, "rsa-key.xlsx", on_invalid="missing")
    assert page.status_code == 200, page.text[:1500]
    assert "Ready: the perspective report" in page.text
    assert "provider 70" in page.text
    pdf = client.get(f"/w/{wid}/perspectives/rsa-perspectives-report.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    html = client.get(f"/w/{wid}/perspectives/rsa-perspectives-report.html").text
    assert "Example Agency" in html
    assert client.get(f"/w/{wid}/perspectives/..%2Fstate.json").status_code == 404


def test_a_bad_key_names_the_persons_file(client, demo, tmp_path):
    wid, csrf = start(client)
    bad = tmp_path / "keys"
    bad.mkdir()
    shutil.copy(demo / "rsa-key.xlsx", bad / "our key.xlsx")
    book = openpyxl.load_workbook(bad / "our key.xlsx")
    book["provider"]["B2"] = "no such factor"
    book.save(bad / "our key.xlsx")
    files = {f"file_{v}": (f"{v}.csv", (demo / f"rsa_{v}_answers.csv").read_bytes())
             for v in VERSIONS}  # fmt: skip
    files["key"] = ("our key.xlsx", (bad / "our key.xlsx").read_bytes())
    r = client.post(f"/w/{wid}/perspectives", data={"csrf": csrf, "instrument": "rsa",
                    "on_invalid": "missing"}, files=files)  # fmt: skip
    assert r.status_code == 422
    assert "our key.xlsx" in r.text
    assert "perspective-key" not in r.text
    assert f"/w/{wid}/perspectives" in r.text
    one = client.post(
        f"/w/{wid}/perspectives",
        data={"csrf": csrf, "instrument": "rsa"},
        files={"key": ("our key.xlsx", b"x"), "file_provider": ("p.csv", b"a\n1\n")},
    )
    assert one.status_code == 422
    assert "at least two files" in one.text

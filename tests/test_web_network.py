"""Issue 34: the web page in network mode (``assess serve --accounts``), on SQLite and
PostgreSQL. Nothing but sign-in opens without an account; an agency user works only on their
own agency's workspaces and kept waves (every other agency's refused by every route, by
guessing ids and names); an analyst sees benchmarks and coded agencies, never a workspace; the
administrator invites people and reads the audit log; links and sessions end as they should."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from test_web import upload
from test_web_report_options import form_basis

from assessments.accounts import Accounts
from assessments.demo import demo_responses
from assessments.history.store import History
from assessments.io.tables import write_table
from assessments.web.app import create_app

PASSWORD = "correct horse battery staple"
BASE = "http://127.0.0.1:8765"


@pytest.fixture
def network(store, tmp_path):
    """Two agencies with a user each, an analyst and an administrator."""
    accounts = Accounts(History(store))
    people = {}
    for agency in ("Harbor House", "Cedar Grove"):
        accounts.create_agency(agency)
        email = f"staff@{agency.split()[0].lower()}.example"
        accounts.accept(accounts.invite(email, "agency", agency=agency), PASSWORD)
        people[agency] = email
    for role in ("analyst", "admin"):
        accounts.accept(accounts.invite(f"{role}@network.example", role), PASSWORD)
    app = create_app(root=tmp_path / "sessions", store=store, accounts=True)
    return app, people, store


def signed_in(app, email: str) -> TestClient:
    c = TestClient(app, base_url=BASE)
    page = c.get("/signin")
    pre = re.search(r'name="pre" value="([^"]+)"', page.text).group(1)
    r = c.post("/signin", data={"pre": pre, "email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text[:500]
    return c


def scored_workspace(c: TestClient, tmp_path: Path, seed: int) -> tuple[str, str]:
    r = c.post("/start", follow_redirects=True)
    wid = str(r.url).split("/w/")[1].split("/")[0]
    csrf = c.app.state.workspaces.get(wid).state()["csrf"]  # (the header's is the sign-out's)
    c.post(f"/w/{wid}/instrument", data={"csrf": csrf, "instrument": "oric"})
    path = tmp_path / f"oric_{seed}.csv"
    write_table(demo_responses("oric", n=60, seed=seed), path)
    upload(c, wid, csrf, path)
    page = c.get(f"/w/{wid}/check").text
    c.post(f"/w/{wid}/check", data={"csrf": csrf, "basis": form_basis(page),
                                    "on_invalid": "missing", "action": "score"})  # fmt: skip
    return wid, csrf


def test_nothing_opens_without_signing_in(network):
    app, _, _ = network
    c = TestClient(app, base_url=BASE)
    for path in ("/", "/admin", "/network", "/w/abc/upload", "/w/abc/keep"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"] == "/signin"
    assert c.post("/start", follow_redirects=False).status_code == 403
    assert c.get("/signin").status_code == 200
    assert c.get("/static/style.css").status_code == 200


def test_sign_in_sets_a_safe_cookie_and_a_wrong_password_says_nothing_more(network):
    app, people, _ = network
    c = TestClient(app, base_url=BASE)
    page = c.get("/signin")
    pre = re.search(r'name="pre" value="([^"]+)"', page.text).group(1)
    wrong = c.post("/signin", data={"pre": pre, "email": people["Harbor House"],
                                    "password": "not the password"})  # fmt: skip
    assert wrong.status_code == 401
    assert "the email address or the password is not right" in wrong.text
    page = c.get("/signin")
    pre = re.search(r'name="pre" value="([^"]+)"', page.text).group(1)
    forged = c.post("/signin", data={"pre": "forged", "email": people["Harbor House"],
                                     "password": PASSWORD})  # fmt: skip
    assert forged.status_code == 403
    pre = re.search(r'name="pre" value="([^"]+)"', forged.text).group(1)  # its new form
    ok = c.post("/signin", data={"pre": pre, "email": people["Harbor House"],
                                 "password": PASSWORD}, follow_redirects=False)  # fmt: skip
    assert ok.status_code == 303
    cookie = next(x for x in ok.headers.get_list("set-cookie") if "assess_session=" in x)
    assert "assess_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()


def test_an_agency_works_only_on_its_own_workspaces_and_waves(network, tmp_path):
    app, people, store = network
    harbor = signed_in(app, people["Harbor House"])
    cedar = signed_in(app, people["Cedar Grove"])
    wid, csrf = scored_workspace(harbor, tmp_path, 1)
    page = harbor.get(f"/w/{wid}/keep").text
    assert "Harbor House" in page
    # the wave is kept under the agency's own name, whatever the form says
    r = harbor.post(f"/w/{wid}/keep", data={"csrf": csrf, "basis": form_basis(page),
                                           "org": "Cedar Grove", "wave": "2026"})  # fmt: skip
    assert r.status_code == 200, r.text[:500]
    with History(store) as h:
        assert h.waves()[["org", "wave"]].values.tolist() == [["Harbor House", "2026"]]
        events = h.events()
    assert events["actor"].tolist() == [people["Harbor House"]]
    cwid, ccsrf = scored_workspace(cedar, tmp_path, 2)
    # Cedar Grove's user cannot reach Harbor House's workspace by its id, nor its files
    for path in ("instrument", "upload", "check", "scores", "report", "keep", "mapping.yaml",
                 "template.xlsx", "report.zip", "files/export.csv"):  # fmt: skip
        assert cedar.get(f"/w/{wid}/{path}").status_code == 404, path
    for path in ("keep", "keep/remove", "keep/report", "delete", "report"):
        assert cedar.post(f"/w/{wid}/{path}", data={"csrf": csrf}).status_code == 404, path
    # nor list, report or remove Harbor House's kept wave from its own workspace
    cpage = cedar.get(f"/w/{cwid}/keep").text
    assert "Harbor House" not in cpage
    for path, extra in (("keep/remove", {"confirm": "yes"}), ("keep/report", {})):
        r = cedar.post(
            f"/w/{cwid}/{path}",
            data={
                "csrf": ccsrf,
                "org": "Harbor House",
                "wave": "2026",
                "instrument": "oric",
                **extra,
            },
        )
        assert r.status_code == 403, path
    with History(store) as h:
        assert len(h.waves()) == 1  # still there
    # the start page lists only one's own workspaces
    assert wid not in cedar.get("/").text


def test_analysts_see_benchmarks_never_workspaces_or_names(network, tmp_path):
    app, _people, store = network
    from assessments import score

    names = ["Birch", "Cedar", "Elm", "Fir", "Hazel", "Maple"]
    with History(store) as h:
        for k, name in enumerate(names):
            h.add(score(demo_responses("oric", n=30, seed=k), "oric", on_invalid="missing"),
                  org=f"{name} Clinic", wave="2026")  # fmt: skip
    analyst = signed_in(app, "analyst@network.example")
    assert analyst.post("/start", follow_redirects=False).status_code == 403
    assert analyst.get("/admin").status_code == 403
    page = analyst.get("/network?instrument=oric")
    assert page.status_code == 200
    assert "<td>Change efficacy</td>" in page.text  # the scores by name
    report = analyst.get("/network/report?instrument=oric&named=yes")
    assert report.status_code == 200
    for name in names:
        assert name not in report.text  # coded, even when asked for names
    assert "Agency 1" in report.text
    admin = signed_in(app, "admin@network.example")
    named = admin.get("/network/report?instrument=oric&named=yes")
    assert "Hazel Clinic" in named.text
    with History(store) as h:
        actors = set(h.events()["actor"])
    assert {"analyst@network.example", "admin@network.example"} <= actors


def test_the_administrator_invites_and_signs_people_out(network):
    app, _people, _ = network
    admin = signed_in(app, "admin@network.example")
    page = admin.get("/admin").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # one token for the page
    r = admin.post("/admin", data={"csrf": csrf, "action": "agency", "name": "Elm Street"})
    assert "Elm Street" in r.text
    r = admin.post("/admin", data={"csrf": csrf, "action": "invite", "email": "new@elm.example",
                                   "role": "agency", "agency": "Elm Street"})  # fmt: skip
    link = re.search(r"(/invite/[A-Za-z0-9_-]+)", r.text).group(1)
    assert admin.post("/admin", data={"csrf": "wrong", "action": "agency",
                                      "name": "X"}).status_code == 403  # fmt: skip
    newcomer = TestClient(app, base_url=BASE)
    page = newcomer.get(link).text
    pre = re.search(r'name="pre" value="([^"]+)"', page).group(1)
    r = newcomer.post(link, data={"pre": pre, "password": PASSWORD, "again": PASSWORD})
    assert "Your password is set" in r.text
    dead = newcomer.get(link)  # used up: said when the link is opened, with no form
    assert dead.status_code == 400
    assert "expired or was used already" in dead.text
    assert 'name="password"' not in dead.text
    again = newcomer.post(link, data={"pre": pre, "password": PASSWORD, "again": PASSWORD})
    assert again.status_code in (400, 403)  # and a form posted anyway is refused
    assert admin.get(link).status_code == 400
    unknown = newcomer.get("/invite/" + "x" * 43)
    assert unknown.status_code == 400
    elm = signed_in(app, "new@elm.example")
    assert elm.get("/", follow_redirects=False).status_code == 200
    admin.post("/admin", data={"csrf": csrf, "action": "signout", "email": "new@elm.example"})
    assert elm.get("/", follow_redirects=False).status_code == 303  # signed out everywhere


def test_the_first_administrator_comes_from_the_command_line(tmp_path):
    """A new network: the store, an agency and the first administrator, from the command line;
    behind a TLS proxy (``--public-url``), the cookie is Secure."""
    import json

    from click.testing import CliRunner

    from assessments.cli.main import cli

    store = str(tmp_path / "network.sqlite")
    runner = CliRunner()
    r = runner.invoke(cli, ["accounts", "agency", "Harbor House", "--store", store])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["accounts", "invite", "boss@network.example", "--role", "admin",
                            "--store", store, "--public-url", "https://assess.example.org",
                            "--json"])  # fmt: skip
    assert r.exit_code == 0, r.output
    link = json.loads(r.output)["link"]
    assert link.startswith("https://assess.example.org/invite/")
    listed = json.loads(runner.invoke(cli, ["accounts", "list", "--store", store,
                                            "--json"]).output)  # fmt: skip
    assert listed["agencies"] == ["Harbor House"]
    assert listed["users"][0]["active"] is False
    refused = runner.invoke(cli, ["serve", "--accounts", "--no-browser"], env={"ASSESS_STORE": ""})
    assert refused.exit_code == 1
    assert "give --store" in refused.output
    app = create_app(root=tmp_path / "s", store=store, accounts=True,
                     public_url="https://assess.example.org")  # fmt: skip
    c = TestClient(app, base_url="https://assess.example.org")
    path = link.removeprefix("https://assess.example.org")
    pre = re.search(r'name="pre" value="([^"]+)"', c.get(path).text).group(1)
    c.post(path, data={"pre": pre, "password": PASSWORD, "again": PASSWORD},
           headers={"origin": "https://assess.example.org"})  # fmt: skip
    pre = re.search(r'name="pre" value="([^"]+)"', c.get("/signin").text).group(1)
    ok = c.post("/signin", data={"pre": pre, "email": "boss@network.example",
                                 "password": PASSWORD}, follow_redirects=False,
                headers={"origin": "https://assess.example.org"})  # fmt: skip
    assert ok.status_code == 303
    assert ok.headers["location"] == "/admin"
    cookie = next(x for x in ok.headers.get_list("set-cookie") if "assess_session=" in x)
    assert "Secure" in cookie
    other = TestClient(app, base_url="https://evil.example.org")
    assert other.get("/signin").status_code == 400  # another host: refused


def test_hostile_form_values_are_refused_not_crashed_on(network):
    """Tokens that are not ASCII, empty or huge: a 403, never an internal error."""
    app, people, _ = network
    c = TestClient(app, base_url=BASE, raise_server_exceptions=False)
    for pre in ("é" * 40, "", "x" * 5000, "\x00"):
        r = c.post("/signin", data={"pre": pre, "email": people["Harbor House"],
                                    "password": PASSWORD})  # fmt: skip
        assert r.status_code == 403, pre[:10]
    admin = signed_in(app, "admin@network.example")
    for csrf in ("é", "", "\u202e" * 50):
        r = admin.post("/admin", data={"csrf": csrf, "action": "agency", "name": "X"})
        assert r.status_code == 403
    r = admin.get("/network/report?instrument=%3Cscript%3E")
    assert r.status_code == 400
    assert "<script>" not in r.text

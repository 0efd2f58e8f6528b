"""Issue 34: network mode in Chromium, as its people would use it: the administrator signs in
and sees the administrator's page; an agency user signs in, uploads, scores and keeps a wave
under their agency and builds its report, which says where it stands in the network; the
administrator sets the network's policy and opens the named network report; an analyst signs
in and opens the coded network report. Each page with axe (WCAG 2.2 AA) and at 390 px, as the
other browser tests."""

from __future__ import annotations

import pytest
from test_web_browser import chromium, serving, shoot

from assessments import score
from assessments.accounts import Accounts
from assessments.demo import demo_responses
from assessments.history.store import History
from assessments.io.tables import write_table
from assessments.web.app import create_app
from assessments.web.server import free_port

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def server(tmp_path_factory):

    root = tmp_path_factory.mktemp("network")
    store = str(root / "network.sqlite")
    accounts = Accounts(History(store))
    names = ["Harbor House", "Cedar Grove", "Elm Street", "Fir Lane", "Oak Center"]
    with History(store) as h:
        for k, name in enumerate(names):
            accounts.create_agency(name)
            if name != "Harbor House":
                h.add(score(demo_responses("oric", n=40, seed=k), "oric", on_invalid="missing"),
                      org=name, wave="2026")  # fmt: skip
    accounts.accept(accounts.invite("pat@harbor.example", "agency", agency="Harbor House"),
                    PASSWORD)  # fmt: skip
    for role in ("admin", "analyst"):
        accounts.accept(accounts.invite(f"{role}@network.example", role), PASSWORD)
    port = free_port("127.0.0.1", 18865)
    app = create_app(port=port, root=root / "sessions", store=store, accounts=True)
    export = root / "harbor.csv"
    write_table(demo_responses("oric", n=60, seed=11), export)
    with serving(app, port) as base:
        yield base, store, export


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/signin")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_each_role_in_chromium(server):
    from playwright.sync_api import sync_playwright

    base, store, export = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        page = browser.new_page(bypass_csp=True)
        page.goto(base)
        assert page.title().startswith("Sign in")
        shoot(page, "n0-signin")
        sign_in(page, base, "admin@network.example")
        assert page.title().startswith("Network administration")
        assert "pat@harbor.example" in page.inner_text("main")
        shoot(page, "n1-admin")
        page.get_by_role("button", name="Sign out", exact=True).click()
        assert page.title().startswith("Sign in")

        sign_in(page, base, "pat@harbor.example")
        assert page.title().startswith("Start")
        page.get_by_role("button", name="Start a new assessment").click()
        page.get_by_label("Organizational Readiness for Implementing Change").check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("This wave's export").set_input_files(str(export))
        page.get_by_role("button", name="Upload and check").click()
        page.get_by_label("Treat them as missing").check()
        page.get_by_role("button", name="Score these answers").click()
        page.goto(page.url.rsplit("/", 1)[0] + "/keep")
        assert "Organization: Harbor House (your agency)" in page.inner_text("main")
        shoot(page, "n2-keep")
        page.get_by_label("Wave (e.g. 2026 or 2026-Q1)").fill("2026")
        page.get_by_role("button", name="Keep it").click()
        assert "Kept as Harbor House, wave 2026" in page.inner_text("main")
        # the agency's report, built on the page, says where it stands in the network (the
        # network's policy of 11 respondents set by the administrator, below, is not yet set)
        page.get_by_role("link", name="5 Report").click()
        page.get_by_role("button", name="Build the PDF, HTML and Excel report").click()
        page.wait_for_selector("text=Ready: the report of", timeout=120_000)
        shoot(page, "n2-report")
        preview = page.frame_locator("iframe.preview").locator("body").inner_text()
        assert "Our place among the network's agencies: Change commitment" in preview
        assert "of the 5 agencies in the network" in preview
        page.get_by_role("button", name="Sign out", exact=True).click()

        sign_in(page, base, "admin@network.example")
        page.get_by_label("Smallest number of respondents shown (a group or an agency)").fill("11")
        page.get_by_role("button", name="Set the policy").click()
        assert "The network's policy is now: at least 11 respondents" in page.inner_text("main")
        shoot(page, "n2-policy")
        # an invitation, as the administrator makes it and a newcomer follows it
        page.get_by_label("Email address").fill("sam@cedar.example")
        page.get_by_label("Agency (for the agency role)").select_option("Cedar Grove")
        page.get_by_role("button", name="Make the invitation link").click()
        link = page.locator("div.message code").inner_text()
        assert "/invite/" in link
        newcomer = browser.new_page(bypass_csp=True)  # another person: no cookie of the admin's
        newcomer.goto(link)
        assert newcomer.title().startswith("Set your password")
        shoot(newcomer, "n2-invite")
        newcomer.get_by_label("New password").fill(PASSWORD)
        newcomer.get_by_label("The same password again").fill(PASSWORD)
        newcomer.get_by_role("button", name="Set the password").click()
        assert "Your password is set" in newcomer.inner_text("main")
        sign_in(newcomer, base, "sam@cedar.example")
        assert newcomer.title().startswith("Start")
        assert "Cedar Grove" in newcomer.inner_text("body")
        newcomer.goto(link)  # the link works once
        assert "expired or was used already" in newcomer.inner_text("main")
        newcomer.close()
        page.get_by_role("link", name="The network's benchmarks and report").click()
        page.get_by_role("link", name="The network report, agencies named").click()
        named = page.inner_text("main")
        assert "Harbor House" in named  # the administrator's report names the agencies
        assert "Cedar Grove" in named
        page.go_back()
        page.get_by_role("button", name="Sign out", exact=True).click()

        sign_in(page, base, "analyst@network.example")
        assert page.title().startswith("The network")
        assert "Change efficacy" in page.inner_text("main")
        shoot(page, "n3-network")
        page.get_by_role("link", name="The network report, agencies coded").click()
        text = page.inner_text("main")
        assert "Agency 1" in text
        assert "Harbor House" not in text
        browser.close()
    with History(store) as h:
        kept = h.waves("Harbor House")
        assert kept["wave"].tolist() == ["2026"]
        events = h.events()
    assert {"pat@harbor.example", "analyst@network.example"} <= set(events["actor"])

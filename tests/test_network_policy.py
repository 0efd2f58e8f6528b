"""Issue 34: the network's suppression rule, kept in the store (``assess network-policy``), on
SQLite and PostgreSQL: every network figure follows it, a command may ask for more and never
for less, setting it is logged; and an agency user's report built on the web page (network
mode) carries its place among the network's agencies, checked against the deciles computed
here with numpy from the scores as added, and keeps no group under the policy's minimum."""

from __future__ import annotations

import io
import re
import time

import numpy as np
import pypdf
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient
from test_web import score_on_page
from test_web_network import BASE, PASSWORD
from test_web_report_options import form_basis

from assessments import score
from assessments.accounts import Accounts
from assessments.cli.main import cli
from assessments.demo import demo_responses
from assessments.history.store import History
from assessments.io.tables import write_table
from assessments.network import (
    NetworkError,
    Policy,
    network_benchmarks,
    network_policy,
    set_network_policy,
)
from assessments.render import render_html
from assessments.render.network import build_network_report
from assessments.stats.norms import place_among
from assessments.web.app import create_app

SIZES = [8, 9, 12, 14, 20, 25, 30, 40, 45, 50, 60]  # one agency per size


def fill(store: str) -> dict[str, float]:
    """Eleven agencies of the sizes above; returns each agency's mean change efficacy."""
    means = {}
    with History(store) as h:
        for k, n in enumerate(SIZES):
            s = score(demo_responses("oric", n=n, seed=k), "oric", on_invalid="missing")
            h.add(s, org=f"Agency {k + 1:02d}", wave="2026")
            means[f"Agency {k + 1:02d}"] = float(s.respondents["change_efficacy"].mean())
    return means


def test_the_policy_is_kept_in_the_store_and_every_figure_follows_it(store):
    fill(store)
    with History(store, actor="admin@network.example") as h:
        assert network_policy(h) == Policy()  # none set: the defaults
        before = network_benchmarks(h, "oric").table.set_index("target")
        assert "Agency 01" in render_html(build_network_report(h, "oric"))
        set_network_policy(h, min_respondents=11)
        now = network_policy(h)
        assert (now.min_respondents, now.min_agencies) == (11, 5)
        assert now.set_by == "admin@network.example"
        after = network_benchmarks(h, "oric").table.set_index("target")
        # the agencies of 8 and 9 respondents (and any below 11 on a score) leave the figures
        assert before.loc["change_efficacy", "n"] == 11
        assert after.loc["change_efficacy", "n"] <= 9
        loaded = {o: h.load(o, "2026", "oric") for o in (f"Agency {k:02d}" for k in range(1, 12))}
        counted = [
            o for o, s in loaded.items() if s.respondents["change_efficacy"].notna().sum() >= 11
        ]
        assert after.loc["change_efficacy", "n"] == len(counted)
        # asking for less than the policy is refused; more is allowed
        with pytest.raises(NetworkError, match="below the network's policy"):
            network_benchmarks(h, "oric", min_respondents=5)
        with pytest.raises(NetworkError, match="below the network's policy"):
            build_network_report(h, "oric", min_respondents=10)
        stricter = network_benchmarks(h, "oric", min_respondents=30).table.set_index("target")
        assert stricter.loc["change_efficacy", "n"] < after.loc["change_efficacy", "n"]
        # the network report shows no agency under the policy (it did under the default)
        html = render_html(build_network_report(h, "oric"))
        assert "Agency 01" not in html
        assert "Agency 02" not in html
        assert "Agency 11" in html
        assert "fewer than 11 respondents are not shown" in html
        set_network_policy(h, min_agencies=6)  # the other minimum stays
        assert (network_policy(h).min_respondents, network_policy(h).min_agencies) == (11, 6)
        with pytest.raises(NetworkError, match="at least 1"):
            set_network_policy(h, min_respondents=0)
        events = h.events()
    policy = events[events["action"] == "policy"]
    assert len(policy) == 2
    assert set(policy["actor"]) == {"admin@network.example"}


def test_the_command_shows_sets_and_enforces_the_policy(tmp_path):
    store = str(tmp_path / "network.sqlite")
    fill(store)
    run = CliRunner().invoke
    shown = run(cli, ["network-policy", "--store", store])
    assert shown.exit_code == 0
    assert "at least 5 respondents in any group or agency shown and 5 agencies" in shown.output
    assert "the defaults" in shown.output
    assert run(cli, ["network-policy", "--store", store, "--min-respondents", "11"]).exit_code == 0
    shown = run(cli, ["network-policy", "--store", store, "--json"])
    assert '"min_respondents": 11' in shown.output
    out = tmp_path / "bench.csv"
    refused = run(cli, ["benchmarks", "--from-history", "-i", "oric", "-o", str(out),
                        "--store", store, "--min-respondents", "5"])  # fmt: skip
    assert refused.exit_code == 1
    assert "below the network's policy" in refused.output
    assert "leave --min-respondents out" in refused.output
    assert not out.exists()
    done = run(cli, ["benchmarks", "--from-history", "-i", "oric", "-o", str(out),
                     "--store", store])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "at least 11 respondents" in out.read_text()
    # an agency's own workbook and report from the store follow it too
    xlsx = tmp_path / "agency.xlsx"
    refused = run(cli, ["history", "export", "Agency 11", "-o", str(xlsx), "--store", store,
                        "--min-group-size", "5"])  # fmt: skip
    assert refused.exit_code == 1
    assert "--min-group-size 5 is below the network's policy" in refused.output
    assert not xlsx.exists()
    assert (
        run(cli, ["history", "export", "Agency 11", "-o", str(xlsx), "--store", store]).exit_code
        == 0
    )
    from openpyxl import load_workbook

    notes = load_workbook(xlsx)["notes"]
    assert any("(fewer than 11," in str(c.value) for row in notes.iter_rows() for c in row)
    done = run(cli, ["report", "--history", "Agency 11", "--store", store, "--by", "role",
                     "--format", "html", "-o", str(tmp_path / "rep")])  # fmt: skip
    assert done.exit_code == 0, done.output
    html = (tmp_path / "rep" / "oric-report.html").read_text()
    assert "groups with fewer than 11 respondents are suppressed" in html
    bad = run(cli, ["network-policy", "--store", store, "--min-agencies", "1"])
    assert bad.exit_code == 2  # click's range check, before anything is written


def _signed_in(app, email: str, *, lifespan: bool = True) -> TestClient:
    c = TestClient(app, base_url=BASE)
    if lifespan:  # one event loop for the whole test: the report is built in the background
        c.__enter__()
    page = c.get("/signin")
    pre = re.search(r'name="pre" value="([^"]+)"', page.text).group(1)
    r = c.post("/signin", data={"pre": pre, "email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text[:500]
    return c


def test_an_agency_report_on_the_page_has_its_place_in_the_network(store, tmp_path):
    means = fill(store)
    accounts = Accounts(History(store))
    accounts.create_agency("Harbor House")
    accounts.accept(accounts.invite("pat@harbor.example", "agency", agency="Harbor House"),
                    PASSWORD)  # fmt: skip
    with History(store, actor="admin@network.example") as h:
        set_network_policy(h, min_respondents=11)
    app = create_app(root=tmp_path / "sessions", store=store, accounts=True)
    c = _signed_in(app, "pat@harbor.example")
    try:
        r = c.post("/start", follow_redirects=True)
        wid = str(r.url).split("/w/")[1].split("/")[0]
        csrf = c.app.state.workspaces.get(wid).state()["csrf"]
        c.post(f"/w/{wid}/instrument", data={"csrf": csrf, "instrument": "oric"})
        answers = demo_responses("oric", n=80, seed=99)
        path = tmp_path / "harbor.csv"
        write_table(answers, path)
        score_on_page(c, wid, csrf, path)
        page = c.get(f"/w/{wid}/report").text
        assert 'min="11"' in page
        assert "the network's policy: 11 or more" in page
        # a smaller group than the policy allows is refused, with what to do
        form = {"csrf": csrf, "basis": form_basis(page), "by": "role", "min_group_size": "5"}
        refused = c.post(f"/w/{wid}/report", data=form)
        assert refused.status_code == 422
        assert "no group of fewer than 11 respondents" in refused.text
        c.post(f"/w/{wid}/report", data={"csrf": csrf, "basis": form_basis(page), "by": "role",
                                         "min_group_size": "11"})  # fmt: skip
        for _ in range(240):
            page = c.get(f"/w/{wid}/report").text
            if "Ready" in page or "could not be built" in page:
                break
            time.sleep(0.5)
        assert "Ready" in page, page[-3000:]
        preview = c.get(f"/w/{wid}/report/preview").text
        pdf = c.get(f"/w/{wid}/files/oric-report.pdf").content
        # kept, then reported from the store: the same place (now the network has it too)
        from test_web_report_options import keep

        keep(c, wid, csrf, "Harbor House", "2026", "2026-04-01")
        r = c.post(f"/w/{wid}/keep/report", data={
            "csrf": csrf, "org": "Harbor House", "wave": "2026", "instrument": "oric"})  # fmt: skip
        assert r.status_code == 200, r.text[:1500]
        name = re.search(r'href="/w/[^/]+/kept/([^"]+\.html)"', r.text).group(1)
        kept_report = c.get(f"/w/{wid}/kept/{name}").text
    finally:
        c.__exit__(None, None, None)
    # independent: the deciles of the agency means with at least 11 respondents (numpy), and
    # our mean placed among them by the same rule as the command line's report
    with History(store) as h:
        counts = {o: h.load(o, "2026", "oric").respondents["change_efficacy"].notna().sum()
                  for o in means}  # fmt: skip
    big = [o for o in means if counts[o] >= 11]
    x = np.array([means[o] for o in big])
    ref = {"n": len(x), **dict(zip([f"p{k}" for k in range(10, 100, 10)],
                                   np.percentile(x, range(10, 100, 10)), strict=True))}  # fmt: skip
    if len(x) < 10:  # deciles need twice min_agencies agencies; else the quartiles
        ref = {"n": len(x), "q1": np.percentile(x, 25), "median": np.median(x),
               "q3": np.percentile(x, 75)}  # fmt: skip
    ours = score(answers, "oric", on_invalid="missing").respondents["change_efficacy"].mean()
    sentence = place_among(float(ours), ref)
    assert f"of the {len(x)} agencies in the network" in sentence
    assert sentence in preview
    assert "Our place among the network&#x27;s agencies: Change commitment" in kept_report
    assert "agencies in the network" in kept_report
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Our place among the network's agencies: Change commitment" in text  # page 1
    assert sentence.split(" of the ")[0] in text
    # no group under the policy: the role of fewer than 11 is suppressed (and the next
    # smallest, so that it cannot be worked out from the total)
    roles = answers["role"].value_counts()
    assert roles.min() < 11
    assert f"{roles.idxmin()}: suppressed" in preview
    assert "groups with fewer than 11 respondents are suppressed" in preview
    with History(store) as h:
        events = h.events()
    read = events[(events["action"] == "benchmark") & (events["actor"] == "pat@harbor.example")]
    assert set(read["org"]) >= set(big)  # the agency user's read of the network is logged


def test_the_administrator_sets_the_policy_on_the_page_and_sees_who_has_kept_a_wave(
    store, tmp_path
):
    fill(store)
    accounts = Accounts(History(store))
    for name in ("Agency 01", "Late Agency"):
        accounts.create_agency(name)
    accounts.accept(accounts.invite("admin@network.example", "admin"), PASSWORD)
    accounts.accept(accounts.invite("pat@late.example", "agency", agency="Late Agency"), PASSWORD)
    accounts.accept(accounts.invite("ana@network.example", "analyst"), PASSWORD)
    app = create_app(root=tmp_path / "sessions", store=store, accounts=True)
    admin = _signed_in(app, "admin@network.example")
    try:
        page = admin.get("/admin").text
        assert "(the defaults)" in page
        # the waves kept: 11 agencies have an ORIC wave; the one with an account and none is named
        row = re.search(r"<td>Organizational Readiness[^<]*</td><td>(\d+)</td><td>[^<]*</td>"
                        r"<td>([^<]*)</td>", page)  # fmt: skip
        assert row.group(1) == "11"
        assert row.group(2) == "Late Agency"
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        for bad in ("0", "ten", "-3", "9999999"):
            r = admin.post("/admin", data={"csrf": csrf, "action": "policy",
                                           "min_respondents": bad})  # fmt: skip
            assert r.status_code == 200
            assert "(the defaults)" in r.text  # nothing was set
        r = admin.post("/admin", data={"csrf": csrf, "action": "policy", "min_respondents": "11",
                                       "min_agencies": "5"})  # fmt: skip
        assert "The network&#39;s policy is now: at least 11 respondents" in r.text
        assert "set by admin@network.example" in r.text
        for email in ("pat@late.example", "ana@network.example"):  # only the administrator
            other = _signed_in(app, email, lifespan=False)
            page = other.get("/").text
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            refused = other.post("/admin", data={"csrf": token, "action": "policy",
                                                 "min_respondents": "1"})  # fmt: skip
            assert refused.status_code == 403
    finally:
        admin.__exit__(None, None, None)
    with History(store) as h:
        assert network_policy(h).min_respondents == 11
        assert network_policy(h).set_by == "admin@network.example"


def test_the_perspective_report_on_the_page_follows_the_policy(tmp_path):
    """The RSA demo's administrators are 15: shown under the default, hidden under a policy of
    20 respondents (network mode, an agency user's page; the policy on PostgreSQL is tested
    above)."""
    store = str(tmp_path / "network.sqlite")
    from test_web_perspectives import post

    from assessments.demo import run_rsa_demo

    demo = tmp_path / "rsa"
    run_rsa_demo(demo, report=False)
    from test_docs import rsa_key_workbook

    rsa_key_workbook(demo / "rsa-key.xlsx")
    accounts = Accounts(History(store))
    accounts.create_agency("Harbor House")
    accounts.accept(accounts.invite("pat@harbor.example", "agency", agency="Harbor House"),
                    PASSWORD)  # fmt: skip
    app = create_app(root=tmp_path / "sessions", store=store, accounts=True)
    c = _signed_in(app, "pat@harbor.example", lifespan=False)
    hidden = {}
    for policy in (None, 20):
        if policy is not None:
            with History(store, actor="admin@network.example") as h:
                set_network_policy(h, min_respondents=policy)
        r = c.post("/start", follow_redirects=True)
        wid = str(r.url).split("/w/")[1].split("/")[0]
        csrf = c.app.state.workspaces.get(wid).state()["csrf"]
        page = post(c, wid, csrf, demo, "rsa-key.xlsx", on_invalid="missing")
        assert "Ready: the perspective report" in page.text, page.text[-2000:]
        hidden[policy] = c.app.state.workspaces.get(wid).state()["perspectives"]["hidden"]
    assert "administrator" not in hidden[None]
    assert "administrator" in hidden[20]


def test_a_kept_waves_report_on_the_page_follows_the_stores_policy(web_client, tmp_path):
    """The report of a kept wave (the page's 'Report with its trends') follows the store's
    policy, as `assess report --history` does: under 40 respondents a site is not shown."""
    from test_web_report_options import keep, ready

    path = tmp_path / "oric.csv"
    answers = demo_responses("oric", n=150, seed=5)
    write_table(answers, path)
    wid, csrf = ready(web_client, path)
    keep(web_client, wid, csrf, "Example Agency", "2026", "2026-04-01")
    with History(web_client.app.state.store, actor="admin@network.example") as h:
        set_network_policy(h, min_respondents=40)
    r = web_client.post(f"/w/{wid}/keep/report", data={
        "csrf": csrf, "org": "Example Agency", "wave": "2026", "instrument": "oric",
        "by": "site"})  # fmt: skip
    assert r.status_code == 200, r.text[:1500]
    name = re.search(r'href="/w/[^/]+/kept/([^"]+\.html)"', r.text).group(1)
    report = web_client.get(f"/w/{wid}/kept/{name}").text
    assert answers["site"].value_counts().min() < 40
    assert "groups with fewer than 40 respondents are suppressed" in report

"""Issue 31: each job a coordinator does on the page, done in Chromium as a new user would, at
1280 px (and the pages shot at 1280 and 390 px with axe where they are new), with every click
counted. The counts and times are written to ``screenshots/tasks.txt`` for the closing note.

Tasks: a clean ORIC export to its PDF; a new upload after a report never shows the old report;
two tabs; the SurveyMonkey sample mapped by accepting the suggestions; a REDCap raw export with
its dictionary; a report from kept waves; a workspace reopened after a server restart.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from test_web_browser import SHOTS, chromium, shoot

from assessments.demo import demo_responses
from assessments.io.tables import write_table
from assessments.web.app import create_app
from assessments.web.server import free_port

DATA = Path(__file__).parent / "data"
RESULTS: dict[str, tuple[int, float]] = {}


class Server:
    """The page on its own port, started and stopped by the test (a restart keeps the
    workspaces: ``keep_days``)."""

    def __init__(self, root: Path, keep_days: float | None = None):
        import uvicorn

        self.port = free_port("127.0.0.1", 19765)
        app = create_app(port=self.port, root=root / "sessions", store=str(root / "h.sqlite"),
                         keep_days=keep_days)  # fmt: skip
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started and time.time() < deadline:
            time.sleep(0.05)
        assert self.server.started
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


class Person:
    """A coordinator at the page: every click counted, the task timed."""

    def __init__(self, page, task: str):
        self.page, self.task, self.clicks = page, task, 0
        self.start = time.perf_counter()

    def click(self, locator) -> None:
        self.clicks += 1
        locator.click()

    def button(self, name: str) -> None:
        self.click(self.page.get_by_role("button", name=name))

    def link(self, name: str) -> None:
        self.click(self.page.get_by_role("link", name=name))

    def choose_file(self, locator, path: Path) -> None:
        self.clicks += 1  # the file dialog: one click to open it (the choice is the system's)
        locator.set_input_files(str(path))

    def done(self) -> None:
        RESULTS[self.task] = (self.clicks, time.perf_counter() - self.start)
        SHOTS.mkdir(exist_ok=True)
        lines = [f"{t}: {c} clicks, {s:.1f} s" for t, (c, s) in RESULTS.items()]
        (SHOTS / "tasks.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exports")
    out = {}
    for name, n, seed, shift in (("first", 120, 3, -0.5), ("second", 60, 4, 0.4)):
        out[name] = folder / f"oric_{name}.csv"
        write_table(demo_responses("oric", n=n, seed=seed, shift=shift), out[name])
    return out


def new_page(browser):
    return browser.new_page(bypass_csp=True, accept_downloads=True)


def oric_to_scores(me: Person, server: str, export: Path) -> None:
    page = me.page
    page.goto(server)
    me.button("Start a new assessment")
    me.click(page.get_by_label("Organizational Readiness for Implementing Change"))
    me.button("Continue")
    me.choose_file(page.get_by_label("This wave's export"), export)
    me.button("Upload and check")
    me.click(page.get_by_label("Treat them as missing"))
    me.button("Score these answers")


def build_report(me: Person) -> None:
    page = me.page
    me.link("Make the report")
    me.button("Build the PDF, HTML and Excel report")
    page.wait_for_selector("h2:has-text('Ready:')", timeout=120_000)


def test_a_clean_export_to_its_pdf_and_a_new_upload_after_it(browser, exports, tmp_path):
    with Server(tmp_path) as server:
        page = new_page(browser)
        me = Person(page, "ORIC export to its PDF")
        oric_to_scores(me, server, exports["first"])
        build_report(me)
        assert "Ready: the report of oric_first.csv" in page.inner_text("main")
        with page.expect_download() as dl:
            me.link("oric-report.pdf")
        assert Path(dl.value.path()).read_bytes().startswith(b"%PDF")
        me.done()
        # the next export in the same session: the old report is never shown or served
        me = Person(page, "a new upload after a report")
        me.link("2 Upload")
        me.choose_file(page.get_by_label("This wave's export"), exports["second"])
        me.button("Upload and check")
        me.click(page.get_by_label("Treat them as missing"))
        me.button("Score these answers")
        me.link("Make the report")
        main = page.inner_text("main")
        assert "Ready" not in main
        assert page.get_by_role("link", name="oric-report.pdf").count() == 0
        me.button("Build the PDF, HTML and Excel report")
        page.wait_for_selector("h2:has-text('Ready:')", timeout=120_000)
        assert "Ready: the report of oric_second.csv" in page.inner_text("main")
        me.done()
        shoot(page, "t-second-report")
        page.close()


def test_two_tabs_never_act_on_the_other_tabs_file(browser, exports, tmp_path):
    with Server(tmp_path) as server:
        context = browser.new_context(bypass_csp=True)  # axe is injected as a script
        first = context.new_page()
        me = Person(first, "two tabs")
        oric_to_scores(me, server, exports["first"])
        first.goto(first.url.rsplit("/", 1)[0] + "/check")  # the check page, left open
        second = context.new_page()
        second.goto(first.url.rsplit("/", 1)[0] + "/upload")
        me.page = second
        me.choose_file(second.get_by_label("This wave's export"), exports["second"])
        me.button("Upload and check")
        me.page = first
        me.button("Score these answers")  # the first tab's page still shows the first file
        text = first.inner_text("body")
        assert "oric_second.csv" in text  # the refusal names the file the session now holds
        assert "Scored" not in first.title()
        me.done()
        shoot(first, "t-two-tabs-refused")
        context.close()


def test_surveymonkey_by_accepting_the_suggestions(browser, tmp_path):
    definition = DATA / "samples" / "starwars-instrument.yaml"
    export = DATA / "samples" / "surveymonkey" / "fivethirtyeight_StarWars.csv"
    with Server(tmp_path) as server:
        page = new_page(browser)
        me = Person(page, "SurveyMonkey sample, suggestions accepted")
        page.goto(server)
        me.button("Start a new assessment")
        me.click(page.get_by_label("My own instrument"))
        me.choose_file(page.get_by_label("Instrument definition (.yaml)"), definition)
        me.button("Continue")
        me.choose_file(page.get_by_label("This wave's export"), export)
        me.button("Upload and check")
        assert "Han Solo" in page.inner_text("main")  # each item with its suggested column
        me.click(page.get_by_label("Treat them as missing"))
        me.button("Score these answers")
        main = page.inner_text("main")
        assert "1,186" in main or "1186" in main
        shoot(page, "t-surveymonkey-scores")
        me.done()


def test_redcap_raw_with_its_dictionary(browser, tmp_path):
    raw = DATA / "exports" / "redcap-oric-raw.csv"
    dictionary = DATA / "exports" / "redcap-oric-dictionary.csv"
    with Server(tmp_path) as server:
        page = new_page(browser)
        me = Person(page, "REDCap raw export with its dictionary")
        page.goto(server)
        me.button("Start a new assessment")
        me.click(page.get_by_label("Organizational Readiness for Implementing Change"))
        me.button("Continue")
        me.choose_file(page.get_by_label("This wave's export"), raw)
        me.click(page.locator("summary", has_text="More about the file"))
        me.choose_file(page.get_by_label("REDCap data dictionary"), dictionary)
        me.button("Upload and check")
        main = page.inner_text("main")
        assert "not a choice in the REDCap dictionary" in main or "not on the scale" in main
        me.click(page.get_by_label("Treat them as missing"))
        me.button("Score these answers")
        assert "scored" in page.inner_text("main")
        me.done()
        shoot(page, "t-reopened")
        shoot(page, "t-redcap-scores")


def test_a_report_from_kept_waves(browser, exports, tmp_path):
    with Server(tmp_path) as server:
        page = new_page(browser)
        me = Person(page, "a report from kept waves")
        for name, wave in (("first", "2025"), ("second", "2026")):
            oric_to_scores(me, server, exports[name])
            me.link("6 Keep it")
            page.get_by_label("Organization", exact=True).fill("Example Agency")
            page.get_by_label("Wave (e.g. 2026 or 2026-Q1)").fill(wave)
            page.get_by_label("Date the answers were collected").fill(f"{wave}-04-01")
            me.button("Keep it")
        shoot(page, "t-kept-waves")
        me.click(
            page.get_by_role("button", name="Report with its trends: Example Agency, wave 2026")
        )
        assert "The report of Example Agency, wave 2026" in page.inner_text("main")
        with page.expect_download() as dl:
            me.click(page.get_by_role("link", name="oric-report.pdf"))
        assert Path(dl.value.path()).read_bytes().startswith(b"%PDF")
        me.done()
        remove = Person(page, "removing a kept wave")
        remove.click(page.get_by_role("button", name="Remove… Example Agency, wave 2025"))
        assert "Remove Example Agency, wave 2025?" in page.inner_text("main")
        shoot(page, "t-remove-wave")
        remove.button("Remove it")
        assert "Removed Example Agency, wave 2025." in page.inner_text("main")
        remove.done()


def test_a_workspace_reopened_after_a_server_restart(browser, exports, tmp_path):
    with Server(tmp_path, keep_days=30) as server:
        page = new_page(browser)
        me = Person(page, "a workspace reopened after a restart")
        oric_to_scores(me, server, exports["first"])
        page.close()
    with Server(tmp_path, keep_days=30) as server:  # the next day
        page = new_page(browser)
        me.page = page
        page.goto(server)
        shoot(page, "t-start-kept")
        me.link("oric_first.csv")
        assert "oric_first.csv" in page.inner_text("body")
        assert "scored" in page.inner_text("main")
        me.done()
        shoot(page, "t-reopened")

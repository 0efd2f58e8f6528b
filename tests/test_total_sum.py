"""Issue 35: a key may give the RSA's total as the sum of the ratings (``total: sum``, or "sum"
on the key workbook's source sheet), as some scoring sheets do. The sum is a column of its own
beside the total's mean (a person's mean of the items answered × the number of items, blank
under the minimum answered); every place that shows it agrees with an independent computation
here (pandas and scipy), and charts, comparisons and benchmarks keep the mean. The item numbers
are arbitrary test numbers, not the RSA's key."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pypdf
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from scipy import stats
from test_key_factors import key_file

from assessments import InstrumentError, load_instrument, score
from assessments.cli.main import cli
from assessments.demo import demo_responses
from assessments.history.store import History
from assessments.instruments.key_workbook import read_key_workbook, write_key_template
from assessments.io.tables import write_table
from assessments.render import build_report, render_pdf, write_report


@pytest.fixture
def key(tmp_path) -> str:
    """A test key (arbitrary item numbers) whose total is the sum of the ratings."""
    path = key_file(tmp_path)
    with open(path, "a", encoding="utf-8") as f:
        f.write("total: sum\n")
    return path


def answers(seed: int = 3, n: int = 60) -> pd.DataFrame:
    """Provider answers with N/A, blanks, and one person who answered too few items."""
    df = demo_responses(load_instrument("rsa", "provider"), n=n, seed=seed)
    items = [f"rsa_{k}" for k in range(1, 33)]
    full = df[items].notna().all(axis=1).idxmax()  # someone who answered every item
    df[items] = df[items].astype(object)
    df.loc[full, items[:20]] = None  # now 12 of 32 answered: under half, no total
    return df


def expected_sums(s) -> pd.Series:
    """Independent: each person's mean of the items answered × 32, blank under 16 answered."""
    items = s.items.drop(columns="respondent_id").astype(float)
    answered = items.notna().sum(axis=1)
    return (items.mean(axis=1) * 32).where(answered >= 16)


def test_the_sum_is_the_mean_of_the_items_answered_times_their_number(key):
    inst = load_instrument("rsa", "provider", key=key)
    assert inst.total_sum is not None
    assert (inst.total_sum.n_items, inst.total_sum.low, inst.total_sum.high) == (32, 32, 160)
    s = score(answers(), inst, on_invalid="missing")
    got = s.respondents["total_sum"]
    assert got.isna().any()  # the person left with 12 answers, and any other under half
    assert got.to_numpy() == pytest.approx(expected_sums(s).to_numpy(), nan_ok=True)
    assert got.to_numpy() == pytest.approx((s.respondents["total"] * 32).to_numpy(), nan_ok=True)
    # a person who answered all 32 items: the plain sum of their ratings
    items = s.items.drop(columns="respondent_id").astype(float)
    full = items.notna().all(axis=1).to_numpy()
    assert full.any()
    assert got[full].to_numpy() == pytest.approx(items[full].sum(axis=1).to_numpy())
    # never a score of its own: charts, comparisons and benchmarks keep the mean
    assert "total_sum" not in s.score_columns
    assert s.reported_columns[-1] == "total_sum"
    # a key without the line: no sum
    plain = Path(key).with_name("plain.yaml")
    plain.write_text(Path(key).read_text().replace("total: sum\n", ""), encoding="utf-8")
    assert load_instrument("rsa", "provider", key=plain).total_sum is None


def test_every_surface_of_the_report_agrees(key, tmp_path):
    s = score(answers(), "rsa", version="provider", key=key, on_invalid="missing")
    x = expected_sums(s).dropna().to_numpy()
    mean, sd = x.mean(), x.std(ddof=1)
    half = stats.t.ppf(0.975, len(x) - 1) * sd / np.sqrt(len(x))
    report = build_report(s, n_boot=0)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(report))).pages)
    text = " ".join(text.split())
    # page 1 and the domain results
    assert f"the sum of the 32 ratings (32 to 160): {mean:.1f} on average" in text
    assert f"{mean:.2f}" in text
    assert f"{sd:.2f}" in text
    assert f"{mean - half:.2f}" in text
    assert f"{mean + half:.2f}" in text
    # Methods says how, and that the charts use the mean
    assert "The key gives the total as a sum of ratings" in text
    # the workbook's sheet
    written = write_report(s, tmp_path / "r", n_boot=0, formats=("xlsx",))
    book = next(p for p in written if p.suffix == ".xlsx")
    sheet = pd.read_excel(book, sheet_name="total_sum", engine="calamine")
    row = sheet.iloc[0]
    assert row["n"] == len(x)
    assert row["mean"] == pytest.approx(mean)
    assert row["sd"] == pytest.approx(sd)
    assert row["ci_low"] == pytest.approx(mean - half)
    assert row["ci_high"] == pytest.approx(mean + half)


def test_the_key_workbook_says_mean_or_sum(tmp_path):
    path = write_key_template("rsa", tmp_path / "rsa-key.xlsx")
    book = load_workbook(path)
    assert book["source"]["A6"].value == "total as"
    assert book["source"]["B6"].value == "mean"
    book["source"]["B2"] = "Test scoring sheet"
    for k in range(1, 16):
        book["provider"].cell(row=k + 1, column=2, value=load_instrument("rsa").domains[
            (k - 1) // 3].name)  # fmt: skip
    book["source"]["B6"] = "Sum"
    book.save(path)
    assert read_key_workbook(path, "rsa")["total"] == "sum"
    checked = CliRunner().invoke(cli, ["key", "check", str(path), "-i", "rsa",
                                       "-o", str(tmp_path / "k.yaml")])  # fmt: skip
    assert checked.exit_code == 0, checked.output
    assert "total: the sum of the ratings" in checked.output
    assert "total: sum" in (tmp_path / "k.yaml").read_text()
    inst = load_instrument("rsa", "provider", key=path)
    assert inst.total_sum is not None
    assert "total: sum" in inst.key_text
    book["source"]["B6"] = "median"
    book.save(path)
    with pytest.raises(InstrumentError) as err:
        read_key_workbook(path, "rsa")
    problem = next(p for p in err.value.problems if p.code == "total-sum")
    assert "total as" in str(problem)
    assert "mean or sum" in str(problem)


def test_a_total_that_is_no_mean_of_items_has_no_sum(tmp_path):
    """A total made of the factors' means has no sum of ratings: the key's line is refused."""
    text = Path(load_instrument("rsa").source_file).read_text(encoding="utf-8")
    head, _, _ = text.partition("\ntotal:")
    definition = tmp_path / "mine.yaml"
    definition.write_text(
        head.replace("id: rsa\n", "id: mine\n", 1)
        + "\ntotal:\n  id: total\n  name: Mean of the factors\n  method: mean_of_domains\n"
        "  domains: [life_goals, involvement]\n  key: {status: published, source: ours}\n",
        encoding="utf-8",
    )
    key = tmp_path / "key.yaml"
    key.write_text(Path(key_file(tmp_path)).read_text().replace("key_for: rsa", "key_for: mine")
                   + "total: sum\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(InstrumentError) as err:
        load_instrument(definition, "provider", key=key)
    problem = next(p for p in err.value.problems if p.code == "total-sum")
    assert problem.line == 10  # the key's line
    assert "no total that is a mean of items" in problem.message


def test_the_page_the_history_and_the_perspectives_report(key, tmp_path):
    s = score(answers(), "rsa", version="provider", key=key, on_invalid="missing")
    x = expected_sums(s).dropna()
    store = str(tmp_path / "h.sqlite")
    with History(store) as h:
        h.add(s, org="Test Agency", wave="2026")
        back = h.load("Test Agency", "2026", "rsa")
    # kept with its key: the sum comes back, equal
    assert back.instrument.total_sum is not None
    assert back.respondents["total_sum"].dropna().to_numpy() == pytest.approx(x.to_numpy())
    shown = CliRunner().invoke(cli, ["history", "show", "Test Agency", "2026", "--store", store,
                                     "--json"])  # fmt: skip
    assert shown.exit_code == 0, shown.output
    import json

    rows = {r["score"]: r for r in json.loads(shown.output)["scores"]}
    assert rows["total_sum"]["mean"] == pytest.approx(x.mean())
    assert rows["total_sum"]["n"] == len(x)
    # the web page's table of means
    from starlette.testclient import TestClient
    from test_web import score_on_page

    from assessments.web.app import create_app

    app = create_app(root=tmp_path / "sessions", store=str(tmp_path / "web.sqlite"))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        r = c.post("/start", follow_redirects=True)
        wid = str(r.url).split("/w/")[1].split("/")[0]
        csrf = c.app.state.workspaces.get(wid).state()["csrf"]
        path = tmp_path / "answers.csv"
        write_table(answers(), path)
        with open(key, "rb") as f:
            c.post(f"/w/{wid}/instrument", data={"csrf": csrf, "instrument": "rsa",
                                                 "version": "provider"},
                   files={"key_file": ("our-key.yaml", f.read())})  # fmt: skip
        score_on_page(c, wid, csrf, path)
        scores_page = c.get(f"/w/{wid}/scores").text
    assert "Overall recovery orientation (sum)" in scores_page
    assert f"{x.mean():.2f}" in scores_page


def test_the_perspectives_report_compares_the_mean_and_says_why(tmp_path):
    """Versions of different lengths: their sums are not comparable, so the perspective report
    compares the total's mean and says so (with each version's number of items)."""
    from test_perspectives import KEY
    from test_perspectives import answers as rows

    from assessments.perspectives import score_perspectives
    from assessments.render.perspectives import build_perspective_report

    key = tmp_path / "key.yaml"
    key.write_text(KEY + "total: sum\n", encoding="utf-8")
    p = score_perspectives(
        [(rows(8, {1: 5}), "provider"), (rows(8, {4: 2}, items=32), "person")], "rsa", key=key
    )
    assert all(s.instrument.total_sum is not None for s in p.scores.values())
    text = " ".join(str(getattr(b, "text", "")) for sec in build_perspective_report(p).sections
                    for b in sec.blocks)  # fmt: skip
    assert "their sums are not comparable" in text
    assert "provider 32, person 32" in text

"""Issue 34: the network report for a network's administrator and analysts. Its numbers are
checked against an independent computation from the scores as they were added: each agency's
mean in each area, the network row, and which agencies changed reliably since their last wave
(scipy's Welch t-test, Holm by hand). Coded agencies: no name anywhere in the report set."""

from __future__ import annotations

import io
import os

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from assessments import score
from assessments.cli.main import cli
from assessments.demo import demo_responses
from assessments.history.store import History
from assessments.render import render_html, render_pdf, render_xlsx
from assessments.render.model import Bullets, TableBlock
from assessments.render.network import agency_codes, build_network_report

NAMES = ["Birch", "Cedar", "Elm", "Fir", "Hazel", "Maple", "Oak", "Willow", "Tiny"]
ITEMS = [f"oric_{k}" for k in range(1, 13)]


def answers(k: int, wave: int):
    n = 3 if NAMES[k] == "Tiny" else 40 + 5 * k
    df = demo_responses("oric", n=n, seed=1000 * k + wave)
    if wave == 1 and NAMES[k] in ("Cedar", "Maple"):  # these two rise in the second wave
        v = df[ITEMS].apply(pd.to_numeric, errors="coerce")
        df[ITEMS] = v.where(v.isna(), (v + 1).clip(upper=5))
    return score(df, "oric", on_invalid="missing")


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    store = str(tmp_path_factory.mktemp("net") / "network.sqlite")
    added = {}
    with History(store, create=True) as h:
        for k, name in enumerate(NAMES):
            for w, year in enumerate(("2025", "2026")):
                s = answers(k, w)
                h.add(s, org=name, wave=year, date=f"{year}-04-01")
                added[(name, year)] = s
    return store, added


def table(report, caption: str) -> pd.DataFrame:
    return next(
        b.data
        for sec in report.sections
        for b in sec.blocks
        if isinstance(b, TableBlock) and b.caption.startswith(caption)
    )


def holm(p: np.ndarray) -> np.ndarray:
    order = np.argsort(p)
    out = np.empty_like(p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        out[i] = running
    return out


def test_agency_means_network_row_and_reliable_changes(network):
    store, added = network
    with History(store) as h:
        report = build_network_report(h, "oric")
    wide = table(report, "Mean of each area by agency").set_index("agency")
    shown = [n for n in NAMES if n != "Tiny"]
    assert list(wide.index) == [*shown, "network (mean of the agencies' means)"]
    for name in shown:
        s = added[(name, "2026")].respondents
        assert wide.loc[name, "Change efficacy"] == pytest.approx(s["change_efficacy"].mean())
        assert wide.loc[name, "n"] == len(s)
    means = [added[(n, "2026")].respondents["change_commitment"].mean() for n in shown]
    assert wide.iloc[-1]["Change commitment"] == pytest.approx(np.mean(means))
    # reliable changes, by hand: Welch's t per agency and area, Holm within each area
    expected = set()
    for area, label in (
        ("change_commitment", "Change commitment"),
        ("change_efficacy", "Change efficacy"),
        ("total", "Overall readiness"),
    ):
        ps = []
        for n in shown:
            a = added[(n, "2025")].respondents[area].dropna()
            b = added[(n, "2026")].respondents[area].dropna()
            ps.append(stats.ttest_ind(b, a, equal_var=False).pvalue)
        for n, p in zip(shown, holm(np.array(ps)), strict=True):
            if p < 0.05:
                expected.add((n, label))
    got = table(report, "Reliable changes since the last wave")
    assert set(zip(got["agency"], got["area"], strict=True)) == expected
    assert {"Cedar", "Maple"} <= {a for a, _ in expected}  # the two made to rise
    glance = report.sections[0]
    bullets = next(b for b in glance.blocks if isinstance(b, Bullets))
    values = [float(x.split(": ", 1)[1].split(" ")[0]) for x in bullets.items]
    assert values == sorted(values)  # weakest first
    assert "Tiny" not in str(report)
    assert "1 agency(ies) with fewer than 5 respondents are not shown" in str(report)


def test_coded_agencies_are_named_nowhere_in_the_report_set(network, tmp_path):
    store, _ = network
    with History(store) as h:
        codes = agency_codes(NAMES, key=b"fixed for the test")
        report = build_network_report(h, "oric", codes=codes)
    html = render_html(report)
    pdf = render_pdf(report)
    book = render_xlsx(report)
    import openpyxl
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    cells = " ".join(
        str(c) for ws in openpyxl.load_workbook(io.BytesIO(book)) for r in ws.iter_rows(
            values_only=True) for c in r if c is not None
    )  # fmt: skip
    for name in NAMES:
        for where in (html, text, cells):
            assert name not in where
    assert codes["Cedar"] in html
    # the codes do not follow the names' order
    assert [codes[n] for n in sorted(NAMES)] != sorted(codes.values())


def test_cli_writes_the_report_set_and_the_administrators_key(network, tmp_path):
    store, _ = network
    out = tmp_path / "report"
    r = CliRunner().invoke(
        cli, ["network-report", "-i", "oric", "--store", store, "--coded", "-o", str(out),
              "--network", "Tree Network"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    key = out / "oric-network-report-agency-key.csv"
    assert (key.stat().st_mode & 0o777) == 0o600
    mapping = pd.read_csv(key)
    assert sorted(mapping["agency"]) == sorted(NAMES)
    html = (out / "oric-network-report.html").read_text(encoding="utf-8")
    assert "Tree Network" in html
    shown = [c for c in mapping["code"] if c in html]
    assert len(shown) == 8  # every agency but the tiny one
    assert os.path.exists(out / "oric-network-report.pdf")
    with History(store) as h:
        assert "network report" in set(h.events()["action"])

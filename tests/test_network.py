"""Issue 34, first part: network benchmarks from the history store. An agency's figure is the
mean of its respondents' scores; the network's are the mean (with its t interval), SD and
quartiles of the agency means, checked here against an independent pandas computation from the
scores as they were added (not as the store gives them back), on SQLite and on PostgreSQL."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from assessments import score
from assessments.cli.main import cli
from assessments.demo import demo_responses
from assessments.history.store import History
from assessments.network import NetworkError, network_benchmarks, network_position
from assessments.stats.norms import load_benchmarks, norms

SIZES = [40, 55, 30, 70, 45, 60, 3]  # the last agency is too small for any figure


def oric(n: int, seed: int):
    return score(demo_responses("oric", n=n, seed=seed), "oric", on_invalid="missing")


@pytest.fixture
def network(store):
    """Seven agencies: a 2025 and a 2026 wave each (2026 later), the seventh with 3 people."""
    added: dict[tuple[str, str], object] = {}
    with History(store, create=True) as h:
        for k, n in enumerate(SIZES):
            for year, shift in (("2025", 0), ("2026", 100)):
                s = oric(n, seed=k + shift)
                h.add(s, org=f"Agency {k + 1}", wave=year, date=f"{year}-06-01")
                added[(f"Agency {k + 1}", year)] = s
    return store, added


def expected(added, year: str, target: str, min_respondents: int = 5) -> pd.Series:
    means = []
    for (_org, wave), s in added.items():
        if wave != year:
            continue
        col = s.respondents[target].dropna()
        if len(col) >= min_respondents:
            means.append(col.mean())
    return pd.Series(means, dtype=float)


def test_network_figures_equal_an_independent_computation(network):
    store, added = network
    with History(store) as h:
        bench = network_benchmarks(h, "oric")
    table = bench.table.set_index("target")
    assert bench.waves == {f"Agency {k + 1}": "2026" for k in range(7)}  # each agency's latest
    for target in ("change_commitment", "change_efficacy", "total"):
        x = expected(added, "2026", target)
        assert len(x) == 6  # the agency of 3 is in no figure
        row = table.loc[target]
        assert row["n"] == 6
        assert row["mean"] == pytest.approx(x.mean(), rel=1e-12)
        assert row["sd"] == pytest.approx(x.std(ddof=1), rel=1e-12)
        half = stats.t.ppf(0.975, 5) * x.std(ddof=1) / np.sqrt(6)
        assert row["ci_lower"] == pytest.approx(x.mean() - half, rel=1e-12)
        assert row["q1"] == pytest.approx(x.quantile(0.25), rel=1e-12)  # R's type 7
        assert row["median"] == pytest.approx(x.median(), rel=1e-12)
        assert row["n_respondents"] == sum(
            int(s.respondents[target].notna().sum())
            for (o, w), s in added.items()
            if w == "2026" and o != "Agency 7"
        )
        assert not row["suppressed"]
    assert any("fewer than 5 respondents" in n for n in bench.notes)


def test_a_wave_or_a_period_picks_each_agencys_wave(network):
    store, added = network
    with History(store) as h:
        older = network_benchmarks(h, "oric", wave="2025")
        period = network_benchmarks(h, "oric", period="2025")
        with pytest.raises(NetworkError, match=r"no agency .* has a wave of oric labelled '1999'"):
            network_benchmarks(h, "oric", wave="1999")
    x = expected(added, "2025", "change_efficacy")
    for bench in (older, period):
        row = bench.table.set_index("target").loc["change_efficacy"]
        assert row["mean"] == pytest.approx(x.mean(), rel=1e-12)


def test_too_few_agencies_are_suppressed(network):
    store, _ = network
    with History(store) as h:
        bench = network_benchmarks(h, "oric", min_agencies=7)
    table = bench.table
    assert table["suppressed"].all()
    assert table["mean"].isna().all()
    assert table["q1"].isna().all()
    assert (table["n"] == 6).all()  # how many there were, never their figures
    assert "Suppressed (fewer than 7 agencies" in bench.notes[0]


def test_an_agencys_place_in_the_network(network):
    store, added = network
    with History(store) as h:
        bench = network_benchmarks(h, "oric")
    x = {o: s.respondents["change_efficacy"].mean() for (o, w), s in added.items() if w == "2026"}
    pos = network_position(bench, "Agency 1", "change_efficacy")
    others = [v for o, v in x.items() if o not in ("Agency 1", "Agency 7")]
    share = sum(v < x["Agency 1"] for v in others) / len(others)
    assert pos["percentile"] == round(100 * share)
    assert (
        pos["sentence"]
        == f"higher than {round(100 * share)}% of the other 5 agencies in the network"
    )
    assert network_position(bench, "Agency 7", "change_efficacy") is None  # too small


def test_cli_writes_a_benchmark_file_reports_read(network, tmp_path):
    store, added = network
    out = tmp_path / "network.csv"
    r = CliRunner().invoke(
        cli, ["benchmarks", "--from-history", "-i", "oric", "--store", store, "-o", str(out),
              "--json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    payload = json.loads(r.output)
    assert payload["agencies"] == 7
    written = pd.read_csv(out)
    assert "org" not in written.columns  # no agency's own figure leaves the store
    bench = load_benchmarks(out)
    compared = norms(added[("Agency 2", "2026")], benchmarks=bench)
    row = compared.set_index("target").loc["change_efficacy"]
    assert row["norm_mean"] == pytest.approx(expected(added, "2026", "change_efficacy").mean())
    assert row["norm_n"] == 6
    printed = CliRunner().invoke(
        cli, ["benchmarks", "--from-history", "-i", "oric", "--store", store, "-o",
              str(tmp_path / "b.csv"), "--period", "2026"],
    )  # fmt: skip
    assert printed.exit_code == 0, printed.output
    assert "network benchmarks: oric, 7 agencies" in printed.output
    both = CliRunner().invoke(
        cli, ["benchmarks", "--from-history", "-i", "oric", "--store", store, "-o",
              str(tmp_path / "c.csv"), "--period", "2026", "--wave", "2026"],
    )  # fmt: skip
    assert both.exit_code == 1
    assert "give --wave or --period, not both" in both.output


def test_an_agencys_report_reads_its_place_from_the_benchmark_file(tmp_path):
    """Twelve agencies: enough for deciles (twice --min-agencies), from which the report of one
    agency says where it stands; the figure is checked against the agencies' own means."""
    import io

    import openpyxl

    from assessments.render import build_report, render_xlsx

    store = str(tmp_path / "network.sqlite")
    added = {}
    with History(store, create=True) as h:
        for k in range(12):
            s = oric(30 + 5 * k, seed=200 + k)
            h.add(s, org=f"Agency {k + 1}", wave="2026")
            added[f"Agency {k + 1}"] = s
        bench = network_benchmarks(h, "oric")
    out = tmp_path / "network.csv"
    bench.to_csv(out)
    row = bench.table.set_index("target").loc["change_efficacy"]
    means = pd.Series({o: s.respondents["change_efficacy"].mean() for o, s in added.items()})
    assert row["p10"] == pytest.approx(means.quantile(0.1), rel=1e-12)
    own = added["Agency 3"]
    report = build_report(own, n_boot=0, benchmarks=out)
    from assessments.render.model import TableBlock

    table = next(
        b.data
        for sec in report.sections
        for b in sec.blocks
        if isinstance(b, TableBlock) and b.caption.startswith("Compared with published")
    )
    text = " ".join(table["our place in the network"].astype(str))
    # by hand: where each agency falls between the deciles, to the nearest 5%
    deciles = np.array([means.quantile(k / 10) for k in range(1, 10)])
    value = means["Agency 3"]
    if value < deciles[0]:
        words = "among the lowest 10%"
    elif value > deciles[-1]:
        words = "among the highest 10%"
    else:
        pct = np.interp(value, deciles, np.arange(10, 100, 10))
        words = f"higher than about {int(5 * round(pct / 5))}%"
    assert f"{words} of the 12 agencies in the network" in text
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    header = [c.value for c in book["benchmarks"][1]]
    assert "place" in header


def test_a_long_history_list_is_aligned_text_with_every_wave(tmp_path):
    """Past PLAIN_LIST_ROWS waves (a network's hundreds) the list is aligned text: every wave
    on its own line, in the order the JSON gives."""
    from assessments.cli.history import PLAIN_LIST_ROWS

    store = str(tmp_path / "many.sqlite")
    s = oric(12, seed=3)
    with History(store, create=True) as h:
        for a in range(PLAIN_LIST_ROWS // 2 + 1):
            for year in ("2025", "2026"):
                h.add(s, org=f"Agency {a + 1:03d}", wave=year, date=f"{year}-05-01")
    runner = CliRunner()
    printed = runner.invoke(cli, ["history", "list", "--store", store], terminal_width=200)
    as_json = runner.invoke(cli, ["history", "list", "--store", store, "--json"])
    assert printed.exit_code == 0, printed.output
    waves = json.loads(as_json.output)["waves"]
    lines = printed.output.splitlines()
    assert lines[0].endswith(f": {len(waves)}")
    assert lines[1].split() == ["org", "instrument", "version", "wave", "date", "added",
                                "n_scored", "n_excluded"]  # fmt: skip
    body = lines[2:]
    assert len(body) == len(waves) > PLAIN_LIST_ROWS
    for line, w in zip(body, waves, strict=True):
        assert line.startswith(w["org"])
        assert line.split()[-2:] == [str(w["n_scored"]), str(w["n_excluded"])]
    assert len({line.index(" oric ") for line in body}) == 1  # one column, aligned

"""Every sentence the report writes is true (issue 14): names, numbers and signs agree, each
domain is described on its own scale, strengths and areas for improvement never overlap, no
"-0.00", nothing "not given" on the cover, and a clear error for a grouping column that is not
there. Expected figures are computed here from the data, independently of the report."""

from __future__ import annotations

import re
import textwrap

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from assessments import load_instrument, score
from assessments.cli.main import cli
from assessments.errors import ResponseError
from assessments.render import build_report, render_html
from assessments.render.html import format_cell


def two_roles(higher_sorts_second: bool = True):
    """'peer specialist' (sorts after 'clinician') rates change efficacy clearly higher."""
    rng = np.random.default_rng(5)
    rows = []
    for role, level in (("clinician", 2.6), ("peer specialist", 4.2)):
        for _ in range(30):
            base = np.clip(np.rint(rng.normal(level, 0.6, 12)), 1, 5)
            rows.append({"role": role, **{f"oric_{k + 1}": base[k] for k in range(12)}})
    return pd.DataFrame(rows)


def _summary_points(report):
    first = report.sections[0]
    assert first.heading == "At a glance"
    return [x for b in first.blocks if hasattr(b, "items") for x in b.items]


def test_the_gap_sentence_names_the_higher_group_with_its_own_mean():
    df = two_roles()
    s = score(df, "oric")
    report = build_report(s, "role")
    means = s.respondents.groupby("role")["change_efficacy"].mean()
    # the plain-words sentence of the summary page
    [plain] = [p for p in _summary_points(report) if p.startswith("Largest difference")]
    m = re.match(
        r"Largest difference between groups of role: the (.+?) group rates (.+?) higher than "
        r"the (.+?) group does "
        r"\((\d\.\d) vs (\d\.\d)\), a (large|moderate|small|slight) difference",
        plain,
    )
    assert m, plain
    assert (m[1], m[2], m[3]) == ("peer specialist", "Change efficacy", "clinician")
    assert float(m[4]) == pytest.approx(means["peer specialist"], abs=0.05)
    assert float(m[5]) == pytest.approx(means["clinician"], abs=0.05)
    # the technical sentence of the groups section
    groups = next(sec for sec in report.sections if sec.heading == "Groups compared by role")
    gap = next(b.text for b in groups.blocks if getattr(b, "text", "").startswith("Largest"))
    m = re.match(
        r"Largest reliable gap: (.+?) rated (.+?) higher than (.+?) did "
        r"\((\d\.\d\d) vs (\d\.\d\d); Hedges' g = (\d\.\d\d)",
        gap,
    )
    assert m, gap
    higher, domain, lower, m_hi, m_lo, g = m.groups()
    assert (higher, lower) == ("peer specialist", "clinician")
    column = {"Change commitment": "change_commitment", "Change efficacy": "change_efficacy"}
    means = s.respondents.groupby("role")[column[domain]].mean()
    assert float(m_hi) == pytest.approx(means["peer specialist"], abs=0.005)
    assert float(m_lo) == pytest.approx(means["clinician"], abs=0.005)
    assert float(m_hi) > float(m_lo)
    assert float(g) > 0


MIXED = textwrap.dedent(
    """
    id: two-scales
    title: A 0-5 main scale and a 1-5 domain (tests only)
    response_scale:
      points:
        - {code: 0, label: Never}
        - {code: 1, label: Rarely}
        - {code: 2, label: Sometimes}
        - {code: 3, label: Often}
        - {code: 4, label: Very often}
        - {code: 5, label: Every day}
    other_scales:
      agree:
        points:
          - {code: 1, label: Disagree}
          - {code: 2, label: Somewhat disagree}
          - {code: 3, label: Neutral}
          - {code: 4, label: Somewhat agree}
          - {code: 5, label: Agree}
    items:
      - {id: f1, label: Frequency one}
      - {id: f2, label: Frequency two}
      - {id: f3, label: Frequency three}
      - {id: a1, label: Agreement one, scale: agree}
      - {id: a2, label: Agreement two, scale: agree}
      - {id: a3, label: Agreement three, scale: agree}
    domains:
      - {id: often, name: How often, items: [f1, f2, f3]}
      - {id: agreement, name: Agreement, items: [a1, a2, a3]}
    """
)


def test_each_domain_is_described_on_its_own_scale(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(MIXED, encoding="utf-8")
    inst = load_instrument(path)
    rng = np.random.default_rng(2)
    df = pd.DataFrame(
        {
            **{f"f{k}": rng.integers(0, 2, 40) for k in (1, 2, 3)},  # low: 0-1 of 5
            **{f"a{k}": rng.integers(4, 6, 40) for k in (1, 2, 3)},  # high: 4-5 of 5
        }
    )
    report = build_report(score(df, inst))
    points = _summary_points(report)
    assert re.search(r"^Strongest: Agreement, \d\.\d of 5", points[0]), points
    assert re.search(r"^Weakest, where to look first: How often, \d\.\d of 5", points[1]), points
    text = render_html(report)
    assert "Scores on the main scale run from 0 (Never) to 5 (Every day)" in text
    assert "Scores on the agree scale run from 1 (Disagree) to 5 (Agree)" in text
    assert "of 6" not in text


def test_strengths_and_areas_for_improvement_never_share_an_item(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(MIXED, encoding="utf-8")
    rng = np.random.default_rng(3)
    df = pd.DataFrame({i: rng.integers(1, 6, 30) for i in ["f1", "f2", "f3", "a1", "a2", "a3"]})
    report = build_report(score(df, load_instrument(path)))
    tables = {
        b.caption: b.data
        for sec in report.sections
        for b in sec.blocks
        if type(b).__name__ == "TableBlock"
    }
    strong = next(v for k, v in tables.items() if "strength" in k.lower())
    weak = next(v for k, v in tables.items() if "improvement" in k.lower())
    assert len(strong) == len(weak) == 3
    assert not set(strong["item"]) & set(weak["item"])


def test_no_negative_zero_and_no_empty_cover_lines():
    assert format_cell(-0.0001, 2) == ("0.00", True)
    assert format_cell(-0.004, 2) == ("0.00", True)
    assert format_cell(-0.006, 2) == ("-0.01", True)
    s = score(two_roles(), "oric")
    report = build_report(s, "role")
    labels = [k for k, _ in report.cover]
    assert "Organization" not in labels
    assert "Collection period" not in labels
    assert "not given" not in render_html(report)
    assert "-0.00" not in render_html(report)


def test_a_grouping_column_that_is_not_there_is_a_clear_error(tmp_path):
    s = score(two_roles(), "oric")
    with pytest.raises(ResponseError, match="no column 'Role' to group by") as err:
        build_report(s, "Role")
    assert "did you mean 'role'" in err.value.problems[0].hint
    path = tmp_path / "answers.csv"
    two_roles().to_csv(path, index=False)
    result = CliRunner().invoke(
        cli, ["report", str(path), "-i", "oric", "--by", "Site", "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert "no column 'Site'" in result.output
    assert "internal error" not in result.output


def test_a_gap_no_test_supports_is_not_called_a_difference():
    """Issue 29: six program managers against clinicians, a 'moderate difference (1.4 vs 1.3)'
    on page 1 while every test gave adjusted p = 1.000. Now a difference is named only when
    Welch's ANOVA (Holm) and the pair's Welch t (Holm) both give p < .05 and |g| >= 0.2."""
    rng = np.random.default_rng(3)
    rows = []
    for role, n, shift in (("program manager", 6, 0.25), ("clinician", 40, 0.0)):
        for _ in range(n):
            base = np.clip(np.rint(3 + shift + rng.normal(0, 1.2, 12)), 1, 5)
            rows.append({"role": role, **{f"oric_{k + 1}": base[k] for k in range(12)}})
    s = score(pd.DataFrame(rows), "oric")
    report = build_report(s, "role", n_boot=0)
    points = _summary_points(report)
    from assessments import stats

    anova = stats.compare(s, "role")
    assert (anova["p_adjusted"] >= 0.05).all()  # no test supports a difference here
    assert not any(p.startswith("Largest difference") for p in points)
    [said] = [p for p in points if "groups of role" in p]
    assert said.startswith("No reliable difference was found between the groups of role") or (
        "much alike" in said
    )
    assert "program manager 6" in said
    assert "clinician 40" in said


def _random_oric(seed: int = 0, n: int = 60) -> pd.DataFrame:
    """Answers with no structure at all: ICC(2) and alpha below zero (seed 0, checked)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.integers(1, 6, (n, 12)), columns=[f"oric_{k}" for k in range(1, 13)])
    df["site"] = rng.choice(["North", "South", "East"], n)
    return df


def test_negative_icc_and_alpha_are_said_in_words_in_every_format(tmp_path):
    from assessments import stats
    from assessments.render import write_report

    s = score(_random_oric(), "oric")
    agree = stats.agreement(s, "site")
    assert (agree.groupby("domain")["icc2"].first() < 0).any()
    assert (stats.reliability(s)["raw_alpha"] < 0).any()
    written = write_report(s, tmp_path, by="site", n_boot=0)
    page = next(p for p in written if p.suffix == ".html").read_text(encoding="utf-8")
    assert "below 0" in page
    assert "there is no site-level score" in page
    assert "-4.82" not in page  # the bare figure a board would read as a bug
    book = pd.read_excel(next(p for p in written if p.suffix == ".xlsx"), sheet_name=None,
                         engine="calamine")  # fmt: skip
    assert "agreement" in book  # the workbook keeps the figures themselves, for analysts


def test_agreement_rests_on_complete_answers_and_needs_two_groups():
    df = _random_oric(seed=5, n=80)
    df.loc[df["site"] != "North", "oric_2"] = None  # only North answered every item
    s = score(df, "oric")
    report = build_report(s, "site", n_boot=0)
    section = next(x for x in report.sections if x.heading == "Agreement before aggregation")
    texts = [b.text for b in section.blocks if hasattr(b, "text")]
    assert any("too few to compare sites: no site-level conclusion" in t for t in texts), texts
    assert not any("the sites differ" in t for t in texts)
    from assessments.render.model import TableBlock

    table = next(b for b in section.blocks if isinstance(b, TableBlock)
                 and b.caption.startswith("Agreement within each site"))  # fmt: skip
    assert {"complete answers", "respondents"} <= set(table.data.columns)


def _sites(shift_low: float, seed: int = 11) -> pd.DataFrame:
    """ORIC answers at five sites of 30; the site 'Hillside' lower by ``shift_low``."""
    rng = np.random.default_rng(seed)
    rows = []
    for site in ("North", "South", "East", "West", "Hillside"):
        shift = -shift_low if site == "Hillside" else 0.0
        for _ in range(30):
            person = rng.normal(0, 0.5)
            base = np.clip(np.rint(3.8 + shift + person + rng.normal(0, 0.7, 12)), 1, 5)
            rows.append({"site": site, "role": rng.choice(["clinician", "manager"]),
                         **{f"oric_{k + 1}": base[k] for k in range(12)}})  # fmt: skip
    return pd.DataFrame(rows)


def test_sites_are_reported_with_their_means_and_the_lowest_named_when_supported(tmp_path):
    from assessments.render import write_report

    s = score(_sites(1.0), "oric")
    report = build_report(s, "role", aggregate_by="site", n_boot=0)
    points = _summary_points(report)
    [site_point] = [p for p in points if p.startswith("Lowest site")]
    assert "Hillside" in site_point
    section = next(x for x in report.sections if x.heading == "Results by site")
    from assessments.render.model import TableBlock

    table = next(b for b in section.blocks if isinstance(b, TableBlock)).data
    expected = s.respondents.groupby("site")["change_efficacy"].mean()
    row = table[table["area"] == "Change efficacy"].iloc[0]
    for site, mean in expected.items():
        col = next(c for c in table.columns if c.startswith(f"{site} (n="))
        assert row[col] == pytest.approx(mean, abs=1e-12)
    assert row["organization"] == pytest.approx(s.respondents["change_efficacy"].mean())
    out = write_report(s, tmp_path, by="role", aggregate_by="site", n_boot=0,
                       formats=["html", "xlsx"])  # fmt: skip
    page = next(p for p in out if p.suffix == ".html").read_text(encoding="utf-8")
    assert "Results by site" in page
    sheet = pd.read_excel(next(p for p in out if p.suffix == ".xlsx"), sheet_name="by_site",
                          engine="calamine")  # fmt: skip
    assert set(sheet["group"]) == {"North", "South", "East", "West", "Hillside"}
    # the same sites without a real difference: no site is named as lowest
    calm = build_report(score(_sites(0.0), "oric"), "role", aggregate_by="site", n_boot=0)
    said = [p for p in _summary_points(calm) if "site" in p]
    assert not any(p.startswith("Lowest site") for p in said)
    assert any(p.startswith("No site scores reliably lower") for p in said)


def _site_wave(k: int, seed: int) -> pd.DataFrame:
    """Five sites of 40; Hillside falls and East rises by wave ``k``."""
    rng = np.random.default_rng(seed)
    rows = []
    for site in ("North", "South", "East", "West", "Hillside"):
        shift = {"Hillside": -0.45 * k, "East": 0.35 * k}.get(site, 0.0)
        for _ in range(40):
            base = np.clip(np.rint(3.7 + shift + rng.normal(0, 0.5) + rng.normal(0, 0.7, 12)),
                           1, 5)  # fmt: skip
            rows.append({"site": site, "role": rng.choice(["clinician", "manager"]),
                         **{f"oric_{j + 1}": base[j] for j in range(12)}})  # fmt: skip
    return pd.DataFrame(rows)


def test_change_by_site_over_every_wave_in_all_formats(tmp_path):
    """Issue 29: one site falling and another rising, while page 1 said no area changed. Now
    each site is compared with itself in every step, page 1 names the reliable change, and the
    PDF, HTML and workbook carry the per-site table and trend chart."""
    from assessments.render import write_report

    waves = {y: score(_site_wave(k, k + 5), "oric") for k, y in enumerate(("2024", "2025",
                                                                              "2026"))}  # fmt: skip
    report = build_report(waves["2026"], "role", aggregate_by="site", previous=waves["2025"],
                          history=waves, n_boot=0)  # fmt: skip
    points = _summary_points(report)
    [moved] = [p for p in points if p.startswith("Since the last wave, site")]
    # the site slipping is named (East's rise in this step is within chance: not named)
    assert moved.startswith("Since the last wave, site Hillside: Change commitment fell from")
    assert "East" not in moved
    out = write_report(waves["2026"], tmp_path, by="role", aggregate_by="site",
                       previous=waves["2025"], history=waves, n_boot=0)  # fmt: skip
    book = pd.read_excel(next(p for p in out if p.suffix == ".xlsx"), sheet_name=None,
                         engine="calamine")  # fmt: skip
    sheet = book["change_by_site"]
    assert list(dict.fromkeys(sheet["waves"])) == ["2024 → 2025", "2025 → 2026"]
    row = sheet[(sheet["waves"] == "2025 → 2026") & (sheet["group"] == "Hillside")
                & (sheet["domain"] == "total")].iloc[0]  # fmt: skip
    for wave, column in (("2025", "mean_before"), ("2026", "mean_after")):
        r = waves[wave].respondents
        assert row[column] == pytest.approx(r.loc[r["site"] == "Hillside", "total"].mean())
    page = next(p for p in out if p.suffix == ".html").read_text(encoding="utf-8")
    assert "Change by site" in page
    assert "Overall readiness by site in each wave" in page
    pdf_text = next(p for p in out if p.suffix == ".pdf").read_bytes()
    assert len(pdf_text) > 1000


def test_reader_words_no_developer_notes_and_whole_counts(tmp_path):
    from assessments import load_instrument
    from assessments.charts.theme import short_name
    from assessments.demo import demo_responses
    from assessments.render.model import TableBlock

    assert short_name(load_instrument("oric")) == "ORIC"
    assert short_name(load_instrument("peer-support-practices")) == (
        "Peer-support practices checklist"
    )
    orca = load_instrument("orca")
    assert all(not w.startswith("orca:") for w in orca.key_warnings(names=True))
    assert any(w.startswith("orca:") for w in orca.key_warnings())  # the CLI keeps the id
    s = score(demo_responses("orca", n=120, seed=4), "orca", on_invalid="missing")
    bench = pd.DataFrame({"target": ["staff_culture"], "mean": [4.0], "sd": [0.5],
                          "n": [1200], "source": ["State network"]})  # fmt: skip
    report = build_report(s, benchmarks=bench, n_boot=0)
    text = str(report)
    for note in ("ceil(n / 2)", "min_answered", "orca: provisional", "first page"):
        assert note not in text, note
    tables = [b for sec in report.sections for b in sec.blocks if isinstance(b, TableBlock)]
    bench_table = next(t for t in tables if "their n" in t.data.columns)
    counts = bench_table.data["their n"].dropna()
    assert (counts == counts.round()).all()
    assert 1200 in set(counts.astype(int))


def test_a_report_from_the_history_names_the_organization_and_wave(tmp_path):
    from click.testing import CliRunner

    from assessments.cli.main import cli
    from assessments.demo import demo_responses
    from assessments.io.tables import write_table

    path = tmp_path / "a.csv"
    write_table(demo_responses("oric", n=60, seed=2), path)
    store = tmp_path / "h.sqlite"
    run = CliRunner().invoke
    assert run(cli, ["history", "add", str(path), "-i", "oric", "--org", "Riverbend Services",
                     "--wave", "Spring 2026", "--on-invalid", "missing", "--store",
                     str(store)]).exit_code == 0  # fmt: skip
    out = tmp_path / "r"
    result = run(cli, ["report", "--history", "Riverbend Services", "--store", str(store),
                       "--format", "html", "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    page = (out / "oric-report.html").read_text(encoding="utf-8")
    cover = page[: page.index("At a glance")]
    assert "Riverbend Services" in cover
    assert "Spring 2026" in cover


def test_the_share_in_the_top_two_answers_beside_each_mean():
    """Issue 29: a share boards understand beside each mean, checked against pandas on the
    coded (reverse-keyed) answers."""
    from assessments.demo import demo_responses
    from assessments.render.model import TableBlock

    s = score(demo_responses("oric", n=200, seed=9), "oric", on_invalid="missing")
    report = build_report(s, n_boot=0)
    tables = [b for sec in report.sections for b in sec.blocks if isinstance(b, TableBlock)]
    areas = next(t for t in tables if t.caption.startswith("Scores, all respondents")).data
    dom = s.instrument.domain("change_efficacy")
    x = s.items[list(dom.items)].to_numpy(float)
    expected = 100 * (x >= 4).sum() / np.isfinite(x).sum()
    row = areas[areas["score"] == "Change efficacy"].iloc[0]
    assert row["% top two"] == pytest.approx(expected, abs=1e-9)
    items = next(t for t in tables if "% top two" in t.data.columns and "label" in t.data.columns)
    first = items.data.iloc[0]
    item_id = next(i.id for i in s.instrument.items if str(i.numbers.get(
        s.instrument.version or "")) == str(first["item"]) or i.id == first["item"])  # fmt: skip
    col = s.items[item_id].dropna()
    assert first["% top two"] == pytest.approx(100 * (col >= 4).mean(), abs=1e-9)


def test_page_one_names_the_site_falling_first_and_the_one_rising():
    """Issue 29: both a reliable fall and a reliable rise in the last step: the fall comes
    first, then the rise, and the other reliable changes are counted, not dropped silently."""
    rng = np.random.default_rng(3)

    def wave(k: int) -> pd.DataFrame:
        rows = []
        for site in ("North", "South", "East", "West", "Hillside"):
            shift = {"Hillside": -0.8 * k, "East": 0.6 * k}.get(site, 0.0)
            for _ in range(40):
                base = np.clip(np.rint(3.4 + shift + rng.normal(0, 0.5) + rng.normal(0, 0.6, 12)),
                               1, 5)  # fmt: skip
                rows.append({"site": site, "role": rng.choice(["clinician", "manager"]),
                             **{f"oric_{j + 1}": base[j] for j in range(12)}})  # fmt: skip
        return pd.DataFrame(rows)

    waves = {"2025": score(wave(0), "oric"), "2026": score(wave(1), "oric")}
    report = build_report(waves["2026"], "role", aggregate_by="site", previous=waves["2025"],
                          history=waves, n_boot=0)  # fmt: skip
    [moved] = [p for p in _summary_points(report) if p.startswith("Since the last wave, site")]
    assert moved.index("site Hillside") < moved.index("site East")
    assert " fell from " in moved.split("; ")[0]
    assert " rose from " in moved.split("; ")[1]
    assert "more reliable change" in moved  # the other areas of the two sites

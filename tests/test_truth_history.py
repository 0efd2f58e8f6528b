"""Issue 28, the history: waves in collection order wherever they are read, the PostgreSQL
password never shown, ``sqlite:///`` URLs, reading commands that never create a store, key
workbooks kept, and every stored wave in the report's workbook.

Each test failed on the code before the fix (the order was the order of adding; the password
was printed; ``sqlite:///`` ran PostgreSQL's lock; ``list`` created an empty store; ``--key
key.xlsx`` ended in an internal error; the workbook held only the last change). The per-wave
means are checked against pandas' own ``count``/``mean``/``std`` (an independent computation).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import PG
from conftest import pg_admin as _admin

from assessments.cli.main import cli
from assessments.demo import demo_responses, run_rsa_demo
from assessments.history import History, WaveOrderError, order_waves
from assessments.history.store import mask, redact
from assessments.io.tables import write_table

ORG = "Example Agency"


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    """Three ORIC waves whose change efficacy rises each year (shift -0.6, -0.3, 0)."""
    folder = tmp_path_factory.mktemp("exports")
    out = {}
    for k, (label, shift) in enumerate((("2024", -0.6), ("2025", -0.3), ("2026", 0.0))):
        df = demo_responses("oric", n=150, seed=70 + k, wave=label, shift=shift)
        path = folder / f"oric_{label}.csv"
        write_table(df, path)
        out[label] = path
    return out


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def add(store: str, path: Path, wave: str, *extra: str):
    result = run(
        "history", "add", str(path), "-i", "oric", "--org", ORG, "--wave", wave,
        "--on-invalid", "missing", "--store", store, *extra,
    )  # fmt: skip
    return result


# ------------------------------------------------------------------------------- the order


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["2026", "2023", "2025"], ["2023", "2025", "2026"]),
        (["2024 Q10", "2024 Q2", "2023 Q4"], ["2023 Q4", "2024 Q2", "2024 Q10"]),
        (["wave 10", "wave 2", "wave 1"], ["wave 1", "wave 2", "wave 10"]),
        (["fall 2025", "spring 2025", "fall 2024"], ["fall 2024", "spring 2025", "fall 2025"]),
        (["May 2025", "March 2025", "Dec 2024"], ["Dec 2024", "March 2025", "May 2025"]),
        (["2025-03", "2024-11", "2025-10"], ["2024-11", "2025-03", "2025-10"]),
    ],
)
def test_labels_natural_order(labels, expected):
    assert [w["wave"] for w in order_waves([{"wave": x} for x in labels])] == expected


@pytest.mark.parametrize(
    "labels",
    [
        ["baseline", "follow-up"],  # words alone
        ["winter 2025", "spring 2025"],  # winter spans two years: not certain
        ["2024", "2025 Q1"],  # two shapes
        ["pre", "2025"],
    ],
)
def test_uncertain_labels_are_refused_without_dates(labels):
    with pytest.raises(WaveOrderError) as err:
        order_waves([{"wave": x} for x in labels])
    assert "--date" in str(err.value)
    # with dates, any labels are ordered by them
    dated = [{"wave": x, "date": f"202{k}-01-01"} for k, x in enumerate(reversed(labels))]
    assert [w["wave"] for w in order_waves(dated)] == list(reversed(labels))


def test_dates_order_and_contradictions():
    # dates win over labels when every wave has one
    rows = [{"wave": "2025", "date": "2024-01-01"}, {"wave": "2024", "date": "2025-01-01"}]
    assert [w["wave"] for w in order_waves(rows)] == ["2025", "2024"]
    # some dated, labels certain: labels, provided no date contradicts them
    rows = [{"wave": "2026"}, {"wave": "2024", "date": "2024-04-01"}, {"wave": "2025"}]
    assert [w["wave"] for w in order_waves(rows)] == ["2024", "2025", "2026"]
    rows = [
        {"wave": "2026", "date": "2024-01-01"},
        {"wave": "2024", "date": "2026-01-01"},
        {"wave": "2025"},
    ]
    with pytest.raises(WaveOrderError, match="say the opposite"):
        order_waves(rows)


def test_waves_added_out_of_order_are_listed_and_reported_in_collection_order(
    store, exports, tmp_path
):
    # 2025, then 2026, then 2025 removed and added again; 2024 last, replaced without --date
    assert add(store, exports["2025"], "2025").exit_code == 0
    assert add(store, exports["2026"], "2026").exit_code == 0
    removed = run("history", "remove", ORG, "2025", "--yes", "--store", store)
    assert removed.exit_code == 0, removed.output
    assert add(store, exports["2025"], "2025").exit_code == 0
    first = add(store, exports["2024"], "2024", "--date", "2024-04-01")
    assert first.exit_code == 0, first.output
    again = add(store, exports["2024"], "2024", "--replace")
    assert again.exit_code == 0, again.output

    listed = json.loads(run("history", "list", "--json", "--store", store).output)
    assert [w["wave"] for w in listed["waves"]] == ["2024", "2025", "2026"]
    # --replace without --date kept the stored date
    assert listed["waves"][0]["date"] == "2024-04-01"
    assert History(store).info(ORG, "2024").date == "2024-04-01"

    out = tmp_path / "rep"
    report = run(
        "report", "--history", ORG, "--format", "html,xlsx", "--n-boot", "0", "-o", str(out),
        "--store", store,
    )  # fmt: skip
    assert report.exit_code == 0, report.output
    page = (out / "oric-report.html").read_text(encoding="utf-8")
    # the change sentence, the consecutive-change table and the trend all read 2024 → 2026
    assert "Since the last wave (2025 to 2026)" in page
    assert "2026 to 2025" not in page
    assert page.index("2024 → 2025") < page.index("2025 → 2026")
    book = pd.read_excel(out / "oric-report.xlsx", sheet_name=None, engine="calamine")
    assert list(dict.fromkeys(book["waves"]["wave"].astype(str))) == ["2024", "2025", "2026"]
    assert list(dict.fromkeys(book["changes"]["waves"])) == ["2024 → 2025", "2025 → 2026"]
    # the last change in the workbook is 2025 → 2026, as the report's sentence says
    last = book["change"].set_index("domain")
    assert last.loc["total", "mean_after"] == pytest.approx(
        book["waves"].query("wave == 2026 and score == 'total'")["mean"].item()
    )


def test_the_workbook_holds_every_wave_with_its_means(store, exports, tmp_path):
    for label in ("2024", "2025", "2026"):
        assert add(store, exports[label], label, "--date", f"{label}-03-01").exit_code == 0
    out = tmp_path / "rep"
    report = run(
        "report", "--history", ORG, "--format", "xlsx", "--n-boot", "0", "-o", str(out),
        "--store", store,
    )  # fmt: skip
    assert report.exit_code == 0, report.output
    waves = pd.read_excel(out / "oric-report.xlsx", sheet_name="waves", engine="calamine")
    history = History(store)
    for label in ("2024", "2025", "2026"):
        resp = history.load(ORG, label, "oric").respondents
        for col in ("change_commitment", "change_efficacy", "total"):
            row = waves[(waves["wave"].astype(str) == label) & (waves["score"] == col)]
            v = resp[col].dropna()
            assert row["n"].item() == v.count()
            assert row["mean"].item() == pytest.approx(v.mean(), abs=1e-12)
            assert row["sd"].item() == pytest.approx(v.std(), abs=1e-12)
            half = 1.96 * v.std() / np.sqrt(v.count())
            assert row["ci_low"].item() == pytest.approx(v.mean() - half, abs=1e-12)
    changes = pd.read_excel(out / "oric-report.xlsx", sheet_name="changes", engine="calamine")
    assert len(changes) == 2 * 3  # two steps, three scores


def test_a_wave_whose_place_is_unknown_is_refused_at_add(store, exports):
    assert add(store, exports["2024"], "baseline").exit_code == 0
    refused = add(store, exports["2025"], "follow-up")
    assert refused.exit_code == 1
    assert "--date" in refused.output
    assert [w["wave"] for w in History(store).rows(ORG)] == ["baseline"]
    # with dates, the pair is ordered
    ok = add(store, exports["2024"], "baseline", "--date", "2024-01-10", "--replace")
    assert ok.exit_code == 0, ok.output
    ok = add(store, exports["2025"], "follow-up", "--date", "2025-01-10")
    assert ok.exit_code == 0, ok.output
    assert [w["wave"] for w in History(store).rows(ORG)] == ["baseline", "follow-up"]


# ---------------------------------------------------------------------------- the password


def test_mask_and_redact():
    url = "postgresql://assess:pa%24%24word@db.example.org:5432/history"
    assert mask(url) == "postgresql://assess:***@db.example.org:5432/history"
    assert redact("failed for pa$$word and pa%24%24word", url) == "failed for *** and ***"
    assert mask("postgresql://assess@host/db") == "postgresql://assess@host/db"


@pytest.mark.skipif(not PG, reason="needs PostgreSQL")
def test_the_postgresql_password_is_never_printed(exports, tmp_path):
    assert PG is not None
    name = f"assess_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        url = PG.rsplit("/", 1)[0] + "/" + name
        password = url.split("://", 1)[1].split("@")[0].split(":", 1)[1]
        env = {"ASSESS_STORE": url}
        outputs = [
            run("history", "add", str(exports["2024"]), "-i", "oric", "--org", ORG, "--wave",
                "2024", "--on-invalid", "missing", env=env),
            run("history", "add", str(exports["2025"]), "-i", "oric", "--org", ORG, "--wave",
                "2025", "--on-invalid", "missing", "--json", env=env),
            run("history", "list", env=env),
            run("history", "list", "--json", env=env),
            run("history", "list", "--store", url.replace(name, name + "_missing")),
            run("history", "list", "--store", url.replace(f":{password}@", ":wrong@")),
        ]  # fmt: skip
        for r in outputs:
            text = r.output + (str(r.exception) if r.exception else "")
            assert f":{password}@" not in text, text
            assert ":***@" in text, text
    finally:
        _admin(f'DROP DATABASE "{name}" WITH (FORCE)')


# ------------------------------------------------------------------------------ store URLs


def test_sqlite_urls_and_reading_commands_never_create_a_store(exports, tmp_path):
    path = tmp_path / "kept" / "h.sqlite"
    path.parent.mkdir()
    url = f"sqlite:///{path}"
    added = add(url, exports["2024"], "2024")
    assert added.exit_code == 0, added.output
    assert path.is_file()
    listed = json.loads(run("history", "list", "--json", "--store", url).output)
    assert [w["wave"] for w in listed["waves"]] == ["2024"]
    for args in (
        ["history", "list"],
        ["history", "show", ORG, "2024"],
        ["history", "export", ORG, "-o", str(tmp_path / "x.xlsx")],
        ["report", "--history", ORG, "-o", str(tmp_path / "r")],
    ):
        typo = tmp_path / "typo.sqlite"
        result = run(*args, "--store", str(typo))
        assert result.exit_code == 1, result.output
        assert "no history store" in result.output
        assert not typo.exists()
    other = run("history", "list", "--store", "mysql://u:secret@h/db")
    assert other.exit_code == 1
    assert "secret" not in other.output
    assert "sqlite:///" in other.output


# ------------------------------------------------------------------------- key workbooks


def test_history_add_takes_a_key_workbook_and_reports_from_it(tmp_path):
    from test_key_workbook import fill

    from assessments.instruments.key_workbook import write_key_template

    key = fill(write_key_template("rsa", tmp_path / "rsa-key.xlsx"))
    run_rsa_demo(tmp_path / "demo", report=False)
    answers = tmp_path / "demo" / "rsa_provider_answers.csv"
    store = str(tmp_path / "h.sqlite")
    added = run(
        "history", "add", str(answers), "-i", "rsa", "--version", "provider", "--key", str(key),
        "--org", ORG, "--wave", "2026", "--on-invalid", "missing", "--store", store,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    stored = History(store).load(ORG, "2026")
    direct = run(
        "score", str(answers), "-i", "rsa", "--version", "provider", "--key", str(key),
        "--on-invalid", "missing", "-o", str(tmp_path / "s.csv"),
    )  # fmt: skip
    assert direct.exit_code == 0, direct.output
    scored = pd.read_csv(tmp_path / "s.csv")
    assert stored.respondents["life_goals"].to_numpy() == pytest.approx(
        scored["life_goals"].to_numpy(), nan_ok=True
    )


# ------------------------------------------------------------------- RSA perspectives kept


def _rsa_wave(demo: Path, folder: Path, year: str, drop: float) -> list[str]:
    """The demo's four perspective files, a share of each left out (another sample)."""
    folder.mkdir(exist_ok=True)
    out = []
    for k, v in enumerate(("administrator", "provider", "person", "family")):
        df = pd.read_csv(demo / f"rsa_{v}_answers.csv")
        df = df.sample(frac=1 - drop, random_state=k) if drop else df
        path = folder / f"rsa_{v}_{year}.csv"
        df.to_csv(path, index=False)
        out += ["--input", f"{path}:{v}"]
    return out


def test_an_rsa_wave_with_four_perspectives_is_kept_and_reported(store, tmp_path):
    demo = tmp_path / "demo"
    run_rsa_demo(demo, report=False)
    key = str(demo / "rsa-demo-key.yaml")
    for year, drop in (("2025", 0.2), ("2026", 0.0)):
        added = run(
            "history", "add", *_rsa_wave(demo, tmp_path / year, year, drop), "-i", "rsa",
            "--key", key, "--org", ORG, "--wave", year, "--on-invalid", "missing",
            "--store", store,
        )  # fmt: skip
        assert added.exit_code == 0, added.output
        assert "kept as one wave" in added.output
    history = History(store)
    info = history.info(ORG, "2026")
    assert info.perspectives == ("administrator", "provider", "person", "family")
    p = history.load_perspectives(ORG, "2026")
    direct = pd.read_csv(demo / "rsa_person_answers.csv")
    assert p.scores["person"].n_scored == len(direct)
    # a perspective's series holds only that perspective, in wave order
    series = history.series(ORG, "rsa", version="provider")
    assert list(series) == ["2025", "2026"]
    assert series["2026"].n_scored == p.scores["provider"].n_scored
    assert series["2026"].instrument.version == "provider"
    out = tmp_path / "rep"
    report = run(
        "report", "--history", ORG, "--format", "html,xlsx", "-o", str(out), "--store", store
    )
    assert report.exit_code == 0, report.output
    page = (out / "rsa-perspectives-report.html").read_text(encoding="utf-8")
    assert "Change across waves, by perspective" in page
    book = pd.read_excel(out / "rsa-perspectives-report.xlsx", sheet_name=None, engine="calamine")
    changes = book["changes"]
    # every change compares a perspective with itself
    assert set(changes["perspective"]) == {"administrator", "provider", "person", "family"}
    person = changes[(changes["perspective"] == "person") & (changes["domain"] == "total")]
    before = history.load(ORG, "2025", perspective="person").respondents["total"]
    after = history.load(ORG, "2026", perspective="person").respondents["total"]
    assert person["mean_before"].item() == pytest.approx(before.mean(), abs=1e-12)
    assert person["mean_after"].item() == pytest.approx(after.mean(), abs=1e-12)
    waves = book["waves"]
    assert waves.query("perspective == 'family' and score == 'total'")["n"].tolist() == [
        history.load(ORG, w, perspective="family").respondents["total"].count()
        for w in ("2025", "2026")
    ]


def test_two_perspectives_kept_as_waves_are_never_compared(store, tmp_path):
    """The defect: provider kept as '2026a' and person as '2026b' were reported as a decline
    over time. A one-version report's trend holds its own version only."""
    demo = tmp_path / "demo"
    run_rsa_demo(demo, report=False)
    key = str(demo / "rsa-demo-key.yaml")
    for label, v in (("2026 wave 1", "provider"), ("2026 wave 2", "person")):
        added = run(
            "history", "add", str(demo / f"rsa_{v}_answers.csv"), "-i", "rsa", "--version", v,
            "--key", key, "--org", ORG, "--wave", label, "--on-invalid", "missing",
            "--store", store,
        )  # fmt: skip
        assert added.exit_code == 0, added.output
    out = tmp_path / "rep"
    report = run("report", "--history", ORG, "--format", "html", "-o", str(out), "--store", store)
    assert report.exit_code == 0, report.output
    page = (out / "rsa-report.html").read_text(encoding="utf-8")
    assert "Since the last wave" not in page
    assert "Change since the last wave" not in page

"""Issue 33: every command and code block in ``docs/`` runs as written, as the README's do.

Each page runs in a fresh folder, its blocks in order, as a reader pastes them. A file a block
reads that the reader brings (``export.csv`` "stands for your export", as the page says) is a
**stand-in** made here before that block: the table ``STAND_INS`` names each one, with the page
and block it is for, so that nothing else is supplied. Bash blocks run with ``bash -e -o
pipefail``; Python blocks run in one namespace per page, with the page's named stand-in
variables (``scores``). The web page's server commands are started, answered, and stopped.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from assessments import load_instrument
from assessments import score as ra_score
from assessments.demo import demo_responses, rsa_demo_key, run_rsa_demo
from assessments.io.tables import write_table

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


# --- stand-ins: the files and variables a reader brings -------------------------------------


def clean(df: pd.DataFrame, instrument: str, version: str | None = None) -> pd.DataFrame:
    """Demo answers without their deliberate typos (a reader's clean export)."""
    inst = load_instrument(instrument).select(version)
    codes = {float(p.code) for p in inst.response_scale.points}
    out = df.copy()
    for item in inst.item_ids:
        if item in out.columns:
            x = pd.to_numeric(out[item], errors="coerce")
            out[item] = x.where(x.isin(codes))
    return out


def oric(n: int = 80, seed: int = 5) -> pd.DataFrame:
    return clean(demo_responses("oric", n=n, seed=seed), "oric")


def oric_csv(path: Path) -> None:
    write_table(oric(), path)


def oric_grid(path: Path, *, platform: str) -> None:
    """ORIC as Google Forms or SurveyMonkey write it: a grid question, answers as labels."""
    inst = load_instrument("oric")
    labels = {float(p.code): p.label for p in inst.response_scale.points}
    df = oric()
    question = "How far do you agree with each statement about your organization?"
    answers = {it.label: df[it.id].map(labels) for it in inst.items}
    if platform == "forms":
        table = pd.DataFrame({"Timestamp": ["2026/11/02 9:00:00 AM GMT"] * len(df)})
        for label, col in answers.items():
            table[f"{question} [{label}]"] = col
        table.to_csv(path, index=False)
        return
    first = ["Respondent ID", question] + [""] * (len(answers) - 1)
    second = ["", *answers]
    rows = [[str(1000 + k)] + [v if isinstance(v, str) else "" for v in r]
            for k, r in enumerate(zip(*answers.values(), strict=True))]  # fmt: skip
    pd.DataFrame([first, second, *rows]).to_csv(path, index=False, header=False)


def orca_qualtrics(path: Path) -> None:
    """ORCA as a Qualtrics export: three header rows, columns named by the form's numbers."""
    inst = load_instrument("orca")
    df = clean(demo_responses("orca", n=60, seed=9), "orca")
    ids = ["ResponseId", "StartDate"] + [f"Q{it.numbers[inst.version]}" for it in inst.items]
    texts = ["Response ID", "Start Date"] + [f"ORCA item {it.numbers[inst.version]}"
                                             for it in inst.items]  # fmt: skip
    imports = ['{"ImportId":"_recordId"}', '{"ImportId":"startDate"}'] + [
        f'{{"ImportId":"QID{k}"}}' for k in range(len(inst.items))
    ]
    body = [[f"R_{k}", "2026-11-02 09:00:00"] + [
        "" if pd.isna(df.loc[k, it.id]) else str(int(df.loc[k, it.id])) for it in inst.items
    ] for k in range(len(df))]  # fmt: skip
    pd.DataFrame([ids, texts, imports, *body]).to_csv(path, index=False, header=False)


def redcap(folder: Path, raw: str, dictionary: str) -> None:
    inst = load_instrument("oric")
    choices = " | ".join(f"{p.code}, {p.label}" for p in inst.response_scale.points)
    rows = [["record_id", "oric", "", "text", "Record ID", ""]] + [
        [it.id, "oric", "", "radio", it.label, choices] for it in inst.items
    ]
    header = ["Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
              "Choices, Calculations, OR Slider Labels"]  # fmt: skip
    pd.DataFrame(rows, columns=header).to_csv(folder / dictionary, index=False)
    df = oric()
    out = pd.DataFrame({"record_id": range(1, len(df) + 1)})
    for it in inst.items:
        out[it.id] = df[it.id].astype("Int64")
    out["oric_complete"] = 2
    out.to_csv(folder / raw, index=False)


_RSA: dict[str, Path] = {}


def rsa_demo(version: str) -> Path:
    """The demo's four perspective exports (made once), and its demonstration key."""
    if not _RSA:
        folder = Path(os.environ["DOCS_STAND_INS"]) / "rsa"
        run_rsa_demo(folder, report=False)
        for v in ("administrator", "provider", "person", "family"):
            _RSA[v] = folder / f"rsa_{v}_answers.csv"
    return _RSA[version]


def rsa_table(version: str) -> pd.DataFrame:
    return pd.read_csv(rsa_demo(version), dtype=str, keep_default_na=False, na_values=[""])


def network_store(path: Path) -> None:
    """A history store of six agencies' 2026 waves of ORIC (made once for the page)."""
    from assessments.history.store import History

    if path.exists():
        return
    with History(path, create=True) as h:
        for k in range(6):
            s = ra_score(demo_responses("oric", n=40, seed=k), "oric", on_invalid="missing")
            h.add(s, org=f"Agency {k + 1}", wave="2026", date="2026-05-01")


def rsa_key_yaml(path: Path) -> None:
    path.write_text(rsa_demo_key(), encoding="utf-8")


def rsa_key_workbook(path: Path) -> None:
    """The key workbook filled in as a reader fills it: every item's factor, the source."""
    import yaml
    from openpyxl import load_workbook

    from assessments.instruments.key_workbook import write_key_template

    key = yaml.safe_load(rsa_demo_key())
    if path.exists():
        path.unlink()
    write_key_template("rsa", path)
    book = load_workbook(path)
    book["source"]["B2"] = "Demonstration key for the docs test, not the RSA's key"
    book["source"]["B3"] = "test printing"
    for version, factors in key["versions"].items():
        sheet = book[version]
        factor_of = {n: f for f, numbers in factors.items() for n in numbers}
        for row in range(2, sheet.max_row + 1):
            number = sheet.cell(row=row, column=1).value
            if number is not None and int(number) in factor_of:
                sheet.cell(row=row, column=2, value=factor_of[int(number)])
    book.save(path)


def rsa_xlsx(version: str) -> Callable[[Path], None]:
    return lambda path: write_table(rsa_table(version), path)


def rsa_csv(version: str) -> Callable[[Path], None]:
    return lambda path: shutil.copy(rsa_demo(version), path)


def rsa_sav(path: Path) -> None:
    pyreadstat = pytest.importorskip("pyreadstat")
    df = rsa_table("provider").drop(columns=["respondent_id"])
    pyreadstat.write_sav(df.apply(pd.to_numeric, errors="coerce"), str(path))


def checklist(path: Path) -> None:
    write_table(
        clean(demo_responses("peer-support-practices", n=12, seed=4), "peer-support-practices"),
        path,
    )


def person_entry(path: Path) -> None:
    """The paper-form workbook with forms typed in (its responses sheet)."""
    df = rsa_table("person")
    df.insert(1, "site", "North Clinic")
    write_table(df, path)


def forms_grid_copy(path: Path) -> None:
    shutil.copy(ROOT / "tests" / "data" / "exports" / "forms-frequency-grid.csv", path)


def demo_folder(folder: Path) -> None:
    """What the page's commands read of `assess demo`: its answers (the reports it also
    writes are not read, and take most of its time)."""
    from assessments.demo import run_demo

    run_demo(folder, report=False)


Files = dict[str, Callable[[Path], None]]
#: (page, block number from 0) -> the files made before that block, by the name the page gives
STAND_INS: dict[tuple[str, int], Files] = {
    ("history.md", 0): {"answers.csv": oric_csv},
    ("history.md", 3): {"network.sqlite": network_store, "answers.csv": oric_csv},
    ("history.md", 4): {"network.sqlite": network_store},
    ("network.md", 6): {"network.sqlite": network_store},
    ("keys.md", 1): {"my-rsa-key.yaml": rsa_key_yaml, "answers.csv": rsa_csv("provider")},
    ("keys.md", 6): {"rsa-key.xlsx": rsa_key_workbook, "providers.csv": rsa_csv("provider")},
    ("mapping.md", 0): {"export.csv": lambda p: oric_grid(p, platform="forms")},
    ("instruments.md", 0): {"export.csv": forms_grid_copy},
    ("practices.md", 2): {"checklist.xlsx": checklist},
    ("practices.md", 3): {"answers.xlsx": rsa_xlsx("provider"), "my-key.yaml": rsa_key_yaml},
    ("practices.md", 4): {"next-wave.xlsx": rsa_xlsx("provider")},
    ("rsa.md", 1): {"rsa-key.xlsx": rsa_key_workbook},
    ("rsa.md", 2): {
        "admin.xlsx": rsa_xlsx("administrator"),
        "providers.csv": rsa_csv("provider"),
        "people.csv": rsa_csv("person"),
        "families.csv": rsa_csv("family"),
    },
    ("statistics.md", 0): {"demo": demo_folder},
    ("paper.md", 1): {"rsa-person-entry.xlsx": person_entry},
    ("qualtrics.md", 0): {"export.csv": orca_qualtrics},
    ("redcap.md", 0): {"raw.csv": lambda p: redcap(p.parent, "raw.csv", "dictionary.csv")},
    ("spss.md", 0): {"survey.sav": rsa_sav, "my-rsa-key.yaml": rsa_key_yaml},
    ("forms.md", 0): {"responses.csv": lambda p: oric_grid(p, platform="forms")},
    ("surveymonkey.md", 0): {"surveymonkey.csv": lambda p: oric_grid(p, platform="surveymonkey")},
}


def python_stand_ins(page: str, folder: Path) -> dict[str, object]:
    """The variables a page's Python blocks say stand for the reader's own."""
    import assessments as ra
    from assessments.perspectives import score_perspectives

    out: dict[str, object] = {}
    if page in ("history.md", "statistics.md"):
        path = folder / "_oric_scores.csv"
        # the invariance example compares three sites: each needs a model of its own
        write_table(oric(n=600 if page == "statistics.md" else 80), path)
        out["scores"] = ra.score(ra.read_responses(path, "oric"))
    if page == "history.md":
        key = folder / "_key.yaml"
        rsa_key_yaml(key)
        inputs = [(rsa_demo(v), v) for v in ("administrator", "provider", "person", "family")]
        out["perspectives"] = score_perspectives(inputs, "rsa", key=key)
    return out


# --- running the pages ----------------------------------------------------------------------

ENV = {
    **os.environ,
    "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    "MPLBACKEND": "Agg",
    "BROWSER": "true",  # `assess serve` opens a browser: here, a command that does nothing
}
PAGES = sorted(
    p
    for p in DOCS.rglob("*.md")
    if any(lang in ("bash", "python") for lang, _ in BLOCK.findall(p.read_text(encoding="utf-8")))
)


def _serve(line: str, folder: Path) -> None:
    """A server command: started, answered at the address it prints, stopped."""
    import queue
    import threading

    env = {**ENV, "XDG_DATA_HOME": str(folder / "data")}  # its workspaces stay in the test
    proc = subprocess.Popen(
        ["bash", "-c", "exec " + line.split("#")[0]],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    try:
        printed = ""
        while (m := re.search(r"running at (http://\S+)", printed)) is None:
            try:
                printed += lines.get(timeout=120)  # a hang, not a speed limit
            except queue.Empty:
                raise AssertionError(f"{line}: no address printed: {printed!r}") from None
        tries = 0
        while True:  # the address is printed just before the server listens
            try:
                with urllib.request.urlopen(m.group(1), timeout=30) as r:
                    assert r.status == 200
                    assert b"<html" in r.read().lower()
                break
            except OSError:
                tries += 1
                assert proc.poll() is None, printed
                assert tries < 600, f"{line}: no answer at {m.group(1)}"  # a hang
                threading.Event().wait(0.2)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_docs_block_runs_as_written(page, tmp_path, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DOCS_STAND_INS", str(tmp_path_factory.getbasetemp() / "stand-ins"))
    folder = tmp_path / "reader"
    folder.mkdir()
    env = {**ENV, "ASSESS_STORE": str(folder / "assess-history.sqlite")}
    namespace: dict[str, object] = {}
    ran = 0
    for index, (lang, body) in enumerate(BLOCK.findall(page.read_text(encoding="utf-8"))):
        for name, make in STAND_INS.get((page.name, index), {}).items():
            make(folder / name)
        if lang == "bash":
            if body.lstrip().startswith("assess serve"):
                for line in body.strip().splitlines():
                    _serve(line, folder)
                ran += 1
                continue
            result = subprocess.run(
                ["bash", "-e", "-o", "pipefail", "-c", body],
                cwd=folder,
                env=env,
                input="y\n",  # a command that asks first (history remove) gets its answer
                capture_output=True,
                text=True,
                timeout=900,
            )
            assert result.returncode == 0, f"{page.name} block {index} failed:\n{body}\n" + (
                result.stderr[-3000:] + result.stdout[-2000:]
            )
            assert "Traceback" not in result.stderr, result.stderr
            ran += 1
        elif lang == "python":
            if not namespace:
                namespace.update(python_stand_ins(page.name, folder))
            monkeypatch.chdir(folder)
            exec(compile(body, str(page), "exec"), namespace)
            ran += 1
    assert ran, f"{page.name}: no block ran"


def test_every_stand_in_is_for_a_block_that_exists():
    """A stand-in names a page and block that exist (a page edited without its stand-ins
    would otherwise be tested against nothing)."""
    pages = {p.name: p for p in DOCS.rglob("*.md")}
    for page, index in STAND_INS:
        blocks = BLOCK.findall(pages[page].read_text(encoding="utf-8"))
        assert index < len(blocks), (page, index)
        for name in STAND_INS[page, index]:
            assert name in blocks[index][1], (page, index, name)
            assert f"`{name}" in pages[page].read_text(encoding="utf-8"), (
                f"{page}: {name} is not named as standing for the reader's file"
            )

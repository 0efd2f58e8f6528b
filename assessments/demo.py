"""Realistic, seeded example answers for trying the toolkit (``assess demo``).

The answers come from a simple model: a grand mean, a site effect, a respondent-role effect, a
per-respondent tendency, a per-domain offset for each site, and item noise, rounded onto the
1-5 scale. Reverse-keyed items are written the way a respondent answers them (before reversal).
To look like real exports, the data also carry skipped answers, people who stopped part-way,
``N/A`` typed in, text labels from one site's paper forms, a few typos outside the scale, and
two rows with no answers at all.

Examples
--------
>>> df = demo_responses("oric", n=40, seed=1)
>>> df.shape
(40, 16)
>>> list(df.columns[:4])
['respondent_id', 'site', 'role', 'wave']
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .instruments import Instrument, load_instrument

SITES = ("North Clinic", "Riverside", "Downtown Center")
ROLES = ("clinician", "peer specialist", "administrator", "support staff")


def demo_responses(
    instrument: str | Instrument,
    n: int = 240,
    seed: int = 2026,
    wave: str = "2026",
    shift: float = 0.0,
) -> pd.DataFrame:
    """Return ``n`` example respondents for a one-version instrument (ORIC, ORCA, ...);
    ``shift`` moves every latent answer (e.g. -0.3 for a less ready earlier wave)."""
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    inst = inst.select(None)
    rng = np.random.default_rng(seed)
    sites = rng.choice(len(SITES), size=n, p=[0.45, 0.35, 0.20])
    roles = rng.choice(len(ROLES), size=n, p=[0.45, 0.2, 0.1, 0.25])
    site_eff = rng.normal(0, 0.35, len(SITES))
    role_eff = np.array([0.0, 0.25, 0.35, -0.2])
    person = rng.normal(0, 0.55, n)
    domain_of = {i: inst.item_domains(i)[0] if inst.item_domains(i) else "" for i in inst.item_ids}
    dom_ids = sorted(set(domain_of.values()))
    dom_eff = rng.normal(0, 0.3, (len(SITES), len(dom_ids)))
    # each person's own standing on each domain (a generator of its own, so the pattern of
    # blanks and typos is the same as before): without it the domains of the demo answers
    # correlate near 1 and fail the toolkit's own structure check
    own = np.random.default_rng([seed, 17]).normal(0, 0.45, (n, len(dom_ids)))
    scale = inst.response_scale
    lo, hi = scale.min, scale.max
    cols: dict[str, object] = {
        "respondent_id": [f"R{k:04d}" for k in range(1, n + 1)],
        "site": [SITES[s] for s in sites],
        "role": [ROLES[r] for r in roles],
        "wave": [wave] * n,
    }
    answers = np.empty((n, len(inst.items)))
    for j, item in enumerate(inst.items):
        d = dom_ids.index(domain_of[item.id])
        latent = (
            3.7 + shift + site_eff[sites] + role_eff[roles] + person + dom_eff[sites, d] + own[:, d]
        )
        raw = latent + rng.normal(0, 0.75, n)
        if (lo, hi) != (1, 5):  # another scale (the checklist's 0-2): the same answers on it,
            # with practices that differ in how far they are in place
            raw = lo + (raw - 1 - 0.9 * np.sin(3 * j)) * (hi - lo) / 4
        x = np.clip(np.rint(raw), lo, hi)
        if scale.is_range and scale.step is not None:  # on the range's steps
            x = lo + np.round((x - lo) / scale.step) * scale.step
        answers[:, j] = scale.reverse(x) if item.reverse else x
    table: np.ndarray = answers.astype(object)
    table[rng.random(answers.shape) < 0.03] = None  # skipped answers
    for quit_row in np.flatnonzero(rng.random(n) < 0.05):  # stopped part-way through
        table[quit_row, int(len(inst.items) * rng.uniform(0.4, 0.8)) :] = None
    table[rng.random(answers.shape) < 0.01] = "N/A"
    paper = np.flatnonzero(sites == 2)[: max(1, n // 12)]  # typed in from paper forms as labels
    labels = {p.code: p.label for p in scale.points}
    for row in paper:
        table[row] = [labels.get(int(v), v) if isinstance(v, float) else v for v in table[row]]
    for r, c, v in [(3, 1, 7), (n // 2, 2, 44), (n - 5, 0, 0)]:  # typos outside the scale
        table[r % n, c % len(inst.items)] = v
    table[[n // 3, n - 2]] = None  # two rows with no answers at all
    for j, item in enumerate(inst.items):
        cols[item.id] = table[:, j]
    return pd.DataFrame(cols)


#: ORCA's key has 19 domains of 77 items: a confirmatory factor analysis tells them apart only
#: with a few hundred respondents (at 240 the solution is improper), so its demo has more
ORCA_DEMO_FACTOR = 2.5


def demo_size(instrument: str, n: int) -> int:
    """Respondents in the demo for an instrument: ``n``, and 2.5 times as many for ORCA, so
    that the demo answers pass the toolkit's own structure check (``assess structure``)."""
    return round(n * ORCA_DEMO_FACTOR) if instrument == "orca" else n


def run_demo(
    out: Path,
    n: int = 240,
    seed: int = 2026,
    *,
    report: bool = True,
    n_boot: int = 0,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Write example answers for ORIC (CSV, two waves, ``n`` each) and ORCA (Excel,
    :func:`demo_size`) to ``out``, score them
    (answers outside the scale scored as missing, as a person would after checking them), write
    the scores beside them and, with ``report``, the PDF, HTML and Excel report set of each;
    then the RSA from four perspectives with a demonstration key (:func:`run_rsa_demo`).
    Returns one summary per instrument; ``progress`` is told each step as it starts."""
    from .io import read_responses, write_scores, write_workbook
    from .io.tables import write_table
    from .practices import action_plan, write_action_plan
    from .render import write_report
    from .scoring import score

    step = progress or (lambda _: None)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for k, (iid, ext) in enumerate((("oric", ".csv"), ("orca", ".xlsx"))):
        step(f"{iid.upper()}: writing and scoring example answers")
        answers = demo_responses(iid, n=demo_size(iid, n), seed=seed + k)
        src = out / f"{iid}_answers{ext}"
        if ext == ".csv":
            write_table(answers, src)
        else:
            write_workbook({"answers": answers}, src)
        scores = score(read_responses(src, iid), on_invalid="missing")
        written = write_scores(scores, out / f"{iid}_scores{ext}")
        if report:
            previous = None
            if iid == "oric":  # a year earlier, a little less ready: the report shows change
                before = demo_responses(iid, n=n, seed=seed + k, wave="2025", shift=-0.35)
                prev_src = out / f"{iid}_answers_2025{ext}"
                write_table(before, prev_src)
                previous = score(read_responses(prev_src, iid), on_invalid="missing")
            step(f"{iid.upper()}: building the report (PDF, HTML, Excel)")
            written += write_report(
                scores,
                out,
                by="role",
                aggregate_by="site",
                previous=previous,
                organization="Example Behavioral Health",
                period="Spring 2026 (demo data)",
                n_boot=n_boot,
            )
            plan = action_plan(scores)
            written.append(write_action_plan(plan, out / f"{iid}-action-plan.xlsx", instrument=iid))
        results.append(
            {**scores.summary(), "input": str(src), "written": [str(p) for p in written]}
        )
    step("RSA: four perspectives and their report")
    results.append(run_rsa_demo(out, seed=seed, report=report))
    return results


def run_instrument_demo(
    out: Path,
    instrument: str,
    n: int = 240,
    seed: int = 2026,
    *,
    report: bool = True,
    n_boot: int = 0,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Example answers for one shipped instrument (``assess demo --instrument ID``): a CSV per
    version, ``n`` respondents each; scored, with their report, when the instrument can be
    scored without a key. An instrument whose domains (or reversed items) come from a user's
    key gets answers only, and the summary says what the key must give.

    >>> import tempfile
    >>> summary = run_instrument_demo(Path(tempfile.mkdtemp()), "rki", n=30, report=False)
    >>> [Path(p).name for p in summary["written"]], summary["needs_key"]
    (['rki_answers.csv'], True)
    """
    from .io import read_responses, write_scores
    from .io.tables import write_table
    from .render import write_report
    from .scoring import score

    step = progress or (lambda _: None)
    whole = load_instrument(instrument)
    out.mkdir(parents=True, exist_ok=True)
    needs_key = whole.reverse_from_key or bool(whole.missing_keys)
    written: list[Path] = []
    summaries = []
    for v in whole.version_ids:
        inst = whole.select(v)
        step(f"{whole.id.upper()}: writing example answers" + (f" ({v})" if v else ""))
        answers = demo_responses(inst, n=n, seed=seed)
        stem = whole.id if len(whole.versions) == 1 else f"{whole.id}_{v}"
        src = out / f"{stem}_answers.csv"
        write_table(answers, src)
        written.append(src)
        if needs_key:
            continue
        scores = score(read_responses(src, inst), on_invalid="missing")
        written += write_scores(scores, out / f"{stem}_scores.csv")
        if report:
            step(f"{whole.id.upper()}: building the report (PDF, HTML, Excel)")
            written += write_report(
                scores,
                out / (stem + "-report"),
                by="role",
                aggregate_by="site",
                organization="Example Behavioral Health",
                period="Spring 2026 (demo data)",
                n_boot=n_boot,
            )
        summaries.append(scores.summary())
    return {
        "instrument": whole.id,
        "versions": list(whole.version_ids),
        "needs_key": needs_key,
        "scored": summaries,
        "written": [str(p) for p in written],
    }


RSA_DEMO_SIZES = {"administrator": 15, "provider": 70, "person": 90, "family": 25}
RSA_DEMO_SHIFT = {"administrator": 0.5, "provider": 0.35, "person": -0.1, "family": 0.0}


def rsa_demo_key() -> str:
    """A clearly fictional key for the demo: every factor prefixed "Demo", the banner in its
    source, items dealt round-robin to the five factors. It is NOT the RSA's scoring key."""
    from .perspectives import DEMO_BANNER

    inst = load_instrument("rsa")
    factors = [d.id for d in inst.domains if not d.optional]  # the five every printing has
    lines = [
        "# A DEMONSTRATION key made up for `assess demo`. It is NOT the RSA's scoring key.",
        "key_for: rsa",
        f'source: "{DEMO_BANNER} (made up for assess demo)"',
        "names:",
        *[f'  {d.id}: "Demo {d.name.lower()}"' for d in inst.domains if d.id in factors],
        "versions:",
    ]
    for v in inst.version_ids:
        numbers = sorted(int(it.numbers[v]) for it in inst.items if v in it.numbers)
        lines.append(f"  {v}:")
        for j, f in enumerate(factors):
            lines.append(f"    {f}: {numbers[j :: len(factors)]}")
    lines.append("same_practice:")
    shared = sorted(
        int(it.numbers["provider"])
        for it in inst.items
        if "person" in it.numbers and "provider" in it.numbers
    )
    lines += [f"  - {{provider: {k}, person: {k}}}" for k in shared]
    return "\n".join(lines) + "\n"


def run_rsa_demo(out: Path, seed: int = 2026, *, report: bool = True) -> dict[str, Any]:
    """The RSA from four perspectives (one CSV each), scored with the demonstration key, and
    the perspective report."""
    from .io.tables import write_table
    from .perspectives import score_perspectives

    out.mkdir(parents=True, exist_ok=True)
    key = out / "rsa-demo-key.yaml"
    key.write_text(rsa_demo_key(), encoding="utf-8")
    inst = load_instrument("rsa")
    rng = np.random.default_rng(seed + 7)
    inputs = []
    for v, n in RSA_DEMO_SIZES.items():
        items = [it for it in inst.items if v in it.numbers]
        person = rng.normal(0, 0.5, n)
        table = {"respondent_id": [f"{v[:3].upper()}{k:03d}" for k in range(1, n + 1)]}
        for j, it in enumerate(items):
            practice = 0.4 * np.sin(j)  # practices differ in how well they are done
            gap = -0.5 if (v == "person" and j % 7 == 3) else 0.0  # staff see some more kindly
            x = np.clip(
                np.rint(3.5 + RSA_DEMO_SHIFT[v] + practice + gap + person + rng.normal(0, 0.8, n)),
                1,
                5,
            ).astype(object)
            unsure = rng.random(n) < (0.25 if v in ("person", "family") and j % 6 == 0 else 0.02)
            x[unsure] = "N/A" if v == "person" else "Don't know"
            table[it.id] = x
        path = out / f"rsa_{v}_answers.csv"
        write_table(pd.DataFrame(table), path)
        inputs.append((path, v))
    p = score_perspectives(inputs, "rsa", key=key, on_invalid="missing")
    written = [str(key), *[str(path) for path, _ in inputs]]
    if report:
        from .render.perspectives import write_perspective_report

        written += [
            str(x)
            for x in write_perspective_report(
                p, out, organization="Example Behavioral Health", period="Spring 2026 (demo data)"
            )
        ]
    return {
        "instrument": "rsa",
        "perspectives": {v: s.n_scored for v, s in p.scores.items()},
        "written": written,
    }

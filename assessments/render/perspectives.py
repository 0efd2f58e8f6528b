"""The perspective report of the RSA (or any instrument with several versions): one report for
administrators, providers, people in recovery and family members."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..perspectives import DEMO_BANNER, Perspectives
from ..scoring import Scores
from .model import Block, Bullets, Note, Paragraph, Report, Section, TableBlock


def _combined(p: Perspectives) -> Scores:
    """One Scores of every shown perspective (score columns only), for the profile chart."""
    first = next(iter(p.scores.values()))
    empty = pd.DataFrame()
    respondents = p.respondents()
    named = {  # "person in recovery", not the version id "person", in the chart's legend
        v.id: v.name for s in p.scores.values() for v in s.instrument.versions if v.name
    }
    respondents["perspective"] = [named.get(x, x) for x in respondents["perspective"]]
    return Scores(
        respondents=respondents,
        items=empty,
        status=empty,
        excluded=empty,
        invalid=empty,
        recodes=empty,
        instrument=first.instrument,
        rows_read=sum(s.rows_read for s in p.scores.values()),
    )


PLACEHOLDER = "wording not shipped"


def _practice_table(practice: pd.DataFrame) -> pd.DataFrame:
    """The practice gaps for reading: plain column names; labels only when a key gave them."""
    out = practice.rename(
        columns={
            "staff_item": "staff item",
            "people_item": "people item",
            "staff_mean": "staff",
            "people_mean": "people in recovery",
            "n_staff": "n staff",
            "n_people": "n people",
        }
    ).reset_index(drop=True)
    if out["label"].str.contains(PLACEHOLDER).all():
        out = out.drop(columns="label")
    return out.drop(columns="practice")


def build_perspective_report(
    p: Perspectives, *, organization: str = "", period: str = ""
) -> Report:
    """The report model: findings, factors by perspective, gaps, the practices rated most
    differently, N/A and Don't know by perspective, methods. With the demo key, every page
    title and every sheet says it is a demonstration key."""
    from .. import charts
    from .common import figure, report_date

    names = p.names()
    first = next(iter(p.scores.values())).instrument
    banner = f" ({DEMO_BANNER})" if p.is_demo else ""
    keyed = any(d.items for d in first.domains)
    sections: list[Section] = []
    counts = ", ".join(
        f"{v}: {'hidden (under ' + str(p.min_group_size) + ')' if v in p.hidden else s.n_scored}"
        for v, s in p.scores.items()
    )
    gaps = p.gaps()
    practice = p.practice_gaps()
    findings: list[str] = [f"Respondents by perspective: {counts}."]
    if len(gaps):
        top = gaps.reindex(gaps["hedges_g"].abs().sort_values(ascending=False).index).iloc[0]
        direction = "higher" if top["difference"] > 0 else "lower"
        findings.append(
            f"The largest gap: {top['perspective']} respondents rate "
            f"{names.get(top['score'], top['score'])} {abs(top['difference']):.2f} {direction} "
            f"than people in recovery do ({top['size']} difference)."
        )
    if len(practice):
        t = practice.iloc[0]
        what = "" if PLACEHOLDER in str(t["label"]) else f"{t['label']} "
        findings.append(
            f"The practice rated most differently: {what}({t['staff_item']} and "
            f"{t['people_item']}): staff {t['staff_mean']:.2f}, people in recovery "
            f"{t['people_mean']:.2f}."
        )
    blocks: list[Block] = [Bullets(tuple(findings))]
    if p.is_demo:
        blocks.insert(
            0,
            Note(
                f"This report uses a {DEMO_BANNER}: its factor scores are "
                "made up for the demonstration.",
                "warning",
            ),
        )
    if not keyed:
        blocks.append(
            Note(
                "Factor scores need the instrument's scoring key, which is not public: only the "
                "total and the items are shown. Make a key from the official scoring instructions "
                f"with `assess key template {first.id} -o key.xlsx`, check it with `assess key "
                "check`, and pass it with --key.",
                "warning",
            )
        )
    sections.append(Section("Key findings", tuple(blocks)))

    prof = p.profile()
    shown = prof[~prof["suppressed"].astype(bool)].copy()
    shown["score"] = [names.get(x, x) for x in shown["score"]]
    combined = _combined(p)
    sections.append(
        Section(
            "Scores by perspective",
            (
                figure(
                    charts.domain_profile(
                        combined, by="perspective", min_group_size=p.min_group_size
                    ),
                    "Mean of each score by perspective, with 95% intervals",
                ),
                TableBlock(
                    "Scores by perspective (95% interval)",
                    shown[["perspective", "score", "n", "mean", "ci_low", "ci_high"]]
                    .rename(columns={"ci_low": "95% low", "ci_high": "95% high"})
                    .reset_index(drop=True),
                ),
            ),
        )
    )
    if len(gaps):
        g = gaps.copy()
        g["score"] = [names.get(x, x) for x in g["score"]]
        sections.append(
            Section(
                "Perspective gaps",
                (
                    Paragraph(
                        "Each perspective against people in recovery: the difference of the "
                        "means and Hedges' g (small from .2, medium from .5, large from .8)."
                    ),
                    TableBlock(
                        "Gaps against people in recovery",
                        g[
                            [
                                "perspective",
                                "score",
                                "mean",
                                "reference_mean",
                                "difference",
                                "hedges_g",
                                "size",
                            ]
                        ]
                        .rename(
                            columns={
                                "reference_mean": "people in recovery",
                                "hedges_g": "Hedges' g",
                            }
                        )
                        .reset_index(drop=True),
                    ),
                ),
            )
        )
    if len(practice):
        sections.append(
            Section(
                "Practices rated most differently",
                (
                    Paragraph(
                        "Practices the key matches between the staff and the people-in-recovery "
                        "versions, largest difference first (staff minus people in recovery)."
                    ),
                    TableBlock("Practices by gap", _practice_table(practice.head(10))),
                ),
            )
        )
    rates = p.answer_rates()
    if len(rates):
        rates = rates.assign(total=rates["pct_not_applicable"] + rates["pct_dont_know"])
        worst = rates.sort_values("total", ascending=False).groupby("perspective").head(5)
        if worst["label"].str.contains(PLACEHOLDER).all():
            worst = worst.assign(label="")
        sections.append(
            Section(
                "N/A and Don't know by perspective",
                (
                    Paragraph(
                        "Some practices cannot be judged from every seat; the items each "
                        "perspective most often answered N/A or Don't know (people in recovery and "
                        "family members often cannot judge administrative practices)."
                    ),
                    TableBlock(
                        "Items most often N/A or Don't know (%)",
                        worst[
                            ["perspective", "item", "label", "pct_not_applicable", "pct_dont_know"]
                        ]
                        .rename(
                            columns={"pct_not_applicable": "% N/A", "pct_dont_know": "% Don't know"}
                        )
                        .reset_index(drop=True),
                        decimals=1,
                    ),
                ),
            )
        )
    rel = p.reliability()
    if len(rel):
        r = rel.copy()
        r["domain"] = [names.get(x, x) for x in r["domain"]]
        sections.append(
            Section(
                "Reliability by perspective",
                (
                    Paragraph(
                        "Cronbach's alpha and omega of each factor within each perspective: "
                        "validation studies found the RSA's structure differs between groups, "
                        "so check each perspective before comparing them."
                    ),
                    TableBlock(
                        "Internal consistency by perspective",
                        r[["perspective", "domain", "n_items", "n", "raw_alpha", "omega_total"]]
                        .rename(
                            columns={
                                "domain": "factor",
                                "n_items": "items",
                                "raw_alpha": "alpha",
                                "omega_total": "omega",
                            }
                        )
                        .reset_index(drop=True),
                    ),
                ),
            )
        )
    sections.append(
        Section(
            "Methods",
            (
                Paragraph(
                    "Each perspective's answers are scored with its own version of the "
                    "instrument (its own item numbers and factor items). Scores are means of "
                    "answered items; N/A and Don't know count as missing. Gaps use Hedges' g "
                    "with its 95% interval (checked against R effectsize). A perspective under "
                    f"{p.min_group_size} respondents is hidden everywhere, and when only one "
                    "would be hidden, the next smallest too."
                ),
                *([Paragraph(f"Scoring key: {p.key_source}.")] if p.key_source else []),
                *[Note(w, "warning") for w in first.key_warnings()],
            ),
        )
    )
    sheets: dict[str, pd.DataFrame] = {
        "profile": prof,
        "gaps": gaps,
        "practices": practice,
        "answer_rates": rates,
        "reliability": rel,
    }
    if p.is_demo:
        sheets = {
            k: v.assign(banner=DEMO_BANNER)[["banner", *v.columns]] for k, v in sheets.items()
        }
    created = report_date()
    cover = [
        *([("Organization", organization)] if organization else []),
        ("Instrument", first.title),
        *([("Collection period", period)] if period else []),
        ("Perspectives", counts),
        ("Report date", created.strftime("%Y-%m-%d")),
    ]
    return Report(
        title=f"{first.title}: perspectives{banner}",
        subtitle=organization or first.id.upper(),
        cover=tuple(cover),
        sections=tuple(sections),
        created=created.isoformat(timespec="seconds"),
        keywords=(first.id, "perspectives", "recovery"),
        workbook=tuple(sheets.items()),
    )


def write_perspective_report(
    p: Perspectives,
    out_dir: str | Path,
    *,
    formats: Sequence[str] = ("pdf", "html", "xlsx"),
    organization: str = "",
    period: str = "",
) -> list[Path]:
    """Build the perspective report once and write it in each format (all or none)."""
    from ..io.tables import atomic_set
    from .html import render_html
    from .pdf import render_pdf
    from .xlsx import render_xlsx

    report = build_perspective_report(p, organization=organization, period=period)
    first = next(iter(p.scores.values())).instrument
    folder = Path(out_dir)
    stem = f"{first.id}-perspectives-report"
    files = []
    if "html" in formats:
        page = render_html(report)
        files.append((folder / f"{stem}.html", lambda t: Path(t).write_text(page, "utf-8")))
    if "pdf" in formats:
        document = render_pdf(report)
        files.append((folder / f"{stem}.pdf", lambda t: Path(t).write_bytes(document)))
    if "xlsx" in formats:
        book = render_xlsx(report)
        files.append((folder / f"{stem}.xlsx", lambda t: Path(t).write_bytes(book)))
    atomic_set(files)
    return [path for path, _ in files]

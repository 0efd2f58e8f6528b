"""The perspective report of the RSA (or any instrument with several versions): one report for
administrators, providers, people in recovery and family members."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..charts.scores import domain_profile
from ..charts.theme import new_axes, short_name
from ..charts.theme import title as chart_title
from ..perspectives import DEMO_BANNER, PEOPLE, Perspectives, practice_words
from ..scoring import Scores
from .model import SUMMARY_HEADING, Block, Bullets, Note, Paragraph, Report, Section, TableBlock
from .sections import RANGE_AXIS_LABEL, reader_source, step_lines, summary_table


def _combined(p: Perspectives) -> Scores:
    """One Scores of every shown perspective (score columns only), for the profile chart."""
    first = next(iter(p.scores.values()))
    empty = pd.DataFrame()
    respondents = p.respondents()
    named = _version_names(p)  # "Person in recovery", not the id "person", in the legend
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


def _practice_table(practice: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """The practice gaps for reading: each side's item number under a heading naming its
    form ("Provider item", "Person in recovery item"), the area (the factor, or the key's own
    label) unless no key gave one, plain column names."""
    out = practice.reset_index(drop=True)
    renamed: dict[str, str] = {}
    for col in ("staff_item", "people_item"):
        version, _, _ = str(out[col].iloc[0]).rpartition(" ") if len(out) else ("", "", "")
        renamed[col] = f"{names.get(version, version)} item"
        out[col] = [str(x).rpartition(" ")[2] for x in out[col]]
    out = out.rename(
        columns={
            **renamed,
            "label": "area",
            "staff_mean": "staff",
            "people_mean": "people in recovery",
            "n_staff": "n staff",
            "n_people": "n people",
        }
    )
    if out["area"].astype(str).str.lower().str.contains(PLACEHOLDER).all():
        out = out.drop(columns="area")
    return out.drop(columns="practice")


def _version_names(p: Perspectives) -> dict[str, str]:
    """Reader-facing perspective names ("Person in recovery"), by version id."""
    return {v.id: v.name for s in p.scores.values() for v in s.instrument.versions if v.name}


def _sum_words(p: Any) -> list[Block]:
    """The key gives the total as a sum of ratings: why the perspectives compare its mean."""
    sums = {v: s.instrument.total_sum for v, s in p.scores.items()}
    sized = {v: t.n_items for v, t in sums.items() if t is not None}
    if not sized:
        return []
    each = ", ".join(f"{v} {k}" for v, k in sized.items())
    return [
        Paragraph(
            "The key gives the total as a sum of ratings. The versions have different numbers "
            f"of items ({each}), so their sums are not comparable: the perspectives are compared "
            "on the total's mean. Each perspective's sum is in its own report (assess report "
            "on that version's answers)."
        )
    ]


def _reader_names(sections: Sequence[Section], named: Mapping[str, str]) -> tuple[Section, ...]:
    """The report's tables with each perspective by its name ("Person in recovery"), never a
    bare version id ("person"); the workbook keeps the ids, for analysts."""
    from dataclasses import replace

    out = []
    for section in sections:
        blocks = []
        for b in section.blocks:
            if isinstance(b, TableBlock) and "perspective" in b.data.columns:
                data = b.data.assign(
                    perspective=[named.get(str(v), v) for v in b.data["perspective"]]
                )
                b = replace(b, data=data)
            blocks.append(b)
        out.append(replace(section, blocks=tuple(blocks)))
    return tuple(out)


def _perspective_summary(
    p: Perspectives, profile_figure: Block, practices: pd.DataFrame | None = None
) -> Section:
    """One page: every score by perspective on one chart, who answered, how people in
    recovery rate the areas, the largest gap in words (the higher side named first with its
    own mean), how many comparisons differ and by how much, the practice rated most
    differently, the key in one line and three next steps. No statistic names."""
    from ..practices import linked_practices, load_practices
    from .sections import size_word

    names = p.names()
    who = _version_names(p)
    first = next(iter(p.scores.values())).instrument
    scale = first.response_scale
    keyed = any(d.items for d in first.domains)
    blocks: list[Block] = [
        Paragraph(
            "How to read this page: each score is the average answer of one perspective's "
            f"respondents, from {scale.min:g} ({scale.low_text}) to "
            f"{scale.max:g} ({scale.high_text}); the line around each mark "
            "shows where it would probably fall. Every other perspective is compared with "
            "people in recovery, whose view the assessment exists to hear."
        )
    ]
    if p.is_demo:
        blocks.append(
            Note(
                f"This report uses a {DEMO_BANNER}: its factor scores are made up for the "
                "demonstration.",
                "warning",
            )
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
    blocks.append(profile_figure)
    points: list[str] = []
    shown = {v: s for v, s in p.scores.items() if v not in p.hidden}
    counts = ", ".join(f"{who.get(v, v)} {s.n_scored}" for v, s in shown.items())
    answered = f"{sum(s.n_scored for s in shown.values())} responses scored: {counts}."
    if p.hidden:
        answered += (
            " Hidden because fewer than "
            f"{p.min_group_size} people answered, so that no one's answers can be singled "
            "out: " + ", ".join(f"{who.get(v, v)}" for v in p.hidden) + ". No figure in this "
            "report pools the perspectives, so nothing else is hidden to protect them."
        )
    points.append(answered)
    prof = p.profile()
    mine = prof[(prof["perspective"] == PEOPLE) & ~prof["suppressed"].astype(bool)]
    domain_ids = {d.id for d in first.scored_domains}
    mine = mine[mine["score"].isin(domain_ids)].dropna(subset=["mean"])
    if len(mine) >= 2:
        ranked = mine.sort_values("mean", ascending=False)
        hi, lo = ranked.iloc[0], ranked.iloc[-1]
        points.append(
            f"People in recovery rate {names.get(hi['score'], hi['score'])} highest "
            f"({hi['mean']:.1f} of {scale.max}) and {names.get(lo['score'], lo['score'])} "
            f"lowest ({lo['mean']:.1f} of {scale.max})."
        )
    gaps = p.gaps()
    if len(gaps):
        gaps = gaps.dropna(subset=["hedges_g"])
    if len(gaps):
        top = gaps.iloc[int(np.argmax(gaps["hedges_g"].abs().to_numpy()))]
        side = who.get(str(top["perspective"]), str(top["perspective"]))
        area = names.get(top["score"], top["score"])
        if top["mean"] >= top["reference_mean"]:
            text = (
                f"{side} respondents rate {area} higher than people in recovery do "
                f"({top['mean']:.1f} vs {top['reference_mean']:.1f})"
            )
        else:
            text = (
                f"People in recovery rate {area} higher than {side.lower()} respondents do "
                f"({top['reference_mean']:.1f} vs {top['mean']:.1f})"
            )
        points.append(f"Largest difference: {text}, a {size_word(float(top['hedges_g']))} one.")
        bands = [size_word(float(g)) for g in gaps["hedges_g"]]
        big = sum(b in ("large", "moderate") for b in bands)
        points.append(
            f"Of the {len(bands)} comparisons with people in recovery (each other perspective, "
            f"each score), {big} differ by a moderate or large amount and {len(bands) - big} "
            "little or not at all."
        )
    practice = p.practice_gaps()
    if len(practice):
        t = practice.iloc[0]
        label = str(t["label"])
        what = "" if PLACEHOLDER in label.lower() else f", a practice of {label}"
        s_v, _, s_n = str(t["staff_item"]).rpartition(" ")
        p_v, _, p_n = str(t["people_item"]).rpartition(" ")
        points.append(
            f"The practice rated most differently{what}, item {s_n} of the "
            f"{who.get(s_v, s_v).lower()} form and item {p_n} of the "
            f"{who.get(p_v, p_v).lower()} form: staff give it {t['staff_mean']:.1f} on "
            f"average, people in recovery {t['people_mean']:.1f}."
        )
    if p.is_demo:
        points.append(
            "Scoring key: a demonstration key made up for this demo; the factor scores are "
            "not the RSA's. Details are under Methods."
        )
    elif keyed:
        points.append(
            "Scoring key: supplied by the user from the instrument's scoring instructions. "
            "Details are under Methods."
        )
    blocks.append(Bullets(tuple(points)))
    if len(mine) >= 1 and keyed:
        lowest = [str(x) for x in mine.sort_values("mean")["score"].head(3)]
        library = practices if practices is not None else load_practices()
        linked = linked_practices(library, first.id, lowest)
        steps = step_lines(linked, 3, lambda d: names.get(d, d))
        if steps:
            blocks.append(
                Paragraph("Suggested next steps, for the areas people in recovery rate lowest:")
            )
            blocks.append(Bullets(steps))
    return Section(SUMMARY_HEADING, tuple(blocks))


def _library_words(instrument: str, practices: pd.DataFrame | None) -> list[Block]:
    """The methods' sentence naming the practices library of the next steps."""
    from ..practices import library_names, library_sources, load_practices

    library = practices if practices is not None else load_practices()
    names = library_names(library, instrument)
    if not names:
        return []
    sources = library_sources(library, instrument)
    return [
        Paragraph(
            "Next steps come from the practices library "
            + ", ".join(f"'{n}'" for n in names)
            + ", for the factors people in recovery rate lowest. Source: "
            + "; ".join(sources)
        )
    ]


def summary_chart(p: Perspectives, combined: Scores | None = None) -> Axes:
    """Every score by perspective on one chart for the first page: short enough to share the
    page with its words, the legend below the plot where it hides no mark."""
    combined = combined if combined is not None else _combined(p)
    first = next(iter(p.scores.values())).instrument
    n_scores = len(combined.score_columns)
    # short enough that the chart and the words below it share one printed page
    ax = new_axes(7, min(4.2, 0.1 * n_scores * len(p.scores) + 1.6))
    domain_profile(combined, by="perspective", min_group_size=p.min_group_size, ax=ax)
    ax.set_xlabel(RANGE_AXIS_LABEL)
    handles, labels = ax.get_legend_handles_labels()
    if handles:  # below the plot, where it hides no mark
        ax.legend(
            handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=2,
            fontsize=7, frameon=False,
        )  # fmt: skip
    chart_title(ax, f"{short_name(first)}: each score by perspective", width=70)
    return ax


def _trend_section(
    p: Perspectives, trends: Mapping[str, Mapping[str, Scores]]
) -> tuple[Section | None, dict[str, pd.DataFrame]]:
    """Each perspective across the kept waves: its own waves only (a change is never computed
    between two perspectives); a wave where a perspective had fewer than the minimum is left
    out of its trend and said so."""
    from ..charts import trend
    from ..stats.waves import change, wave_means
    from .common import figure

    names = p.names()
    blocks: list[Block] = []
    means_parts, change_parts = [], []
    left_out: list[str] = []
    for v, series in trends.items():
        if v in p.hidden:
            continue
        shown = {w: s for w, s in series.items() if s.n_scored >= p.min_group_size}
        left_out += [f"{v} {w}" for w in series if w not in shown]
        if len(shown) < 2:
            continue
        cols = [c for c in p.score_columns if all(c in s.respondents for s in shown.values())]
        means = wave_means(shown, cols).assign(perspective=v)
        means_parts.append(means)
        labels = list(shown)
        for before, after in itertools.pairwise(labels):
            c = change(shown[before], shown[after], columns=cols, min_group_size=p.min_group_size)
            change_parts.append(c.assign(perspective=v, waves=f"{before} → {after}"))
        who = _version_names(p).get(v, v)
        ax = trend(shown, columns=cols[:6])
        chart_title(ax, f"{p.instrument_id.upper()}, {who}: change across waves", width=70)
        blocks.append(
            figure(
                ax,
                f"{who}: mean scores in the {len(shown)} waves, with 95% confidence intervals",
            )
        )
    if not means_parts:
        return None, {}
    changes = pd.concat(change_parts, ignore_index=True)
    changes = changes[~changes["suppressed"].astype(bool)]
    table = changes.assign(score=[names.get(x, x) for x in changes["domain"]])[
        ["perspective", "waves", "score", "mean_before", "mean_after", "change", "hedges_g",
         "p_value"]
    ].rename(columns={"mean_before": "before", "mean_after": "after", "hedges_g": "Hedges' g",
                      "p_value": "p"})  # fmt: skip
    intro = (
        "Each perspective is compared only with itself in earlier waves: a change between two "
        "perspectives is never computed. Waves are independent samples (Welch's t, Hedges' g); "
        "a change is reliable when p < .05."
    )
    if left_out:
        intro += (
            f" Left out where fewer than {p.min_group_size} answered: " + ", ".join(left_out) + "."
        )
    blocks = [
        Paragraph(intro),
        *blocks,
        TableBlock(
            "Change between consecutive waves, by perspective", table.reset_index(drop=True)
        ),
    ]
    sheets = {
        "waves": pd.concat(means_parts, ignore_index=True)[
            ["perspective", "wave", "score", "n", "mean", "sd", "ci_low", "ci_high"]
        ],
        "changes": changes[["perspective", "waves", *[c for c in changes.columns
                                                     if c not in ("perspective", "waves")]]],
    }  # fmt: skip
    return Section("Change across waves, by perspective", tuple(blocks)), sheets


@dataclass
class _Comparable:
    """Whether the perspectives' means may be compared, factor by factor."""

    versions: tuple[str, ...]  # the perspectives compared
    levels: dict[str, str]  # factor -> the last invariance step that holds ("partial scalar")
    table: pd.DataFrame
    texts: dict[str, str]  # factor (or "" for the whole key) -> the verdict
    notes: list[str]
    why: str = ""

    def beside(self, version: str, reference: str, score: str) -> str:
        if version not in self.versions or reference not in self.versions:
            return "not checked (no matched items)"
        level = self.levels.get(score)
        if level is None:
            return "not checked"
        ok = level.split()[-1] in ("scalar", "strict")
        return ("yes" if ok else "no") + f" ({level if level != 'none' else 'no'} invariance)"

    def section(self, names: Mapping[str, str]) -> Section:
        blocks: list[Block] = [
            Paragraph(
                "Can the perspectives be compared? A gap between staff and people in recovery "
                "is a difference in how they rate a practice only if the items work the same "
                "way for both. A multi-group factor analysis of the practices the key matches "
                f"across {', '.join(self.versions)} holds their loadings, then intercepts, then "
                "residual variances equal (measurement invariance); the gaps table says for "
                "each gap whether its means may be compared."
            )
        ]
        if self.why:
            blocks.append(Paragraph(self.why))
        for factor, text in self.texts.items():
            label = names.get(factor, factor) if factor else "The whole key"
            blocks.append(Paragraph(f"{label}: {practice_words(text)}"))
        shown = self.table.copy()
        if "domain" in shown.columns:
            shown["domain"] = [names.get(d, d) for d in shown["domain"]]
        shown["freed"] = shown["freed"].map(practice_words)
        wanted = ("domain", "step", "freed", "chisq", "df", "cfi", "rmsea", "delta_cfi",
                  "delta_rmsea", "p_diff", "holds")  # fmt: skip
        keep = [c for c in wanted if c in shown.columns]
        blocks.append(TableBlock("Measurement invariance across perspectives", shown[keep]))
        blocks += [Paragraph(n) for n in dict.fromkeys(self.notes)]
        return Section("Can the perspectives be compared?", tuple(blocks))


def _level_words(result: Any) -> str:
    """An invariance result's level, "partial" when items were left free to reach it."""
    return ("partial " if result.verdict_text.startswith("Partial") else "") + result.level


def _invariance(p: Perspectives) -> _Comparable | None:
    """Invariance across the perspectives: the whole key when the groups are large enough,
    else each factor on its own."""
    from ..errors import AssessmentError
    from ..stats.invariance import invariance, invariance_by_domain

    data, domains, notes = p.matched_items()
    if not domains:
        return _Comparable((), {}, pd.DataFrame(columns=["step"]), {}, notes,
                           why=" ".join(notes))  # fmt: skip
    versions = tuple(str(v) for v in data["perspective"].unique())
    try:
        whole = invariance(data, "perspective", domains, min_group_size=p.min_group_size)
    except AssessmentError as err:
        why = "; ".join(x.message for x in err.problems)
        per = invariance_by_domain(data, "perspective", domains, min_group_size=p.min_group_size)
        texts = {d: r.verdict_text.split(" Each step is judged")[0] for d, r in per.results.items()}
        texts.update({d: f"not estimated ({w})" for d, w in per.problems.items()})
        extra = [n for r in per.results.values() for n in r.notes]
        return _Comparable(
            versions,
            {d: _level_words(r) for d, r in per.results.items()},
            per.table,
            texts,
            [*notes, *extra],
            why=f"The whole key cannot be tested in one model ({why}), so each factor is tested "
            "on its own.",
        )
    levels = {d: _level_words(whole) for d in domains}
    return _Comparable(versions, levels, whole.table, {"": whole.verdict_text},
                       [*notes, *whole.notes])  # fmt: skip


def build_perspective_report(
    p: Perspectives,
    *,
    organization: str = "",
    period: str = "",
    trends: Mapping[str, Mapping[str, Scores]] | None = None,
    practices: pd.DataFrame | None = None,
    structure: bool = False,
) -> Report:
    """The report model: findings, factors by perspective, gaps, the practices rated most
    differently, N/A and Don't know by perspective, methods; with ``trends`` (each perspective's
    kept waves, earliest first, from :meth:`~assessments.history.History.series`), the change
    of each perspective across its own waves. With ``structure``, whether the perspectives can
    be compared (measurement invariance on the practices the key matches), said beside each gap
    too. With the demo key, every page title and every sheet says it is a demonstration key."""
    from ..charts import drawing
    from .common import figure, report_date

    drawing.start()  # the chart workers import matplotlib while the statistics are computed
    names = p.names()
    first = next(iter(p.scores.values())).instrument
    banner = f" ({DEMO_BANNER})" if p.is_demo else ""
    sections: list[Section] = []
    too_few = f"hidden (fewer than {p.min_group_size} answered)"
    counts = ", ".join(
        f"{v}: {too_few if v in p.hidden else s.n_scored}" for v, s in p.scores.items()
    )
    gaps = p.gaps()
    practice = p.practice_gaps()
    comparable = _invariance(p) if structure else None

    prof = p.profile()
    shown = prof[~prof["suppressed"].astype(bool)].copy()
    shown["score"] = [names.get(x, x) for x in shown["score"]]
    combined = _combined(p)
    ax = summary_chart(p, combined)
    profile_figure = figure(
        ax, "Average of each score by perspective, with the range it would probably fall in"
    )
    sections.append(_perspective_summary(p, profile_figure, practices))
    sections.append(
        Section(
            "Scores by perspective",
            (
                Paragraph(
                    "Each perspective's mean of every score with its 95% confidence interval "
                    "(the chart is under At a glance)."
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
        columns = ["perspective", "score", "mean", "reference_mean", "difference", "hedges_g",
                   "size"]  # fmt: skip
        if comparable is not None:  # beside each gap: may these two means be compared?
            g["means comparable"] = [
                comparable.beside(str(v), str(r), str(s))
                for v, r, s in zip(g["perspective"], g["reference"], g["score"], strict=True)
            ]
            columns.append("means comparable")
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
                        g[columns]
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
                    TableBlock(
                        "Practices by gap",
                        _practice_table(practice.head(10), _version_names(p)),
                    ),
                ),
            )
        )
    rates = p.answer_rates()
    if len(rates):
        rates = rates.assign(total=rates["pct_not_applicable"] + rates["pct_dont_know"])
        worst = rates.sort_values("total", ascending=False).groupby("perspective").head(5)
        if worst["label"].str.lower().str.contains(PLACEHOLDER).all():
            worst = worst.assign(label="")  # no key: the area is not known
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
                        worst.assign(item=[str(x).rpartition(" ")[2] for x in worst["item"]])[
                            ["perspective", "item", "label", "pct_not_applicable", "pct_dont_know"]
                        ]
                        .rename(
                            columns={
                                "item": "item on its form",
                                "label": "area",
                                "pct_not_applicable": "% N/A",
                                "pct_dont_know": "% Don't know",
                            }
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
    if comparable is not None:
        sections.append(comparable.section(names))
    trend_sheets: dict[str, pd.DataFrame] = {}
    if trends:
        section, trend_sheets = _trend_section(p, trends)
        if section is not None:
            sections.append(section)
    sections.append(
        Section(
            "Methods",
            (
                Paragraph(
                    "Each perspective's answers are scored with its own version of the "
                    "instrument (its own item numbers and factor items). Scores are means of "
                    "answered items; N/A and Don't know count as missing. Gaps use Hedges' g "
                    "with its 95% interval (checked against R effectsize). A perspective under "
                    f"{p.min_group_size} respondents is hidden everywhere; no figure pools "
                    "perspectives, so no other perspective is hidden to protect it."
                ),
                *(
                    [Paragraph(f"Scoring key: {reader_source(p.key_source)}.")]
                    if p.key_source
                    else []
                ),
                *_sum_words(p),
                *_library_words(first.id, practices),
                *[Note(w, "warning") for w in first.key_warnings(names=True)],
            ),
        )
    )
    sheets: dict[str, pd.DataFrame] = {
        "summary": summary_table(tuple(sections)),
        "profile": prof,
        "gaps": gaps,
        "practices": practice,
        "answer_rates": rates,
        "reliability": rel,
        **trend_sheets,
        **({"invariance": comparable.table} if comparable is not None else {}),
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
        subtitle=organization or short_name(first),
        cover=tuple(cover),
        sections=_reader_names(sections, _version_names(p)),
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
    trends: Mapping[str, Mapping[str, Scores]] | None = None,
    practices: pd.DataFrame | None = None,
    structure: bool = False,
) -> list[Path]:
    """Build the perspective report once and write it in each format (all or none)."""
    from ..io.tables import atomic_set
    from .html import render_html
    from .pdf import render_pdf
    from .xlsx import render_xlsx

    report = build_perspective_report(
        p,
        organization=organization,
        period=period,
        trends=trends,
        practices=practices,
        structure=structure,
    )
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

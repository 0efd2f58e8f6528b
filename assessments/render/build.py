"""Build the report model from scores: :func:`build_report`.

The report opens with one page a board can read in five minutes ("At a glance": every area's
score, the strongest and weakest in plain words, change since the last wave, the largest gap
between groups, who answered, the key's status and three next steps), then gives the detail:
domain results, group comparisons, agreement, items, change, the action plan, reliability and
data quality, and the methods, with a visible warning when a provisional or user-supplied
scoring key was used. Each section is a small function in :mod:`.sections`; ``sections``
chooses which to build. Groups under ``min_group_size`` are suppressed everywhere, with
complementary suppression (:mod:`.suppression`); respondent ids never appear.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..charts import drawing
from ..charts.theme import short_name
from ..io.results import notes_frame
from ..scoring import Scores
from .common import figure, report_date
from .model import APPENDIX_HEADING, Block, Paragraph, Report, Section, TableBlock
from .sections import (
    DEFAULT_SECTIONS,
    SECTIONS,
    Analysis,
    check_sections,
    consecutive_changes,
    summary_table,
)
from .suppression import mask_groups

__all__ = ["build_report", "figure", "report_date"]


#: What each sheet of the report workbook holds, for its README sheet.
SHEET_NOTES = {
    "summary": "The report's \u201cAt a glance\u201d page in words: strongest and weakest areas, "
    "change, the largest gap between groups, who answered, the key's status and suggested "
    "next steps.",
    "scores": "One row per respondent (confidential: only with --include-respondents). "
    "Respondents of groups too small to show have their group label replaced.",
    "domain_summary": "Each domain, scale and total for all respondents: n, mean, SD, SE, 95% "
    "confidence interval, median.",
    "item_statistics": "Each item: how many answered, left it blank, said N/A or Don't know, or "
    "gave an answer outside the scale; mean and SD of the answers (reverse-keyed items "
    "already reversed).",
    "comparisons": "Do the groups differ? Welch's ANOVA per score with Holm-adjusted p and "
    "omega squared.",
    "group_summary": "Each score per group: n, mean, SD, 95% confidence interval.",
    "total_sum": "The total as the sum of its ratings, as the key asks (a person's mean of the "
    "items answered times their number): n, mean, SD, 95% confidence interval.",
    "by_site": "Each score per site (the second grouping): n, mean, SD, 95% confidence interval; "
    "sites under the minimum size left out.",
    "agreement": "Agreement within each group before aggregating: rwg(j), AD, ICC(1), ICC(2) "
    "and the verdict columns.",
    "change": "Change since the previous wave per score: means before and after, the change, "
    "Welch's t, p and Hedges' g with its interval.",
    "waves": "Every wave in the report, in order: each score's n, mean, SD and 95% interval "
    "(what the trend chart draws).",
    "changes": "Change between each pair of consecutive waves, as in the report's table (Welch's "
    "t and Hedges' g; paired tests when people are matched).",
    "benchmarks": "Our mean beside each published norm and benchmark: their n, mean and SD, the "
    "difference, the difference in their SDs, Hedges' g and Welch's p where their SD and n are "
    "known, with the source.",
    "reliability": "Internal consistency per domain: Cronbach's alpha with its 95% interval, "
    "standardized alpha, average inter-item correlation and omega.",
    "next_steps": "Practices the instrument's library links to the three lowest-rated areas: "
    "what each is, what it looks like in place, who carries it out, and its source.",
    "response_rates": "How many people were invited (from the invited file), how many gave a "
    "usable response and the response rate, per group and for the whole organization ('all'); "
    "groups too small to show keep their invited count only.",
    "excluded": "Rows that could not be scored and why (counts per reason unless respondent "
    "rows were asked for).",
    "import_log": "How text answers were read as codes (label, code, count), per column.",
    "notes": "Notes on the scoring: key status, items without a column, answers treated as "
    "missing.",
}


def _readme(tables: dict[str, pd.DataFrame], min_group_size: int) -> pd.DataFrame:
    rows = [
        (name, SHEET_NOTES.get(name, "Detail behind the report's section of the same name."))
        for name in tables
    ]
    rows.append(
        (
            "(small groups)",
            f"Groups with fewer than {min_group_size} respondents, and the next smallest where "
            "needed so that they cannot be worked out from the totals, are left out of every "
            "sheet; where a row has to stay (the scores sheet), its group label says "
            "'suppressed'.",
        )
    )
    return pd.DataFrame(rows, columns=["sheet", "what it holds"])


def _workbook(
    a: Analysis, sections: tuple[Section, ...], include_respondents: bool
) -> dict[str, pd.DataFrame]:
    """The follow-up workbook's tables, reusing what the report computed.

    A report is meant to be shared, so it holds no respondent-level rows (a reader who knows
    the export order could work out a suppressed group's scores from them) unless
    ``include_respondents`` asks for them: then ``scores`` and ``excluded`` list each
    respondent, and the workbook is confidential."""
    scores, by = a.scores, a.by
    hidden = [*a.hidden, *a.agg_hidden]
    tables: dict[str, pd.DataFrame] = {}
    summary = summary_table(sections)
    if len(summary):
        tables["summary"] = summary
    if include_respondents:
        respondents = scores.respondents
        for col in dict.fromkeys(c for c in (by, a.aggregate_by) if c):
            respondents = mask_groups(
                respondents,
                col,
                [g for g in hidden if g in set(respondents[col])],
                a.min_group_size,
            )
        tables["scores"] = respondents
    tables["domain_summary"] = a.overall.drop(columns=["group", "suppressed"])
    if a.total_sum is not None:  # the key gives the total as a sum of ratings
        tables["total_sum"] = a.total_sum.drop(columns=["group", "suppressed"])
    tables["item_statistics"] = a.item_summary
    if a.compare is not None and by:
        tables["comparisons"] = a.compare
        tables["group_summary"] = a.group_summary
    for col, gc in a.group_changes.items():
        tables[f"change_by_{col}"[:31]] = gc
    if a.site_means is not None:
        tables[f"by_{a.aggregate_by}"[:31]] = a.site_means.assign(
            score=[a.name(x) for x in a.site_means["domain"]]
        )
    if a.agreement is not None:
        tables["agreement"] = a.agreement[~a.agreement["suppressed"].astype(bool)]
    if a.change is not None:
        tables["change"] = a.change[~a.change["suppressed"].astype(bool)]
    if a.history is not None and len(a.history) >= 2:
        from ..stats.waves import wave_means

        means = wave_means(a.history)
        tables["waves"] = means.assign(score_name=[a.name(x) for x in means["score"]])
        if len(a.history) >= 3:
            tables["changes"] = consecutive_changes(a, a.history)
    tables["reliability"] = a.reliability
    if len(a.linked):
        tables["next_steps"] = pd.DataFrame(
            {
                "area": a.linked["area"],
                "practice": a.linked["title"],
                "description": a.linked["description"],
                "what_it_looks_like": a.linked["what"],
                "carried_out_by": a.linked["who"],
                "source": [
                    s or lib
                    for s, lib in zip(a.linked["source"], a.linked["library_source"], strict=True)
                ],
                "library": a.linked["library_title"],
            }
        )
    if not a.norms.empty:
        tables["benchmarks"] = a.norms
    if a.response_rates is not None:
        tables["response_rates"] = a.response_rates
    if include_respondents:
        tables["excluded"] = scores.excluded
    else:
        reasons = scores.excluded["reason"].value_counts(sort=False)
        tables["excluded"] = pd.DataFrame(
            {"reason": list(reasons.index.astype(str)), "rows": reasons.to_numpy(dtype=int)}
        )
    tables["import_log"] = scores.recodes
    tables["notes"] = notes_frame(scores)
    return tables


APPENDIX_ROWS = 25  # longer tables move to the appendix; the body keeps its charts


def _with_appendix(sections: tuple[Section, ...]) -> tuple[Section, ...]:
    """Tables of more than :data:`APPENDIX_ROWS` rows move to a closing "Appendix: full
    tables" section, each leaving a line where it was; the body keeps charts and short tables.
    """
    moved: list[Block] = []
    out = []
    for section in sections:
        blocks: list[Block] = []
        for b in section.blocks:
            if isinstance(b, TableBlock) and len(b.data) > APPENDIX_ROWS:
                moved.append(b)
                blocks.append(
                    Paragraph(
                        f"The full table \u201c{b.caption}\u201d ({len(b.data)} rows) is in the "
                        "appendix and in the Excel workbook."
                    )
                )
            else:
                blocks.append(b)
        out.append(replace(section, blocks=tuple(blocks)))
    if moved:
        out.append(Section(APPENDIX_HEADING, tuple(moved)))
    return tuple(out)


def _invited_table(invited: pd.DataFrame | str | Path | None) -> pd.DataFrame | None:
    if invited is None or isinstance(invited, pd.DataFrame):
        return invited
    from ..stats.invitations import read_invited

    return read_invited(invited)


def _benchmark_table(benchmarks: pd.DataFrame | str | Path | None) -> pd.DataFrame | None:
    if benchmarks is None or isinstance(benchmarks, pd.DataFrame):
        return benchmarks
    from ..stats.norms import load_benchmarks

    return load_benchmarks(benchmarks)


def _with_readme(tables: dict[str, pd.DataFrame], min_group_size: int) -> dict[str, pd.DataFrame]:
    """The README sheet first, then the summary, then the rest."""
    order = sorted(tables, key=lambda n: n != "summary")
    ordered = {n: tables[n] for n in order}
    return {"README": _readme(ordered, min_group_size), **ordered}


def build_report(
    scores: Scores,
    by: str | None = None,
    *,
    aggregate_by: str | None = None,
    previous: Scores | None = None,
    organization: str = "",
    period: str = "",
    min_group_size: int = 5,
    n_boot: int = 0,
    practices: pd.DataFrame | None = None,
    plan: pd.DataFrame | None = None,
    include_respondents: bool = False,
    structure: bool = False,
    history: Mapping[str, Scores] | None = None,
    sections: Sequence[str] | None = None,
    benchmarks: pd.DataFrame | str | Path | None = None,
    paired_on: str | None = None,
    invited: pd.DataFrame | str | Path | None = None,
) -> Report:
    """Build the report model from scored answers.

    Parameters
    ----------
    scores
        What :func:`~assessments.score` returned.
    by
        Respondent groups to compare (role, program...): comparisons, gaps, item heatmap.
    aggregate_by
        Groups staff ratings would be aggregated to (site): agreement. Defaults to ``by``.
    previous
        Scores of an earlier wave (same instrument) for the change section.
    organization, period
        Shown on the cover.
    min_group_size
        Smaller groups are suppressed in every table and chart (with complementary
        suppression so that they cannot be recovered from totals).
    practices
        The practices library (default: the shipped one): the areas for improvement list the
        practices linked to the lowest domains.
    plan
        An action plan from an earlier wave (:func:`~assessments.practices.read_action_plan`):
        a section shows the progress of its areas.
    include_respondents
        Put respondent-level rows (``scores``, ``excluded``) in the workbook. Off by default: a
        report is meant to be shared, and those rows (ids, row numbers, metadata) let a reader
        who knows the export work out a suppressed group's scores. With them the workbook is
        confidential; ``assess score`` is the place for respondent-level scores.
    history
        Every wave up to this one, oldest first (label to scores; only their score columns
        are read), for the trend chart of the change section (:mod:`assessments.history`).
    structure
        Add the "Does the structure hold?" section: a confirmatory factor analysis of the key
        and a parallel analysis (:mod:`assessments.stats.structure`), with their sheets.
    sections
        Which sections to build, by name (:data:`~assessments.render.sections.SECTIONS`:
        ``summary``, ``domains``, ``groups``, ``agreement``, ``items``, ``trends``, ``plan``,
        ``quality``, ``structure``, ``methods``); always in report order. Default: all but
        ``structure`` (added by ``structure=True``). A section with nothing to show (no
        groups, no earlier wave) is left out.
    benchmarks
        A benchmark table or CSV (``target, mean[, sd, n, source, sample]``, as ``assess
        norms`` takes it). With the instrument's published norms (ORCA), its means are drawn
        beside the organization's on the summary chart, summed up in words, and tabled in
        the domain results, with each source named.
    paired_on
        A column naming each person the same way in every wave (``respondent_id`` when the
        export's id column is the same person's id each time): change is then tested within
        the persons found in both waves (paired t, and how many changed reliably) instead of
        between independent samples, and the report says so. Give it only when the ids really
        are people: a survey's own response numbers (1, 2, 3 ...) match across waves without
        being the same people.
    invited
        How many people were invited, per group of ``by`` or ``aggregate_by`` and/or in all
        (a table or CSV ``group, invited``, :func:`~assessments.stats.invitations.read_invited`):
        the response rate is given on the first page, the cover, the data quality section and
        a ``response_rates`` sheet.
    """
    if not scores.score_columns:  # every domain waits for a key, and there is no total
        from ..errors import Problem, ResponseError

        inst = scores.instrument
        raise ResponseError(
            Problem(
                "nothing-to-score",
                f"no score of {inst.id} can be computed: its domains ("
                + ", ".join(inst.missing_keys or [d.id for d in inst.domains])
                + ") need a scoring key",
                hint="write a key file from the official scoring instructions and pass it with "
                "--key (see docs/keys.md)",
            )
        )
    names = list(sections) if sections is not None else list(DEFAULT_SECTIONS)
    drawing.start()  # the chart workers import matplotlib while the statistics are computed
    chosen = check_sections([*names, *(["structure"] if structure else [])])  # report order
    a = Analysis(
        scores,
        by,
        aggregate_by,
        previous,
        history,
        min_group_size=min_group_size,
        n_boot=n_boot,
        practices=practices,
        plan=plan,
        benchmarks=_benchmark_table(benchmarks),
        paired_on=paired_on,
        structure_wanted="structure" in chosen,
        invited=_invited_table(invited),
    )
    built = _with_appendix(
        tuple(section for name in chosen if (section := SECTIONS[name](a)) is not None)
    )
    inst, sizes, hidden = a.inst, a.sizes, a.hidden
    workbook = _with_readme(
        {**_workbook(a, built, include_respondents), **a.structure_sheets}, min_group_size
    )
    created = report_date()
    cover = [
        *([("Organization", organization)] if organization else []),
        ("Instrument", f"{inst.title}" + (f", {inst.version} version" if inst.version else "")),
        *([("Collection period", period)] if period else []),
        (
            "Respondents",
            f"{scores.n_scored} scored of {scores.rows_read}"
            + (
                f" ({a.response_rates.iloc[-1]['response_rate']:.0f}% of "
                f"{int(a.response_rates.iloc[-1]['invited']):,} invited)"
                if a.response_rates is not None
                else ""
            ),
        ),
    ]
    if by:
        cover.append(
            (
                f"By {by}",
                ", ".join(
                    f"{g}: {sizes[g]}" if g not in hidden else f"{g}: suppressed"
                    for g in sorted(sizes, key=str)
                ),
            )
        )
    cover.append(("Report date", created.strftime("%Y-%m-%d")))
    return Report(
        title=f"{inst.title}: results",
        subtitle=organization or short_name(inst),
        cover=tuple(cover),
        sections=built,
        created=created.isoformat(timespec="seconds"),
        keywords=(inst.id, "recovery", "readiness"),
        workbook=tuple(workbook.items()),
    )

"""Build the report model from scores: :func:`build_report`.

The report says in plain language what the numbers show (highest and lowest domains, the largest
perspective gaps with effect sizes, whether aggregation is supported, change since the last
wave), then gives the domain results, group comparisons, agreement, items, change, reliability
and data quality, and the methods, with a visible warning when a provisional or user-supplied
scoring key was used. Groups under ``min_group_size`` are suppressed everywhere, with
complementary suppression (:mod:`.suppression`); respondent ids never appear.
"""

from __future__ import annotations

import datetime
import io
import os
from collections.abc import Mapping
from dataclasses import replace
from itertools import combinations
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

from .. import charts, stats
from ..io.results import notes_frame
from ..scoring import Scores
from ..stats._inputs import group_labels
from .model import Block, Bullets, Figure, Note, Paragraph, Report, Section, TableBlock
from .suppression import group_sizes, mask_groups, suppressed_groups

TOP_ITEMS = 5
MAX_CHART_ITEMS = 30  # longer item charts do not fit a page: show the lowest-rated ones


def report_date() -> datetime.datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set (reproducible outputs)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    return datetime.datetime.now(tz=datetime.UTC)


def figure(ax: Axes, caption: str) -> Figure:
    """Render a chart once as PNG (200 dpi) and SVG, with its alt text, and close it."""
    fig = ax.get_figure(root=True)
    assert fig is not None  # an Axes always belongs to a figure
    png, svg = io.BytesIO(), io.StringIO()
    with charts.theme():
        fig.savefig(png, format="png", dpi=200, metadata={"Software": None})
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    alt = charts.alt_text(ax)
    plt.close(fig)
    return Figure(caption=caption, alt=alt, png=png.getvalue(), svg=svg.getvalue())


def _names(scores: Scores) -> dict[str, str]:
    return scores.instrument.score_names()


def _hide(scores: Scores, by: str | None, min_group_size: int) -> tuple[Scores, list[Any]]:
    """Scores whose ``by`` value is blank for respondents of suppressed groups."""
    if by is None:
        return scores, []
    hidden = suppressed_groups(group_sizes(scores.respondents, by), min_group_size)
    if not hidden:
        return scores, []
    r = scores.respondents.copy()
    r[by] = r[by].astype(object)
    r.loc[r[by].isin(hidden), by] = None
    return replace(scores, respondents=r), hidden


def _overall(scores: Scores) -> pd.DataFrame:
    frame = scores.respondents.assign(_all="all")
    d = stats.describe(frame, "_all", scores.score_columns, min_group_size=1)
    names = _names(scores)
    d.insert(0, "score", [names.get(x, x) for x in d["domain"]])
    return d


def _of_scale(scores: Scores, row: pd.Series) -> str:
    """``3.61 of 5`` on the score's own scale (just the mean when its items mix scales)."""
    scale = scores.instrument.score_scale(str(row["domain"]))
    return f"{row['mean']:.2f}" + (f" of {scale.max}" if scale is not None else "")


def _gap_sentence(g: pd.Series, names: dict[str, str]) -> str:
    """The largest gap in words: the higher group named first, with its own mean first, and
    the effect size of higher minus lower (so name, numbers and sign always agree)."""
    a_higher = g["mean_a"] >= g["mean_b"]
    higher, lower = (g["a"], g["b"]) if a_higher else (g["b"], g["a"])
    m_hi, m_lo = (g["mean_a"], g["mean_b"]) if a_higher else (g["mean_b"], g["mean_a"])
    size = abs(float(g["hedges_g"]))
    word = "large" if size >= 0.8 else "moderate" if size >= 0.5 else "small"
    return (
        f"Largest perspective gap: {higher} rated {names.get(g['name'], g['name'])} higher "
        f"than {lower} did ({m_hi:.2f} vs {m_lo:.2f}; Hedges' g = {size:.2f}, a {word} "
        "difference)."
    )


def _findings(
    scores: Scores,
    overall: pd.DataFrame,
    by: str | None,
    shown: list[Any],
    gap: pd.DataFrame | None,
    agree: pd.DataFrame | None,
    change: pd.DataFrame | None,
    names: dict[str, str],
) -> list[str]:
    out = []
    doms = overall[overall["domain"].isin([d.id for d in scores.instrument.scored_domains])]
    doms = doms.dropna(subset=["mean"])
    if len(doms):
        ranked = doms.sort_values("mean")
        lo, hi = ranked.iloc[0], ranked.iloc[-1]
        out.append(
            f"Highest rated: {hi.score} (mean {_of_scale(scores, hi)}); lowest rated: "
            f"{lo.score} (mean {_of_scale(scores, lo)})."
        )
    if gap is not None and len(gap):
        g = gap.iloc[0]
        out.append(_gap_sentence(g, names))
    if agree is not None and len(agree):
        t = agree[~agree["suppressed"].astype(bool)]
        per = t.groupby("domain", sort=False)
        ok = int(per["aggregate"].all().sum())
        out.append(
            f"Group means stand for their groups in {ok} of {per.ngroups} domains: members of "
            "each group agree and the groups differ from each other."
            + ("" if ok == per.ngroups else " For the others, see the agreement section.")
        )
    if change is not None and len(change):
        c = change[~change["suppressed"].astype(bool)].dropna(subset=["p_value"])
        sig = c[c["p_value"] < 0.05]
        if len(sig):
            parts = [
                f"{names.get(r['domain'], r['domain'])} {'rose' if r['change'] > 0 else 'fell'} "
                f"by {abs(r['change']):.2f} (g = {r['hedges_g']:+.2f})"
                for r in sig.to_dict("records")
            ]
            out.append("Since the last wave: " + "; ".join(parts) + ".")
        else:
            out.append("No domain changed reliably since the last wave (all p ≥ .05).")
    if by and shown:
        out.append(f"Groups compared by {by}: " + ", ".join(map(str, shown)) + ".")
    return out


def _largest_gap(
    scores: Scores, by: str, shown: list[Any], min_group_size: int
) -> pd.DataFrame | None:
    """The domain gap with the largest |g| over every pair of shown groups."""
    rows = []
    for a, b in combinations(shown, 2):
        g = stats.gaps(scores, a=a, b=b, by=by, items=False, min_group_size=min_group_size)
        g = g[~g["suppressed"].astype(bool)].assign(a=a, b=b)
        rows.append(g)
    if not rows:
        return None
    allg = pd.concat(rows, ignore_index=True)
    allg = allg[allg["name"].isin([d.id for d in scores.instrument.scored_domains])]
    return allg.reindex(allg["hedges_g"].abs().sort_values(ascending=False).index)


def _workbook(
    scores: Scores,
    by: str | None,
    aggregate_by: str | None,
    overall: pd.DataFrame,
    compare_t: pd.DataFrame | None,
    agree: pd.DataFrame | None,
    min_group_size: int,
    hidden: list[Any],
    include_respondents: bool = False,
) -> dict[str, pd.DataFrame]:
    """The follow-up workbook's tables, reusing what the report computed.

    A report is meant to be shared, so it holds no respondent-level rows (a reader who knows
    the export order could work out a suppressed group's scores from them) unless
    ``include_respondents`` asks for them: then ``scores`` and ``excluded`` list each
    respondent, and the workbook is confidential."""
    tables: dict[str, pd.DataFrame] = {}
    if include_respondents:
        respondents = scores.respondents
        for col in dict.fromkeys(c for c in (by, aggregate_by) if c):
            respondents = mask_groups(
                respondents, col, [g for g in hidden if g in set(respondents[col])], min_group_size
            )
        tables["scores"] = respondents
    tables["domain_summary"] = overall.drop(columns=["group", "suppressed"])
    tables["item_statistics"] = scores.item_summary()
    if compare_t is not None and by:
        tables["comparisons"] = compare_t
        shown, _ = _hide(scores, by, min_group_size)
        desc = stats.describe(shown, by, min_group_size=min_group_size)
        tables["group_summary"] = desc[~desc["suppressed"].astype(bool)]
    if agree is not None:
        tables["agreement"] = agree[~agree["suppressed"].astype(bool)]
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


def _practice_blocks(
    scores: Scores, overall: pd.DataFrame, practices: pd.DataFrame | None, names: dict[str, str]
) -> list[Block]:
    """The practices the library links to the three lowest-rated domains."""
    from ..practices import linked_practices, load_practices

    domain_ids = [d.id for d in scores.instrument.scored_domains]
    rated = overall[overall["domain"].isin(domain_ids)].dropna(subset=["mean"])
    lowest = [str(d) for d in rated.sort_values("mean").head(3)["domain"]]
    library = practices if practices is not None else load_practices()
    linked = linked_practices(library, scores.instrument.id, lowest)
    if not len(linked):
        return []
    linked = linked.assign(
        area=[names.get(d, d) for d in linked["domain"]], who=linked["actor"].str.replace("_", " ")
    )
    return [
        TableBlock(
            "Practices linked to the lowest-rated domains (practices library)",
            _fmt_table(linked, {"area": "domain", "title": "practice", "who": "carried out by"}),
        )
    ]


def _chart_items(scores: Scores) -> list[str] | None:
    """All items, or the lowest-rated ones (in instrument order) when there are too many."""
    inst = scores.instrument
    if len(inst.items) <= MAX_CHART_ITEMS:
        return None
    means = scores.item_summary().set_index("item")["mean"].dropna().sort_values()
    lowest = set(means.index[:MAX_CHART_ITEMS])
    return [i for i in inst.item_ids if i in lowest]


def _agreement_verdicts(agree: pd.DataFrame, by: str, names: dict[str, str]) -> list[str]:
    """One plain sentence per domain: may its group means be read as the groups' views?"""
    lines = []
    shown = agree[~agree["suppressed"].astype(bool)]
    for dom, t in shown.groupby("domain", sort=False):
        name = names.get(str(dom), str(dom))
        agree_n = int(t["agree_within"].astype(bool).sum())
        differ = t["differ_between"].dropna()
        if agree_n < len(t):
            text = (
                f"members agree in {agree_n} of {len(t)} groups of {by}; where they do not, "
                "the group's mean is not a shared view"
            )
        elif differ.empty:
            text = f"members agree, but too few groups of {by} to tell whether they differ"
        elif not bool(differ.iloc[0]):
            text = (
                f"members of each {by} agree, but the {by}s do not differ: report one "
                "organization-wide score"
            )
        elif not bool(t["reliable_means"].dropna().astype(bool).all()):
            text = (
                f"members agree and the {by}s differ, but the {by} means are not reliable "
                "(ICC(2) below 0.70): read differences between them with caution"
            )
        else:
            text = f"members agree and the {by}s differ: {by} means can be read as such"
        lines.append(f"{name}: {text}.")
    return lines


def _fmt_table(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    return df[list(columns)].rename(columns=columns).reset_index(drop=True)


def build_report(
    scores: Scores,
    by: str | None = None,
    *,
    aggregate_by: str | None = None,
    previous: Scores | None = None,
    organization: str = "",
    period: str = "",
    min_group_size: int = 5,
    n_boot: int = 1000,
    practices: pd.DataFrame | None = None,
    plan: pd.DataFrame | None = None,
    include_respondents: bool = False,
    structure: bool = False,
    history: Mapping[str, Scores] | None = None,
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
    """
    inst = scores.instrument
    names = _names(scores)
    aggregate_by = aggregate_by or by
    for column in dict.fromkeys(c for c in (by, aggregate_by) if c):
        group_labels(scores.respondents, column)  # a clear error naming the columns
    shown_scores, hidden = _hide(scores, by, min_group_size)
    agg_scores, agg_hidden = (
        _hide(scores, aggregate_by, min_group_size) if aggregate_by else (scores, [])
    )
    sizes = group_sizes(scores.respondents, by) if by else {}
    shown = [g for g in sorted(sizes, key=str) if g not in hidden]
    overall = _overall(scores)
    sections: list[Section] = []
    warnings = [Note(w, "warning") for w in inst.key_warnings()]

    compare_t = gap = agree = change = None
    if by and len(shown) >= 2:
        compare_t = stats.compare(shown_scores, by, min_group_size=min_group_size)
        gap = _largest_gap(shown_scores, by, shown, min_group_size)
    if aggregate_by:
        agree = stats.agreement(
            agg_scores, aggregate_by, min_group_size=min_group_size, n_boot=n_boot
        )
        if agree["suppressed"].astype(bool).all():
            agree = None
    if previous is not None:
        change = stats.change(previous, scores, min_group_size=min_group_size)

    findings = _findings(scores, overall, by, shown, gap, agree, change, names)
    key_blocks: list[Block] = [Bullets(tuple(findings)), *warnings]
    sections.append(Section("Key findings", tuple(key_blocks)))

    dom_blocks: list[Block] = [
        Paragraph(
            "; ".join(
                (
                    "Scores"
                    if len(inst.scored_scales) == 1
                    else "Scores on the "
                    + ("main" if sc.name == "default" else str(sc.name))
                    + " scale"
                )
                + " run "
                f"from {sc.min} ({sc.points[0].label}) to {sc.max} ({sc.points[-1].label})"
                for sc in inst.scored_scales
            )
            + "; higher is better. Each score is the mean of a respondent's answered items."
        ),
        figure(
            charts.domain_profile(shown_scores, by=by, min_group_size=min_group_size),
            "Mean scores with 95% confidence intervals" + (f" by {by}" if by else ""),
        ),
        TableBlock(
            "Scores, all respondents",
            _fmt_table(
                overall,
                {
                    "score": "score",
                    "n": "n",
                    "mean": "mean",
                    "sd": "SD",
                    "ci_low": "95% CI low",
                    "ci_high": "95% CI high",
                },
            ),
        ),
        figure(charts.distribution(scores), "Spread of respondent scores per domain"),
    ]
    sections.append(Section("Domain results", tuple(dom_blocks)))

    if by:
        grp: list[Block] = []
        if hidden:
            grp.append(
                Note(
                    f"{len(hidden)} group(s) of {by} are not shown separately: groups "
                    f"with fewer than {min_group_size} respondents are suppressed, and so "
                    "is the next smallest when needed to stop them being worked out from "
                    "the totals.",
                    "info",
                )
            )
        if compare_t is not None:
            desc = stats.describe(shown_scores, by, min_group_size=min_group_size)
            desc = desc[~desc["suppressed"].astype(bool)]
            desc.insert(0, "score", [names.get(x, x) for x in desc["domain"]])
            grp.append(
                TableBlock(
                    f"Scores by {by}",
                    _fmt_table(
                        desc,
                        {
                            "score": "score",
                            "group": by,
                            "n": "n",
                            "mean": "mean",
                            "sd": "SD",
                            "ci_low": "95% CI low",
                            "ci_high": "95% CI high",
                        },
                    ),
                )
            )
            ct = compare_t.copy()
            ct.insert(0, "score", [names.get(x, x) for x in ct["domain"]])
            grp.append(
                TableBlock(
                    "Do the groups differ? Welch's ANOVA, Holm-adjusted p",
                    _fmt_table(
                        ct,
                        {
                            "score": "score",
                            "n": "n",
                            "k_groups": "groups",
                            "statistic": "F",
                            "p_adjusted": "p (adjusted)",
                            "omega_squared": "omega²",
                        },
                    ),
                    decimals=3,
                )
            )
            if gap is not None and len(gap):
                a, b = gap.iloc[0]["a"], gap.iloc[0]["b"]
                pair = stats.gaps(shown_scores, a=a, b=b, by=by, min_group_size=min_group_size)
                grp.append(
                    figure(
                        charts.gap_dumbbell(
                            pair, a=str(a), b=str(b), scale=inst.response_scale, level="item"
                        ),
                        f"Largest item gaps between {a} and {b}",
                    )
                )
            grp.append(
                figure(
                    charts.heatmap(
                        shown_scores,
                        by,
                        min_group_size=min_group_size,
                        level="item" if len(inst.items) <= MAX_CHART_ITEMS else "domain",
                    ),
                    f"{'Item' if len(inst.items) <= MAX_CHART_ITEMS else 'Score'} means by {by}",
                )
            )
        else:
            grp.append(
                Paragraph(
                    f"No group of {by} is large enough to show: every one has fewer than "
                    f"{min_group_size} respondents or would reveal one that has. The results "
                    "above are for all respondents together."
                    if not shown
                    else f"Fewer than two groups of {by} are large enough to compare."
                )
            )
        sections.append(Section(f"Groups compared by {by}", tuple(grp)))

    if agree is not None and aggregate_by:
        t = agree[~agree["suppressed"].astype(bool)].copy()
        t["domain"] = [names.get(x, x) for x in t["domain"]]
        blocks: list[Block] = [
            Paragraph(
                "Before a group's mean is read as the group's view, its members should "
                "agree (rwg(j) of 0.70 or more, AD at most a sixth of the answer options) and "
                "the groups should differ (ICC(1) above zero with a significant F test); "
                "ICC(2) of 0.70 or more means the group means are reliable."
            ),
            *[Paragraph(line) for line in _agreement_verdicts(agree, aggregate_by, names)],
            figure(charts.agreement_chart(agree), f"Agreement within each {aggregate_by}"),
            TableBlock(
                f"Agreement by {aggregate_by}",
                _fmt_table(
                    t,
                    {
                        "domain": "domain",
                        "group": aggregate_by,
                        "n": "n",
                        "rwg_j": "rwg(j)",
                        "ad_m": "AD",
                        "icc1": "ICC(1)",
                        "icc2": "ICC(2)",
                    },
                ),
                decimals=2,
            ),
        ]
        if agg_hidden:
            blocks.append(
                Note(f"{len(agg_hidden)} group(s) of {aggregate_by} are suppressed.", "info")
            )
        sections.append(Section("Agreement before aggregation", tuple(blocks)))

    items = scores.item_summary()
    items = items[items["n_answered"] > 0]
    # strengths and areas for improvement never share an item: with few items, each side
    # takes at most half of them
    shown_n = min(TOP_ITEMS, len(items) // 2)
    ranked = items.sort_values(["mean", "item"], kind="stable")
    bottom = ranked.head(shown_n)
    top = ranked.drop(bottom.index).iloc[::-1].head(shown_n)
    item_cols = {"number": "item", "label": "label", "mean": "mean", "n_answered": "n"}
    sections.append(
        Section(
            "Items",
            (
                figure(
                    charts.answer_bars(
                        shown_scores, min_group_size=min_group_size, items=_chart_items(scores)
                    ),
                    "How people answered each item"
                    if len(inst.items) <= MAX_CHART_ITEMS
                    else f"How people answered the {MAX_CHART_ITEMS} lowest-rated items (all items "
                    "are in the Excel workbook)",
                ),
                TableBlock("Strengths: highest rated items", _fmt_table(top, item_cols)),
                TableBlock(
                    "Areas for improvement: lowest rated items", _fmt_table(bottom, item_cols)
                ),
                *_practice_blocks(scores, overall, practices, names),
            ),
        )
    )

    if previous is not None and change is not None:
        c = change[~change["suppressed"].astype(bool)].copy()
        c["domain"] = [names.get(x, x) for x in c["domain"]]
        sections.append(
            Section(
                "Change since the last wave",
                (
                    figure(
                        charts.trend(
                            dict(history)
                            if history is not None and len(history) >= 2
                            else {"previous": previous, "this wave": scores}
                        ),
                        f"Mean scores in the {len(history)} waves"
                        if history is not None and len(history) >= 2
                        else "Mean scores in the two waves",
                    ),
                    TableBlock(
                        "Change (independent waves: Welch's t, Hedges' g)",
                        _fmt_table(
                            c,
                            {
                                "domain": "score",
                                "mean_before": "before",
                                "mean_after": "after",
                                "change": "change",
                                "hedges_g": "Hedges' g",
                                "p_value": "p",
                            },
                        ),
                        decimals=3,
                    ),
                ),
            )
        )

    if plan is not None:
        from ..practices import plan_progress

        progress = plan_progress(plan, scores)
        sections.append(
            Section(
                "Progress on the action plan",
                (
                    Paragraph(
                        "Each area of the earlier action plan: its score when the plan was made, "
                        "its score now, and how many of its practices are marked done."
                    ),
                    TableBlock(
                        "Action plan areas",
                        _fmt_table(
                            progress,
                            {
                                "area_name": "area",
                                "baseline": "then",
                                "now": "now",
                                "change": "change",
                                "practices": "practices",
                                "done": "done",
                            },
                        ),
                    ),
                ),
            )
        )

    rel = stats.reliability(scores)
    rel["domain"] = [names.get(x, x) for x in rel["domain"]]
    na = items.assign(
        rate=100
        * (items["n_not_applicable"] + items["n_dont_know"])
        / (items["n_answered"] + items["n_not_applicable"] + items["n_dont_know"])
    )
    na = na[na["rate"] > 0].sort_values("rate", ascending=False).head(10)
    quality: list[Block] = [
        Paragraph(
            f"{scores.rows_read} rows were read: {scores.n_scored} scored and "
            f"{scores.n_excluded} excluded (no answer that could be scored)."
            + (
                f" {len(scores.invalid)} answers outside the scale were treated as missing."
                if len(scores.invalid)
                else ""
            )
        ),
        TableBlock(
            "Internal consistency (Cronbach's alpha with 95% CI; omega)",
            _fmt_table(
                rel,
                {
                    "domain": "domain",
                    "n_items": "items",
                    "n": "n",
                    "raw_alpha": "alpha",
                    "alpha_ci_low": "CI low",
                    "alpha_ci_high": "CI high",
                    "omega_total": "omega",
                },
            ),
        ),
    ]
    if len(na):
        quality.append(
            TableBlock(
                "Items most often answered N/A or Don't know (%)",
                _fmt_table(na, {"number": "item", "label": "label", "rate": "% N/A or DK"}),
                decimals=1,
            )
        )
    sections.append(Section("Reliability and data quality", tuple(quality)))
    structure_sheets: dict[str, pd.DataFrame] = {}
    if structure:
        from .structure import structure_section

        section, structure_sheets = structure_section(scores, names)
        sections.append(section)

    methods: list[Block] = [
        Bullets(
            tuple(
                [
                    f"{d.name}: items {', '.join(str(inst.number(i)) for i in d.items)}; "
                    f"scored when at least {d.min_items()} of {len(d.items)} are answered"
                    + (" (the toolkit's default rule)" if d.min_answered_is_default else "")
                    + f"; key {d.key_status}"
                    + (f" ({d.key_source})" if d.key_source else "")
                    for d in inst.scored_domains
                ]
                + [
                    f"{s.name}: mean of "
                    + (
                        "all items"
                        if s.all_items
                        else (
                            "the subscales " if s.method == "mean_of_domains" else "the items of "
                        )
                        + ", ".join(names.get(x, x) for x in s.domains)
                    )
                    + f"; key {s.key_status}"
                    for s in [*inst.composites, *([inst.total] if inst.total else [])]
                ]
            )
        ),
        *(
            [
                Paragraph(
                    "Where the instrument states no minimum number of answered items, a "
                    "domain is scored when at least half of its items are answered (the "
                    "toolkit's default, ceil(n / 2)); set min_answered in the instrument file "
                    "to use another rule."
                )
            ]
            if any(d.min_answered_is_default for d in inst.scored_domains)
            else []
        ),
        Paragraph(
            "Reverse-keyed items are scored max + min − answer. N/A, Don't know and blank "
            "answers count as missing. Group comparisons use Welch's ANOVA with Holm's "
            "correction across scores; agreement uses rwg(j) against a uniform null on each "
            "domain's own scale and ICCs from a one-way ANOVA with F-based intervals, and a "
            "group mean is read as the group's view only when members agree and groups differ. "
            f"Groups under {min_group_size} respondents are suppressed. Statistics are checked "
            "against R (psych, multilevel, effectsize, rstatix, base R)."
        ),
        *warnings,
    ]
    sections.append(Section("Methods", tuple(methods)))

    workbook = _workbook(
        scores,
        by,
        aggregate_by,
        overall,
        compare_t,
        agree,
        min_group_size,
        [*hidden, *agg_hidden],
        include_respondents,
    )
    created = report_date()
    cover = [
        *([("Organization", organization)] if organization else []),
        ("Instrument", f"{inst.title}" + (f", {inst.version} version" if inst.version else "")),
        *([("Collection period", period)] if period else []),
        ("Respondents", f"{scores.n_scored} scored of {scores.rows_read}"),
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
        subtitle=organization or inst.id.upper(),
        cover=tuple(cover),
        sections=tuple(sections),
        created=created.isoformat(timespec="seconds"),
        keywords=(inst.id, "recovery", "readiness"),
        workbook=tuple({**workbook, **structure_sheets}.items()),
    )

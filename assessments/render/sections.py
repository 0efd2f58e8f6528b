"""The report's sections: each a small function from the analysed data to its blocks.

:class:`Analysis` holds the scores, the groups and the statistics every section may read,
each computed once and only when a section asks for it. A section function takes the analysis
and returns a :class:`~assessments.render.model.Section`, or None when it has nothing to say
(no groups, no earlier wave). :data:`SECTIONS` lists them in report order; ``build_report``'s
``sections`` chooses which to build, so a new section plugs in without touching the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from itertools import combinations, pairwise
from typing import Any

import numpy as np
import pandas as pd

from .. import charts, stats
from ..charts.theme import inner_legend, new_axes, short_name, wrap_label
from ..charts.theme import title as chart_title
from ..errors import Problem, ResponseError
from ..scoring import Scores
from .common import figure
from .model import SUMMARY_HEADING, Block, Bullets, Note, Paragraph, Section, TableBlock
from .suppression import group_sizes, suppressed_groups

TOP_ITEMS = 5
MAX_CHART_ITEMS = 30  # longer item charts do not fit a page: show the lowest-rated ones
NEXT_STEPS = 3
STEPS_PER_AREA = 3  # practices per area in the Items section's table


def fmt_table(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """The given columns, renamed for readers, in that order ("% top two" left out where no
    scale has two best points: a range scale's answers are numbers)."""
    if "pct_top_two" in columns and df["pct_top_two"].isna().all():
        columns = {k: v for k, v in columns.items() if k != "pct_top_two"}
    return df[list(columns)].rename(columns=columns).reset_index(drop=True)


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


def size_word(g: float) -> str:
    """A difference's size in words, from the conventional bands of a standardized
    difference (0.2 small, 0.5 moderate, 0.8 large)."""
    g = abs(g)
    return "large" if g >= 0.8 else "moderate" if g >= 0.5 else "small" if g >= 0.2 else "slight"


@dataclass
class Analysis:
    """Everything a section may read. Statistics are computed on first use and kept."""

    scores: Scores
    by: str | None = None
    aggregate_by: str | None = None
    previous: Scores | None = None
    history: Mapping[str, Scores] | None = None
    min_group_size: int = 5
    n_boot: int = 0  # ICC intervals: F-based when 0, else a cluster bootstrap of this many
    practices: pd.DataFrame | None = None
    plan: pd.DataFrame | None = None
    benchmarks: pd.DataFrame | None = None
    paired_on: str | None = None
    structure_wanted: bool = False
    invited: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        from ..stats._inputs import group_labels

        self.aggregate_by = self.aggregate_by or self.by
        for column in dict.fromkeys(c for c in (self.by, self.aggregate_by) if c):
            group_labels(self.scores.respondents, column)  # a clear error naming the columns
        self.inst = self.scores.instrument
        self.names = self.inst.score_names()
        self.shown_scores, self.hidden = _hide(self.scores, self.by, self.min_group_size)
        self.agg_scores, self.agg_hidden = (
            _hide(self.scores, self.aggregate_by, self.min_group_size)
            if self.aggregate_by
            else (self.scores, [])
        )
        self.sizes = group_sizes(self.scores.respondents, self.by) if self.by else {}
        self.agg_sizes = (
            group_sizes(self.scores.respondents, self.aggregate_by) if self.aggregate_by else {}
        )
        self.shown = [g for g in sorted(self.sizes, key=str) if g not in self.hidden]
        self.warnings = [Note(w, "warning") for w in self.inst.key_warnings(names=True)]
        self.structure_sheets: dict[str, pd.DataFrame] = {}
        if self.paired_on is not None and self.previous is not None:
            both = all(
                self.paired_on in f.columns
                for f in (self.previous.respondents, self.scores.respondents)
            )
            if both and self.n_matched == 0:
                raise ResponseError(
                    Problem(
                        "no-pairs",
                        f"no id in column {self.paired_on!r} appears in both waves, so no one "
                        "can be matched",
                        column=self.paired_on,
                        hint="check that the column holds the same ids written the same way in "
                        "every wave (R0012 is not 12), or leave out --paired-on to compare the "
                        "waves as independent samples",
                    )
                )

    def name(self, score_id: object) -> str:
        """The reader-facing name of a domain, scale or total."""
        return self.names.get(str(score_id), str(score_id))

    @cached_property
    def overall(self) -> pd.DataFrame:
        """Each score for all respondents: n, mean, SD, 95% CI (``describe``)."""
        frame = self.scores.respondents.assign(_all="all")
        d = stats.describe(frame, "_all", self.scores.score_columns, min_group_size=1)
        d.insert(0, "score", [self.name(x) for x in d["domain"]])
        return d

    @cached_property
    def total_sum(self) -> pd.DataFrame | None:
        """The total as the sum of its ratings (the key's ``total: sum``): n, mean, SD, 95% CI
        of the sums, all respondents; None when the key gives the total as a mean."""
        summed = self.inst.total_sum
        if summed is None or summed.column not in self.scores.respondents.columns:
            return None
        frame = self.scores.respondents.assign(_all="all")
        d = stats.describe(frame, "_all", [summed.column], min_group_size=1)
        d.insert(0, "score", [summed.name])
        return d

    def total_sum_words(self, short: bool = False) -> str:
        """The total as a sum, and how (``short``: one line for page 1)."""
        summed, table = self.inst.total_sum, self.total_sum
        if summed is None or table is None or not np.isfinite(table["mean"].iloc[0]):
            return ""
        if short:
            total = self.name(self.inst.total.id) if self.inst.total else "The total"
            return (
                f"{total} as the key gives it, the sum of the {summed.n_items} ratings "
                f"({summed.low:g} to {summed.high:g}): {table['mean'].iloc[0]:.1f} on average."
            )
        return (
            f"{summed.name}: {table['mean'].iloc[0]:.1f} on average, as the key gives the "
            f"total: {summed.describe()}. It is the same information as the total's mean "
            f"({self.name(self.inst.total.id) if self.inst.total else 'total'}) × "
            f"{summed.n_items}; the charts and comparisons use the mean."
        )

    @cached_property
    def domains_ranked(self) -> pd.DataFrame:
        """Scored domains with a mean, lowest first."""
        ids = [d.id for d in self.inst.scored_domains]
        rated = self.overall[self.overall["domain"].isin(ids)].dropna(subset=["mean"])
        return rated.sort_values(["mean", "domain"], kind="stable")

    @cached_property
    def norms(self) -> pd.DataFrame:
        """Our means beside the instrument's published norms and the user's benchmarks
        (:func:`assessments.stats.norms`), scores named."""
        out = stats.norms(self.scores, benchmarks=self.benchmarks)
        out.insert(1, "score", [self.name(x) for x in out["target"]])
        return out

    @cached_property
    def compare(self) -> pd.DataFrame | None:
        if not self.by or len(self.shown) < 2:
            return None
        return stats.compare(self.shown_scores, self.by, min_group_size=self.min_group_size)

    @cached_property
    def group_summary(self) -> pd.DataFrame:
        """Each score per shown group of ``by`` (``describe``), suppressed rows left out."""
        if self.by is None:
            return pd.DataFrame()
        desc = stats.describe(self.shown_scores, self.by, min_group_size=self.min_group_size)
        return desc[~desc["suppressed"].astype(bool)]

    @cached_property
    def gaps(self) -> pd.DataFrame | None:
        """Every domain gap between two shown groups, largest |g| first."""
        if not self.by or len(self.shown) < 2:
            return None
        rows = []
        for a, b in combinations(self.shown, 2):
            g = stats.gaps(
                self.shown_scores,
                a=a,
                b=b,
                by=self.by,
                items=False,
                level=None,  # ranked by g only: no interval needed
                min_group_size=self.min_group_size,
            )
            rows.append(g[~g["suppressed"].astype(bool)].assign(a=a, b=b))
        allg = pd.concat(rows, ignore_index=True)
        allg = allg[allg["name"].isin([d.id for d in self.inst.scored_domains])]
        return allg.reindex(allg["hedges_g"].abs().sort_values(ascending=False).index)

    @cached_property
    def reliable_gaps(self) -> pd.DataFrame | None:
        """The gaps the evidence supports, largest |g| first: the domain's groups differ
        (Welch's ANOVA, Holm-adjusted over the scores, p < .05), the pair differs (Welch's t,
        Holm-adjusted over the domain's pairs, p < .05) and the gap is at least small
        (|g| >= 0.2). Only these are called a difference in words."""
        if self.gaps is None or self.compare is None:
            return None
        anova: dict[str, float] = {
            str(d): float(p)
            for d, p in zip(self.compare["domain"], self.compare["p_adjusted"], strict=True)
        }
        pairs: dict[tuple[str, str, str], float] = {}
        # the pairwise tests only where a sentence could follow: a domain whose groups differ
        # and whose gap is at least small
        candidates = sorted(
            {
                str(d)
                for d, g in zip(self.gaps["name"], self.gaps["hedges_g"], strict=True)
                if abs(float(g)) >= 0.2 and anova.get(str(d), 1.0) < 0.05
            }
        )
        if candidates:  # every pair of shown groups: Welch's t, Holm over the domain's pairs
            from ..stats.adjust import holm
            from ..stats.compare import welch_t

            frame = self.shown_scores.respondents
            for d in candidates:
                values = {
                    str(g): frame.loc[frame[self.by] == g, d].dropna().to_numpy(float)
                    for g in self.shown
                }
                keys = [(x, y) for x, y in combinations(values, 2)
                        if len(values[x]) > 1 and len(values[y]) > 1]  # fmt: skip
                ps = holm([welch_t(values[x], values[y])[2] for x, y in keys])
                for (x, y), p_adj in zip(keys, ps, strict=True):
                    pairs[(d, x, y)] = pairs[(d, y, x)] = float(p_adj)

        def supported(r: Mapping[Any, Any]) -> bool:
            p_domain = anova.get(str(r["name"]), float("nan"))
            p_pair = pairs.get((str(r["name"]), str(r["a"]), str(r["b"])), p_domain)
            return bool(
                abs(float(r["hedges_g"])) >= 0.2 and float(p_domain) < 0.05 and float(p_pair) < 0.05
            )

        keep = [supported(r) for r in self.gaps.to_dict("records")]
        return self.gaps[keep]

    @cached_property
    def group_changes(self) -> dict[str, pd.DataFrame]:
        """Change of each shown group (of ``by`` and of ``aggregate_by``) between consecutive
        waves, independent samples, scores named; ``p_holm`` adjusts within each step over its
        groups and scores. A group under the minimum in either wave, and the next smallest when
        only one would be, is left out (as everywhere)."""
        if self.previous is None:
            return {}
        waves = (
            dict(self.history)
            if self.history is not None and len(self.history) >= 2
            else {"previous": self.previous, "this wave": self.scores}
        )
        from ..stats.adjust import holm

        out: dict[str, pd.DataFrame] = {}
        for col in dict.fromkeys(c for c in (self.by, self.aggregate_by) if c):
            if not all(col in w.respondents.columns for w in waves.values()):
                continue
            parts = []
            for before, after in pairwise(list(waves)):
                b, a = waves[before], waves[after]
                hidden = set(
                    suppressed_groups(group_sizes(b.respondents, col), self.min_group_size)
                ) | set(suppressed_groups(group_sizes(a.respondents, col), self.min_group_size))
                fb, fa = b.respondents.copy(), a.respondents.copy()
                for f in (fb, fa):
                    f[col] = f[col].astype(object)
                    f.loc[f[col].isin(hidden), col] = None
                cols = [c for c in self.scores.score_columns if c in fb and c in fa]
                c = stats.change(fb, fa, by=col, columns=cols, min_group_size=self.min_group_size)
                c = c[~c["suppressed"].astype(bool)].copy()
                if c.empty:
                    continue
                tested = c["p_value"].notna()
                c["p_holm"] = float("nan")
                c.loc[tested, "p_holm"] = holm(c.loc[tested, "p_value"].to_numpy(float))
                parts.append(c.assign(waves=f"{before} → {after}", score=[
                    self.name(x) for x in c["domain"]]))  # fmt: skip
            if parts:
                out[col] = pd.concat(parts, ignore_index=True)
        return out

    def group_change_words(self) -> str | None:
        """Page 1's sentence on the groups whose change since the last wave is reliable (Holm
        over the groups and areas of that step, and at least a small change): the largest
        fall first (a site slipping is what a board must see), then the largest rise, and
        how many other reliable changes the change section lists; None without any."""
        domain_ids = {d.id for d in self.inst.scored_domains}
        found: list[tuple[str, dict[str, Any]]] = []
        for col, c in self.group_changes.items():
            last = c[c["waves"] == c["waves"].iloc[-1]]
            last = last[last["domain"].isin(domain_ids)]
            sure = last[(last["p_holm"] < 0.05) & (last["hedges_g"].abs() >= 0.2)]
            found += [(col, r) for r in sure.to_dict("records")]
        if not found:
            return None
        falls = [f for f in found if f[1]["change"] < 0]
        rises = [f for f in found if f[1]["change"] > 0]
        named = [max(side, key=lambda f: abs(f[1]["hedges_g"])) for side in (falls, rises) if side]
        parts = [
            f"{col} {r['group']}: {self.name(r['domain'])} "
            f"{'rose' if r['change'] > 0 else 'fell'} from {r['mean_before']:.1f} to "
            f"{r['mean_after']:.1f}"
            for col, r in named
        ]
        more = len(found) - len(named)
        return (
            "Since the last wave, "
            + "; ".join(parts)
            + (" (reliable changes)" if len(parts) > 1 else " (a reliable change)")
            + (
                f"; {more} more reliable change{'s' if more > 1 else ''} by group are in "
                "the change section."
                if more
                else "."
            )
        )

    @cached_property
    def site_means(self) -> pd.DataFrame | None:
        """Each score per shown group of the second grouping (``aggregate_by``, the sites),
        suppressed groups left out; None when there is no second grouping."""
        col = self.aggregate_by
        if not col or col == self.by:
            return None
        desc = stats.describe(self.agg_scores, col, min_group_size=self.min_group_size)
        return desc[~desc["suppressed"].astype(bool)]

    @cached_property
    def site_vs_rest(self) -> pd.DataFrame | None:
        """Each shown site against the rest of the organization per score (Welch's t,
        Holm-adjusted within a score), with Hedges' g: what page 1 may say about a site."""
        col = self.aggregate_by
        if self.site_means is None or col is None:
            return None
        shown = self.site_means["group"].nunique()
        if shown < 2:
            return None
        domains = [d.id for d in self.inst.scored_domains]
        ph = stats.posthoc(
            self.agg_scores,
            col,
            columns=[d for d in domains if d in self.agg_scores.respondents.columns],
            method="vs-rest",
            min_group_size=self.min_group_size,
        )
        return ph.dropna(subset=["p_adjusted"])

    @cached_property
    def agreement(self) -> pd.DataFrame | None:
        if not self.aggregate_by:
            return None
        agree = stats.agreement(
            self.agg_scores,
            self.aggregate_by,
            min_group_size=self.min_group_size,
            ci="cluster_bootstrap" if self.n_boot > 0 else "f",
            n_boot=max(self.n_boot, 1),
        )
        return None if agree["suppressed"].astype(bool).all() else agree

    @cached_property
    def structure_check(self) -> tuple[Any, str]:
        """The structure check of the key (computed once: its section and every domain result
        read the same verdict)."""
        from .structure import check_structure

        return check_structure(self.scores)

    @cached_property
    def invariance(self) -> tuple[Any, str]:
        """Whether the shown groups of ``by`` can be compared (measurement invariance), when
        the structure section is asked for: the result, or None and why."""
        if not self.structure_wanted or not self.by:
            return None, ""
        from ..errors import AssessmentError
        from ..stats.invariance import invariance

        try:
            return invariance(self.shown_scores, self.by, min_group_size=self.min_group_size), ""
        except AssessmentError as err:
            return None, "; ".join(p.message for p in err.problems)

    @cached_property
    def structure_note(self) -> list[Block]:
        """The structure verdict each domain result carries when the report includes the
        structure section and it does not support the domains; else nothing."""
        if not self.structure_wanted:
            return []
        from .structure import structure_caveat

        note = structure_caveat(self.structure_check, self.names)
        return [note] if note is not None else []

    @cached_property
    def change(self) -> pd.DataFrame | None:
        if self.previous is None:
            return None
        return self.change_between(self.previous, self.scores)

    def change_between(self, before: Scores, after: Scores) -> pd.DataFrame:
        """Change from one wave to another, tested as this report tests it (paired or not)."""
        return stats.change(
            before, after, paired_on=self.paired_on, min_group_size=self.min_group_size
        )

    @cached_property
    def n_matched(self) -> int:
        """How many people (``paired_on`` ids) are in both waves."""
        if self.paired_on is None or self.previous is None:
            return 0
        ids = [
            set(frame[self.paired_on].dropna())
            for frame in (self.previous.respondents, self.scores.respondents)
            if self.paired_on in frame.columns
        ]
        return len(ids[0] & ids[1]) if len(ids) == 2 else 0

    def test_words(self) -> str:
        """How change is tested, for the methods: paired within persons or between samples."""
        return "a paired t-test" if self.paired_on else "a Welch test"

    @cached_property
    def item_summary(self) -> pd.DataFrame:
        """Item statistics of every item (``Scores.item_summary``), computed once."""
        return self.scores.item_summary()

    @cached_property
    def items(self) -> pd.DataFrame:
        """Item statistics of the items anyone answered, with ``pct_top_two``: the share of
        the item's answers in the scale's two best points (after reverse keys)."""
        items = self.item_summary
        items = items[items["n_answered"] > 0].copy()
        items["pct_top_two"] = [self.top_two.get(str(i), float("nan")) for i in items["item"]]
        return items

    @cached_property
    def top_two(self) -> dict[str, float]:
        """% of answers in the two best points of each item's scale, by item id and by
        domain (its items' answers pooled): the share a board reads beside a mean."""
        inst = self.inst
        out: dict[str, float] = {}
        counts: dict[str, tuple[int, int]] = {}
        for item in inst.items:
            if item.id not in self.scores.items.columns:
                continue
            scale = inst.item_scale(item)
            if not scale.numeric or scale.is_range:  # a range has no "two best points"
                continue
            x = self.scores.items[item.id].to_numpy(dtype=float)
            answered = int(np.isfinite(x).sum())
            top = int((x >= scale.max - 1).sum())
            counts[item.id] = (top, answered)
            out[item.id] = 100 * top / answered if answered else float("nan")
        for d in inst.scored_domains:
            top = sum(counts.get(i, (0, 0))[0] for i in d.items)
            answered = sum(counts.get(i, (0, 0))[1] for i in d.items)
            out[d.id] = 100 * top / answered if answered else float("nan")
        return out

    @cached_property
    def reliability(self) -> pd.DataFrame:
        rel = stats.reliability(self.scores)
        rel.insert(1, "name", [self.name(x) for x in rel["domain"]])
        return rel

    @cached_property
    def response_rates(self) -> pd.DataFrame | None:
        """Usable responses of the people invited (:func:`~assessments.stats.invitations.
        response_rates`), per group of the grouping the invited file names and overall; a
        group too small to show keeps only its invited count."""
        if self.invited is None:
            return None
        from ..stats.invitations import invited_grouping, rate_problems, response_rates

        col = invited_grouping(self.invited, self.scores, [self.by, self.aggregate_by])
        hidden = self.hidden if col == self.by else self.agg_hidden
        rates = response_rates(self.scores, col or None, self.invited, hidden=hidden)
        problems = rate_problems(rates, self.invited)
        if problems:
            raise ResponseError(problems)
        return rates.assign(grouping=col or "")

    def response_words(self) -> str | None:
        """The organization's response rate in one sentence."""
        rates = self.response_rates
        if rates is None:
            return None
        r = rates.iloc[-1]
        return (
            f"{int(r['responses'])} of the {int(r['invited']):,} people invited gave a usable "
            f"response ({r['response_rate']:.0f}%)."
        )

    @cached_property
    def library(self) -> pd.DataFrame:
        """The practices library in use: the user's (``practices``) or the shipped ones."""
        from ..practices import load_practices

        return self.practices if self.practices is not None else load_practices()

    @cached_property
    def linked(self) -> pd.DataFrame:
        """Practices the instrument's library links to the three lowest-rated domains, lowest
        first. A practice that is itself an item (the checklist) is ordered by how far it is
        in place, least first."""
        from ..practices import linked_practices

        lowest = [str(d) for d in self.domains_ranked.head(3)["domain"]]
        linked = linked_practices(self.library, self.inst.id, lowest)
        own = set(self.inst.item_ids)
        if len(linked) and set(linked["id"]) <= own:
            means = self.items.set_index("item")["mean"]
            linked = linked.assign(_m=[means.get(i, np.nan) for i in linked["id"]])
            order = {d: k for k, d in enumerate(lowest)}
            linked = linked.sort_values(
                ["domain", "_m"], key=lambda s: s.map(order) if s.name == "domain" else s,
                kind="stable", ignore_index=True,
            ).drop(columns="_m")  # fmt: skip
        return linked.assign(
            area=[self.name(d) for d in linked["domain"]],
            who=[actor_words(x) for x in linked["actor"]],
            what=[
                str(lk) if isinstance(lk, str) and lk else str(desc)
                for lk, desc in zip(linked["looks_like"], linked["description"], strict=True)
            ],
        )

    def library_words(self) -> str | None:
        """The methods' sentence naming the library the next steps come from."""
        from ..practices import library_names

        names = library_names(self.library, self.inst.id)
        if not names:
            return None
        own = self.practices is not None
        return (
            "Next steps come from the practices librar"
            + ("ies " if len(names) > 1 else "y ")
            + ", ".join(f"'{n}'" for n in names)
            + (" (with the organization's own)" if own else " shipped with the toolkit")
            + ": each practice is linked to the areas it should strengthen, and the three "
            "lowest-rated areas take their linked practices, one area at a time. Each "
            "practice's source is in the Items table and the workbook's next_steps sheet."
        )


def actor_words(actor: object) -> str:
    """Who carries a practice out, for readers (``implementation_team`` -> implementation team)."""
    return str(actor).replace("_", " ")


# ---------------------------------------------------------------------------------- summary
def _of_scale(a: Analysis, domain: object, mean: float, decimals: int = 1) -> str:
    """``3.6 of 5`` on the score's own scale (just the mean when its items mix scales)."""
    scale = a.inst.score_scale(str(domain))
    return f"{mean:.{decimals}f}" + (f" of {scale.max}" if scale is not None else "")


def _how_to_read(a: Analysis) -> str:
    scales = a.inst.scored_scales
    ranges = "; ".join(
        f"from {sc.min:g} ({sc.low_text}) to {sc.max:g} ({sc.high_text})" for sc in scales
    )
    return (
        f"How to read this page: each area's score is the average answer of the people who "
        f"answered its questions, {ranges}; higher is better. On the chart, the dot is the "
        "average and the line across it shows where the average would probably fall with "
        "another group of respondents, so two areas whose lines overlap may not really differ."
    )


def _strong_weak(a: Analysis) -> list[str]:
    ranked = a.domains_ranked
    if ranked.empty:
        return ["No area could be scored: too few answers."]
    k = min(2, len(ranked) // 2) or 1
    low = ranked.head(k)
    high = ranked.drop(low.index).iloc[::-1].head(k)
    # one decimal, unless the strongest and the weakest would then read the same ("1.3 of 2"
    # for both): then two, so that the page does not seem to contradict itself
    shown = [*low["mean"], *high["mean"]]
    decimals = 2 if len({f"{m:.1f}" for m in shown}) < len({f"{m:.3f}" for m in shown}) else 1

    def listed(rows: pd.DataFrame) -> str:
        return ", and ".join(
            f"{a.name(r['domain'])}, {_of_scale(a, r['domain'], r['mean'], decimals)}"
            for r in rows.to_dict("records")
        )

    out = []
    if len(high):
        out.append(f"Strongest: {listed(high)}.")
    out.append(f"Weakest, where to look first: {listed(low)}.")
    return out


def _change_words(a: Analysis) -> str | None:
    c = a.change
    if c is None:
        return None
    domain_ids = {d.id for d in a.inst.scored_domains}
    c = c[~c["suppressed"].astype(bool) & c["domain"].isin(domain_ids)].dropna(subset=["p_value"])
    since = "Since the last wave"
    if a.history is not None and len(a.history) >= 2:
        *_, before, after = list(a.history)
        since += f" ({before} to {after})"
    if a.paired_on is not None and len(c):
        since += f", among the {a.n_matched} people who answered both"
    if c.empty:
        return f"{since}: too few answers in one of the waves to compare."
    reliable = c[c["p_value"] < 0.05]
    if reliable.empty:
        return (
            f"{since}: no area changed by more than chance would explain (not a reliable change)."
        )
    parts = [
        f"{a.name(r['domain'])} {'rose' if r['change'] > 0 else 'fell'} from "
        f"{r['mean_before']:.1f} to {r['mean_after']:.1f}"
        for r in reliable.sort_values("change", key=abs, ascending=False).to_dict("records")
    ]
    rest = len(c) - len(reliable)
    text = f"{since}: " + "; ".join(parts)
    text += " (a reliable change)." if len(parts) == 1 else " (reliable changes)."
    if rest == 1:
        text += " The other area did not change reliably."
    elif rest:
        text += f" The other {rest} areas did not change reliably."
    return text


BENCHMARK_MARKERS = ("D", "X", "P", "*")


def _mark_benchmarks(ax: Any, a: Analysis, columns: list[str]) -> None:
    """Each source's means as hollow markers on the domain chart (rows as domain_profile
    draws them, first column at the top), named in the legend."""
    table = a.norms
    if table.empty:
        return
    y_of = {c: len(columns) - 1 - i for i, c in enumerate(columns)}
    for k, (source, t) in enumerate(table.groupby("source", sort=False, dropna=False)):
        t = t[t["target"].isin(y_of)]
        if t.empty:
            continue
        ax.scatter(
            t["norm_mean"],
            [y_of[x] for x in t["target"]],
            marker=BENCHMARK_MARKERS[k % len(BENCHMARK_MARKERS)],
            facecolors="none",
            edgecolors="#444444",
            s=30,
            zorder=4,
            label=wrap_label(str(source) if pd.notna(source) else "benchmark", 40),
        )
    inner_legend(ax)  # again, now with the benchmarks in it


def _benchmark_words(a: Analysis) -> list[str]:
    """Per source: on how many areas we are above, below or about the same (within a fifth
    of the norm's SD, or of 0.1 points when it has none)."""
    table = a.norms
    domain_ids = {d.id for d in a.inst.scored_domains}
    out = []
    for source, t in table.groupby("source", sort=False, dropna=False):
        t = t[t["target"].isin(domain_ids)]
        if t.empty:
            continue
        band = t["norm_sd"].fillna(0.5) * 0.2
        higher = int((t["difference"] > band).sum())
        lower = int((t["difference"] < -band).sum())
        same = len(t) - higher - lower
        sample = t["sample"].dropna()
        who = (str(source) if pd.notna(source) else "the benchmark") + (
            f", {sample.iloc[0]}" if len(sample) else ""
        )
        parts = [f"higher on {higher}"] if higher else []
        parts += [f"lower on {lower}"] if lower else []
        parts += [f"about the same on {same}"] if same else []
        out.append(
            f"Compared with {who} ({len(t)} area{'s' if len(t) > 1 else ''}): "
            + ", ".join(parts)
            + "."
        )
        places = [(str(x), str(p)) for x, p in zip(t["score"], t["place"], strict=True)
                  if isinstance(p, str) and p]  # fmt: skip
        if places:  # a network benchmark: where we stand among its agencies, area by area
            tail = re.search(r" of the (\d+ )?agencies in the network$", places[0][1])
            cut = tail.group(0) if tail else ""
            said = "; ".join(f"{x} {p.removesuffix(cut)}" for x, p in places)
            out.append(f"Our place among the network's agencies: {said}" + (
                f" ({cut.strip()})." if cut else "."))  # fmt: skip
    return out


def higher_first(g: Mapping[Any, Any]) -> tuple[Any, Any, float, float]:
    """A gap's groups and means with the higher group first, so that a sentence's names,
    numbers and direction always agree: ``(higher, lower, its mean, the other's)``."""
    if g["mean_a"] >= g["mean_b"]:
        return g["a"], g["b"], g["mean_a"], g["mean_b"]
    return g["b"], g["a"], g["mean_b"], g["mean_a"]


def _gap_point(a: Analysis) -> str:
    """Page 1's sentence on the groups: the largest difference the tests support, or that no
    reliable difference was found, with the groups' sizes (a sizeable gap between two small
    groups is not called a difference when no test supports it)."""
    reliable = a.reliable_gaps
    if reliable is not None and len(reliable):
        return gap_words(a, reliable.iloc[0].to_dict())
    sizes = ", ".join(f"{g} {a.sizes[g]}" for g in a.shown)
    top = a.gaps.iloc[0] if a.gaps is not None and len(a.gaps) else None
    if top is not None and abs(float(top["hedges_g"])) >= 0.2:
        return (
            f"No reliable difference was found between the groups of {a.by} ({sizes}): the "
            "largest gap between them could be chance with groups of these sizes."
        )
    return f"The groups of {a.by} ({sizes}) rate every area much alike."


def gap_words(a: Analysis, g: Mapping[Any, Any]) -> str:
    """The largest gap in plain words, the higher group named first with its own mean first."""
    higher, lower, m_hi, m_lo = higher_first(g)
    return (
        f"Largest difference between groups of {a.by}: the {higher} group rates "
        f"{a.name(g['name'])} higher than the {lower} group does ({m_hi:.1f} vs "
        f"{m_lo:.1f}), a {size_word(float(g['hedges_g']))} difference."
    )


def _key_line(a: Analysis) -> str:
    """Where the scoring key comes from, in one line: the areas first, then any scale or
    total whose status differs."""
    inst = a.inst
    doms = inst.scored_domains
    prov = [d.name for d in doms if d.key_status == "provisional"]
    user = [d.name for d in doms if d.key_status == "user"]
    if prov:
        text = (
            f"Scoring key: provisional for {len(prov)} of {len(doms)} areas (which questions "
            "belong to them is our inference from the instrument's publications); read those "
            "areas' scores as indicative."
        )
    elif user:
        text = "Scoring key: supplied by the user from the instrument's scoring instructions."
    elif all(d.key_status == "defined" for d in doms):
        text = (
            f"Scoring key: the {inst.title} defines its own areas (it was written for this "
            "toolkit; no published key is claimed)."
        )
    else:
        text = "Scoring key: areas scored as published by the instrument's developers."
    extra = [
        s.name
        for s in [*inst.composites, *([inst.total] if inst.total is not None else [])]
        if s.key_status == "provisional"
    ]
    if extra and not prov:
        text += (
            f" {' and '.join(extra)} {'is' if len(extra) == 1 else 'are'} our own combination, "
            "not a published score."
        )
    return text + " Details are under Methods."


def spread_steps(linked: pd.DataFrame, n: int) -> pd.DataFrame:
    """``n`` practices from ``linked`` (lowest area first): the first of each area before a
    second of any, so that three next steps reach three weak areas when the library has them."""
    if not len(linked):
        return linked
    unique = linked.drop_duplicates("id")
    rank = unique.groupby("domain", sort=False).cumcount()
    return (
        unique.assign(_rank=rank.to_numpy())
        .sort_values("_rank", kind="stable")
        .head(n)
        .drop(columns="_rank")
    )


def step_lines(linked: pd.DataFrame, n: int, name: Callable[[Any], str]) -> tuple[str, ...]:
    """``n`` next steps from ``linked`` (:func:`~assessments.practices.linked_practices`,
    spread over the weak areas by :func:`spread_steps`), each in words with its area's
    reader-facing ``name`` and who leads it."""
    return tuple(
        f"{r['title']} (for {name(r['domain'])}; led by the {actor_words(r['actor'])})"
        for r in spread_steps(linked, n).to_dict("records")
    )


def area_meanings(inst: Any) -> str | None:
    """What the areas that carry a description mean, said once where their names first
    appear (the checklist's recovery stages; ORCA's "Patient preferences")."""
    described = [d for d in inst.scored_domains if d.description]
    if not described:
        return None
    return "What the areas mean: " + " ".join(
        f"{d.name} — {d.description[0].lower() + d.description[1:]}"
        if not d.description.startswith(("ORCA", "ORIC", "RSA"))
        else f"{d.name} — {d.description}"
        for d in described
    )


#: The x axis of the summary charts: an average with the range it would probably fall in.
RANGE_AXIS_LABEL = "Average score (the line: where it would probably fall)"


def summary_section(a: Analysis) -> Section:
    """One page for a board: the chart of every area, strongest and weakest, change, the
    largest gap, who answered, the key's status, and three next steps. No statistic names."""
    s = a.scores
    blocks: list[Block] = [Paragraph(_how_to_read(a))]
    domain_ids = [d.id for d in a.inst.scored_domains]
    # short enough that the chart and the text below it share one printed page
    ax = new_axes(7, min(4.6, 0.24 * len(domain_ids) + 1.1))
    charts.domain_profile(s, columns=domain_ids, min_group_size=a.min_group_size, ax=ax)
    _mark_benchmarks(ax, a, domain_ids)
    ax.set_xlabel(RANGE_AXIS_LABEL)
    chart_title(ax, f"{short_name(a.inst)}: score of each area", width=70)
    blocks.append(
        figure(ax, "Average score of each area, with the range it would probably fall in")
    )
    meanings = area_meanings(a.inst)
    if meanings:
        blocks.append(Paragraph(meanings))
    points = _strong_weak(a)
    if a.total_sum_words():  # the key gives the total as a sum of ratings
        points.append(a.total_sum_words(short=True))
    points += _benchmark_words(a)
    change = _change_words(a)
    if change:
        points.append(change)
    moved = a.group_change_words()
    if moved:
        points.append(moved)
    if a.gaps is not None and len(a.gaps):
        points.append(_gap_point(a))
    site = lowest_site_words(a)
    if site:
        points.append(site)
    answered = f"{a.response_words()} " if a.invited is not None else ""
    answered += f"{s.rows_read} responses were read and {s.n_scored} could be scored"
    if s.n_excluded:
        answered += f" ({s.n_excluded} had no usable answer)"
    answered += "."
    hidden = len(dict.fromkeys([*a.hidden, *a.agg_hidden]))
    if hidden:
        answered += (
            f" {hidden} group{'s' if hidden > 1 else ''} too small to show on "
            f"{'their' if hidden > 1 else 'its'} own {'are' if hidden > 1 else 'is'} left out "
            "of the group results, so that no one's answers can be singled out."
        )
    points.append(answered)
    points.append(_key_line(a))
    blocks.append(Bullets(tuple(points)))
    blocks += a.structure_note
    steps = step_lines(a.linked, NEXT_STEPS, a.name)
    if steps:
        blocks.append(Paragraph("Suggested next steps, for the weakest areas:"))
        blocks.append(Bullets(steps))
    return Section(SUMMARY_HEADING, tuple(blocks))


def summary_table(report_sections: tuple[Section, ...]) -> pd.DataFrame:
    """The summary page as rows of text, for the first sheet of the workbook."""
    rows = []
    for section in report_sections:
        if section.heading != SUMMARY_HEADING:
            continue
        for b in section.blocks:
            if isinstance(b, Paragraph):
                rows.append(b.text)
            elif isinstance(b, Bullets):
                rows.extend(b.items)
    return pd.DataFrame({"summary": rows})


# ---------------------------------------------------------------------------------- domains
def domains_section(a: Analysis) -> Section:
    inst = a.inst
    return Section(
        "Domain results",
        (
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
                    f"from {sc.min:g} ({sc.low_text}) to {sc.max:g} ({sc.high_text})"
                    for sc in inst.scored_scales
                )
                + "; higher is better. Each score is the mean of a respondent's answered items"
                + (
                    "; \u201c% top two\u201d is the share of the area's answers in the scale's "
                    "two best points."
                    if any(np.isfinite(v) for v in a.top_two.values())
                    else "."
                )
            ),
            *a.structure_note,
            *_profile_figures(a),
            *_total_sum_blocks(a),
            TableBlock(
                "Scores, all respondents",
                fmt_table(
                    a.overall.assign(
                        pct_top_two=[
                            a.top_two.get(str(d), float("nan")) for d in a.overall["domain"]
                        ]
                    ),
                    {
                        "score": "score",
                        "n": "n",
                        "mean": "mean",
                        "pct_top_two": "% top two",
                        "sd": "SD",
                        "ci_low": "95% CI low",
                        "ci_high": "95% CI high",
                    },
                ),
            ),
            *_norms_blocks(a),
            figure(charts.distribution(a.scores), "Spread of respondent scores per domain"),
        ),
    )


PROFILE_ROWS = 22  # rows x groups a profile chart holds before it would have to shrink


def _profile_figures(a: Analysis) -> list[Block]:
    """The domain profile, split over several charts when its rows (scores, times the
    groups drawn beside each other) would not fit one page at full size."""
    columns = a.scores.score_columns
    groups = max(1, len(a.shown)) if a.by else 1
    per_chart = max(4, int(PROFILE_ROWS / groups**0.5))
    chunks = [columns[i : i + per_chart] for i in range(0, len(columns), per_chart)]
    caption = "Mean scores with 95% confidence intervals" + (f" by {a.by}" if a.by else "")
    return [
        figure(
            charts.domain_profile(
                a.shown_scores, by=a.by, columns=chunk, min_group_size=a.min_group_size
            ),
            caption + (f" ({k} of {len(chunks)})" if len(chunks) > 1 else ""),
        )
        for k, chunk in enumerate(chunks, start=1)
    ]


def _total_sum_blocks(a: Analysis) -> list[Block]:
    """The total as a sum of ratings (the key's ``total: sum``): a sentence and its table."""
    words, table = a.total_sum_words(), a.total_sum
    if not words or table is None:
        return []
    return [
        Paragraph(words),
        TableBlock(
            "The total as a sum of ratings, all respondents",
            fmt_table(
                table,
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
    ]


def _norms_blocks(a: Analysis) -> list[Block]:
    if a.norms.empty:
        return []
    columns = {
        "score": "score",
        "mean": "ours",
        "norm_mean": "theirs",
        "difference": "difference",
        "norm_n": "their n",
        "source": "source",
    }
    if a.norms["place"].fillna("").astype(str).str.len().gt(0).any():
        columns["place"] = "our place in the network"  # a network benchmark file's deciles
    return [
        TableBlock(
            "Compared with published figures and benchmarks",
            fmt_table(
                # counts are whole numbers ("their n 1,200", never "1200.00")
                a.norms.assign(norm_n=a.norms["norm_n"].round().astype("Int64")),
                columns,
            ),
        )
    ]


# ----------------------------------------------------------------------------------- groups
def groups_section(a: Analysis) -> Section | None:
    by = a.by
    if not by:
        return None
    inst = a.inst
    grp: list[Block] = []
    if a.hidden:
        grp.append(
            Note(
                f"{len(a.hidden)} group(s) of {by} are not shown separately: groups "
                f"with fewer than {a.min_group_size} respondents are suppressed, and so "
                "is the next smallest when needed to stop them being worked out from "
                "the totals.",
                "info",
            )
        )
    if a.compare is None:
        grp.append(
            Paragraph(
                f"No group of {by} is large enough to show: every one has fewer than "
                f"{a.min_group_size} respondents or would reveal one that has. The results "
                "above are for all respondents together."
                if not a.shown
                else f"Fewer than two groups of {by} are large enough to compare."
            )
        )
        return Section(f"Groups compared by {by}", tuple(grp))
    inv, _why = a.invariance
    if inv is not None:  # the structure section was asked for: may these means be compared?
        grp.append(
            Paragraph(
                f"The structure check supports comparing the means of these groups ({inv.level} "
                "invariance; see “Does the structure hold?”)."
            )
            if inv.means_comparable
            else Note(
                f"The structure check does not support comparing the means of these groups: "
                f"the items do not work the same way across {by} ("
                + (f"{inv.level} invariance only" if inv.level != "none" else "no invariance")
                + "; see “Does the structure hold?”). Read the differences below with caution.",
                "warning",
            )
        )
    gap = a.gaps
    if gap is not None and len(gap):
        reliable = a.reliable_gaps
        if reliable is not None and len(reliable):
            g = reliable.iloc[0]
            higher, lower, m_hi, m_lo = higher_first(g.to_dict())
            size = abs(float(g["hedges_g"]))
            grp.append(
                Paragraph(
                    f"Largest reliable gap: {higher} rated {a.name(g['name'])} higher than "
                    f"{lower} did ({m_hi:.2f} vs {m_lo:.2f}; Hedges' g = {size:.2f}, a "
                    f"{size_word(size)} difference; the tests below support it)."
                )
            )
        else:
            grp.append(Paragraph(_gap_point(a)))
    desc = a.group_summary.copy()
    desc.insert(0, "score", [a.name(x) for x in desc["domain"]])
    grp.append(
        TableBlock(
            f"Scores by {by}",
            fmt_table(
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
    ct = a.compare.copy()
    ct.insert(0, "score", [a.name(x) for x in ct["domain"]])
    grp.append(
        TableBlock(
            "Do the groups differ? Welch's ANOVA, Holm-adjusted p",
            fmt_table(
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
        pa, pb = gap.iloc[0]["a"], gap.iloc[0]["b"]
        pair = stats.gaps(
            a.shown_scores, a=pa, b=pb, by=by, level=None, min_group_size=a.min_group_size
        )  # the chart shows g, not its interval
        grp.append(
            figure(
                charts.gap_dumbbell(
                    pair, a=str(pa), b=str(pb), scale=inst.response_scale, level="item"
                ),
                f"Largest item gaps between {pa} and {pb}",
            )
        )
    level = "item" if len(inst.items) <= MAX_CHART_ITEMS else "domain"
    grp.append(
        figure(
            charts.heatmap(a.shown_scores, by, min_group_size=a.min_group_size, level=level),
            f"{'Item' if level == 'item' else 'Score'} means by {by}",
        )
    )
    return Section(f"Groups compared by {by}", tuple(grp))


# -------------------------------------------------------------------------------- agreement
def _agreement_verdicts(agree: pd.DataFrame, by: str, a: Analysis) -> list[str]:
    """One plain sentence per domain: may its group means be read as the groups' views?"""
    lines = []
    shown = agree[~agree["suppressed"].astype(bool)]
    for dom in dict.fromkeys(agree["domain"]):
        t = shown[shown["domain"] == dom]
        all_groups = agree[(agree["domain"] == dom) & agree["group"].notna()]
        agree_n = int(t["agree_within"].astype(bool).sum())
        differ = t["differ_between"].dropna()
        if len(t) < 2:  # nothing is concluded about groups from fewer than two of them
            text = (
                f"only {len(t)} of {len(all_groups)} groups of {by} had at least "
                f"{a.min_group_size} complete answers (every item of the area answered), too "
                f"few to compare {by}s: no {by}-level conclusion"
            )
        elif agree_n < len(t):
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
        icc2 = t["icc2"].dropna()
        if len(t) >= 2 and len(icc2) and float(icc2.iloc[0]) < 0:
            text += (
                f"; ICC(2) is below zero: members of a {by} agree no more than people from "
                f"different {by}s, so there is no {by}-level score"
            )
        lines.append(f"{a.name(dom)}: {text}.")
    return lines


def _not_estimable(value: Any) -> Any:
    """An ICC or alpha below zero is no estimate of anything a board can use: shown in words."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return value
    return "below 0" if v < 0 else value


def agreement_section(a: Analysis) -> Section | None:
    agree, by = a.agreement, a.aggregate_by
    if agree is None or not by:
        return None
    t = agree[~agree["suppressed"].astype(bool)].copy()
    t["domain"] = [a.name(x) for x in t["domain"]]
    ok = int(agree[~agree["suppressed"].astype(bool)].groupby("domain")["aggregate"].all().sum())
    n_domains = t["domain"].nunique()
    blocks: list[Block] = [
        Paragraph(
            f"Group means stand for their groups in {ok} of {n_domains} domains: members of "
            "each group agree and the groups differ from each other."
        ),
        Paragraph(
            "Before a group's mean is read as the group's view, its members should "
            "agree (rwg(j) of 0.70 or more, AD at most a sixth of the answer options) and "
            "the groups should differ (ICC(1) above zero with a significant F test); "
            "ICC(2) of 0.70 or more means the group means are reliable."
        ),
        *[Paragraph(line) for line in _agreement_verdicts(agree, by, a)],
        figure(charts.agreement_chart(agree, names=a.names), f"Agreement within each {by}"),
        TableBlock(
            f"Do the {by}s differ, and are their means reliable? (one row per domain; "
            "\u201cbelow 0\u201d: no agreement beyond chance, so no group-level score)",
            fmt_table(
                t.groupby("domain", sort=False)[["icc1", "icc2"]]
                .first()
                .reset_index()
                .assign(groups=t.groupby("domain", sort=False)["group"].count().to_numpy())
                .assign(
                    icc1=lambda d: [_not_estimable(v) for v in d["icc1"]],
                    icc2=lambda d: [_not_estimable(v) for v in d["icc2"]],
                ),
                {"domain": "domain", "groups": f"{by}s", "icc1": "ICC(1)", "icc2": "ICC(2)"},
            ),
            decimals=2,
        ),
        TableBlock(
            f"Agreement within each {by} (rwg(j) and AD rest on the complete answers: "
            "respondents who answered every item of the area)",
            fmt_table(
                t.assign(respondents=[a.agg_sizes.get(g, "") for g in t["group"]]),
                {
                    "domain": "domain",
                    "group": by,
                    "n": "complete answers",
                    "respondents": "respondents",
                    "rwg_j": "rwg(j)",
                    "ad_m": "AD",
                },
            ),
            decimals=2,
        ),
    ]
    if a.agg_hidden:
        blocks.append(Note(f"{len(a.agg_hidden)} group(s) of {by} are suppressed.", "info"))
    return Section("Agreement before aggregation", tuple(blocks))


# ------------------------------------------------------------------------------------ sites
def lowest_site_words(a: Analysis) -> str | None:
    """Page 1's sentence on the sites: the site lowest below the rest of the organization in
    an area, only when the test supports it (Welch's t against the rest, Holm-adjusted
    p < .05, and at least a small difference); else that no site differs reliably."""
    vs = a.site_vs_rest
    col = a.aggregate_by
    if vs is None or col is None or a.site_means is None:
        return None
    domain_ids = {d.id for d in a.inst.scored_domains}
    vs = vs[vs["domain"].isin(domain_ids)]
    means = a.site_means.set_index(["domain", "group"])
    sd = a.agg_scores.respondents[list(domain_ids & set(a.agg_scores.respondents))].std()
    low = vs[(vs["estimate"] < 0) & (vs["p_adjusted"] < 0.05)].copy()
    if len(low):
        low["size"] = [
            abs(float(e)) / float(sd.get(d, float("nan")))
            for e, d in zip(low["estimate"], low["domain"], strict=True)
        ]
        low = low[low["size"] >= 0.2]
    n_sites = a.site_means["group"].nunique()
    if not len(low):
        return (
            f"No {col} scores reliably lower than the rest of the organization in any area "
            f"({n_sites} {col}s compared)."
        )
    r = low.sort_values("estimate").iloc[0]
    mine = float(means.loc[(r["domain"], r["group1"]), "mean"])
    rest = mine - float(r["estimate"])
    return (
        f"Lowest {col}: {r['group1']} rates {a.name(r['domain'])} lower than the rest of the "
        f"organization ({mine:.1f} vs {rest:.1f}), a reliable difference."
    )


def sites_section(a: Analysis) -> Section | None:
    """Every score of every shown site of the second grouping: a heatmap and a table with n,
    the organization and the benchmarks beside them, each area's agreement verdict, and the
    sites that score reliably lower than the rest."""
    col, sm = a.aggregate_by, a.site_means
    if sm is None or col is None:
        return None
    blocks: list[Block] = []
    if sm.empty:
        blocks.append(
            Paragraph(
                f"No {col} is large enough to show on its own (each has fewer than "
                f"{a.min_group_size} respondents, or would reveal one that has)."
            )
        )
        return Section(f"Results by {col}", tuple(blocks))
    words = lowest_site_words(a)
    if words:
        blocks.append(Paragraph(words))
    if a.agg_hidden:
        blocks.append(
            Note(
                f"{len(a.agg_hidden)} {col}(s) are not shown: fewer than {a.min_group_size} "
                "respondents, or the next smallest, so that none can be worked out from the "
                "organization's figures.",
                "info",
            )
        )
    blocks.append(
        figure(
            charts.heatmap(a.agg_scores, col, level="domain", min_group_size=a.min_group_size),
            f"Mean of each area by {col}, with each {col}'s number of respondents",
        )
    )
    wide = sm.pivot(index="domain", columns="group", values="mean")
    order = [c for c in a.scores.score_columns if c in wide.index]
    wide = wide.reindex(order)
    table = pd.DataFrame({"area": [a.name(x) for x in wide.index]})
    for g in wide.columns:
        # the site's respondents, as on the heatmap (each area's own n is in the workbook)
        n = int(a.agg_sizes.get(g, sm[sm["group"] == g]["n"].max()))
        table[f"{g} (n={n})"] = wide[g].to_numpy()
    overall = a.overall.set_index("domain")["mean"]
    table["organization"] = [overall.get(x, float("nan")) for x in wide.index]
    if not a.norms.empty:
        first = a.norms.drop_duplicates("target").set_index("target")
        source = str(first["source"].iloc[0])
        table[f"benchmark ({source})"] = [
            first["norm_mean"].get(x, float("nan")) for x in wide.index
        ]
    if a.agreement is not None:
        verdicts = {}
        for dom, t in a.agreement.groupby("domain", sort=False):
            t = t[~t["suppressed"].astype(bool)]
            verdicts[dom] = (
                "can be read as the site's view"
                if len(t) >= 2 and bool(t["aggregate"].astype(bool).all())
                else "not a shared view"
                if len(t) >= 2
                else "too few sites to judge"
            )
        table["agreement"] = [verdicts.get(x, "") for x in wide.index]
    blocks.append(TableBlock(f"Mean of each area by {col}", table, decimals=2))
    return Section(f"Results by {col}", tuple(blocks))


# ------------------------------------------------------------------------------------ items
def _chart_items(a: Analysis) -> list[str] | None:
    """All items, or the lowest-rated ones (in instrument order) when there are too many."""
    inst = a.inst
    if len(inst.items) <= MAX_CHART_ITEMS:
        return None
    means = a.items.set_index("item")["mean"].dropna().sort_values()
    lowest = set(means.index[:MAX_CHART_ITEMS])
    return [i for i in inst.item_ids if i in lowest]


ANSWER_ROWS = 16  # rows of one answer chart: about half a printed page


def items_section(a: Analysis) -> Section:
    inst = a.inst
    items = a.items
    # strengths and areas for improvement never share an item: with few items, each side
    # takes at most half of them
    shown_n = min(TOP_ITEMS, len(items) // 2)
    ranked = items.sort_values(["mean", "item"], kind="stable")
    bottom = ranked.head(shown_n)
    top = ranked.drop(bottom.index).iloc[::-1].head(shown_n)
    item_cols = {
        "number": "item",
        "label": "label",
        "mean": "mean",
        "pct_top_two": "% top two",
        "n_answered": "n",
    }
    chart_items = _chart_items(a) or list(inst.item_ids)
    # at most ANSWER_ROWS rows a chart: a long list becomes several half-page charts that
    # fill the pages, not one that needs a page of its own
    parts = max(1, -(-len(chart_items) // ANSWER_ROWS))
    size = -(-len(chart_items) // parts)
    what = (
        "How people answered each item"
        if len(inst.items) <= MAX_CHART_ITEMS
        else f"How people answered the {MAX_CHART_ITEMS} lowest-rated items (all items are in "
        "the Excel workbook)"
    )
    blocks: list[Block] = (
        []
        if inst.response_scale.is_range
        else [  # no points to count
            figure(
                charts.answer_bars(
                    a.shown_scores,
                    min_group_size=a.min_group_size,
                    items=chart_items[k * size : (k + 1) * size],
                ),
                what + (f" ({k + 1} of {parts})" if parts > 1 else ""),
            )
            for k in range(parts)
        ]
    )
    blocks += [
        TableBlock("Strengths: highest rated items", fmt_table(top, item_cols)),
        TableBlock("Areas for improvement: lowest rated items", fmt_table(bottom, item_cols)),
    ]
    if len(a.linked):
        titles = ", ".join(dict.fromkeys(a.linked["library_title"].astype(str)))
        columns = {"area": "area", "title": "practice", "what": "what it looks like",
                   "who": "carried out by"}  # fmt: skip
        # the first few of each area: the whole list is in the workbook's next_steps sheet
        shown = a.linked.groupby("domain", sort=False).head(STEPS_PER_AREA)
        if shown["source"].astype(bool).any():
            columns["source"] = "source"
        more = len(a.linked) - len(shown)
        blocks.append(
            TableBlock(
                f"Next steps for the lowest-rated areas ({titles})", fmt_table(shown, columns)
            )
        )
        if more:
            blocks.append(
                Paragraph(
                    f"The first {STEPS_PER_AREA} practices of each area are shown; all "
                    f"{len(a.linked)} are in the workbook's next_steps sheet."
                )
            )
        sources = dict.fromkeys(a.linked["library_source"].astype(str))
        blocks.append(Paragraph("Where these practices come from: " + "; ".join(sources)))
    if not inst.wording_shipped:
        blocks.append(
            Note(
                "Items are named by their number on the form and their area: "
                f"{short_name(inst)}'s wording is not shipped with the toolkit. An analyst can "
                "add it from a licensed copy (see 'Item wording' in the toolkit's "
                "instruments guide), and this report will then show it.",
                "info",
            )
        )
    return Section("Items", tuple(blocks))


# ----------------------------------------------------------------------------------- trends
TREND_LINES = 6  # lines per trend chart: more become separate charts, never a tangle


def consecutive_changes(a: Analysis, waves: Mapping[str, Scores]) -> pd.DataFrame:
    """Change between each pair of consecutive waves (independent samples), scores named."""
    labels = list(waves)
    parts = []
    for before, after in pairwise(labels):
        if a.change is not None and waves[before] is a.previous and waves[after] is a.scores:
            c = a.change  # the last step is the report's own change, already computed
        else:
            c = a.change_between(waves[before], waves[after])
        c = c[~c["suppressed"].astype(bool)]
        parts.append(c.assign(waves=f"{before} → {after}"))
    out = pd.concat(parts, ignore_index=True)
    out["score"] = [a.name(x) for x in out["domain"]]
    return out


def trends_section(a: Analysis) -> Section | None:
    if a.previous is None or a.change is None:
        return None
    c = a.change[~a.change["suppressed"].astype(bool)].copy()
    sig = c.dropna(subset=["p_value"])
    sig = sig[sig["p_value"] < 0.05]
    c["domain"] = [a.name(x) for x in c["domain"]]
    history = a.history
    many = history is not None and len(history) >= 2
    waves = (
        dict(history)
        if many and history is not None
        else {"previous": a.previous, "this wave": a.scores}
    )
    paired = a.paired_on is not None
    size = (
        (lambda r: f"p = {r['p_value']:.3f}") if paired else (lambda r: f"g = {r['hedges_g']:+.2f}")
    )
    sentence = (
        "Since the last wave: "
        + "; ".join(
            f"{a.name(r['domain'])} {'rose' if r['change'] > 0 else 'fell'} by "
            f"{abs(r['change']):.2f} ({size(r)})"
            for r in sig.to_dict("records")
        )
        + "."
        if len(sig)
        else "No domain changed reliably since the last wave (all p ≥ .05)."
    )
    if paired:
        how = (
            f"The same people are matched across the waves by {a.paired_on!r} ({a.n_matched} "
            "people answered both; the others are left out of the test, and so is anyone "
            "without a score in one of the waves), so each change is tested "
            "within persons (paired t); a change is reliable when p < .05. 'Improved' and "
            "'worse' count the people whose own change is larger than the domain's "
            "measurement error would explain (Jacobson-Truax, |RCI| > 1.96)."
        )
    else:
        how = (
            "Each wave is a separate sample of respondents, so changes are tested as between "
            "independent groups (Welch's t); a change is reliable when p < .05."
        )
    blocks: list[Block] = [Paragraph(sentence), Paragraph(how)]
    columns = a.scores.score_columns
    chunks = [columns[i : i + TREND_LINES] for i in range(0, len(columns), TREND_LINES)]
    for k, chunk in enumerate(chunks, start=1):
        part = f" ({k} of {len(chunks)})" if len(chunks) > 1 else ""
        blocks.append(
            figure(
                charts.trend(waves, columns=chunk),
                f"Mean scores in the {len(waves)} waves, with 95% confidence intervals{part}",
            )
        )
    change_columns = (
        {
            "n_pairs": "people in both",
            "mean_before": "before",
            "mean_after": "after",
            "change": "change",
            "p_value": "p",
            "n_reliably_improved": "improved",
            "n_reliably_worse": "worse",
        }
        if paired
        else {
            "mean_before": "before",
            "mean_after": "after",
            "change": "change",
            "hedges_g": "Hedges' g",
            "p_value": "p",
        }
    )
    test = "the same people, paired t" if paired else "Welch's t, Hedges' g"
    if len(waves) >= 3:
        caption = f"Change between consecutive waves ({test})"
        table = fmt_table(
            consecutive_changes(a, waves), {"waves": "waves", "score": "score", **change_columns}
        )
    else:
        caption = (
            f"Change ({test})" if paired else "Change (independent waves: Welch's t, Hedges' g)"
        )
        table = fmt_table(c, {"domain": "score", **change_columns})
    blocks.append(TableBlock(caption, table, decimals=3))
    for col, gc in a.group_changes.items():
        moved = gc[gc["p_holm"] < 0.05]
        blocks.append(
            Paragraph(
                f"Change by {col}: each {col} compared with itself in the wave before "
                "(Welch's t, Hedges' g; p adjusted by Holm over the "
                f"{col}s and areas of each step). "
                + (
                    f"{len(moved)} change(s) are reliable."
                    if len(moved)
                    else f"No {col}'s change is reliable."
                )
            )
        )
        total = a.inst.total.id if a.inst.total is not None else ""
        column = total if total in set(gc["domain"]) else str(gc["domain"].iloc[0])
        blocks.append(
            figure(
                charts.group_trend(waves, col, column=column, min_group_size=a.min_group_size),
                f"{a.name(column)} by {col} in each wave, with 95% confidence intervals",
            )
        )
        blocks.append(
            TableBlock(
                f"Change by {col}",
                fmt_table(
                    gc,
                    {
                        "waves": "waves",
                        "group": col,
                        "score": "score",
                        "mean_before": "before",
                        "mean_after": "after",
                        "change": "change",
                        "hedges_g": "Hedges' g",
                        "p_holm": "p (Holm)",
                    },
                ),
                decimals=3,
            )
        )
    return Section("Change since the last wave", tuple(blocks))


# ------------------------------------------------------------------------------------- plan
def plan_section(a: Analysis) -> Section | None:
    if a.plan is None:
        return None
    from ..practices import plan_progress

    progress = plan_progress(a.plan, a.scores)
    return Section(
        "Progress on the action plan",
        (
            Paragraph(
                "Each area of the earlier action plan: its score when the plan was made, "
                "its score now, and how many of its practices are marked done."
            ),
            TableBlock(
                "Action plan areas",
                fmt_table(
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


# ---------------------------------------------------------------------------------- quality
def quality_section(a: Analysis) -> Section:
    s, items = a.scores, a.items
    na = items.assign(
        rate=100
        * (items["n_not_applicable"] + items["n_dont_know"])
        / (items["n_answered"] + items["n_not_applicable"] + items["n_dont_know"])
    )
    na = na[na["rate"] > 0].sort_values("rate", ascending=False).head(10)
    rates = a.response_rates
    rate_blocks: list[Block] = []
    if rates is not None:
        col = str(rates["grouping"].iloc[0]) or "organization"
        shown = rates.assign(
            group=["whole organization" if g == "all" else g for g in rates["group"]],
            responses=["suppressed" if h else f"{int(n)}" for n, h in
                       zip(rates["responses"], rates["suppressed"], strict=True)],
            response_rate=["suppressed" if h else f"{v:.0f}%" for v, h in
                           zip(rates["response_rate"], rates["suppressed"], strict=True)],
        )  # fmt: skip
        rate_blocks.append(
            TableBlock(
                f"Response rate by {col}: usable responses of the people invited",
                fmt_table(
                    shown,
                    {
                        "group": col,
                        "invited": "invited",
                        "responses": "usable responses",
                        "response_rate": "response rate",
                    },
                ),
            )
        )
    quality: list[Block] = [
        *rate_blocks,
        Paragraph(
            f"{s.rows_read} rows were read: {s.n_scored} scored and "
            f"{s.n_excluded} excluded (no answer that could be scored)."
            + (
                f" {len(s.invalid)} answers outside the scale were treated as missing."
                if len(s.invalid)
                else ""
            )
        ),
        TableBlock(
            "Internal consistency (Cronbach's alpha with 95% CI; omega; \u201cbelow 0\u201d: the "
            "items of the area do not hang together at all, so its score is not one measure)",
            fmt_table(
                a.reliability.assign(
                    raw_alpha=[_not_estimable(v) for v in a.reliability["raw_alpha"]]
                ),
                {
                    "name": "domain",
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
                fmt_table(na, {"number": "item", "label": "label", "rate": "% N/A or DK"}),
                decimals=1,
            )
        )
    return Section("Reliability and data quality", tuple(quality))


# -------------------------------------------------------------------------------- structure
def structure_section(a: Analysis) -> Section:
    from .structure import invariance_blocks
    from .structure import structure_section as build

    section, sheets = build(a.scores, a.names, a.structure_check)
    if a.by:
        inv, why = a.invariance
        items = {i: f"Item {a.inst.number(i)}" for i in a.inst.item_ids}
        blocks, table = invariance_blocks(inv, why, a.by, items)
        section = Section(section.heading, (*section.blocks, *blocks))
        if table is not None:
            sheets["structure_invariance"] = table
    a.structure_sheets = sheets
    return section


# ---------------------------------------------------------------------------------- methods
_CONFIDENCE_NOTE = re.compile(r"\s*\((?:one source|confirmed[^)]*|\w+ sources?)\)", re.IGNORECASE)


def reader_source(text: str) -> str:
    """A key's source for readers: without our notes on how sure we are ("(one source)",
    "(confirmed by two sources)"), which belong in FACTS.md, not in a board's report.

    >>> reader_source("Shea et al. 2014, Implementation Science 9:7 (confirmed by two sources)")
    'Shea et al. 2014, Implementation Science 9:7'
    """
    return _CONFIDENCE_NOTE.sub("", text).strip()


def status_words(status: str, source: str = "", *, provisional_parts: Sequence[str] = ()) -> str:
    """What a score's key status covers, in words: for a scale, its own rule and, apart, the
    parts whose item lists are provisional (ORCA's Facilitation: a published rule over nine
    subscales whose items are our inference).

    >>> for part in status_words("published", provisional_parts=["Clinical champion"]).split("; "):
    ...     print(part)
    rule published (the mean of its parts)
    the item lists of Clinical champion are provisional (our inference)
    """
    src = reader_source(source)
    words = {
        "published": "key published",
        "provisional": "key provisional (our inference from the publications)",
        "user": "key supplied by the user",
        "defined": "areas defined by the instrument itself (our own grouping, no published key)",
    }.get(status, f"key {status}")
    if provisional_parts:
        if status == "published":
            words = "rule published (the mean of its parts)"
        words += (
            f"; the item lists of {', '.join(provisional_parts)} are provisional (our inference)"
        )
    return words + (f" ({src})" if src else "")


def methods_section(a: Analysis) -> Section:
    inst, names = a.inst, a.names
    domain_status = {d.id: d.key_status for d in inst.domains}
    blocks: list[Block] = [
        Bullets(
            tuple(
                [
                    f"{d.name}: items {', '.join(str(inst.number(i)) for i in d.items)}; "
                    f"scored when at least {d.min_items()} of {len(d.items)} are answered"
                    + (" (the toolkit's default rule)" if d.min_answered_is_default else "")
                    + "; "
                    + status_words(d.key_status, d.key_source)
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
                    + "; "
                    + status_words(
                        s.key_status,
                        "",
                        provisional_parts=[
                            names.get(x, x)
                            for x in s.domains
                            if x in domain_status and domain_status[x] == "provisional"
                        ],
                    )
                    for s in [*inst.composites, *([inst.total] if inst.total else [])]
                ]
            )
        ),
    ]
    summed = inst.total_sum
    if summed is not None:
        blocks.append(
            Paragraph(
                f"The key gives the total as a sum of ratings, so it is also reported as "
                f"{summed.describe()}. This is the total's mean × {summed.n_items}: the same "
                "information on the scale of the scoring sheet. Charts, comparisons, agreement "
                "and benchmarks use the mean, on the answers' scale."
            )
        )
    if any(d.min_answered_is_default for d in inst.scored_domains):
        blocks.append(
            Paragraph(
                "Where the instrument states no minimum number of answered items, a "
                "domain is scored when at least half of its items are answered (the "
                "toolkit's default rule; the instrument file can set another)."
            )
        )
    blocks.append(
        Paragraph(
            "Reverse-keyed items are scored max + min − answer. N/A, Don't know and blank "
            "answers count as missing. Group comparisons use Welch's ANOVA with Holm's "
            "correction across scores; agreement uses rwg(j) against a uniform null on each "
            "domain's own scale and ICCs from a one-way ANOVA with "
            + (
                f"cluster-bootstrap intervals ({a.n_boot:,} resamples)"
                if a.n_boot > 0
                else "F-based intervals"
            )
            + ", and a group mean is read as the group's view only when members agree and "
            "groups differ. "
            f"Groups under {a.min_group_size} respondents are suppressed. Statistics are "
            "checked against R (psych, multilevel, effectsize, rstatix, base R). Under At a "
            f"glance, a change is called reliable when {a.test_words()} gives p < .05, and a "
            "difference's size follows Hedges' g (0.2 small, 0.5 moderate, 0.8 large)."
        )
    )
    library = a.library_words()
    if library:
        blocks.append(Paragraph(library))
    blocks.extend(a.warnings)
    return Section("Methods", tuple(blocks))


SectionBuilder = Callable[[Analysis], Section | None]

#: Every section, in report order. ``structure`` is built only when asked for.
SECTIONS: dict[str, SectionBuilder] = {
    "summary": summary_section,
    "domains": domains_section,
    "groups": groups_section,
    "sites": sites_section,
    "agreement": agreement_section,
    "items": items_section,
    "trends": trends_section,
    "plan": plan_section,
    "quality": quality_section,
    "structure": structure_section,
    "methods": methods_section,
}
DEFAULT_SECTIONS = tuple(name for name in SECTIONS if name != "structure")


def check_sections(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The chosen sections in report order; an unknown name is an error listing the known."""
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise ResponseError(
            Problem(
                "bad-option",
                f"unknown report section(s): {', '.join(unknown)}",
                expected="some of " + ", ".join(SECTIONS),
                hint="e.g. --sections summary,domains,methods",
            )
        )
    if not names:
        raise ResponseError(
            Problem("bad-option", "no report section chosen", expected=", ".join(SECTIONS))
        )
    return tuple(n for n in SECTIONS if n in names)

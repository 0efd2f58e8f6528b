"""``assess reliability | compare | agreement | gaps | norms``: statistics over an input file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..stats.adjust import Correction
    from ..stats.compare import Test

from .common import emit, handles_errors, input_options, json_option, load_scores, output_option

group_option = click.option("--by", "by", help="Metadata column that defines the groups.")
min_size_option = click.option(
    "--min-group-size",
    default=5,
    show_default=True,
    help="Smaller groups are suppressed, never tested.",
)


@click.command("reliability")
@input_options
@group_option
@click.option("--listwise", is_flag=True, help="Complete cases only (default: pairwise, as psych).")
@min_size_option
@output_option
@json_option
@handles_errors
def reliability_cmd(
    by: str | None,
    listwise: bool,
    min_group_size: int,
    out: str | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Cronbach's alpha, omega and item statistics per domain (and per group with --by).

    \b
    Example:
      assess reliability answers.csv -i orca --by site -o reliability.xlsx
    """
    from ..stats import item_reliability, omega_h, reliability
    from ..stats.reliability import Method, facet_structure

    scores, notices = load_scores(options, [out])
    method: Method = "listwise" if listwise else "pairwise"
    tables = {
        "reliability": reliability(scores, by, method=method, min_group_size=min_group_size),
        "items": item_reliability(scores, by, method=method, min_group_size=min_group_size),
    }
    if facet_structure(scores):
        tables["omega_h"] = omega_h(scores, by, method=method, min_group_size=min_group_size)
    emit(
        tables,
        as_json=as_json,
        out=out,
        notes=[*notices, *scores.notes],
        shown={
            "reliability": [
                "group",
                "domain",
                "n_items",
                "n",
                "raw_alpha",
                "alpha_ci_low",
                "alpha_ci_high",
                "std_alpha",
                "omega_total",
                "suppressed",
            ],
            "omega_h": ["group", "scale", "n_facets", "n_items", "n", "omega_h", "omega_total"],
            "items": [
                "group",
                "domain",
                "item",
                "r_drop",
                "alpha_if_dropped",
                "mean",
                "sd",
                "n",
                "pct_not_applicable",
                "pct_dont_know",
            ],
        },
    )


@click.command("compare")
@input_options
@click.option("--by", "by", required=True, help="Metadata column that defines the groups.")
@click.option(
    "--test",
    type=click.Choice(["welch", "anova", "kruskal"]),
    default="welch",
    show_default=True,
    help="Omnibus test that gives p_value.",
)
@click.option(
    "--posthoc",
    "posthoc_method",
    default="auto",
    show_default=True,
    type=click.Choice(["auto", "games-howell", "tukey", "dunn", "vs-rest", "none"]),
    help="Which groups differ: auto = Games-Howell for up to 10 groups, else each group "
    "against the rest (Welch, Holm); games-howell always compares every pair.",
)
@click.option(
    "--correction",
    type=click.Choice(["holm", "fdr_bh", "none"]),
    default="holm",
    show_default=True,
    help="Adjustment across domains.",
)
@min_size_option
@output_option
@json_option
@handles_errors
def compare_cmd(
    by: str,
    test: Test,
    posthoc_method: str,
    correction: Correction,
    min_group_size: int,
    out: str | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Compare groups (roles, sites, programs) on every domain, scale and total.

    \b
    Example:
      assess compare answers.csv -i oric --by role -o compare.xlsx
    """
    from ..stats import compare, describe, posthoc

    scores, notices = load_scores(options, [out])
    tables = {
        "compare": compare(
            scores,
            by,
            test=test,
            correction=correction,
            min_group_size=min_group_size,
        ),
        "descriptives": describe(scores, by, min_group_size=min_group_size),
    }
    if posthoc_method != "none":
        tables["posthoc"] = posthoc(
            scores,
            by,
            method=posthoc_method,  # type: ignore[arg-type]
            min_group_size=min_group_size,
        )
    emit(
        tables,
        as_json=as_json,
        out=out,
        notes=[*notices, *scores.notes],
        shown={
            "compare": [
                "domain",
                "n",
                "k_groups",
                "suppressed_groups",
                "test",
                "statistic",
                "p_value",
                "p_adjusted",
                "eta_squared",
                "omega_squared",
            ],
            "descriptives": [
                "domain",
                "group",
                "n",
                "mean",
                "sd",
                "ci_low",
                "ci_high",
                "suppressed",
            ],
            "posthoc": [
                "domain",
                "group1",
                "group2",
                "estimate",
                "ci_low",
                "ci_high",
                "p_adjusted",
                "hedges_g",
                "method",
            ],
        },
    )


@click.command("agreement")
@input_options
@click.option("--by", "by", required=True, help="Group to aggregate to (site, team, program).")
@click.option("--threshold", default=0.70, show_default=True, help="rwg(j) needed to aggregate.")
@click.option(
    "--options",
    "domain_options",
    multiple=True,
    metavar="DOMAIN=A",
    help="Number of answer options of a domain (repeatable); default: the domain's own scale.",
)
@click.option(
    "--icc-ci",
    type=click.Choice(["f", "cluster_bootstrap"]),
    default="f",
    show_default=True,
    help="ICC intervals: F-based, or a bootstrap that resamples whole groups.",
)
@click.option("--n-boot", default=1000, show_default=True, help="Resamples for --icc-ci bootstrap.")
@click.option("--seed", default=0, show_default=True, help="Bootstrap random seed.")
@min_size_option
@output_option
@json_option
@handles_errors
def agreement_cmd(
    by: str,
    threshold: float,
    domain_options: tuple[str, ...],
    icc_ci: str,
    n_boot: int,
    seed: int,
    min_group_size: int,
    out: str | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Within-group agreement (rwg(j), AD) and ICCs: may staff ratings be aggregated?

    \b
    Example:
      assess agreement answers.xlsx -i orca --by site
    """
    from ..stats import agreement

    per_domain = _parse_domain_options(domain_options)
    scores, notices = load_scores(options, [out])
    tables = {
        "agreement": agreement(
            scores,
            by,
            options=per_domain or None,
            threshold=threshold,
            ci=icc_ci,  # type: ignore[arg-type]
            n_boot=n_boot,
            seed=seed,
            min_group_size=min_group_size,
        )
    }
    emit(
        tables,
        as_json=as_json,
        out=out,
        notes=[*notices, *scores.notes],
        shown={
            "agreement": [
                "domain",
                "group",
                "n",
                "rwg_j",
                "ad_m",
                "icc1",
                "icc2",
                "icc_p",
                "verdict",
            ],
        },
    )


def _parse_domain_options(values: tuple[str, ...]) -> dict[str, int]:
    """``("change_efficacy=7", ...)`` as ``{"change_efficacy": 7}``; a clear error otherwise."""
    out: dict[str, int] = {}
    for value in values:
        name, sep, number = value.partition("=")
        if not sep or not name.strip() or not number.strip().isdigit():
            raise click.BadParameter(
                f"{value!r}: expected DOMAIN=A, e.g. --options change_efficacy=7",
                param_hint="--options",
            )
        out[name.strip()] = int(number)
    return out


@click.command("gaps")
@input_options
@click.option("--by", "by", required=True, help="Column holding the respondent groups.")
@click.option("--a", "group_a", required=True, help="First group (e.g. 'person in recovery').")
@click.option("--b", "group_b", required=True, help="Second group (e.g. provider).")
@click.option("--no-items", is_flag=True, help="Domains only.")
@min_size_option
@output_option
@json_option
@handles_errors
def gaps_cmd(
    by: str,
    group_a: str,
    group_b: str,
    no_items: bool,
    min_group_size: int,
    out: str | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Perspective gaps between two groups, domain by domain and item by item, largest first.

    \b
    Example:
      assess gaps answers.csv -i oric --by role --a "peer specialist" --b clinician
    """
    from ..stats import gaps

    scores, notices = load_scores(options, [out])
    tables = {
        "gaps": gaps(
            scores, a=group_a, b=group_b, by=by, items=not no_items, min_group_size=min_group_size
        )
    }
    emit(
        tables,
        as_json=as_json,
        out=out,
        notes=[*notices, *scores.notes],
        shown={
            "gaps": [
                "level",
                "name",
                "n_a",
                "mean_a",
                "n_b",
                "mean_b",
                "gap",
                "hedges_g",
                "p_adjusted",
            ],
        },
    )


@click.command("norms")
@input_options
@click.option(
    "--benchmarks",
    type=click.Path(dir_okay=False),
    help="CSV of benchmarks: target, mean[, sd, n, source, sample].",
)
@output_option
@json_option
@handles_errors
def norms_cmd(benchmarks: str | None, out: str | None, as_json: bool, **options: Any) -> None:
    """Compare score means with published norms and your benchmarks.

    \b
    Example:
      assess norms answers.xlsx -i orca --benchmarks state-average.csv
    """
    from ..stats import norms

    scores, notices = load_scores(options, [out])
    tables = {"norms": norms(scores, benchmarks=benchmarks)}
    emit(
        tables,
        as_json=as_json,
        out=out,
        notes=[*notices, *scores.notes],
        shown={
            "norms": [
                "target",
                "source",
                "n",
                "mean",
                "norm_mean",
                "norm_sd",
                "difference",
                "standardized_difference",
                "p_value",
            ],
        },
    )


def register(cli: click.Group) -> None:
    """Add the statistics commands to the ``assess`` group."""
    for command in (reliability_cmd, compare_cmd, agreement_cmd, gaps_cmd, norms_cmd):
        cli.add_command(command)

"""``assess structure``: does the key fit the data (parallel analysis, EFA, CFA)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .common import (
    console,
    handles_errors,
    json_option,
    load_scores,
    optional_input_options,
    output_option,
    progress_bar,
)
from .perspectives import perspective_options, wants_perspectives

if TYPE_CHECKING:
    from rich.console import Console

    from ..stats.structure import Structure


@click.command("structure")
@optional_input_options
@perspective_options
@click.option(
    "--by",
    "by",
    help="Metadata column: one analysis per group, and whether the groups can be compared "
    "(measurement invariance: configural, metric, scalar, strict).",
)
@click.option(
    "--factors",
    "n_factors",
    type=click.IntRange(min=1),
    help="Factors for the EFA (default: the parallel analysis' suggestion).",
)
@click.option(
    "--fm",
    type=click.Choice(["minres", "ml"]),
    default="minres",
    show_default=True,
    help="EFA extraction: minimum residual or maximum likelihood (psych fa).",
)
@click.option(
    "--rotate",
    type=click.Choice(["oblimin", "varimax"]),
    default="oblimin",
    show_default=True,
    help="EFA rotation: oblique (factors may correlate) or orthogonal.",
)
@click.option(
    "--cor",
    type=click.Choice(["pearson", "polychoric"]),
    default="pearson",
    show_default=True,
    help="Correlations: pearson (CFA by ML) or polychoric for ordinal answers (CFA by DWLS).",
)
@click.option(
    "--listwise",
    is_flag=True,
    help="Complete answers only (default: pairwise, each correlation from who answered both).",
)
@click.option("--min-group-size", default=5, show_default=True, help="Smaller groups are hidden.")
@output_option
@json_option
@handles_errors
def structure_cmd(
    by: str | None,
    n_factors: int | None,
    fm: str,
    rotate: str,
    cor: str,
    listwise: bool,
    min_group_size: int,
    out: str | None,
    as_json: bool,
    inputs: tuple[str, ...],
    version_column: str | None,
    **options: Any,
) -> None:
    """Does the key fit these answers? Parallel analysis, EFA and a CFA of the key.

    \b
    The CFA treats every domain of the key as a factor with its own items. Fit indices are
    compared with conventional cut-offs (CFI >= .95 and RMSEA <= .06 good; CFI >= .90 and
    RMSEA <= .08 acceptable). Checked against R psych and lavaan.

    \b
    Example:
      assess structure answers.xlsx -i orca --on-invalid missing
      assess structure answers.xlsx -i orca --cor polychoric --json
      assess structure answers.xlsx -i oric --by site --on-invalid missing
      assess structure --input staff.csv:provider --input people.csv:person -i rsa --key k.yaml
    """
    from ..io import write_tables
    from ..stats.structure import structure, structure_tables

    if wants_perspectives(inputs, version_column):
        _perspectives(options, inputs, version_column, min_group_size, out, as_json, cor)
        return
    if not options.get("input_file") or not options.get("instrument"):
        from ..errors import Problem, ResponseError

        raise ResponseError(
            Problem(
                "missing-option",
                "give the export (INPUT) and its instrument (-i)",
                hint="assess structure answers.csv -i oric",
            )
        )

    with progress_bar(as_json) as bar:  # a CFA of 77 items takes seconds: say so
        task = bar.add_task("reading and scoring the answers", total=None)
        scores, notices = load_scores(options, [out])
        bar.update(
            task,
            description="checking the structure: confirmatory and exploratory factor "
            f"analysis, parallel analysis ({len(scores.instrument.items)} items)",
        )
        results = structure(
            scores,
            by=by,
            n_factors=n_factors,
            fm=fm,  # type: ignore[arg-type]
            rotate=rotate,  # type: ignore[arg-type]
            cor=cor,  # type: ignore[arg-type]
            missing="listwise" if listwise else "pairwise",
            min_group_size=min_group_size,
        )
        inv, inv_problem = None, None
        if by is not None:  # can the groups be compared? the multi-group model of the key
            bar.update(task, description=f"measurement invariance across {by}")
            inv, inv_problem = _invariance(scores, by, min_group_size, cor)
    inst = scores.instrument
    tables = structure_tables(results)
    if inv is not None:
        tables["invariance"] = inv.table
    written = [str(p) for p in write_tables(tables, Path(out))] if out else []
    notes = [*notices, *scores.notes]
    if as_json:
        payload: dict[str, Any] = {
            "ok": True,
            "instrument": inst.id,
            "version": inst.version,
            "notes": notes,
            "written": written,
        }
        if by is None:
            one = results[0].to_dict()
            payload.update({k: one[k] for k in ("n", "parallel", "efa", "cfa")})
        else:
            payload["by"] = by
            payload["groups"] = [r.to_dict() for r in results]
            payload["invariance"] = inv.to_dict() if inv is not None else None
            if inv_problem:
                payload["invariance_problem"] = inv_problem
        click.echo(json.dumps(payload, indent=2, default=str))
        return
    c = console()
    c.print(f"[bold]Structure of {inst.title} ({inst.id} {inst.version})[/bold]", highlight=False)
    for res in results:
        _print_group(c, res, by)
    if by is not None:
        _print_invariance(c, inv, inv_problem, by)
    for n in notes:
        c.print("[yellow]note:[/yellow] " + n, highlight=False)
    for p in written:
        c.print(f"wrote {p}", markup=False)


def _perspectives(
    options: dict[str, Any],
    inputs: tuple[str, ...],
    version_column: str | None,
    min_group_size: int,
    out: str | None,
    as_json: bool,
    cor: str = "pearson",
) -> None:
    """Several perspectives (the RSA): can their answers to the practices the key matches be
    compared? The whole key as one multi-group model when the groups are large enough for it,
    else each factor on its own."""
    from ..errors import AssessmentError
    from ..io import write_tables
    from ..perspectives import practice_words
    from ..stats.invariance import invariance_by_domain, invariance_for
    from .common import refuse_overwriting_inputs
    from .perspectives import load_perspectives

    refuse_overwriting_inputs(options, [out], *[i.rpartition(":")[0] for i in inputs])
    with progress_bar(as_json) as bar:
        task = bar.add_task("reading and scoring each perspective", total=None)
        p = load_perspectives(options, inputs, version_column, min_group_size)
        bar.update(task, description="measurement invariance across the perspectives")
        data, domains, notes = p.matched_items()
        whole: Any = None
        per_domain: Any = None
        why = ""
        if domains:
            try:
                whole = invariance_for(
                    data, "perspective", domains, cor=cor, min_group_size=min_group_size
                )
            except AssessmentError as err:
                why = "; ".join(x.message for x in err.problems)
                per_domain = invariance_by_domain(
                    data, "perspective", domains, cor=cor, min_group_size=min_group_size
                )
    table = whole.table if whole is not None else per_domain.table if per_domain else None
    written = (
        [str(x) for x in write_tables({"invariance": table}, Path(out))]
        if out and table is not None
        else []
    )
    if as_json:
        payload = {
            "ok": True,
            "instrument": p.instrument_id,
            "perspectives": {v: s.n_scored for v, s in p.scores.items()},
            "matched_practices": int(sum(len(v) for v in domains.values())),
            "invariance": whole.to_dict() if whole is not None else None,
            "invariance_by_domain": per_domain.to_dict() if per_domain is not None else None,
            "whole_key_problem": why or None,
            "notes": notes,
            "written": written,
        }
        click.echo(json.dumps(payload, indent=2, default=str))
        return
    from .output import print_frame

    c = console()
    c.rule("Can the perspectives be compared? (measurement invariance)")
    shown_groups = ", ".join(f"{v} {s.n_scored}" for v, s in p.scores.items())
    c.print(
        f"{p.instrument_id}: {shown_groups} scored; "
        f"{sum(len(v) for v in domains.values())} practices the key matches across the "
        "perspectives compared.",
        highlight=False,
    )
    if whole is not None:
        print_frame(c, _readable(whole.table)[_columns(whole)], "the whole key, step by step")
        c.print(practice_words(whole.verdict_text), highlight=False)
        notes += whole.notes
    elif per_domain is not None:
        c.print(
            f"The whole key cannot be tested in one model ({why}); each factor is tested on "
            "its own.",
            highlight=False,
        )
        names = next(iter(p.scores.values())).instrument.score_names()
        for dom, res in per_domain.results.items():
            print_frame(
                c, _readable(res.table)[_columns(res)], f"{names.get(dom, dom)}: {res.level}"
            )
            c.print(practice_words(res.verdict_text.split(" Each step is judged")[0]),
                    highlight=False)  # fmt: skip
            notes += res.notes
        for dom, problem_text in per_domain.problems.items():
            c.print(f"[red]{dom} not estimated:[/red] {problem_text}", highlight=False)
        c.print(
            "Each step is judged by ΔCFI ≥ −.01 and ΔRMSEA ≤ .015 against the step before (Chen "
            "2007), and the configural model by CFI ≥ .90 and RMSEA ≤ .08: conventions, not "
            "tests; p_diff is the likelihood-ratio test (for ordinal answers, the scaled "
            "difference test).",
            highlight=False,
        )
    for n in dict.fromkeys(notes):
        c.print("[yellow]note:[/yellow] " + practice_words(n), highlight=False)
    for x in written:
        c.print(f"wrote {x}", markup=False)


def _columns(inv: Any) -> list[str]:
    """The invariance table's columns a person reads: for ordinal answers the scaled χ²."""
    chisq = "chisq_scaled" if inv.estimator == "dwls" else "chisq"
    return ["step", "freed", chisq, "df", "cfi", "rmsea", "srmr", "delta_cfi", "delta_rmsea",
            "p_diff", "holds"]  # fmt: skip


def _readable(table: Any) -> Any:
    from ..perspectives import practice_words

    out = table.copy()
    out["freed"] = out["freed"].map(practice_words)
    return out


def _invariance(scores: Any, by: str, min_group_size: int, cor: str) -> tuple[Any, str | None]:
    """The invariance steps across ``by``, or why they could not be estimated."""
    from ..errors import AssessmentError
    from ..stats.invariance import invariance_for

    try:
        return invariance_for(scores, by, cor=cor, min_group_size=min_group_size), None
    except AssessmentError as err:
        return None, "; ".join(p.message for p in err.problems) or str(err)


def _print_invariance(c: Console, inv: Any, why: str | None, by: str) -> None:
    from .output import print_frame

    c.rule(f"Can the groups of {by} be compared? (measurement invariance)")
    if inv is None:
        c.print(f"[red]Not estimated:[/red] {why}", highlight=False)
        return
    shown = inv.table[_columns(inv)]
    how = (
        "multi-group CFA of the ordered answers by WLSMV, step by step (scaled χ², CFI and "
        "RMSEA; p_diff: the scaled difference test)"
        if inv.estimator == "dwls"
        else "multi-group CFA by ML, step by step (p_diff: the LR test)"
    )
    print_frame(c, shown, how)
    c.print(inv.verdict_text, highlight=False)
    for n in inv.notes:
        c.print("[yellow]note:[/yellow] " + n, highlight=False)


def _print_group(c: Console, res: Structure, by: str | None) -> None:
    from .output import print_frame

    if by is not None:
        c.rule(f"{by} = {res.group} ({res.n} respondents)")
    if res.suppressed:
        c.print("Hidden: fewer respondents than --min-group-size (or hidden with another).")
        return
    pa = res.parallel
    if pa is not None:
        c.print(
            f"\n[bold]How many factors?[/bold] Parallel analysis ({pa.cor} correlations, "
            f"{pa.n_iter} resamples, {pa.n} respondents): {pa.suggested_factors} factor(s) "
            f"and {pa.suggested_components} component(s) stand above chance.",
            highlight=False,
        )
        rows = max(6, pa.suggested_factors + 2)
        print_frame(c, pa.table().head(rows), "eigenvalues: data vs 95th percentile of resamples")
    e = res.efa
    if e is not None:
        c.print(
            f"\n[bold]Exploratory factor analysis[/bold]: {e.n_factors} factor(s), {e.fm}, "
            f"{e.rotate} rotation (loadings below .30 left blank).",
            highlight=False,
        )
        shown = e.sorted_loadings().reset_index(names="item")
        print_frame(c, shown, "loadings")
        print_frame(c, e.variance, "variance explained")
        for n in dict.fromkeys([*(pa.notes if pa else []), *e.notes]):
            c.print("[yellow]note:[/yellow] " + n, highlight=False)
    f = res.cfa
    if f is not None:
        how = "DWLS on polychoric correlations" if f.estimator == "dwls" else "ML"
        c.print(
            f"\n[bold]Does the key hold?[/bold] Confirmatory factor analysis of "
            f"{len(f.domains)} domains, {how}, {f.n} respondents.",
            highlight=False,
        )
        fit = f.fit_table()
        fit["rmsea_90ci"] = f"{f.rmsea_ci_lower:.3f}-{f.rmsea_ci_upper:.3f}"
        cols = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_90ci", "srmr"]
        kind = f.headline_kind
        if kind:  # ordinal: lavaan's WLSMV figures, as its users read them
            head = f.headline
            fit["rmsea_90ci"] = f"{head['rmsea_ci_lower']:.3f}-{head['rmsea_ci_upper']:.3f}"
            names = {f"{k}_{kind}": f"{k} ({kind})" for k in ("cfi", "tli", "rmsea")}
            names |= {"chisq_scaled": "chisq (scaled)", "pvalue_scaled": "p (scaled)"}
            fit = fit.drop(columns=["cfi", "tli", "rmsea"]).rename(columns=names)
            cols = ["chisq (scaled)", "df", "p (scaled)", *list(names.values())[:3]]
            cols += ["rmsea_90ci", "srmr"]
        print_frame(c, fit, "fit", cols)
        c.print(f.verdict_text, highlight=False)
        weak = f.loadings[f.loadings["weak"]]
        if len(weak):
            print_frame(c, weak, "items loading below .40 on their domain")
        big = f.large_residuals()
        if len(big):
            print_frame(c, big.head(10), "largest residual correlations (above .10)")
        for n in f.notes:
            c.print("[yellow]note:[/yellow] " + n, highlight=False)
    for part, why in res.problems.items():
        c.print(f"[red]{part} not estimated:[/red] {why}", highlight=False)


def register(cli: click.Group) -> None:
    """Add ``assess structure`` to the ``assess`` group."""
    cli.add_command(structure_cmd)

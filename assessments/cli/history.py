"""``assess history add | list | show | remove | export``: assessments kept between waves."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from .common import (
    console,
    format_option,
    handles_errors,
    json_option,
    load_scores,
    optional_input_options,
    output_file,
    report_formats,
)
from .perspectives import load_perspectives, perspective_options, wants_perspectives

store_option = click.option(
    "--store",
    envvar="ASSESS_STORE",
    help="History store: a SQLite file or a postgresql:// URL (default: ASSESS_STORE, else "
    "history.sqlite in your data folder).",
)


#: past this many waves ``history list`` prints aligned text: a boxed table of a network's
#: 900 waves took 0.6 s to draw
PLAIN_LIST_ROWS = 200


def open_history(store: str | None, *, create: bool = False) -> Any:
    """The history store; only ``assess history add`` (``create``) may make a new one."""
    from ..history import History

    return History(store, create=create)


@click.group("history")
def history_group() -> None:
    """Keep scored waves in a database, so trends need no file hunting.

    \b
    Example:
      assess history add answers.csv -i oric --org "Example Agency" --wave 2026
      assess report --history "Example Agency"
    """


@history_group.command("add")
@optional_input_options
@perspective_options
@click.option("--org", required=True, help="Organization the wave belongs to.")
@click.option("--wave", "wave", required=True, help="Wave label, e.g. 2026 or 2026-Q1.")
@click.option("--date", "wave_date", help="Collection date (YYYY-MM-DD); orders the waves.")
@click.option(
    "--keep",
    multiple=True,
    help="Metadata column to keep (repeatable; default: columns with at most 50 distinct "
    "values, such as site and role).",
)
@click.option(
    "--keep-ids", is_flag=True, help="Keep respondent ids (needed for paired comparisons)."
)
@click.option("--replace", is_flag=True, help="Replace a wave already stored (logged).")
@store_option
@json_option
@handles_errors
def add_cmd(
    org: str,
    wave: str,
    wave_date: str | None,
    keep: tuple[str, ...],
    keep_ids: bool,
    replace: bool,
    store: str | None,
    as_json: bool,
    inputs: tuple[str, ...],
    version_column: str | None,
    **options: Any,
) -> None:
    """Score INPUT exactly as `assess score` does and keep it as a wave.

    
    The RSA from several perspectives is kept as one wave with its perspectives:
      assess history add --input staff.csv:provider --input people.csv:person -i rsa \
        --key key.xlsx --org "Example Agency" --wave 2026
    """
    from ..history.store import check_names, parse_date

    check_names(org, wave)  # before any work, and before a store is made
    mapping = options.get("mapping")
    drop = bool(options.get("drop_suggested"))
    if wants_perspectives(inputs, version_column):
        scores: Any = load_perspectives(options, inputs, version_column)
        notices: list[str] = []
        source = (
            ", ".join(Path(i.rpartition(":")[0]).name for i in inputs)
            or Path(options.get("input_file") or "").name
        )
    else:
        if not options.get("input_file") or not options.get("instrument"):
            from ..errors import Problem, ResponseError

            raise ResponseError(
                Problem(
                    "missing-option",
                    "give INPUT and -i ID (or --input FILE:VERSION for each perspective)",
                    hint="assess history add answers.csv -i oric --org ORG --wave 2026",
                )
            )
        source = Path(options["input_file"]).name
        scores, notices = load_scores(options)
    history = open_history(store, create=True)
    info = history.add(
        scores,
        org=org,
        wave=wave,
        date=parse_date(wave_date),
        mapping=Path(mapping).read_text(encoding="utf-8") if mapping else None,
        source_name=source,
        keep=list(keep) or None,
        keep_ids=keep_ids,
        replace=replace,
        drop_suggested=drop,
    )
    if as_json:
        click.echo(json.dumps({"ok": True, "store": history.store, **asdict(info)}, indent=2))
        return
    c = console()
    if info.perspectives:
        c.print(
            f"perspectives: {', '.join(info.perspectives)} (kept as one wave)",
            markup=False,
            highlight=False,
        )
    c.print(
        f"kept {info.instrument} wave {info.wave!r} for {info.org!r}: {info.n_scored} scored, "
        f"{info.n_excluded} excluded; metadata kept: {', '.join(info.kept_columns) or 'none'}; "
        f"respondent ids {'kept' if info.keep_ids else 'not kept'}",
        markup=False,
        highlight=False,
    )
    for n in [*notices, *getattr(scores, "notes", ())]:
        c.print("[yellow]note:[/yellow] " + n, highlight=False)
    c.print(f"store: {history.store}", markup=False)


@history_group.command("list")
@click.option("--org", help="Only this organization.")
@store_option
@json_option
@handles_errors
def list_cmd(org: str | None, store: str | None, as_json: bool) -> None:
    """The stored waves, earliest first (by collection date, else by their labels).

    \b
    Example:
      assess history list --org "Example Agency"
    """
    from rich.table import Table

    history = open_history(store)
    rows = history.rows(org, strict=False)
    if as_json:
        click.echo(json.dumps({"ok": True, "store": history.store, "waves": rows}, indent=2))
        return
    c = console()
    if not rows:
        c.print(
            "No waves stored" + (f" for {org!r}" if org else "") + f" in {history.store}.",
            markup=False,
        )
        return
    cols = ["org", "instrument", "version", "wave", "date", "added", "n_scored", "n_excluded"]
    cells = [
        ["" if v is None else str(v) for v in (*(r[k] for k in cols[:5]), r["added_at"][:10],
                                               r["n_scored"], r["n_excluded"])]
        for r in rows
    ]  # fmt: skip
    if len(rows) > PLAIN_LIST_ROWS:  # a network's hundreds of waves: aligned text, at once
        widths = [max(len(x) for x in col) for col in zip(cols, *cells, strict=False)]
        c.print(f"stored waves ({history.store}): {len(rows)}", markup=False)
        for line in (cols, *cells):
            text = "  ".join(
                x.rjust(w) if k >= 6 else x.ljust(w)
                for k, (x, w) in enumerate(zip(line, widths, strict=True))
            )
            click.echo(text.rstrip())
    else:
        table = Table(title=f"stored waves ({history.store})")
        for col in cols:
            table.add_column(col, justify="right" if col.startswith("n_") else "left")
        for line in cells:
            table.add_row(*line)
        c.print(table)
    unknown = sorted({(r["org"], r["instrument"]) for r in rows if r["order"] == "unknown"})
    for o, i in unknown:
        c.print(
            f"note: the {i} waves of {o!r} have no single order (listed as added): give each "
            "its collection date with assess history add ... --date YYYY-MM-DD --replace",
            markup=False,
        )


@history_group.command("show")
@click.argument("org")
@click.argument("wave")
@click.option("--instrument", "-i", help="Instrument id, when the wave label is used by several.")
@store_option
@json_option
@handles_errors
def show_cmd(org: str, wave: str, instrument: str | None, store: str | None, as_json: bool) -> None:
    """One stored wave: what was kept, and its domain means.

    \b
    Example:
      assess history show "Example Agency" 2026
    """
    from .output import print_frame

    history = open_history(store)
    info = history.info(org, wave, instrument)
    history.log("view", org, info.wave, info.instrument)
    if info.perspectives:  # each perspective's means; one under 5 people is hidden
        p = history.load_perspectives(org, wave, info.instrument, parts=("scores",))
        prof = p.profile()
        means = prof[["perspective", "score", "n", "mean", "sd"]].copy()
        means.loc[prof["suppressed"].astype(bool), ["mean", "sd"]] = float("nan")
    else:
        scores = history.load(org, wave, info.instrument, parts=("scores",))
        cols = scores.reported_columns
        means = scores.respondents[cols].agg(["count", "mean", "std"]).T.reset_index(names="score")
        means = means.rename(columns={"count": "n", "std": "sd"}).astype({"n": int})
    if as_json:
        click.echo(
            json.dumps(
                {"ok": True, **asdict(info), "scores": means.to_dict(orient="records")},
                indent=2,
                default=str,
            )
        )
        return
    c = console()
    for k, v in asdict(info).items():
        c.print(f"{k}: {v}", markup=False, highlight=False)
    print_frame(c, means, "scores")


@history_group.command("remove")
@click.argument("org")
@click.argument("wave")
@click.option("--instrument", "-i", help="Instrument id, when the wave label is used by several.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@store_option
@handles_errors
def remove_cmd(org: str, wave: str, instrument: str | None, yes: bool, store: str | None) -> None:
    """Delete a stored wave (asks first; the removal is logged).

    \b
    Example:
      assess history remove "Example Agency" 2025
    """
    from ..errors import Problem
    from ..history import HistoryError

    history = open_history(store)
    info = history.info(org, wave, instrument)
    if not yes:
        prompt = (
            f"Delete {info.instrument} wave {info.wave!r} of {info.org!r} "
            f"({info.n_scored} respondents)?"
        )
        try:
            confirmed = click.confirm(prompt, default=False)
        except click.Abort:
            confirmed = False
        if not confirmed:
            raise HistoryError(
                Problem("not-confirmed", "nothing was deleted", hint="answer y, or pass --yes")
            )
    history.remove(org, wave, info.instrument)
    console().print(f"deleted {info.instrument} wave {info.wave!r} of {info.org!r}", markup=False)


@history_group.command("export")
@click.argument("org")
@output_file("Workbook to write (.xlsx).")
@click.option(
    "--min-group-size",
    default=5,
    show_default=True,
    type=click.IntRange(min=1),
    help="Groups smaller than this are written as 'suppressed', as in reports.",
)
@store_option
@handles_errors
def export_cmd(org: str, out: str, min_group_size: int, store: str | None) -> None:
    """Every stored wave of ORG in one workbook: waves, scores, excluded rows, events (small
    groups written as suppressed, as in reports).

    \b
    Example:
      assess history export "Example Agency" -o history.xlsx
    """
    from ..io.guard import check_output
    from .common import refuse_overwriting_inputs

    history = open_history(store)
    refuse_overwriting_inputs({}, [out], history.file and str(history.file))
    check_output(Path(out))
    min_group_size = policy_group_size(history, min_group_size)
    path = history.export(org, out, min_group_size=min_group_size)
    console().print(f"wrote {path}", markup=False)


@history_group.command("events")
@click.option("--org", help="Only this organization.")
@store_option
@json_option
@handles_errors
def events_cmd(org: str | None, store: str | None, as_json: bool) -> None:
    """The audit log: who added, replaced, removed, viewed, reported or exported which wave,
    and when, earliest first.

    \b
    Example:
      assess history events --org "Example Agency"
    """
    history = open_history(store)
    events = history.events(org)
    if as_json:
        rows = events.astype(object).where(events.notna(), None).to_dict(orient="records")
        click.echo(json.dumps({"ok": True, "store": history.store, "events": rows}, indent=2))
        return
    from .output import print_frame

    c = console()
    if events.empty:
        c.print("No events" + (f" for {org!r}" if org else "") + f" in {history.store}.",
                markup=False)  # fmt: skip
        return
    print_frame(c, events.fillna(""), f"events ({history.store})")


def policy_group_size(history: Any, min_group_size: int) -> int:
    """``--min-group-size`` under the store's network policy (``assess network-policy``): left
    at its default, the policy's minimum when that is larger; given below it, an error."""
    from click.core import ParameterSource

    from ..network import policy_minimums, smallest_group

    ctx = click.get_current_context(silent=True)
    given = ctx is not None and ctx.get_parameter_source("min_group_size") not in (
        ParameterSource.DEFAULT,
        ParameterSource.DEFAULT_MAP,
        None,
    )
    if given:
        return policy_minimums(history, min_group_size, None, "--min-group-size")[0]
    return smallest_group(history, min_group_size)


def network_options(func: Any) -> Any:
    """The options every network command shares: which instrument and waves, and the network's
    minimums (an agency below --min-respondents is in no figure and not shown)."""
    options = [
        click.option("--instrument", "-i", required=True, help="Instrument id, e.g. oric."),
        click.option("--wave", help="Use each agency's wave with this label."),
        click.option(
            "--period", help="Use each agency's latest wave collected in this year, e.g. 2026."
        ),
        click.option(
            "--min-respondents",
            type=click.IntRange(1),
            help="An agency enters a score's figures (and is shown) only with this many "
            "respondents on it. Default: the network's policy (assess network-policy; 5 when "
            "none is set); less than the policy is refused.",
        ),
        click.option(
            "--min-agencies",
            type=click.IntRange(2),
            help="A score's network figures need this many agencies; fewer: suppressed. "
            "Default: the network's policy (5 when none is set).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _one_of(wave: str | None, period: str | None) -> None:
    from ..errors import Problem
    from ..network import NetworkError

    if wave and period:
        raise NetworkError(
            Problem("bad-option", "give --wave or --period, not both", hint="choose one")
        )


@click.command("benchmarks")
@click.option(
    "--from-history",
    "from_history",
    is_flag=True,
    required=True,
    help="Compute the network's benchmarks from the agencies' waves in the history store.",
)
@network_options
@output_file("The benchmark file to write (.csv or .xlsx), as --benchmarks reads it.")
@store_option
@json_option
@handles_errors
def benchmarks_cmd(
    from_history: bool,
    instrument: str,
    wave: str | None,
    period: str | None,
    min_respondents: int | None,
    min_agencies: int | None,
    out: str,
    store: str | None,
    as_json: bool,
) -> None:
    """Network benchmarks: per score, the distribution of agency means across the agencies
    in the history store (mean with its 95% interval, SD, quartiles, number of agencies).

    \b
    Example:
      assess benchmarks --from-history -i oric --period 2026 -o network-2026.csv
      assess report answers.csv -i oric --benchmarks network-2026.csv -o report
    """
    from ..io.guard import check_output
    from ..network import network_benchmarks

    _one_of(wave, period)

    history = open_history(store)
    check_output(out, [history.file] if history.file else [])
    bench = network_benchmarks(
        history,
        instrument,
        wave=wave,
        period=period,
        min_respondents=min_respondents,
        min_agencies=min_agencies,
    )
    bench.to_csv(out)
    if as_json:
        payload = {
            "ok": True,
            "instrument": instrument,
            "agencies": len(bench.waves),
            "benchmarks": bench.table.to_dict(orient="records"),
            "notes": bench.notes,
            "written": [out],
        }
        click.echo(json.dumps(payload, indent=2, default=str))
        return
    from .output import print_frame

    c = console()
    shown = bench.table[["target", "n", "mean", "ci_lower", "ci_upper", "q1", "median", "q3",
                         "suppressed"]]  # fmt: skip
    print_frame(c, shown, f"network benchmarks: {instrument}, {len(bench.waves)} agencies")
    for n in bench.notes:
        c.print("[yellow]note:[/yellow] " + n, highlight=False)
    c.print(f"wrote {out}", markup=False)


@click.command("network-report")
@network_options
@click.option(
    "--coded",
    is_flag=True,
    help="Show agencies as Agency 01, 02, ... in an order their names do not give away; the key "
    "is written beside the report, for the administrator only.",
)
@click.option("--network", "network_name", default="", help="The network's name, for the cover.")
@format_option
@click.option(
    "--output",
    "-o",
    "out",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for the report set.",
)
@store_option
@handles_errors
def network_report_cmd(
    instrument: str,
    wave: str | None,
    period: str | None,
    coded: bool,
    network_name: str,
    min_respondents: int | None,
    min_agencies: int | None,
    formats: str,
    out: str,
    store: str | None,
) -> None:
    """The network report for its administrator and analysts: every agency's mean in each
    area (a heatmap, agencies named or --coded), the agencies that changed reliably since their
    last wave, where the network is weakest, and the network's benchmarks.

    \b
    Example:
      assess network-report -i oric --period 2026 --coded -o network-report
    """
    from ..render.files import write_report_set
    from ..render.network import build_network_report

    chosen = report_formats(formats)
    _one_of(wave, period)
    history = open_history(store)
    codes = None
    if coded:
        from ..network import chosen_waves
        from ..render.network import agency_codes

        codes = agency_codes(sorted(chosen_waves(history, instrument, wave, period)))
    report = build_network_report(
        history,
        instrument,
        wave=wave,
        period=period,
        codes=codes,
        min_respondents=min_respondents,
        min_agencies=min_agencies,
        network=network_name,
    )
    written = write_report_set(report, Path(out), f"{instrument}-network-report", chosen)
    if codes is not None:  # the administrator's key to the codes: never in the report itself
        import os

        import pandas as pd

        from ..io.tables import write_table

        key = Path(out) / f"{instrument}-network-report-agency-key.csv"
        table = pd.DataFrame(sorted(((c, o) for o, c in codes.items())), columns=["code", "agency"])
        write_table(table, key)
        os.chmod(key, 0o600)
        written.append(key)
    c = console()
    for path in written:
        c.print(f"wrote {path}", markup=False)


@click.command("network-policy")
@click.option(
    "--min-respondents",
    type=click.IntRange(1),
    help="The smallest count any network figure shows: an agency (or, in reports built on the "
    "web page, a group) with fewer respondents is suppressed. 11 gives the federal 'no counts "
    "of 1-10' rule.",
)
@click.option(
    "--min-agencies",
    type=click.IntRange(2),
    help="How many agencies a network figure needs.",
)
@store_option
@json_option
@handles_errors
def network_policy_cmd(
    min_respondents: int | None, min_agencies: int | None, store: str | None, as_json: bool
) -> None:
    """Show or set the network's suppression rule, kept in the history store: every network
    command and the web page of everyone on the store follow it; a command may ask for more,
    never less. Setting it is logged in the audit log.

    \b
    Example:
      assess network-policy --min-respondents 11 --min-agencies 5
      assess network-policy
    """
    from ..network import network_policy, set_network_policy

    history = open_history(store)
    if min_respondents is not None or min_agencies is not None:
        policy = set_network_policy(
            history, min_respondents=min_respondents, min_agencies=min_agencies
        )
    else:
        policy = network_policy(history)
    if as_json:
        click.echo(json.dumps({"ok": True, **policy.__dict__}, indent=2))
        return
    console().print("network policy: " + policy.describe(), markup=False, highlight=False)


def register(cli: click.Group) -> None:
    """Add ``assess history``, ``assess benchmarks``, ``assess network-report`` and
    ``assess network-policy``."""
    cli.add_command(history_group)
    cli.add_command(benchmarks_cmd)
    cli.add_command(network_report_cmd)
    cli.add_command(network_policy_cmd)

"""``assess report``: the PDF, HTML and Excel report set from an export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .common import (
    console,
    format_option,
    handles_errors,
    json_option,
    load_responses,
    optional_input_options,
    pop_inputs,
    practices_option,
    progress_bar,
    refuse_overwriting_inputs,
    report_formats,
    user_practices,
)
from .perspectives import perspective_options, wants_perspectives


@click.command("report")
@optional_input_options
@perspective_options
@click.option(
    "--by",
    "by",
    multiple=True,
    help="Groups to compare (e.g. role); a second --by names the groups that ratings "
    "are aggregated to (e.g. site).",
)
@click.option(
    "--wave-file",
    "wave_files",
    multiple=True,
    metavar="FILE[:LABEL]",
    help="An earlier wave's export (read the same way), oldest first; repeat for more waves. "
    "LABEL names the wave in the trend (default: the file's name).",
)
@click.option(
    "--wave-column",
    metavar="COLUMN",
    help="A column of INPUT naming each respondent's wave: the last value in sorted order is "
    "reported, the others are its trend.",
)
@click.option(
    "--label",
    "wave_name",
    default="",
    help="This wave's name in the trend (default: --period, else 'this wave').",
)
@click.option(
    "--paired-on",
    metavar="COLUMN",
    help="A column naming each person the same way in every wave (e.g. respondent_id): "
    "change is tested within the people found in both waves (paired t) instead of between "
    "independent samples. Only for real person ids, not a survey's own response numbers.",
)
@click.option(
    "--benchmarks",
    "benchmarks_file",
    type=click.Path(dir_okay=False),
    help="CSV of benchmarks (target, mean[, sd, n, source, sample]) to show beside the scores, "
    "as assess norms takes it.",
)
@click.option(
    "--sections",
    metavar="NAMES",
    help="Comma-separated sections to build, in report order (default: all): "
    "summary, domains, groups, sites, agreement, items, trends, plan, quality, structure, methods.",
)
@format_option
@click.option(
    "--output",
    "-o",
    "out",
    default="report",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the report files.",
)
@click.option("--organization", default="", help="Shown on the cover.")
@click.option("--period", default="", help="Collection period, shown on the cover.")
@click.option(
    "--min-group-size",
    default=5,
    show_default=True,
    help="Smaller groups are suppressed in every table, chart and sheet.",
)
@click.option(
    "--n-boot",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Agreement's ICC intervals by cluster bootstrap with this many resamples (0: the "
    "F-based interval).",
)
@click.option(
    "--include-respondents",
    is_flag=True,
    help="Put one row per respondent in the Excel report (confidential: do not share it).",
)
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False),
    help="An earlier action plan (assess actions) whose progress to show.",
)
@click.option(
    "--structure",
    is_flag=True,
    help="Add a section on whether the key's domains hold as factors (CFA, parallel analysis).",
)
@click.option(
    "--history",
    "history_org",
    metavar="ORG",
    help="Report a wave kept with `assess history add` (instead of INPUT), with every earlier "
    "wave of ORG in its trends.",
)
@click.option("--wave", "wave_label", help="With --history: the wave to report (default: latest).")
@click.option(
    "--store",
    envvar="ASSESS_STORE",
    help="With --history: the history store (default: ASSESS_STORE, else your data folder).",
)
@click.option(
    "--invited",
    "invited_file",
    type=click.Path(dir_okay=False),
    help="A CSV of how many people were invited (columns group, invited; a row 'all' for the "
    "whole organization): the report gives the response rate.",
)
@practices_option
@json_option
@handles_errors
def report_cmd(
    by: tuple[str, ...],
    wave_files: tuple[str, ...],
    wave_column: str | None,
    wave_name: str,
    paired_on: str | None,
    sections: str | None,
    benchmarks_file: str | None,
    formats: str,
    out: str,
    organization: str,
    period: str,
    min_group_size: int,
    n_boot: int,
    plan_file: str | None,
    include_respondents: bool,
    structure: bool,
    history_org: str | None,
    wave_label: str | None,
    store: str | None,
    inputs: tuple[str, ...],
    version_column: str | None,
    practices_files: tuple[str, ...],
    invited_file: str | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Write the report set: a PDF for the board, a self-contained HTML page, an Excel workbook.

    \b
    Example:
      assess report answers.xlsx -i orca --by role --by site -o report
      assess report --history "Example Agency" --by role -o report
      assess report --input staff.csv:provider --input people.csv:person -i rsa --key k.xlsx
    """
    import json

    from rich.markup import escape

    from ..errors import Problem, ResponseError
    from ..scoring import Scores, score

    chosen = report_formats(formats)
    if len(by) > 2:
        raise ResponseError(
            Problem("bad-option", "--by can be given at most twice", hint="--by role --by site")
        )
    from ..instruments import load_instrument

    if invited_file and (wants_perspectives(inputs, version_column) or history_org):
        raise ResponseError(
            Problem(
                "bad-option",
                "--invited is for a report on one export; the perspective report and "
                "--history do not take it yet",
                hint="leave out --invited",
            )
        )
    if wants_perspectives(inputs, version_column):
        from ..render.perspectives import write_perspective_report
        from .perspectives import load_perspectives

        iid = load_instrument(options["instrument"]).id if options.get("instrument") else "x"
        refuse_overwriting_inputs(
            options,
            [Path(out) / f"{iid}-perspectives-report.{ext}" for ext in chosen],
            *[i.rpartition(":")[0] for i in inputs],
            *practices_files,
        )
        persp = load_perspectives(options, inputs, version_column, min_group_size)
        written = write_perspective_report(
            persp,
            Path(out),
            formats=chosen,
            organization=organization,
            period=period,
            practices=user_practices(practices_files, next(iter(persp.scores.values())).instrument),
            structure=structure,
        )
        if as_json:
            click.echo(
                json.dumps(
                    {"ok": True, "written": [str(x) for x in written], "hidden": persp.hidden},
                    indent=2,
                )
            )
            return
        c = console()
        for x in written:
            c.print(f"wrote {x}", markup=False)
        return
    if history_org is not None:
        if options.get("input_file"):
            raise ResponseError(
                Problem(
                    "bad-option",
                    "give INPUT or --history, not both",
                    hint="--history reports a wave kept in the history store",
                )
            )
        if wave_files or wave_column:
            raise ResponseError(
                Problem(
                    "bad-option",
                    "--wave-file and --wave-column cannot be used with --history",
                    hint="the history's earlier waves are used",
                )
            )
    elif not options.get("input_file") or not options.get("instrument"):
        raise ResponseError(
            Problem(
                "missing-option",
                "give INPUT and -i ID (or --history ORG)",
                hint="assess report answers.csv -i oric -o report",
            )
        )
    history_waves = None
    if history_org is not None:
        from .history import open_history, policy_group_size

        history = open_history(store)
        min_group_size = policy_group_size(history, min_group_size)  # the network's policy
        table = history.waves(history_org)
        if options.get("instrument"):
            table = table[table["instrument"] == load_instrument(options["instrument"]).id]
        if table.empty:
            raise ResponseError(
                Problem(
                    "unknown-org",
                    f"no waves stored for {history_org!r}"
                    + (f" and {options['instrument']}" if options.get("instrument") else ""),
                    hint="see assess history list",
                )
            )
        instruments = sorted(set(table["instrument"]))
        if len(instruments) > 1:
            raise ResponseError(
                Problem(
                    "ambiguous-wave",
                    f"{history_org!r} has waves of " + ", ".join(instruments),
                    hint="name the instrument with -i",
                )
            )
        stem = f"{instruments[0]}-report"
    else:
        stem = f"{load_instrument(options['instrument']).id}-report"
    if wave_files and wave_column:
        raise ResponseError(
            Problem(
                "bad-option",
                "give --wave-file or --wave-column, not both",
                hint="--wave-column splits INPUT into waves; --wave-file adds other files",
            )
        )
    waves_given = [_wave_spec(w) for w in wave_files]
    chosen_sections = (
        [x.strip().lower() for x in sections.split(",") if x.strip()] if sections else None
    )
    if chosen_sections is not None:
        from ..render.sections import check_sections

        check_sections(chosen_sections)
    refuse_overwriting_inputs(
        options,
        [Path(out) / f"{stem}.{ext}" for ext in chosen],
        *[f for f, _ in waves_given],
        plan_file,
        benchmarks_file,
        str(history.file) if history_org is not None and history.file else None,
        *practices_files,
        invited_file,
    )
    o = pop_inputs(options)
    if set(chosen) & {"pdf", "html"}:
        from ..charts import drawing

        drawing.start()  # the chart workers import matplotlib while the exports are read
    with progress_bar(as_json) as progress:
        invited = None
        if invited_file:
            from ..stats.invitations import read_invited

            invited = read_invited(invited_file)  # read first: a bad file stops before scoring
        plan = None
        if plan_file:
            from ..practices import read_action_plan

            plan = read_action_plan(plan_file)
        previous = None
        if history_org is not None:
            task = progress.add_task("reading the history", total=None)
            labels = list(table["wave"])
            label = wave_label or labels[-1]
            if label not in labels:
                raise ResponseError(
                    Problem(
                        "unknown-wave",
                        f"no wave {label!r} stored for {history_org!r}",
                        expected="one of " + ", ".join(labels),
                    )
                )
            if paired_on is not None:
                without = [
                    str(w)
                    for w, kept in zip(table["wave"], table["keep_ids"], strict=True)
                    if not kept and w in labels[: labels.index(label) + 1]
                ]
                if without:
                    raise ResponseError(
                        Problem(
                            "ids-not-kept",
                            f"wave(s) {', '.join(without)} of {history_org!r} were stored "
                            "without respondent ids, so people cannot be matched across waves",
                            hint="store the waves with `assess history add --keep-ids`, or "
                            "leave out --paired-on to compare the waves as independent samples",
                        )
                    )
            info = history.info(history_org, label, instruments[0])
            history.log("report", history_org, label, instruments[0])
            if info.perspectives:  # the perspective report, each perspective with its trend
                progress.stop()
                _perspectives_from_history(
                    history,
                    info,
                    out,
                    chosen,
                    organization,
                    period,
                    min_group_size,
                    as_json,
                    practices_files,
                )
                return
            scores = history.load(history_org, label, instruments[0])
            # the cover names the organization and the wave it reports, unless told otherwise
            organization = organization or history_org
            period = period or label
            # only the waves of this version: never a change between two perspectives
            history_waves = history.series(
                history_org, instruments[0], until=label, version=info.version
            )
            earlier = list(history_waves)[:-1]
            if earlier:
                previous = history.load(
                    history_org,
                    earlier[-1],
                    instruments[0],
                    perspective=info.version
                    if history.info(history_org, earlier[-1], instruments[0]).perspectives
                    else None,
                )
        else:
            task = progress.add_task("reading and scoring", total=None)
            this_label = wave_name or period or "this wave"

            # the earlier waves first, each kept as its scores alone (what change and trends
            # use), so that one export at a time is in memory with its answers; matched
            # people's reliable change needs the earlier wave's reliability: answers kept
            def light(s: Scores) -> Scores:
                return s if paired_on is not None else s.without_answers(counts=False)

            earlier_waves = {}
            for file, label in waves_given:
                if label in earlier_waves or label == this_label:
                    raise ResponseError(
                        Problem(
                            "duplicate-wave",
                            f"two waves are named {label!r}",
                            value=file,
                            hint="name each wave: --wave-file FILE:LABEL (and --label for this "
                            "one)",
                        )
                    )
                progress.update(task, description=f"reading the earlier wave {escape(label)}")
                earlier_waves[label] = light(
                    score(
                        load_responses({**o, "input_file": file}),
                        on_invalid=o["on_invalid"],
                        id_column=o["id_column"],
                        consume=True,
                    )
                )
            progress.update(task, description="reading and scoring")
            responses = load_responses(o)
            if wave_column:  # each wave scored on its own rows
                parts = responses.split_waves(wave_column)
                del responses
                history_waves = {}
                *before, last = parts
                for label in before:
                    history_waves[label] = light(
                        score(
                            parts.pop(label),
                            on_invalid=o["on_invalid"],
                            id_column=o["id_column"],
                            consume=True,
                        )
                    )
                history_waves[last] = score(
                    parts.pop(last),
                    on_invalid=o["on_invalid"],
                    id_column=o["id_column"],
                    consume=True,
                )
                *_, previous, scores = history_waves.values()
            else:
                # consume: the answer columns are freed once coded, before the scores are
                # computed (the export is read only to be scored here)
                scores = score(
                    responses, on_invalid=o["on_invalid"], id_column=o["id_column"], consume=True
                )
                del responses
            if earlier_waves:
                previous = list(earlier_waves.values())[-1]
                history_waves = {**earlier_waves, this_label: scores}
        # imported once the exports are scored: the renderers' libraries (matplotlib, Typst,
        # scipy.optimize) are not in memory beside an export being read
        from ..render import write_report

        written = write_report(
            scores,
            Path(out),
            by=by[0] if by else None,
            aggregate_by=by[1] if len(by) > 1 else None,
            previous=previous,
            formats=chosen,
            organization=organization,
            period=period,
            min_group_size=min_group_size,
            n_boot=n_boot,
            plan=plan,
            include_respondents=include_respondents,
            structure=structure,
            history=history_waves,
            sections=chosen_sections,
            benchmarks=benchmarks_file,
            paired_on=paired_on,
            practices=user_practices(practices_files, scores.instrument),
            invited=invited,
            progress=lambda step: progress.update(task, description=step),
        )
    if as_json:
        click.echo(
            json.dumps(
                {"ok": True, "written": [str(p) for p in written], "notes": list(scores.notes)},
                indent=2,
            )
        )
        return
    c = console()
    for note in scores.notes:
        c.print("[yellow]note:[/yellow] " + note)
    for p in written:
        c.print(f"wrote {p}", markup=False)


def _perspectives_from_history(
    history: Any,
    info: Any,
    out: str,
    formats: list[str],
    organization: str,
    period: str,
    min_group_size: int,
    as_json: bool,
    practices_files: tuple[str, ...] = (),
) -> None:
    """``report --history ORG`` on a wave kept from several perspectives: the perspective
    report, with each perspective's waves (and only its own) in its trend."""
    import json

    from ..render.perspectives import write_perspective_report

    stem = f"{info.instrument}-perspectives-report"
    refuse_overwriting_inputs(
        {}, [Path(out) / f"{stem}.{ext}" for ext in formats], history.file and str(history.file)
    )
    p = history.load_perspectives(
        info.org, info.wave, info.instrument, min_group_size=min_group_size
    )
    trends = {
        v: history.series(info.org, info.instrument, until=info.wave, version=v)
        for v in info.perspectives
    }
    written = write_perspective_report(
        p,
        Path(out),
        formats=formats,
        organization=organization or info.org,
        period=period or info.wave,
        trends=trends,
        practices=user_practices(practices_files, next(iter(p.scores.values())).instrument),
    )
    if as_json:
        click.echo(
            json.dumps({"ok": True, "written": [str(x) for x in written], "hidden": p.hidden})
        )
        return
    c = console()
    for x in written:
        c.print(f"wrote {x}", markup=False)


def _wave_spec(spec: str) -> tuple[str, str]:
    """``FILE`` or ``FILE:LABEL`` (a path that exists as given is a file, colons and all)."""
    if Path(spec).exists() or ":" not in spec:
        return spec, Path(spec).stem
    file, _, label = spec.rpartition(":")
    if not file or (len(file) == 1 and file.isalpha()):  # "C:" is a drive, not a file
        return spec, Path(spec).stem
    return file, label.strip() or Path(file).stem


def register(cli: click.Group) -> None:
    """Add ``assess report`` to the group."""
    cli.add_command(report_cmd)

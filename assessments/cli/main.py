"""The ``assess`` command line: a thin layer over the library.

Every command's work is one library call; results print as a rich table or, with ``--json``, as
JSON. Invalid input exits with status 1 and a message that names file, row, column and value and
says what to try, never a traceback.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import click

from .. import __version__
from . import output
from .common import (
    console,
    handles_errors,
    json_option,
    load_scores,
    optional_input_options,
    output_file,
    refuse_overwriting_inputs,
    scores_outputs,
)
from .perspectives import load_perspectives, perspective_options, wants_perspectives


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="assess")
def cli() -> None:
    """Score and check recovery-orientation and readiness-to-change assessments.

    \b
    Example:
      assess demo -o demo-output
      assess score answers.csv -i oric -o scores.csv
    """


@cli.command("instruments")
@json_option
@handles_errors
def instruments_cmd(as_json: bool) -> None:
    """List the shipped instruments, their versions, items, domains and key status.

    \b
    Example:
      assess instruments --json
    """
    from ..instruments import list_instruments

    rows = [i.summary() for i in list_instruments()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        output.print_instruments(console(), rows)


@cli.command("show")
@click.argument("instrument")
@click.option("--version", "-v", "version", help="Respondent version, e.g. provider.")
@click.option("--key", type=click.Path(dir_okay=False), help="Scoring-key file (RSA, RSA-R).")
@json_option
@handles_errors
def show_cmd(instrument: str, version: str | None, key: str | None, as_json: bool) -> None:
    """Show one instrument's items, domains, scales, total and scoring rules.

    INSTRUMENT is a shipped id (oric, orca, rsa, rsa-r) or a path to a YAML file.

    \b
    Example:
      assess show orca
      assess show rsa --version provider
    """
    from ..instruments import load_instrument

    inst = load_instrument(instrument, version, key=key)
    if as_json:
        click.echo(json.dumps(output.instrument_json(inst), indent=2))
    else:
        output.print_instrument(console(), inst)


@cli.command("score")
@optional_input_options
@perspective_options
@output_file("Where to write the scores: .csv, .tsv or .xlsx.")
@json_option
@handles_errors
def score_cmd(
    out: str,
    as_json: bool,
    inputs: tuple[str, ...],
    version_column: str | None,
    **options: Any,
) -> None:
    """Score a table of answers and write one row of scores per respondent.

    Columns named like item ids (case-insensitive) are items; other columns pass through.
    Rows that cannot be scored go to OUT.excluded.csv (or an 'excluded' sheet).

    \b
    Example:
      assess score answers.xlsx -i orca -o scores.xlsx
      assess score answers.csv -i rsa --version provider --key my-key.yaml -o scores.csv
      assess score --input staff.csv:provider --input people.csv:person -i rsa -o scores.csv
    """
    from ..io import write_scores

    if wants_perspectives(inputs, version_column):
        from ..io.tables import write_table

        items_out = Path(out).with_suffix(f".items{Path(out).suffix}")
        refuse_overwriting_inputs(
            options, [out, items_out], *[i.rpartition(":")[0] for i in inputs]
        )
        from ..io.results import write_tables

        p = load_perspectives(options, inputs, version_column)
        tables = p.tables(workbook=Path(out).suffix.lower() == ".xlsx")
        refuse_overwriting_inputs(
            options,
            [Path(out).with_suffix(f".{n}{Path(out).suffix}") for n in tables],
            *[i.rpartition(":")[0] for i in inputs],
        )
        written = write_tables(tables, Path(out))
        items_path = write_table(
            p.items_long(include_hidden=True), Path(out).with_suffix(f".items{Path(out).suffix}")
        )
        result: dict[str, Any] = {
            "perspectives": {v: s.n_scored for v, s in p.scores.items()},
            "excluded": {v: s.n_excluded for v, s in p.scores.items()},
            "written": [*map(str, written), str(items_path)],
        }
        if as_json:
            click.echo(json.dumps({"ok": True, **result}, indent=2, default=str))
        else:
            c = console()
            for v, s in p.scores.items():
                c.print(f"{v}: {s.n_scored} scored, {s.n_excluded} excluded", markup=False)
            for x in written:
                c.print(f"wrote {x}", markup=False)
            c.print(f"wrote {items_path} (every answer, by item and shared practice)", markup=False)
        return
    if not options.get("input_file") or not options.get("instrument"):
        from ..errors import Problem, ResponseError

        raise ResponseError(
            Problem(
                "missing-option",
                "give INPUT and -i ID",
                hint="assess score answers.csv -i oric -o scores.csv",
            )
        )

    scores, notices = load_scores(options, scores_outputs(out))
    written = write_scores(scores, Path(out))
    summary = {**scores.summary(), "notices": notices, "written": [str(p) for p in written]}
    if as_json:
        click.echo(json.dumps({"ok": True, **summary}, indent=2, default=str))
    else:
        output.print_score_summary(console(), summary)


@cli.command("demo")
@click.option(
    "--output",
    "-o",
    "out",
    default="assess-demo",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the example data and results.",
)
@click.option(
    "--n",
    "n",
    default=240,
    show_default=True,
    help="Respondents per instrument (ORCA: 2.5 times as many, so its 19 domains can be checked).",
)
@click.option("--seed", default=2026, show_default=True, help="Random seed.")
@click.option(
    "--instrument",
    "-i",
    "instrument",
    help="Only this shipped instrument (e.g. rki): example answers per version, scored and "
    "reported when it needs no key of yours.",
)
@json_option
@handles_errors
def demo_cmd(out: str, n: int, seed: int, instrument: str | None, as_json: bool) -> None:
    """Generate realistic example answers for ORIC and ORCA, score them, write the results.

    \b
    Example:
      assess demo -o demo-output
      assess demo --instrument rki -o rki-demo
    """
    from ..demo import run_demo
    from .common import progress_bar

    if instrument is not None:
        _one_instrument_demo(Path(out), instrument, n, seed, as_json)
        return

    with progress_bar(as_json) as bar:  # about 15 s of work otherwise looks like a hang
        task = bar.add_task("starting", total=None)
        results = run_demo(
            Path(out), n=n, seed=seed, progress=lambda s: bar.update(task, description=s)
        )
    if as_json:
        click.echo(json.dumps(results, indent=2, default=str))
    else:
        c = console()
        for summary in results:
            if "perspectives" in summary:  # the RSA, from four perspectives
                counts = ", ".join(f"{v} {n}" for v, n in summary["perspectives"].items())
                c.print(
                    f"RSA from four perspectives ({counts}), scored with a demonstration "
                    "key (not the RSA's scoring key)",
                    markup=False,
                )
                for p in summary["written"]:
                    c.print(f"wrote {p}", markup=False)
                continue
            output.print_score_summary(c, summary)
        c.print(f"\nExample data and scores are in [bold]{out}[/bold].")
        folder = shlex.quote(out)
        c.print("\nNext, try:", markup=False)
        for line in (
            f"  {folder}/oric-report.pdf: the board's report (open it)",
            f"  assess validate {folder}/oric_answers.csv -i oric  (check an export)",
            f"  assess report {folder}/orca_answers.xlsx -i orca --by role --by site "
            f"--on-invalid missing -o {folder}/my-report",
        ):
            c.print(line, markup=False, soft_wrap=True)  # a command is never broken in two


def _one_instrument_demo(out: Path, instrument: str, n: int, seed: int, as_json: bool) -> None:
    """``assess demo --instrument ID``: one instrument's example answers (and its scores and
    report when it needs no key of the user's)."""
    from ..demo import run_instrument_demo
    from .common import progress_bar

    with progress_bar(as_json) as bar:
        task = bar.add_task("starting", total=None)
        summary = run_instrument_demo(
            out, instrument, n=n, seed=seed, progress=lambda s: bar.update(task, description=s)
        )
    if as_json:
        click.echo(json.dumps({"ok": True, **summary}, indent=2, default=str))
        return
    c = console()
    for scored in summary["scored"]:
        output.print_score_summary(c, scored)
    for p in summary["written"]:
        c.print(f"wrote {p}", markup=False)
    first = shlex.quote(summary["written"][0])
    iid = summary["instrument"]
    c.print("\nNext, try:", markup=False)
    if summary["needs_key"]:
        c.print(
            f"  {iid} is scored with a key you write from its scoring instructions (docs/keys.md):",
            markup=False,
        )
        c.print(f"  assess show {iid}  (what the key must give)", markup=False, soft_wrap=True)
        version = f" --version {summary['versions'][0]}" if len(summary["versions"]) > 1 else ""
        c.print(f"  assess score {first} -i {iid}{version} --key my-{iid}-key.yaml "
                "--on-invalid missing -o scores.csv", markup=False, soft_wrap=True)  # fmt: skip
    else:
        c.print(f"  assess validate {first} -i {iid}  (check an export)", markup=False,
                soft_wrap=True)  # fmt: skip


def return_freed_memory() -> None:
    """Have glibc's malloc hand freed blocks of 128 KB and more back to the system.

    glibc raises the size from which it maps blocks of their own to that of the largest block
    freed (up to 32 MB), so once a big array has been freed, column-sized arrays come from the
    heap, which keeps what is freed: reading and scoring two 200,000-row exports held about
    85 MB it no longer used. Setting the threshold keeps it at 128 KB. Nothing is done
    outside Linux or where the C library has no ``mallopt``.
    """
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_mmap_threshold = -3  # from glibc's malloc.h
    mallopt(ctypes.c_int(m_mmap_threshold), ctypes.c_int(128 * 1024))


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``assess`` console script."""
    return_freed_memory()
    cli.main(args=argv, prog_name="assess")


from . import accounts, actions, analysis, history, importing, keys, reporting, serve, structure  # noqa: E402  (they register their commands on ``cli``)

analysis.register(cli)
importing.register(cli)
reporting.register(cli)
actions.register(cli)
structure.register(cli)
history.register(cli)
serve.register(cli)
keys.register(cli)
accounts.register(cli)

"""The ``assess`` command line: a thin layer over the library.

Every command's work is one library call; results print as a rich table or, with ``--json``, as
JSON. Invalid input exits with status 1 and a message that names file, row, column and value and
says what to try, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from .. import __version__
from ..errors import AssessmentError
from ..instruments import list_instruments, load_instrument
from . import output

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INVALID = 1
EXIT_INTERNAL = 3


def _console(err: bool = False) -> Console:
    return Console(
        stderr=err, highlight=False, soft_wrap=False, width=120 if not sys.stdout.isatty() else None
    )


def handles_errors(func: F) -> F:
    """Turn :class:`AssessmentError` into a readable message (or JSON) and exit status 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AssessmentError as exc:
            if kwargs.get("as_json"):
                click.echo(
                    json.dumps(
                        {
                            "ok": False,
                            "error": exc.summary or str(exc.problems[0]),
                            "problems": [p.to_dict() for p in exc.problems],
                        },
                        indent=2,
                        default=str,
                    )
                )
            else:
                output.print_error(_console(err=True), exc)
            sys.exit(EXIT_INVALID)
        except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException):
            raise
        except Exception as exc:  # a bug, not bad input: short message unless debugging
            if os.environ.get("ASSESS_DEBUG"):
                raise
            click.echo(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in recovery-assessments, not in your file. Run again with "
                "ASSESS_DEBUG=1 to see the traceback, and report it with that output.",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")


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
    rows = [i.summary() for i in list_instruments()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        output.print_instruments(_console(), rows)


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
    inst = load_instrument(instrument, version, key=key)
    if as_json:
        click.echo(json.dumps(output.instrument_json(inst), indent=2))
    else:
        output.print_instrument(_console(), inst)


@cli.command("score")
@click.argument("input_file", metavar="INPUT", type=click.Path(dir_okay=False))
@click.option("--instrument", "-i", required=True, help="Shipped id or path to a YAML definition.")
@click.option("--version", "-v", "version", help="Respondent version, e.g. provider.")
@click.option("--key", type=click.Path(dir_okay=False), help="Scoring-key file (RSA, RSA-R).")
@click.option(
    "--output",
    "-o",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where to write the scores: .csv, .tsv or .xlsx.",
)
@click.option(
    "--on-invalid",
    type=click.Choice(["error", "missing"]),
    default="error",
    show_default=True,
    help="Fail on answers outside the scale, or score them as missing.",
)
@click.option(
    "--drop-suggested",
    is_flag=True,
    help="Leave out the items the developers suggest dropping (ORCA).",
)
@click.option("--id-column", help="Column holding respondent ids (default: detected).")
@click.option(
    "--allow-missing-items", is_flag=True, help="Score even if some items have no column."
)
@click.option("--sheet", help="Excel sheet to read (default: the first).")
@click.option("--encoding", help="Text encoding of a CSV file (default: detected).")
@json_option
@handles_errors
def score_cmd(
    input_file: str,
    instrument: str,
    version: str | None,
    key: str | None,
    out: str,
    on_invalid: str,
    drop_suggested: bool,
    id_column: str | None,
    allow_missing_items: bool,
    sheet: str | None,
    encoding: str | None,
    as_json: bool,
) -> None:
    """Score a table of answers and write one row of scores per respondent.

    Columns named like item ids (case-insensitive) are items; other columns pass through.
    Rows that cannot be scored go to OUT.excluded.csv (or an 'excluded' sheet).

    \b
    Example:
      assess score answers.xlsx -i orca -o scores.xlsx
      assess score answers.csv -i rsa --version provider --key my-key.yaml -o scores.csv
    """
    from ..io import read_table, write_scores
    from ..scoring import score

    table = read_table(input_file, sheet=sheet, encoding=encoding)
    scores = score(
        table.data,
        instrument,
        version=version,
        key=key,
        drop_suggested=drop_suggested,
        on_invalid=on_invalid,  # type: ignore[arg-type]
        id_column=id_column,
        allow_missing_items=allow_missing_items,
        rows=table.rows,
        file=table.file,
    )
    written = write_scores(scores, Path(out))
    summary = {**scores.summary(), "notices": table.notices, "written": [str(p) for p in written]}
    if as_json:
        click.echo(json.dumps({"ok": True, **summary}, indent=2, default=str))
    else:
        output.print_score_summary(_console(), summary)


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
@click.option("--n", "n", default=240, show_default=True, help="Respondents per instrument.")
@click.option("--seed", default=2026, show_default=True, help="Random seed.")
@json_option
@handles_errors
def demo_cmd(out: str, n: int, seed: int, as_json: bool) -> None:
    """Generate realistic example answers for ORIC and ORCA, score them, write the results.

    \b
    Example:
      assess demo -o demo-output
    """
    from ..demo import run_demo

    results = run_demo(Path(out), n=n, seed=seed)
    if as_json:
        click.echo(json.dumps(results, indent=2, default=str))
    else:
        console = _console()
        for summary in results:
            output.print_score_summary(console, summary)
        console.print(f"\nExample data and scores are in [bold]{out}[/bold].")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``assess`` console script."""
    cli.main(args=argv, prog_name="assess")

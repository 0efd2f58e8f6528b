"""Pieces every ``assess`` command shares: error handling, JSON output, input options."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console

from ..errors import AssessmentError
from ..platforms import SOURCES
from . import output

if TYPE_CHECKING:
    from ..io.responses import Responses
    from ..scoring import Scores

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INVALID = 1
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with every control character but tab and newline shown as an escape (``\\x1b``):
    a value from a file (an organization name, a group) can never move the cursor, recolour,
    retitle or clear the reader's terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class SafeConsole(Console):
    """rich's console, with control characters escaped in every string it renders: printed
    text and table cells alike (rich's own styling is added after, so colours still work)."""

    def render_str(self, text: str, *args: Any, **kwargs: Any) -> Any:
        return super().render_str(printable(text), *args, **kwargs)


def console(err: bool = False) -> Console:
    return SafeConsole(
        stderr=err, highlight=False, soft_wrap=False, width=120 if not sys.stdout.isatty() else None
    )


_SIGINT_SEEN = False


def _note_sigint(signum: int, frame: Any) -> None:
    """Python's own Ctrl-C behaviour, remembering that it happened."""
    global _SIGINT_SEEN
    _SIGINT_SEEN = True
    raise KeyboardInterrupt


def _interrupted(exc: BaseException) -> bool:
    """Whether a Ctrl-C caused ``exc``: a compiled extension (Typst's) interrupted while it
    was being imported raises ImportError ("initialization failed") instead of the
    KeyboardInterrupt."""
    if _SIGINT_SEEN:
        return True
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def handles_errors(func: F) -> F:
    """Turn :class:`AssessmentError` into a readable message (or JSON) and exit status 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import signal
        import threading

        global _SIGINT_SEEN
        _SIGINT_SEEN = False  # a command run in the same process before is not this one
        if (
            threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):
            signal.signal(signal.SIGINT, _note_sigint)
        try:
            return func(*args, **kwargs)
        except AssessmentError as exc:
            if kwargs.get("as_json"):
                click.echo(
                    json.dumps(
                        {
                            "ok": False,
                            "error": exc.summary or exc.problems[0].cli_text(),
                            "problems": [p.to_dict() for p in exc.problems],
                        },
                        indent=2,
                        default=str,
                    )
                )
            else:
                output.print_error(console(err=True), exc)
            sys.exit(EXIT_INVALID)
        except KeyboardInterrupt:
            click.echo("interrupted (Ctrl-C); no file is left half-written", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except Exception as exc:  # a bug, not bad input: short message unless debugging
            if _interrupted(exc):  # Ctrl-C while a compiled module was being imported
                click.echo("interrupted (Ctrl-C); no file is left half-written", err=True)
                sys.exit(EXIT_INTERRUPTED)
            if os.environ.get("ASSESS_DEBUG"):
                raise
            click.echo(
                f"internal error: {type(exc).__name__}: {printable(str(exc))}\n"
                "This is a bug in recovery-assessments, not in your file. Run again with "
                "ASSESS_DEBUG=1 to see the traceback, and report it with that output.",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
practices_option = click.option(
    "--practices",
    "practices_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Your own practices library (YAML or CSV; repeatable) for the next steps: it extends "
    "the instrument's shipped library, or replaces the one with the same id.",
)


def progress_bar(quiet: bool = False) -> Any:
    """A spinner with a line saying the current step, on stderr and only at a terminal (and
    not with ``--json``): a long command never looks like a hang."""
    from rich.progress import Progress, SpinnerColumn, TextColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        console=console(err=True),
        transient=True,
        disable=quiet,
    )


def user_practices(files: tuple[str, ...], instrument: Any = None) -> Any:
    """The practices for next steps: the shipped libraries with the user's files (``None``
    when none is given, so that the shipped ones are used as they are)."""
    if not files:
        return None
    from ..practices import with_user_practices

    return with_user_practices(list(files), [instrument] if instrument is not None else [])


def input_options(func: F) -> F:
    """The options that say how to read and score an input file (as ``assess score``)."""
    return _input_options(func, required=True)


def optional_input_options(func: F) -> F:
    """:func:`input_options` with INPUT and ``-i`` optional (``assess report --history``)."""
    return _input_options(func, required=False)


def _input_options(func: F, *, required: bool) -> F:
    options = [
        click.argument(
            "input_file", metavar="INPUT", type=click.Path(dir_okay=False), required=required
        ),
        click.option(
            "--instrument",
            "-i",
            required=required,
            help="Shipped id or path to a YAML definition.",
        ),
        click.option("--version", "-v", "version", help="Respondent version, e.g. provider."),
        click.option(
            "--key", type=click.Path(dir_okay=False), help="Scoring-key file (RSA, RSA-R)."
        ),
        click.option(
            "--on-invalid",
            type=click.Choice(["error", "missing"]),
            default="error",
            show_default=True,
            help="Fail on answers outside the scale, or score them as missing.",
        ),
        click.option(
            "--drop-suggested",
            is_flag=True,
            help="Leave out the items the developers suggest dropping (ORCA).",
        ),
        click.option("--id-column", help="Column holding respondent ids (default: detected)."),
        click.option(
            "--allow-missing-items", is_flag=True, help="Score even if some items have no column."
        ),
        click.option(
            "--sheet",
            help="Excel sheet to read (default: 'responses', else the first visible sheet).",
        ),
        click.option("--encoding", help="Text encoding of a CSV file (default: detected)."),
        click.option(
            "--header-row",
            type=click.IntRange(min=1),
            help="Row number of the column names, when lines above them are more than a title "
            "(default: title lines are skipped by themselves).",
        ),
        click.option(
            "--map",
            "mapping",
            type=click.Path(dir_okay=False),
            help="Mapping file: columns to items, answer overrides (see `assess map`).",
        ),
        click.option(
            "--source",
            type=click.Choice(list(SOURCES)),
            default="auto",
            show_default=True,
            help="Survey platform of the export.",
        ),
        click.option(
            "--dictionary",
            type=click.Path(dir_okay=False),
            help="REDCap data dictionary (CSV) for a raw export.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


INPUT_KEYS = (
    "input_file",
    "instrument",
    "version",
    "key",
    "on_invalid",
    "drop_suggested",
    "id_column",
    "allow_missing_items",
    "sheet",
    "encoding",
    "header_row",
    "mapping",
    "source",
    "dictionary",
)


def load_responses(o: dict[str, Any]) -> Responses:
    """Read an input and map it onto its instrument, from the popped input options ``o``."""
    from ..io import read_responses

    return read_responses(
        o["input_file"],
        o["instrument"],
        o["version"],
        o["mapping"],
        o["source"],
        sheet=o["sheet"],
        encoding=o["encoding"],
        dictionary=o["dictionary"],
        key=o["key"],
        drop_suggested=o["drop_suggested"],
        allow_missing_items=o["allow_missing_items"],
        header_row=o.get("header_row"),
    )


def pop_inputs(options: dict[str, Any]) -> dict[str, Any]:
    """Take the input options out of a command's keyword arguments."""
    return {k: options.pop(k) for k in INPUT_KEYS}


INPUT_PATH_KEYS = ("input_file", "mapping", "key", "dictionary")


def refuse_overwriting_inputs(
    options: dict[str, Any], outputs: Sequence[str | Path | None], *extra_inputs: str | None
) -> None:
    """Before any work: no output path may be one of the input files (the export, mapping,
    key, dictionary, earlier wave or plan), whatever the spelling or link."""
    from ..io.guard import refuse_overwriting

    inputs = [options.get(k) for k in INPUT_PATH_KEYS] + list(extra_inputs)
    refuse_overwriting([o for o in outputs if o], [i for i in inputs if i])


def scores_outputs(out: str | Path) -> list[Path]:
    """The files ``write_scores`` writes for ``out`` (the side files of a CSV included)."""
    p = Path(out)
    if p.suffix.lower() in (".csv", ".tsv"):
        return [p, p.with_suffix(f".excluded{p.suffix}"), p.with_suffix(f".invalid{p.suffix}")]
    return [p]


def load_scores(
    options: dict[str, Any], outputs: Sequence[str | Path | None] | None = None
) -> tuple[Scores, list[str]]:
    """Read, map and score an input as ``assess score`` does; returns the scores and the notes
    of the import and its quality checks (duplicate ids, straight-lining, partial completes).

    Pops the input options from ``options``, leaving the command's own. ``outputs`` are checked
    first: none may be an input file.
    """
    from ..io import validate
    from ..scoring import score

    refuse_overwriting_inputs(options, outputs or [])
    o = pop_inputs(options)
    responses = load_responses(o)
    scores = score(responses, on_invalid=o["on_invalid"], id_column=o["id_column"])
    # scoring succeeded, so any answer off the scale was accepted as missing: reuse it
    report = validate(responses, on_invalid="missing", scores=scores)
    return scores, [*responses.notices, *report.quality_notes()]


def output_file(help_text: str, *, required: bool = True) -> Callable[[F], F]:
    """The ``-o/--output FILE`` option of a command that writes one file."""
    return click.option(
        "--output", "-o", "out", required=required, type=click.Path(dir_okay=False), help=help_text
    )


def output_option(func: F) -> F:
    """``-o results.xlsx|.csv``: write the result tables to a file."""
    return output_file("Also write the tables: .xlsx (one sheet each) or .csv.", required=False)(
        func
    )


def emit(
    tables: dict[str, Any],
    *,
    as_json: bool,
    out: str | None,
    notes: list[str],
    shown: dict[str, list[str]],
) -> None:
    """Print result tables (``shown`` columns) or JSON, and write them when ``out`` is given."""
    from ..io import tables_json, write_tables

    written = [str(p) for p in write_tables(tables, Path(out))] if out else []
    if as_json:
        payload = {"ok": True, "notes": notes, "written": written, **tables_json(tables)}
        click.echo(json.dumps(payload, indent=2, default=str))
        return
    c = console()
    for name, df in tables.items():
        output.print_frame(c, df, name.replace("_", " "), shown.get(name))
    for n in notes:
        c.print("[yellow]note:[/yellow] " + n)
    for p in written:
        c.print(f"wrote {p}", markup=False)


#: the ``--format`` option of a command that writes a report set
format_option = click.option(
    "--format",
    "formats",
    default="pdf,html,xlsx",
    show_default=True,
    help="Comma-separated: pdf, html, xlsx.",
)


def report_formats(formats: str) -> list[str]:
    """The formats a ``--format`` value names, or a clear error naming the unknown ones."""
    from ..errors import Problem, ResponseError

    chosen = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in ("pdf", "html", "xlsx")]
    if unknown:
        raise ResponseError(
            Problem(
                "bad-option", f"unknown format(s): {', '.join(unknown)}", expected="pdf, html, xlsx"
            )
        )
    return chosen

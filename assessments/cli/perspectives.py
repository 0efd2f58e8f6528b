"""``--input FILE:VERSION`` (repeatable) and ``--version-column``: several perspectives of one
instrument in one run, for ``assess score`` and ``assess report``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..errors import Problem, ResponseError

if TYPE_CHECKING:
    from ..perspectives import Perspectives

F = TypeVar("F", bound=Callable[..., Any])


def perspective_options(func: F) -> F:
    """Add ``--input FILE:VERSION`` and ``--version-column`` to a command."""
    func = click.option(
        "--version-column",
        help="One file (INPUT) whose column names each row's version (perspective).",
    )(func)
    return click.option(
        "--input",
        "inputs",
        multiple=True,
        metavar="FILE:VERSION",
        help="An export and its version, e.g. people.csv:person (repeatable): several "
        "perspectives in one run.",
    )(func)


def wants_perspectives(inputs: tuple[str, ...], version_column: str | None) -> bool:
    return bool(inputs) or bool(version_column)


def load_perspectives(
    options: dict[str, Any],
    inputs: tuple[str, ...],
    version_column: str | None,
    min_group_size: int = 5,
) -> Perspectives:
    """Score every perspective as the options say (instrument, key, --on-invalid)."""
    from ..perspectives import score_perspectives, split_by_version

    instrument = options.get("instrument")
    if not instrument:
        raise ResponseError(
            Problem(
                "missing-option",
                "name the instrument with -i",
                hint="assess score --input people.csv:person -i rsa ...",
            )
        )
    pairs: list[tuple[Any, str]] = []
    if version_column:
        if not options.get("input_file"):
            raise ResponseError(
                Problem(
                    "missing-option",
                    "--version-column needs INPUT",
                    hint="assess score answers.csv --version-column form",
                )
            )
        pairs = split_by_version(options["input_file"], version_column, instrument)
    elif options.get("input_file"):
        raise ResponseError(
            Problem(
                "bad-option",
                "give INPUT or --input FILE:VERSION, not both",
                hint="name each file with its version: --input a.csv:provider",
            )
        )
    for text in inputs:
        file, sep, version = text.rpartition(":")
        if not sep or not file or not version:
            raise ResponseError(
                Problem(
                    "bad-option",
                    f"--input {text!r} has no version",
                    expected="FILE:VERSION, e.g. people.csv:person",
                    value=text,
                )
            )
        if not Path(file).is_file():
            raise ResponseError(
                Problem(
                    "file-not-found",
                    "no such file",
                    file=file,
                    hint="check the path before the ':'",
                )
            )
        pairs.append((file, version))
    return score_perspectives(
        pairs,
        instrument,
        key=options.get("key"),
        on_invalid=options.get("on_invalid") or "error",
        min_group_size=min_group_size,
    )

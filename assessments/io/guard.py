"""The input file is never modified: every file the toolkit reads is remembered, and every
writer refuses a path that is one of them (the same file through a symlink, a hard link or
another spelling on a case-insensitive file system included).

The CLI also checks its output paths against its input paths before any work
(:func:`refuse_overwriting`), so the error comes at once, not after scoring.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> answers = folder / "answers.csv"
>>> _ = answers.write_text("oric_1\\n3\\n")
>>> protect(answers)
>>> check_output(folder / "scores.csv")          # fine
>>> try:
...     check_output(folder / "." / "answers.csv")
... except OutputError as err:
...     print(err.problems[0].code)
output-is-input
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..errors import OutputError, Problem

_READ: list[Path] = []


def protect(path: str | Path) -> None:
    """Remember that ``path`` was read as input."""
    p = Path(path)
    if p.exists() and all(not same_file(p, q) for q in _READ):
        _READ.append(p)


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when ``a`` and ``b`` are one file on disk (both must exist)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_output(path: str | Path, inputs: Iterable[str | Path] = ()) -> None:
    """Raise :class:`OutputError` when writing ``path`` would replace an input file."""
    p = Path(path)
    if not p.exists():
        return
    for q in [*_READ, *map(Path, inputs)]:
        if same_file(p, q):
            raise OutputError(
                Problem(
                    "output-is-input",
                    "this is an input file: writing the output there would replace it",
                    file=str(p),
                    expected="an output path that is not one of the files read",
                    hint="choose another output name or folder; the input is left as it is",
                )
            )


def refuse_overwriting(outputs: Iterable[str | Path], inputs: Iterable[str | Path]) -> None:
    """Check every planned output against the given inputs before any work."""
    given = [Path(i) for i in inputs if i]
    for out in outputs:
        check_output(out, given)

"""Errors as data.

Every failure the toolkit reports to a user is an :class:`AssessmentError` carrying one or more
:class:`Problem` records. A problem has a stable ``code`` (tests and the ``--json`` output assert
on it), a message, and a location: the file, the key path and line for definition files, or the
spreadsheet row (1-based, as a spreadsheet shows it), column and value for data files. It also
says what was expected and suggests a fix.

Examples
--------
>>> p = Problem("unknown-key", "unknown key 'lable'", file="x.yaml", path="items[0]", line=7,
...             hint="did you mean 'label'?")
>>> print(p)
x.yaml, line 7, at items[0]: unknown key 'lable' (did you mean 'label'?)
>>> err = InstrumentError([p])
>>> err.codes
['unknown-key']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can.

    Parameters
    ----------
    code
        Stable kebab-case identifier, e.g. ``"invalid-value"``.
    message
        What is wrong, in a sentence fragment a person can read.
    file, path, line
        Where in a definition file: file name, key path (``domains[2].items``), 1-based line.
    row, column, value
        Where in a data file: 1-based spreadsheet row, column name, the offending value.
    expected
        What would have been accepted.
    hint
        What to try.
    """

    code: str
    message: str
    file: str | None = None
    path: str | None = None
    line: int | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None
    expected: str | None = None
    hint: str | None = None

    def location(self) -> str:
        """Return the location part of the message, e.g. ``data.csv, row 4, column 'q3'``."""
        parts: list[str] = []
        if self.file:
            parts.append(str(self.file))
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.path:
            parts.append(f"at {self.path}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        """The problem for a Python caller: command-line advice said as keyword arguments
        (``on_invalid="missing"``, not ``--on-invalid missing``). :meth:`cli_text` is the
        command line's wording."""
        return python_words(self.cli_text())

    def cli_text(self) -> str:
        """The problem as the command line prints it (its advice names the command's flags)."""
        text = self.message
        if self.value is not None and "value" not in self.message:
            text += f": value {self.value!r}"
        if self.expected:
            text += f"; expected {self.expected}"
        if self.hint:
            text += f" ({self.hint})"
        where = self.location()
        return f"{where}: {text}" if where else text

    def to_dict(self) -> dict[str, Any]:
        """Return the problem as a JSON-ready dict without empty fields."""
        out = {k: v for k, v in asdict(self).items() if v is not None}
        if "value" in out and not isinstance(out["value"], str | int | float | bool):
            out["value"] = str(out["value"])
        return out


#: command-line advice and the keyword argument a Python caller passes instead
_PYTHON_ADVICE = (
    (re.compile(r"--on-invalid missing"), 'on_invalid="missing"'),
    (re.compile(r"--allow-missing-items"), "allow_missing_items=True"),
    (re.compile(r"--encoding (?!-)([\w.-]+)"), r'encoding="\1"'),
    (re.compile(r"--encoding(?![\w-])"), "encoding="),
    (re.compile(r"--version (?!-)([\w.-]+)"), r'version="\1"'),
    (re.compile(r"--version(?![\w-])"), "version="),
    (re.compile(r"--dictionary(?![\w-])"), "dictionary="),
    (re.compile(r"--sheet(?![\w-])"), "sheet="),
    (re.compile(r"--map(?![\w-])"), "mapping="),
    (re.compile(r"--key(?![\w-])"), "key="),
)


def python_words(text: str) -> str:
    """``text`` with command-line flags said as the keyword arguments of the Python API.

    >>> python_words("fix the cell, or score it as missing with --on-invalid missing")
    'fix the cell, or score it as missing with on_invalid="missing"'
    """
    for pattern, words in _PYTHON_ADVICE:
        text = pattern.sub(words, text)
    return text


class AssessmentError(Exception):
    """Base class of every error the toolkit raises on purpose.

    Holds a list of :class:`Problem`; ``str(error)`` lists them one per line, capped at
    ``max_listed`` with a count of the rest.
    """

    max_listed = 50

    def __init__(self, problems: Problem | str | Iterable[Problem], *, summary: str | None = None):
        if isinstance(problems, str):
            problems = [Problem("error", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        self.summary = summary
        super().__init__(self._format())

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt with its problems and summary when it crosses a process boundary (the web
        # page's workers), not from its formatted text
        return (_rebuild, (type(self), self.problems, self.summary))

    def cli_lines(self) -> list[str]:
        """Each problem as the command line prints it."""
        return [p.cli_text() for p in self.problems]

    @property
    def codes(self) -> list[str]:
        """The codes of the problems, in order."""
        return [p.code for p in self.problems]

    def _format(self) -> str:
        lines: list[str] = []
        if self.summary:
            lines.append(self.summary)
        shown: Sequence[Problem] = self.problems[: self.max_listed]
        prefix = "- " if self.summary or len(self.problems) > 1 else ""
        lines.extend(prefix + str(p) for p in shown)  # for Python callers (keyword arguments)
        rest = len(self.problems) - len(shown)
        if rest > 0:
            lines.append(f"... and {rest} more problem(s) of the same kinds")
        return "\n".join(lines)


def _rebuild(
    cls: type[AssessmentError], problems: list[Problem], summary: str | None
) -> AssessmentError:
    return cls(problems, summary=summary)


class InstrumentError(AssessmentError):
    """An instrument definition or scoring-key file is invalid, missing or incomplete."""


class ResponseError(AssessmentError):
    """Survey answers cannot be scored as they are (invalid values, unmapped items, ...)."""


class OutputError(AssessmentError):
    """An output cannot be written where asked (it would replace an input, the folder cannot
    be written to, the disk is full)."""


class InputFileError(AssessmentError):
    """A data file cannot be read (missing, empty, unknown format, undecodable)."""

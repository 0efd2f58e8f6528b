"""YAML definition documents that remember where each value came from.

:func:`read_document` parses a YAML file into plain Python data plus a map from key path to
1-based line number, and validates it against one of the shipped JSON Schemas, collecting every
problem instead of stopping at the first. Instrument, key and (later) mapping files all go
through here, so every definition error names file, key path and line the same way.

Examples
--------
>>> doc = parse_yaml("a: 1\\nb:\\n  - x\\n  - y\\n", "demo.yaml")
>>> doc.data
{'a': 1, 'b': ['x', 'y']}
>>> doc.line_of(("b", 1))
4
>>> format_path(("items", 3, "reverse"))
'items[3].reverse'
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ..errors import Problem

PathT = tuple[str | int, ...]


def format_path(path: Sequence[str | int]) -> str:
    """Render a key path as ``items[3].reverse``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


@dataclass
class Document:
    """Parsed YAML data, its file name, and the line of every key path."""

    data: Any
    file: str
    lines: dict[PathT, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """Line of ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), None)

    def problem(
        self, code: str, message: str, path: Sequence[str | int] = (), **kw: Any
    ) -> Problem:
        """Build a :class:`Problem` located at ``path`` in this document and remember it."""
        prob = Problem(
            code, message, file=self.file, path=format_path(path), line=self.line_of(path), **kw
        )
        self.problems.append(prob)
        return prob


def _walk(node: yaml.Node, path: PathT, doc: Document, loader: yaml.SafeLoader) -> Any:
    """Build Python data from a composed YAML node, recording lines and duplicate keys."""
    doc.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _walk(key_node, (*path, "<key>"), doc, loader)
            if not isinstance(key, str | int | float | bool):
                key = str(key)
            if key in out:
                doc.lines[(*path, key)] = key_node.start_mark.line + 1
                doc.problem(
                    "duplicate-key",
                    f"key {key!r} appears twice",
                    (*path, key),
                    hint="keep one of them",
                )
                continue
            out[key] = _walk(value_node, (*path, key), doc, loader)
            doc.lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(child, (*path, i), doc, loader) for i, child in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, file: str) -> Document:
    """Parse YAML ``text`` from ``file`` into a :class:`Document`; syntax errors become problems."""
    doc = Document(data=None, file=file)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        doc.problems.append(
            Problem(
                "yaml-syntax",
                f"not valid YAML: {getattr(exc, 'problem', exc)}",
                file=file,
                line=mark.line + 1 if mark else None,
                hint="check indentation and quoting near that line",
            )
        )
        return doc
    if node is None:
        doc.problems.append(Problem("empty-file", "the file is empty", file=file))
        return doc
    loader = yaml.SafeLoader("")
    try:
        doc.data = _walk(node, (), doc, loader)
    finally:
        loader.dispose()
    doc.lines = {p: n for p, n in doc.lines.items() if "<key>" not in p}
    return doc


@cache
def _validator(schema_name: str) -> jsonschema.Draft202012Validator:
    path = Path(__file__).with_name(schema_name)
    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _schema_problems(doc: Document, schema_name: str) -> Iterator[Problem]:
    validator = _validator(schema_name)
    for err in sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.path))):
        path = tuple(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            sub = err.schema if isinstance(err.schema, dict) else {}
            allowed = sorted(sub.get("properties", {}))
            extras = [k for k in err.instance if k not in allowed]
            if allowed and extras:
                for key in extras:
                    close = difflib.get_close_matches(str(key), allowed, n=1)
                    hint = (
                        f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(allowed)
                    )
                    yield doc.problem(
                        "unknown-key", f"unknown key {key!r}", (*path, key), hint=hint
                    )
                continue
        if err.validator == "required":
            yield doc.problem(
                "missing-key",
                err.message.replace("'", "", 0),
                path,
                hint="add the key; see docs/instruments.md",
            )
            continue
        if err.validator == "oneOf" and err.context:
            err = min(err.context, key=lambda e: len(list(e.path)))
        yield doc.problem("schema", err.message, path, expected=_expected(err.schema))


def _expected(sub: Any) -> str | None:
    if not isinstance(sub, dict):
        return None
    if "enum" in sub:
        return "one of " + ", ".join(map(str, sub["enum"]))
    if "pattern" in sub:
        return f"text matching {sub['pattern']}" + (
            f" ({sub['description']})" if "description" in sub else ""
        )
    if "type" in sub:
        t = sub["type"]
        return " or ".join(t) if isinstance(t, list) else str(t)
    return None


def read_document(path: str | Path, schema_name: str) -> Document:
    """Read and schema-validate a YAML file, collecting (not raising) every problem."""
    p = Path(path)
    from ..io.guard import protect

    protect(p)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        doc = Document(data=None, file=str(path))
        doc.problems.append(Problem("file-not-found", "no such file", file=str(path)))
        return doc
    except UnicodeDecodeError as exc:
        doc = Document(data=None, file=str(path))
        doc.problems.append(
            Problem(
                "encoding",
                f"not UTF-8 text (byte {exc.start})",
                file=str(path),
                hint="save the file as UTF-8",
            )
        )
        return doc
    doc = parse_yaml(text, str(path))
    if doc.data is not None:
        list(_schema_problems(doc, schema_name))  # problems are recorded on the document
    return doc

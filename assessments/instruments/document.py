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
import re
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
    value = loader.construct_object(node, deep=True)
    if isinstance(value, str):
        bad = _BAD_CHARACTER.search(value)
        if bad is not None:
            doc.problem(
                "bad-character",
                f"the text holds the character U+{ord(bad.group()):04X}, which no output can "
                "show (a lone surrogate or a control character, from a \\u or \\x escape)",
                path,
                hint="remove the escape, or write the character itself",
            )
            return _BAD_CHARACTER.sub("\ufffd", value)
    return value


# lone surrogates (cannot be written as UTF-8) and control characters other than tab and line
# breaks (they would reach a terminal, a PDF or a spreadsheet cell)
_BAD_CHARACTER = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _yaml_problem(code: str, what: str, exc: yaml.YAMLError, file: str, hint: str) -> Problem:
    """A PyYAML error as a problem at its line."""
    mark = getattr(exc, "problem_mark", None)
    return Problem(
        code,
        f"{what}: {getattr(exc, 'problem', exc)}",
        file=file,
        line=mark.line + 1 if mark else None,
        hint=hint,
    )


MAX_DEPTH = 64  # definition files nest a few levels; a deeper one is an attack or an accident
MAX_NODES = 200_000  # values after expanding aliases (a 77-item instrument has about 3,000)
_KNOWN_TAGS = {
    f"tag:yaml.org,2002:{t}"
    for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp", "binary")
}


def _safe_graph(root: yaml.Node, doc: Document) -> bool:
    """Walk the composed YAML (without recursion) before building anything: refuse nesting
    deeper than ``MAX_DEPTH``, more than ``MAX_NODES`` values once aliases are expanded (the
    "billion laughs"), an alias inside the node it names, merge keys and tags such as
    ``!include``. Each refusal is a problem with its line; returns whether the file is safe."""

    def refuse(code: str, message: str, node: yaml.Node, hint: str) -> bool:
        doc.problems.append(
            Problem(code, message, file=doc.file, line=node.start_mark.line + 1, hint=hint)
        )
        return False

    stack: list[tuple[yaml.Node, int, tuple[int, ...]]] = [(root, 1, ())]
    seen = 0
    while stack:
        node, depth, ancestors = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            return refuse(
                "yaml-too-large",
                f"more than {MAX_NODES:,} values once its aliases (*name) are expanded",
                node,
                "write the values out instead of repeating aliases",
            )
        if depth > MAX_DEPTH:
            return refuse(
                "yaml-too-deep",
                f"nested more than {MAX_DEPTH} levels deep",
                node,
                "definition files need only a few levels; check the indentation",
            )
        if id(node) in ancestors:
            return refuse(
                "yaml-recursive",
                "an alias (*name) refers to the value that contains it",
                node,
                "remove the alias or point it at another value",
            )
        if node.tag == "tag:yaml.org,2002:merge" or (
            isinstance(node, yaml.ScalarNode) and node.value == "<<" and node.style is None
        ):
            return refuse(
                "yaml-merge-key",
                "merge keys (<<: *name) are not supported in definition files",
                node,
                "write the keys out in full",
            )
        if node.tag not in _KNOWN_TAGS:
            return refuse(
                "yaml-tag",
                f"the tag {node.tag!r} is not supported (files are never included or run)",
                node,
                "remove the tag; write the value itself",
            )
        inner = (*ancestors, id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append((key, depth + 1, inner))
                stack.append((value, depth + 1, inner))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1, inner) for child in node.value)
    return True


#: libyaml's parser when PyYAML has it (eight times faster on an instrument file, with the
#: same line marks), else PyYAML's own; a file libyaml refuses is parsed again by PyYAML,
#: whose errors the messages are written for.
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, file: str) -> Document:
    """Parse YAML ``text`` from ``file`` into a :class:`Document`; syntax errors become problems."""
    doc = Document(data=None, file=file)
    try:
        try:
            node = yaml.compose(text, Loader=_COMPOSER)
        except yaml.YAMLError:  # PyYAML's own parser words the problem (and its depth)
            node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        doc.problems.append(
            Problem(
                "yaml-too-deep",
                f"nested far more than {MAX_DEPTH} levels deep",
                file=file,
                hint="definition files need only a few levels; check the brackets and indentation",
            )
        )
        return doc
    except yaml.YAMLError as exc:
        doc.problems.append(
            _yaml_problem(
                "yaml-syntax",
                "not valid YAML",
                exc,
                file,
                "check indentation and quoting near that line",
            )
        )
        return doc
    if node is None:
        doc.problems.append(Problem("empty-file", "the file is empty", file=file))
        return doc
    if not _safe_graph(node, doc):
        return doc
    loader = yaml.SafeLoader("")
    try:
        doc.data = _walk(node, (), doc, loader)
    except yaml.YAMLError as exc:  # a value no constructor can build (a bad date, ...)
        doc.problems.append(
            _yaml_problem("yaml-value", "a value cannot be read", exc, file, "quote the value")
        )
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
        quote_hint: str | None = None
        wants_text = isinstance(err.schema, dict) and err.schema.get("type") == "string"
        if err.validator == "type" and wants_text and isinstance(err.instance, bool | None):
            # YAML reads unquoted No, Yes, Off, On, Null as booleans or nothing
            quote_hint = 'YAML read this as a boolean or as empty: put it in quotes, e.g. "No"'
        yield doc.problem(
            "schema", err.message, path, expected=_expected(err.schema), hint=quote_hint
        )


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
    if isinstance(doc.data, str | int | float | bool):  # one quoted text: JSON-escaped YAML?
        escaped = isinstance(doc.data, str) and ":" in doc.data and "\n" in doc.data
        doc.problems.append(
            Problem(
                "not-a-definition",
                "the file holds one "
                + (f"quoted text of {len(doc.data):,} characters" if isinstance(doc.data, str)
                   else "value")
                + ", not a definition with keys"
                + (" (it looks like YAML written as one JSON string)" if escaped else ""),
                file=str(path),
                line=1,
                hint="write the definition as plain YAML: one key per line, not inside quotes",
            )
        )  # fmt: skip
        doc.data = None
    if doc.data is not None:
        list(_schema_problems(doc, schema_name))  # problems are recorded on the document
    return doc

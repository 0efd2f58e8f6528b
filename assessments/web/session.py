"""What a session has chosen, turned into the library's own calls (the CLI's, nothing more)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .workspace import Workspace

if TYPE_CHECKING:
    from ..instruments import Instrument
    from ..io import Responses
    from ..scoring import Scores


def instrument_source(ws: Workspace, state: dict[str, Any]) -> str | Path:
    """A shipped id, or the uploaded definition's path."""
    if state.get("instrument") == "custom":
        return ws.path(state["instrument_file"])
    return str(state.get("instrument") or "")


def load(ws: Workspace, state: dict[str, Any]) -> Instrument:
    from ..instruments import load_instrument

    key = ws.path(state["key_file"]) if state.get("key_file") else None
    return load_instrument(instrument_source(ws, state), state.get("version") or None, key=key)


def mapping(ws: Workspace, state: dict[str, Any]) -> Any:
    """The uploaded mapping file with the page's column choices on top (or None)."""
    from ..io.mapping import ColumnMapping, load_mapping

    base = load_mapping(ws.path(state["mapping_file"])) if state.get("mapping_file") else None
    chosen = state.get("columns") or {}
    if not chosen:
        return base
    columns = {} if base is None else dict(base.columns)
    # a choice made on the page replaces the file's line for that item (and for that column)
    columns = {c: i for c, i in columns.items() if i not in chosen and c not in chosen.values()}
    columns.update({col: item for item, col in chosen.items() if col})
    if base is None:
        return ColumnMapping(columns=columns)
    return ColumnMapping(
        columns=columns,
        labels=base.labels,
        codes=base.codes,
        ignore=base.ignore,
        instrument=base.instrument,
        version=base.version,
        source=base.source,
    )


def responses(ws: Workspace, state: dict[str, Any], which: str = "export") -> Responses:
    from ..io import read_responses

    key = ws.path(state["key_file"]) if state.get("key_file") else None
    sheet: str | int | None = state.get("sheet") or None
    if isinstance(sheet, str) and sheet.isdigit():
        sheet = int(sheet) - 1  # "2" on the page is the second sheet
    return read_responses(
        ws.path(state[which]),
        instrument_source(ws, state),
        state.get("version") or None,
        mapping(ws, state),
        key=key,
        allow_missing_items=bool(state.get("allow_missing_items")),
        sheet=sheet,
        encoding=state.get("encoding") or None,
        dictionary=ws.path(state["dictionary"]) if state.get("dictionary") else None,
        header_row=int(state["header_row"]) if state.get("header_row") else None,
    )


def scores(ws: Workspace, state: dict[str, Any], which: str = "export") -> Scores:
    from ..scoring import score

    return score(responses(ws, state, which), on_invalid=state.get("on_invalid", "error"))


#: what a score, a scores file or a report is built from: the choices and the uploaded files
BASIS_KEYS = (
    "instrument", "version", "instrument_file", "key_file", "export", "earlier", "mapping_file",
    "columns", "on_invalid", "allow_missing_items", "upload_id", "dictionary", "sheet",
    "encoding", "header_row",
)  # fmt: skip
FILE_ROLES = ("instrument_file", "key_file", "export", "earlier", "mapping_file", "dictionary")


def basis(ws: Workspace, state: dict[str, Any]) -> str:
    """A fingerprint of everything the session's scores are built from: the choices, and each
    uploaded file's size and time. Whatever is built (scores files, a report, its preview)
    records the basis it was built from and is shown or served only while the session's basis
    is the same, so nothing built from one upload is ever shown for another."""
    parts: dict[str, Any] = {k: state.get(k) for k in BASIS_KEYS}
    for role in FILE_ROLES:
        if state.get(role):
            try:
                st = ws.path(state[role]).stat()
                parts[role + ":file"] = (st.st_size, st.st_mtime_ns)
            except OSError:
                parts[role + ":file"] = None
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]

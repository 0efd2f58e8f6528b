"""Step 1, for a survey that is not shipped: draft its definition from the export, check and
edit it on the page, and use it (the export is then already uploaded)."""

from __future__ import annotations

import secrets
import shlex
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from ...errors import AssessmentError
from ..common import form_of, frame_rows, go, page, problem, session, unsupported
from ..limits import run_limited
from ..workspace import Workspace
from .instrument import describe
from .upload import EXPORT_SUFFIXES

DRAFT = "draft.yaml"
#: a definition typed on the page is text of at most this many characters
MAX_DEFINITION = 1_000_000


def _draft(ws: Workspace, state: dict[str, Any]) -> dict[str, Any]:
    """Draft the definition of the session's export (in a worker) and keep it as draft.yaml."""
    from ...instruments.draft import draft_instrument, instrument_id_of

    columns = [c.strip() for c in str(state.get("draft_columns") or "").split(",") if c.strip()]
    given = state.get("export_name") or "survey.csv"
    draft = draft_instrument(
        ws.path(state["export"]),
        dictionary=ws.path(state["dictionary"]) if state.get("dictionary") else None,
        columns=columns or None,
        instrument_id=instrument_id_of(given),  # the person's file, not the page's copy
        title=Path(given).stem,
    )
    stored = Path(state["export"]).name
    text = draft.text.replace(f"from {stored}", f"from {given}")
    text = text.replace(f"validate {stored} ", f"validate {shlex.quote(given)} ")
    ws.path(DRAFT).write_text(text, encoding="utf-8")
    # the column each item comes from is in the definition (its alias): a long column name
    # in the table made each row several lines tall on a phone
    items = draft.items[["item", "label", "domain", "scale", "answered"]]
    return {
        "text": text,
        "items": frame_rows(items, limit=500),
        "left_out": frame_rows(draft.left_out, limit=500),
        "checks": draft.checks,
        "n_items": len(draft.items),
        "n_domains": int(draft.items["domain"].nunique()),
        "source": draft.source,
        "rows": draft.rows,
    }


async def create(request: Request) -> Response:
    """Take the export (and a REDCap dictionary), draft its definition and show it."""
    ws, state = session(request)
    form = await form_of(request, state)
    changes: dict[str, Any] = {}
    for role in ("export", "dictionary"):
        upload = form.file(role)
        if upload is None:
            continue
        filename, data = upload
        refused = unsupported(
            request, ws, filename, (".csv",) if role == "dictionary" else EXPORT_SUFFIXES
        )
        if refused is not None:
            return refused
        changes[role] = ws.store_upload(role, filename, data).name
        changes[role + "_name"] = filename
    if not changes.get("export") and not state.get("export"):
        return go(ws, "instrument")
    if changes.get("export") and not changes.get("dictionary"):
        changes["dictionary"] = None  # another export's dictionary is not this one's
    changes["draft_columns"] = str(form.get("columns") or "").strip()[:2000]
    # a new upload: nothing built from an earlier one is shown or served again
    ws.update(
        **changes,
        sheet="",
        header_row="",
        encoding="",
        columns={},
        scored=False,
        upload_id=secrets.token_urlsafe(9),
        downloads=[],
        report_files=[],
    )
    try:
        shown = await run_limited(_draft, ws, ws.state())
    except AssessmentError as err:
        return problem(request, ws, err, back="instrument")
    return page(request, "draft.html", ws, "instrument", draft=shown, definition=shown["text"])


async def show(request: Request) -> Response:
    """The draft again (after a visit elsewhere), as it was last written."""
    ws, state = session(request)
    if not ws.path(DRAFT).is_file() or not state.get("export"):
        return go(ws, "instrument")
    text = ws.path(DRAFT).read_text(encoding="utf-8")
    return page(request, "draft.html", ws, "instrument", draft=None, definition=text)


async def download(request: Request) -> FileResponse | Response:
    ws, state = session(request)
    if not ws.path(DRAFT).is_file():
        return go(ws, "instrument")
    name = Path(state.get("export_name") or "survey").stem + "-instrument.yaml"
    return FileResponse(
        ws.path(DRAFT),
        media_type="application/yaml",
        filename=name,
        content_disposition_type="attachment",
    )


async def use(request: Request) -> Response:
    """Use the definition as edited on the page: it must load, then the export is checked."""
    ws, state = session(request)
    form = await form_of(request, state)
    text = str(form.get("definition") or "")
    if not text.strip() or len(text) > MAX_DEFINITION:
        return page(
            request,
            "draft.html",
            ws,
            "instrument",
            draft=None,
            definition=text[:MAX_DEFINITION],
            message="The definition is empty or too long: draft it again from the export.",
            status=422,
        )
    ws.path(DRAFT).write_text(text, encoding="utf-8")
    stored = ws.store_upload("instrument", "definition.yaml", text.encode("utf-8"))
    name = Path(state.get("export_name") or "survey").stem + "-instrument.yaml"
    ws.update(
        instrument="custom",
        instrument_file=stored.name,
        instrument_file_name=name,
        version="",
        columns={},
        scored=False,
    )
    try:
        inst = await run_limited(describe, ws, ws.state())
    except AssessmentError as err:
        return problem(request, ws, err, back="draft")
    ws.update(
        instrument_title=inst["title"],
        key_description=inst["key"],
        version=inst["version"],
    )
    return go(ws, "check" if ws.state().get("export") else "upload")

"""Step 2: upload an export (and, if there is one, an earlier wave)."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from ...errors import AssessmentError
from ..common import form_of, go, page, problem, session, unsupported
from ..limits import run_limited
from ..workspace import Workspace, max_upload_bytes

EXPORT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".sav", ".zsav")
#: the encodings offered (detected when none is chosen)
ENCODINGS = (
    ("", "Detect it (usual)"),
    ("utf-8", "UTF-8"),
    ("cp1252", "Windows (Western European, cp1252)"),
    ("latin-1", "Latin-1 (ISO 8859-1)"),
    ("utf-16", "UTF-16 (Excel's Unicode text)"),
    ("mac-roman", "Mac Roman"),
)


async def show(request: Request) -> Response:
    ws, state = session(request)
    if not state.get("instrument"):
        return go(ws, "instrument")
    return page(
        request,
        "upload.html",
        ws,
        "upload",
        limit_mb=max_upload_bytes() // 2**20,
        encodings=ENCODINGS,
    )


def _template(ws: Workspace, state: dict[str, Any]) -> str:
    """The data-entry workbook of the session's instrument and version (in a worker)."""
    from ...io import write_template
    from ..session import load

    inst = load(ws, state)
    write_template(inst, ws.path("entry-template.xlsx"))
    return f"{inst.id}" + (f"-{inst.version}" if len(inst.versions) > 1 else "") + "-entry.xlsx"


async def template(request: Request) -> Response:
    """A workbook for typing in paper forms, with a dropdown of the answers for each item."""
    ws, state = session(request)
    if not state.get("instrument"):
        return go(ws, "instrument")
    try:
        name = await run_limited(_template, ws, state)
    except AssessmentError as err:
        return problem(request, ws, err, back="upload")
    return FileResponse(
        ws.path("entry-template.xlsx"),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=name,
        content_disposition_type="attachment",
    )


async def receive(request: Request) -> Response:
    ws, state = session(request)
    form = await form_of(request, state)
    limit = max_upload_bytes()
    changes: dict[str, object] = {}
    for role in ("export", "earlier", "dictionary"):
        upload = form.file(role)
        if upload is None:
            continue
        filename, data = upload
        kinds = (".csv",) if role == "dictionary" else EXPORT_SUFFIXES
        refused = unsupported(request, ws, filename, kinds)
        if refused is not None:
            return refused
        stored = ws.store_upload(role, filename, data)
        changes[role] = stored.name
        changes[role + "_name"] = filename
    if not changes.get("export") and not state.get("export"):
        return page(
            request,
            "upload.html",
            ws,
            "upload",
            limit_mb=limit // 2**20,
            status=422,
            message="Choose the export to check.",
        )
    changes["sheet"] = str(form.get("sheet") or "").strip()[:100]
    row = str(form.get("header_row") or "").strip()
    changes["header_row"] = row if row.isdigit() and 1 <= int(row) <= 100 else ""
    encoding = str(form.get("encoding") or "")
    changes["encoding"] = encoding if encoding in {v for v, _ in ENCODINGS} else ""
    # a new upload: nothing built from the earlier one is shown or served again
    ws.update(
        **changes,
        columns={},
        scored=False,
        upload_id=secrets.token_urlsafe(9),
        downloads=[],
        report_files=[],
    )
    return go(ws, "check")

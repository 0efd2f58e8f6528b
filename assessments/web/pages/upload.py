"""Step 2: upload an export (and, if there is one, an earlier wave)."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response

from ..common import form_of, go, page, session, unsupported
from ..workspace import max_upload_bytes

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

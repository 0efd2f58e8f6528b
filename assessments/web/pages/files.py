"""Downloads: only files this session's pages wrote, by the pages' own names."""

from __future__ import annotations

import io
import zipfile

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from ..common import session

TYPES = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".html": "text/html",
    ".yaml": "application/x-yaml",
}


async def download(request: Request) -> Response:
    ws, state = session(request)
    name = request.path_params["name"]
    allowed = set(state.get("downloads") or []) | set(state.get("report_files") or [])
    if name not in allowed or not ws.path(name).is_file():
        raise HTTPException(404, "No such file in this session.")
    suffix = "." + name.rsplit(".", 1)[-1]
    return FileResponse(
        ws.path(name),
        media_type=TYPES.get(suffix, "application/octet-stream"),
        filename=name,
        content_disposition_type="attachment",
    )


async def preview(request: Request) -> Response:
    """The HTML report shown inside the page: sandboxed, no script can run in it."""
    ws, state = session(request)
    name = next((f for f in state.get("report_files") or [] if f.endswith(".html")), None)
    if name is None or not ws.path(name).is_file():
        raise HTTPException(404, "The report has not been built yet.")
    return Response(
        ws.path(name).read_text(encoding="utf-8"),
        media_type="text/html",
        headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "img-src data:; font-src data:; sandbox",
        },
    )


async def report_zip(request: Request) -> Response:
    ws, state = session(request)
    files = [f for f in state.get("report_files") or [] if ws.path(f).is_file()]
    if not files:
        raise HTTPException(404, "The report has not been built yet.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            z.write(ws.path(f), arcname=f)
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="report.zip"'},
    )

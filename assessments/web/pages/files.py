"""Downloads: only files this session's pages wrote, by the pages' own names."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from ..common import session
from ..limits import run_limited
from ..session import basis
from ..workspace import Workspace

TYPES = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".html": "text/html",
    ".yaml": "application/x-yaml",
}


def current(ws: Workspace, state: dict[str, Any], what: str) -> list[str]:
    """The files of ``what`` ("downloads": the scores files; "report_files") that were built
    from what the session holds now; none when they were built from an earlier upload or other
    choices."""
    files = list(state.get(what) or [])
    built_from = state.get("downloads_basis" if what == "downloads" else "report_basis")
    return files if files and built_from == basis(ws, state) else []


STALE = (
    "This file was built from an earlier upload or other choices, so it is no longer served. "
    "Build it again from the step it belongs to."
)


async def download(request: Request) -> Response:
    ws, state = session(request)
    name = request.path_params["name"]
    allowed = set(current(ws, state, "downloads")) | set(current(ws, state, "report_files"))
    if name not in allowed and name in {*(state.get("downloads") or []),
                                        *(state.get("report_files") or [])}:  # fmt: skip
        raise HTTPException(409, STALE)
    if name == "scores.xlsx" and name in allowed and not ws.path(name).is_file():
        await run_limited(_scores_workbook, ws, state)
    if name not in allowed or not ws.path(name).is_file():
        raise HTTPException(404, "No such file in this session.")
    suffix = "." + name.rsplit(".", 1)[-1]
    return FileResponse(
        ws.path(name),
        media_type=TYPES.get(suffix, "application/octet-stream"),
        filename=name,
        content_disposition_type="attachment",
    )


def _scores_workbook(ws: Workspace, state: dict[str, Any]) -> None:
    """The scores workbook of what the session holds, written when first asked for."""
    from ...io import write_scores
    from ..session import scores as score_session

    write_scores(score_session(ws, state), ws.path("scores.xlsx"))


async def preview(request: Request) -> Response:
    """The HTML report shown inside the page: sandboxed, no script can run in it."""
    ws, state = session(request)
    if state.get("report_files") and not current(ws, state, "report_files"):
        raise HTTPException(409, STALE)
    name = next((f for f in current(ws, state, "report_files") if f.endswith(".html")), None)
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
    if state.get("report_files") and not current(ws, state, "report_files"):
        raise HTTPException(409, STALE)
    files = [f for f in current(ws, state, "report_files") if ws.path(f).is_file()]
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

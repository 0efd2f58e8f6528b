"""Step 6: keep the scored wave in the local assessment history; the kept assessments."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ...errors import AssessmentError
from ...history.store import mask
from ..common import form_of, go, page, problem, session, stale_form
from ..limits import run_limited
from ..session import scores as score_session


def _history(request: Request):  # type: ignore[no-untyped-def]
    from ...history import History

    return History(request.app.state.store)


async def show(request: Request) -> Response:
    ws, _ = session(request)
    try:
        rows = await run_in_threadpool(lambda: _history(request).rows(strict=False))
    except AssessmentError as err:
        return problem(request, ws, err, back="report")
    return page(
        request,
        "keep.html",
        ws,
        "keep",
        waves=rows,
        store=mask(request.app.state.store) if request.app.state.store else "your data folder",
    )


async def keep(request: Request) -> Response:
    ws, state = session(request)
    form = await form_of(request, state)
    refused = stale_form(request, ws, state, form)
    if refused is not None:
        return refused
    if not state.get("scored"):
        return go(ws, "upload" if not state.get("export") else "scores")
    org = str(form.get("org") or "").strip()
    wave = str(form.get("wave") or "").strip()

    try:
        await run_limited(
            keep_wave,
            ws,
            state,
            request.app.state.store,
            org,
            wave,
            str(form.get("wave_date") or ""),
            form.get("replace") == "yes",
        )
    except AssessmentError as err:
        return problem(request, ws, err, back="keep")
    ws.update(kept={"org": org, "wave": wave})
    return go(ws, "keep")


def keep_wave(
    ws: Any, state: dict[str, Any], store: str | None, org: str, wave: str, date: str, replace: bool
) -> None:
    """Score the session's export and keep it in the history (in a worker process, within the
    page's time and memory limits)."""
    from ...history import History
    from ...history.store import parse_date

    History(store).add(
        score_session(ws, state),
        org=org,
        wave=wave,
        source_name=state.get("export_name"),
        date=parse_date(date, "the collection date"),
        replace=replace,
    )

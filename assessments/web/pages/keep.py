"""Step 6: keep the scored wave in the local assessment history; the kept assessments."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ...errors import AssessmentError
from ...history.store import mask
from ..common import agency_of, form_of, go, page, problem, session, signed_in, stale_form
from ..limits import run_limited
from ..session import scores as score_session


def _history(request: Request):  # type: ignore[no-untyped-def]
    from ...history import History

    return History(request.app.state.store, actor=_actor(request))


def _actor(request: Request) -> str | None:
    """Who the store's events name: the signed-in person in network mode."""
    user = signed_in(request)
    return user.email if user is not None else None


def _own(request: Request, org: str) -> str:
    """The organization a form acts on: in network mode the person's own agency, and a form
    naming another agency is refused (never acted on, never told whether it exists)."""
    from starlette.exceptions import HTTPException

    agency = agency_of(request)
    if agency is None:
        return org
    if org and org != agency:
        raise HTTPException(403, "You may act only on your own agency's waves.")
    return agency


def _rows_with_columns(history: Any, org: str | None = None) -> list[dict[str, Any]]:
    """The kept waves (``org``'s alone in network mode), each with the grouping columns kept
    with it (to compare by)."""
    rows = history.rows(org, strict=False)
    for r in rows:
        try:
            r["kept_columns"] = list(
                history.info(r["org"], r["wave"], r["instrument"]).kept_columns
            )
        except AssessmentError:
            r["kept_columns"] = []
    return rows


async def show(request: Request) -> Response:
    ws, _ = session(request)
    try:
        rows = await run_in_threadpool(
            lambda: _rows_with_columns(_history(request), agency_of(request))
        )
    except AssessmentError as err:
        return problem(request, ws, err, back="report")
    return page(
        request,
        "keep.html",
        ws,
        "keep",
        waves=rows,
        store=mask(request.app.state.store) if request.app.state.store else "your data folder",
        agency=agency_of(request),
    )


KEPT = "kept-report"  # the folder of the report built from kept waves


def _kept_report(
    ws: Any,
    store: str | None,
    org: str,
    wave: str,
    instrument: str,
    by: str,
    actor: str | None = None,
    network: dict[str, str] | None = None,
) -> list[str]:
    """The report of a kept wave with every earlier wave in its trends (``assess report
    --history``), in a worker; its files go to their own folder of the workspace. In network
    mode (``network``) an agency's report carries its place among the network's agencies."""
    import shutil

    from ...history import History
    from ...network import smallest_group
    from ...render import write_report
    from ...render.perspectives import write_perspective_report

    history = History(store, actor=actor)
    info = history.info(org, wave, instrument)
    history.log("report", org, wave, info.instrument)
    # the store's policy for small cells, as `assess report --history` follows it
    smallest = smallest_group(history)
    folder = ws.folder / KEPT
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    if info.perspectives:  # each perspective with its own waves in its trend
        p = history.load_perspectives(org, wave, instrument, min_group_size=smallest)
        trends = {v: history.series(org, instrument, until=wave, version=v) for v in
                  info.perspectives}  # fmt: skip
        written = write_perspective_report(p, folder, organization=org, period=wave, trends=trends)
        return [x.name for x in written]
    scores = history.load(org, wave, instrument)
    waves = history.series(org, instrument, until=wave, version=info.version)
    earlier = list(waves)[:-1]
    previous = None
    if earlier:
        before = history.info(org, earlier[-1], instrument)
        previous = history.load(
            org, earlier[-1], instrument, perspective=info.version if before.perspectives else None
        )
    benchmarks = None
    if network is not None:  # the network's benchmarks, as a new wave's report has them
        from .report import _network_benchmarks

        benchmarks = _network_benchmarks(network, scores.instrument.id, ws)
    written = write_report(
        scores,
        folder,
        by=by if by and by in scores.respondents.columns else None,
        previous=previous,
        organization=org,
        period=wave,
        history=waves,
        min_group_size=smallest,
        benchmarks=benchmarks,
    )
    return [x.name for x in written]


async def kept_report(request: Request) -> Response:
    """Build the report of a kept wave, with the kept waves before it in its trends."""
    ws, state = session(request)
    form = await form_of(request, state)
    org, wave = _own(request, str(form.get("org") or "")), str(form.get("wave") or "")
    instrument, by = str(form.get("instrument") or ""), str(form.get("by") or "")
    try:
        from .report import _network_of

        files = await run_limited(
            _kept_report,
            ws,
            request.app.state.store,
            org,
            wave,
            instrument,
            by,
            _actor(request),
            _network_of(request),
        )
    except AssessmentError as err:
        return problem(request, ws, err, back="keep")
    ws.update(kept_report={"org": org, "wave": wave, "instrument": instrument, "files": files})
    return go(ws, "keep")


async def kept_file(request: Request) -> Response:
    """A file of the report built from kept waves (only those it wrote)."""
    from starlette.exceptions import HTTPException
    from starlette.responses import FileResponse

    ws, state = session(request)
    name = request.path_params["name"]
    files = (state.get("kept_report") or {}).get("files") or []
    path = ws.folder / KEPT / name
    if name not in files or not path.is_file():
        raise HTTPException(404, "No such file in this session.")
    return FileResponse(path, filename=name, content_disposition_type="attachment")


async def remove(request: Request) -> Response:
    """Remove a kept wave, after a page that asks first (nothing is removed by one click)."""
    ws, state = session(request)
    form = await form_of(request, state)
    org, wave = _own(request, str(form.get("org") or "")), str(form.get("wave") or "")
    instrument = str(form.get("instrument") or "")
    if form.get("confirm") != "yes":
        return page(
            request,
            "keep_remove.html",
            ws,
            "keep",
            org=org,
            wave=wave,
            instrument=instrument,
        )
    try:
        await run_in_threadpool(lambda: _history(request).remove(org, wave, instrument or None))
    except AssessmentError as err:
        return problem(request, ws, err, back="keep")
    ws.update(removed={"org": org, "wave": wave, "instrument": instrument})
    return go(ws, "keep")


async def keep(request: Request) -> Response:
    ws, state = session(request)
    form = await form_of(request, state)
    refused = stale_form(request, ws, state, form)
    if refused is not None:
        return refused
    if not state.get("scored"):
        return go(ws, "upload" if not state.get("export") else "scores")
    org = agency_of(request) or str(form.get("org") or "").strip()  # network: one's own agency
    wave = str(form.get("wave") or "").strip()
    if form.get("replace") == "yes" and form.get("confirm") != "yes":
        # replacing a kept wave deletes its scores: say which, and ask first
        try:
            kept = await run_in_threadpool(
                lambda: [
                    r for r in _history(request).rows(org=org, strict=False) if r["wave"] == wave
                ]
            )
        except AssessmentError as err:
            return problem(request, ws, err, back="keep")
        if kept:
            return page(
                request,
                "keep_replace.html",
                ws,
                "keep",
                org=org,
                wave=wave,
                wave_date=str(form.get("wave_date") or ""),
                kept=kept,
            )

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
            _actor(request),
        )
    except AssessmentError as err:
        return problem(request, ws, err, back="keep")
    ws.update(kept={"org": org, "wave": wave})
    return go(ws, "keep")


def keep_wave(
    ws: Any,
    state: dict[str, Any],
    store: str | None,
    org: str,
    wave: str,
    date: str,
    replace: bool,
    actor: str | None = None,
) -> None:
    """Score the session's export and keep it in the history (in a worker process, within the
    page's time and memory limits)."""
    from ...history import History
    from ...history.store import parse_date

    History(store, actor=actor).add(
        score_session(ws, state),
        org=org,
        wave=wave,
        source_name=state.get("export_name"),
        date=parse_date(date, "the collection date"),
        replace=replace,
    )

"""Step 1: pick a shipped instrument and version, or upload a definition, key or mapping."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ...errors import AssessmentError
from ..common import form_of, go, page, problem, session, signed_in, unsupported, workspaces
from ..limits import run_limited
from ..workspace import Workspace


async def welcome(request: Request) -> Response:
    """The start page: the kept workspaces, and a button for a new one. Opening it creates
    nothing: a workspace is made only when the person asks for one (any site the person visits
    could otherwise make this page create them)."""
    from starlette.responses import RedirectResponse as Redirect

    user = signed_in(request)
    if user is not None and user.role != "agency":  # network mode: their own pages
        return Redirect("/admin" if user.role == "admin" else "/network", status_code=303)
    ws_all = workspaces(request)
    owner = user.id if user is not None else None
    return page(
        request,
        "start.html",
        None,
        "",
        kept=ws_all.listed(owner) if ws_all.keep_days is not None else [],
        keep_days=ws_all.keep_days,
    )


async def delete(request: Request) -> Response:
    """Delete a workspace and everything in it (its own form, its own token)."""
    ws, state = session(request)
    await form_of(request, state)
    workspaces(request).delete(ws.id)
    request.app.state.jobs.pop(ws.id, None)
    return RedirectResponse("/", status_code=303)


async def start(request: Request) -> Response:
    """A new session: its own workspace (so two tabs never share one). A POST, checked for
    its origin by the app like every POST."""
    from starlette.exceptions import HTTPException as Refused

    user = signed_in(request)
    if request.app.state.accounts is not None and (user is None or user.role != "agency"):
        raise Refused(403, "Only an agency's people upload and score its assessments.")
    ws = workspaces(request).new(owner=user.id if user is not None else None)
    return RedirectResponse(f"/w/{ws.id}/instrument", status_code=303)


KINDS = {
    "instrument_file": (".yaml", ".yml"),
    "key_file": (".yaml", ".yml", ".xlsx", ".xlsm"),
    "mapping_file": (".yaml", ".yml"),
}


def _choices() -> list[dict[str, Any]]:
    from ...instruments import list_instruments

    out = []
    for inst in list_instruments():
        out.append(
            {
                "id": inst.id,
                "title": inst.title,
                "versions": list(inst.version_ids),
                "key": inst.key_description(),
            }
        )
    return out


def _ask(request: Request, ws: Workspace, message: str) -> Response:
    """The instrument page again, saying what is missing (422)."""
    return page(
        request,
        "instrument.html",
        ws,
        "instrument",
        instruments=_choices(),
        message=message,
        status=422,
    )


async def show(request: Request) -> Response:
    ws, _ = session(request)
    return page(request, "instrument.html", ws, "instrument", instruments=_choices())


async def choose(request: Request) -> Response:
    ws, state = session(request)
    form = await form_of(request, state)
    changes: dict[str, Any] = {
        "instrument": str(form.get("instrument") or ""),
        "version": str(form.get("version") or ""),
        "columns": {},
        "scored": False,  # scores and reports of another instrument are not this one's
    }
    for role in ("instrument_file", "key_file", "mapping_file"):
        upload = form.file(role)
        if upload is not None:
            filename, data = upload
            refused = unsupported(request, ws, filename, KINDS[role])
            if refused is not None:
                return refused
            stored = ws.store_upload(role.removesuffix("_file"), filename, data)
            changes[role] = stored.name
            changes[role + "_name"] = filename
        elif form.get("clear_" + role):
            changes[role] = None
    if changes.get("instrument_file") or (
        state.get("instrument_file") and changes["instrument"] == "custom"
    ):
        changes["instrument"] = "custom"
    ws.update(**changes)

    if changes["instrument"] == "custom" and not ws.state().get("instrument_file"):
        return _ask(
            request, ws, "Choose the YAML file of your own instrument, or pick a shipped one."
        )
    if not changes["instrument"]:
        return _ask(request, ws, "Choose an instrument.")

    try:  # a key workbook is read here: off the event loop, so other visitors get answers
        inst = await run_limited(describe, ws, ws.state())
    except AssessmentError as err:
        return problem(request, ws, err, back="instrument")
    if inst["versions"] > 1 and not inst["version"]:
        return _ask(request, ws, f"{inst['title']} has several versions: choose one.")
    ws.update(
        instrument_title=inst["title"],
        key_description=inst["key"],
        version=inst["version"],
    )
    return go(ws, "upload")


def describe(ws: Workspace, state: dict[str, Any]) -> dict[str, Any]:
    """What the page shows of the chosen instrument (read in a worker: a key workbook may be
    large): its title, number of versions, the version chosen and the key's status."""
    from ..session import load

    inst = load(ws, state)
    return {
        "title": inst.title,
        "versions": len(inst.versions),
        "version": inst.version or "",
        "key": inst.key_description(),
    }

"""The RSA (or RSA-R) from several perspectives on the page: the key workbook to fill in, one
file per perspective with the filled-in key, and the perspective report, as
``assess report --input FILE:VERSION ... --key KEY`` makes it."""

from __future__ import annotations

import shutil
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from ...errors import AssessmentError
from ..common import form_of, go, page, problem, session, unsupported
from ..limits import run_limited
from ..workspace import Workspace
from .upload import EXPORT_SUFFIXES

FOLDER = "perspectives"  # the perspective report's files, apart from the one-export report
#: the instruments asked in several perspectives, and their versions in report order
INSTRUMENTS = ("rsa", "rsa-r")


def _versions(instrument: str) -> list[tuple[str, str]]:
    from ...instruments import load_instrument

    inst = load_instrument(instrument)
    return [(v.id, v.name) for v in inst.versions]


def _choices() -> list[dict[str, Any]]:
    return [{"id": i, "versions": _versions(i)} for i in INSTRUMENTS]


def _form(
    request: Request, ws: Workspace, done: dict[str, Any], message: str = "", status: int = 200
) -> Response:
    """The page: the form, and the report built last (``done``)."""
    return page(
        request,
        "perspectives.html",
        ws,
        "instrument",
        instruments=_choices(),
        done=done,
        message=message,
        status=status,
    )


async def show(request: Request) -> Response:
    ws, state = session(request)
    return _form(request, ws, state.get("perspectives") or {})


def _key_template(ws: Workspace, instrument: str) -> None:
    from ...instruments.key_workbook import write_key_template

    write_key_template(instrument, ws.path("key-template.xlsx"))


async def key_template(request: Request) -> Response:
    """The key workbook of an instrument, to fill in from its official scoring sheet."""
    ws, _ = session(request)
    instrument = request.query_params.get("instrument", "rsa")
    if instrument not in INSTRUMENTS:
        raise HTTPException(404, "No key workbook for this instrument.")
    await run_limited(_key_template, ws, instrument)
    return FileResponse(
        ws.path("key-template.xlsx"),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"{instrument}-key.xlsx",
        content_disposition_type="attachment",
    )


def _build(ws: Workspace, job: dict[str, Any]) -> dict[str, Any]:
    """Score each perspective with the key and write the perspective report (in a worker)."""
    from ...perspectives import score_perspectives
    from ...render.perspectives import write_perspective_report

    inputs = [(ws.path(name), version) for version, name in job["files"].items()]
    p = score_perspectives(
        inputs,
        job["instrument"],
        key=ws.path(job["key"]),
        on_invalid="missing" if job["missing"] else "error",
        min_group_size=job["min_group_size"],
    )
    folder = ws.folder / FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    written = write_perspective_report(
        p, folder, organization=job["organization"], period=job["period"]
    )
    return {
        "scored": {v: s.n_scored for v, s in p.scores.items()},
        "excluded": {v: s.n_excluded for v, s in p.scores.items()},
        "hidden": list(p.hidden),
        "files": [x.name for x in written],
    }


async def build(request: Request) -> Response:
    """Take the key and a file per perspective, score them and build the report."""
    ws, state = session(request)
    form = await form_of(request, state)
    instrument = str(form.get("instrument") or "rsa")
    if instrument not in INSTRUMENTS:
        instrument = "rsa"
    files: dict[str, str] = {}
    names: dict[str, str] = {}
    for version, _ in _versions(instrument):
        upload = form.file(f"file_{version}")
        if upload is None:
            continue
        filename, data = upload
        refused = unsupported(request, ws, filename, EXPORT_SUFFIXES)
        if refused is not None:
            return refused
        files[version] = ws.store_upload(f"perspective-{version}", filename, data).name
        names[version] = filename
    key = form.file("key")
    message = ""
    if key is None:
        message = "Choose the filled-in scoring key (the workbook, or its YAML)."
    elif len(files) < 2:
        message = "Choose at least two files, one per perspective."
    if message:
        return _form(request, ws, {}, message, 422)
    assert key is not None  # checked above, where a missing key is a message to the person
    refused = unsupported(request, ws, key[0], (".xlsx", ".xlsm", ".yaml", ".yml"))
    if refused is not None:
        return refused
    stored_key = ws.store_upload("perspective-key", key[0], key[1]).name
    from ...network import DEFAULT_MIN_RESPONDENTS
    from .report import _network_of, _smallest_group

    job = {
        "instrument": instrument,
        # in network mode, no perspective under the network's policy is shown
        "min_group_size": max(DEFAULT_MIN_RESPONDENTS, await _smallest_group(_network_of(request))),
        "files": files,
        "key": stored_key,
        "missing": bool(form.get("on_invalid") == "missing"),
        "organization": str(form.get("organization") or "")[:200],
        "period": str(form.get("period") or "")[:100],
    }
    # the person's file names, never the page's copies, in any message (common.shown)
    given = {name: names[v] for v, name in files.items()}
    ws.update(perspectives={}, given_names={**given, stored_key: key[0]})
    try:
        result = await run_limited(_build, ws, job)
    except AssessmentError as err:
        return problem(request, ws, err, back="perspectives")
    ws.update(perspectives={**job, **result})
    return go(ws, "perspectives")


async def file(request: Request) -> Response:
    """A file of the perspective report (only those it wrote)."""
    ws, state = session(request)
    name = request.path_params["name"]
    files = (state.get("perspectives") or {}).get("files") or []
    path = ws.folder / FOLDER / name
    if name not in files or not path.is_file():
        raise HTTPException(404, "No such file in this session.")
    return FileResponse(path, filename=name, content_disposition_type="attachment")

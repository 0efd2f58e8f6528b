"""Step 5: build the report set (PDF, HTML, Excel) and the action plan in a worker process
(within the page's time and memory limits), with a page that shows the progress and then
previews the HTML."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...errors import AssessmentError
from ..common import form_of, go, page, session, shown, stale_form, unsupported
from ..limits import run_limited
from ..session import basis
from ..session import scores as score_session
from ..workspace import STATE_LOCK, Workspace

PROGRESS = "report-progress.txt"  # the step a worker is on, for the page to show
#: files the report may take besides the export, with the kinds each is read from
REPORT_FILES = {"benchmarks": (".csv",), "plan": (".xlsx",), "invited": (".csv",)}
#: the report's sections, as the page names them (the structure section has its own box)
SECTION_WORDS = {
    "summary": "At a glance",
    "domains": "Domain results",
    "groups": "Groups compared",
    "sites": "Results by site",
    "agreement": "Agreement before aggregation",
    "items": "Items, with next steps",
    "trends": "Change over time",
    "plan": "Progress on last year's action plan",
    "quality": "Reliability and data quality",
    "methods": "Methods",
}


NETWORK_NOTE = "report-network-note.txt"  # why a network mode report has no network place


def _network_benchmarks(network: dict[str, str], instrument: str, ws: Workspace) -> Any:
    """The network's benchmarks for an agency user's report (network mode): each agency's
    latest wave in the store, under the network's policy; None, with the reason written for
    the page, when the network cannot give figures (too few agencies, none stored)."""
    from ...history import History
    from ...network import NetworkError, network_benchmarks

    with History(network["store"], actor=network["actor"]) as history:
        try:
            table = network_benchmarks(history, instrument).table
        except NetworkError as err:
            ws.path(NETWORK_NOTE).write_text(err.problems[0].message, encoding="utf-8")
            return None
    if table["suppressed"].astype(bool).all():
        ws.path(NETWORK_NOTE).write_text(
            "every network figure is suppressed (too few agencies under the network's policy)",
            encoding="utf-8",
        )
        return None
    return table


def _write(
    ws: Workspace,
    state: dict[str, Any],
    choice: dict[str, Any],
    network: dict[str, str] | None = None,
) -> list[str]:
    """Build the report set and the action plan (in a worker process, within the page's time
    and memory limits); its progress goes to a small file the page reads. Returns the names
    of the files written. In network mode (``network``: the store and the person) an agency's
    report carries its place among the network's agencies."""
    from ...practices import action_plan, write_action_plan
    from ...render import write_report

    def step(text: str) -> None:
        ws.path(PROGRESS).write_text(text, encoding="utf-8")

    step("reading and scoring")
    s = score_session(ws, state)
    previous = None
    if state.get("earlier"):
        step("reading the earlier wave")
        previous = score_session(ws, state, "earlier")
    files = choice.get("files") or {}
    plan = None
    if files.get("plan"):  # last year's action plan, for the progress section
        from ...practices import read_action_plan

        plan = read_action_plan(ws.path(files["plan"]))
    invited = None
    if files.get("invited"):
        from ...stats.invitations import read_invited

        invited = read_invited(ws.path(files["invited"]))
    sections = choice.get("sections") or None
    benchmarks: Any = ws.path(files["benchmarks"]) if files.get("benchmarks") else None
    ws.path(NETWORK_NOTE).unlink(missing_ok=True)
    if network is not None:
        step("reading the network's benchmarks")
        found = _network_benchmarks(network, s.instrument.id, ws)
        if found is not None:
            import pandas as pd

            from ...stats.norms import load_benchmarks

            own = [load_benchmarks(benchmarks)] if benchmarks is not None else []
            benchmarks = pd.concat([*own, found], ignore_index=True)
    written = write_report(
        s,
        ws.folder,
        by=choice["by"] or None,
        aggregate_by=choice["aggregate_by"] or None,
        previous=previous,
        organization=choice["organization"],
        period=choice["period"],
        min_group_size=choice["min_group_size"],
        n_boot=0,
        progress=step,
        structure=bool(choice.get("structure")),
        sections=sections,
        benchmarks=benchmarks,
        plan=plan,
        invited=invited,
    )
    step("writing the action plan")
    new_plan = write_action_plan(
        action_plan(s), ws.path("action-plan.xlsx"), instrument=s.instrument.id
    )
    return [p.name for p in written] + [new_plan.name]


async def _build(
    jobs: dict[str, dict[str, Any]], ws: Workspace, state: dict[str, Any], choice: dict[str, Any]
) -> None:
    """Run :func:`_write` in a worker and keep what it built only if the session still holds
    the upload and choices it was built from."""
    job = jobs[ws.id]
    built_from = job["basis"]
    try:
        names = await run_limited(_write, ws, state, choice, job.get("network"))
        with STATE_LOCK:
            if job.get("cancelled"):  # the person stopped waiting: nothing of it is kept
                for name in names:
                    ws.path(name).unlink(missing_ok=True)
                job.update(status="cancelled", step="stopped", files=[])
                return
            if basis(ws, ws.state()) != built_from:
                # the session moved on while this was built (a new upload, other choices):
                # what was built here belongs to no file on screen, so it is not kept
                for name in names:
                    ws.path(name).unlink(missing_ok=True)
                job.update(status="stale", step="stopped", files=[])
                return
            ws.update(report_files=names, report_choice=choice, report_basis=built_from)
        note = ws.path(NETWORK_NOTE)
        job.update(
            status="done",
            step="done",
            files=names,
            network_note=note.read_text(encoding="utf-8") if note.is_file() else "",
        )
    except AssessmentError as err:
        job.update(
            status="error", problems=[shown(p.cli_text(), ws) for p in err.problems], step="stopped"
        )
    except Exception as err:  # a bug: say so plainly, never a traceback on the page
        job.update(
            status="error",
            step="stopped",
            problems=[f"internal error: {type(err).__name__}; please report it"],
        )
    finally:
        ws.path(PROGRESS).unlink(missing_ok=True)
        job["busy"] = False


def _network_of(request: Request) -> dict[str, str] | None:
    """An agency user's store and name in network mode (their report is placed among the
    network's agencies under its policy); None on the local page and for other roles."""
    user = request.scope.get("state", {}).get("user")
    if getattr(request.app.state, "accounts", None) is None or user is None:
        return None
    if user.role != "agency":
        return None
    return {"store": str(request.app.state.store), "actor": user.email}


async def _smallest_group(network: dict[str, str] | None) -> int:
    """The smallest group a report may show: the network's policy in network mode, else 1."""
    if network is None:
        return 1
    from starlette.concurrency import run_in_threadpool

    from ...history import History
    from ...network import network_policy

    def read() -> int:
        with History(network["store"], actor=network["actor"]) as history:
            return network_policy(history).min_respondents

    return await run_in_threadpool(read)


async def status(request: Request) -> Response:
    """The report build's state for the progress line (``static/progress.js``): running with
    its step, or done (then the page is loaded again, once, to show the files)."""
    from starlette.responses import JSONResponse

    ws, state = session(request)
    job = request.app.state.jobs.get(ws.id)
    if job is None or job.get("basis") != basis(ws, state):
        return JSONResponse({"status": "none"})
    step = ""
    if job.get("status") == "running" and ws.path(PROGRESS).is_file():
        step = ws.path(PROGRESS).read_text(encoding="utf-8")[:200]
    return JSONResponse({"status": str(job.get("status")), "step": step})


async def show(request: Request) -> Response:
    ws, state = session(request)
    if not state.get("scored"):
        return go(ws, "scores")
    job = request.app.state.jobs.get(ws.id)
    if job is not None and job.get("status") == "running" and ws.path(PROGRESS).is_file():
        job["step"] = ws.path(PROGRESS).read_text(encoding="utf-8")[:200]
    now = basis(ws, state)
    if job is None and state.get("report_files") and state.get("report_basis") == now:
        # built in an earlier visit (or before the server restarted): still this file's
        job = {"status": "done", "files": state["report_files"], "basis": now}
    earlier_job = None
    if job is not None and job.get("basis") != now:  # built, or being built, from another state
        earlier_job = job if job.get("status") == "running" else None
        job = None
    if job is not None and job.get("status") == "done" and state.get("report_basis") != now:
        job = None
    return page(
        request,
        "report.html",
        ws,
        "report",
        job=job,
        earlier_job=earlier_job,
        columns=state.get("metadata_columns") or [],
        choice=state.get("report_choice") or {},
        sections=SECTION_WORDS,
        smallest=await _smallest_group(_network_of(request)),
    )


async def cancel(request: Request) -> Response:
    """Stop waiting for the report being built: whatever it writes is discarded (the worker
    ends its work within the page's time limit; other visitors' work is not interrupted)."""
    ws, state = session(request)
    await form_of(request, state)
    job = request.app.state.jobs.get(ws.id)
    if job is not None and job.get("status") == "running":
        job.update(cancelled=True, status="cancelled", step="stopped")
    return go(ws, "report")


async def build(request: Request) -> Response:
    ws, state = session(request)
    form = await form_of(request, state)
    refused = stale_form(request, ws, state, form)
    if refused is not None:
        return refused
    if not state.get("scored"):
        return go(ws, "scores")
    columns = state.get("metadata_columns") or []

    def column(name: str) -> str:
        value = str(form.get(name) or "")
        return value if value in columns else ""

    network = _network_of(request)
    floor = await _smallest_group(network)
    try:
        size = max(1, int(str(form.get("min_group_size") or max(5, floor))))
    except ValueError:
        size = max(5, floor)
    from ...render.sections import DEFAULT_SECTIONS

    chosen = [n for n, _ in form.multi_items() if n.startswith("section_")]
    sections = [s for s in DEFAULT_SECTIONS if f"section_{s}" in chosen]
    structure = bool(form.get("structure"))
    choice: dict[str, Any] = {
        "by": column("by"),
        "aggregate_by": column("aggregate_by"),
        "organization": str(form.get("organization") or "")[:200],
        "period": str(form.get("period") or "")[:100],
        "min_group_size": size,
        "structure": structure,
        # every section ticked is the default set (None); the structure section is its box
        "sections": None
        if len(sections) == len(DEFAULT_SECTIONS)
        else [*sections, *(["structure"] if structure else [])],
        "files": dict((state.get("report_choice") or {}).get("files") or {}),
        "file_names": dict((state.get("report_choice") or {}).get("file_names") or {}),
    }
    refusal = ""
    if size < floor:
        refusal = (
            f"The network's policy shows no group of fewer than {floor} respondents: choose "
            f"{floor} or more for the smallest group shown."
        )
    elif form.get("section_form") and not sections:
        refusal = "Tick at least one section for the report."
    if refusal:
        return page(
            request,
            "report.html",
            ws,
            "report",
            job=None,
            earlier_job=None,
            columns=columns,
            choice=choice,
            sections=SECTION_WORDS,
            smallest=floor,
            message=refusal,
            status=422,
        )
    for role, kinds in REPORT_FILES.items():  # benchmarks, last year's plan, invitations
        upload = form.file(role)
        if upload is not None:
            filename, data = upload
            refused = unsupported(request, ws, filename, kinds)
            if refused is not None:
                return refused
            choice["files"][role] = ws.store_upload(f"report-{role}", filename, data).name
            choice["file_names"][role] = filename
        elif form.get(f"clear_{role}"):
            choice["files"].pop(role, None)
            choice["file_names"].pop(role, None)
    ws.update(report_choice=choice)
    jobs = request.app.state.jobs
    # one build at a time: a cancelled one is still writing its (discarded) files until it ends
    if not jobs.get(ws.id, {}).get("busy"):
        jobs[ws.id] = {
            "busy": True,
            "status": "running",
            "step": "starting",
            "basis": basis(ws, state),
            "export_name": state.get("export_name"),
            "network": network,
        }
        task = asyncio.get_running_loop().create_task(_build(jobs, ws, ws.state(), choice))
        tasks: set[Any] = request.app.state.tasks
        tasks.add(task)  # held until done (the loop keeps only weak references)
        task.add_done_callback(tasks.discard)
    return go(ws, "report")

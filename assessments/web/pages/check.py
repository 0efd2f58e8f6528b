"""Step 3: the validation report, with a column choice per item and the handling of answers
outside the scale."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from ...errors import AssessmentError
from ..common import form_of, frame_rows, go, page, problem, session, shown, stale_form
from ..limits import run_limited
from ..session import load, responses
from ..workspace import Workspace

if TYPE_CHECKING:
    from ...instruments import Instrument

MAPPING_CODES = {"missing-items", "no-items", "column-mapped-twice", "unknown-column"}


def _draft(
    inst: Instrument, columns: list[str], chosen: dict[str, str], mapped: dict[str, str] | None
) -> dict[str, Any]:
    """One row per item: the column it reads from, how sure the match is, the choices."""
    from ...io.mapping import draft_mapping

    by_item = {v: k for k, v in (mapped or {}).items()}
    rows = []
    for d in draft_mapping(columns, inst):
        item = inst.item(d["item"])
        column = chosen.get(d["item"]) or by_item.get(d["item"]) or d["column"]
        rows.append(
            {
                "item": d["item"],
                "label": item.label,
                "column": column,
                "auto": d["column"] or "",
                "confidence": 1.0 if d["item"] in chosen else d["confidence"],
                "how": "chosen here" if d["item"] in chosen else (d["method"] or "no match"),
                "doubtful": d["item"] not in chosen and d["confidence"] < 0.9,
            }
        )
    return {"columns": columns, "rows": rows}


def _draft_of_file(ws: Workspace, state: dict[str, Any]) -> tuple[Instrument, dict[str, Any]]:
    """The column choices when the export could not be mapped (read its header alone)."""
    from ...io import read_table

    inst = load(ws, state)
    columns = [str(c) for c in read_table(ws.path(state["export"])).data.columns]
    return inst, _draft(inst, columns, state.get("columns") or {}, None)


def _draft_only(ws: Workspace, state: dict[str, Any]) -> dict[str, Any]:
    """The column choices alone (what a worker process sends back)."""
    return _draft_of_file(ws, state)[1]


def _mapping_text(ws: Workspace, state: dict[str, Any]) -> str:
    """The mapping file of the choices on the page, as text."""
    from ...io.mapping import mapping_yaml

    inst, draft = _draft_of_file(ws, state)
    entries = [
        {
            "item": r["item"],
            "column": r["column"],
            "method": r["how"],
            "confidence": r["confidence"],
        }
        for r in draft["rows"]
    ]
    return mapping_yaml(entries, inst, state.get("export_name") or "export")


def _report(ws: Workspace, state: dict[str, Any]) -> dict[str, Any]:
    from ...io import validate

    r = responses(ws, state)
    # as the page's own choice says: no "treated as missing" while the choice is to stop
    report = validate(r, on_invalid=state.get("on_invalid") or "error")
    tables = {name: frame_rows(df, 50) for name, df in report.tables().items()}
    notes = dict.fromkeys([*report.notes, *report.quality_notes()])  # each note once
    return {
        "summary": dict(report.summary),
        "tables": tables,
        "notes": [shown(n, ws) for n in notes],
        "mapping": _draft(
            r.instrument, [str(c) for c in r.raw.columns], state.get("columns") or {}, r.columns
        ),
        "mapping_error": None,
    }


async def show(request: Request) -> Response:
    ws, state = session(request)
    if not state.get("export"):
        return go(ws, "upload")
    try:
        result = await run_limited(_report, ws, state)
    except AssessmentError as err:
        if set(err.codes) & MAPPING_CODES:  # fixable here: show the column choices
            try:
                mapping = await run_limited(_draft_only, ws, state)
            except AssessmentError as again:
                return problem(request, ws, again, back="upload")
            return page(
                request,
                "check.html",
                ws,
                "check",
                status=422,
                summary=None,
                tables={},
                notes=[],
                mapping=mapping,
                mapping_error=[shown(p.cli_text(), ws) for p in err.problems],
            )
        return problem(request, ws, err, back="upload")
    return page(request, "check.html", ws, "check", **result)


async def update(request: Request) -> Response:
    """Save the column chosen for each item and how to treat answers outside the scale."""
    ws, state = session(request)
    form = await form_of(request, state)
    refused = stale_form(request, ws, state, form)
    if refused is not None:
        return refused
    posted = dict(form.multi_items())
    chosen: dict[str, str] = {}
    for key, value in posted.items():
        if not key.startswith("col:"):
            continue
        # a shown choice is a choice: the column on screen for each item is the one used,
        # whether the page suggested it or the person picked it
        if value:
            chosen[key[4:]] = value
    ws.update(
        columns=chosen,
        on_invalid="missing" if form.get("on_invalid") == "missing" else "error",
        allow_missing_items=form.get("allow_missing_items") == "yes",
    )
    if form.get("action") == "score":
        return go(ws, "scores")
    return go(ws, "check")


async def mapping_file(request: Request) -> Response:
    """The mapping as a file to use next time (``assess ... --map mapping.yaml``)."""
    ws, state = session(request)
    if not state.get("export"):  # nothing uploaded yet: nothing to map
        return go(ws, "upload")
    try:
        text = await run_limited(_mapping_text, ws, state)
    except AssessmentError as err:
        return problem(request, ws, err, back="check")
    return Response(
        text,
        media_type="application/x-yaml",
        headers={"Content-Disposition": 'attachment; filename="mapping.yaml"'},
    )

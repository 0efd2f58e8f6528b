"""What every page shares: templates, the session's workspace, CSRF, error pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from ..errors import AssessmentError
from .workspace import Workspace, Workspaces

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


#: network mode's session cookie (:mod:`.pages.network`)
COOKIE = "assess_session"


def csrf_of(request: Request) -> str:
    """Network mode: the account forms' token (the header's sign-out form's too), derived from
    the session cookie, so that it ends with the session."""
    import hashlib
    import hmac

    token = request.cookies.get(COOKIE, "")
    return hmac.new(token.encode(), b"account forms", hashlib.sha256).hexdigest()[:40]


templates.env.globals["account_csrf"] = csrf_of

STEPS = (
    ("instrument", "1 Instrument"),
    ("upload", "2 Upload"),
    ("check", "3 Check"),
    ("scores", "4 Scores"),
    ("report", "5 Report"),
    ("keep", "6 Keep it"),
)


def workspaces(request: Request) -> Workspaces:
    found: Workspaces = request.app.state.workspaces
    return found


def signed_in(request: Request) -> Any:
    """The signed-in person in network mode (:mod:`assessments.accounts`), else None."""
    return request.scope.get("state", {}).get("user")


def agency_of(request: Request) -> str | None:
    """Network mode: the signed-in agency user's agency, the only organization they may keep,
    list, report or remove waves of; None on the local page."""
    user = signed_in(request)
    return user.agency if user is not None else None


def session(request: Request) -> tuple[Workspace, dict[str, Any]]:
    """The workspace named in the URL, or 404: in network mode also when it is another
    person's (the same answer as for one that does not exist, so ids cannot be probed)."""
    ws = workspaces(request).get(request.path_params["wid"])
    gone = HTTPException(404, "This session has ended (sessions last a few hours). Start again.")
    if ws is None:
        raise gone
    state = ws.state()
    user = signed_in(request)
    if request.app.state.accounts is not None and (
        user is None or user.role != "agency" or state.get("owner") != user.id
    ):
        raise gone
    return ws, state


class Posted:
    """A posted form, read whole: text fields, and uploaded files as (name, bytes)."""

    def __init__(self, fields: list[tuple[str, str]], files: dict[str, tuple[str, bytes]]):
        self.fields = fields
        self.files = files

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)

    def file(self, name: str) -> tuple[str, bytes] | None:
        """An uploaded file (its name as the person gave it, its bytes), if one was chosen."""
        return self.files.get(name)

    def multi_items(self) -> list[tuple[str, str]]:
        return list(self.fields)


class Disconnected(Exception):
    """The browser went away before its request was read whole (the app answers quietly)."""


def _limited(request: Request, cap: int) -> Request:
    """The request with a body reader that stops at ``cap`` bytes (a chunked upload has no
    declared size) and turns a client that goes away into :class:`Disconnected`."""
    seen = 0
    receive = request.receive

    async def limited() -> Any:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected
        seen += len(message.get("body", b""))
        if seen > cap:
            raise HTTPException(413, f"The upload is larger than the limit of {cap // 2**20} MB.")
        return message

    return Request(request.scope, limited)


async def form_of(request: Request, state: dict[str, Any]) -> Posted:
    """The posted form, after checking its size and CSRF token (files are read, then closed).

    A declared size over the limit is refused before the body is read (413); a body without a
    declared size is read only up to the limit."""
    from starlette.requests import ClientDisconnect

    from .workspace import max_upload_bytes

    limit = max_upload_bytes()
    cap = limit + 1024 * 1024  # the form's own fields and boundaries
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > cap):
        raise HTTPException(413, f"The upload is larger than the limit of {limit // 2**20} MB.")
    fields: list[tuple[str, str]] = []
    files: dict[str, tuple[str, bytes]] = {}
    try:
        async with _limited(request, cap).form(max_files=5, max_fields=2000) as form:
            for key, value in form.multi_items():
                if isinstance(value, str):
                    fields.append((key, value))
                elif value.filename:
                    data = await value.read(limit + 1)
                    if len(data) > limit:
                        raise HTTPException(
                            413,
                            f"{safe_name(value.filename)} is larger than the limit of "
                            f"{limit // 2**20} MB.",
                        )
                    files[key] = (safe_name(value.filename), data)
    except ClientDisconnect:
        raise Disconnected from None
    posted = Posted(fields, files)
    if posted.get("csrf") != state.get("csrf"):
        raise HTTPException(403, "This form has expired or did not come from this page. Reload it.")
    return posted


_UNSAFE_NAME = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff/\\\\]")


def safe_name(name: str) -> str:
    """A file name as given, fit to show and to keep as text: its last path part, without
    control characters or slashes, at most 120 characters (it never becomes a path)."""
    base = re.split(r"[/\\]", str(name))[-1]
    cleaned = _UNSAFE_NAME.sub("_", base).strip() or "file"
    if len(cleaned) > 120:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (stem[:110] + "…." + ext) if dot and len(ext) <= 8 else cleaned[:120]
    return cleaned


def unsupported(
    request: Request, ws: Workspace, filename: str, suffixes: tuple[str, ...]
) -> Response | None:
    """A page saying which kinds of file are read, when ``filename`` is none of them."""
    suffix = Path(filename).suffix.lower()
    if suffix in suffixes:
        return None
    kind = f"a {suffix[1:].upper()} file" if suffix else "a file without an extension"
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "ws": ws,
            "state": ws.state(),
            "steps": STEPS,
            "step": "",
            "summary": f"{filename} is {kind}, which this page cannot read.",
            "problems": ["Choose a file of one of these kinds: " + ", ".join(suffixes) + "."],
            "back": None,
        },
        status_code=415,
    )


def page(
    request: Request, name: str, ws: Workspace | None, step: str, status: int = 200, **ctx: Any
) -> Response:
    from .session import basis

    state = ws.state() if ws is not None else {}
    now = basis(ws, state) if ws is not None else ""
    return templates.TemplateResponse(
        request,
        name,
        {"ws": ws, "state": state, "steps": STEPS, "step": step, "basis": now, **ctx},
        status_code=status,
    )


def stale_form(
    request: Request, ws: Workspace, state: dict[str, Any], form: Posted
) -> Response | None:
    """A form posted from a page that showed another state of this session (another tab, or
    a page left open before a new upload) is refused: it would act on a file it did not show."""
    from .session import basis

    if form.get("basis") == basis(ws, state):
        return None
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "ws": ws,
            "state": state,
            "steps": STEPS,
            "step": "",
            "summary": "This page was showing an earlier state of your session, so nothing was "
            "done.",
            "problems": [
                "The session now holds "
                + (f"the file {state['export_name']}" if state.get("export_name") else "no file")
                + " with the choices made since (perhaps in another tab or window). Open the "
                "step again from the list above to see it, then repeat what you were doing."
            ],
            "back": None,
        },
        status_code=409,
    )


#: command-line advice in a message, said as what to do on the page: (flag, takes a value, words)
PAGE_ADVICE = (
    ("--on-invalid", True, "the choice \u201cTreat them as missing\u201d on the Check step"),
    ("--allow-missing-items", False,
     "the box \u201cScore even if some items have no column\u201d on the Check step"),
    ("--encoding", True,
     "the text encoding under \u201cMore about the file\u201d on the Upload step"),
    ("--dictionary", True,
     "the REDCap data dictionary under \u201cMore about the file\u201d on the Upload step (or in "
     "the draft form on the Instrument step)"),
    ("--columns", True, "the item columns of the draft form on the Instrument step"),
    ("--sheet", True, "the sheet under \u201cMore about the file\u201d on the Upload step"),
    ("--header-row", False,
     "the row of the column names under \u201cMore about the file\u201d on the Upload step"),
    ("--replace", False,
     "the box \u201cReplace a wave already kept under this label\u201d on the Keep step"),
    ("--date", True, "the collection date on the Keep step"),
    ("--map", True, "a mapping file on the Instrument step"),
    ("--version", True, "the version on the Instrument step"),
    ("--key", True, "the scoring key on the Instrument step"),
    ("--org", True, "the organization on the Keep step"),
    ("--wave", True, "the wave on the Keep step"),
    ("--min-group-size", True, "the smallest group shown on the Report step"),
)  # fmt: skip
_COMMANDS = (
    (
        re.compile(r"`?assess history add \.\.\. --date YYYY-MM-DD --replace`?"),
        "the collection date on the Keep step, with its box \u201cReplace a wave already kept "
        "under this label\u201d",
    ),
    (
        re.compile(r"draft a mapping file with `?assess map\b[^`;)]*`?"),
        "choose each item's column on the Check step",
    ),
    (re.compile(r"(?:run )?`?assess map\b[^`;)]*`?"), "use the column choices on the Check step"),
    (re.compile(r"`?assess history add\b(?: \.\.\.)?"), "the Keep step:"),
    (re.compile(r"`?assess history list`?"), "the list on the Keep step"),
    (re.compile(r" \(\w+= in Python\)"), ""),
)


def page_words(text: str) -> str:
    """A message the command line also prints, with its command-line advice said as what to do
    on the page (a person on the page has no terminal)."""
    for pattern, words in _COMMANDS:
        text = pattern.sub(words, text)
    for flag, takes_value, words in PAGE_ADVICE:
        value = r"(?:[ =](?!-)[^\s;,)(]+)?" if takes_value else ""
        text = re.sub(rf"`?{re.escape(flag)}(?![\w-]){value}`?", words, text)
    return text


def shown(text: str, ws: Workspace | None) -> str:
    """A message with the workspace's file paths replaced by the names the person gave."""
    if ws is None:
        return page_words(text)
    state = ws.state()
    given: dict[str, str] = {}  # the page's copy -> the person's name for it
    for role in ("export", "earlier", "instrument_file", "key_file", "mapping_file"):
        if state.get(role):
            given[state[role]] = state.get(role + "_name") or role
    choice = state.get("report_choice") or {}
    for role, name in (choice.get("files") or {}).items():  # the report's own files
        given[name] = (choice.get("file_names") or {}).get(role) or role
    given.update(state.get("given_names") or {})  # other steps' copies (the perspectives page)
    for stored, name in given.items():
        text = text.replace(str(ws.path(stored)), name)
        # a hint that names the file ("rename it to export.xlsx") names the person's file;
        # only the page's own name as a whole word ("key." inside "my-key.yaml" is not it)
        own = re.compile(rf"(?<![\w.-]){re.escape(Path(stored).stem)}\.")
        text = own.sub((Path(name).stem + ".").replace("\\", "\\\\"), text)
    # no private path of the server is ever shown (a key file named in a scoring note)
    text = text.replace(str(ws.folder) + "/", "").replace(str(ws.folder), "")
    return page_words(text)


def problem(request: Request, ws: Workspace | None, err: AssessmentError, back: str) -> Response:
    """The same message the command line prints, as a page (422)."""
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "ws": ws,
            "state": ws.state() if ws else {},
            "steps": STEPS,
            "step": "",
            "summary": shown(err.summary or "", ws),
            "problems": [shown(p.cli_text(), ws) for p in err.problems],
            "back": back,
        },
        status_code=422,
    )


def go(ws: Workspace, where: str) -> RedirectResponse:
    return RedirectResponse(f"/w/{ws.id}/{where}", status_code=303)


def frame_rows(df: Any, limit: int = 200) -> dict[str, Any]:
    """A DataFrame as plain strings for a template table (escaped by the template)."""
    if df is None or len(df) == 0:
        return {"columns": [], "rows": [], "more": 0}
    shown = df.head(limit)
    rows = [
        [
            ""
            if v is None or (isinstance(v, float) and v != v)
            else (f"{v:.2f}" if isinstance(v, float) else str(v))
            for v in rec
        ]
        for rec in shown.itertuples(index=False)
    ]
    return {"columns": [str(c) for c in df.columns], "rows": rows, "more": len(df) - len(shown)}

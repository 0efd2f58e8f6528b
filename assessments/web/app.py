"""The local web page (``assess serve``): a Starlette app over the library's public API.

Every page is server-rendered HTML that works without JavaScript; the one script, the
toolkit's own (``static/progress.js``), tells the report build's progress in a live region.
Requests whose Host header is not the address the server is bound to are refused (DNS
rebinding), every form that changes something carries its session's CSRF token, and a
Content-Security-Policy forbids inline scripts, scripts from anywhere else and any request to
another site.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .common import HERE, STEPS, Disconnected, templates
from .pages import (
    check,
    draft,
    files,
    instrument,
    keep,
    network,
    perspectives,
    report,
    scores,
    upload,
)
from .workspace import Workspaces

CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self' data:; frame-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
)


class SecurityHeaders:
    """Adds the CSP and the other protective headers to every response that has none."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",  # a form's POST then carries its Origin
                    b"x-frame-options": b"SAMEORIGIN",
                    b"cache-control": b"no-store",
                }
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, sending)


class SameOrigin:
    """Every POST must come from this page: a browser sends ``Origin`` (and ``Sec-Fetch-Site``)
    with each POST, and one from another site is refused before anything is read (a valid CSRF
    token carried by a foreign page included)."""

    def __init__(self, app: ASGIApp, origins: set[str]):
        self.app = app
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            headers = {k.lower(): v for k, v in scope.get("headers", [])}
            origin = headers.get(b"origin", b"").decode("latin-1")
            site = headers.get(b"sec-fetch-site", b"").decode("latin-1")
            if (origin and origin not in self.origins) or site == "cross-site":
                response = Response(
                    "Refused: this form did not come from the page.", status_code=403
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SignedIn:
    """Network mode: every request but sign-in, an invitation link and the static files needs a
    signed-in person (a GET is sent to sign in, anything else refused); the person is put in
    the request's state for the pages."""

    OPEN = ("/signin", "/invite/", "/static/", "/favicon.ico")

    def __init__(self, app: ASGIApp, accounts: object):
        self.app = app
        self.accounts = accounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import RedirectResponse

        request = Request(scope)
        token = request.cookies.get(network.COOKIE)
        user = await run_in_threadpool(self.accounts.user_of, token) if token else None  # type: ignore[attr-defined]
        scope.setdefault("state", {})["user"] = user
        path = scope["path"]
        if user is None and not any(path == p.rstrip("/") or path.startswith(p) for p in self.OPEN):
            response: Response = (
                RedirectResponse("/signin", status_code=303)
                if scope["method"] in ("GET", "HEAD")
                else Response("Sign in first.", status_code=403)
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _gone(request: Request, exc: Exception) -> Response:
    """The browser went away mid-request: nothing to answer, nothing to print."""
    return Response(status_code=400)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Something went wrong."
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "ws": None,
            "state": {},
            "steps": STEPS,
            "step": "",
            "summary": detail,
            "problems": [],
            "back": None,
        },
        status_code=status,
    )


def create_app(
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    root: Path | None = None,
    store: str | None = None,
    keep_days: float | None = None,
    accounts: bool = False,
    public_url: str | None = None,
) -> Starlette:
    """The app. ``root`` holds the session workspaces; ``store`` is the assessment history.

    With ``keep_days`` the workspaces are kept between visits and runs (in the user's data
    folder unless ``root`` says otherwise), listed on the start page, and deleted by the
    person or after ``keep_days`` days without a change: when the app starts and every hour.
    Without it they are temporary (a private temporary folder by default), deleted when the
    app stops.

    With ``accounts`` the page runs in network mode on ``store`` (see
    :mod:`assessments.accounts`): people sign in, an agency user's workspaces and kept waves
    are their agency's alone, analysts and the administrator have pages of their own."""
    import asyncio

    workspaces = Workspaces(root, keep_days=keep_days)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        workspaces.open()
        workspaces.sweep()

        async def hourly() -> None:
            while True:
                await asyncio.sleep(3600)
                await asyncio.to_thread(workspaces.sweep)

        sweeper = asyncio.create_task(hourly())
        try:
            yield
        finally:
            sweeper.cancel()
            workspaces.close()

    w = "/w/{wid:str}"
    signed: list[Route] = []
    if accounts:
        signed = [
            Route("/signin", network.signin_page),
            Route("/signin", network.signin, methods=["POST"]),
            Route("/signout", network.signout, methods=["POST"]),
            Route("/invite/{token:str}", network.invite_page),
            Route("/invite/{token:str}", network.invite_accept, methods=["POST"]),
            Route("/admin", network.admin),
            Route("/admin", network.admin_action, methods=["POST"]),
            Route("/network", network.network),
            Route("/network/report", network.network_report),
        ]
    routes = [
        *signed,
        Route("/", instrument.welcome),
        Route("/start", instrument.start, methods=["POST"]),
        Route(w + "/instrument", instrument.show),
        Route(w + "/instrument", instrument.choose, methods=["POST"]),
        Route(w + "/perspectives", perspectives.show),
        Route(w + "/perspectives", perspectives.build, methods=["POST"]),
        Route(w + "/perspectives/{name:str}", perspectives.file),
        Route(w + "/key-template.xlsx", perspectives.key_template),
        Route(w + "/draft", draft.show),
        Route(w + "/draft", draft.create, methods=["POST"]),
        Route(w + "/draft/use", draft.use, methods=["POST"]),
        Route(w + "/draft.yaml", draft.download),
        Route(w + "/upload", upload.show),
        Route(w + "/template.xlsx", upload.template),
        Route(w + "/upload", upload.receive, methods=["POST"]),
        Route(w + "/check", check.show),
        Route(w + "/check", check.update, methods=["POST"]),
        Route(w + "/mapping.yaml", check.mapping_file),
        Route(w + "/scores", scores.show),
        Route(w + "/report", report.show),
        Route(w + "/report", report.build, methods=["POST"]),
        Route(w + "/report/preview", files.preview),
        Route(w + "/report/status", report.status),
        Route(w + "/report/cancel", report.cancel, methods=["POST"]),
        Route(w + "/report.zip", files.report_zip),
        Route(w + "/keep", keep.show),
        Route(w + "/keep", keep.keep, methods=["POST"]),
        Route(w + "/keep/report", keep.kept_report, methods=["POST"]),
        Route(w + "/keep/remove", keep.remove, methods=["POST"]),
        Route(w + "/kept/{name:str}", keep.kept_file),
        Route(w + "/files/{name:str}", files.download),
        Route(w + "/delete", instrument.delete, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    allowed = sorted({"127.0.0.1", "localhost", "::1", host})
    origins = {
        f"http://{'[' + h + ']' if ':' in h else h}" + suffix
        for h in allowed
        for suffix in (f":{port}", "" if port == 80 else f":{port}")
    }
    if public_url:  # behind a TLS reverse proxy: the address people open
        from urllib.parse import urlsplit

        public = urlsplit(public_url)
        if public.scheme not in ("https", "http") or not public.hostname:
            raise ValueError(f"not a web address: {public_url!r}")
        allowed = sorted({*allowed, public.hostname})
        origins.add(f"{public.scheme}://{public.netloc}")
    account_store = None
    if accounts:
        from ..accounts import Accounts
        from ..history import History

        if not store:
            raise ValueError("network mode needs the history store the accounts live in")
        account_store = Accounts(History(store))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(TrustedHostMiddleware, allowed_hosts=allowed),
            Middleware(SameOrigin, origins=origins),
            *([Middleware(SignedIn, accounts=account_store)] if account_store else []),
        ],
        exception_handlers={
            HTTPException: _http_error,
            Disconnected: _gone,
            500: _http_error,
        },
        lifespan=lifespan,
    )
    app.state.workspaces = workspaces
    app.state.jobs = {}
    app.state.tasks = set()  # report builds under way
    app.state.store = store
    app.state.port = port
    app.state.accounts = account_store
    return app

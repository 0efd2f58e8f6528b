"""Network mode (``assess serve --accounts``): sign-in, invitations, the administrator's page
and the network's page (benchmarks, the network report).

Every page but sign-in and an invitation's needs a signed-in person (:class:`SignedIn`, in
:mod:`..app`); an agency user's workspaces and kept waves are their agency's alone
(:func:`..common.session`, :mod:`.keep`). Forms here carry a token derived from the session
(``csrf_of``), or before sign-in a double-submit cookie; the app refuses a POST from another
site before either is read.
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ...accounts import ROLES, AccountError, Accounts, User
from ...errors import Problem
from ...network import NetworkError
from ..common import COOKIE, STEPS, csrf_of, templates

PRE = "assess_pre"  # the double-submit token of the sign-in and invitation forms


def accounts_of(request: Request) -> Accounts:
    found: Accounts = request.app.state.accounts
    return found


def user_of(request: Request) -> User | None:
    """The signed-in person (network mode), or None (the local page has no accounts)."""
    user: User | None = request.scope.get("state", {}).get("user")
    return user


def history_for(request: Request) -> Any:
    """The history store as the signed-in person: what they read is logged under their name."""
    from ...history import History

    user = user_of(request)
    return History(request.app.state.store, actor=user.email if user is not None else None)


def _blank(frame: Any) -> Any:
    """A table with its missing values as empty text, for a template."""
    return frame.astype(object).where(frame.notna(), "")


def _render(request: Request, name: str, status: int = 200, **ctx: Any) -> Response:
    return templates.TemplateResponse(
        request,
        name,
        {"ws": None, "state": {}, "steps": STEPS, "step": "", "basis": "", **ctx},
        status_code=status,
    )


def _secure(request: Request) -> bool:
    """Cookies are Secure when the page is served over HTTPS (behind the TLS proxy, with
    uvicorn's ``--proxy-headers`` the scheme is the proxy's)."""
    return request.url.scheme == "https"


async def _form(request: Request) -> dict[str, str]:
    async with request.form(max_files=0, max_fields=20) as form:
        return {k: v for k, v in form.items() if isinstance(v, str)}


def _same(given: str, expected: str) -> bool:
    """A constant-time comparison that any posted text can go through (``compare_digest``
    refuses non-ASCII ``str``)."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def _need(request: Request, *roles: str) -> User:
    user = user_of(request)
    if user is None or user.role not in roles:
        raise HTTPException(403, "This page is not open to your role.")
    return user


async def _checked(request: Request) -> dict[str, str]:
    """An account form posted by a signed-in person, its token checked."""
    form = await _form(request)
    if not _same(form.get("csrf", ""), csrf_of(request)):
        raise HTTPException(403, "This form has expired or did not come from this page. Reload it.")
    return form


# ------------------------------------------------------------------------------ sign-in
def _pre(request: Request) -> str:
    """The browser's double-submit token: the one it has (another request of the same browser,
    a favicon's, must not replace the one an open form carries), else a new one."""
    have = request.cookies.get(PRE, "")
    return have if re.fullmatch(r"[A-Za-z0-9_-]{20,64}", have) else secrets.token_urlsafe(24)


async def signin_page(request: Request, message: str = "", status: int = 200) -> Response:
    pre = _pre(request)
    response = _render(request, "signin.html", status, pre=pre, message=message)
    response.set_cookie(PRE, pre, httponly=True, samesite="strict", secure=_secure(request))
    return response


def _pre_ok(request: Request, form: dict[str, str]) -> bool:
    cookie = request.cookies.get(PRE, "")
    return bool(cookie) and _same(form.get("pre", ""), cookie)


async def signin(request: Request) -> Response:
    form = await _form(request)
    if not _pre_ok(request, form):
        return await signin_page(request, "The sign-in form expired. Try again.", 403)
    try:
        token, user = await run_in_threadpool(
            accounts_of(request).sign_in, form.get("email", ""), form.get("password", "")
        )
    except AccountError as err:
        return await signin_page(request, err.problems[0].message, 401)
    response = RedirectResponse(_home(user), status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
                        max_age=12 * 3600)  # fmt: skip
    response.delete_cookie(PRE)
    return response


async def signout(request: Request) -> Response:
    await _checked(request)
    token = request.cookies.get(COOKIE)
    if token:
        await run_in_threadpool(accounts_of(request).sign_out, token)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE)
    return response


def _home(user: User) -> str:
    return {"admin": "/admin", "analyst": "/network"}.get(user.role, "/")


async def invite_page(request: Request, message: str = "", status: int = 200) -> Response:
    token = request.path_params["token"]
    if request.method == "GET" and not await run_in_threadpool(
        accounts_of(request).link_works, token
    ):  # said before anyone chooses a password for nothing
        return _render(request, "invite.html", 400, dead=True, token="", pre="",
                       message="This link has expired or was used already: ask your "
                       "network's administrator for a new one.")  # fmt: skip
    pre = _pre(request)
    response = _render(request, "invite.html", status, pre=pre, message=message, token=token)
    response.set_cookie(PRE, pre, httponly=True, samesite="strict", secure=_secure(request))
    return response


async def invite_accept(request: Request) -> Response:
    form = await _form(request)
    if not _pre_ok(request, form):
        return await invite_page(request, "The form expired. Try again.", 403)
    if form.get("password", "") != form.get("again", ""):
        return await invite_page(request, "The two passwords differ.", 400)
    try:
        await run_in_threadpool(
            accounts_of(request).accept, request.path_params["token"], form.get("password", "")
        )
    except AccountError as err:
        return await invite_page(request, err.problems[0].message, 400)
    return await signin_page(request, "Your password is set: sign in.")


# ------------------------------------------------------------------------ administrator
async def admin(request: Request, **shown: Any) -> Response:
    _need(request, "admin")
    a = accounts_of(request)

    def read() -> dict[str, Any]:
        from ...network import network_policy

        history = history_for(request)
        events = history.events()
        agencies = a.agencies()
        return {
            "agencies": agencies,
            "users": a.users(),
            "events": _blank(events.tail(200).iloc[::-1]).to_dict(orient="records"),
            "policy": network_policy(history),
            **_submitted(history.rows(), agencies),
        }

    data = await run_in_threadpool(read)
    return _render(request, "admin.html", csrf=csrf_of(request), roles=ROLES, **data, **shown)


def _submitted(rows: list[dict[str, Any]], agencies: list[str]) -> dict[str, Any]:
    """Per instrument: how many agencies have kept a wave, the latest wave, and the agencies
    with an account but no wave of it yet (whom to remind). Reads the list of waves only."""
    from ...instruments import list_instruments

    titles = {i.id: i.title for i in list_instruments()}
    by: dict[str, dict[str, Any]] = {}
    for r in rows:
        one = by.setdefault(r["instrument"], {"orgs": set(), "latest": ""})
        one["orgs"].add(r["org"])
        when = str(r.get("date") or r.get("added_at") or "")[:10]
        one["latest"] = max(one["latest"], when)
    submitted = [
        {
            "instrument": titles.get(i, i),
            "agencies": len(v["orgs"]),
            "latest": v["latest"],
            "missing": ", ".join(x for x in agencies if x not in v["orgs"]) or "none",
        }
        for i, v in sorted(by.items())
    ]
    return {"submitted": submitted}


async def admin_action(request: Request) -> Response:
    """One of the administrator's forms: ``action`` says which."""
    _need(request, "admin")
    form = await _checked(request)
    a = accounts_of(request)
    action = form.get("action", "")
    email = form.get("email", "")
    try:
        if action == "agency":
            await run_in_threadpool(a.create_agency, form.get("name", ""))
            return await admin(request, message=f"Agency {form.get('name', '').strip()!r} added.")
        if action == "invite":
            role = form.get("role", "")
            agency = form.get("agency") or None
            token = await run_in_threadpool(
                lambda: a.invite(email, role, agency=agency if role == "agency" else None)
            )
            return await admin(request, link=f"/invite/{token}", link_for=email)
        if action == "reset":
            token = await run_in_threadpool(a.reset_link, email)
            return await admin(request, link=f"/invite/{token}", link_for=email)
        if action == "signout":
            await run_in_threadpool(a.sign_out_everywhere, email)
            return await admin(request, message=f"{email} is signed out everywhere.")
        if action == "disable":
            await run_in_threadpool(a.disable, email)
            return await admin(request, message=f"{email} can no longer sign in.")
        if action == "policy":
            from ...network import set_network_policy

            def number(name: str) -> int | None:
                text = form.get(name, "").strip()
                if not text:
                    return None
                if not text.isdigit() or len(text) > 6:
                    raise NetworkError(Problem("bad-option", f"{text!r} is not a whole number"))
                return int(text)

            policy = await run_in_threadpool(
                lambda: set_network_policy(
                    history_for(request),
                    min_respondents=number("min_respondents"),
                    min_agencies=number("min_agencies"),
                )
            )
            return await admin(request, message="The network's policy is now: "
                               + policy.describe() + ".")  # fmt: skip
    except (AccountError, NetworkError) as err:
        return await admin(request, message=err.problems[0].message)
    raise HTTPException(400, "Unknown action.")


# ---------------------------------------------------------------------------- network
async def network(request: Request) -> Response:
    """The network's benchmarks (analysts and the administrator)."""
    _need(request, "admin", "analyst")
    from ...instruments import list_instruments
    from ...network import NetworkError, network_benchmarks

    history = history_for(request)
    stored = sorted(set(r["instrument"] for r in await run_in_threadpool(history.rows)))
    known = {i.id: i.title for i in list_instruments()}
    chosen = request.query_params.get("instrument") or (stored[0] if stored else "")
    table: list[dict[str, Any]] = []
    notes: list[str] = []
    if chosen in stored:
        try:
            bench = await run_in_threadpool(lambda: network_benchmarks(history, chosen))
        except NetworkError as err:
            notes.append(err.problems[0].message)
        else:
            names = _score_names(chosen)
            table = [
                {**{str(k): v for k, v in r.items()}, "name": names.get(str(r["target"]), "")}
                for r in _blank(bench.table).to_dict(orient="records")
            ]
            notes = bench.notes
    return _render(
        request,
        "network.html",
        instruments=[(i, known.get(i, i)) for i in stored],
        chosen=chosen,
        table=table,
        notes=notes,
        named=user_of(request) is not None and user_of(request).role == "admin",  # type: ignore[union-attr]
        csrf=csrf_of(request),
    )


def _score_names(instrument: str) -> dict[str, str]:
    """Reader-facing names of a shipped instrument's scores (a user's own instrument: none,
    its ids are shown)."""
    from ...errors import AssessmentError
    from ...instruments import load_instrument

    try:
        return load_instrument(instrument).score_names()
    except AssessmentError:
        return {}


async def network_report(request: Request) -> Response:
    """The network report as one self-contained HTML page: agencies coded for analysts, named
    for the administrator when asked."""
    user = _need(request, "admin", "analyst")
    from ...network import chosen_waves
    from ...render import render_html
    from ...render.network import agency_codes, build_network_report

    instrument = request.query_params.get("instrument", "")
    named = user.role == "admin" and request.query_params.get("named") == "yes"
    history = history_for(request)

    def build() -> str:
        codes = None
        if not named:
            codes = agency_codes(sorted(chosen_waves(history, instrument)))
        report = build_network_report(history, instrument, codes=codes)
        return render_html(report)

    try:
        page = await run_in_threadpool(build)
    except Exception as err:  # an unknown instrument, too few agencies: said on the page
        from ...errors import AssessmentError

        if not isinstance(err, AssessmentError):
            raise
        raise HTTPException(400, err.problems[0].message) from None
    return Response(page, media_type="text/html; charset=utf-8")

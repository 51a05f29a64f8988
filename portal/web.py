"""Routes that declare who may use them, and the per-request plumbing around views.

Every route is built with ``route()``: it opens the request's database session,
finds the principal, enforces the route's declared ``Access`` and CSRF on state
changes, then calls the view. Someone who may not see a thing gets a 404, so a
refusal never confirms that it exists.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.access import ANONYMOUS, Access, Principal, route_allows
from portal.accounts.models import LoginSession, User
from portal.audit.models import SecurityEvent
from portal.db import utcnow
from portal.errors import error_response
from portal.security import SAFE_METHODS, CsrfVerdict

View = Callable[[Request], Response]


class DeclaredRoute(Route):
    """A Starlette route that carries its access declaration, for the route audit test."""

    access: Access


@dataclass
class RequestContext:
    db: Session
    principal: Principal
    csrf_token: str
    now: dt.datetime
    form: FormData


def context(request: Request) -> RequestContext:
    ctx: RequestContext = request.state.ctx
    return ctx


def route(
    path: str,
    view: View,
    *,
    access: Access,
    methods: Sequence[str] = ("GET",),
    name: str | None = None,
) -> DeclaredRoute:
    @functools.wraps(view)
    async def endpoint(request: Request) -> Response:
        # The body is read here, on the event loop; the view and its database work run
        # in a worker thread so one slow query does not stall every other request.
        form = await request.form() if request.method not in SAFE_METHODS else FormData()
        csrf_verdict = await request.app.state.csrf.verify(request) if request.method not in SAFE_METHODS else None
        return await run_in_threadpool(_handle, request, view, access, form, csrf_verdict)

    declared = DeclaredRoute(path, endpoint, methods=list(methods), name=name)
    declared.access = access
    return declared


def _handle(
    request: Request, view: View, access: Access, form: FormData, csrf_verdict: CsrfVerdict | None
) -> Response:
    app_state = request.app.state
    csrf = app_state.csrf
    seed, new_seed = csrf.seed(request)
    with app_state.database.session() as db:
        now = utcnow()
        principal = load_principal(request, db, now)
        request.state.ctx = RequestContext(
            db=db, principal=principal, csrf_token=csrf.token(seed), now=now, form=form
        )
        if not route_allows(access, principal, demo_enabled=app_state.settings.demo_enabled):
            response = refuse(request, access, principal)
        elif csrf_verdict is not None and not csrf_verdict.ok:
            record_security_event(db, principal.user, "csrf_refused", request, reason=csrf_verdict.reason)
            response = error_response(request, 403)
        else:
            response = view(request)
    if new_seed:
        csrf.attach(response, seed)
    return response


def load_principal(request: Request, db: Session, now: dt.datetime) -> Principal:
    cookies = request.app.state.session_cookie
    session_id = cookies.read(request)
    if session_id is None:
        return ANONYMOUS
    login = db.get(LoginSession, session_id)
    if login is None or login.revoked_at is not None:
        return ANONYMOUS
    if cookies.is_expired(login.created_at, login.last_seen_at, now):
        login.revoked_at = now
        return ANONYMOUS
    user = db.get(User, login.user_id)
    if user is None or not user.is_active:
        return ANONYMOUS
    # Touching the row on every request would serialise all traffic on it; a minute is enough.
    if now - login.last_seen_at > dt.timedelta(minutes=1):
        login.last_seen_at = now
    return Principal(user=user, session=login)


def refuse(request: Request, access: Access, principal: Principal) -> Response:
    if not principal.is_authenticated and access not in (Access.PUBLIC, Access.DEMO):
        if request.method in SAFE_METHODS:
            return RedirectResponse(f"/?next={request.url.path}", status_code=303)
        return error_response(request, 401)
    return not_found(request, reason="route_access")


def not_found(request: Request, **detail: Any) -> Response:
    """A 404 that also records the refusal when someone logged in asked for it."""
    ctx = context(request)
    if ctx.principal.user is not None:
        record_security_event(
            ctx.db, ctx.principal.user, "access_refused", request, path=request.url.path, **detail
        )
    return error_response(request, 404)


def record_security_event(
    db: Session, user: User | None, kind: str, request: Request, **detail: Any
) -> None:
    db.add(
        SecurityEvent(
            user_id=user.id if user else None,
            kind=kind,
            detail=detail,
            client_address=request.client.host if request.client else None,
        )
    )

"""Routes that declare who may use them, and the per-request plumbing around views.

Every route is built with ``route()``: it reads the body, opens the request's
database session, finds the principal, enforces the route's declared ``Access`` and
CSRF on state changes, then calls the view. Someone who may not see a thing gets a
404, so a refusal never confirms that it exists.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from sse_starlette.sse import EventSourceResponse, ServerSentEvent
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from portal import ratelimit
from portal.access import ANONYMOUS, Access, Principal, danish_today, load_principal, route_allows
from portal.accounts.models import User
from portal.audit.services import AuditTrail, EventKind
from portal.db import is_sqlite_conflict, utcnow
from portal.errors import error_response
from portal.i18n import gettext as _
from portal.inputs import BadBody, UnsavableText, parse_id, read_body
from portal.security import SAFE_METHODS, CsrfVerdict
from portal.services import Services

__all__ = ["DeclaredRoute", "RequestContext", "client_key", "context", "not_found", "parse_id", "recheck", "render",
           "route", "safe_next", "stream_route"]

View = Callable[[Request], Response]
# One server-sent event: a ServerSentEvent, or a str already in the wire format.
StreamItem = str | ServerSentEvent
# A streaming view authorises and prepares in a short transaction, then hands back the events
# to send (or a refusal); the events are produced without any database session open.
StreamView = Callable[[Request], "Response | Callable[[], AsyncIterator[StreamItem]]"]
# A comment line this often keeps proxies and browsers from giving up on a quiet stream.
PING_SECONDS = 15
T = TypeVar("T")


class DeclaredRoute(Route):
    """A Starlette route that carries its access declaration, for the route audit test."""

    access: Access
    scope: str | None
    csrf: bool


@dataclass
class RequestContext:
    principal: Principal
    services: Services
    audit: AuditTrail
    csrf_token: str
    csrf_seed: str
    now: dt.datetime
    form: FormData = field(default_factory=FormData)
    json: Any = None

    @property
    def today(self) -> dt.date:
        return danish_today(self.now)


def render(
    request: Request, name: str, status_code: int = 200, *, block: str | None = None, **values: object
) -> Response:
    """A page, or for an htmx request asking for it, one named block of the same template.

    Personal pages must not be cached, and the same address answers htmx with a fragment.
    """
    templates = request.app.state.templates
    if block is not None and request.headers.get("hx-request") == "true":
        response: Response = templates.TemplateResponse(request, name, values, status_code=status_code, block_name=block)
    else:
        response = templates.TemplateResponse(request, name, values, status_code=status_code)
    response.headers["Vary"] = "HX-Request, Cookie"
    response.headers["Cache-Control"] = "no-store"
    return response


def context(request: Request) -> RequestContext:
    ctx: RequestContext = request.state.ctx
    return ctx


def bad_input(request: Request, message: str, status_code: int = 400) -> Response:
    """A refusal of input that says what was wrong: JSON for scripts, otherwise the error page."""
    if request.headers.get("content-type", "").startswith("application/json"):
        return JSONResponse({"error": message}, status_code=status_code)
    values = {"status_code": status_code, "error_title": _("We could not carry out your request"), "error_text": message, "way_out": None}
    response: Response = request.app.state.templates.TemplateResponse(request, "error.html", values, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def route(
    path: str,
    view: View,
    *,
    access: Access,
    methods: Sequence[str] = ("GET",),
    name: str | None = None,
    scope: str | None = None,
    csrf: bool = True,
) -> DeclaredRoute:
    """A route that declares who may use it. ``csrf=False`` only where a cross-site POST is the
    whole point (an identity provider's answer); the route audit test lists every such route.
    """

    @functools.wraps(view)
    async def endpoint(request: Request) -> Response:
        # The body is read here, on the event loop; the view and its database work run
        # in a worker thread so one slow query does not stall every other request.
        try:
            form, body = await read_body(request)
        except BadBody:
            return bad_input(request, _("We could not read the request."))
        except UnsavableText:
            return bad_input(request, _("The text has characters we cannot save, such as invisible control characters. Remove them and try again."))
        verdict = None
        if request.method not in SAFE_METHODS and csrf:
            verdict = await request.app.state.csrf.verify(request)
        return await run_in_threadpool(_handle, request, view, access, scope, form, body, verdict)

    return _declare(path, endpoint, methods, name, access, scope, csrf)


def stream_route(path: str, view: StreamView, *, access: Access, name: str | None = None, scope: str | None = None) -> DeclaredRoute:
    """Server-sent events: access is checked in a short transaction, then the events flow with
    no database session (and on SQLite no lock) held while the stream waits."""

    @functools.wraps(view)
    async def endpoint(request: Request) -> Response:
        request.state.stream_rule = (access, scope)
        prepared = await run_in_threadpool(_handle_stream, request, view, access, scope)
        if isinstance(prepared, Response):
            return prepared
        # sse-starlette sends keep-alive pings, notices a client that left (and then closes the
        # view's generator, so its ``finally`` runs) and ends streams when the server shuts down.
        # It also sets X-Accel-Buffering: proxies must pass each event on at once.
        return EventSourceResponse(
            _encoded(prepared()), ping=PING_SECONDS, sep="\n", headers={"Cache-Control": "no-store"},
        )

    return _declare(path, endpoint, ("GET",), name, access, scope, True)


async def _encoded(events: AsyncIterator[StreamItem]) -> AsyncIterator[bytes | ServerSentEvent]:
    async with aclosing(events) as inner:  # type: ignore[type-var]
        async for item in inner:
            yield item.encode("utf-8") if isinstance(item, str) else item


async def recheck(request: Request, look: Callable[[Request], T]) -> T | None:
    """Inside a stream: the viewer's rights checked again, as for a new request, in a short read
    transaction, then ``look`` (which may refuse with None); None when the route refuses them now.

    Nothing of it is saved: a stream is no activity of the person, so it neither keeps their
    login alive nor adds to the audit trail (the page they opened was logged).
    """
    return await run_in_threadpool(_recheck, request, look)


def _recheck(request: Request, look: Callable[[Request], T]) -> T | None:
    app_state = request.app.state
    access, scope = request.state.stream_rule
    with app_state.database.request_session(read_first=True) as db:
        ctx = _new_context(request, db, app_state.services, request.state.ctx.csrf_seed, FormData(), None)
        try:
            if not route_allows(access, ctx.principal, demo_enabled=app_state.settings.demo_enabled, scope=scope):
                return None
            return look(request)
        finally:
            ctx.audit.discard()
            db.rollback()


def _declare(
    path: str, endpoint: Callable[..., Any], methods: Sequence[str], name: str | None,
    access: Access, scope: str | None, csrf: bool,
) -> DeclaredRoute:
    declared = DeclaredRoute(path, endpoint, methods=list(methods), name=name)
    declared.access = access
    declared.scope = scope
    declared.csrf = csrf
    return declared


def _handle(
    request: Request,
    view: View,
    access: Access,
    scope: str | None,
    form: FormData,
    body: Any,
    csrf_verdict: CsrfVerdict | None,
) -> Response:
    app_state = request.app.state
    csrf = app_state.csrf
    seed, new_seed = csrf.seed(request)
    database = app_state.database
    # Reads start without SQLite's write lock; the rare read that writes after another
    # writer got in is run again, this time with the lock from the start.
    read_first = request.method in SAFE_METHODS and database.engine.dialect.name == "sqlite"
    try:
        response = _attempt(request, view, access, scope, form, body, csrf_verdict, seed, read_first)
    except OperationalError as error:
        if not (read_first and is_sqlite_conflict(error)):
            raise
        response = _attempt(request, view, access, scope, form, body, csrf_verdict, seed, False)
    except StaleDataError:
        # Someone else saved the same plan first: nothing of this request was saved.
        response = error_response(request, 409)
    if new_seed:
        csrf.attach(response, seed)
    return response


def _attempt(
    request: Request, view: View, access: Access, scope: str | None, form: FormData, body: Any,
    csrf_verdict: CsrfVerdict | None, seed: str, read_first: bool,
) -> Response:
    app_state = request.app.state
    services: Services = app_state.services
    with app_state.database.request_session(read_first=read_first) as db:
        ctx = _new_context(request, db, services, seed, form, body)
        if not route_allows(access, ctx.principal, demo_enabled=app_state.settings.demo_enabled, scope=scope):
            response = refuse(request, access, ctx.principal)
        elif csrf_verdict is not None and not csrf_verdict.ok:
            # Anyone can send these, so only the first few per client and hour are logged:
            # enough to see an attack, not enough to fill the table.
            if ratelimit.allow(db, ratelimit.CSRF_REFUSAL_LOG, client_key(request), ctx.now):
                ctx.audit.security_event(EventKind.CSRF_REFUSED, ctx.principal.user, reason=csrf_verdict.reason)
            response = error_response(request, 403)
        else:
            if ctx.principal.acting_on_behalf and access is Access.CITIZEN_SIDE:
                # The citizen sees what their relatives did for them, reads included.
                _note_on_behalf(request, ctx)
            response = view(request)
            # A stale plan version fails here, before anything is sent, and becomes a 409.
            db.flush()
        services.audit.write(ctx.audit, ctx.now)
    return response


def on_behalf_action(route_name: str) -> str:
    """What the citizen's log calls a relative's act on this route: a key of the "log_action"
    labels (portal/labels.py). The plan page, and its live stream, read as a staff read of it does,
    "Saw your plan"."""
    return "view_plan" if route_name in ("my_plan", "my_plan_live") else route_name


def _note_on_behalf(request: Request, ctx: RequestContext) -> None:
    assert ctx.principal.subject_person_id is not None
    route_name = getattr(request.scope.get("route"), "name", None) or ""
    action = on_behalf_action(route_name)
    ctx.audit.on_behalf(ctx.principal.user, ctx.principal.subject_person_id, action, path=request.url.path)


def _new_context(request: Request, db: Session, services: Services, seed: str, form: FormData, body: Any) -> RequestContext:
    app_state = request.app.state
    now = utcnow()
    cookies = app_state.session_cookie
    principal = load_principal(db, cookies.read(request), now, cookies.is_expired)
    ctx = RequestContext(
        principal=principal, services=services,
        audit=AuditTrail(client_address=request.client.host if request.client else None),
        csrf_token=app_state.csrf.token(seed), csrf_seed=seed, now=now, form=form, json=body,
    )
    request.state.ctx = ctx
    return ctx


def _handle_stream(request: Request, view: StreamView, access: Access, scope: str | None) -> Response | Callable[[], AsyncIterator[StreamItem]]:
    app_state = request.app.state
    seed, _is_new = app_state.csrf.seed(request)
    with app_state.database.request_session(read_first=True) as db:
        ctx = _new_context(request, db, app_state.services, seed, FormData(), None)
        if not route_allows(access, ctx.principal, demo_enabled=app_state.settings.demo_enabled, scope=scope):
            prepared: Response | Callable[[], AsyncIterator[StreamItem]] = refuse(request, access, ctx.principal)
        else:
            prepared = view(request)
        app_state.services.audit.write(ctx.audit, ctx.now)
    return prepared


def refuse(request: Request, access: Access, principal: Principal) -> Response:
    if not principal.is_authenticated and access not in (Access.PUBLIC, Access.DEMO):
        if request.method in SAFE_METHODS:
            return RedirectResponse(f"/?next={request.url.path}", status_code=303)
        return error_response(request, 401)
    if principal.role == "relative" and access is Access.CITIZEN_SIDE:
        ctx = context(request)
        if principal.delegation_problem is not None:
            ctx.audit.security_event(
                EventKind.DELEGATION_REFUSED, principal.user, reason=principal.delegation_problem, path=request.url.path,
            )
            return error_response(request, 403, reason=f"delegation_{principal.delegation_problem}")
        if principal.delegation is None:
            return RedirectResponse("/vaelg-borger", status_code=303)
        ctx.audit.security_event(EventKind.DELEGATION_REFUSED, principal.user, reason="scope", path=request.url.path)
        return error_response(request, 403, reason="delegation_scope")
    return not_found(request, reason="route_access")


def not_found(request: Request, **detail: Any) -> Response:
    """A 404 that also records the refusal when someone logged in asked for it."""
    ctx = context(request)
    if ctx.principal.user is not None:
        ctx.audit.security_event(EventKind.ACCESS_REFUSED, ctx.principal.user, path=request.url.path, **detail)
    return error_response(request, 404)


def client_key(request: Request) -> str:
    """Who is asking, for rate limits and caps: the peer, or the client a trusted proxy names.

    The server sets ``request.client`` from X-Forwarded-For only when the peer is one of
    PORTAL_TRUSTED_PROXIES (``portal serve``), so a forged header cannot change this key.
    One IPv6 machine usually holds a whole /64, so the /64 counts as one client.
    """
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def safe_next(value: object, default: str) -> str:
    """A local path to go on to, or the default: a crafted link must not send people elsewhere.

    Browsers drop tabs and newlines and read a backslash as a slash, so "/\t/evil" and
    "/\\evil" would leave the site; anything with those is refused outright.
    """
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return default
    return value

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
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from portal import ratelimit
from portal.access import ANONYMOUS, Access, Principal, danish_today, delegation_in_force, route_allows
from portal.accounts.models import LoginSession, User
from portal.audit.models import SecurityEvent
from portal.consent.models import Delegation
from portal.db import utcnow
from portal.errors import error_response
from portal.i18n import gettext as _
from portal.security import SAFE_METHODS, CsrfVerdict

View = Callable[[Request], Response]
MAX_JSON_BODY = 64 * 1024
# Passkey bodies nest four deep; anything much deeper is not ours, and deep enough nesting
# makes the parser (or later code walking the value) run out of stack.
MAX_JSON_DEPTH = 32
# The largest value of the database's integer id columns (PostgreSQL ``integer``).
MAX_ID = 2**31 - 1
_ID = re.compile(r"[1-9][0-9]{0,9}")
# NUL and the other control characters (tab and newlines aside), and lone surrogates:
# nobody types them, PostgreSQL refuses NUL in text and no encoder takes a lone surrogate.
_UNSAVABLE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class DeclaredRoute(Route):
    """A Starlette route that carries its access declaration, for the route audit test."""

    access: Access
    scope: str | None


@dataclass
class RequestContext:
    db: Session
    principal: Principal
    csrf_token: str
    csrf_seed: str
    now: dt.datetime
    form: FormData = field(default_factory=FormData)
    json: Any = None

    @property
    def today(self) -> dt.date:
        return danish_today(self.now)


def render(request: Request, name: str, status_code: int = 200, **values: object) -> Response:
    """A page. Personal pages must not be cached, and htmx requests will get a block of the same template."""
    response: Response = request.app.state.templates.TemplateResponse(request, name, values, status_code=status_code)
    response.headers["Vary"] = "HX-Request, Cookie"
    response.headers["Cache-Control"] = "no-store"
    return response


def context(request: Request) -> RequestContext:
    ctx: RequestContext = request.state.ctx
    return ctx


class _BadBody(Exception):
    pass


class _UnsavableText(Exception):
    pass


def parse_id(value: object) -> int | None:
    """An id from an address or a form, or None: only ASCII digits, without sign, spaces or a leading zero.

    ``int()`` also reads "١", "１", " 1", "+1" and "1_0", so one row would answer to many
    spellings, and it reads numbers the database's integer columns cannot hold.
    """
    if not isinstance(value, str) or _ID.fullmatch(value) is None:
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def has_unsavable_text(value: str) -> bool:
    return _UNSAVABLE_TEXT.search(value) is not None


def _check_json(value: Any) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH and unsavable text; iterative, so depth cannot hurt."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if has_unsavable_text(item):
                raise _UnsavableText()
        elif isinstance(item, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise _BadBody()
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


def _check_text(request: Request, form: FormData) -> None:
    """Refuse unsavable text in the path, the query and the form once, here, rather than in every view."""
    texts = [request.scope["path"], *(t for pair in request.query_params.multi_items() for t in pair)]
    for key, item in form.multi_items():
        if not isinstance(item, str):
            raise _BadBody()  # no form of ours takes a file
        texts += (key, item)
    if any(has_unsavable_text(text) for text in texts):
        raise _UnsavableText()


async def _read_body(request: Request) -> tuple[FormData, Any]:
    if request.method in SAFE_METHODS:
        _check_text(request, FormData())
        return FormData(), None
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.body()
        if len(body) > MAX_JSON_BODY:
            raise _BadBody()
        try:
            value = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise _BadBody() from None
        _check_text(request, FormData())
        _check_json(value)
        return FormData(), value
    form = await request.form()
    _check_text(request, form)
    return form, None


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
) -> DeclaredRoute:
    @functools.wraps(view)
    async def endpoint(request: Request) -> Response:
        # The body is read here, on the event loop; the view and its database work run
        # in a worker thread so one slow query does not stall every other request.
        try:
            form, body = await _read_body(request)
        except _BadBody:
            return bad_input(request, _("We could not read the request."))
        except _UnsavableText:
            return bad_input(request, _("The text has characters we cannot save, such as invisible control characters. Remove them and try again."))
        verdict = await request.app.state.csrf.verify(request) if request.method not in SAFE_METHODS else None
        return await run_in_threadpool(_handle, request, view, access, scope, form, body, verdict)

    declared = DeclaredRoute(path, endpoint, methods=list(methods), name=name)
    declared.access = access
    declared.scope = scope
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
    with app_state.database.session() as db:
        now = utcnow()
        principal = load_principal(request, db, now)
        request.state.ctx = RequestContext(
            db=db, principal=principal, csrf_token=csrf.token(seed), csrf_seed=seed, now=now, form=form, json=body
        )
        if not route_allows(access, principal, demo_enabled=app_state.settings.demo_enabled, scope=scope):
            response = refuse(request, access, principal)
        elif csrf_verdict is not None and not csrf_verdict.ok:
            # Anyone can send these, so only the first few per client and hour are logged:
            # enough to see an attack, not enough to fill the table.
            if ratelimit.allow(db, ratelimit.CSRF_REFUSAL_LOG, client_key(request), now):
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
    if user.role == "relative" and login.acting_for_person_id is not None and user.person_id is not None:
        delegation = db.scalars(
            select(Delegation)
            .where(
                Delegation.relative_person_id == user.person_id,
                Delegation.citizen_person_id == login.acting_for_person_id,
            )
            .order_by(Delegation.revoked_at.is_(None).desc(), Delegation.expires_on.desc())
        ).first()
        # Checked on every request: a revoked or expired power ends at once.
        problem = "revoked" if delegation is None else delegation_in_force(delegation, danish_today(now))
        if problem is not None:
            return Principal(user=user, session=login, delegation_problem=problem)
        return Principal(user=user, session=login, delegation=delegation)
    return Principal(user=user, session=login)


def refuse(request: Request, access: Access, principal: Principal) -> Response:
    if not principal.is_authenticated and access not in (Access.PUBLIC, Access.DEMO):
        if request.method in SAFE_METHODS:
            return RedirectResponse(f"/?next={request.url.path}", status_code=303)
        return error_response(request, 401)
    if principal.role == "relative" and access is Access.CITIZEN_SIDE:
        ctx = context(request)
        if principal.delegation_problem is not None:
            record_security_event(
                ctx.db, principal.user, "delegation_refused", request,
                reason=principal.delegation_problem, path=request.url.path,
            )
            return error_response(request, 403, reason=f"delegation_{principal.delegation_problem}")
        if principal.delegation is None:
            return RedirectResponse("/vaelg-borger", status_code=303)
        record_security_event(ctx.db, principal.user, "delegation_refused", request, reason="scope", path=request.url.path)
        return error_response(request, 403, reason="delegation_scope")
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
    db: Session,
    user: User | None,
    kind: str,
    request: Request | None,
    subject_person_id: int | None = None,
    **detail: Any,
) -> None:
    db.add(
        SecurityEvent(
            user_id=user.id if user else None,
            subject_person_id=subject_person_id,
            kind=kind,
            detail=detail,
            client_address=request.client.host if request is not None and request.client else None,
        )
    )


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

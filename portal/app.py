"""``create_app(settings)`` builds the whole application; importing changes nothing."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from portal import errors, i18n
from portal.accounts import views as account_views
from portal.audit import views as audit_views
from portal.consent import views as consent_views
from portal.consent import views_consents
from portal.db import Database
from portal.live import views as live_views
from portal.messages import views as message_views
from portal.notifications import views as notification_views
from portal.pages import views as page_views
from portal.plans import views as plan_views
from portal.plans import views_changes as changes_views
from portal.plans import views_editing as editing_views
from portal.plans import views_goals as goal_views
from portal.plans import views_items as item_views
from portal.plans import views_setup as setup_views
from portal.record import views as record_views
from portal.security import CsrfProtection, SessionCookie
from portal.services import build_services
from portal.settings import Settings
from portal.templating import STATIC_DIR, build_templates

class LocaleMiddleware:
    """Sets the request's locale in a context var before anything renders."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        locale = i18n.negotiate(
            request.headers.get("accept-language"), request.cookies.get(i18n.LOCALE_COOKIE)
        )
        token = i18n.current_locale.set(locale)
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.current_locale.reset(token)


class SecurityHeadersMiddleware:
    """Headers every response gets, error pages and 500s included: a strict CSP (no inline
    script), no framing, no caching of anything but static files, and HSTS in production.
    """

    HEADERS = [
        (
            b"content-security-policy",
            b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            b"font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
            b"form-action 'self'",
        ),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
    # Pages, JSON and errors are personal or say something about someone: a shared cache
    # or the browser's back button must not show them to the next person at the machine.
    NO_STORE = (b"cache-control", b"no-store")

    def __init__(self, app: ASGIApp, hsts: bool = False):
        self.app = app
        self.headers = self.HEADERS + [self.HSTS] if hsts else list(self.HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", [])) + self.headers
                if not static and not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append(self.NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class VersionedStaticFiles(StaticFiles):
    """Assets linked with a content hash (``?v=``) never change, so browsers may keep them."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200 and b"v=" in scope.get("query_string", b""):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def template_context(request: Request) -> dict[str, Any]:
    ctx = getattr(request.state, "ctx", None)
    settings: Settings = request.app.state.settings
    return {
        "principal": ctx.principal if ctx else None,
        "csrf_token": ctx.csrf_token if ctx else "",
        "demo_enabled": settings.demo_enabled,
        "session_idle_seconds": settings.session_idle_minutes * 60,
        "unread_messages": functools.partial(unread_messages, request),
    }


def unread_messages(request: Request) -> int:
    """For the navigation, counted when the menu is drawn (one statement), once per request.

    A view that knows the number already (the thread it just showed) leaves it in
    ``request.state.unread_messages``. Error pages drawn after the request's session has
    closed show no number rather than fail.
    """
    known = getattr(request.state, "unread_messages", None)
    if known is not None:
        return int(known)
    ctx = getattr(request.state, "ctx", None)
    if ctx is None or ctx.principal.user is None:
        return 0
    try:
        count = ctx.services.messages.unread_total(ctx.principal, ctx.now)
    except RuntimeError:  # no request session open (Database.current): an error page after the fact
        count = 0
    request.state.unread_messages = count
    return count


def build_routes() -> list[BaseRoute]:
    return [
        *page_views.routes(),
        *account_views.routes(),
        # Before the plan page: "/sag/plan/ny" is not a plan id.
        *setup_views.routes(),
        *item_views.routes(),
        *plan_views.routes(),
        *goal_views.routes(),
        *editing_views.routes(),
        *changes_views.routes(),
        *live_views.routes(),
        *consent_views.routes(),
        *audit_views.routes(),
        *views_consents.routes(),
        *message_views.routes(),
        *notification_views.routes(),
        *record_views.routes(),
        Mount("/static", app=VersionedStaticFiles(directory=STATIC_DIR), name="static"),
    ]


class Portal(Starlette):
    """Starlette with the security headers outside everything, even the 500 handler.

    Starlette puts its ServerErrorMiddleware outside all user middleware, so a header
    middleware in the list never sees the 500 page an unhandled error produces.
    """

    def __init__(self, *args: Any, hsts: bool = False, **kwargs: Any):
        self.hsts = hsts
        super().__init__(*args, **kwargs)

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeadersMiddleware(super().build_middleware_stack(), hsts=self.hsts)


def create_app(settings: Settings, database: Database | None = None) -> Starlette:
    owns_database = database is None
    if database is None:
        database = Database.from_url(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        live = app.state.services.live
        live.start()
        try:
            yield
        finally:
            live.stop()
            if owns_database:
                database.dispose()

    app = Portal(
        routes=build_routes(),
        middleware=[
            # Phones on weak connections: compress text (woff2 fonts are compressed already).
            Middleware(GZipMiddleware, minimum_size=500),
            Middleware(LocaleMiddleware),
        ],
        exception_handlers={
            HTTPException: errors.http_exception,
            OperationalError: errors.database_unavailable,
            # Handled here, not by the 500 handler: that one re-raises, and the server's
            # traceback would quote the driver's message with the values in it.
            DBAPIError: errors.database_error,
            500: errors.server_error,
        },
        lifespan=lifespan,
        # Production only, where the origin must be https: on a demo at https://localhost it
        # would pin every other local site to https for two years.
        hsts=settings.is_production,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.templates = build_templates(context_processors=[template_context])
    app.state.session_cookie = SessionCookie(settings)
    app.state.csrf = CsrfProtection(settings)
    app.state.services = build_services(settings, database)
    return app

"""The demo persona switcher and logging out."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.access import Access
from portal.accounts import services
from portal.accounts.models import User
from portal.pages.views import home_for
from portal.plans.views import render
from portal.web import DeclaredRoute, context, record_security_event, route


def demo_personas(request: Request) -> Response:
    users = services.demo_personas(context(request).db)
    return render(request, "demo.html", users=users, error=False)


def enter_as_persona(request: Request) -> Response:
    ctx = context(request)
    form = context(request).form
    try:
        user_id = int(str(form.get("user_id", "")))
    except ValueError:
        user_id = 0
    user = ctx.db.get(User, user_id)
    if user is None or not user.is_active:
        users = services.demo_personas(ctx.db)
        return render(request, "demo.html", status_code=422, users=users, error=True)
    if ctx.principal.session is not None:
        services.end_session(ctx.db, ctx.principal.session, ctx.now)
    login = services.start_session(
        ctx.db, user, ctx.now, via_demo=True, user_agent=request.headers.get("user-agent")
    )
    record_security_event(ctx.db, user, "login", request, method="demo")
    response = RedirectResponse(home_for(user.role), status_code=303)
    request.app.state.session_cookie.attach(response, login.id)
    return response


def log_out(request: Request) -> Response:
    ctx = context(request)
    if ctx.principal.session is not None:
        services.end_session(ctx.db, ctx.principal.session, ctx.now)
        record_security_event(ctx.db, ctx.principal.user, "logout", request)
    response = RedirectResponse("/", status_code=303)
    request.app.state.session_cookie.clear(response)
    return response


def routes() -> list[DeclaredRoute]:
    return [
        route("/demo", demo_personas, access=Access.DEMO, name="demo"),
        route("/demo", enter_as_persona, access=Access.DEMO, methods=("POST",), name="demo_enter"),
        route("/log-ud", log_out, access=Access.AUTHENTICATED, methods=("POST",), name="log_out"),
    ]

"""The front page, the accessibility statement, language choice and machine endpoints."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response

from portal import i18n
from portal.access import Access
from portal.errors import error_response
from portal.pages.forms import LanguageForm
from portal.templating import STATIC_DIR
from portal.web import DeclaredRoute, context, render, route, safe_next

# Browsers ask for /favicon.ico by themselves wherever a page names no icon (a PDF or JSON
# in a tab, feed readers, bookmarks). An .ico is the one format every one of them takes there.
FAVICON = STATIC_DIR / "favicon.ico"

def home_for(role: str | None) -> str:
    if role in ("citizen", "relative"):
        return "/min-plan"
    if role == "caseworker":
        return "/sag/"
    if role == "admin":
        return "/admin/"
    if role == "evaluator":
        return "/indstillinger"
    return "/"


def front_page(request: Request) -> Response:
    principal = context(request).principal
    if principal.is_authenticated and home_for(principal.role) != "/":
        return RedirectResponse(home_for(principal.role), status_code=303)
    return render(
        request,
        "start.html",
        next_path=request.query_params.get("next", ""),
        logged_out=request.query_params.get("logget-ud") == "1",
    )


def accessibility_statement(request: Request) -> Response:
    return render(request, "accessibility.html")


def choose_language(request: Request) -> Response:
    form = LanguageForm(context(request).form)
    if not form.validate():
        return error_response(request, 400)
    response = RedirectResponse(safe_next(form.next.data, "/"), status_code=303)
    response.set_cookie(
        i18n.LOCALE_COOKIE, str(form.sprog.data), max_age=365 * 24 * 3600, samesite="lax", httponly=True,
        secure=request.app.state.settings.secure_cookies,
    )
    return response


def favicon(request: Request) -> Response:
    """The icon itself, not a redirect: some browsers do not follow one for an icon. Its address
    carries no version, so it is kept for a day rather than for ever."""
    return FileResponse(
        FAVICON, media_type="image/vnd.microsoft.icon", headers={"Cache-Control": "public, max-age=86400"},
    )


def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def readyz(request: Request) -> Response:
    """Ready only when a request could do its work: the database takes writes and has the schema."""
    # The check takes SQLite's write lock in a session of its own; this request's session may
    # hold it already (reading a session cookie), so end that transaction first.
    request.app.state.database.current.commit()
    problem = request.app.state.database.readiness()
    if problem != "ready":
        return JSONResponse({"status": "unavailable", "database": problem}, status_code=503)
    return JSONResponse({"status": "ok", "database": "reachable"})


def routes() -> list[DeclaredRoute]:
    return [
        route("/", front_page, access=Access.PUBLIC, name="front_page"),
        route("/tilgaengelighed", accessibility_statement, access=Access.PUBLIC, name="accessibility"),
        route("/sprog", choose_language, access=Access.PUBLIC, methods=("POST",), name="choose_language"),
        route("/favicon.ico", favicon, access=Access.PUBLIC, name="favicon"),
        route("/healthz", healthz, access=Access.PUBLIC, name="healthz"),
        route("/readyz", readyz, access=Access.PUBLIC, name="readyz"),
    ]

"""What the account views share, and the consent views use too: passkey ceremonies and logging in."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from portal.accounts.models import User
from portal.accounts.passkeys import PasskeyService, browser_binding
from portal.accounts.proofing import IdentityProofing
from portal.audit.services import EventKind
from portal.i18n import gettext as _
from portal.web import client_key, context, render


def passkey_service(request: Request) -> PasskeyService:
    ctx = context(request)
    return ctx.services.passkeys(ctx.now, browser_binding(ctx.csrf_seed), client_key(request))


def proofing(request: Request) -> IdentityProofing:
    return context(request).services.identity_proofing


def passkey_message(reason: str) -> str:
    if reason in ("challenge_expired", "unknown_challenge", "challenge_reused"):
        return _("It took too long, or the page was old. Try again.")
    if reason == "credential_already_registered":
        return _("This passkey is already in use. Use another one.")
    if reason in ("unknown_credential", "foreign_credential", "inactive_user"):
        return _("We do not know this passkey. Use another one, or a recovery code.")
    if reason == "rate_limited":
        return _("Too many attempts. Wait a few minutes and try again.")
    return _("The passkey could not be checked. Try again.")


def json_error(reason: str, status_code: int = 400) -> JSONResponse:
    return JSONResponse({"error": passkey_message(reason), "reason": reason}, status_code=status_code)


def needs_javascript(request: Request) -> Response:
    """A passkey needs the browser's JavaScript; without it we explain the way around."""
    return render(request, "accounts/needs_javascript.html", status_code=400)


def start_login(request: Request, user: User, method: str, redirect_to: str) -> Response:
    ctx = context(request)
    if ctx.principal.session is not None:
        ctx.services.accounts.end_session(ctx.principal.session, ctx.now)
    login = ctx.services.accounts.start_session(user, ctx.now, user_agent=request.headers.get("user-agent"))
    ctx.audit.security_event(EventKind.LOGIN, user, method=method)
    if request.headers.get("content-type", "").startswith("application/json"):
        response: Response = JSONResponse({"redirect": redirect_to})
    else:
        response = RedirectResponse(redirect_to, status_code=303)
    request.app.state.session_cookie.attach(response, login.id)
    request.app.state.csrf.rotate(response)
    return response


def credential_of(request: Request) -> Any:
    body = context(request).json
    return body.get("credential") if isinstance(body, dict) else None

"""Logging in and out: passkeys, recovery codes, activation letters, and keeping a session alive."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from portal import ratelimit
from portal.accounts.forms import ActivationCodeForm, ExtendSessionForm, RecoveryForm
from portal.accounts.passkeys import PasskeyError
from portal.accounts.proofing import ActivationError
from portal.accounts.views.common import (
    credential_of, json_error, needs_javascript, passkey_message, passkey_service, proofing, start_login,
)
from portal.audit.services import EventKind
from portal.i18n import gettext as _
from portal.pages.views import home_for
from portal.web import client_key, context, render, safe_next

# --- passkey login -----------------------------------------------------------------


def login_options(request: Request) -> Response:
    return Response(passkey_service(request).login_options(), media_type="application/json")


def login(request: Request) -> Response:
    ctx = context(request)
    if ctx.json is None:
        return needs_javascript(request)
    if not ctx.services.rate_limits.allow(ratelimit.LOGIN, client_key(request), ctx.now):
        ctx.audit.security_event(EventKind.LOGIN_RATE_LIMITED, None,)
        return json_error("rate_limited", 429)
    try:
        user, passkey = passkey_service(request).authenticate(credential_of(request))
    except PasskeyError as error:
        owner = ctx.services.accounts.user(error.user_id) if error.user_id is not None else None
        ctx.audit.security_event(EventKind.LOGIN_FAILED, owner, reason=error.reason)
        return json_error(error.reason)
    body = ctx.json if isinstance(ctx.json, dict) else {}
    return start_login(request, user, "passkey", safe_next(body.get("next"), home_for(user.role)))


# --- recovery codes ------------------------------------------------------------------


def recovery_form(request: Request) -> Response:
    return render(request, "accounts/recovery.html", form=RecoveryForm())


def recover(request: Request) -> Response:
    ctx = context(request)
    form = RecoveryForm(ctx.form)
    if not form.validate():
        return render(request, "accounts/recovery.html", status_code=422, block="form", form=form)
    if not ctx.services.rate_limits.allow(ratelimit.RECOVERY, client_key(request), ctx.now):
        ctx.audit.security_event(EventKind.RECOVERY_RATE_LIMITED, None,)
        form.add_error("code", _("Too many attempts. Wait a few minutes and try again."))
        return render(request, "accounts/recovery.html", status_code=429, block="form", form=form)
    user = ctx.services.accounts.redeem_recovery_code(form.code.data, ctx.now)
    if user is not None:
        ctx.audit.security_event(EventKind.RECOVERY_CODE_USED, user,)
        return start_login(request, user, "recovery_code", "/indstillinger?gendannet=1")
    ctx.audit.security_event(EventKind.RECOVERY_FAILED, None,)
    form.add_error("code", _("The code is wrong or has been used. Check it and try again."))
    return render(request, "accounts/recovery.html", status_code=422, block="form", form=form)


# --- activation letters ------------------------------------------------------------------


def activation_error_message(reason: str) -> str:
    if reason == "expired":
        return _("The letter is too old. Ask your caseworker for a new one.")
    if reason == "used":
        return _("The letter has already been used. Log in with your passkey.")
    if reason == "revoked":
        return _("A newer letter replaces this one. Use the newest letter.")
    return _("We do not know this link or code. Check it and try again.")


def activation_code_form(request: Request) -> Response:
    return render(request, "accounts/activate_code.html", form=ActivationCodeForm())


def activation_by_code(request: Request) -> Response:
    ctx = context(request)
    form = ActivationCodeForm(ctx.form)
    if not form.validate():
        return render(request, "accounts/activate_code.html", status_code=422, block="form", form=form)
    if not ctx.services.rate_limits.allow(ratelimit.ACTIVATION, client_key(request), ctx.now):
        ctx.audit.security_event(EventKind.ACTIVATION_RATE_LIMITED, None,)
        form.code.data = ""
        form.add_error("code", passkey_message("rate_limited"))
        return render(request, "accounts/activate_code.html", status_code=429, block="form", form=form)
    try:
        letter = proofing(request).from_short_code(form.code.data, ctx.now)
    except ActivationError as error:
        ctx.audit.security_event(EventKind.ACTIVATION_REFUSED, None, reason=error.reason, via="code")
        form.add_error("code", activation_error_message(error.reason))
        return render(request, "accounts/activate_code.html", status_code=422, block="form", form=form)
    return RedirectResponse(f"/aktiver/{proofing(request).token_for(letter)}", status_code=303)


def _letter_from_path(request: Request) -> Any:
    # No rate limit here: a signed link cannot be guessed. The short code can, so that path has one.
    ctx = context(request)
    return proofing(request).from_token(request.path_params["token"], ctx.now)


def _activation_refused(request: Request, error: ActivationError, as_json: bool) -> Response:
    ctx = context(request)
    user = error.letter.user if error.letter is not None else None
    ctx.audit.security_event(EventKind.ACTIVATION_REFUSED, user, reason=error.reason)
    status = error.status_code
    message = passkey_message("rate_limited") if error.reason == "rate_limited" else activation_error_message(error.reason)
    if as_json:
        return JSONResponse({"error": message, "reason": error.reason}, status_code=status)
    return render(request, "refused.html", status_code=status, refused_title=_("The letter cannot be used"), message=message)


def activation_page(request: Request) -> Response:
    try:
        letter = _letter_from_path(request)
    except ActivationError as error:
        return _activation_refused(request, error, as_json=False)
    return render(request, "accounts/activate.html", letter=letter, token=request.path_params["token"])


def activation_options(request: Request) -> Response:
    try:
        letter = _letter_from_path(request)
    except ActivationError as error:
        return _activation_refused(request, error, as_json=True)
    return Response(passkey_service(request).registration_options(letter.user), media_type="application/json")


def activate(request: Request) -> Response:
    ctx = context(request)
    if ctx.json is None:
        return needs_javascript(request)
    try:
        letter = _letter_from_path(request)
    except ActivationError as error:
        return _activation_refused(request, error, as_json=True)
    try:
        passkey = passkey_service(request).register(letter.user, credential_of(request), _("My first passkey"))
    except PasskeyError as error:
        ctx.audit.security_event(EventKind.PASSKEY_REGISTRATION_FAILED, letter.user, reason=error.reason)
        return json_error(error.reason)
    if not proofing(request).complete(letter, ctx.now):
        # Another request used the letter in the meantime: this passkey must not count.
        ctx.services.accounts.remove_passkey(passkey)
        return _activation_refused(request, ActivationError("used", letter), as_json=True)
    ctx.services.accounts.activate(letter.user)
    ctx.audit.security_event(EventKind.PASSKEY_ADDED, letter.user, passkey=passkey.name, via="activation")
    return start_login(request, letter.user, "activation", "/indstillinger?ny=1")


# --- the session ---------------------------------------------------------------------------


def extend_session(request: Request) -> Response:
    ctx = context(request)
    if ctx.principal.session is not None:
        ctx.services.accounts.touch_session(ctx.principal.session, ctx.now)
    if ctx.json is not None:
        return JSONResponse({"extended": True})
    form = ExtendSessionForm(ctx.form)
    return RedirectResponse(safe_next(form.next.data, "/"), status_code=303)


def log_out(request: Request) -> Response:
    ctx = context(request)
    if ctx.principal.session is not None:
        ctx.services.accounts.end_session(ctx.principal.session, ctx.now)
        ctx.audit.security_event(EventKind.LOGOUT, ctx.principal.user,)
    response = RedirectResponse("/?logget-ud=1", status_code=303)
    request.app.state.session_cookie.clear(response)
    return response

"""Logging in and out, activation letters, recovery codes, settings, and the demo switcher."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from portal import ratelimit
from portal.access import Access
from portal.accounts.models import Department, PasskeyCredential, User
from portal.accounts.passkeys import PasskeyError, PasskeyService, browser_binding
from portal.accounts.proofing import ActivationError, IdentityProofing
from portal.i18n import gettext as _
from portal.pages.views import home_for
from portal.audit.services import EventKind
from portal.web import DeclaredRoute, client_key, context, not_found, parse_id, render, route, safe_next

# --- helpers ---------------------------------------------------------------------


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
    return render(request, "accounts/recovery.html", errors={}, code="")


def recover(request: Request) -> Response:
    ctx = context(request)
    code = str(ctx.form.get("code", "")).strip()
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = _("Type your recovery code.")
    elif not ctx.services.rate_limits.allow(ratelimit.RECOVERY, client_key(request), ctx.now):
        ctx.audit.security_event(EventKind.RECOVERY_RATE_LIMITED, None,)
        errors["code"] = _("Too many attempts. Wait a few minutes and try again.")
        return render(request, "accounts/recovery.html", status_code=429, errors=errors, code="")
    else:
        user = ctx.services.accounts.redeem_recovery_code(code, ctx.now)
        if user is not None:
            ctx.audit.security_event(EventKind.RECOVERY_CODE_USED, user,)
            return start_login(request, user, "recovery_code", "/indstillinger?gendannet=1")
        ctx.audit.security_event(EventKind.RECOVERY_FAILED, None,)
        errors["code"] = _("The code is wrong or has been used. Check it and try again.")
    return render(request, "accounts/recovery.html", status_code=422, errors=errors, code="")


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
    return render(request, "accounts/activate_code.html", errors={}, code="")


def activation_by_code(request: Request) -> Response:
    ctx = context(request)
    code = str(ctx.form.get("code", "")).strip()
    if not code:
        return render(request, "accounts/activate_code.html", status_code=422, errors={"code": _("Type the code from your letter.")}, code="")
    if not ctx.services.rate_limits.allow(ratelimit.ACTIVATION, client_key(request), ctx.now):
        ctx.audit.security_event(EventKind.ACTIVATION_RATE_LIMITED, None,)
        return render(request, "accounts/activate_code.html", status_code=429, errors={"code": passkey_message("rate_limited")}, code="")
    try:
        letter = proofing(request).from_short_code(code, ctx.now)
    except ActivationError as error:
        ctx.audit.security_event(EventKind.ACTIVATION_REFUSED, None, reason=error.reason, via="code")
        return render(request, "accounts/activate_code.html", status_code=422, errors={"code": activation_error_message(error.reason)}, code=code)
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


# --- settings ------------------------------------------------------------------------------


def settings_page(request: Request, status_code: int = 200, errors: dict[str, str] | None = None, notice: str | None = None) -> Response:
    ctx = context(request)
    user = ctx.principal.user
    assert user is not None
    return render(
        request,
        "accounts/settings.html",
        status_code=status_code,
        passkeys=ctx.services.accounts.passkeys_of(user),
        recovery_left=ctx.services.accounts.unused_recovery_codes(user),
        sessions=ctx.services.accounts.active_sessions(user, ctx.now, request.app.state.session_cookie),
        events=ctx.services.audit.events_of(user.id),
        errors=errors or {},
        notice=notice,
        new_account=request.query_params.get("ny") == "1",
        recovered=request.query_params.get("gendannet") == "1",
    )


def settings(request: Request) -> Response:
    return settings_page(request)


def _own_passkey(request: Request) -> PasskeyCredential | None:
    ctx = context(request)
    passkey_id = parse_id(request.path_params["passkey_id"])
    if passkey_id is None:
        return None
    if ctx.principal.user is None:
        return None
    return ctx.services.accounts.passkey_of(ctx.principal.user, passkey_id)


def add_passkey_options(request: Request) -> Response:
    user = context(request).principal.user
    assert user is not None
    return Response(passkey_service(request).registration_options(user), media_type="application/json")


def add_passkey(request: Request) -> Response:
    ctx = context(request)
    user = ctx.principal.user
    assert user is not None
    if ctx.json is None:
        return needs_javascript(request)
    body = ctx.json if isinstance(ctx.json, dict) else {}
    name = str(body.get("name") or "").strip()[:100] or _("Passkey %(number)d") % {"number": len(ctx.services.accounts.passkeys_of(user)) + 1}
    try:
        passkey = passkey_service(request).register(user, credential_of(request), name)
    except PasskeyError as error:
        ctx.audit.security_event(EventKind.PASSKEY_REGISTRATION_FAILED, user, reason=error.reason)
        return json_error(error.reason)
    ctx.audit.security_event(EventKind.PASSKEY_ADDED, user, passkey=passkey.name)
    return JSONResponse({"redirect": "/indstillinger"})


def rename_passkey(request: Request) -> Response:
    ctx = context(request)
    passkey = _own_passkey(request)
    if passkey is None:
        return not_found(request)
    name = str(ctx.form.get("name", "")).strip()
    if not name or len(name) > 100:
        errors = {f"name-{passkey.id}": _("Give the passkey a name of 1 to 100 characters.")}
        return settings_page(request, status_code=422, errors=errors)
    ctx.services.accounts.rename_passkey(passkey, name)
    return RedirectResponse("/indstillinger", status_code=303)


def remove_passkey(request: Request) -> Response:
    ctx = context(request)
    user = ctx.principal.user
    assert user is not None
    passkey = _own_passkey(request)
    if passkey is None:
        return not_found(request)
    others = [p for p in ctx.services.accounts.passkeys_of(user) if p.id != passkey.id]
    if not others and ctx.services.accounts.unused_recovery_codes(user) == 0:
        errors = {f"remove-{passkey.id}": _("This is your last passkey. Make recovery codes first, so you can still get in.")}
        return settings_page(request, status_code=409, errors=errors)
    ctx.services.accounts.remove_passkey(passkey)
    ctx.audit.security_event(EventKind.PASSKEY_REMOVED, user, passkey=passkey.name)
    return RedirectResponse("/indstillinger", status_code=303)


def regenerate_recovery_codes(request: Request) -> Response:
    ctx = context(request)
    user = ctx.principal.user
    assert user is not None
    codes = ctx.services.accounts.new_recovery_codes(user, ctx.now)
    ctx.audit.security_event(EventKind.RECOVERY_CODES_CREATED, user,)
    response = render(request, "accounts/recovery_codes.html", codes=codes)
    return response


def log_out_everywhere(request: Request) -> Response:
    ctx = context(request)
    user = ctx.principal.user
    assert user is not None
    ended = ctx.services.accounts.end_all_sessions(user, ctx.now)
    ctx.audit.security_event(EventKind.LOGOUT_EVERYWHERE, user, sessions=ended)
    response = RedirectResponse("/?logget-ud=1", status_code=303)
    request.app.state.session_cookie.clear(response)
    return response


def extend_session(request: Request) -> Response:
    ctx = context(request)
    if ctx.principal.session is not None:
        ctx.principal.session.last_seen_at = ctx.now
    if ctx.json is not None:
        return JSONResponse({"extended": True})
    return RedirectResponse(safe_next(ctx.form.get("next"), "/"), status_code=303)


def log_out(request: Request) -> Response:
    ctx = context(request)
    if ctx.principal.session is not None:
        ctx.services.accounts.end_session(ctx.principal.session, ctx.now)
        ctx.audit.security_event(EventKind.LOGOUT, ctx.principal.user,)
    response = RedirectResponse("/?logget-ud=1", status_code=303)
    request.app.state.session_cookie.clear(response)
    return response


# --- creating accounts: caseworkers make citizens, admins make staff -------------------------


def _name_errors(full_name: str, first_name: str) -> dict[str, str]:
    errors = {}
    if not (1 <= len(full_name) <= 200):
        errors["full_name"] = _("Type the full name.")
    if not (1 <= len(first_name) <= 100):
        errors["first_name"] = _("Type the first name, as the person is called.")
    return errors


def new_citizen_form(request: Request) -> Response:
    return render(request, "staff/new_citizen.html", errors={}, values={})


def create_citizen(request: Request) -> Response:
    ctx = context(request)
    staff = ctx.principal.user
    assert staff is not None
    values = {k: str(ctx.form.get(k, "")).strip() for k in ("full_name", "first_name")}
    errors = _name_errors(values["full_name"], values["first_name"])
    if errors:
        return render(request, "staff/new_citizen.html", status_code=422, errors=errors, values=values)
    citizen = ctx.services.accounts.create_citizen(values["full_name"], values["first_name"], created_by=staff)
    issued = proofing(request).issue(citizen, staff, ctx.now)
    ctx.audit.security_event(EventKind.ACCOUNT_CREATED, staff, user_id=citizen.id, role="citizen")
    return render(request, "accounts/letter.html", issued=issued, user=citizen, qr_svg=qr_svg(issued.link))


def admin_home(request: Request) -> Response:
    ctx = context(request)
    admin = ctx.principal.user
    assert admin is not None
    staff = ctx.services.accounts.staff_of_municipality(admin.municipality_id)
    return render(request, "admin/index.html", staff=staff)


def _departments(request: Request) -> list[Department]:
    ctx = context(request)
    admin = ctx.principal.user
    assert admin is not None
    return ctx.services.accounts.departments_of_municipality(admin.municipality_id)


def new_staff_form(request: Request) -> Response:
    return render(request, "admin/new_staff.html", errors={}, values={}, departments=_departments(request))


STAFF_ROLES = ("caseworker", "admin")


def create_staff(request: Request) -> Response:
    ctx = context(request)
    admin = ctx.principal.user
    assert admin is not None
    values = {k: str(ctx.form.get(k, "")).strip() for k in ("full_name", "first_name", "job_title", "department_id", "role")}
    errors = _name_errors(values["full_name"], values["first_name"])
    departments = {str(d.id): d for d in _departments(request)}
    if values["role"] not in STAFF_ROLES:
        errors["role"] = _("Choose a role.")
    if values["role"] == "caseworker" and values["department_id"] not in departments:
        errors["department_id"] = _("Choose the department the person works in.")
    if errors:
        return render(request, "admin/new_staff.html", status_code=422, errors=errors, values=values, departments=list(departments.values()))
    department = departments.get(values["department_id"]) if values["role"] == "caseworker" else None
    user = ctx.services.accounts.create_staff(
        values["role"], values["full_name"], values["job_title"][:150] or None, department, admin.municipality_id
    )
    issued = proofing(request).issue(user, admin, ctx.now)
    ctx.audit.security_event(EventKind.ACCOUNT_CREATED, admin, user_id=user.id, role=user.role)
    return render(request, "accounts/letter.html", issued=issued, user=user, qr_svg=qr_svg(issued.link))


def qr_svg(link: str) -> str:
    import segno

    # An inline <svg>: no image request, and the CSP allows it.
    return str(segno.make(link, error="m").svg_inline(scale=4, border=2, omitsize=False))


# --- demo --------------------------------------------------------------------------------------


def demo_personas(request: Request) -> Response:
    users = context(request).services.accounts.demo_personas()
    return render(request, "demo.html", users=users, error=False)


def enter_as_persona(request: Request) -> Response:
    ctx = context(request)
    user_id = parse_id(ctx.form.get("user_id"))
    user = ctx.services.accounts.user(user_id) if user_id is not None else None
    if user is None or not user.is_active:
        users = ctx.services.accounts.demo_personas()
        return render(request, "demo.html", status_code=422, users=users, error=True)
    return start_login(request, user, "demo", home_for(user.role))


def routes() -> list[DeclaredRoute]:
    return [
        route("/log-ind/valg", login_options, access=Access.PUBLIC, methods=("POST",), name="login_options"),
        route("/log-ind", login, access=Access.PUBLIC, methods=("POST",), name="login"),
        route("/gendan", recovery_form, access=Access.PUBLIC, name="recovery"),
        route("/gendan", recover, access=Access.PUBLIC, methods=("POST",), name="recover"),
        route("/aktiver", activation_code_form, access=Access.PUBLIC, name="activation_code"),
        route("/aktiver", activation_by_code, access=Access.PUBLIC, methods=("POST",), name="activation_by_code"),
        route("/aktiver/{token}", activation_page, access=Access.PUBLIC, name="activation"),
        route("/aktiver/{token}/valg", activation_options, access=Access.PUBLIC, methods=("POST",), name="activation_options"),
        route("/aktiver/{token}", activate, access=Access.PUBLIC, methods=("POST",), name="activate"),
        route("/indstillinger", settings, access=Access.AUTHENTICATED, name="settings"),
        route("/indstillinger/adgangsnoegler/valg", add_passkey_options, access=Access.AUTHENTICATED, methods=("POST",), name="add_passkey_options"),
        route("/indstillinger/adgangsnoegler", add_passkey, access=Access.AUTHENTICATED, methods=("POST",), name="add_passkey"),
        route("/indstillinger/adgangsnoegler/{passkey_id}/navn", rename_passkey, access=Access.AUTHENTICATED, methods=("POST",), name="rename_passkey"),
        route("/indstillinger/adgangsnoegler/{passkey_id}/slet", remove_passkey, access=Access.AUTHENTICATED, methods=("POST",), name="remove_passkey"),
        route("/indstillinger/gendannelseskoder", regenerate_recovery_codes, access=Access.AUTHENTICATED, methods=("POST",), name="recovery_codes"),
        route("/indstillinger/log-ud-alle-steder", log_out_everywhere, access=Access.AUTHENTICATED, methods=("POST",), name="log_out_everywhere"),
        route("/session/forlaeng", extend_session, access=Access.AUTHENTICATED, methods=("POST",), name="extend_session"),
        route("/log-ud", log_out, access=Access.AUTHENTICATED, methods=("POST",), name="log_out"),
        route("/sag/borgere/ny", new_citizen_form, access=Access.STAFF, name="new_citizen"),
        route("/sag/borgere/ny", create_citizen, access=Access.STAFF, methods=("POST",), name="create_citizen"),
        route("/admin/", admin_home, access=Access.ADMIN, name="admin"),
        route("/admin/medarbejdere/ny", new_staff_form, access=Access.ADMIN, name="new_staff"),
        route("/admin/medarbejdere/ny", create_staff, access=Access.ADMIN, methods=("POST",), name="create_staff"),
        route("/demo", demo_personas, access=Access.DEMO, name="demo"),
        route("/demo", enter_as_persona, access=Access.DEMO, methods=("POST",), name="demo_enter"),
    ]

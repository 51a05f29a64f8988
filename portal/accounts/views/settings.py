"""A person's own settings: passkeys, recovery codes, where they are logged in, what happened."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from portal.accounts.forms import NewPasskeyForm, PasskeyNameForm
from portal.accounts.models import PasskeyCredential
from portal.accounts.passkeys import PasskeyError
from portal.accounts.views.common import credential_of, json_error, needs_javascript, passkey_service
from portal.access import owns_passkey
from portal.audit.services import EventKind
from portal.i18n import gettext as _
from portal.notifications.forms import CalendarForm, NotificationForm
from portal.web import context, not_found, parse_id, render


def settings_page(
    request: Request,
    status_code: int = 200,
    *,
    rename: tuple[int, PasskeyNameForm] | None = None,
    removal_error: tuple[int, str] | None = None,
    notification_form: NotificationForm | None = None,
    calendar_form: CalendarForm | None = None,
    calendar_link: str | None = None,
) -> Response:
    """The page; with a rename form that failed, or a passkey that may not be removed, it says why
    (as just the passkeys section for htmx)."""
    ctx = context(request)
    user = ctx.principal.user
    assert user is not None
    passkeys = ctx.services.accounts.passkeys_of(user)
    rename_forms = {p.id: PasskeyNameForm(name=p.name).for_passkey(p.id) for p in passkeys}
    errors: list[tuple[str | None, str]] = []
    if rename is not None:
        rename_forms[rename[0]] = rename[1]
        errors = rename[1].summary()
    if removal_error is not None:
        errors = [(f"remove-{removal_error[0]}", removal_error[1])]
    block = "passkeys" if errors else None
    for invalid in (notification_form, calendar_form):
        if invalid is not None:
            errors = invalid.summary()
    choices = ctx.services.notifications.of(user.id)
    return render(
        request,
        "accounts/settings.html",
        status_code=status_code,
        block=block,
        passkeys=passkeys,
        rename_forms=rename_forms,
        new_passkey=NewPasskeyForm(),
        removal_error=removal_error,
        recovery_left=ctx.services.accounts.unused_recovery_codes(user),
        sessions=ctx.services.accounts.active_sessions(user, ctx.now, request.app.state.session_cookie),
        events=ctx.services.audit.events_of(user.id),
        errors=errors,
        new_account=request.query_params.get("ny") == "1",
        recovered=request.query_params.get("gendannet") == "1",
        notification_form=notification_form or NotificationForm(email=choices.email or "", kinds=list(choices.kinds)),
        calendar_form=calendar_form or CalendarForm(details="details" if choices.calendar_details else "plain"),
        has_calendar_link=choices.has_calendar_link,
        calendar_link=calendar_link,
        saved=request.query_params.get("besked") == "gemt" or request.query_params.get("kalender") == "gemt",
    )


def settings(request: Request) -> Response:
    return settings_page(request)


def _own_passkey(request: Request) -> PasskeyCredential | None:
    ctx = context(request)
    passkey_id = parse_id(request.path_params["passkey_id"])
    if passkey_id is None or ctx.principal.user is None:
        return None
    passkey = ctx.services.accounts.passkey(passkey_id)
    return passkey if passkey is not None and owns_passkey(ctx.principal, passkey) else None


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
    form = PasskeyNameForm(ctx.form).for_passkey(passkey.id)
    if not form.validate():
        return settings_page(request, status_code=422, rename=(passkey.id, form))
    ctx.services.accounts.rename_passkey(passkey, form.name.data)
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
        message = _("This is your last passkey. Make recovery codes first, so you can still get in.")
        return settings_page(request, status_code=409, removal_error=(passkey.id, message))
    ctx.services.accounts.remove_passkey(passkey)
    ctx.audit.security_event(EventKind.PASSKEY_REMOVED, user, passkey=passkey.name)
    return RedirectResponse("/indstillinger", status_code=303)


def regenerate_recovery_codes(request: Request) -> Response:
    ctx = context(request)
    user = ctx.principal.user
    assert user is not None
    codes = ctx.services.accounts.new_recovery_codes(user, ctx.now)
    ctx.audit.security_event(EventKind.RECOVERY_CODES_CREATED, user,)
    return render(request, "accounts/recovery_codes.html", codes=codes)


def log_out_everywhere(request: Request) -> Response:
    ctx = context(request)
    user = ctx.principal.user
    assert user is not None
    ended = ctx.services.accounts.end_all_sessions(user, ctx.now)
    ctx.audit.security_event(EventKind.LOGOUT_EVERYWHERE, user, sessions=ended)
    response = RedirectResponse("/?logget-ud=1", status_code=303)
    request.app.state.session_cookie.clear(response)
    return response

"""Powers of attorney (fuldmagter): the citizen gives and withdraws them; relatives accept and use them."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from portal.access import Access, may_revoke_delegation
from portal.accounts.models import User
from portal.accounts.passkeys import PasskeyError
from portal.accounts.views import json_error, needs_javascript, passkey_service, start_login
from portal.consent.forms import ActForForm, InviteForm
from portal.consent.models import Delegation
from portal.consent.services import Delegations, InviteError, status_of
from portal.i18n import gettext as _
from portal.audit.services import EventKind
from portal.web import DeclaredRoute, context, not_found, parse_id, render, route


def delegations(request: Request) -> Delegations:
    return context(request).services.delegations


def _citizen_person_id(request: Request) -> int:
    user = context(request).principal.user
    assert user is not None and user.person_id is not None  # Access.CITIZEN
    return user.person_id


def _overview(request: Request, invalid: InviteForm | None = None) -> Response:
    """The page; with a form that failed, a 422 that says why (as just the form for htmx)."""
    ctx = context(request)
    service = delegations(request)
    person_id = _citizen_person_id(request)
    rows = service.of_citizen(person_id)
    history = service.history(person_id)
    # Half a year unless the citizen chooses otherwise; reading the plan is what most need.
    form = invalid or InviteForm(today=ctx.today, name="", scopes=["read_plan"], expires_on=ctx.today + dt.timedelta(days=182))
    return render(
        request,
        "consent/delegations.html",
        status_code=200 if invalid is None else 422,
        block=None if invalid is None else "form",
        rows=[(row, status_of(row, ctx.today)) for row in rows],
        history=history,
        actor_names=service.names_of_users({e.user_id for e in history if e.user_id is not None}),
        form=form,
    )


def overview(request: Request) -> Response:
    return _overview(request)


def invite(request: Request) -> Response:
    ctx = context(request)
    form = InviteForm(ctx.form, today=ctx.today)
    if not form.validate():
        return _overview(request, invalid=form)
    expires_on = form.expires_on.data
    assert expires_on is not None  # validated
    person_id = _citizen_person_id(request)
    invitation = delegations(request).invite(person_id, form.name.data, form.scopes.data, expires_on, ctx.now)
    ctx.audit.security_event(EventKind.DELEGATION_GIVEN, ctx.principal.user,
        subject_person_id=person_id, delegation_id=invitation.delegation.id, scopes=invitation.delegation.scopes,
    )
    return render(request, "consent/invitation.html", invitation=invitation)


def revoke(request: Request) -> Response:
    ctx = context(request)
    delegation_id = parse_id(request.path_params["delegation_id"])
    if delegation_id is None:
        return not_found(request)
    delegation = delegations(request).get(delegation_id)
    person_id = _citizen_person_id(request)
    if delegation is None or not may_revoke_delegation(ctx.principal, delegation):
        return not_found(request, delegation_id=delegation_id)
    delegations(request).revoke(delegation, ctx.now)
    ctx.audit.security_event(EventKind.DELEGATION_REVOKED, ctx.principal.user, subject_person_id=person_id, delegation_id=delegation.id
    )
    return RedirectResponse("/fuldmagter?tilbagekaldt=1", status_code=303)


# --- the relative's side -------------------------------------------------------------------


def invite_error_message(reason: str) -> str:
    if reason == "expired":
        return _("The power of attorney has run out. Ask for a new one.")
    if reason == "used":
        return _("The invitation has already been used. Log in with your passkey.")
    if reason == "revoked":
        return _("The invitation has been withdrawn.")
    return _("We do not know this invitation. Check the link and try again.")


def _invitation(request: Request) -> Delegation | Response:
    ctx = context(request)
    try:
        return delegations(request).from_invite(request.path_params["token"], ctx.today)
    except InviteError as error:
        ctx.audit.security_event(EventKind.DELEGATION_INVITE_REFUSED, ctx.principal.user,
            subject_person_id=error.delegation.citizen_person_id if error.delegation else None, reason=error.reason,
        )
        status = error.status_code
        message = invite_error_message(error.reason)
        if ctx.json is not None:
            return JSONResponse({"error": message, "reason": error.reason}, status_code=status)
        return render(request, "refused.html", status_code=status, refused_title=_("The invitation cannot be used"), message=message)


def invitation_page(request: Request) -> Response:
    found = _invitation(request)
    if isinstance(found, Response):
        return found
    return render(request, "consent/accept.html", delegation=found, token=request.path_params["token"])


def new_relative_options(request: Request) -> Response:
    found = _invitation(request)
    if isinstance(found, Response):
        return found
    user = delegations(request).pending_relative(found)
    return Response(passkey_service(request).registration_options(user), media_type="application/json")


def accept_as_new_relative(request: Request) -> Response:
    ctx = context(request)
    if ctx.json is None:
        return needs_javascript(request)
    found = _invitation(request)
    if isinstance(found, Response):
        return found
    user = delegations(request).pending_relative(found)
    body = ctx.json if isinstance(ctx.json, dict) else {}
    try:
        passkey_service(request).register(user, body.get("credential"), _("My first passkey"))
    except PasskeyError as error:
        ctx.audit.security_event(EventKind.PASSKEY_REGISTRATION_FAILED, user, reason=error.reason)
        return json_error(error.reason)
    user.is_active = True
    return _accepted(request, found, user, new_login=True)


def accept_as_relative(request: Request) -> Response:
    ctx = context(request)
    found = _invitation(request)
    if isinstance(found, Response):
        return found
    user = ctx.principal.user
    assert user is not None
    return _accepted(request, found, user, new_login=False)


def _accepted(request: Request, delegation: Delegation, relative: User, new_login: bool) -> Response:
    ctx = context(request)
    delegations(request).accept(delegation, relative, ctx.now)
    ctx.audit.security_event(EventKind.DELEGATION_ACCEPTED, relative, subject_person_id=delegation.citizen_person_id, delegation_id=delegation.id
    )
    if new_login:
        # start_session picks the citizen to act for when exactly one power is in force.
        return start_login(request, relative, "delegation_invite", "/min-plan")
    assert ctx.principal.session is not None
    ctx.principal.session.acting_for_person_id = delegation.citizen_person_id
    return RedirectResponse("/min-plan", status_code=303)


def choose_citizen(request: Request) -> Response:
    ctx = context(request)
    user = ctx.principal.user
    assert user is not None and user.person_id is not None
    in_force = delegations(request).in_force_for_relative(user.person_id, ctx.today)
    return render(request, "consent/choose_citizen.html", delegations=in_force, problem=ctx.principal.delegation_problem)


def act_for(request: Request) -> Response:
    ctx = context(request)
    user = ctx.principal.user
    assert user is not None and user.person_id is not None and ctx.principal.session is not None
    form = ActForForm(ctx.form, delegations=delegations(request), relative_person_id=user.person_id, today=ctx.today)
    if not form.validate() or form.delegation is None:
        return not_found(request, delegation_id=form.delegation_id.data or 0)
    ctx.principal.session.acting_for_person_id = form.delegation.citizen_person_id
    return RedirectResponse("/min-plan", status_code=303)


def routes() -> list[DeclaredRoute]:
    return [
        route("/fuldmagter", overview, access=Access.CITIZEN, name="delegations"),
        route("/fuldmagter", invite, access=Access.CITIZEN, methods=("POST",), name="invite_relative"),
        route("/fuldmagter/{delegation_id}/tilbagekald", revoke, access=Access.CITIZEN, methods=("POST",), name="revoke_delegation"),
        route("/fuldmagt/{token}", invitation_page, access=Access.PUBLIC, name="delegation_invitation"),
        route("/fuldmagt/{token}/valg", new_relative_options, access=Access.PUBLIC, methods=("POST",), name="new_relative_options"),
        route("/fuldmagt/{token}/ny", accept_as_new_relative, access=Access.PUBLIC, methods=("POST",), name="accept_as_new_relative"),
        route("/fuldmagt/{token}", accept_as_relative, access=Access.RELATIVE, methods=("POST",), name="accept_as_relative"),
        route("/vaelg-borger", choose_citizen, access=Access.RELATIVE, name="choose_citizen"),
        route("/vaelg-borger", act_for, access=Access.RELATIVE, methods=("POST",), name="act_for"),
    ]

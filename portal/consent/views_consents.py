"""Consents (samtykker): the citizen side sees who may see the plan, gives consents and withdraws them."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.access import Access, may_manage_consent
from portal.audit.services import EventKind
from portal.consent.forms import ConsentForm
from portal.consent.models import Consent
from portal.consent.services import Consents
from portal.plans.snapshots import PlanSnapshot
from portal.web import DeclaredRoute, context, not_found, parse_id, render, route

SCOPE = "manage_consents"


def consents(request: Request) -> Consents:
    return context(request).services.consents


def _subject(request: Request) -> int:
    person_id = context(request).principal.subject_person_id
    assert person_id is not None  # Access.CITIZEN_SIDE
    return person_id


def _overview(request: Request, snapshot: PlanSnapshot, invalid: ConsentForm | None = None) -> Response:
    """The page; with a form that failed, a 422 that says why (as just the form for htmx)."""
    ctx = context(request)
    service = consents(request)
    items = service.of_plan(snapshot.header.id, ctx.now)
    form = invalid or ConsentForm(
        today=ctx.today, recipients=service.recipients(snapshot), valid_until=ctx.today + dt.timedelta(days=365),
    )
    return render(
        request,
        "consent/consents.html",
        status_code=200 if invalid is None else 422,
        block=None if invalid is None else "form",
        current=[item for item in items if item.state in ("in_force", "not_yet")],
        history=[item for item in items if item.state in ("expired", "withdrawn")],
        form=form,
    )


def overview(request: Request) -> Response:
    snapshot = consents(request).plan_of(_subject(request))
    if snapshot is None:
        return not_found(request, reason="no_plan")
    return _overview(request, snapshot)


def give(request: Request) -> Response:
    ctx = context(request)
    service = consents(request)
    person_id = _subject(request)
    snapshot = service.plan_of(person_id)
    if snapshot is None:
        return not_found(request, reason="no_plan")
    form = ConsentForm(ctx.form, today=ctx.today, recipients=service.recipients(snapshot))
    if not form.validate() or form.chosen is None or form.valid_until.data is None:
        return _overview(request, snapshot, invalid=form)
    assert ctx.principal.user is not None
    consent = service.give(
        snapshot.header.id, person_id, form.chosen, form.purpose.data, form.valid_until.data, ctx.principal.user, ctx.now,
    )
    ctx.audit.security_event(
        EventKind.CONSENT_GIVEN, ctx.principal.user, subject_person_id=person_id, consent_id=consent.id,
        plan_id=snapshot.header.id,
    )
    return RedirectResponse("/samtykker?givet=1", status_code=303)


def _consent(request: Request) -> tuple[PlanSnapshot, Consent] | Response:
    """The consent in the path, if the principal may manage it; otherwise a 404 that confirms nothing."""
    ctx = context(request)
    consent_id = parse_id(request.path_params["consent_id"])
    if consent_id is None:
        return not_found(request)
    service = consents(request)
    snapshot = service.plan_of(_subject(request))
    consent = service.get(consent_id)
    if consent is None or not may_manage_consent(ctx.principal, consent, snapshot.header.id if snapshot else None):
        return not_found(request, consent_id=consent_id)
    assert snapshot is not None
    return snapshot, consent


def withdrawal_preview(request: Request) -> Response:
    found = _consent(request)
    if isinstance(found, Response):
        return found
    snapshot, consent = found
    ctx = context(request)
    preview = consents(request).withdrawal_preview(snapshot, consent, _subject(request), ctx.now)
    return render(request, "consent/withdraw.html", preview=preview)


def withdraw(request: Request) -> Response:
    found = _consent(request)
    if isinstance(found, Response):
        return found
    snapshot, consent = found
    ctx = context(request)
    assert ctx.principal.user is not None
    if consents(request).withdraw(consent, ctx.principal.user, ctx.now):
        ctx.audit.security_event(
            EventKind.CONSENT_WITHDRAWN, ctx.principal.user, subject_person_id=_subject(request), consent_id=consent.id,
            plan_id=snapshot.header.id,
        )
    return RedirectResponse("/samtykker?tilbagekaldt=1", status_code=303)


def routes() -> list[DeclaredRoute]:
    return [
        route("/samtykker", overview, access=Access.CITIZEN_SIDE, scope=SCOPE, name="consents"),
        route("/samtykker", give, access=Access.CITIZEN_SIDE, scope=SCOPE, methods=("POST",), name="give_consent"),
        route("/samtykker/{consent_id}/tilbagekald", withdrawal_preview, access=Access.CITIZEN_SIDE, scope=SCOPE,
              name="withdrawal_preview"),
        route("/samtykker/{consent_id}/tilbagekald", withdraw, access=Access.CITIZEN_SIDE, scope=SCOPE, methods=("POST",),
              name="withdraw_consent"),
    ]

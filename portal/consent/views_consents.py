"""Consents (samtykker): the citizen side sees who may see the plan, gives consents and withdraws them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.access import (
    Access,
    citizen_visible_member_ids,
    consent_part,
    keeps_own_part,
    may_choose_sharing,
    may_manage_consent,
    own_part_children,
)
from portal.audit.services import EventKind
from portal.consent.forms import ConsentForm, ShareForm
from portal.consent.models import Consent
from portal.consent.services import Consents
from portal.i18n import gettext as _
from portal.plans.snapshots import PlanSnapshot
from portal.web import DeclaredRoute, context, not_found, parse_id, render, route

SCOPE = "manage_consents"


def consents(request: Request) -> Consents:
    return context(request).services.consents


def _subject(request: Request) -> int:
    person_id = context(request).principal.subject_person_id
    assert person_id is not None  # Access.CITIZEN_SIDE
    return person_id


@dataclass(frozen=True)
class Part:
    """Whose consents the citizen side manages here, and what it may see of the plan."""

    part: int | None               # None: the whole plan's; a child's id: that child's own part
    member_ids: frozenset[int]     # the parts the citizen side sees (access.citizen_visible_member_ids)
    parent: str | None             # for a child of 15 or older: the first name of the parent
    own_part_children: tuple[str, ...]  # for a parent: the children who consent for themselves


def _part(request: Request, snapshot: PlanSnapshot) -> Part | None:
    """None for a child under 15: their parent gives the consents for them."""
    ctx = context(request)
    person_id = _subject(request)
    member = next((m for m in snapshot.members if m.person_id == person_id), None)
    if member is not None and member.custody_holder_id is not None and not keeps_own_part(member, ctx.today):
        return None
    names = {person.id: person.first_name for person in snapshot.header.members}
    part = consent_part(snapshot.members, person_id, ctx.today)
    return Part(
        part=part,
        member_ids=citizen_visible_member_ids(snapshot.members, person_id, ctx.today),
        parent=names.get(member.custody_holder_id) if part is not None and member and member.custody_holder_id else None,
        own_part_children=tuple(names[i] for i in own_part_children(snapshot.members, person_id, ctx.today) if i in names),
    )


def _overview(
    request: Request, snapshot: PlanSnapshot, part: Part, invalid: ConsentForm | None = None,
    invalid_share: ShareForm | None = None,
) -> Response:
    """The page; with a form that failed, a 422 that says why (as just the form for htmx)."""
    ctx = context(request)
    service = consents(request)
    items = service.of_plan(snapshot.header.id, ctx.now, part=part.part)
    form = invalid or ConsentForm(
        today=ctx.today, recipients=service.recipients(snapshot, part.member_ids),
        valid_until=ctx.today + dt.timedelta(days=365),
    )
    if part.parent is not None:
        form.recipient.label.text = _("Who may see your part?")
    share_form = None
    if part.parent is not None and may_choose_sharing(ctx.principal, snapshot.members, ctx.today):
        member = next(m for m in snapshot.members if m.person_id == part.part)
        share_form = invalid_share or ShareForm(parent=part.parent, share="ja" if member.shares_with_custody_holder else "nej")
    failed = invalid is not None or invalid_share is not None
    return render(
        request,
        "consent/consents.html",
        status_code=422 if failed else 200,
        block=("form" if invalid is not None else "share") if failed else None,
        current=[item for item in items if item.state in ("in_force", "not_yet")],
        history=[item for item in items if item.state in ("expired", "withdrawn")],
        form=form,
        share_form=share_form,
        part=part,
    )


def overview(request: Request) -> Response:
    snapshot = consents(request).plan_of(_subject(request))
    if snapshot is None:
        return not_found(request, reason="no_plan")
    part = _part(request, snapshot)
    if part is None:
        return not_found(request, reason="parent_consents")
    return _overview(request, snapshot, part)


def give(request: Request) -> Response:
    ctx = context(request)
    service = consents(request)
    person_id = _subject(request)
    snapshot = service.plan_of(person_id)
    if snapshot is None:
        return not_found(request, reason="no_plan")
    part = _part(request, snapshot)
    if part is None:
        return not_found(request, reason="parent_consents")
    form = ConsentForm(ctx.form, today=ctx.today, recipients=service.recipients(snapshot, part.member_ids))
    if not form.validate() or form.chosen is None or form.valid_until.data is None:
        return _overview(request, snapshot, part, invalid=form)
    assert ctx.principal.user is not None
    consent = service.give(
        snapshot.header.id, person_id, form.chosen, form.purpose.data, form.valid_until.data, ctx.principal.user, ctx.now,
        part=part.part,
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
    part = _part(request, snapshot) if snapshot is not None else None
    if (
        consent is None or snapshot is None or part is None
        or not may_manage_consent(ctx.principal, consent, snapshot.header.id, part.part)
    ):
        return not_found(request, consent_id=consent_id)
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


def share(request: Request) -> Response:
    """A child of 15 or older chooses whether their parent sees their part of the plan."""
    ctx = context(request)
    service = consents(request)
    person_id = _subject(request)
    snapshot = service.plan_of(person_id)
    if snapshot is None:
        return not_found(request, reason="no_plan")
    part = _part(request, snapshot)
    if part is None or part.parent is None or not may_choose_sharing(ctx.principal, snapshot.members, ctx.today):
        return not_found(request, reason="no_part_to_share")
    form = ShareForm(ctx.form, parent=part.parent)
    if not form.validate():
        return _overview(request, snapshot, part, invalid_share=form)
    if service.share_part(snapshot.header.id, person_id, form.shared):
        ctx.audit.security_event(
            EventKind.PART_SHARED if form.shared else EventKind.PART_UNSHARED, ctx.principal.user,
            subject_person_id=person_id, plan_id=snapshot.header.id,
        )
    return RedirectResponse("/samtykker?deling=" + ("ja" if form.shared else "nej"), status_code=303)


def routes() -> list[DeclaredRoute]:
    return [
        route("/samtykker", overview, access=Access.CITIZEN_SIDE, scope=SCOPE, name="consents"),
        route("/samtykker", give, access=Access.CITIZEN_SIDE, scope=SCOPE, methods=("POST",), name="give_consent"),
        route("/samtykker/{consent_id}/tilbagekald", withdrawal_preview, access=Access.CITIZEN_SIDE, scope=SCOPE,
              name="withdrawal_preview"),
        route("/samtykker/{consent_id}/tilbagekald", withdraw, access=Access.CITIZEN_SIDE, scope=SCOPE, methods=("POST",),
              name="withdraw_consent"),
        route("/samtykker/deling", share, access=Access.CITIZEN, methods=("POST",), name="share_part"),
    ]

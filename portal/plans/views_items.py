"""A plan's meetings, outside participants and shared assessments: a plain form page each, to make
one and to change one. Who may touch which is asked of portal/access.py; an item one may not touch
(or cannot see) is a 404 with a security event, a stale save a 409 with theirs and yours side by side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date, format_datetime
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import i18n
from portal.access import (
    Access,
    may_add_meeting,
    may_add_participant,
    may_edit_assessment,
    may_edit_meeting,
    may_edit_participant,
    may_see_assessment,
)
from portal.consent.rules import may_see_item
from portal.forms import Form
from portal.i18n import gettext as _
from portal.labels import label
from portal.plans.changes import Stale
from portal.plans.forms_setup import DANISH_TIME, AssessmentForm, MeetingForm, ParticipantForm
from portal.plans.items import ASSESSMENT_FIELDS, MEETING_FIELDS, PARTICIPANT_FIELDS
from portal.plans.setup import PlanAccess
from portal.plans.views_setup import conflict_rows, plan_access, refused, staff_user
from portal.web import DeclaredRoute, context, parse_id, render, route


@dataclass(frozen=True)
class Kind:
    """One kind of item: its path segment, revision entity, fields and page headings."""

    segment: str
    entity: str
    fields: tuple[str, ...]
    new_heading: Callable[[], str]
    edit_heading: Callable[[], str]


MEETING = Kind("moeder", "meeting", MEETING_FIELDS, lambda: _("New meeting"), lambda: _("Change the meeting"))
PARTICIPANT = Kind("deltagere", "participant", PARTICIPANT_FIELDS, lambda: _("New participant from outside"),
                   lambda: _("Change the participant"))
ASSESSMENT = Kind("vurderinger", "assessment", ASSESSMENT_FIELDS, lambda: _("New shared assessment"),
                  lambda: _("Change the shared assessment"))


def _page(request: Request, found: PlanAccess, kind: Kind, form: Form, *, editing: bool, status_code: int = 200,
          conflict: list[tuple[str, str, str, bool]] | None = None) -> Response:
    plan = found.snapshot.header
    action = request.url.path
    return render(
        request, "staff/plan_item.html", status_code=status_code, block="form" if status_code != 200 else None,
        plan=plan, form=form, kind=kind.entity, heading=kind.edit_heading() if editing else kind.new_heading(),
        action=action, conflict=conflict,
    )


def _shown(found: PlanAccess) -> Callable[[str, Any], str]:
    """A field's value in words, for the conflict view."""
    names = {p.id: p.full_name for p in found.snapshot.header.members}
    locale = i18n.babel_locale()

    def shown(field: str, value: Any) -> str:
        if value is None or value == "":
            return "–"
        if isinstance(value, dt.datetime):
            return format_datetime(value.astimezone(DANISH_TIME), format="short", locale=locale)
        if isinstance(value, dt.date):
            return format_date(value, format="long", locale=locale)
        if field == "kind":
            return label("participant_kind", str(value))
        if field == "person_id":
            return names.get(int(value), "–")
        return str(value)

    return shown


def _item_id(request: Request, name: str) -> int | None:
    return parse_id(request.path_params[name])


def _saved(found: PlanAccess, kind: Kind) -> Response:
    return RedirectResponse(f"/sag/plan/{found.snapshot.header.id}?gemt={kind.entity}#{kind.segment}", status_code=303)


def _stale(request: Request, found: PlanAccess, kind: Kind, form: Any, stale: Stale, mine: dict[str, Any]) -> Response:
    rows = conflict_rows(kind.fields, stale.current, mine, _shown(found))
    form.version.data = stale.version
    return _page(request, found, kind, form, editing=True, status_code=409, conflict=rows)


# --- meetings ---------------------------------------------------------------------------------------


def _meeting_form_data(meeting: Any) -> dict[str, Any]:
    local = meeting.starts_at.astimezone(DANISH_TIME)
    return {"day": local.date(), "time": local.strftime("%H:%M"), "location": meeting.location,
            "purpose": meeting.purpose, "cadence": str(meeting.cadence_weeks or ""), "version": meeting.version}


def new_meeting(request: Request) -> Response:
    found = plan_access(request, record_read=True)
    if found is None or not may_add_meeting(found.viewer, found.visibility):
        return refused(request)
    return _page(request, found, MEETING, MeetingForm(now=context(request).now, check_version=False), editing=False)


def add_meeting(request: Request) -> Response:
    ctx = context(request)
    found = plan_access(request, record_read=False)
    if found is None or not may_add_meeting(found.viewer, found.visibility):
        return refused(request)
    form = MeetingForm(ctx.form, now=ctx.now, check_version=False)
    if not form.validate():
        return _page(request, found, MEETING, form, editing=False, status_code=422)
    user = staff_user(request)
    ctx.services.plan_items.add_meeting(found.snapshot.header.id, with_user=user, values=form.values, by=user, now=ctx.now)
    return _saved(found, MEETING)


def _meeting(request: Request) -> tuple[PlanAccess, Any] | None:
    found = plan_access(request, record_read=True)
    meeting_id = _item_id(request, "meeting_id")
    if found is None or meeting_id is None:
        return None
    meeting = context(request).services.plan_items.meeting(found.snapshot.header.id, meeting_id)
    # A meeting with another department's caseworker is hidden without consent, from the contact person too.
    if meeting is None or not (
        may_see_item(found.visibility, found.viewer, meeting.with_user.department_id)
        and may_edit_meeting(found.viewer, found.snapshot.facts, found.visibility, meeting.with_user_id)
    ):
        return None
    return found, meeting


def meeting(request: Request) -> Response:
    got = _meeting(request)
    if got is None:
        return refused(request, meeting_id=request.path_params["meeting_id"])
    found, row = got
    return _page(request, found, MEETING, MeetingForm(now=context(request).now, **_meeting_form_data(row)), editing=True)


def change_meeting(request: Request) -> Response:
    ctx = context(request)
    got = _meeting(request)
    if got is None:
        return refused(request, meeting_id=request.path_params["meeting_id"])
    found, row = got
    form = MeetingForm(ctx.form, now=ctx.now)
    if not form.validate():
        return _page(request, found, MEETING, form, editing=True, status_code=422)
    assert form.version.data is not None
    stale = ctx.services.plan_items.change(row, entity="meeting", plan_id=found.snapshot.header.id,
                                           seen_version=form.version.data, values=form.values, by=staff_user(request), now=ctx.now)
    if stale is not None:
        return _stale(request, found, MEETING, form, stale, form.values)
    return _saved(found, MEETING)


# --- outside participants ------------------------------------------------------------------------


def new_participant(request: Request) -> Response:
    found = plan_access(request, record_read=True)
    if found is None or not may_add_participant(found.viewer, found.visibility):
        return refused(request)
    return _page(request, found, PARTICIPANT, ParticipantForm(check_version=False, kind="other"), editing=False)


def add_participant(request: Request) -> Response:
    ctx = context(request)
    found = plan_access(request, record_read=False)
    if found is None or not may_add_participant(found.viewer, found.visibility):
        return refused(request)
    form = ParticipantForm(ctx.form, check_version=False)
    if not form.validate():
        return _page(request, found, PARTICIPANT, form, editing=False, status_code=422)
    ctx.services.plan_items.add_participant(found.snapshot.header.id, values=form.values, by=staff_user(request), now=ctx.now)
    return _saved(found, PARTICIPANT)


def _participant(request: Request) -> tuple[PlanAccess, Any] | None:
    found = plan_access(request, record_read=True)
    participant_id = _item_id(request, "participant_id")
    if found is None or participant_id is None:
        return None
    row = context(request).services.plan_items.participant(found.snapshot.header.id, participant_id)
    if row is None or not may_edit_participant(found.viewer, found.snapshot.facts, found.visibility):
        return None
    return found, row


def participant(request: Request) -> Response:
    got = _participant(request)
    if got is None:
        return refused(request, participant_id=request.path_params["participant_id"])
    found, row = got
    form = ParticipantForm(name=row.name, kind=row.kind, role_description=row.role_description or "", version=row.version)
    return _page(request, found, PARTICIPANT, form, editing=True)


def change_participant(request: Request) -> Response:
    ctx = context(request)
    got = _participant(request)
    if got is None:
        return refused(request, participant_id=request.path_params["participant_id"])
    found, row = got
    form = ParticipantForm(ctx.form)
    if not form.validate():
        return _page(request, found, PARTICIPANT, form, editing=True, status_code=422)
    assert form.version.data is not None
    stale = ctx.services.plan_items.change(row, entity="participant", plan_id=found.snapshot.header.id,
                                           seen_version=form.version.data, values=form.values, by=staff_user(request), now=ctx.now)
    if stale is not None:
        return _stale(request, found, PARTICIPANT, form, stale, form.values)
    return _saved(found, PARTICIPANT)


# --- shared assessments -------------------------------------------------------------------------


def _may_add_assessment(found: PlanAccess) -> bool:
    department_id = found.viewer.department_id
    return department_id is not None and may_edit_assessment(found.viewer, found.visibility, department_id)


def _assessment_form(request: Request, found: PlanAccess, formdata: Any = None, **data: Any) -> AssessmentForm:
    return AssessmentForm(formdata, members=found.snapshot.header.members, today=context(request).today, **data)


def new_assessment(request: Request) -> Response:
    found = plan_access(request, record_read=True)
    if found is None or not _may_add_assessment(found):
        return refused(request)
    form = _assessment_form(request, found, check_version=False, person=str(found.snapshot.header.citizen.id))
    return _page(request, found, ASSESSMENT, form, editing=False)


def add_assessment(request: Request) -> Response:
    ctx = context(request)
    found = plan_access(request, record_read=False)
    if found is None or not _may_add_assessment(found):
        return refused(request)
    form = _assessment_form(request, found, ctx.form, check_version=False)
    if not form.validate():
        return _page(request, found, ASSESSMENT, form, editing=False, status_code=422)
    assert found.viewer.department_id is not None
    ctx.services.plan_items.add_assessment(found.snapshot.header.id, department_id=found.viewer.department_id,
                                           values=form.values, by=staff_user(request), now=ctx.now)
    return _saved(found, ASSESSMENT)


def _assessment(request: Request) -> tuple[PlanAccess, Any] | None:
    found = plan_access(request, record_read=True)
    assessment_id = _item_id(request, "assessment_id")
    if found is None or assessment_id is None:
        return None
    row = context(request).services.plan_items.assessment(found.snapshot.header.id, assessment_id)
    # Another department's assessment is refused like one that does not exist, seen or not.
    if row is None or not (may_see_assessment(found.viewer, found.visibility, row.department_id)
                           and may_edit_assessment(found.viewer, found.visibility, row.department_id)):
        return None
    return found, row


def assessment(request: Request) -> Response:
    got = _assessment(request)
    if got is None:
        return refused(request, assessment_id=request.path_params["assessment_id"])
    found, row = got
    form = _assessment_form(request, found, person=str(row.person_id), title=row.title, body=row.summary,
                            assessed_on=row.assessed_on, version=row.version)
    return _page(request, found, ASSESSMENT, form, editing=True)


def change_assessment(request: Request) -> Response:
    ctx = context(request)
    got = _assessment(request)
    if got is None:
        return refused(request, assessment_id=request.path_params["assessment_id"])
    found, row = got
    form = _assessment_form(request, found, ctx.form)
    if not form.validate():
        return _page(request, found, ASSESSMENT, form, editing=True, status_code=422)
    assert form.version.data is not None
    stale = ctx.services.plan_items.change(row, entity="assessment", plan_id=found.snapshot.header.id,
                                           seen_version=form.version.data, values=form.values, by=staff_user(request), now=ctx.now)
    if stale is not None:
        return _stale(request, found, ASSESSMENT, form, stale, form.values)
    return _saved(found, ASSESSMENT)


def routes() -> list[DeclaredRoute]:
    base = "/sag/plan/{plan_id}"
    table: list[tuple[str, Callable[[Request], Response], str, str]] = [
        ("/moeder/ny", new_meeting, "GET", "new_meeting"),
        ("/moeder/ny", add_meeting, "POST", "add_meeting"),
        ("/moeder/{meeting_id}", meeting, "GET", "meeting"),
        ("/moeder/{meeting_id}", change_meeting, "POST", "change_meeting"),
        ("/deltagere/ny", new_participant, "GET", "new_participant"),
        ("/deltagere/ny", add_participant, "POST", "add_participant"),
        ("/deltagere/{participant_id}", participant, "GET", "participant"),
        ("/deltagere/{participant_id}", change_participant, "POST", "change_participant"),
        ("/vurderinger/ny", new_assessment, "GET", "new_assessment"),
        ("/vurderinger/ny", add_assessment, "POST", "add_assessment"),
        ("/vurderinger/{assessment_id}", assessment, "GET", "assessment"),
        ("/vurderinger/{assessment_id}", change_assessment, "POST", "change_assessment"),
    ]
    return [route(base + path, view, access=Access.STAFF, methods=(method,), name=name) for path, view, method, name in table]


@dataclass(frozen=True)
class PlanTools:
    """What the plan page offers this caseworker to change (portal/access.py decides each)."""

    may_manage: bool
    may_add_meeting: bool
    meeting_ids: frozenset[int]          # meetings they may change
    may_add_participant: bool
    may_edit_participants: bool
    may_add_assessment: bool
    assessment_ids: frozenset[int]       # assessments they may change


def plan_tools(request: Request, view: Any) -> PlanTools:
    """For the plan page (portal/plans/views.py): the links to the setup and item forms."""
    from portal.access import may_manage_plan, viewer_of

    viewer = viewer_of(staff_user(request))
    facts, visibility = view.facts, view.visibility
    department_id = viewer.department_id
    return PlanTools(
        may_manage=may_manage_plan(viewer, facts, visibility),
        may_add_meeting=may_add_meeting(viewer, visibility),
        meeting_ids=frozenset(m.id for m in view.meetings if may_edit_meeting(viewer, facts, visibility, m.with_user_id)),
        may_add_participant=may_add_participant(viewer, visibility),
        may_edit_participants=may_edit_participant(viewer, facts, visibility),
        may_add_assessment=department_id is not None and may_edit_assessment(viewer, visibility, department_id),
        assessment_ids=frozenset(a.id for a in view.assessments if may_edit_assessment(viewer, visibility, a.department_id)),
    )

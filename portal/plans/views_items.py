"""A plan's meetings, outside participants and shared assessments: a form page each, to make one
and to change one, in place with htmx (portal/plans/views_item_form.py holds the views; here is
what differs per kind). Who may touch which is asked of portal/access.py.
"""

from __future__ import annotations

from typing import Any

from babel.dates import format_datetime
from starlette.requests import Request

from portal import i18n
from portal.access import (
    may_add_meeting,
    may_add_participant,
    may_edit_assessment,
    may_edit_meeting,
    may_edit_participant,
    may_see_assessment,
    viewer_of,
)
from portal.consent.rules import may_see_item
from portal.i18n import gettext as _
from portal.plans.forms_setup import DANISH_TIME, AssessmentForm, MeetingForm, ParticipantForm
from portal.plans.setup import PlanAccess
from portal.plans.views_item_form import ItemKind, PlanTools, item_routes, tools_of
from portal.plans.views_setup import staff_user
from portal.web import DeclaredRoute, context


def _first(items: Any, item_id: int) -> Any:
    return next((item for item in items if item.id == item_id), None)


# --- meetings ---------------------------------------------------------------------------------------


def _meeting(request: Request, found: PlanAccess, meeting_id: int) -> Any:
    meeting = context(request).services.plan_items.meeting(found.snapshot.header.id, meeting_id)
    # A meeting with another department's caseworker is hidden without consent, from the contact person too.
    if meeting is None or not (
        may_see_item(found.visibility, found.viewer, meeting.with_user.department_id)
        and may_edit_meeting(found.viewer, found.snapshot.facts, found.visibility, meeting.with_user_id)
    ):
        return None
    return meeting


def _meeting_form_data(meeting: Any) -> dict[str, Any]:
    local = meeting.starts_at.astimezone(DANISH_TIME)
    return {"day": local.date(), "time": local.strftime("%H:%M"), "location": meeting.location,
            "purpose": meeting.purpose, "cadence": str(meeting.cadence_weeks or ""), "version": meeting.version}


def _add_meeting(request: Request, found: PlanAccess, values: dict[str, Any]) -> int:
    ctx, user = context(request), staff_user(request)
    return ctx.services.plan_items.add_meeting(found.snapshot.header.id, with_user=user, values=values, by=user, now=ctx.now)


def _meeting_title(meeting: Any) -> str:
    when = format_datetime(meeting.starts_at.astimezone(DANISH_TIME), format="short", locale=i18n.babel_locale())
    return f"{when}, {meeting.location}"


MEETING = ItemKind(
    entity="meeting", segment="moeder", param="meeting_id",
    fields=(("starts_at", ("day", "time")), ("location", ("location",)), ("purpose", ("purpose",)),
            ("cadence_weeks", ("cadence",))),
    new_heading=lambda: _("New meeting"), edit_heading=lambda: _("Change the meeting"),
    form=lambda request, found, formdata, **data: MeetingForm(formdata, now=context(request).now, **data),
    may_add=lambda found: may_add_meeting(found.viewer, found.visibility),
    find=_meeting, form_data=_meeting_form_data, new_data=lambda found: {}, add=_add_meeting, title=_meeting_title,
    shown=lambda snapshot, item_id: _first(snapshot.meetings, item_id),
)


# --- outside participants ------------------------------------------------------------------------


def _participant(request: Request, found: PlanAccess, participant_id: int) -> Any:
    row = context(request).services.plan_items.participant(found.snapshot.header.id, participant_id)
    if row is None or not may_edit_participant(found.viewer, found.snapshot.facts, found.visibility):
        return None
    return row


def _add_participant(request: Request, found: PlanAccess, values: dict[str, Any]) -> int:
    ctx = context(request)
    return ctx.services.plan_items.add_participant(found.snapshot.header.id, values=values, by=staff_user(request), now=ctx.now)


PARTICIPANT = ItemKind(
    entity="participant", segment="deltagere", param="participant_id",
    fields=(("name", ("name",)), ("kind", ("kind",)), ("role_description", ("role_description",))),
    new_heading=lambda: _("New participant from outside"), edit_heading=lambda: _("Change the participant"),
    form=lambda request, found, formdata, **data: ParticipantForm(formdata, **data),
    may_add=lambda found: may_add_participant(found.viewer, found.visibility),
    find=_participant,
    form_data=lambda row: {"name": row.name, "kind": row.kind, "role_description": row.role_description or "",
                           "version": row.version},
    new_data=lambda found: {"kind": "other"}, add=_add_participant, title=lambda row: str(row.name),
    shown=lambda snapshot, item_id: _first(snapshot.header.participants, item_id),
)


# --- shared assessments -------------------------------------------------------------------------


def _may_add_assessment(found: PlanAccess) -> bool:
    department_id = found.viewer.department_id
    return department_id is not None and may_edit_assessment(found.viewer, found.visibility, department_id)


def _assessment(request: Request, found: PlanAccess, assessment_id: int) -> Any:
    row = context(request).services.plan_items.assessment(found.snapshot.header.id, assessment_id)
    # Another department's assessment is refused like one that does not exist, seen or not.
    if row is None or not (may_see_assessment(found.viewer, found.visibility, row.department_id)
                           and may_edit_assessment(found.viewer, found.visibility, row.department_id)):
        return None
    return row


def _assessment_form(request: Request, found: PlanAccess, formdata: Any, **data: Any) -> AssessmentForm:
    return AssessmentForm(formdata, members=found.snapshot.header.members, today=context(request).today, **data)


def _add_assessment(request: Request, found: PlanAccess, values: dict[str, Any]) -> int:
    ctx = context(request)
    department_id = found.viewer.department_id
    assert department_id is not None  # _may_add_assessment
    return ctx.services.plan_items.add_assessment(found.snapshot.header.id, department_id=department_id, values=values,
                                                  by=staff_user(request), now=ctx.now)


ASSESSMENT = ItemKind(
    entity="assessment", segment="vurderinger", param="assessment_id",
    fields=(("person_id", ("person",)), ("title", ("title",)), ("summary", ("body",)), ("assessed_on", ("assessed_on",))),
    new_heading=lambda: _("New shared assessment"), edit_heading=lambda: _("Change the shared assessment"),
    form=_assessment_form, may_add=_may_add_assessment, find=_assessment,
    form_data=lambda row: {"person": str(row.person_id), "title": row.title, "body": row.summary,
                           "assessed_on": row.assessed_on, "version": row.version},
    new_data=lambda found: {"person": str(found.snapshot.header.citizen.id)}, add=_add_assessment,
    title=lambda row: str(row.title), shown=lambda snapshot, item_id: _first(snapshot.assessments, item_id),
)


def routes() -> list[DeclaredRoute]:
    return [*item_routes(MEETING), *item_routes(PARTICIPANT), *item_routes(ASSESSMENT)]


def plan_tools(request: Request, view: Any) -> PlanTools:
    """For the plan page (portal/plans/views.py): the links to the setup and item forms."""
    return tools_of(viewer_of(staff_user(request)), view.facts, view.visibility, view.meetings, view.assessments)


__all__ = ["ASSESSMENT", "MEETING", "PARTICIPANT", "PlanTools", "plan_tools", "routes"]

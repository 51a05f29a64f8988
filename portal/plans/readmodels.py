"""Read models: what a page may show of a plan, as plain frozen values.

Readers build these from the database rows and hand only these to templates: a read model
has no way back to the plan, so a template cannot reach an effort the viewer may not see.
The attribute names match the rows' own, so templates read ``effort.responsible.display_name``
either way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from portal.accounts.models import Person, User
from portal.plans.models import AboutMe, Effort, Goal, Meeting, Participant, Plan, SharedAssessment

DANISH_TIME = ZoneInfo("Europe/Copenhagen")


@dataclass(frozen=True)
class PersonRef:
    id: int
    first_name: str
    full_name: str


@dataclass(frozen=True)
class NamedRef:
    name: str


@dataclass(frozen=True)
class StaffRef:
    display_name: str
    department: NamedRef | None


@dataclass(frozen=True)
class SlotItem:
    weekday: int
    start_time: dt.time
    end_time: dt.time


@dataclass(frozen=True)
class EffortItem:
    id: int
    title: str
    description: str
    member_person_id: int
    member: PersonRef
    department_id: int | None
    department: NamedRef | None
    responsible: StaffRef | None
    participant: NamedRef | None
    start_date: dt.date | None
    end_date: dt.date | None
    slots: tuple[SlotItem, ...]
    status: str
    precondition_text: str | None
    legal_basis_code: str | None
    counts_as_activation: bool
    goal_ids: tuple[int, ...]
    # What the edit form needs besides what the pages show.
    version: int = 1
    responsible_user_id: int | None = None
    participant_id: int | None = None
    after_effort_id: int | None = None
    support_kind: str | None = None
    physical_demands: tuple[str, ...] = ()
    monthly_cost_dkk: int | None = None


@dataclass(frozen=True)
class ProgressItem:
    """One self-rating of a goal, 0–10."""

    score: int
    recorded_at: dt.datetime

    @property
    def day(self) -> dt.date:
        """The Danish calendar day it was given on (just after midnight in Denmark is still yesterday in UTC)."""
        return self.recorded_at.astimezone(DANISH_TIME).date()


@dataclass(frozen=True)
class GoalItem:
    id: int
    member_person_id: int
    member: PersonRef
    citizen_wording: str
    professional_wording: str | None
    life_area: str
    horizon: str
    status: str
    citizen_confirmation: str
    citizen_comment: str | None
    show_on_front: bool
    version: int = 1
    answered_at: dt.datetime | None = None
    # What a caseworker changed since the citizen last answered: (field, the earlier value).
    previous_values: tuple[tuple[str, str], ...] = ()
    changed_at: dt.datetime | None = None
    progress: tuple[ProgressItem, ...] = ()


@dataclass(frozen=True)
class ParticipantItem:
    name: str
    kind: str
    role_description: str | None
    id: int = 0
    version: int = 1


@dataclass(frozen=True)
class MeetingItem:
    starts_at: dt.datetime
    location: str
    purpose: str
    with_user: StaffRef
    id: int = 0
    with_user_id: int = 0
    cadence_weeks: int | None = None
    version: int = 1
    department_id: int | None = None   # the department of the caseworker it is with


@dataclass(frozen=True)
class AboutMeItem:
    """A member's own words about their situation and wishes ("tell once")."""

    person: PersonRef
    situation: str
    wishes: str
    updated_at: dt.datetime | None


@dataclass(frozen=True)
class AssessmentItem:
    """A shared assessment of one member, made by one department."""

    id: int
    person_id: int
    person: PersonRef
    department_id: int
    department: NamedRef
    title: str
    summary: str
    assessed_on: dt.date
    version: int


@dataclass(frozen=True)
class PlanHeader:
    """What anyone who may open the plan sees of it, whatever else they may see."""

    id: int
    version: int
    kind: str
    citizen: PersonRef
    members: tuple[PersonRef, ...]
    contact: StaffRef | None
    deputy: StaffRef | None
    participants: tuple[ParticipantItem, ...]


def person_ref(person: Person) -> PersonRef:
    return PersonRef(person.id, person.first_name, person.full_name)


def staff_ref(user: User | None) -> StaffRef | None:
    if user is None:
        return None
    department = NamedRef(user.department.name) if user.department is not None else None
    return StaffRef(user.display_name, department)


def effort_item(effort: Effort) -> EffortItem:
    return EffortItem(
        id=effort.id,
        title=effort.title,
        description=effort.description,
        member_person_id=effort.member_person_id,
        member=person_ref(effort.member),
        department_id=effort.department_id,
        department=NamedRef(effort.department.name) if effort.department is not None else None,
        responsible=staff_ref(effort.responsible),
        participant=NamedRef(effort.participant.name) if effort.participant is not None else None,
        start_date=effort.start_date,
        end_date=effort.end_date,
        slots=tuple(SlotItem(s.weekday, s.start_time, s.end_time) for s in effort.slots),
        status=effort.status,
        precondition_text=effort.precondition_text,
        legal_basis_code=effort.legal_basis_code,
        counts_as_activation=effort.counts_as_activation,
        goal_ids=tuple(sorted(link.goal_id for link in effort.goal_links)),
        version=effort.version,
        responsible_user_id=effort.responsible_user_id,
        participant_id=effort.participant_id,
        after_effort_id=effort.after_effort_id,
        support_kind=effort.support_kind,
        physical_demands=tuple(effort.physical_demands or ()),
        monthly_cost_dkk=effort.monthly_cost_dkk,
    )


def goal_item(goal: Goal) -> GoalItem:
    return GoalItem(
        id=goal.id,
        member_person_id=goal.member_person_id,
        member=person_ref(goal.member),
        citizen_wording=goal.citizen_wording,
        professional_wording=goal.professional_wording,
        life_area=goal.life_area,
        horizon=goal.horizon,
        status=goal.status,
        citizen_confirmation=goal.citizen_confirmation,
        citizen_comment=goal.citizen_comment,
        show_on_front=goal.show_on_front,
        version=goal.version,
        answered_at=goal.answered_at,
        previous_values=tuple(sorted((goal.previous_values or {}).items())),
        changed_at=goal.changed_at,
        progress=tuple(ProgressItem(p.score, p.recorded_at) for p in goal.progress),
    )


def participant_item(participant: Participant) -> ParticipantItem:
    return ParticipantItem(
        participant.name, participant.kind, participant.role_description, id=participant.id, version=participant.version,
    )


def meeting_item(meeting: Meeting) -> MeetingItem:
    with_user = staff_ref(meeting.with_user)
    assert with_user is not None
    return MeetingItem(
        meeting.starts_at, meeting.location, meeting.purpose, with_user, id=meeting.id,
        with_user_id=meeting.with_user_id, cadence_weeks=meeting.cadence_weeks, version=meeting.version,
        department_id=meeting.with_user.department_id,
    )


def about_me_item(person: Person, about_me: AboutMe) -> AboutMeItem:
    return AboutMeItem(person_ref(person), about_me.situation or "", about_me.wishes or "", about_me.updated_at)


def assessment_item(assessment: SharedAssessment, person: Person) -> AssessmentItem:
    return AssessmentItem(
        id=assessment.id, person_id=assessment.person_id, person=person_ref(person),
        department_id=assessment.department_id, department=NamedRef(assessment.department.name),
        title=assessment.title, summary=assessment.summary, assessed_on=assessment.assessed_on,
        version=assessment.version,
    )


def plan_header(plan: Plan) -> PlanHeader:
    return PlanHeader(
        id=plan.id,
        version=plan.version,
        kind=plan.kind,
        citizen=person_ref(plan.citizen),
        members=tuple(person_ref(member.person) for member in plan.members),
        contact=staff_ref(plan.contact),
        deputy=staff_ref(plan.deputy),
        participants=tuple(participant_item(p) for p in plan.participants),
    )

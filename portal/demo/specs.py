"""The demo as read from its data files: checked, with every date resolved, no rows yet.

Keys are the names the files use for each other's entries ("camilla", "ishoj_job",
"home_guide"); the builder turns them into rows and ids.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Municipality:
    key: str
    code: str
    name: str


@dataclass(frozen=True)
class Department:
    key: str
    municipality: str
    name: str
    kind: str


@dataclass(frozen=True)
class Staff:
    key: str
    role: str
    name: str
    job_title: str
    department: str | None = None  # caseworkers; their municipality is the department's
    municipality: str | None = None  # admins; none for the evaluator


@dataclass(frozen=True)
class World:
    """What every plan file may refer to: organisations.toml and staff.toml."""

    municipalities: set[str]
    departments: set[str]
    staff: dict[str, Staff]


@dataclass(frozen=True)
class HealthRestriction:
    demand: str
    description: str
    source: str


@dataclass(frozen=True)
class Person:
    key: str
    full_name: str
    first_name: str
    kind: str
    birth_year: int
    municipality: str
    login: bool
    health_restrictions: tuple[HealthRestriction, ...]
    # Where the demo's caught notification mail is addressed (a login only).
    notify_email: str | None = None


@dataclass(frozen=True)
class Participant:
    key: str | None
    name: str
    kind: str
    role: str


@dataclass(frozen=True)
class Goal:
    key: str | None
    member: str
    citizen_wording: str
    professional_wording: str
    horizon: str
    life_area: str
    status: str
    confirmation: str
    comment: str | None
    show_on_front: bool


@dataclass(frozen=True)
class Slot:
    weekdays: tuple[int, ...]  # 0 is Monday
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Effort:
    key: str | None
    member: str
    title: str
    description: str
    legal_basis: str | None
    department: str | None
    responsible: str | None
    participant: str | None
    start: dt.date | None
    end: dt.date | None
    status: str
    support_kind: str | None
    physical_demands: tuple[str, ...]
    slots: tuple[Slot, ...]
    counts_as_activation: bool
    monthly_cost_dkk: int | None
    precondition: str | None
    goals: tuple[str, ...]


@dataclass(frozen=True)
class Meeting:
    with_user: str
    starts_at: dt.datetime
    location: str
    purpose: str
    cadence_weeks: int | None


@dataclass(frozen=True)
class AboutMe:
    person: str
    situation: str
    wishes: str
    updated_at: dt.datetime


@dataclass(frozen=True)
class Assessment:
    person: str
    department: str
    title: str
    summary: str
    assessed_on: dt.date


@dataclass(frozen=True)
class Consent:
    """One consent per department listed, all alike."""

    giver: str
    departments: tuple[str, ...]
    purpose: str
    valid_from: dt.date
    valid_until: dt.date
    given_at: dt.datetime
    given_by: str
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None


@dataclass(frozen=True)
class Delegation:
    citizen: str
    relative: str
    invited_name: str
    scopes: tuple[str, ...]
    expires_on: dt.date
    created_at: dt.datetime
    accepted_at: dt.datetime | None


@dataclass(frozen=True)
class Message:
    author: str
    sent_at: dt.datetime
    body: str
    read: bool  # by the other side (the citizen, or the contact person), two hours later
    on_behalf_of: str | None


@dataclass(frozen=True)
class Thread:
    answer_within_days: int
    messages: tuple[Message, ...]


@dataclass(frozen=True)
class Revision:
    by: str
    at: dt.datetime
    effort: str
    field: str
    old_value: str | None
    new_value: str | None


@dataclass(frozen=True)
class Access:
    by: str
    kind: str
    at: dt.datetime


@dataclass(frozen=True)
class Progress:
    goal: str
    by: str
    scores: tuple[tuple[dt.datetime, int], ...]


@dataclass(frozen=True)
class Survey:
    person: str
    kind: str
    submitted_at: dt.datetime
    answers: tuple[int, int, int, int]  # understanding, influence, coordination, satisfaction
    life_areas: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Plan:
    """One plan file: the people in it, their plan and everything that has happened in it."""

    source: str
    people: tuple[Person, ...]
    kind: str
    citizen: str
    children: tuple[str, ...]
    municipality: str
    contact: str
    deputy: str
    created_at: dt.datetime
    participants: tuple[Participant, ...]
    goals: tuple[Goal, ...]
    efforts: tuple[Effort, ...]
    meetings: tuple[Meeting, ...]
    about_me: tuple[AboutMe, ...]
    assessments: tuple[Assessment, ...]
    consents: tuple[Consent, ...]
    delegations: tuple[Delegation, ...]
    thread: Thread | None
    revisions: tuple[Revision, ...]
    access_log: tuple[Access, ...]
    progress: tuple[Progress, ...]
    surveys: tuple[Survey, ...]


@dataclass(frozen=True)
class Demo:
    municipalities: tuple[Municipality, ...]
    departments: tuple[Department, ...]
    staff: tuple[Staff, ...]
    plans: tuple[Plan, ...]

    @property
    def marker_code(self) -> str:
        """The first municipality's code: when it is in the database, the demo is already loaded."""
        return self.municipalities[0].code

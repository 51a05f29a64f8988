"""The one audit API: security events, staff reads with the reason they were allowed, acts on behalf.

Views and services note what happened on the request's ``AuditTrail``; the route wrapper
writes the whole trail once, at the end of the request, in the request's transaction. So
a request that fails writes nothing half, and the same event is never recorded twice.
The citizen's "who looked at my plan" page and the security log read from here too.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from collections.abc import Collection

from sqlalchemy import ColumnElement, String, and_, literal_column, null, or_, select, true, union_all
from sqlalchemy.orm import Session, aliased

from portal.accounts.models import Department, Municipality, Person, User
from portal.audit.models import AccessLogEntry, SecurityEvent
from portal.consent.models import Consent
from portal.labels import vocabulary
from portal.plans.models import PlanMember
from portal.plans.snapshots import MemberFact

DANISH_TIME = ZoneInfo("Europe/Copenhagen")


class EventKind(enum.StrEnum):
    """Every kind of security event; the security log and the tests name them from here."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_RATE_LIMITED = "login_rate_limited"
    LOGOUT = "logout"
    LOGOUT_EVERYWHERE = "logout_everywhere"
    RECOVERY_CODE_USED = "recovery_code_used"
    RECOVERY_FAILED = "recovery_failed"
    RECOVERY_RATE_LIMITED = "recovery_rate_limited"
    RECOVERY_CODES_CREATED = "recovery_codes_created"
    ACTIVATION_RATE_LIMITED = "activation_rate_limited"
    ACTIVATION_REFUSED = "activation_refused"
    ACCOUNT_CREATED = "account_created"
    PASSKEY_ADDED = "passkey_added"
    PASSKEY_REMOVED = "passkey_removed"
    PASSKEY_REGISTRATION_FAILED = "passkey_registration_failed"
    DELEGATION_GIVEN = "delegation_given"
    DELEGATION_REVOKED = "delegation_revoked"
    DELEGATION_ACCEPTED = "delegation_accepted"
    DELEGATION_REFUSED = "delegation_refused"
    DELEGATION_INVITE_REFUSED = "delegation_invite_refused"
    ACTED_ON_BEHALF = "acted_on_behalf"
    CONSENT_GIVEN = "consent_given"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    PART_SHARED = "part_shared"
    PART_UNSHARED = "part_unshared"
    ACCESS_REFUSED = "access_refused"
    CSRF_REFUSED = "csrf_refused"


class ReadKind(enum.StrEnum):
    VIEW_PLAN = "view_plan"
    VIEW_RECORD = "view_record"
    EXPORT = "export"


@dataclass(frozen=True)
class NotedEvent:
    kind: EventKind
    # The user, not their id: an account made in this request has its id only once written.
    user: User | None
    subject_person_id: int | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class NotedRead:
    plan_id: int
    user: User
    kind: ReadKind
    reason: str
    consent_id: int | None


@dataclass(frozen=True)
class LogDepartment:
    """A department that appears in a citizen's log: offered as a filter."""

    id: int
    name: str
    municipality: str


@dataclass(frozen=True)
class LogConsent:
    """The consent a read was allowed under: whom the citizen gave it to, and for what."""

    recipient: str                # a department's name, or a municipality's
    purpose: str
    to_municipality: bool         # given to a whole municipality rather than one department


@dataclass(frozen=True)
class LogRow:
    """One line of "who looked at my plan": only what the citizen may see.

    ``source`` is "read" (a staff read of the plan) or "on_behalf" (a relative acted for the
    citizen). ``what`` is a key of the "log_action" labels; ``reason`` one of the "read_reason"
    labels, or None where the read was recorded before reasons were kept.
    """

    occurred_at: dt.datetime
    source: str
    person_name: str
    department: str | None
    municipality: str | None
    what: str
    reason: str | None
    consent: LogConsent | None


@dataclass(frozen=True)
class LogFilters:
    """What the filters of a citizen's log offer, and whose log it is."""

    first_name: str
    departments: tuple[LogDepartment, ...]
    # The plan's members, for the rule of whose consents a read may name (access.consent_parts_seen).
    members: tuple[MemberFact, ...] = ()


@dataclass(frozen=True)
class LogPage:
    rows: tuple[LogRow, ...]      # newest first
    has_older: bool               # there is a next page


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month (its first day) as a span of UTC moments: months begin at midnight Danish time."""
    start = dt.datetime(month.year, month.month, 1, tzinfo=DANISH_TIME)
    following = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=DANISH_TIME)
    return start.astimezone(dt.timezone.utc), following.astimezone(dt.timezone.utc)


@dataclass
class AuditTrail:
    """What one request did that must be recorded; written once by the route wrapper."""

    client_address: str | None = None
    events: list[NotedEvent] = field(default_factory=list)
    reads: list[NotedRead] = field(default_factory=list)

    def security_event(
        self, kind: EventKind, user: User | None, *, subject_person_id: int | None = None, **detail: Any
    ) -> None:
        self.events.append(NotedEvent(EventKind(kind), user, subject_person_id, detail))

    def on_behalf(self, relative: User | None, citizen_person_id: int, action: str, **detail: Any) -> None:
        """A relative did something for a citizen: the citizen sees it under "Det er sket"."""
        self.security_event(
            EventKind.ACTED_ON_BEHALF, relative, subject_person_id=citizen_person_id, action=action, **detail
        )

    def staff_read(
        self, plan_id: int, user: User, reason: str, consent_id: int | None = None, kind: ReadKind = ReadKind.VIEW_PLAN
    ) -> None:
        """A caseworker read a citizen's plan; ``reason`` says why they were allowed to."""
        self.reads.append(NotedRead(plan_id, user, kind, reason, consent_id))

    def discard(self) -> None:
        self.events.clear()
        self.reads.clear()


class Audit:
    """Writes trails and reads them back; built once, works on the request's session."""

    def __init__(self, db: Session):
        self.db = db

    def write(self, trail: AuditTrail, now: dt.datetime) -> None:
        if not trail.events and not trail.reads:
            return
        # Accounts made in this request get their ids here.
        self.db.flush()
        for event in trail.events:
            self.db.add(
                SecurityEvent(
                    user_id=event.user.id if event.user is not None else None,
                    subject_person_id=event.subject_person_id,
                    kind=str(event.kind),
                    detail=event.detail,
                    occurred_at=now,
                    client_address=trail.client_address,
                )
            )
        for read in trail.reads:
            self.db.add(
                AccessLogEntry(
                    plan_id=read.plan_id,
                    user_id=read.user.id,
                    # Copied now: a later move to another department must not rewrite the log.
                    department_id=read.user.department_id,
                    kind=str(read.kind),
                    reason=read.reason,
                    consent_id=read.consent_id,
                    occurred_at=now,
                )
            )
        trail.discard()

    def events_of(self, user_id: int, limit: int = 20) -> list[SecurityEvent]:
        return list(
            self.db.scalars(
                select(SecurityEvent)
                .where(SecurityEvent.user_id == user_id)
                .order_by(SecurityEvent.occurred_at.desc(), SecurityEvent.id.desc())
                .limit(limit)
            )
        )

    def reads_of_plan(self, plan_id: int, limit: int = 200) -> list[AccessLogEntry]:
        return list(
            self.db.scalars(
                select(AccessLogEntry)
                .where(AccessLogEntry.plan_id == plan_id)
                .order_by(AccessLogEntry.occurred_at.desc(), AccessLogEntry.id.desc())
                .limit(limit)
            )
        )

    # --- the citizen's log: who looked at my plan ------------------------------------------

    def plan_log_filters(self, person_id: int) -> LogFilters:
        """The person's first name, the departments whose staff read their plan, and the plan's
        members: one statement (a family's few members times the departments)."""
        member = aliased(PlanMember)
        member_person = aliased(Person)
        rows = self.db.execute(
            select(
                Person.first_name, Department.id, Department.name, Municipality.name, member.person_id,
                member.custody_holder_id, member_person.birth_year, member.shares_with_custody_holder,
            )
            .select_from(Person)
            .outerjoin(PlanMember, PlanMember.person_id == Person.id)
            .outerjoin(member, member.plan_id == PlanMember.plan_id)
            .outerjoin(member_person, member_person.id == member.person_id)
            .outerjoin(AccessLogEntry, AccessLogEntry.plan_id == PlanMember.plan_id)
            .outerjoin(Department, Department.id == AccessLogEntry.department_id)
            .outerjoin(Municipality, Municipality.id == Department.municipality_id)
            .where(Person.id == person_id)
            .distinct()
        ).all()
        first_name = rows[0][0] if rows else ""
        departments = sorted(
            {LogDepartment(row[1], row[2], row[3]) for row in rows if row[1] is not None},
            key=lambda d: (d.name, d.municipality, d.id),
        )
        members = sorted(
            {MemberFact(row[4], row[5], row[6], bool(row[7])) for row in rows if row[4] is not None},
            key=lambda m: m.person_id,
        )
        return LogFilters(first_name, tuple(departments), tuple(members))

    @staticmethod
    def _month_conditions(month: dt.date | None) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
        if month is None:
            return true(), true()
        start, end = month_bounds(month)
        return (
            (AccessLogEntry.occurred_at >= start) & (AccessLogEntry.occurred_at < end),
            (SecurityEvent.occurred_at >= start) & (SecurityEvent.occurred_at < end),
        )

    @staticmethod
    def _consent_parts(parts: Collection[int | None] | None) -> ColumnElement[bool]:
        if parts is None:
            return true()
        members = sorted(p for p in parts if p is not None)
        whole = Consent.member_person_id.is_(None) if None in parts else None
        conditions = [c for c in (whole, Consent.member_person_id.in_(members) if members else None) if c is not None]
        return or_(*conditions) if conditions else Consent.id.is_(None)

    def plan_log(
        self, person_id: int, *, month: dt.date | None = None, department_id: int | None = None,
        page: int = 1, limit: int = 200, consent_parts: Collection[int | None] | None = None,
    ) -> LogPage:
        """Staff reads of the person's plan and relatives' acts for the person, newest first.

        One statement whatever the size of the log: both sources in one UNION ALL, with the
        names of people, departments, municipalities and consents joined in. ``month`` is the
        first day of a month in Danish time; ``department_id`` keeps only that department's
        reads (relatives belong to none); ``page`` counts from 1, ``limit`` rows each.
        ``consent_parts`` (``access.consent_parts_seen``) limits which consents a read names: a
        parent is not told of the consent a child of 15 or older gave for a part kept from them.
        """
        plan_id = select(PlanMember.plan_id).where(PlanMember.person_id == person_id).scalar_subquery()
        read_when, act_when = self._month_conditions(month)
        reads = select(
            literal_column("'read'", String).label("source"), AccessLogEntry.id.label("id"),
            AccessLogEntry.occurred_at.label("occurred_at"), AccessLogEntry.user_id.label("user_id"),
            AccessLogEntry.department_id.label("department_id"), AccessLogEntry.kind.label("what"),
            AccessLogEntry.reason.label("reason"), AccessLogEntry.consent_id.label("consent_id"),
        ).where(AccessLogEntry.plan_id == plan_id, read_when)
        acts = select(
            literal_column("'on_behalf'", String), SecurityEvent.id, SecurityEvent.occurred_at, SecurityEvent.user_id,
            null(), SecurityEvent.detail["action"].as_string(), null(), null(),
        ).where(SecurityEvent.subject_person_id == person_id, SecurityEvent.kind == str(EventKind.ACTED_ON_BEHALF), act_when)
        # Relatives belong to no department: a department's log is its staff's reads alone.
        if department_id is None:
            log = union_all(reads, acts).subquery()
        else:
            log = reads.where(AccessLogEntry.department_id == department_id).subquery()
        consent_department = aliased(Department)
        consent_municipality = aliased(Municipality)
        rows = self.db.execute(
            select(
                log.c.source, log.c.occurred_at, User.display_name, Department.name, Municipality.name,
                log.c.what, log.c.reason, Consent.purpose, consent_department.name, consent_municipality.name,
            )
            .select_from(log)
            .outerjoin(User, User.id == log.c.user_id)
            .outerjoin(Department, Department.id == log.c.department_id)
            .outerjoin(Municipality, Municipality.id == Department.municipality_id)
            .outerjoin(Consent, and_(Consent.id == log.c.consent_id, self._consent_parts(consent_parts)))
            .outerjoin(consent_department, consent_department.id == Consent.recipient_department_id)
            .outerjoin(consent_municipality, consent_municipality.id == Consent.recipient_municipality_id)
            .order_by(log.c.occurred_at.desc(), log.c.source.desc(), log.c.id.desc())
            .offset((page - 1) * limit)
            .limit(limit + 1)
        ).all()
        actions = set(vocabulary("log_action"))
        found = [
            LogRow(
                occurred_at=occurred_at, source=source, person_name=name or "", department=department,
                municipality=municipality, what=what if what in actions else "other", reason=reason,
                consent=LogConsent(consent_to or consent_to_municipality or "", purpose, consent_to is None)
                if purpose is not None else None,
            )
            for source, occurred_at, name, department, municipality, what, reason, purpose, consent_to, consent_to_municipality in rows
        ]
        return LogPage(tuple(found[:limit]), has_older=len(found) > limit)

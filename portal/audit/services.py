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

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.audit.models import AccessLogEntry, SecurityEvent


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

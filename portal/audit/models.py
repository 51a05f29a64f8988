"""What staff looked at, and what happened to accounts. Append-only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Department, User
from portal.db import Base, UTCDateTime, one_of, utcnow

ACCESS_KINDS = ("view_plan", "view_record", "export")


class AccessLogEntry(Base):
    """A staff read of a citizen's plan; the citizen sees these under "Hvem har set"."""

    __tablename__ = "access_log_entry"
    __table_args__ = (one_of("kind", ACCESS_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    # Copied at the time of reading, so a later move between departments does not rewrite history.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    kind: Mapped[str] = mapped_column(String(20))
    # Why the read was allowed (contact_person, deputy, effort_responsible), and the consent
    # that opened the plan when it came from another municipality: the citizen is shown both.
    reason: Mapped[str | None] = mapped_column(String(40))
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id"))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User] = relationship()
    department: Mapped[Department | None] = relationship()


class SecurityEvent(Base):
    """Logins, failures, passkey changes, delegations, refused access."""

    __tablename__ = "security_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    # The citizen the event concerns, when it is not the user: acts on behalf, delegations.
    subject_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    client_address: Mapped[str | None] = mapped_column(String(64))

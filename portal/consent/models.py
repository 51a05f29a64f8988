"""Who may see what: consents given by the citizen, and powers given to relatives."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Department, Municipality, Person
from portal.db import Base, UTCDateTime, utcnow

DELEGATION_SCOPES = ("read_plan", "write_messages", "confirm_goals", "manage_consents")


class Consent(Base):
    """The citizen shares the plan with a department or a municipality, for a purpose, until a date.

    Rows are never deleted: withdrawal sets ``withdrawn_at`` so the history stays.
    """

    __tablename__ = "consent"
    __table_args__ = (
        CheckConstraint(
            "(recipient_department_id IS NULL) <> (recipient_municipality_id IS NULL)",
            name="one_recipient",
        ),
        CheckConstraint("valid_until >= valid_from", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    # Whose part of the plan the consent opens: empty for the whole plan (given by the adult), or
    # one member's, given by a child of 15 or older for their own part (see access.consent_part).
    member_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    giver_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    recipient_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    recipient_municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    purpose: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    given_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    given_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    giver: Mapped[Person] = relationship(foreign_keys=[giver_person_id])
    recipient_department: Mapped[Department | None] = relationship()
    recipient_municipality: Mapped[Municipality | None] = relationship()


class Delegation(Base):
    """A power of attorney (fuldmagt): a relative acts for the citizen within scopes, until a date."""

    __tablename__ = "delegation"
    __table_args__ = (CheckConstraint("citizen_person_id <> relative_person_id", name="not_self"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    # Empty until the invited relative accepts with their own login.
    relative_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    invited_name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Keyed hash of the invitation's nonce: the signed link is worthless once accepted.
    invite_nonce_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    citizen: Mapped[Person] = relationship(foreign_keys=[citizen_person_id])
    relative: Mapped[Person | None] = relationship(foreign_keys=[relative_person_id])

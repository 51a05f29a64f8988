"""People, logins and the organisations they belong to."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, one_of, utcnow

DEPARTMENT_KINDS = (
    "employment",
    "social_adult",
    "family_children",
    "health",
    "education_guidance",
    "benefits",
)
PERSON_KINDS = ("citizen", "child", "relative", "staff")
class Role(enum.StrEnum):
    """Who a user is; stored as its text, so a role compares equal to the stored string."""

    CITIZEN = "citizen"
    RELATIVE = "relative"
    CASEWORKER = "caseworker"
    ADMIN = "admin"
    EVALUATOR = "evaluator"


ROLES = tuple(role.value for role in Role)


class Municipality(Base):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(3), unique=True)  # the official 3-digit code
    name: Mapped[str] = mapped_column(String(100), unique=True)

    departments: Mapped[list[Department]] = relationship(back_populates="municipality")


class Department(Base):
    __tablename__ = "department"
    __table_args__ = (
        UniqueConstraint("municipality_id", "name"),
        one_of("kind", DEPARTMENT_KINDS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    kind: Mapped[str] = mapped_column(String(30))

    municipality: Mapped[Municipality] = relationship(back_populates="departments")


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (
        one_of("kind", PERSON_KINDS),
        CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100", name="birth_year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # The name the portal uses when it talks to or about the person.
    first_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)

    municipality: Mapped[Municipality | None] = relationship()
    health_restrictions: Mapped[list[HealthRestriction]] = relationship(
        back_populates="person", order_by="HealthRestriction.id"
    )


class HealthRestriction(Base):
    """A recorded limit on what the person can do, e.g. from the GP."""

    __tablename__ = "health_restriction"
    __table_args__ = (UniqueConstraint("person_id", "demand"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    demand: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(150))

    person: Mapped[Person] = relationship(back_populates="health_restrictions")


class User(Base):
    """A login: a citizen or relative (a person) or a member of staff."""

    __tablename__ = "app_user"
    __table_args__ = (
        one_of("role", ROLES),
        CheckConstraint(
            "role <> 'caseworker' OR department_id IS NOT NULL", name="caseworker_has_department"
        ),
        CheckConstraint(
            "role NOT IN ('citizen', 'relative') OR person_id IS NOT NULL",
            name="citizen_side_has_person",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id"), unique=True, index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    display_name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str | None] = mapped_column(String(150))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    # A stable random handle for WebAuthn (never the database id).
    webauthn_user_handle: Mapped[str] = mapped_column(String(64), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person | None] = relationship()
    department: Mapped[Department | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()


class LoginSession(Base):
    """Server side of a signed session cookie, so a session can be revoked."""

    __tablename__ = "login_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A relative acting for a citizen chooses whom per session.
    acting_for_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    via_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship()


class PasskeyCredential(Base):
    """A passkey (WebAuthn discoverable credential) that logs a user in."""

    __tablename__ = "passkey_credential"
    __table_args__ = (CheckConstraint("sign_count >= 0", name="sign_count_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Whether the passkey may be synced between devices; it must never change afterwards.
    backup_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    backed_up: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


WEBAUTHN_PURPOSES = ("register", "login")


class WebAuthnChallenge(Base):
    """A challenge handed to one browser; used once, and only before it expires."""

    __tablename__ = "webauthn_challenge"
    __table_args__ = (one_of("purpose", WEBAUTHN_PURPOSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge: Mapped[bytes] = mapped_column(LargeBinary(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(10))
    # Registration: the account the passkey is for. Login: unknown until the answer comes.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    # Hash of the browser's CSRF seed, so a challenge only works in the browser that asked.
    browser_binding: Mapped[str] = mapped_column(String(64))
    # The address that asked (portal.web.client_key), so anonymous requests can be capped per address.
    client_key: Mapped[str | None] = mapped_column(String(128), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(Base):
    """A one-time code to get in without a passkey. Only a keyed hash is stored."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ActivationLetter(Base):
    """A letter that lets a new user make their first passkey: signed link, short code, single use."""

    __tablename__ = "activation_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    # Null when the first admin was made from the command line.
    issued_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    short_code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class RateLimitEvent(Base):
    """One attempt at something rate limited; counted in a window across all processes."""

    __tablename__ = "rate_limit_event"
    __table_args__ = (Index("ix_rate_limit_event_lookup", "bucket", "key", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(128))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

"""People, logins and the organisations they belong to."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
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
ROLES = ("citizen", "relative", "caseworker", "admin", "evaluator")


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

"""The one plan and everything in it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.sql.expression import true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Department, Person, User
from portal.db import Base, UTCDateTime, one_of, utcnow

PLAN_KINDS = ("citizen", "family")
MEMBER_ROLES = ("citizen", "child", "partner")
HORIZONS = ("short", "medium", "long")
LIFE_AREAS = (
    "work_education",
    "health",
    "family",
    "housing",
    "economy",
    "network",
    "daily_life",
)
GOAL_STATUSES = ("proposed", "agreed", "achieved", "dropped")
CITIZEN_CONFIRMATIONS = ("pending", "agreed", "wants_change")
EFFORT_STATUSES = ("waiting", "planned", "active", "paused", "ended")
PARTICIPANT_KINDS = (
    "gp",
    "psychiatry",
    "pain_clinic",
    "hospital",
    "school",
    "association",
    "relative",
    "other",
)


class Plan(Base):
    __tablename__ = "plan"
    __table_args__ = (one_of("kind", PLAN_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    # The citizen the plan is for; for a family plan, the adult it is kept with.
    citizen_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    contact_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    deputy_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # Rises with every change to anything in the plan (efforts, slots, goals, members, …), made by
    # portal.plans.versioning after each flush; readers key their cached copies on it. Unlike
    # ``version`` it never refuses a write: two people changing different efforts both succeed.
    content_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Optimistic locking: a stale UPDATE affects no row and raises StaleDataError.
    __mapper_args__ = {"version_id_col": version}

    citizen: Mapped[Person] = relationship(foreign_keys=[citizen_id])
    contact: Mapped[User | None] = relationship(foreign_keys=[contact_user_id])
    deputy: Mapped[User | None] = relationship(foreign_keys=[deputy_user_id])
    members: Mapped[list[PlanMember]] = relationship(
        back_populates="plan", order_by="PlanMember.id", cascade="all, delete-orphan"
    )
    goals: Mapped[list[Goal]] = relationship(
        back_populates="plan", order_by="Goal.position", cascade="all, delete-orphan"
    )
    efforts: Mapped[list[Effort]] = relationship(
        back_populates="plan", order_by="Effort.id", cascade="all, delete-orphan"
    )
    participants: Mapped[list[Participant]] = relationship(
        back_populates="plan", order_by="Participant.id", cascade="all, delete-orphan"
    )
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="plan", order_by="Meeting.starts_at", cascade="all, delete-orphan"
    )


class PlanMember(Base):
    """A person in a plan. Unique per person: everyone has at most one plan."""

    __tablename__ = "plan_member"
    __table_args__ = (one_of("role", MEMBER_ROLES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    role: Mapped[str] = mapped_column(String(10))
    # For a child: the adult member(s) with custody see the child's part of the plan.
    custody_holder_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # A child of 15 or older chooses whether the custody holder still sees their part; until
    # they choose, the family keeps the view it had (see access.citizen_visible_member_ids).
    shares_with_custody_holder: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    plan: Mapped[Plan] = relationship(back_populates="members")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    # Read with the plan (see portal.plans.services): the member's own words and the assessments
    # about them (joined, so no statement more). Both rows are the person's, not the plan's, so these only read.
    about_me: Mapped[AboutMe | None] = relationship(
        primaryjoin="PlanMember.person_id == foreign(AboutMe.person_id)", viewonly=True, uselist=False
    )
    # The member's shared assessments, read with the plan (joined, so no statement more).
    assessments: Mapped[list[SharedAssessment]] = relationship(
        primaryjoin="PlanMember.person_id == foreign(SharedAssessment.person_id)",
        order_by="SharedAssessment.id", viewonly=True,
    )


class Goal(Base):
    __tablename__ = "goal"
    __table_args__ = (
        one_of("horizon", HORIZONS),
        one_of("life_area", LIFE_AREAS),
        one_of("status", GOAL_STATUSES),
        one_of("citizen_confirmation", CITIZEN_CONFIRMATIONS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    member_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    citizen_wording: Mapped[str] = mapped_column(Text)
    professional_wording: Mapped[str | None] = mapped_column(Text)
    horizon: Mapped[str] = mapped_column(String(10))
    life_area: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    citizen_confirmation: Mapped[str] = mapped_column(String(15), default="pending")
    citizen_comment: Mapped[str | None] = mapped_column(Text)
    # Some goals (often the employment goal) stay off the front page by assessment,
    # but are never secret: the full record shows them.
    show_on_front: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Rises with every change to the goal (an answer, a new wording): an answer given to an
    # older version is refused, so a second browser tab never silently overwrites the first.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    # What a caseworker changed since the citizen last answered ({"citizen_wording": old, …}),
    # shown to the citizen until they answer again.
    previous_values: Mapped[dict[str, str] | None] = mapped_column(JSON)
    changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    # Optimistic locking: a stale UPDATE affects no row and raises StaleDataError.
    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[Plan] = relationship(back_populates="goals")
    member: Mapped[Person] = relationship()
    progress: Mapped[list[GoalProgress]] = relationship(
        back_populates="goal", order_by="GoalProgress.recorded_at", cascade="all, delete-orphan"
    )
    effort_links: Mapped[list[EffortGoal]] = relationship(
        back_populates="goal", cascade="all, delete-orphan"
    )


class GoalProgress(Base):
    """The citizen's own rating of how far they have come (0–10)."""

    __tablename__ = "goal_progress"
    __table_args__ = (CheckConstraint("score BETWEEN 0 AND 10", name="score_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    goal: Mapped[Goal] = relationship(back_populates="progress")


class Participant(Base):
    """Someone outside the municipality who takes part without an account."""

    __tablename__ = "participant"
    __table_args__ = (one_of("kind", PARTICIPANT_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    role_description: Mapped[str | None] = mapped_column(Text)
    # Optimistic locking: a save based on an older version is refused (409), never lost.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[Plan] = relationship(back_populates="participants")


class Effort(Base):
    __tablename__ = "effort"
    __table_args__ = (
        one_of("status", EFFORT_STATUSES),
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates_ordered"
        ),
        CheckConstraint(
            "monthly_cost_dkk IS NULL OR monthly_cost_dkk >= 0", name="cost_not_negative"
        ),
        CheckConstraint(
            "department_id IS NOT NULL OR participant_id IS NOT NULL", name="has_provider"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    member_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    responsible_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), index=True
    )
    # A code from the legal-basis catalogue (portal/plans/legal_basis.toml).
    legal_basis_code: Mapped[str | None] = mapped_column(String(30))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="planned")
    counts_as_activation: Mapped[bool] = mapped_column(Boolean, default=False)
    support_kind: Mapped[str | None] = mapped_column(String(40))
    physical_demands: Mapped[list[str]] = mapped_column(JSON, default=list)
    precondition_text: Mapped[str | None] = mapped_column(Text)
    after_effort_id: Mapped[int | None] = mapped_column(
        ForeignKey("effort.id", ondelete="SET NULL")
    )
    monthly_cost_dkk: Mapped[int | None] = mapped_column(Integer)
    # Rises with every save of the effort: a save from an older copy is refused with a conflict
    # view (portal/plans/editing.py), so two caseworkers never silently overwrite each other.
    # Changing one effort never touches another's version, nor the plan's.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    # Optimistic locking: a stale UPDATE affects no row and raises StaleDataError.
    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[Plan] = relationship(back_populates="efforts")
    member: Mapped[Person] = relationship()
    department: Mapped[Department | None] = relationship()
    responsible: Mapped[User | None] = relationship()
    participant: Mapped[Participant | None] = relationship()
    after_effort: Mapped[Effort | None] = relationship(remote_side=[id])
    slots: Mapped[list[EffortTimeSlot]] = relationship(
        back_populates="effort",
        order_by="(EffortTimeSlot.weekday, EffortTimeSlot.start_time)",
        cascade="all, delete-orphan",
    )
    goal_links: Mapped[list[EffortGoal]] = relationship(
        back_populates="effort", cascade="all, delete-orphan"
    )


class EffortTimeSlot(Base):
    """A weekly recurring time: every <weekday> from start to end."""

    __tablename__ = "effort_time_slot"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("end_time > start_time", name="times_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    effort_id: Mapped[int] = mapped_column(ForeignKey("effort.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)

    effort: Mapped[Effort] = relationship(back_populates="slots")


class EffortGoal(Base):
    __tablename__ = "effort_goal"

    effort_id: Mapped[int] = mapped_column(
        ForeignKey("effort.id", ondelete="CASCADE"), primary_key=True
    )
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), primary_key=True)

    effort: Mapped[Effort] = relationship(back_populates="goal_links")
    goal: Mapped[Goal] = relationship(back_populates="effort_links")


class AboutMe(Base):
    """The citizen's own words about their situation and wishes ("tell once")."""

    __tablename__ = "about_me"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    situation: Mapped[str] = mapped_column(Text, default="")
    wishes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SharedAssessment(Base):
    """An assessment made by one department that others reuse under consent."""

    __tablename__ = "shared_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    # Optimistic locking: a save based on an older version is refused (409), never lost.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    department: Mapped[Department] = relationship()


class Meeting(Base):
    """A conversation with the citizen; content and rhythm are set per person."""

    __tablename__ = "meeting"
    __table_args__ = (
        CheckConstraint("cadence_weeks IS NULL OR cadence_weeks BETWEEN 1 AND 52", name="cadence_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    with_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    cadence_weeks: Mapped[int | None] = mapped_column(Integer)
    # Optimistic locking: a save based on an older version is refused (409), never lost.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    plan: Mapped[Plan] = relationship(back_populates="meetings")
    with_user: Mapped[User] = relationship()


class Revision(Base):
    """One change to a plan: who, when, what, old and new value."""

    __tablename__ = "revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    on_behalf_of_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class PlanSeen(Base):
    """When the citizen last opened their plan (``/min-plan``), for "Nyt siden sidst".

    Keyed by the citizen, not the plan: in a family plan each adult has their own marker.
    ``seen_before`` is the visit before the last one that found news, so the changes page can
    mark as new what the plan page just counted. Only the citizen's own visits move it: a
    relative acting for them reads it and leaves it.
    """

    __tablename__ = "plan_seen"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    seen_before: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

"""Questionnaires at baseline and follow-up, for the trial's evaluation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, one_of, utcnow
from portal.plans.models import LIFE_AREAS

SURVEY_KINDS = ("baseline", "follow_up")
SURVEY_QUESTIONS = ("understanding", "influence", "coordination", "satisfaction")


class SurveyResponse(Base):
    __tablename__ = "survey_response"
    __table_args__ = (
        one_of("kind", SURVEY_KINDS),
        *(
            CheckConstraint(f"{question} BETWEEN 1 AND 5", name=f"{question}_range")
            for question in SURVEY_QUESTIONS
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # 1 (not at all) to 5 (completely).
    understanding: Mapped[int] = mapped_column(Integer)
    influence: Mapped[int] = mapped_column(Integer)
    coordination: Mapped[int] = mapped_column(Integer)
    satisfaction: Mapped[int] = mapped_column(Integer)

    life_area_ratings: Mapped[list[LifeAreaRating]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class LifeAreaRating(Base):
    __tablename__ = "life_area_rating"
    __table_args__ = (
        one_of("life_area", LIFE_AREAS),
        CheckConstraint("score BETWEEN 0 AND 10", name="score_range"),
        UniqueConstraint("response_id", "life_area"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), index=True
    )
    life_area: Mapped[str] = mapped_column(String(20))
    score: Mapped[int] = mapped_column(Integer)

    response: Mapped[SurveyResponse] = relationship(back_populates="life_area_ratings")

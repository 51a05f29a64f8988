"""The frozen facts the plan rules judge, and the findings they give back.

The caller turns ORM rows into these (``portal.plans.services.effort_facts``); the rules
in ``portal.plans.rules`` never see a row, a session or a clock.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

__all__ = ["EffortFacts", "Finding", "HealthRestriction", "SequencingPair", "TimeSlot"]


@dataclass(frozen=True)
class TimeSlot:
    weekday: int  # 0 = Monday … 6 = Sunday
    start: datetime.time
    end: datetime.time


@dataclass(frozen=True)
class EffortFacts:
    id: int
    title: str
    person_id: int
    person_name: str
    department_id: int | None  # None when an outside participant provides it
    provider_name: str
    start: datetime.date | None
    end: datetime.date | None  # None = open-ended
    status: str  # "waiting" | "planned" | "active" | "paused" | "ended"
    support_kind: str | None
    physical_demands: frozenset[str] = frozenset()
    slots: tuple[TimeSlot, ...] = ()


@dataclass(frozen=True)
class HealthRestriction:
    person_id: int
    person_name: str
    demand: str
    description: str


@dataclass(frozen=True)
class SequencingPair:
    first_kind: str
    second_kind: str
    weeks: int | None
    reason: str  # English msgid, translated when the finding is made


@dataclass(frozen=True)
class Finding:
    rule: str
    effort_ids: tuple[int, ...]
    person_id: int
    message: str

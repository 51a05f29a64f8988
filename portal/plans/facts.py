"""The frozen facts the plan rules judge, and the findings they give back.

The caller turns ORM rows into these (``portal.plans.services.effort_facts``); the rules
in ``portal.plans.rules`` never see a row, a session or a clock.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from portal.i18n import current_locale, use_locale

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


class Finding:
    """A warning about one or more efforts.

    ``message`` may be given as text or as a function that writes it: a large plan can
    have many thousands of findings of which a page shows a few, so the text is only
    written when someone first reads it, but in the locale that was current when the
    finding was made (as if it had been written then). Findings are immutable and
    compare (and hash) by rule, efforts, person and message.
    """

    __slots__ = ("rule", "effort_ids", "person_id", "_message", "_locale")

    rule: str
    effort_ids: tuple[int, ...]
    person_id: int
    _message: str | Callable[[], str]  # the text, or what writes it until it is read
    _locale: str  # the locale the finding was made in

    def __init__(
        self, rule: str, effort_ids: tuple[int, ...], person_id: int, message: str | Callable[[], str]
    ) -> None:
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "effort_ids", effort_ids)
        object.__setattr__(self, "person_id", person_id)
        object.__setattr__(self, "_message", message)
        object.__setattr__(self, "_locale", current_locale.get())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Finding is immutable: cannot set {name}")

    @property
    def message(self) -> str:
        if isinstance(self._message, str):
            return self._message
        with use_locale(self._locale):
            text = self._message()
        object.__setattr__(self, "_message", text)
        return text

    def _key(self) -> tuple[str, tuple[int, ...], int, str]:
        return (self.rule, self.effort_ids, self.person_id, self.message)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Finding):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Finding(rule={self.rule!r}, effort_ids={self.effort_ids!r}, person_id={self.person_id!r}, message={self.message!r})"

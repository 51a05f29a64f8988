"""The citizen's week, day by day: pure, from efforts and meetings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from portal.plans.models import Effort, Meeting
from portal.plans.readmodels import EffortItem, MeetingItem

# Rows or read models: the week reads the same attributes of both.
AnyEffort = Effort | EffortItem
AnyMeeting = Meeting | MeetingItem

COUNTING_STATUSES = frozenset({"planned", "active"})
LOCAL_ZONE = ZoneInfo("Europe/Copenhagen")


@dataclass(frozen=True)
class WeekItem:
    start: dt.time
    end: dt.time | None
    title: str
    who: str
    kind: str  # "effort" | "meeting"
    person_name: str


@dataclass(frozen=True)
class Day:
    date: dt.date
    items: tuple[WeekItem, ...]


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def effort_runs_on(effort: AnyEffort, day: dt.date) -> bool:
    if effort.status not in COUNTING_STATUSES:
        return False
    if effort.start_date is not None and day < effort.start_date:
        return False
    if effort.end_date is not None and day > effort.end_date:
        return False
    return True


def provider_name(effort: AnyEffort) -> str:
    if effort.responsible is not None:
        department = effort.department.name if effort.department else ""
        return f"{effort.responsible.display_name}, {department}" if department else effort.responsible.display_name
    if effort.participant is not None:
        return effort.participant.name
    return effort.department.name if effort.department else ""


def week(efforts: Sequence[AnyEffort], meetings: Sequence[AnyMeeting], monday: dt.date) -> list[Day]:
    days = []
    for offset in range(7):
        date = monday + dt.timedelta(days=offset)
        items = [
            WeekItem(slot.start_time, slot.end_time, effort.title, provider_name(effort), "effort", effort.member.first_name)
            for effort in efforts
            if effort_runs_on(effort, date)
            for slot in effort.slots
            if slot.weekday == date.weekday()
        ]
        for meeting in meetings:
            local = meeting.starts_at.astimezone(LOCAL_ZONE)
            if local.date() == date:
                items.append(
                    WeekItem(local.time().replace(tzinfo=None), None, meeting.purpose,
                             meeting.with_user.display_name, "meeting", "")
                )
        items.sort(key=lambda item: (item.start, item.title))
        days.append(Day(date, tuple(items)))
    return days

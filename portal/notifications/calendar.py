"""The citizen's visits and meetings as an iCalendar feed, for the phone's own calendar.

Pure: read models in, bytes out. Each weekly time slot of an effort that runs (planned or
active) is one repeating event from the effort's start (or this week) to its end; each meeting
is one event of an hour. Every event reminds an hour before. Without ``details`` an event says
only "Aftale": no title, place or description, so a lock screen or a shared calendar tells
nobody what the visit is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from urllib.parse import urlsplit

from icalendar import Alarm, Calendar, Event

from portal.i18n import gettext as _
from portal.plans.readmodels import EffortItem, MeetingItem
from portal.plans.schedule import COUNTING_STATUSES, LOCAL_ZONE, monday_of

MEETING_LENGTH = dt.timedelta(hours=1)
REMINDER = dt.timedelta(hours=1)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _first_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _event(uid: str, start: dt.datetime, end: dt.datetime, title: str, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", title)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", title)
    alarm.add("trigger", -REMINDER)
    event.add_component(alarm)
    return event


def _uid(domain: str, *parts: object) -> str:
    # Stable across requests, so the phone updates an event rather than doubling it; and opaque.
    digest = hashlib.sha256(":".join(str(part) for part in parts).encode()).hexdigest()[:24]
    return f"{digest}@{domain}"


def feed(
    efforts: Sequence[EffortItem], meetings: Sequence[MeetingItem], *, details: bool, now: dt.datetime, origin: str,
) -> bytes:
    domain = urlsplit(origin).hostname or "localhost"
    plain = _("Appointment")
    today = now.astimezone(LOCAL_ZONE).date()
    calendar = Calendar()
    calendar.add("prodid", "-//Én plan//DA")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Én plan")
    for effort in efforts:
        if effort.status not in COUNTING_STATUSES or (effort.end_date is not None and effort.end_date < today):
            continue
        begins = effort.start_date or monday_of(today)
        for slot in effort.slots:
            first = _first_on_or_after(begins, slot.weekday)
            if effort.end_date is not None and first > effort.end_date:
                continue
            start = dt.datetime.combine(first, slot.start_time, tzinfo=LOCAL_ZONE)
            end = dt.datetime.combine(first, slot.end_time, tzinfo=LOCAL_ZONE)
            event = _event(_uid(domain, "effort", effort.id, slot.weekday, slot.start_time), start, end,
                           effort.title if details else plain, now)
            rule: dict[str, object] = {"freq": "weekly", "byday": WEEKDAYS[slot.weekday]}
            if effort.end_date is not None:
                rule["until"] = dt.datetime.combine(effort.end_date, dt.time(23, 59, 59), tzinfo=LOCAL_ZONE).astimezone(dt.timezone.utc)
            event.add("rrule", rule)
            if details:
                event.add("description", effort.description)
            calendar.add_component(event)
    for meeting in meetings:
        start = meeting.starts_at.astimezone(LOCAL_ZONE)
        event = _event(_uid(domain, "meeting", meeting.starts_at.isoformat(), meeting.with_user.display_name), start,
                       start + MEETING_LENGTH, meeting.purpose if details else plain, now)
        if details:
            event.add("location", meeting.location)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()

"""The calendar feed, pure: repeating visits, meetings, reminders, and what a plain title hides."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar

from portal.notifications.calendar import feed
from portal.plans.readmodels import EffortItem, MeetingItem, NamedRef, PersonRef, SlotItem, StaffRef

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.timezone.utc)  # a Thursday
MEMBER = PersonRef(1, "Annette", "Annette Nielsen")


def _effort(effort_id: int, title: str, status: str = "active", *, start: dt.date | None = None, end: dt.date | None = None) -> EffortItem:
    return EffortItem(
        id=effort_id, title=title, description="Hemmelig beskrivelse", member_person_id=1, member=MEMBER, department_id=None,
        department=None, responsible=None, participant=NamedRef("Psykiatrien"), start_date=start, end_date=end,
        slots=(SlotItem(0, dt.time(8), dt.time(9)),), status=status, precondition_text=None, legal_basis_code=None,
        counts_as_activation=False, goal_ids=(),
    )


MEETING = MeetingItem(starts_at=dt.datetime(2026, 12, 8, 9, 30, tzinfo=dt.timezone.utc), location="Jobcentret, lokale 2",
                      purpose="Samtale om job", with_user=StaffRef("Camilla Brandt", None))


def _events(details: bool, *efforts: EffortItem) -> list:  # type: ignore[type-arg]
    return Calendar.from_ical(feed(efforts, [MEETING], details=details, now=NOW, origin="https://plan.example.dk")).walk("VEVENT")


def test_a_weekly_visit_repeats_from_its_start_to_its_end_in_danish_time() -> None:
    [visit, _meeting] = _events(True, _effort(1, "Hjemmevejleder", start=dt.date(2026, 12, 1), end=dt.date(2027, 3, 1)))
    assert visit["DTSTART"].dt == dt.datetime(2026, 12, 7, 8, 0, tzinfo=visit["DTSTART"].dt.tzinfo)
    assert str(visit["DTSTART"].dt.tzinfo) == "Europe/Copenhagen"
    rule = visit["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["MO"]
    assert rule["UNTIL"][0].date() == dt.date(2027, 3, 1)
    assert visit.walk("VALARM")[0]["TRIGGER"].dt == -dt.timedelta(hours=1)


def test_visits_that_do_not_run_are_left_out() -> None:
    events = _events(True, _effort(1, "Venter", status="waiting"), _effort(2, "Slut", end=dt.date(2026, 11, 1)), _effort(3, "Kører"))
    assert sorted(str(e["SUMMARY"]) for e in events) == ["Kører", "Samtale om job"]


def test_with_details_titles_and_places_say_what_it_is() -> None:
    events = _events(True, _effort(1, "Hjemmevejleder"))
    assert {str(e["SUMMARY"]) for e in events} == {"Hjemmevejleder", "Samtale om job"}
    assert any(str(e.get("LOCATION")) == "Jobcentret, lokale 2" for e in events)


def test_without_details_every_event_says_only_aftale() -> None:
    body = feed([_effort(1, "Hjemmevejleder")], [MEETING], details=False, now=NOW, origin="https://plan.example.dk")
    events = Calendar.from_ical(body).walk("VEVENT")
    assert {str(e["SUMMARY"]) for e in events} == {"Aftale"}
    assert all(str(a["DESCRIPTION"]) == "Aftale" for e in events for a in e.walk("VALARM"))
    for secret in (b"Hjemmevejleder", b"Samtale", b"Jobcentret", b"Hemmelig", b"Camilla", b"Annette", b"Psykiatrien"):
        assert secret not in body


def test_event_ids_stay_the_same_so_the_phone_updates_rather_than_doubles() -> None:
    first = [str(e["UID"]) for e in _events(False, _effort(1, "A"))]
    again = [str(e["UID"]) for e in _events(True, _effort(1, "B"))]
    assert first == again and len(set(first)) == 2

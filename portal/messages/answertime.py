"""When the citizen may expect an answer: a number of Danish working days after they wrote.

Working days are Monday to Friday, except Danish public holidays (from the maintained
``holidays`` library, never a table of our own) and the days public offices close although
they are not public holidays: Grundlovsdag (5 June), Christmas Eve and New Year's Eve.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

# Days off in public offices that ``holidays`` keeps in its "optional" category; the rest of that
# category (1 May) is a working day in most municipalities.
OFFICE_CLOSED = {(6, 5), (12, 24), (12, 31)}


@lru_cache(maxsize=64)
def days_off(year: int) -> frozenset[dt.date]:
    """The weekdays of the year that are not working days."""
    public = holidays.Denmark(years=year)
    optional = holidays.Denmark(years=year, categories=("optional",))
    closed = {day for day in optional if (day.month, day.day) in OFFICE_CLOSED}
    return frozenset(set(public) | closed)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in days_off(day.year)


def answer_deadline(sent_on: dt.date, working_days: int) -> dt.date:
    """The last day of the answer time: ``working_days`` working days after the day of writing.

    The day of writing does not count, even when it is a working day: a message sent Friday
    with one day to answer is answered by Monday.
    """
    if working_days < 1:
        raise ValueError("the answer time is at least one working day")
    day = sent_on
    left = working_days
    while left:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day

"""How a thread says when: "i dag kl. 10.12", "tirsdag", in Danish time and the page's language."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_skeleton, format_time

from portal import i18n
from portal.access import DANISH_TIME


def moment(value: dt.datetime, now: dt.datetime) -> str:
    """A moment near now: "i dag kl. 10.12", "i går kl. 20.30", "1. december kl. 7.50"."""
    local = value.astimezone(DANISH_TIME)
    today = now.astimezone(DANISH_TIME).date()
    locale = i18n.babel_locale()
    time = format_time(local, format="short", tzinfo=DANISH_TIME, locale=locale)
    if local.date() == today:
        return i18n.gettext("today at %(time)s") % {"time": time}
    if local.date() == today - dt.timedelta(days=1):
        return i18n.gettext("yesterday at %(time)s") % {"time": time}
    skeleton = "MMMMd" if local.year == today.year else "yMMMMd"
    date = format_skeleton(skeleton, local.date(), locale=locale)
    return i18n.gettext("%(date)s at %(time)s") % {"date": date, "time": time}


def day(value: dt.date, now: dt.datetime) -> str:
    """A day in the coming week by its name ("tirsdag"), others with their date."""
    today = now.astimezone(DANISH_TIME).date()
    locale = i18n.babel_locale()
    if value == today:
        return i18n.gettext("today")
    if value == today + dt.timedelta(days=1):
        return i18n.gettext("tomorrow")
    weekday = format_date(value, format="EEEE", locale=locale)
    if today < value < today + dt.timedelta(days=7):
        return weekday
    return f"{weekday} {format_skeleton('MMMMd', value, locale=locale)}"

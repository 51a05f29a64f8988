"""Translated words for the stored enum values, in one place for every template."""

from __future__ import annotations

from collections.abc import Callable

from portal.i18n import gettext as _

_LABELS: dict[str, dict[str, Callable[[], str]]] = {
    "horizon": {
        "short": lambda: _("Soon (within 3 months)"),
        "medium": lambda: _("Within a year"),
        "long": lambda: _("In the long run"),
    },
    "life_area": {
        "work_education": lambda: _("Work and education"),
        "health": lambda: _("Health"),
        "family": lambda: _("Family"),
        "housing": lambda: _("Housing"),
        "economy": lambda: _("Money"),
        "network": lambda: _("Friends and network"),
        "daily_life": lambda: _("Daily life"),
    },
    "goal_status": {
        "proposed": lambda: _("Proposed"),
        "agreed": lambda: _("Agreed"),
        "achieved": lambda: _("Reached"),
        "dropped": lambda: _("Dropped"),
    },
    "confirmation": {
        "pending": lambda: _("You have not answered yet"),
        "agreed": lambda: _("You agree"),
        "wants_change": lambda: _("You want a change"),
    },
    "effort_status": {
        "waiting": lambda: _("Waiting"),
        "planned": lambda: _("Planned"),
        "active": lambda: _("Going on"),
        "paused": lambda: _("Paused"),
        "ended": lambda: _("Ended"),
    },
    "role": {
        "contact": lambda: _("Contact person"),
        "deputy": lambda: _("Deputy"),
        "effort": lambda: _("Responsible for an effort"),
    },
    "participant_kind": {
        "gp": lambda: _("GP"),
        "psychiatry": lambda: _("Psychiatry"),
        "pain_clinic": lambda: _("Pain clinic"),
        "hospital": lambda: _("Hospital"),
        "school": lambda: _("School"),
        "association": lambda: _("Association"),
        "relative": lambda: _("Relative"),
        "other": lambda: _("Other"),
    },
    "rule": {
        "time_overlap": lambda: _("Same time"),
        "same_support_kind": lambda: _("Same kind of help twice"),
        "physical_demand": lambda: _("Clashes with health"),
        "sequencing": lambda: _("Bad order"),
    },
}


def label(vocabulary: str, value: str | None) -> str:
    if value is None:
        return ""
    getter = _LABELS.get(vocabulary, {}).get(value)
    return getter() if getter else value


def vocabulary(name: str) -> tuple[str, ...]:
    return tuple(_LABELS[name])

"""A revision in plain words, for the citizen's change history (``/min-plan/aendringer``).

Who changed what, from what, to what: "Camilla Brandt flyttede mødet “Opfølgning” fra 3. marts
kl. 10 til 5. marts kl. 13." What the citizen is not shown of a field (an effort's price, the
caseworkers' notes on kind of help and physical demands) is said plainly, never left unexplained.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names

from portal import i18n
from portal.i18n import gettext as _
from portal.labels import label
from portal.plans.catalogue import load_legal_bases

if TYPE_CHECKING:
    from portal.plans.revisions import ChangeRow

DANISH_TIME = ZoneInfo("Europe/Copenhagen")

# How each field's values are shown: a vocabulary of portal/labels.py, a date, a time, a moment,
# text, or "name" (what an id names: see NAMED_BY_ROW and NAMED_IN_PLAN). A field not listed
# here is shown without its values, with a sentence of its own where that needs saying.
VALUE_KINDS: dict[tuple[str, str], str] = {
    ("effort", "status"): "effort_status",
    ("effort", "title"): "text",
    ("effort", "description"): "text",
    ("effort", "start_date"): "date",
    ("effort", "end_date"): "date",
    ("effort", "start_time"): "time",
    ("effort", "end_time"): "time",
    ("effort", "slots"): "slots",
    ("effort", "precondition_text"): "text",
    ("effort", "legal_basis_code"): "legal_basis",
    ("effort", "responsible_user_id"): "name",
    ("effort", "department_id"): "name",
    ("effort", "participant_id"): "name",
    ("effort", "after_effort_id"): "name",
    ("goal", "status"): "goal_status",
    ("goal", "horizon"): "horizon",
    ("goal", "life_area"): "life_area",
    ("goal", "citizen_confirmation"): "citizen_answer",
    ("goal", "citizen_comment"): "text",
    ("goal", "citizen_wording"): "text",
    ("goal", "professional_wording"): "text",
    ("meeting", "starts_at"): "moment",
    ("meeting", "location"): "text",
    ("meeting", "purpose"): "text",
    ("meeting", "cadence_weeks"): "cadence",
    ("participant", "name"): "text",
    ("participant", "kind"): "participant_kind",
    ("participant", "role_description"): "text",
    ("assessment", "title"): "text",
    ("assessment", "assessed_on"): "date",
    ("plan", "kind"): "plan_kind",
    ("plan", "contact_user_id"): "name",
    ("plan", "deputy_user_id"): "name",
}
# Ids the read joins to a name: a caseworker's display name, a department's name.
NAMED_BY_ROW: dict[tuple[str, str], str] = {
    ("plan", "contact_user_id"): "user",
    ("plan", "deputy_user_id"): "user",
    ("effort", "responsible_user_id"): "user",
    ("effort", "department_id"): "department",
}
# Ids of the plan's own items, named only when the viewer sees that item (the change scope's titles).
NAMED_IN_PLAN: dict[tuple[str, str], str] = {
    ("effort", "participant_id"): "participant",
    ("effort", "after_effort_id"): "effort",
    ("effort", "member_person_id"): "member",
    ("goal", "member_person_id"): "member",
    ("assessment", "person_id"): "member",
}


def _clock(moment: dt.time) -> str:
    separator = "." if i18n.current_locale.get() == "da" else ":"
    return str(moment.hour) if moment.minute == 0 else f"{moment.hour}{separator}{moment.minute:02d}"


def _moment(value: str) -> str:
    at = dt.datetime.fromisoformat(value)
    if at.tzinfo is not None:
        at = at.astimezone(DANISH_TIME)
    day = format_date(at.date(), format="d. MMMM" if i18n.current_locale.get() == "da" else "d MMMM",
                      locale=i18n.babel_locale())
    return _("%(day)s at %(time)s") % {"day": day, "time": _clock(at.time())}


def _slots(value: str) -> str:
    days = get_day_names("wide", locale=i18n.babel_locale())
    shown = []
    for slot in value.split("; "):
        weekday, _space, span = slot.partition(" ")
        start, _dash, end = span.partition("-")
        times = f"{_clock(dt.time.fromisoformat(start))}–{_clock(dt.time.fromisoformat(end))}"
        shown.append(f"{days[int(weekday)]} " + _("at %(time)s") % {"time": times})
    return ", ".join(shown)


def _cadence(value: str) -> str:
    weeks = int(value)
    return _("every week") if weeks == 1 else _("every %(weeks)s weeks") % {"weeks": weeks}


def _value(kind: str, value: str, name: str | None = None) -> str | None:
    """The value as people say it; None when it cannot be shown (an unknown or hidden name)."""
    try:
        if kind == "name":
            return name
        if kind == "date":
            return format_date(dt.date.fromisoformat(value), format="long", locale=i18n.babel_locale())
        if kind == "time":
            return _("at %(time)s") % {"time": _clock(dt.time.fromisoformat(value))}
        if kind == "moment":
            return _moment(value)
        if kind == "slots":
            return _slots(value)
        if kind == "cadence":
            return _cadence(value)
    except (ValueError, IndexError):
        return value
    if kind == "text":
        return "“" + value + "”"
    if kind == "legal_basis":
        basis = load_legal_bases().get(value)
        return "“" + (basis.title if basis else value) + "”"
    return label(kind, value)


def _item(row: ChangeRow) -> str:
    title = "“" + row.item_title + "”"
    if row.entity == "goal":
        return _("the goal %(wording)s") % {"wording": title}
    if row.entity == "meeting":
        return _("the meeting %(purpose)s") % {"purpose": title}
    if row.entity == "assessment":
        return _("the assessment %(title)s") % {"title": title}
    if row.entity == "plan":
        return _("the plan")
    return row.item_title


Words = dict[str, str]


def _added(row: ChangeRow, v: Words) -> str | None:
    return _("%(who)s added %(item)s to the plan.") % v if not row.old_value else None


def _activation(row: ChangeRow, v: Words) -> str | None:
    if row.new_value == "true":
        return _("%(who)s noted that %(item)s counts as activation.") % v
    return _("%(who)s noted that %(item)s does not count as activation.") % v


def _part(row: ChangeRow, v: Words) -> str | None:
    if row.new_name is None:
        return None
    return _("%(who)s put %(item)s in the part of the plan for %(name)s.") % {**v, "name": row.new_name}


def _meeting_time(row: ChangeRow, v: Words) -> str | None:
    if not row.new_value:
        return None
    if not row.old_value:
        return _("%(who)s planned the meeting %(title)s for %(new)s.") % {**v, "new": _value("moment", row.new_value)}
    return _("%(who)s moved the meeting %(title)s from %(old)s to %(new)s.") % {
        **v, "old": _value("moment", row.old_value), "new": _value("moment", row.new_value),
    }


def _cadence_change(row: ChangeRow, v: Words) -> str | None:
    if not row.new_value:
        return _("%(who)s made the meeting %(title)s a single meeting.") % v if row.old_value else None
    new = _value("cadence", row.new_value)
    if not row.old_value:
        return _("%(who)s set the meeting %(title)s to be held %(new)s.") % {**v, "new": new}
    return _("%(who)s changed how often the meeting %(title)s is held from %(old)s to %(new)s.") % {
        **v, "old": _value("cadence", row.old_value), "new": new,
    }


def _assessment_about(row: ChangeRow, v: Words) -> str | None:
    if row.new_name is None:
        return None
    return _("%(who)s noted that %(item)s is about %(name)s.") % {**v, "name": row.new_name}


def _member(row: ChangeRow, v: Words) -> str | None:
    if row.field == "added" and row.new_value:
        return _("%(who)s added %(name)s to the plan.") % {**v, "name": row.new_value}
    if row.field == "removed" and row.old_value:
        return _("%(who)s took %(name)s off the plan.") % {**v, "name": row.old_value}
    return None


def _plan_kind(row: ChangeRow, v: Words) -> str | None:
    return _("%(who)s created the plan.") % v if not row.old_value else None


def _keeper(contact: bool) -> Callable[[ChangeRow, Words], str | None]:
    def sentence(row: ChangeRow, v: Words) -> str | None:
        old, new = row.old_name, row.new_name
        if (row.new_value and new is None) or (row.old_value and old is None):
            return None  # a caseworker no longer in the portal: said without names
        if not row.new_value:
            return _("%(who)s removed %(old)s as deputy.") % {**v, "old": old} if old else None
        if contact:
            if old is None:
                return _("%(who)s made %(new)s the contact person.") % {**v, "new": new}
            return _("%(who)s changed the contact person from %(old)s to %(new)s.") % {**v, "old": old, "new": new}
        if old is None:
            return _("%(who)s made %(new)s the deputy.") % {**v, "new": new}
        return _("%(who)s changed the deputy from %(old)s to %(new)s.") % {**v, "old": old, "new": new}
    return sentence


def _about_me(row: ChangeRow, v: Words) -> str | None:
    return _("%(who)s changed %(field)s in “About me” for %(name)s.") % {**v, "name": row.item_title}


def _said(text: Callable[[], str]) -> Callable[[ChangeRow, Words], str | None]:
    return lambda row, v: text() % v


# Fields with a sentence of their own; one that returns None falls back to the common sentences.
SENTENCES: dict[tuple[str, str], Callable[[ChangeRow, Words], str | None]] = {
    ("effort", "title"): _added,
    ("effort", "counts_as_activation"): _activation,
    ("effort", "member_person_id"): _part,
    ("effort", "monthly_cost_dkk"): _said(lambda: _(
        "%(who)s changed the price per month of %(item)s. The amount is for the municipality's own "
        "accounts and is not shown here.")),
    ("effort", "support_kind"): _said(lambda: _(
        "%(who)s changed which kind of help %(item)s is noted as. The caseworkers use it to spot the "
        "same help twice.")),
    ("effort", "physical_demands"): _said(lambda: _(
        "%(who)s changed what %(item)s demands of the body. The caseworkers use it to check the plan "
        "against health.")),
    ("effort", "goals"): _said(lambda: _("%(who)s changed which goals %(item)s helps with.")),
    ("goal", "citizen_wording"): _added,
    ("goal", "member_person_id"): _part,
    ("meeting", "starts_at"): _meeting_time,
    ("meeting", "cadence_weeks"): _cadence_change,
    ("participant", "name"): _added,
    ("assessment", "person_id"): _assessment_about,
    ("member", "added"): _member,
    ("member", "removed"): _member,
    ("plan", "kind"): _plan_kind,
    ("plan", "contact_user_id"): _keeper(contact=True),
    ("plan", "deputy_user_id"): _keeper(contact=False),
    ("about_me", "situation"): _about_me,
    ("about_me", "wishes"): _about_me,
}


def _sentence(row: ChangeRow, who: str) -> str:
    key = (row.entity, row.field)
    field_key = f"{row.entity}.{row.field}"
    field = label("revision_field", field_key)
    words = {"who": who, "item": _item(row), "title": "“" + row.item_title + "”", "field": field}
    special = SENTENCES.get(key)
    if special is not None:
        said = special(row, words)
        if said is not None:
            return said
    kind = VALUE_KINDS.get(key)
    old = _value(kind, row.old_value, row.old_name) if kind and row.old_value else None
    new = _value(kind, row.new_value, row.new_name) if kind and row.new_value else None
    if kind is None or (row.old_value and old is None) or (row.new_value and new is None):
        if field == field_key:
            return _("%(who)s changed %(item)s.") % words
        return _("%(who)s changed %(field)s for %(item)s.") % words
    if new is None:
        return _("%(who)s removed %(field)s for %(item)s.") % words
    if old is None:
        return _("%(who)s set %(field)s for %(item)s to %(new)s.") % {**words, "new": new}
    return _("%(who)s changed %(field)s for %(item)s from %(old)s to %(new)s.") % {**words, "old": old, "new": new}


def describe(row: ChangeRow, *, viewer_user_id: int | None, subject_first_name: str, viewer_is_subject: bool) -> str:
    """The revision in plain words: who changed what, from what, to what.

    ``viewer_is_subject``: the citizen reads their own changes ("Du"); otherwise a relative reads
    them for the citizen, who is then named.
    """
    if row.by_subject:
        who = _("You") if viewer_is_subject else subject_first_name
    elif row.by_user_id is not None and row.by_user_id == viewer_user_id:
        who = _("You")
    else:
        who = row.by_name or _("Someone")
    sentence = _sentence(row, who)
    if row.on_behalf:
        if viewer_is_subject:
            sentence += " " + _("It was done for you.")
        else:
            sentence += " " + _("It was done for %(name)s.") % {"name": subject_first_name}
    return sentence

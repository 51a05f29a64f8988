"""Warnings about a plan: double services, clashes with health and bad ordering.

Everything here is pure: the caller turns ORM rows into the frozen facts below,
and gets back findings with a translated, self-explaining message. The message is
written when it is first read (``Finding.message``): a plan of 500 efforts in the
same weekly slots has over 100,000 findings, and a page shows a few of them. Nothing is
read from a database or a clock, so the same facts always give the same findings
in the same order.

Dates are inclusive calendar dates; ``None`` as a start means "since always"
and ``None`` as an end means "open-ended". Time slots are weekly and do not
cross midnight.
"""

from __future__ import annotations

import datetime
import itertools
import operator
from functools import partial
from collections.abc import Callable, Iterable, Sequence

from babel.dates import format_date, get_day_names
from babel.lists import format_list

from portal.i18n import babel_locale
# The facts the rules judge live in their own module; they are part of this module's interface.
from portal.plans.facts import EffortFacts, Finding, HealthRestriction, SequencingPair, TimeSlot
from portal.i18n import gettext as _
from portal.i18n import ngettext

# Waiting, paused and ended efforts do not take up the citizen's week, so they
# cannot clash with anything; they become relevant again once re-planned.
COUNTING_STATUSES = frozenset({"planned", "active"})

RULE_TIME_OVERLAP = "time_overlap"
RULE_SAME_SUPPORT_KIND = "same_support_kind"
RULE_PHYSICAL_DEMAND = "physical_demand"
RULE_SEQUENCING = "sequencing"


# Labels are lower-case phrases because they are mostly read mid-sentence
# ("… gets home guide from two places"); a template that shows one on its own
# capitalises the first letter. Each value is a function so the label is
# translated in the locale of the request that reads it, not at import time.
SUPPORT_KIND_LABELS: dict[str, Callable[[], str]] = {
    "mentor": lambda: _("mentor"),
    "home_guide": lambda: _("home guide"),
    "family_support": lambda: _("family support"),
    "anxiety_treatment": lambda: _("anxiety treatment"),
    "psychiatric_treatment": lambda: _("psychiatric treatment"),
    "pain_management": lambda: _("pain management"),
    "physiotherapy": lambda: _("physiotherapy"),
    "internship": lambda: _("company internship"),
    "job_training": lambda: _("job training"),
    "education_guidance": lambda: _("guidance about education"),
    "substance_abuse_followup": lambda: _("follow-up after substance abuse treatment"),
    "home_help": lambda: _("home help"),
    "school_support": lambda: _("extra support at school"),
    "medication_followup": lambda: _("follow-up on medicine"),
    "job_conversation": lambda: _("job conversations"),
}

DEMAND_LABELS: dict[str, Callable[[], str]] = {
    "standing_long": lambda: _("standing for a long time"),
    "walking_long": lambda: _("walking for a long time"),
    "lifting": lambda: _("lifting"),
    "early_morning": lambda: _("getting up early"),
    "social_contact": lambda: _("meeting many people"),
}


def support_kind_label(tag: str) -> str:
    """The translated label of a support kind; an unknown tag is shown as is."""
    label = SUPPORT_KIND_LABELS.get(tag)
    return label() if label is not None else tag


def demand_label(tag: str) -> str:
    """The translated label of a physical demand; an unknown tag is shown as is."""
    label = DEMAND_LABELS.get(tag)
    return label() if label is not None else tag


# --- date and time helpers -------------------------------------------------

_Range = tuple[datetime.date | None, datetime.date | None]


def _counts(effort: EffortFacts) -> bool:
    return effort.status in COUNTING_STATUSES


def _common_range(a: _Range, b: _Range) -> _Range | None:
    """The inclusive intersection of two date ranges, or None when they miss."""
    # Called for every pair of efforts: plain comparisons rather than lists.
    (a_start, a_end), (b_start, b_end) = a, b
    start = b_start if a_start is None else a_start if b_start is None else max(a_start, b_start)
    end = b_end if a_end is None else a_end if b_end is None else min(a_end, b_end)
    if start is not None and end is not None and start > end:
        return None
    return (start, end)


_ALL_WEEKDAYS = frozenset(range(7))


def _weekdays_in(period: _Range) -> frozenset[int]:
    start, end = period
    if start is None or end is None or (end - start).days >= 6:
        return _ALL_WEEKDAYS
    return frozenset((start + datetime.timedelta(days=i)).weekday() for i in range((end - start).days + 1))


def _hhmm(value: datetime.time) -> str:
    return value.strftime("%H:%M")


def _format_day(value: datetime.date) -> str:
    return format_date(value, format="long", locale=babel_locale())


def _period_sentence(period: _Range) -> str:
    """A sentence naming the dates, with a leading space; empty when there are none."""
    start, end = period
    if start is not None and end is not None:
        if start == end:
            text = _("This applies on %(day)s.") % {"day": _format_day(start)}
        else:
            text = _("This applies from %(start)s to %(end)s.") % {
                "start": _format_day(start),
                "end": _format_day(end),
            }
    elif start is not None:
        text = _("This applies from %(start)s.") % {"start": _format_day(start)}
    elif end is not None:
        text = _("This applies until %(end)s.") % {"end": _format_day(end)}
    else:
        return ""
    return " " + text


_FINDING_KEY = operator.attrgetter("rule", "effort_ids", "person_id")


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    """Ordered by rule, efforts, person and then message.

    The message only breaks ties between findings about the same efforts, so it is
    only written for those: the same order as sorting by all four, without writing
    every message.
    """
    ordered = sorted(findings, key=_FINDING_KEY)
    result: list[Finding] = []
    for _key, group in itertools.groupby(ordered, key=_FINDING_KEY):
        tied = list(group)
        result.extend(sorted(tied, key=lambda f: f.message) if len(tied) > 1 else tied)
    return result


def _pairs_per_person(efforts: Iterable[EffortFacts]) -> Iterable[tuple[EffortFacts, EffortFacts]]:
    """Every unordered pair of counting efforts for the same person, lower id first."""
    ordered = sorted((e for e in efforts if _counts(e)), key=lambda e: e.id)
    for a, b in itertools.combinations(ordered, 2):
        if a.person_id == b.person_id and a.id != b.id:
            yield a, b


# --- rules -------------------------------------------------------------------


def _clash_text(clashes: Sequence[tuple[int, datetime.time, datetime.time]]) -> str:
    """Group clashing weekdays that share the same hours: "Monday and Tuesday 08:00–09:00"."""
    day_names = get_day_names("wide", locale=babel_locale())
    by_hours: dict[tuple[datetime.time, datetime.time], list[int]] = {}
    for weekday, start, end in sorted(set(clashes)):
        by_hours.setdefault((start, end), []).append(weekday)
    groups = sorted(by_hours.items(), key=lambda item: (min(item[1]), item[0]))
    parts = [
        _("%(days)s %(start)s–%(end)s")
        % {
            "days": format_list([day_names[d] for d in days], locale=babel_locale()),
            "start": _hhmm(start),
            "end": _hhmm(end),
        }
        for (start, end), days in groups
    ]
    return "; ".join(parts)


def find_time_overlaps(efforts: Iterable[EffortFacts]) -> list[Finding]:
    """Two counting efforts for one person that take up the same hours of the same weekday.

    The weekday must actually fall inside the dates both efforts run, so two
    efforts that share only a Tuesday cannot clash on a Wednesday. Slots that
    merely touch (one ends at 09:00, the next starts at 09:00) do not clash.
    """
    findings = []
    for a, b in _pairs_per_person(efforts):
        period = _common_range((a.start, a.end), (b.start, b.end))
        if period is None:
            continue
        weekdays = _weekdays_in(period)
        clashes = []
        for slot_a in a.slots:
            for slot_b in b.slots:
                if slot_a.weekday != slot_b.weekday or slot_a.weekday not in weekdays:
                    continue
                start = max(slot_a.start, slot_b.start)
                end = min(slot_a.end, slot_b.end)
                if start < end:
                    clashes.append((slot_a.weekday, start, end))
        if not clashes:
            continue
        findings.append(
            Finding(RULE_TIME_OVERLAP, (a.id, b.id), a.person_id, partial(_time_overlap_message, a, b, clashes, period))
        )
    return _sorted(findings)


def _time_overlap_message(
    a: EffortFacts, b: EffortFacts, clashes: Sequence[tuple[int, datetime.time, datetime.time]], period: _Range
) -> str:
    message = _(
        "%(person)s has two efforts at the same time on %(when)s: "
        "“%(first)s” (%(first_provider)s) and “%(second)s” (%(second_provider)s)."
    ) % {
        "person": a.person_name,
        "when": _clash_text(clashes),
        "first": a.title,
        "first_provider": a.provider_name,
        "second": b.title,
        "second_provider": b.provider_name,
    }
    return message + _period_sentence(period)


def _provider_key(effort: EffortFacts) -> tuple[str, int | str]:
    # A department is identified by its id alone, so a renamed department is
    # still the same provider; outside participants have no id, only a name.
    if effort.department_id is not None:
        return ("department", effort.department_id)
    return ("participant", effort.provider_name)


def find_same_support_kind(efforts: Iterable[EffortFacts]) -> list[Finding]:
    """The same kind of support for one person from two different providers at once.

    Two mentors from the same department are that department's own business
    (e.g. a handover); two from different places is the double service the
    plan exists to catch.
    """
    findings = []
    for a, b in _pairs_per_person(efforts):
        if not a.support_kind or a.support_kind != b.support_kind:
            continue
        if _provider_key(a) == _provider_key(b):
            continue
        period = _common_range((a.start, a.end), (b.start, b.end))
        if period is None:
            continue
        findings.append(
            Finding(RULE_SAME_SUPPORT_KIND, (a.id, b.id), a.person_id, partial(_same_support_message, a, b, period))
        )
    return _sorted(findings)


def _same_support_message(a: EffortFacts, b: EffortFacts, period: _Range) -> str:
    message = _(
        "%(person)s gets the same kind of support (%(kind)s) from two places: "
        "“%(first)s” (%(first_provider)s) and “%(second)s” (%(second_provider)s)."
    ) % {
        "person": a.person_name,
        "kind": support_kind_label(a.support_kind or ""),
        "first": a.title,
        "first_provider": a.provider_name,
        "second": b.title,
        "second_provider": b.provider_name,
    }
    return message + _period_sentence(period)


def find_physical_demand_clashes(
    efforts: Iterable[EffortFacts], restrictions: Iterable[HealthRestriction]
) -> list[Finding]:
    """A counting effort that asks for something a health restriction rules out."""
    restriction_list = list(restrictions)
    findings = []
    for effort in sorted(efforts, key=lambda e: e.id):
        if not _counts(effort):
            continue
        for restriction in restriction_list:
            if restriction.person_id != effort.person_id:
                continue
            if restriction.demand not in effort.physical_demands:
                continue
            message = partial(_demand_message, effort, restriction)
            findings.append(Finding(RULE_PHYSICAL_DEMAND, (effort.id,), effort.person_id, message))
    return _sorted(findings)


def _demand_message(effort: EffortFacts, restriction: HealthRestriction) -> str:
    description = restriction.description.strip()
    if description and description[-1] not in ".!?":
        description += "."
    values = {
        "effort": effort.title,
        "provider": effort.provider_name,
        "demand": demand_label(restriction.demand),
        "person": restriction.person_name,
        "restriction": description,
    }
    if values["restriction"]:
        return (
            _("“%(effort)s” (%(provider)s) involves %(demand)s, but %(person)s must avoid that: %(restriction)s")
            % values
        )
    return _("“%(effort)s” (%(provider)s) involves %(demand)s, but %(person)s must avoid that.") % values


def _sequencing_window(effort: EffortFacts, weeks: int | None) -> _Range:
    """The period of ``effort`` during which the other kind should not run.

    Without a start date we cannot tell where the first weeks fall, so the whole
    effort counts: a warning too many is better than a missed one.
    """
    if weeks is None or effort.start is None:
        return (effort.start, effort.end)
    window_end = effort.start + datetime.timedelta(weeks=weeks) - datetime.timedelta(days=1)
    if effort.end is not None and effort.end < window_end:
        window_end = effort.end
    return (effort.start, window_end)


def find_sequencing_conflicts(
    efforts: Iterable[EffortFacts], pairs: Iterable[SequencingPair]
) -> list[Finding]:
    """An effort of ``first_kind`` running while ``second_kind`` is starting (or running)."""
    counting = sorted((e for e in efforts if _counts(e)), key=lambda e: e.id)
    findings = []
    for pair in pairs:
        for second in counting:
            if second.support_kind != pair.second_kind:
                continue
            window = _sequencing_window(second, pair.weeks)
            for first in counting:
                if first.support_kind != pair.first_kind:
                    continue
                if first.person_id != second.person_id or first.id == second.id:
                    continue
                period = _common_range((first.start, first.end), window)
                if period is None:
                    continue
                message = partial(_sequencing_message, first, second, pair, period)
                ids = tuple(sorted((first.id, second.id)))
                findings.append(Finding(RULE_SEQUENCING, ids, first.person_id, message))
    return _sorted(findings)


def _sequencing_message(first: EffortFacts, second: EffortFacts, pair: SequencingPair, period: _Range) -> str:
    values = {
        "person": first.person_name,
        "first": first.title,
        "first_provider": first.provider_name,
        "second": second.title,
        "second_provider": second.provider_name,
        "weeks": pair.weeks,
    }
    if pair.weeks is None:
        message = _(
            "%(person)s: “%(first)s” (%(first_provider)s) runs at the same time as “%(second)s” (%(second_provider)s)."
        ) % values
    else:
        message = ngettext(
            "%(person)s: “%(first)s” (%(first_provider)s) runs during the first "
            "week of “%(second)s” (%(second_provider)s).",
            "%(person)s: “%(first)s” (%(first_provider)s) runs during the first "
            "%(weeks)d weeks of “%(second)s” (%(second_provider)s).",
            pair.weeks,
        ) % values
    return f"{message} {_(pair.reason)}{_period_sentence(period)}"


def check_plan(
    efforts: Iterable[EffortFacts],
    restrictions: Iterable[HealthRestriction],
    pairs: Iterable[SequencingPair],
) -> list[Finding]:
    """All warnings for a plan, ordered by rule and then by the efforts involved."""
    effort_list = tuple(efforts)
    by_rule = {
        RULE_TIME_OVERLAP: find_time_overlaps(effort_list),
        RULE_SAME_SUPPORT_KIND: find_same_support_kind(effort_list),
        RULE_PHYSICAL_DEMAND: find_physical_demand_clashes(effort_list, restrictions),
        RULE_SEQUENCING: find_sequencing_conflicts(effort_list, pairs),
    }
    # Each rule's list is already in order and the rule comes first in it: no need to sort again.
    return [finding for rule in sorted(by_rule) for finding in by_rule[rule]]

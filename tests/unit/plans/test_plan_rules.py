"""The plan warnings: double services, health clashes and bad ordering.

Each table row is a situation a caseworker could meet; the assertions are on
structure (rule, efforts, person) plus the names a reader needs in the message.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from babel.dates import get_day_names

from portal.i18n import babel_locale, use_locale
from portal.plans import rules
from portal.plans.rules import (
    EffortFacts,
    Finding,
    HealthRestriction,
    SequencingPair,
    TimeSlot,
    check_plan,
    demand_label,
    find_physical_demand_clashes,
    find_same_support_kind,
    find_sequencing_conflicts,
    find_time_overlaps,
    support_kind_label,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
ANNETTE, PERNILLE = 1, 2
JOBCENTER, SOCIAL, FAMILY = 10, 11, 12


def t(hhmm: str) -> dt.time:
    return dt.time.fromisoformat(hhmm)


def d(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def slot(weekday: int, start: str, end: str) -> TimeSlot:
    return TimeSlot(weekday, t(start), t(end))


def effort(effort_id: int, **changes: object) -> EffortFacts:
    base = EffortFacts(
        id=effort_id,
        title=f"Effort {effort_id}",
        person_id=ANNETTE,
        person_name="Annette",
        department_id=JOBCENTER,
        provider_name="Jobcenter",
        start=None,
        end=None,
        status="active",
        support_kind=None,
    )
    return dataclasses.replace(base, **changes)


def ids(findings: list[Finding]) -> list[tuple[int, ...]]:
    return [f.effort_ids for f in findings]


def day_name(weekday: int) -> str:
    return str(get_day_names("wide", locale=babel_locale())[weekday])


# --- time overlaps ------------------------------------------------------------

MORNING = (slot(MON, "08:00", "09:00"),)

TIME_OVERLAP_CASES = [
    pytest.param(
        effort(1, slots=MORNING),
        effort(2, slots=(slot(MON, "08:30", "10:00"),)),
        [(1, 2)],
        id="same-weekday-intersecting-hours",
    ),
    pytest.param(
        effort(1, slots=MORNING),
        effort(2, slots=(slot(MON, "09:00", "10:00"),)),
        [],
        id="touching-end-equals-start-is-no-overlap",
    ),
    pytest.param(
        effort(1, slots=(slot(MON, "09:00", "10:00"),)),
        effort(2, slots=MORNING),
        [],
        id="touching-start-equals-end-is-no-overlap",
    ),
    pytest.param(
        effort(1, slots=(slot(MON, "08:00", "12:00"),)),
        effort(2, slots=(slot(MON, "09:00", "10:00"),)),
        [(1, 2)],
        id="one-slot-inside-the-other",
    ),
    pytest.param(
        effort(1, slots=MORNING),
        effort(2, slots=(slot(TUE, "08:00", "09:00"),)),
        [],
        id="different-weekdays",
    ),
    pytest.param(
        effort(1, slots=MORNING),
        effort(2, person_id=PERNILLE, person_name="Pernille", slots=MORNING),
        [],
        id="different-persons",
    ),
    pytest.param(
        effort(1, slots=MORNING, status="planned"),
        effort(2, slots=MORNING, status="active"),
        [(1, 2)],
        id="planned-and-active-both-count",
    ),
    *[
        pytest.param(
            effort(1, slots=MORNING),
            effort(2, slots=MORNING, status=status),
            [],
            id=f"{status}-does-not-count",
        )
        for status in ("waiting", "paused", "ended")
    ],
    pytest.param(
        effort(1, slots=MORNING, start=d("2024-01-01"), end=d("2024-01-31")),
        effort(2, slots=MORNING, start=d("2024-02-01"), end=d("2024-02-29")),
        [],
        id="consecutive-date-ranges-do-not-overlap",
    ),
    pytest.param(
        effort(1, slots=MORNING, start=d("2024-01-01"), end=None),
        effort(2, slots=MORNING, start=d("2030-06-03"), end=d("2030-06-30")),
        [(1, 2)],
        id="open-end-runs-forever",
    ),
    pytest.param(
        effort(1, slots=MORNING, start=None, end=d("2024-12-31")),
        effort(2, slots=MORNING, start=d("2000-01-03"), end=d("2000-01-31")),
        [(1, 2)],
        id="open-start-runs-since-always",
    ),
    pytest.param(
        effort(1, slots=MORNING, start=None, end=d("2024-01-31")),
        effort(2, slots=MORNING, start=d("2024-02-01"), end=None),
        [],
        id="open-start-ends-before-open-end-starts",
    ),
    # 2024-03-05 is a Tuesday: the two efforts share that one day only.
    pytest.param(
        effort(1, slots=(slot(TUE, "10:00", "11:00"),), end=d("2024-03-05")),
        effort(2, slots=(slot(TUE, "10:00", "11:00"),), start=d("2024-03-05")),
        [(1, 2)],
        id="shared-single-day-is-the-slot-weekday",
    ),
    pytest.param(
        effort(1, slots=(slot(WED, "10:00", "11:00"),), end=d("2024-03-05")),
        effort(2, slots=(slot(WED, "10:00", "11:00"),), start=d("2024-03-05")),
        [],
        id="shared-single-tuesday-cannot-clash-on-wednesday",
    ),
    # Friday 2024-03-08 to Sunday 2024-03-10.
    pytest.param(
        effort(1, slots=(slot(SAT, "10:00", "11:00"),), start=d("2024-03-08"), end=d("2024-03-10")),
        effort(2, slots=(slot(SAT, "10:30", "12:00"),)),
        [(1, 2)],
        id="short-range-contains-the-weekday",
    ),
    pytest.param(
        effort(1, slots=(slot(MON, "10:00", "11:00"),), start=d("2024-03-08"), end=d("2024-03-10")),
        effort(2, slots=(slot(MON, "10:00", "11:00"),)),
        [],
        id="short-range-without-the-weekday",
    ),
    # Monday 2024-03-04 to Sunday 2024-03-10: a full week holds every weekday.
    pytest.param(
        effort(1, slots=(slot(SUN, "10:00", "11:00"),), start=d("2024-03-04"), end=d("2024-03-10")),
        effort(2, slots=(slot(SUN, "10:00", "11:00"),)),
        [(1, 2)],
        id="seven-day-range-holds-sunday",
    ),
    # Monday 2024-03-04 to Saturday 2024-03-09: six days, no Sunday.
    pytest.param(
        effort(1, slots=(slot(SUN, "10:00", "11:00"),), start=d("2024-03-04"), end=d("2024-03-09")),
        effort(2, slots=(slot(SUN, "10:00", "11:00"),)),
        [],
        id="six-day-range-lacks-sunday",
    ),
    # Friday 2024-03-08 to Monday 2024-03-11, the Monday being the very last day.
    pytest.param(
        effort(1, slots=(slot(MON, "10:00", "11:00"),), start=d("2024-03-08"), end=d("2024-03-11")),
        effort(2, slots=(slot(MON, "10:00", "11:00"),)),
        [(1, 2)],
        id="weekday-on-the-last-day-of-a-short-range",
    ),
]


@pytest.mark.parametrize(("first", "second", "expected"), TIME_OVERLAP_CASES)
def test_time_overlaps(first: EffortFacts, second: EffortFacts, expected: list[tuple[int, int]]) -> None:
    findings = find_time_overlaps([second, first])
    assert ids(findings) == expected
    assert all(f.rule == "time_overlap" and f.person_id == ANNETTE for f in findings)


def test_time_overlap_message_names_person_efforts_providers_days_and_hours() -> None:
    mentor = effort(
        1,
        title="Mentor",
        provider_name="Jobcenter",
        slots=(slot(MON, "08:00", "09:00"), slot(TUE, "08:00", "09:00"), slot(THU, "13:00", "15:00")),
    )
    guide = effort(
        2,
        title="Hjemmevejleder",
        department_id=SOCIAL,
        provider_name="Socialcenter",
        slots=(slot(MON, "07:30", "09:00"), slot(TUE, "08:00", "10:00"), slot(THU, "14:00", "16:00"), slot(FRI, "08:00", "09:00")),
    )
    [finding] = find_time_overlaps([mentor, guide])
    for expected in ("Annette", "Mentor", "Jobcenter", "Hjemmevejleder", "Socialcenter", "08:00–09:00", "14:00–15:00"):
        assert expected in finding.message
    for weekday in (MON, TUE, THU):
        assert day_name(weekday) in finding.message
    assert day_name(FRI) not in finding.message


def test_time_overlap_message_in_english_reads_as_one_sentence() -> None:
    mentor = effort(1, title="Mentor", slots=(slot(MON, "08:00", "09:00"), slot(TUE, "08:00", "09:00")))
    guide = effort(
        2, title="Home guide", department_id=SOCIAL, provider_name="Social centre", slots=(slot(MON, "08:00", "09:00"), slot(TUE, "08:00", "09:00"))
    )
    with use_locale("en"):
        [finding] = find_time_overlaps([mentor, guide])
    assert finding.message == (
        "Annette has two efforts at the same time on Monday and Tuesday 08:00–09:00: "
        "“Mentor” (Jobcenter) and “Home guide” (Social centre)."
    )


def test_time_overlap_message_names_the_shared_dates() -> None:
    first = effort(1, slots=(slot(TUE, "10:00", "11:00"),), end=d("2024-03-05"))
    second = effort(2, slots=(slot(TUE, "10:00", "11:00"),), start=d("2024-03-05"))
    with use_locale("en"):
        [finding] = find_time_overlaps([first, second])
    assert "March 5, 2024" in finding.message


def test_time_overlaps_one_finding_per_pair_of_efforts() -> None:
    many_slots = tuple(slot(day, "08:00", "12:00") for day in range(5))
    a, b, c = effort(1, slots=many_slots), effort(2, slots=many_slots), effort(3, slots=many_slots)
    assert ids(find_time_overlaps([c, a, b])) == [(1, 2), (1, 3), (2, 3)]


# --- same support kind ----------------------------------------------------------

SAME_KIND_CASES = [
    pytest.param(
        effort(1, support_kind="mentor"),
        effort(2, support_kind="mentor", department_id=SOCIAL, provider_name="Socialcenter"),
        [(1, 2)],
        id="same-kind-different-departments",
    ),
    pytest.param(
        effort(1, support_kind="mentor"),
        effort(2, support_kind="mentor"),
        [],
        id="same-kind-same-department",
    ),
    pytest.param(
        effort(1, support_kind="mentor", provider_name="Lise, Jobcenter"),
        effort(2, support_kind="mentor", provider_name="Ole, Jobcenter"),
        [],
        id="same-department-with-different-people-is-one-provider",
    ),
    pytest.param(
        effort(1, support_kind="pain_management"),
        effort(2, support_kind="pain_management", department_id=None, provider_name="Smerteklinikken"),
        [(1, 2)],
        id="department-and-outside-participant",
    ),
    pytest.param(
        effort(1, support_kind="pain_management", department_id=None, provider_name="Smerteklinikken"),
        effort(2, support_kind="pain_management", department_id=None, provider_name="Privat fysioterapeut"),
        [(1, 2)],
        id="two-different-outside-participants",
    ),
    pytest.param(
        effort(1, support_kind="pain_management", department_id=None, provider_name="Smerteklinikken"),
        effort(2, support_kind="pain_management", department_id=None, provider_name="Smerteklinikken"),
        [],
        id="same-outside-participant",
    ),
    pytest.param(
        effort(1, support_kind="mentor"),
        effort(2, support_kind="home_guide", department_id=SOCIAL),
        [],
        id="different-kinds",
    ),
    pytest.param(
        effort(1, support_kind=None),
        effort(2, support_kind=None, department_id=SOCIAL),
        [],
        id="no-kind-is-not-a-kind",
    ),
    pytest.param(
        effort(1, support_kind=""),
        effort(2, support_kind="", department_id=SOCIAL),
        [],
        id="empty-kind-is-not-a-kind",
    ),
    pytest.param(
        effort(1, support_kind="mentor"),
        effort(2, support_kind="mentor", department_id=SOCIAL, person_id=PERNILLE, person_name="Pernille"),
        [],
        id="different-persons",
    ),
    *[
        pytest.param(
            effort(1, support_kind="mentor"),
            effort(2, support_kind="mentor", department_id=SOCIAL, status=status),
            [],
            id=f"{status}-does-not-count",
        )
        for status in ("waiting", "paused", "ended")
    ],
    pytest.param(
        effort(1, support_kind="mentor", end=d("2024-03-31")),
        effort(2, support_kind="mentor", department_id=SOCIAL, start=d("2024-04-01")),
        [],
        id="one-after-the-other",
    ),
    pytest.param(
        effort(1, support_kind="mentor", end=d("2024-03-31")),
        effort(2, support_kind="mentor", department_id=SOCIAL, start=d("2024-03-31")),
        [(1, 2)],
        id="sharing-the-last-day",
    ),
]


@pytest.mark.parametrize(("first", "second", "expected"), SAME_KIND_CASES)
def test_same_support_kind(first: EffortFacts, second: EffortFacts, expected: list[tuple[int, int]]) -> None:
    findings = find_same_support_kind([second, first])
    assert ids(findings) == expected
    assert all(f.rule == "same_support_kind" and f.person_id == ANNETTE for f in findings)


def test_same_support_kind_message_names_kind_efforts_and_providers() -> None:
    first = effort(1, title="Mentor i jobcentret", support_kind="mentor", provider_name="Jobcenter Ishøj")
    second = effort(2, title="Mentor fra Socialcenter", support_kind="mentor", department_id=SOCIAL, provider_name="Socialcenter")
    [finding] = find_same_support_kind([first, second])
    for expected in ("Annette", "Mentor i jobcentret", "Jobcenter Ishøj", "Mentor fra Socialcenter", "Socialcenter", support_kind_label("mentor")):
        assert expected in finding.message


# --- physical demands -------------------------------------------------------------

HIP = HealthRestriction(ANNETTE, "Annette", "standing_long", "Lægen: må ikke stå eller gå længe")
WALK = HealthRestriction(ANNETTE, "Annette", "walking_long", "Lægen: må ikke stå eller gå længe")

DEMAND_CASES = [
    pytest.param(effort(1, physical_demands=frozenset({"standing_long", "lifting"})), [HIP], [(1,)], id="demand-matches-restriction"),
    pytest.param(effort(1, physical_demands=frozenset({"lifting"})), [HIP], [], id="demand-not-restricted"),
    pytest.param(effort(1), [HIP], [], id="effort-without-demands"),
    pytest.param(
        effort(1, physical_demands=frozenset({"standing_long"}), person_id=PERNILLE, person_name="Pernille"),
        [HIP],
        [],
        id="restriction-of-another-person",
    ),
    *[
        pytest.param(effort(1, physical_demands=frozenset({"standing_long"}), status=status), [HIP], [], id=f"{status}-does-not-count")
        for status in ("waiting", "paused", "ended")
    ],
    pytest.param(
        effort(1, physical_demands=frozenset({"standing_long", "walking_long"})),
        [HIP, WALK],
        [(1,), (1,)],
        id="one-finding-per-restriction",
    ),
]


@pytest.mark.parametrize(("subject", "restrictions", "expected"), DEMAND_CASES)
def test_physical_demand_clashes(subject: EffortFacts, restrictions: list[HealthRestriction], expected: list[tuple[int]]) -> None:
    findings = find_physical_demand_clashes([subject], restrictions)
    assert ids(findings) == expected
    assert all(f.rule == "physical_demand" and f.person_id == subject.person_id for f in findings)


def test_physical_demand_message_names_effort_demand_and_restriction() -> None:
    job = effort(1, title="Praktik i Netto", provider_name="Jobcenter", physical_demands=frozenset({"standing_long"}))
    [finding] = find_physical_demand_clashes([job], [HIP])
    for expected in ("Annette", "Praktik i Netto", "Jobcenter", demand_label("standing_long"), HIP.description):
        assert expected in finding.message


def test_physical_demand_unknown_tag_is_shown_raw() -> None:
    job = effort(1, physical_demands=frozenset({"kneeling"}))
    [finding] = find_physical_demand_clashes([job], [HealthRestriction(ANNETTE, "Annette", "kneeling", "")])
    assert "kneeling" in finding.message


def test_demand_labels_are_plain_words() -> None:
    with use_locale("en"):
        assert demand_label("social_contact") == "meeting many people"
        assert demand_label("no_such_tag") == "no_such_tag"


@pytest.mark.parametrize(
    "kind",
    [
        "mentor", "home_guide", "family_support", "anxiety_treatment", "psychiatric_treatment",
        "pain_management", "physiotherapy", "internship", "job_training", "education_guidance",
        "substance_abuse_followup", "home_help", "school_support", "medication_followup", "job_conversation",
    ],
)
def test_every_support_kind_has_a_label(kind: str) -> None:
    assert kind in rules.SUPPORT_KIND_LABELS
    with use_locale("en"):
        label = support_kind_label(kind)
    assert label.strip() and "_" not in label


def test_unknown_support_kind_is_shown_raw() -> None:
    assert support_kind_label("no_such_kind") == "no_such_kind"


@pytest.mark.parametrize("demand", ["standing_long", "walking_long", "lifting", "early_morning", "social_contact"])
def test_every_demand_has_a_label(demand: str) -> None:
    assert demand in rules.DEMAND_LABELS
    with use_locale("en"):
        label = demand_label(demand)
    assert label.strip() and "_" not in label


# --- sequencing ----------------------------------------------------------------------

ANXIETY_FIRST_8_WEEKS = SequencingPair(
    "internship", "anxiety_treatment", 8, "Let the anxiety treatment get going first."
)
ANXIETY_WHOLE_TIME = dataclasses.replace(ANXIETY_FIRST_8_WEEKS, weeks=None)

# Anxiety treatment starting Monday 2024-03-04: its first 8 weeks run to Sunday 2024-04-28.
TREATMENT = effort(2, title="Angstbehandling", support_kind="anxiety_treatment", department_id=None, provider_name="Psykiatrien", start=d("2024-03-04"))


def internship(**changes: object) -> EffortFacts:
    values: dict[str, object] = {"title": "Praktik", "support_kind": "internship"}
    values.update(changes)
    return effort(1, **values)


SEQUENCING_CASES = [
    pytest.param(internship(start=d("2024-04-28")), TREATMENT, ANXIETY_FIRST_8_WEEKS, [(1, 2)], id="starts-on-last-day-of-window"),
    pytest.param(internship(start=d("2024-04-29")), TREATMENT, ANXIETY_FIRST_8_WEEKS, [], id="starts-day-after-window"),
    pytest.param(internship(end=d("2024-03-04")), TREATMENT, ANXIETY_FIRST_8_WEEKS, [(1, 2)], id="ends-on-first-day-of-treatment"),
    pytest.param(internship(end=d("2024-03-03")), TREATMENT, ANXIETY_FIRST_8_WEEKS, [], id="ends-day-before-treatment"),
    pytest.param(internship(), TREATMENT, ANXIETY_FIRST_8_WEEKS, [(1, 2)], id="open-ended-internship"),
    pytest.param(internship(start=d("2024-10-01")), TREATMENT, ANXIETY_WHOLE_TIME, [(1, 2)], id="no-weeks-means-whole-treatment"),
    pytest.param(internship(start=d("2024-10-01")), TREATMENT, ANXIETY_FIRST_8_WEEKS, [], id="weeks-limit-the-window"),
    pytest.param(
        internship(start=d("2024-03-20")),
        dataclasses.replace(TREATMENT, end=d("2024-03-17")),
        ANXIETY_FIRST_8_WEEKS,
        [],
        id="treatment-ended-before-window-end",
    ),
    pytest.param(
        internship(start=d("2030-01-01")),
        dataclasses.replace(TREATMENT, start=None, end=d("2030-06-30")),
        ANXIETY_FIRST_8_WEEKS,
        [(1, 2)],
        id="treatment-without-start-counts-from-always",
    ),
    pytest.param(
        internship(start=d("2030-07-01")),
        dataclasses.replace(TREATMENT, start=None, end=d("2030-06-30")),
        ANXIETY_FIRST_8_WEEKS,
        [],
        id="treatment-without-start-still-ends",
    ),
    pytest.param(
        internship(start=d("2024-03-11"), person_id=PERNILLE, person_name="Pernille"),
        TREATMENT,
        ANXIETY_FIRST_8_WEEKS,
        [],
        id="different-persons",
    ),
    pytest.param(internship(start=d("2024-03-11"), support_kind="job_training"), TREATMENT, ANXIETY_FIRST_8_WEEKS, [], id="kind-not-in-pair"),
    # Treatment well under way when the internship starts: fine. The other way
    # round (treatment starting in the internship's first weeks) is not the rule.
    pytest.param(
        dataclasses.replace(TREATMENT, id=1, start=d("2024-01-01")),
        effort(2, title="Praktik", support_kind="internship", start=d("2024-03-04")),
        ANXIETY_FIRST_8_WEEKS,
        [],
        id="pair-has-a-direction",
    ),
    *[
        pytest.param(internship(start=d("2024-03-11"), status=status), TREATMENT, ANXIETY_FIRST_8_WEEKS, [], id=f"{status}-internship-does-not-count")
        for status in ("waiting", "paused", "ended")
    ],
    *[
        pytest.param(internship(start=d("2024-03-11")), dataclasses.replace(TREATMENT, status=status), ANXIETY_FIRST_8_WEEKS, [], id=f"{status}-treatment-does-not-count")
        for status in ("waiting", "paused", "ended")
    ],
]


@pytest.mark.parametrize(("first", "second", "pair", "expected"), SEQUENCING_CASES)
def test_sequencing_conflicts(first: EffortFacts, second: EffortFacts, pair: SequencingPair, expected: list[tuple[int, int]]) -> None:
    findings = find_sequencing_conflicts([second, first], [pair])
    assert ids(findings) == expected
    assert all(f.rule == "sequencing" and f.person_id == first.person_id for f in findings)


def test_sequencing_message_names_both_efforts_and_the_reason() -> None:
    with use_locale("en"):
        [finding] = find_sequencing_conflicts([internship(start=d("2024-03-11")), TREATMENT], [ANXIETY_FIRST_8_WEEKS])
    for expected in ("Annette", "Praktik", "Angstbehandling", "Psykiatrien", "8", ANXIETY_FIRST_8_WEEKS.reason, "March 11, 2024", "April 28, 2024"):
        assert expected in finding.message


def test_sequencing_effort_ids_are_sorted_whichever_comes_first() -> None:
    treatment = dataclasses.replace(TREATMENT, id=1)
    job = dataclasses.replace(internship(start=d("2024-03-11")), id=2)
    [finding] = find_sequencing_conflicts([job, treatment], [ANXIETY_FIRST_8_WEEKS])
    assert finding.effort_ids == (1, 2)


# --- everything together -------------------------------------------------------------


def annettes_week() -> tuple[list[EffortFacts], list[HealthRestriction], list[SequencingPair]]:
    mentor = effort(1, title="Mentor", support_kind="mentor", slots=MORNING)
    guide = effort(2, title="Hjemmevejleder", support_kind="home_guide", department_id=SOCIAL, provider_name="Socialcenter", slots=MORNING)
    social_mentor = effort(3, title="Mentor fra Socialcenter", support_kind="mentor", department_id=SOCIAL, provider_name="Socialcenter")
    shop = effort(4, title="Praktik i butik", support_kind="internship", physical_demands=frozenset({"standing_long"}), start=d("2024-03-11"))
    treatment = dataclasses.replace(TREATMENT, id=5)
    return [mentor, guide, social_mentor, shop, treatment], [HIP], [ANXIETY_FIRST_8_WEEKS]


def test_check_plan_runs_every_rule_in_a_stable_order() -> None:
    efforts, restrictions, pairs = annettes_week()
    findings = check_plan(efforts, restrictions, pairs)
    assert [(f.rule, f.effort_ids) for f in findings] == [
        ("physical_demand", (4,)),
        ("same_support_kind", (1, 3)),
        ("sequencing", (4, 5)),
        ("time_overlap", (1, 2)),
    ]


def test_check_plan_does_not_depend_on_input_order() -> None:
    efforts, restrictions, pairs = annettes_week()
    expected = check_plan(efforts, restrictions, pairs)
    shuffled = list(efforts)
    random.Random(4).shuffle(shuffled)
    assert check_plan(iter(shuffled), iter(restrictions), iter(pairs)) == expected


def test_nothing_to_warn_about() -> None:
    assert check_plan([], [], []) == []

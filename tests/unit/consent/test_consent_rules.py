"""Who among staff sees a plan, and which departments' items, under which consent."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.consent.rules import (
    ConsentFacts,
    EffortOwnership,
    MemberFacts,
    PlanFacts,
    StaffVisibility,
    Viewer,
    consent_is_valid,
    may_see_item,
    staff_visibility,
    visible_effort_ids,
)

UTC = dt.timezone.utc
NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
DAY = dt.timedelta(days=1)

ISHOJ, VARDE = 1, 2
JOBCENTER, SOCIAL, FAMILY = 10, 11, 12  # Ishøj
VARDE_JOBCENTER = 20

CONTACT, DEPUTY, SOCIAL_WORKER, STRANGER, VARDE_WORKER, FAMILY_WORKER = 100, 101, 102, 103, 104, 105

PLAN = PlanFacts(
    plan_id=1,
    municipality_id=ISHOJ,
    contact_user_id=CONTACT,
    deputy_user_id=DEPUTY,
    efforts=(
        EffortOwnership(effort_id=1, department_id=JOBCENTER, responsible_user_id=CONTACT),
        EffortOwnership(effort_id=2, department_id=SOCIAL, responsible_user_id=SOCIAL_WORKER),
        EffortOwnership(effort_id=3, department_id=None, responsible_user_id=None),  # the GP
        EffortOwnership(effort_id=4, department_id=VARDE_JOBCENTER, responsible_user_id=VARDE_WORKER),
        EffortOwnership(effort_id=5, department_id=FAMILY, responsible_user_id=None),
    ),
)
ALL_PLAN_DEPARTMENTS = frozenset({JOBCENTER, SOCIAL, VARDE_JOBCENTER, FAMILY})
NOTHING: frozenset[int] = frozenset()


def caseworker(user_id: int, department_id: int | None, municipality_id: int | None = ISHOJ) -> Viewer:
    return Viewer(user_id=user_id, role="caseworker", department_id=department_id, municipality_id=municipality_id)


def consent(
    department: int | None = None,
    municipality: int | None = None,
    valid_from: dt.date = TODAY - 30 * DAY,
    valid_until: dt.date = TODAY + 30 * DAY,
    withdrawn_at: dt.datetime | None = None,
) -> ConsentFacts:
    return ConsentFacts(department, municipality, valid_from, valid_until, withdrawn_at)


VISIBILITY_CASES = [
    pytest.param(caseworker(CONTACT, JOBCENTER), [], True, NOTHING, "contact_person", id="contact-person"),
    pytest.param(caseworker(DEPUTY, JOBCENTER), [], True, NOTHING, "deputy", id="deputy"),
    pytest.param(caseworker(SOCIAL_WORKER, SOCIAL), [], True, NOTHING, "effort_responsible", id="responsible-for-an-effort"),
    pytest.param(caseworker(STRANGER, JOBCENTER), [], False, NOTHING, "not_involved", id="same-department-but-not-involved"),
    pytest.param(
        caseworker(STRANGER, JOBCENTER),
        [consent(department=JOBCENTER)],
        False,
        NOTHING,
        "not_involved",
        id="consent-alone-does-not-open-the-plan",
    ),
    pytest.param(
        caseworker(FAMILY_WORKER, FAMILY),
        [],
        False,
        NOTHING,
        "not_involved",
        id="department-has-an-effort-but-viewer-is-not-responsible",
    ),
    *[
        pytest.param(
            Viewer(CONTACT, role, JOBCENTER, ISHOJ),
            [consent(municipality=ISHOJ)],
            False,
            NOTHING,
            "role_has_no_plan_access",
            id=f"{role}-never-sees-plan-content",
        )
        for role in ("admin", "evaluator", "citizen", "relative")
    ],
    pytest.param(
        caseworker(CONTACT, JOBCENTER),
        [consent(department=JOBCENTER)],
        True,
        ALL_PLAN_DEPARTMENTS,
        "contact_person",
        id="consent-to-own-department-opens-all-departments",
    ),
    pytest.param(
        caseworker(CONTACT, JOBCENTER),
        [consent(municipality=ISHOJ)],
        True,
        ALL_PLAN_DEPARTMENTS,
        "contact_person",
        id="consent-to-own-municipality-opens-all-departments",
    ),
    pytest.param(
        caseworker(CONTACT, JOBCENTER),
        [consent(department=SOCIAL)],
        True,
        NOTHING,
        "contact_person",
        id="consent-to-another-department-opens-nothing-for-me",
    ),
    pytest.param(
        caseworker(CONTACT, JOBCENTER),
        [consent(department=JOBCENTER, withdrawn_at=NOW - dt.timedelta(minutes=1))],
        True,
        NOTHING,
        "contact_person",
        id="withdrawn-consent-closes-other-departments",
    ),
    pytest.param(
        caseworker(VARDE_WORKER, VARDE_JOBCENTER, VARDE),
        [],
        False,
        NOTHING,
        "no_consent_other_municipality",
        id="other-municipality-without-consent",
    ),
    pytest.param(
        caseworker(VARDE_WORKER, VARDE_JOBCENTER, VARDE),
        [consent(department=VARDE_JOBCENTER)],
        True,
        ALL_PLAN_DEPARTMENTS,
        "effort_responsible",
        id="other-municipality-with-consent-to-its-department",
    ),
    pytest.param(
        caseworker(VARDE_WORKER, VARDE_JOBCENTER, VARDE),
        [consent(municipality=VARDE)],
        True,
        ALL_PLAN_DEPARTMENTS,
        "effort_responsible",
        id="other-municipality-with-consent-to-the-municipality",
    ),
    pytest.param(
        caseworker(VARDE_WORKER, VARDE_JOBCENTER, VARDE),
        [consent(department=JOBCENTER), consent(municipality=ISHOJ)],
        False,
        NOTHING,
        "no_consent_other_municipality",
        id="other-municipality-with-consents-naming-others",
    ),
    pytest.param(
        caseworker(VARDE_WORKER, VARDE_JOBCENTER, VARDE),
        [consent(department=VARDE_JOBCENTER, valid_until=TODAY - DAY)],
        False,
        NOTHING,
        "no_consent_other_municipality",
        id="other-municipality-with-expired-consent",
    ),
    pytest.param(
        caseworker(VARDE_WORKER, VARDE_JOBCENTER, VARDE),
        [consent(department=VARDE_JOBCENTER, valid_from=TODAY + DAY)],
        False,
        NOTHING,
        "no_consent_other_municipality",
        id="other-municipality-with-future-consent",
    ),
    pytest.param(
        caseworker(VARDE_WORKER, VARDE_JOBCENTER, VARDE),
        [consent(department=VARDE_JOBCENTER, withdrawn_at=NOW)],
        False,
        NOTHING,
        "no_consent_other_municipality",
        id="other-municipality-consent-withdrawn-this-instant",
    ),
    pytest.param(
        caseworker(VARDE_WORKER, VARDE_JOBCENTER, VARDE),
        [consent(department=VARDE_JOBCENTER, withdrawn_at=NOW), consent(municipality=VARDE)],
        True,
        ALL_PLAN_DEPARTMENTS,
        "effort_responsible",
        id="one-valid-consent-is-enough",
    ),
    pytest.param(
        caseworker(VARDE_WORKER, VARDE_JOBCENTER, None),
        [],
        False,
        NOTHING,
        "no_consent_other_municipality",
        id="unknown-municipality-counts-as-outside",
    ),
    pytest.param(
        caseworker(VARDE_WORKER, None, VARDE),
        [consent(department=None, municipality=None)],
        False,
        NOTHING,
        "no_consent_other_municipality",
        id="consent-without-recipient-names-no-one",
    ),
]


@pytest.mark.parametrize(("viewer", "consents", "sees_plan", "departments", "reason"), VISIBILITY_CASES)
def test_staff_visibility(
    viewer: Viewer, consents: list[ConsentFacts], sees_plan: bool, departments: frozenset[int], reason: str
) -> None:
    assert staff_visibility(viewer, PLAN, iter(consents), NOW) == StaffVisibility(sees_plan, departments, reason)


def test_contact_person_who_is_also_responsible_is_reported_as_contact_person() -> None:
    # CONTACT is also responsible for effort 1; the stronger tie is reported.
    assert staff_visibility(caseworker(CONTACT, JOBCENTER), PLAN, [], NOW).reason == "contact_person"


def test_plan_with_nobody_assigned_opens_to_nobody() -> None:
    plan = PlanFacts(plan_id=2, municipality_id=ISHOJ, contact_user_id=None, deputy_user_id=None, efforts=())
    assert staff_visibility(caseworker(STRANGER, JOBCENTER), plan, [], NOW).sees_plan is False


CONSENT_VALIDITY_CASES = [
    pytest.param(consent(), True, id="in-force"),
    pytest.param(consent(valid_from=TODAY), True, id="first-day"),
    pytest.param(consent(valid_until=TODAY), True, id="last-day-is-inclusive"),
    pytest.param(consent(valid_until=TODAY - DAY), False, id="expired-yesterday"),
    pytest.param(consent(valid_from=TODAY + DAY), False, id="starts-tomorrow"),
    pytest.param(consent(withdrawn_at=NOW), False, id="withdrawn-this-instant"),
    pytest.param(consent(withdrawn_at=NOW - dt.timedelta(seconds=1)), False, id="withdrawn-a-second-ago"),
    pytest.param(consent(withdrawn_at=NOW - 400 * DAY), False, id="withdrawn-long-ago"),
    pytest.param(consent(withdrawn_at=NOW + dt.timedelta(seconds=1)), True, id="withdrawal-not-yet-in-effect"),
]


@pytest.mark.parametrize(("facts", "valid"), CONSENT_VALIDITY_CASES)
def test_consent_is_valid(facts: ConsentFacts, valid: bool) -> None:
    assert consent_is_valid(facts, NOW) is valid


SEES = StaffVisibility(True, frozenset({SOCIAL}), "contact_person")
SEES_OWN_ONLY = StaffVisibility(True, NOTHING, "contact_person")
BLIND = StaffVisibility(False, frozenset({JOBCENTER, SOCIAL}), "not_involved")

ITEM_CASES = [
    pytest.param(SEES_OWN_ONLY, caseworker(CONTACT, JOBCENTER), JOBCENTER, True, id="own-department"),
    pytest.param(SEES_OWN_ONLY, caseworker(CONTACT, JOBCENTER), None, True, id="outside-participant"),
    pytest.param(SEES_OWN_ONLY, caseworker(CONTACT, JOBCENTER), SOCIAL, False, id="other-department-without-consent"),
    pytest.param(SEES, caseworker(CONTACT, JOBCENTER), SOCIAL, True, id="other-department-under-consent"),
    pytest.param(SEES, caseworker(CONTACT, JOBCENTER), FAMILY, False, id="department-not-in-the-consented-set"),
    pytest.param(SEES_OWN_ONLY, caseworker(CONTACT, None), SOCIAL, False, id="viewer-without-department"),
    pytest.param(SEES_OWN_ONLY, caseworker(CONTACT, None), None, True, id="viewer-without-department-sees-participants"),
    pytest.param(BLIND, caseworker(STRANGER, JOBCENTER), JOBCENTER, False, id="no-plan-no-own-department"),
    pytest.param(BLIND, caseworker(STRANGER, JOBCENTER), None, False, id="no-plan-no-participants"),
    pytest.param(BLIND, caseworker(STRANGER, JOBCENTER), SOCIAL, False, id="no-plan-no-consented-department"),
]


@pytest.mark.parametrize(("visibility", "viewer", "item_department", "visible"), ITEM_CASES)
def test_may_see_item(visibility: StaffVisibility, viewer: Viewer, item_department: int | None, visible: bool) -> None:
    assert may_see_item(visibility, viewer, item_department) is visible


@pytest.mark.parametrize(
    ("consents", "visible_efforts"),
    [
        pytest.param([], {1, 3}, id="without-consent-own-department-and-participants"),
        pytest.param([consent(department=JOBCENTER)], {1, 2, 3, 4, 5}, id="with-consent-everything"),
        pytest.param(
            [consent(department=JOBCENTER, withdrawn_at=NOW)],
            {1, 3},
            id="withdrawal-takes-effect-on-the-next-request",
        ),
    ],
)
def test_contact_person_sees_efforts(consents: list[ConsentFacts], visible_efforts: set[int]) -> None:
    viewer = caseworker(CONTACT, JOBCENTER)
    visibility = staff_visibility(viewer, PLAN, consents, NOW)
    seen = {e.effort_id for e in PLAN.efforts if may_see_item(visibility, viewer, e.department_id)}
    assert seen == visible_efforts


# --- a family plan with a child of 15 or older: whose consent opens whose part --------------------

MOTHER, TEEN, YOUNG = 1, 2, 3
FAMILY_PLAN = PlanFacts(
    plan_id=2,
    municipality_id=ISHOJ,
    contact_user_id=CONTACT,
    deputy_user_id=DEPUTY,
    efforts=(
        EffortOwnership(effort_id=11, department_id=SOCIAL, responsible_user_id=SOCIAL_WORKER, member_person_id=MOTHER),
        EffortOwnership(effort_id=12, department_id=SOCIAL, responsible_user_id=SOCIAL_WORKER, member_person_id=TEEN),
        EffortOwnership(effort_id=13, department_id=SOCIAL, responsible_user_id=SOCIAL_WORKER, member_person_id=YOUNG),
        EffortOwnership(effort_id=14, department_id=None, responsible_user_id=None, member_person_id=TEEN),  # the GP
        EffortOwnership(effort_id=15, department_id=JOBCENTER, responsible_user_id=CONTACT, member_person_id=TEEN),
    ),
    # The teen turns 15 in 2024 (NOW is May 2024); the young child is 9.
    members=(MemberFacts(MOTHER, 1985, False), MemberFacts(TEEN, 2009, True), MemberFacts(YOUNG, 2015, True)),
)


def part_consent(member: int | None, department: int | None = JOBCENTER, municipality: int | None = None) -> ConsentFacts:
    return ConsentFacts(department, municipality, TODAY - 30 * DAY, TODAY + 30 * DAY, None, member_person_id=member)


@pytest.mark.parametrize(
    ("consents", "seen"),
    [
        # Without a consent: her own department's efforts (the teen's too) and the GP's.
        pytest.param([], {14, 15}, id="no-consent"),
        # The mother's consent covers her part and the young child's, never the teen's.
        pytest.param([part_consent(None)], {11, 13, 14, 15}, id="the-whole-plan-skips-the-teen"),
        # The teen's own consent opens the teen's part only.
        pytest.param([part_consent(TEEN)], {12, 14, 15}, id="the-teen-opens-their-part"),
        pytest.param([part_consent(None), part_consent(TEEN)], {11, 12, 13, 14, 15}, id="both"),
        # A consent of the teen's to another department opens nothing for her.
        pytest.param([part_consent(TEEN, department=FAMILY)], {14, 15}, id="the-teen-named-someone-else"),
        # A withdrawn teen consent: their part closes again at once.
        pytest.param(
            [part_consent(None), ConsentFacts(JOBCENTER, None, TODAY - DAY, TODAY + DAY, NOW, member_person_id=TEEN)],
            {11, 13, 14, 15}, id="the-teen-withdrew",
        ),
    ],
)
def test_a_child_of_15_opens_their_own_part(consents: list[ConsentFacts], seen: set[int]) -> None:
    assert visible_effort_ids(caseworker(CONTACT, JOBCENTER), FAMILY_PLAN, consents, NOW) == seen


def test_a_year_earlier_the_mothers_consent_covered_the_child_of_14() -> None:
    a_year_ago = NOW.replace(year=2023)
    whole = [ConsentFacts(JOBCENTER, None, TODAY.replace(year=2023) - DAY, TODAY, None)]
    assert visible_effort_ids(caseworker(CONTACT, JOBCENTER), FAMILY_PLAN, whole, a_year_ago) == {11, 12, 13, 14, 15}


def test_the_teens_consent_opens_the_plan_to_another_municipality_and_only_their_part() -> None:
    varde = caseworker(VARDE_WORKER, VARDE_JOBCENTER, VARDE)
    plan = PlanFacts(
        plan_id=3, municipality_id=ISHOJ, contact_user_id=CONTACT, deputy_user_id=None,
        efforts=(*FAMILY_PLAN.efforts, EffortOwnership(16, VARDE_JOBCENTER, VARDE_WORKER, TEEN)),
        members=FAMILY_PLAN.members,
    )
    assert not staff_visibility(varde, plan, [], NOW).sees_plan
    visibility = staff_visibility(varde, plan, [part_consent(TEEN, municipality=VARDE, department=None)], NOW)
    assert visibility.sees_plan and visibility.department_ids == NOTHING
    seen = {e.effort_id for e in plan.efforts if may_see_item(visibility, varde, e.department_id, e.member_person_id)}
    assert seen == {12, 14, 15, 16}


def test_an_item_of_no_named_part_is_seen_only_where_every_part_is_open() -> None:
    viewer = caseworker(CONTACT, JOBCENTER)
    only_whole = staff_visibility(viewer, FAMILY_PLAN, [part_consent(None)], NOW)
    assert may_see_item(only_whole, viewer, SOCIAL, MOTHER)
    assert not may_see_item(only_whole, viewer, SOCIAL)  # might be the teen's: not shown
    both = staff_visibility(viewer, FAMILY_PLAN, [part_consent(None), part_consent(TEEN)], NOW)
    assert may_see_item(both, viewer, SOCIAL)


def test_the_access_log_names_the_whole_plans_consent_before_a_part_of_it() -> None:
    consents = [
        ConsentFacts(JOBCENTER, None, TODAY - DAY, TODAY + DAY, None, consent_id=7, member_person_id=TEEN),
        ConsentFacts(JOBCENTER, None, TODAY - DAY, TODAY + DAY, None, consent_id=8),
    ]
    assert staff_visibility(caseworker(CONTACT, JOBCENTER), FAMILY_PLAN, consents, NOW).consent_id == 8

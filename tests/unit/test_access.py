"""Danish dates in the access policy: "today", consent dates and the last day of a power of attorney.

Between 22:00/23:00 UTC and midnight the UTC date is one day behind the Danish one, so
each rule is tried at 22:30 and 23:30 UTC, in winter (UTC+1) and in summer (UTC+2).
"""

from __future__ import annotations

import datetime as dt

import pytest

from portal.access import (
    ANONYMOUS,
    DANISH_TIME,
    Access,
    Principal,
    ChangedItem,
    citizen_may_see_change,
    citizen_visible_member_ids,
    consent_part,
    consent_parts_seen,
    coordinates_plan,
    danish_today,
    delegation_in_force,
    keeps_own_part,
    may_choose_sharing,
    may_create_efforts,
    may_edit_effort,
    may_edit_goals,
    may_manage_consent,
    may_revoke_delegation,
    own_part_children,
    owns_passkey,
    RecordParts,
    plan_facts,
    record_parts,
    route_allows,
    staff_plan_visibility,
    viewer_of,
)
from portal.accounts.models import Department, PasskeyCredential, User
from portal.consent.models import Consent, Delegation
from portal.consent.rules import ConsentFacts, EffortOwnership, PlanFacts, StaffVisibility, Viewer, consent_is_valid, consents_for_own_part
from portal.plans.models import Effort, Plan
from portal.plans.snapshots import MemberFact

UTC = dt.timezone.utc

# (the instant in UTC, the Danish date at that instant)
INSTANTS = [
    pytest.param(dt.datetime(2026, 1, 15, 22, 30, tzinfo=UTC), dt.date(2026, 1, 15), id="winter-22:30Z-is-23:30"),
    pytest.param(dt.datetime(2026, 1, 15, 23, 30, tzinfo=UTC), dt.date(2026, 1, 16), id="winter-23:30Z-is-00:30"),
    pytest.param(dt.datetime(2026, 7, 15, 21, 30, tzinfo=UTC), dt.date(2026, 7, 15), id="summer-21:30Z-is-23:30"),
    pytest.param(dt.datetime(2026, 7, 15, 22, 30, tzinfo=UTC), dt.date(2026, 7, 16), id="summer-22:30Z-is-00:30"),
    pytest.param(dt.datetime(2026, 7, 15, 23, 30, tzinfo=UTC), dt.date(2026, 7, 16), id="summer-23:30Z-is-01:30"),
]
DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(("instant", "danish_date"), INSTANTS)
def test_today_is_the_danish_date(instant: dt.datetime, danish_date: dt.date) -> None:
    assert danish_today(instant) == danish_date


# --- powers of attorney ---------------------------------------------------------------------


def _delegation(expires_on: dt.date, **fields: object) -> Delegation:
    values: dict[str, object] = {
        "citizen_person_id": 1,
        "relative_person_id": 2,
        "invited_name": "Lene Nielsen",
        "scopes": ["read_plan"],
        "expires_on": expires_on,
        "created_at": dt.datetime(2025, 1, 1, tzinfo=UTC),
        "accepted_at": dt.datetime(2025, 1, 2, tzinfo=UTC),
    }
    values.update(fields)
    return Delegation(**values)


@pytest.mark.parametrize(
    ("expires_on", "today", "expected"),
    [
        (dt.date(2026, 3, 31), dt.date(2026, 3, 30), None),
        (dt.date(2026, 3, 31), dt.date(2026, 3, 31), None),  # its own last day still holds
        (dt.date(2026, 3, 31), dt.date(2026, 4, 1), "expired"),  # the day after does not
    ],
)
def test_a_power_holds_through_its_last_day(expires_on: dt.date, today: dt.date, expected: str | None) -> None:
    assert delegation_in_force(_delegation(expires_on), today) == expected


@pytest.mark.parametrize(("instant", "danish_date"), INSTANTS)
def test_a_power_ends_at_danish_midnight(instant: dt.datetime, danish_date: dt.date) -> None:
    today = danish_today(instant)
    assert delegation_in_force(_delegation(danish_date), today) is None
    assert delegation_in_force(_delegation(danish_date - DAY), today) == "expired"


def test_a_revoked_or_unaccepted_power_does_not_hold() -> None:
    today = dt.date(2026, 3, 1)
    assert delegation_in_force(_delegation(today, revoked_at=dt.datetime(2026, 2, 1, tzinfo=UTC)), today) == "revoked"
    assert delegation_in_force(_delegation(today, accepted_at=None), today) == "not_accepted"


# --- consents ---------------------------------------------------------------------------------


def _consent(valid_from: dt.date, valid_until: dt.date, withdrawn_at: dt.datetime | None = None) -> ConsentFacts:
    return ConsentFacts(
        recipient_department_id=10, recipient_municipality_id=None,
        valid_from=valid_from, valid_until=valid_until, withdrawn_at=withdrawn_at,
    )


@pytest.mark.parametrize(("instant", "danish_date"), INSTANTS)
def test_consent_dates_are_danish_dates(instant: dt.datetime, danish_date: dt.date) -> None:
    local = instant.astimezone(DANISH_TIME)
    assert consent_is_valid(_consent(danish_date - 30 * DAY, danish_date), local)  # last day
    assert not consent_is_valid(_consent(danish_date - 30 * DAY, danish_date - DAY), local)  # ended yesterday
    assert consent_is_valid(_consent(danish_date, danish_date + 30 * DAY), local)  # first day
    assert not consent_is_valid(_consent(danish_date + DAY, danish_date + 30 * DAY), local)  # starts tomorrow


def test_a_withdrawal_counts_from_its_instant() -> None:
    withdrawn = dt.datetime(2026, 1, 15, 23, 0, tzinfo=UTC)
    consent = _consent(dt.date(2026, 1, 1), dt.date(2026, 12, 31), withdrawn_at=withdrawn)
    assert consent_is_valid(consent, (withdrawn - dt.timedelta(minutes=30)).astimezone(DANISH_TIME))
    assert not consent_is_valid(consent, withdrawn.astimezone(DANISH_TIME))


# --- the staff plan visibility, as the plan page calls it (with a UTC "now") --------------------

OWN_DEPARTMENT, OTHER_DEPARTMENT, MUNICIPALITY = 10, 20, 1


def _caseworker() -> User:
    department = Department(id=OWN_DEPARTMENT, municipality_id=MUNICIPALITY, name="Socialcenter", kind="social_adult")
    return User(id=5, role="caseworker", display_name="Camilla", department_id=OWN_DEPARTMENT, department=department, municipality_id=MUNICIPALITY)


def _plan() -> Plan:
    plan = Plan(id=7, kind="citizen", municipality_id=MUNICIPALITY, contact_user_id=5, deputy_user_id=None)
    plan.efforts = [
        Effort(id=1, department_id=OWN_DEPARTMENT, responsible_user_id=5),
        Effort(id=2, department_id=OTHER_DEPARTMENT, responsible_user_id=6),
    ]
    return plan


@pytest.mark.parametrize(("instant", "danish_date"), INSTANTS)
@pytest.mark.parametrize(
    ("valid_from_offset", "valid_until_offset", "consented"),
    [
        (-30, 0, True),  # the consent's last day
        (-30, -1, False),  # it ended yesterday
        (0, 30, True),  # its first day
        (1, 30, False),  # it starts tomorrow
    ],
)
def test_staff_see_other_departments_by_the_danish_date(
    instant: dt.datetime, danish_date: dt.date, valid_from_offset: int, valid_until_offset: int, consented: bool
) -> None:
    consent = _consent(danish_date + valid_from_offset * DAY, danish_date + valid_until_offset * DAY)
    visibility = staff_plan_visibility(_caseworker(), _plan(), [consent], instant)
    assert visibility.sees_plan  # her own plan: she is the contact person
    assert (OTHER_DEPARTMENT in visibility.department_ids) is consented


# --- who the rules are asked about ------------------------------------------------------------


def test_the_viewer_is_the_caseworker_with_her_department_and_municipality() -> None:
    assert viewer_of(_caseworker()) == Viewer(
        user_id=5, role="caseworker", department_id=OWN_DEPARTMENT, municipality_id=MUNICIPALITY
    )


def test_a_viewer_without_a_municipality_of_her_own_takes_her_departments() -> None:
    user = _caseworker()
    user.municipality_id = None
    assert viewer_of(user).municipality_id == MUNICIPALITY
    # Her own municipality, when recorded, is the one that counts.
    user.municipality_id = 3
    assert viewer_of(user).municipality_id == 3


def test_a_viewer_with_neither_has_no_municipality() -> None:
    user = User(id=9, role="admin", display_name="Ole", department_id=None, department=None, municipality_id=None)
    assert viewer_of(user) == Viewer(user_id=9, role="admin", department_id=None, municipality_id=None)


def test_the_plan_facts_are_the_plans() -> None:
    plan = _plan()
    plan.deputy_user_id = 8
    assert plan_facts(plan) == PlanFacts(
        plan_id=7,
        municipality_id=MUNICIPALITY,
        contact_user_id=5,
        deputy_user_id=8,
        efforts=(
            EffortOwnership(effort_id=1, department_id=OWN_DEPARTMENT, responsible_user_id=5),
            EffortOwnership(effort_id=2, department_id=OTHER_DEPARTMENT, responsible_user_id=6),
        ),
    )


@pytest.mark.parametrize(
    ("principal", "scope", "expected"),
    [
        (Principal(), "read_plan", False),  # nobody
        (Principal(), None, False),
        (Principal(user=User(role="citizen")), "read_plan", True),  # a citizen holds every scope for her own plan
        (Principal(user=User(role="relative")), None, False),  # a relative with no power in force holds none
        (Principal(user=User(role="relative")), "read_plan", False),
        (Principal(user=User(role="relative"), delegation=_delegation(dt.date(2026, 1, 1))), "read_plan", True),
        (Principal(user=User(role="relative"), delegation=_delegation(dt.date(2026, 1, 1))), "write_messages", False),
        (Principal(user=User(role="relative"), delegation=_delegation(dt.date(2026, 1, 1))), None, True),
    ],
)
def test_scopes(principal: Principal, scope: str | None, expected: bool) -> None:
    assert principal.has_scope(scope) is expected


@pytest.mark.parametrize(("role", "expected"), [("evaluator", True), ("caseworker", False), ("admin", False), ("citizen", False)])
def test_the_evaluator_level_admits_evaluators_only(role: str, expected: bool) -> None:
    # No route is declared EVALUATOR yet; the level must still mean what it says when one is.
    principal = Principal(user=User(role=role, is_active=True))
    assert route_allows(Access.EVALUATOR, principal, demo_enabled=True) is expected
    assert route_allows(Access.STAFF, principal, demo_enabled=True) is (role == "caseworker")


def test_only_its_owner_may_touch_a_passkey() -> None:
    owner, other = User(id=1, role="citizen", person_id=10), User(id=2, role="citizen", person_id=20)
    passkey = PasskeyCredential(id=5, user_id=1)
    assert owns_passkey(Principal(user=owner), passkey)
    assert not owns_passkey(Principal(user=other), passkey)
    assert not owns_passkey(ANONYMOUS, passkey)
    # A power of attorney is withdrawn by the citizen who gave it, never by someone acting for them.
    delegation = Delegation(id=7, citizen_person_id=10, relative_person_id=30)
    assert may_revoke_delegation(Principal(user=owner), delegation)
    assert not may_revoke_delegation(Principal(user=other), delegation)
    relative = User(id=3, role="relative", person_id=30)
    assert not may_revoke_delegation(Principal(user=relative, delegation=delegation), delegation)
    assert not may_revoke_delegation(ANONYMOUS, delegation)


# --- a child of 15 or older: their own consents, and what the parent sees of their part ----------

PARENT, TEEN, SHARING_TEEN, YOUNG, OTHERS_CHILD, NEIGHBOUR = 1, 2, 3, 4, 5, 9
DECEMBER = dt.date(2026, 12, 3)
# Trine's family: a child of 15 who keeps their part, one of 15 who shares it, a child of 9, and
# a child in someone else's custody. Sharing is the default: only a child of 15 can turn it off.
FAMILY = (
    MemberFact(PARENT, None, 1985),
    MemberFact(TEEN, PARENT, 2011, shares_with_custody_holder=False),
    MemberFact(SHARING_TEEN, PARENT, 2011, shares_with_custody_holder=True),
    MemberFact(YOUNG, PARENT, 2017, shares_with_custody_holder=False),
    MemberFact(OTHERS_CHILD, 8, 2011, shares_with_custody_holder=True),
)


@pytest.mark.parametrize(
    ("birth_year", "today", "own"),
    [
        (2011, dt.date(2026, 1, 1), True),     # the year they turn 15, from its first day
        (2011, dt.date(2025, 12, 31), False),  # the year they turn 14
        (2012, dt.date(2026, 12, 31), False),
        (1990, dt.date(2026, 6, 1), True),
        (None, dt.date(2026, 6, 1), False),    # no birth year on record: the parent keeps their say
    ],
)
def test_a_child_consents_for_their_own_part_from_the_year_they_turn_15(
    birth_year: int | None, today: dt.date, own: bool
) -> None:
    assert consents_for_own_part(birth_year, today) is own
    assert keeps_own_part(MemberFact(TEEN, PARENT, birth_year), today) is own
    # An adult member is never "a child keeping their part", whatever their age.
    assert keeps_own_part(MemberFact(PARENT, None, birth_year), today) is False


@pytest.mark.parametrize(
    ("person_id", "today", "seen"),
    [
        # The parent: their own part, the sharing child's, the young child's (a 9-year-old's choice
        # counts for nothing), never the part kept from them nor another custody holder's child.
        (PARENT, DECEMBER, {PARENT, SHARING_TEEN, YOUNG}),
        # The year before, the teens were 14: the parent saw both.
        (PARENT, dt.date(2025, 12, 31), {PARENT, TEEN, SHARING_TEEN, YOUNG}),
        # Each child sees their own part only.
        (TEEN, DECEMBER, {TEEN}),
        (SHARING_TEEN, DECEMBER, {SHARING_TEEN}),
        (YOUNG, DECEMBER, {YOUNG}),
        (NEIGHBOUR, DECEMBER, {NEIGHBOUR}),
    ],
)
def test_whose_parts_a_citizen_sees(person_id: int, today: dt.date, seen: set[int]) -> None:
    assert citizen_visible_member_ids(FAMILY, person_id, today) == seen


PARENT_SEES = citizen_visible_member_ids(FAMILY, PARENT, DECEMBER)
EVERY_PART = frozenset(m.person_id for m in FAMILY)


@pytest.mark.parametrize(
    ("item", "shown", "seen"),
    [
        # A member's item (effort, goal, assessment, about me, the member joining): where its part is shown.
        *[(ChangedItem(kind, PARENT), PARENT_SEES, True) for kind in ("effort", "goal", "assessment", "about_me", "member")],
        *[(ChangedItem(kind, SHARING_TEEN), PARENT_SEES, True) for kind in ("assessment", "about_me")],
        # ... and hidden from the parent where a child of 15+ keeps their part, or the child is another's.
        *[(ChangedItem(kind, TEEN), PARENT_SEES, False) for kind in ("effort", "goal", "assessment", "about_me", "member")],
        (ChangedItem("assessment", OTHERS_CHILD), PARENT_SEES, False),
        (ChangedItem("assessment", None), PARENT_SEES, False),   # whose it is unknown: hidden
        # The child sees their own part, not the parent's.
        (ChangedItem("about_me", TEEN), frozenset({TEEN}), True),
        (ChangedItem("assessment", PARENT), frozenset({TEEN}), False),
        # The whole plan's items: meetings and the contact person, for everyone on the citizen side.
        (ChangedItem("meeting"), PARENT_SEES, True),
        (ChangedItem("plan"), frozenset({TEEN}), True),
        # An outside participant: where every part is shown, or where they help with a part shown.
        (ChangedItem("participant"), EVERY_PART, True),
        (ChangedItem("participant", helps=frozenset({TEEN})), PARENT_SEES, False),
        (ChangedItem("participant", helps=frozenset({TEEN, YOUNG})), PARENT_SEES, True),
        (ChangedItem("participant"), PARENT_SEES, False),
        # A kind the policy does not know is never shown.
        (ChangedItem("consent", PARENT), PARENT_SEES, False),
    ],
)
def test_which_changes_the_citizen_side_sees(item: ChangedItem, shown: frozenset[int], seen: bool) -> None:
    assert citizen_may_see_change(item, shown, EVERY_PART) is seen


@pytest.mark.parametrize(
    ("person_id", "part", "named", "children"),
    [
        (PARENT, None, {None, SHARING_TEEN, YOUNG}, (TEEN, SHARING_TEEN)),
        (TEEN, TEEN, {TEEN}, ()),
        (SHARING_TEEN, SHARING_TEEN, {SHARING_TEEN}, ()),
        (OTHERS_CHILD, OTHERS_CHILD, {OTHERS_CHILD}, ()),
        # A child under 15 gives no consents: the views refuse them; the parent's are the plan's.
        (YOUNG, None, {None}, ()),
    ],
)
def test_whose_consents_the_citizen_side_manages_and_sees_named(
    person_id: int, part: int | None, named: set[int | None], children: tuple[int, ...]
) -> None:
    assert consent_part(FAMILY, person_id, DECEMBER) == part
    assert consent_parts_seen(FAMILY, person_id, DECEMBER) == named
    assert own_part_children(FAMILY, person_id, DECEMBER) == children


def _citizen_of(person_id: int) -> Principal:
    return Principal(user=User(id=person_id * 10, role="citizen", person_id=person_id))


@pytest.mark.parametrize(
    ("principal", "consent_part_of", "part", "may"),
    [
        (_citizen_of(PARENT), None, None, True),       # the parent, the whole plan's consent
        (_citizen_of(PARENT), TEEN, None, False),      # never the consent the child gave for their part
        (_citizen_of(TEEN), TEEN, TEEN, True),         # the child, their own consent
        (_citizen_of(TEEN), None, TEEN, False),        # never the parent's
        (_citizen_of(TEEN), SHARING_TEEN, TEEN, False),  # nor a sibling's
    ],
)
def test_who_manages_which_consent(principal: Principal, consent_part_of: int | None, part: int | None, may: bool) -> None:
    consent = Consent(plan_id=7, member_person_id=consent_part_of)
    assert may_manage_consent(principal, consent, 7, part) is may
    assert may_manage_consent(principal, consent, 8, part) is False  # another plan's, whoever gave it


@pytest.mark.parametrize(
    ("principal", "may"),
    [
        (_citizen_of(TEEN), True),
        (_citizen_of(SHARING_TEEN), True),
        (_citizen_of(PARENT), False),       # the parent does not choose for the child
        (_citizen_of(YOUNG), False),        # under 15: nothing to choose
        (Principal(user=User(id=50, role="relative", person_id=60),
                   delegation=Delegation(citizen_person_id=TEEN, relative_person_id=60, scopes=["manage_consents"])), False),
        (Principal(user=User(id=70, role="caseworker", person_id=None)), False),
        (ANONYMOUS, False),
    ],
)
def test_only_the_child_of_15_chooses_whether_the_parent_sees_their_part(principal: Principal, may: bool) -> None:
    assert may_choose_sharing(principal, FAMILY, DECEMBER) is may


# --- who may change which item (portal/access.py: may_edit_goals, may_edit_effort, may_create_efforts) ---


SOCIAL, JOB, HEALTH = 10, 20, 30
_PLAN = PlanFacts(plan_id=1, municipality_id=1, contact_user_id=100, deputy_user_id=101, efforts=())
_SEES_ALL = StaffVisibility(True, frozenset({SOCIAL, JOB, HEALTH}), "contact_person", consent_id=7)
_SEES_OWN = StaffVisibility(True, frozenset(), "effort_responsible")
_SEES_NOTHING = StaffVisibility(False, frozenset(), "not_involved")


def _viewer(user_id: int, department_id: int | None = SOCIAL, role: str = "caseworker") -> Viewer:
    return Viewer(user_id=user_id, role=role, department_id=department_id, municipality_id=1)


CONTACT, DEPUTY, COLLEAGUE, OUTSIDER = _viewer(100), _viewer(101, JOB), _viewer(102), _viewer(103, HEALTH)

# (viewer, visibility, the effort's department, may change it)
EFFORT_CASES = [
    pytest.param(CONTACT, _SEES_ALL, SOCIAL, True, id="contact-own-department"),
    pytest.param(CONTACT, _SEES_ALL, JOB, True, id="contact-other-department-with-consent"),
    pytest.param(CONTACT, _SEES_OWN, JOB, False, id="contact-other-department-without-consent-stays-hidden"),
    pytest.param(CONTACT, _SEES_OWN, None, True, id="contact-outside-participant"),
    pytest.param(DEPUTY, _SEES_ALL, SOCIAL, True, id="deputy-as-the-contact-person"),
    pytest.param(DEPUTY, _SEES_OWN, SOCIAL, False, id="deputy-not-what-they-may-not-see"),
    pytest.param(COLLEAGUE, _SEES_ALL, SOCIAL, True, id="colleague-own-department"),
    pytest.param(COLLEAGUE, _SEES_ALL, JOB, False, id="colleague-other-department-seen-not-changed"),
    pytest.param(COLLEAGUE, _SEES_ALL, None, False, id="colleague-outside-participant"),
    pytest.param(_viewer(104, None), _SEES_ALL, None, False, id="no-department-nothing"),
    pytest.param(OUTSIDER, _SEES_NOTHING, HEALTH, False, id="plan-not-seen"),
    pytest.param(_viewer(100, SOCIAL, "admin"), _SEES_ALL, SOCIAL, False, id="not-a-caseworker"),
]


@pytest.mark.parametrize(("viewer", "visibility", "department_id", "expected"), EFFORT_CASES)
def test_who_may_change_an_effort(viewer: Viewer, visibility: StaffVisibility, department_id: int | None, expected: bool) -> None:
    assert may_edit_effort(viewer, _PLAN, visibility, department_id) is expected


@pytest.mark.parametrize(
    ("viewer", "visibility", "expected"),
    [
        pytest.param(CONTACT, _SEES_OWN, True, id="contact"),
        pytest.param(DEPUTY, _SEES_OWN, True, id="deputy"),
        pytest.param(COLLEAGUE, _SEES_ALL, False, id="colleague-reads-goals-only"),
        pytest.param(CONTACT, _SEES_NOTHING, False, id="plan-not-seen"),
        pytest.param(_viewer(100, SOCIAL, "evaluator"), _SEES_ALL, False, id="not-a-caseworker"),
    ],
)
def test_who_may_change_goals(viewer: Viewer, visibility: StaffVisibility, expected: bool) -> None:
    assert may_edit_goals(viewer, _PLAN, visibility) is expected


@pytest.mark.parametrize(
    ("viewer", "visibility", "expected"),
    [
        pytest.param(CONTACT, _SEES_OWN, True, id="contact"),
        pytest.param(COLLEAGUE, _SEES_OWN, True, id="colleague-for-own-department"),
        pytest.param(_viewer(104, None), _SEES_OWN, False, id="no-department-no-coordinator"),
        pytest.param(COLLEAGUE, _SEES_NOTHING, False, id="plan-not-seen"),
    ],
)
def test_who_may_create_efforts(viewer: Viewer, visibility: StaffVisibility, expected: bool) -> None:
    assert may_create_efforts(viewer, _PLAN, visibility) is expected


def test_the_coordinators_are_the_contact_person_and_the_deputy() -> None:
    assert [coordinates_plan(v, _PLAN) for v in (CONTACT, DEPUTY, COLLEAGUE)] == [True, True, False]
    assert not coordinates_plan(_viewer(100), PlanFacts(1, 1, None, None, ()))


# --- setting up and keeping a plan (portal/access.py): tables of viewer x plan -> allowed ----------

from portal.access import (  # noqa: E402
    is_plan_keeper,
    may_add_meeting,
    may_add_participant,
    may_create_plan,
    may_edit_assessment,
    may_edit_meeting,
    may_edit_participant,
    may_manage_plan,
    may_see_assessment,
)
from portal.consent.rules import StaffVisibility  # noqa: E402

SETUP_CONTACT, SETUP_DEPUTY, OTHER_WORKER, STRANGER = 1, 2, 3, 4
OWN_DEPT, OTHER_DEPT = 10, 20
HOME, AWAY = 100, 200
KEPT = PlanFacts(plan_id=1, municipality_id=HOME, contact_user_id=SETUP_CONTACT, deputy_user_id=SETUP_DEPUTY, efforts=())
SEES = StaffVisibility(True, frozenset(), "effort_responsible")
SEES_WITH_CONSENT = StaffVisibility(True, frozenset({OTHER_DEPT}), "effort_responsible", consent_id=7)
BLIND = StaffVisibility(False, frozenset(), "not_involved")


def _setup_viewer(user_id: int, role: str = "caseworker", department: int | None = OWN_DEPT, municipality: int | None = HOME) -> Viewer:
    return Viewer(user_id=user_id, role=role, department_id=department, municipality_id=municipality)


@pytest.mark.parametrize(("viewer", "citizen_municipality", "expected"), [
    pytest.param(_setup_viewer(STRANGER), HOME, True, id="caseworker-of-the-citizens-municipality"),
    pytest.param(_setup_viewer(STRANGER, municipality=AWAY), HOME, False, id="caseworker-of-another-municipality"),
    pytest.param(_setup_viewer(STRANGER, municipality=None), HOME, False, id="caseworker-without-municipality"),
    pytest.param(_setup_viewer(STRANGER), None, False, id="citizen-without-municipality"),
    pytest.param(_setup_viewer(STRANGER, role="admin", department=None), HOME, False, id="admin"),
    pytest.param(_setup_viewer(STRANGER, role="evaluator", department=None), HOME, False, id="evaluator"),
    pytest.param(_setup_viewer(STRANGER, role="citizen", department=None), HOME, False, id="citizen"),
])
def test_who_may_make_a_plan(viewer: Viewer, citizen_municipality: int | None, expected: bool) -> None:
    assert may_create_plan(viewer, citizen_municipality) is expected


@pytest.mark.parametrize(("viewer", "visibility", "expected"), [
    pytest.param(_setup_viewer(SETUP_CONTACT), SEES, True, id="contact-person"),
    pytest.param(_setup_viewer(SETUP_DEPUTY), SEES, True, id="deputy"),
    pytest.param(_setup_viewer(OTHER_WORKER), SEES, False, id="effort-responsible"),
    pytest.param(_setup_viewer(SETUP_CONTACT), BLIND, False, id="contact-person-who-may-not-open-it"),
    pytest.param(_setup_viewer(SETUP_CONTACT, role="admin"), SEES, False, id="admin-with-the-contacts-id"),
])
def test_who_may_change_members_contact_and_deputy(viewer: Viewer, visibility: StaffVisibility, expected: bool) -> None:
    assert may_manage_plan(viewer, KEPT, visibility) is expected
    assert is_plan_keeper(viewer, KEPT) is (viewer.role == "caseworker" and viewer.user_id in (SETUP_CONTACT, SETUP_DEPUTY))


def test_a_plan_without_a_deputy_has_no_keeper_called_none() -> None:
    facts = PlanFacts(plan_id=1, municipality_id=HOME, contact_user_id=None, deputy_user_id=None, efforts=())
    assert not is_plan_keeper(_setup_viewer(SETUP_CONTACT), facts)


@pytest.mark.parametrize(("viewer", "visibility", "with_user", "expected"), [
    pytest.param(_setup_viewer(OTHER_WORKER), SEES, OTHER_WORKER, True, id="the-meetings-own-caseworker"),
    pytest.param(_setup_viewer(SETUP_CONTACT), SEES, OTHER_WORKER, True, id="contact-person"),
    pytest.param(_setup_viewer(SETUP_DEPUTY), SEES, OTHER_WORKER, True, id="deputy"),
    pytest.param(_setup_viewer(OTHER_WORKER), SEES, SETUP_CONTACT, False, id="someone-elses-meeting"),
    pytest.param(_setup_viewer(OTHER_WORKER), BLIND, OTHER_WORKER, False, id="own-meeting-on-a-plan-they-may-not-open"),
])
def test_who_may_change_a_meeting(viewer: Viewer, visibility: StaffVisibility, with_user: int, expected: bool) -> None:
    assert may_edit_meeting(viewer, KEPT, visibility, with_user) is expected


@pytest.mark.parametrize(("viewer", "visibility", "adds", "edits"), [
    pytest.param(_setup_viewer(OTHER_WORKER), SEES, True, False, id="anyone-on-the-plan-adds"),
    pytest.param(_setup_viewer(SETUP_CONTACT), SEES, True, True, id="contact-person-changes"),
    pytest.param(_setup_viewer(SETUP_DEPUTY), SEES, True, True, id="deputy-changes"),
    pytest.param(_setup_viewer(SETUP_CONTACT), BLIND, False, False, id="not-on-the-plan"),
    pytest.param(_setup_viewer(STRANGER, role="admin"), SEES, False, False, id="admin"),
])
def test_who_may_add_a_meeting_or_participant_and_change_a_participant(
    viewer: Viewer, visibility: StaffVisibility, adds: bool, edits: bool,
) -> None:
    assert may_add_meeting(viewer, visibility) is adds
    assert may_add_participant(viewer, visibility) is adds
    assert may_edit_participant(viewer, KEPT, visibility) is edits


@pytest.mark.parametrize(("viewer", "visibility", "department", "sees", "edits"), [
    pytest.param(_setup_viewer(OTHER_WORKER), SEES, OWN_DEPT, True, True, id="own-department"),
    pytest.param(_setup_viewer(OTHER_WORKER), SEES, OTHER_DEPT, False, False, id="other-department-without-consent"),
    pytest.param(_setup_viewer(OTHER_WORKER), SEES_WITH_CONSENT, OTHER_DEPT, True, False, id="other-department-under-consent"),
    pytest.param(_setup_viewer(SETUP_CONTACT), SEES_WITH_CONSENT, OTHER_DEPT, True, False, id="contact-person-cannot-change-others"),
    pytest.param(_setup_viewer(OTHER_WORKER), BLIND, OWN_DEPT, False, False, id="plan-they-may-not-open"),
    pytest.param(_setup_viewer(OTHER_WORKER, department=None), SEES, OWN_DEPT, False, False, id="no-department"),
    pytest.param(_setup_viewer(OTHER_WORKER, role="evaluator"), SEES, OWN_DEPT, False, False, id="evaluator"),
])
def test_who_may_see_and_change_a_shared_assessment(
    viewer: Viewer, visibility: StaffVisibility, department: int, sees: bool, edits: bool,
) -> None:
    assert may_see_assessment(viewer, visibility, department) is sees
    assert may_edit_assessment(viewer, visibility, department) is edits


# --- the plan's message thread -------------------------------------------------------------------

from portal.access import may_be_brought_into_thread, staff_may_use_thread, thread_role  # noqa: E402

# Plan 1 of municipality 10: contact 1, deputy 2; efforts by 3 (dept 30), 4 (dept 40, municipality 20).
THREAD_PLAN = PlanFacts(
    plan_id=1, municipality_id=10, contact_user_id=1, deputy_user_id=2,
    efforts=(EffortOwnership(100, 30, 3), EffortOwnership(101, 40, 4), EffortOwnership(102, 30, None)),
)
NOON = dt.datetime(2026, 12, 3, 11, 0, tzinfo=UTC)


def _staff(user_id: int, municipality_id: int = 10, role: str = "caseworker", active: bool = True) -> User:
    return User(id=user_id, role=role, department_id=user_id * 10, municipality_id=municipality_id, is_active=active,
                display_name=f"User {user_id}")


@pytest.mark.parametrize(
    ("user_id", "brought_in", "expected"),
    [
        (1, (), "contact"), (2, (), "deputy"), (3, (), None), (3, (3,), "brought_in"), (5, (), None),
        (1, (1,), "contact"),
    ],
)
def test_thread_roles(user_id: int, brought_in: tuple[int, ...], expected: str | None) -> None:
    assert thread_role(user_id, THREAD_PLAN, brought_in) == expected


@pytest.mark.parametrize(
    ("user", "brought_in", "consents", "expected"),
    [
        pytest.param(_staff(1), (), [], True, id="contact"),
        pytest.param(_staff(2), (), [], True, id="deputy"),
        pytest.param(_staff(3), (), [], False, id="effort-only-not-brought-in"),
        pytest.param(_staff(3), (3,), [], True, id="brought-in-with-an-effort"),
        pytest.param(_staff(5), (5,), [], False, id="brought-in-but-no-longer-on-the-plan"),
        pytest.param(_staff(4, municipality_id=20), (4,), [], False, id="other-municipality-without-consent"),
        pytest.param(_staff(4, municipality_id=20), (4,),
                     [ConsentFacts(None, 20, dt.date(2026, 1, 1), dt.date(2026, 12, 31), None)], True,
                     id="other-municipality-with-consent"),
        pytest.param(_staff(4, municipality_id=20), (4,),
                     [ConsentFacts(None, 20, dt.date(2026, 1, 1), dt.date(2026, 12, 31), NOON - DAY)], False,
                     id="other-municipality-consent-withdrawn"),
        pytest.param(_staff(1, role="admin"), (), [], False, id="admin-named-contact"),
    ],
)
def test_who_uses_the_thread(user: User, brought_in: tuple[int, ...], consents: list[ConsentFacts], expected: bool) -> None:
    assert staff_may_use_thread(user, THREAD_PLAN, brought_in, consents, NOON) is expected


@pytest.mark.parametrize(
    ("by", "candidate", "brought_in", "expected"),
    [
        pytest.param(_staff(1), _staff(3), (), True, id="contact-brings-in-effort-responsible"),
        pytest.param(_staff(2), _staff(3), (), False, id="deputy-may-not"),
        pytest.param(_staff(3), _staff(3), (3,), False, id="brought-in-may-not-bring-in"),
        pytest.param(_staff(1), _staff(3), (3,), False, id="already-in"),
        pytest.param(_staff(1), _staff(2), (), False, id="deputy-is-in-already"),
        pytest.param(_staff(1), _staff(5), (), False, id="not-on-the-plan"),
        pytest.param(_staff(1), _staff(3, active=False), (), False, id="inactive"),
        pytest.param(_staff(1), _staff(3, role="admin"), (), False, id="not-a-caseworker"),
        pytest.param(_staff(1), _staff(4, municipality_id=20), (), False, id="other-municipality-without-consent"),
    ],
)
def test_who_may_be_brought_in(by: User, candidate: User, brought_in: tuple[int, ...], expected: bool) -> None:
    assert may_be_brought_into_thread(by, candidate, THREAD_PLAN, brought_in, [], NOON) is expected


def _relative(*scopes: str) -> Principal:
    power = Delegation(id=9, citizen_person_id=10, relative_person_id=30, scopes=list(scopes))
    return Principal(user=User(id=3, role="relative", person_id=30), delegation=power)


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        # The citizen sees every part of their record and writes their own story.
        pytest.param(Principal(user=User(id=1, role="citizen", person_id=10)), RecordParts(True, True, True), id="citizen"),
        # A relative reads the plan, and the consents only with the scope that manages them; never the
        # powers of attorney (theirs and others'), and never writes the story in the citizen's name.
        pytest.param(_relative("read_plan"), RecordParts(False, False, False), id="relative-read-plan"),
        pytest.param(_relative("read_plan", "manage_consents"), RecordParts(True, False, False), id="relative-consents"),
        pytest.param(_relative("read_plan", "confirm_goals"), RecordParts(False, False, False), id="relative-confirm-goals"),
        # Without a citizen to look at, nothing.
        pytest.param(Principal(user=User(id=3, role="relative", person_id=30)), RecordParts(False, False, False), id="relative-no-power"),
        pytest.param(Principal(user=User(id=4, role="caseworker")), RecordParts(False, False, False), id="caseworker"),
        pytest.param(ANONYMOUS, RecordParts(False, False, False), id="anonymous"),
    ],
)
def test_the_parts_of_the_record_each_viewer_sees(principal: Principal, expected: RecordParts) -> None:
    assert record_parts(principal) == expected

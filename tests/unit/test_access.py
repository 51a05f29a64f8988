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
    danish_today,
    delegation_in_force,
    may_revoke_delegation,
    owns_passkey,
    RecordParts,
    plan_facts,
    record_parts,
    route_allows,
    staff_plan_visibility,
    viewer_of,
)
from portal.accounts.models import Department, PasskeyCredential, User
from portal.consent.models import Delegation
from portal.consent.rules import ConsentFacts, EffortOwnership, PlanFacts, Viewer, consent_is_valid
from portal.plans.models import Effort, Plan

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

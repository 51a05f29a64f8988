"""What withdrawing one consent hides, and who may manage a consent: pure rules."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.access import Principal, may_manage_consent
from portal.accounts.models import User
from portal.consent.models import Consent, Delegation
from portal.consent.rules import ConsentFacts, EffortOwnership, PlanFacts, Viewer, hidden_by_withdrawal, visible_effort_ids

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
DAY = dt.timedelta(days=1)

ISHOJ, VARDE = 1, 2
JOB, SOCIAL, FAMILY, VARDE_FAMILY = 10, 11, 12, 20
CONTACT, MENTOR, FAMILY_WORKER, VARDE_WORKER = 100, 101, 102, 103

PLAN = PlanFacts(
    plan_id=1, municipality_id=ISHOJ, contact_user_id=CONTACT, deputy_user_id=None,
    efforts=(
        EffortOwnership(1, SOCIAL, CONTACT),
        EffortOwnership(2, JOB, MENTOR),
        EffortOwnership(3, FAMILY, FAMILY_WORKER),
        EffortOwnership(4, None, None),  # the GP: the whole plan's
        EffortOwnership(5, VARDE_FAMILY, VARDE_WORKER),
    ),
)
CONTACT_VIEWER = Viewer(CONTACT, "caseworker", SOCIAL, ISHOJ)
MENTOR_VIEWER = Viewer(MENTOR, "caseworker", JOB, ISHOJ)
FAMILY_VIEWER = Viewer(FAMILY_WORKER, "caseworker", FAMILY, ISHOJ)
VARDE_VIEWER = Viewer(VARDE_WORKER, "caseworker", VARDE_FAMILY, VARDE)
VIEWERS = (CONTACT_VIEWER, MENTOR_VIEWER, FAMILY_VIEWER, VARDE_VIEWER)


def consent(consent_id: int, department: int | None = None, municipality: int | None = None, **dates: object) -> ConsentFacts:
    return ConsentFacts(
        department, municipality, dates.get("valid_from", TODAY - 30 * DAY),  # type: ignore[arg-type]
        dates.get("valid_until", TODAY + 30 * DAY), dates.get("withdrawn_at"), consent_id,  # type: ignore[arg-type]
    )


CONSENTS = (consent(1, department=JOB), consent(2, department=SOCIAL), consent(3, municipality=VARDE))


def test_a_consent_to_a_department_opens_the_other_departments_efforts() -> None:
    assert visible_effort_ids(MENTOR_VIEWER, PLAN, CONSENTS, NOW) == {1, 2, 3, 4, 5}
    assert visible_effort_ids(MENTOR_VIEWER, PLAN, (), NOW) == {2, 4}


def test_withdrawing_a_department_consent_hides_the_other_departments_from_that_department_only() -> None:
    assert hidden_by_withdrawal(VIEWERS, PLAN, CONSENTS, 1, NOW) == {MENTOR: frozenset({1, 3, 5})}


def test_withdrawing_a_municipality_consent_closes_the_plan_to_that_municipality() -> None:
    # Varde is outside the plan's municipality: without consent the worker sees nothing at all.
    assert hidden_by_withdrawal(VIEWERS, PLAN, CONSENTS, 3, NOW) == {VARDE_WORKER: frozenset({1, 2, 3, 4, 5})}


def test_nothing_is_hidden_when_another_consent_still_covers_the_viewer() -> None:
    both = (*CONSENTS, consent(4, department=JOB))
    assert hidden_by_withdrawal(VIEWERS, PLAN, both, 1, NOW) == {}


@pytest.mark.parametrize(
    "ended",
    [
        consent(1, department=JOB, withdrawn_at=NOW - DAY),
        consent(1, department=JOB, valid_until=TODAY - DAY),
        consent(1, department=JOB, valid_from=TODAY + DAY),
    ],
    ids=["withdrawn", "expired", "not-yet"],
)
def test_a_consent_not_in_force_hides_nothing_more(ended: ConsentFacts) -> None:
    assert hidden_by_withdrawal(VIEWERS, PLAN, (ended, *CONSENTS[1:]), 1, NOW) == {}


def test_staff_without_plan_access_lose_nothing() -> None:
    admin = Viewer(999, "admin", JOB, ISHOJ)
    assert hidden_by_withdrawal((admin,), PLAN, CONSENTS, 1, NOW) == {}


def _delegation(scopes: list[str]) -> Delegation:
    return Delegation(citizen_person_id=1, relative_person_id=2, scopes=scopes, expires_on=TODAY + DAY, accepted_at=NOW)


@pytest.mark.parametrize(
    ("principal", "plan_id", "expected"),
    [
        (Principal(user=User(role="citizen", person_id=1)), 7, True),
        (Principal(user=User(role="citizen", person_id=1)), 8, False),  # another plan's consent
        (Principal(user=User(role="citizen", person_id=1)), None, False),  # the citizen has no plan
        (Principal(user=User(role="relative", person_id=2), delegation=_delegation(["manage_consents"])), 7, True),
        (Principal(user=User(role="relative", person_id=2), delegation=_delegation(["read_plan", "write_messages"])), 7, False),
        (Principal(user=User(role="relative", person_id=2)), 7, False),  # no power in force
        (Principal(user=User(role="caseworker", person_id=3)), 7, False),
        (Principal(), 7, False),
    ],
)
def test_who_may_manage_a_consent(principal: Principal, plan_id: int | None, expected: bool) -> None:
    assert may_manage_consent(principal, Consent(plan_id=7), plan_id) is expected

"""The route-level half of the access policy, level by level and role by role (also levels no route uses yet)."""

from __future__ import annotations

import pytest

from portal.access import ANONYMOUS, Access, Principal, route_allows
from portal.accounts.models import User

ROLES = ("citizen", "relative", "caseworker", "admin", "evaluator")
# access level -> the roles it lets in (a relative without a power in force is left out of CITIZEN_SIDE)
ALLOWED = {
    Access.AUTHENTICATED: set(ROLES),
    Access.CITIZEN: {"citizen"},
    Access.CITIZEN_SIDE: {"citizen"},
    Access.RELATIVE: {"relative"},
    Access.STAFF: {"caseworker"},
    Access.ADMIN: {"admin"},
    Access.EVALUATOR: {"evaluator"},
}


def _principal(role: str, active: bool = True) -> Principal:
    return Principal(user=User(id=1, role=role, display_name=role, is_active=active, person_id=7))


@pytest.mark.parametrize("access", list(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_each_level_lets_in_exactly_its_roles(access: Access, role: str) -> None:
    assert route_allows(access, _principal(role), demo_enabled=False) is (role in ALLOWED[access])


@pytest.mark.parametrize("access", list(ALLOWED))
def test_nobody_anonymous_or_deactivated_gets_past_a_closed_level(access: Access) -> None:
    assert route_allows(access, ANONYMOUS, demo_enabled=True) is False
    for role in ROLES:
        assert route_allows(access, _principal(role, active=False), demo_enabled=True) is False


@pytest.mark.parametrize("principal", [ANONYMOUS, _principal("caseworker")])
def test_public_is_open_and_demo_only_while_the_demo_runs(principal: Principal) -> None:
    assert route_allows(Access.PUBLIC, principal, demo_enabled=False) is True
    assert route_allows(Access.DEMO, principal, demo_enabled=True) is True
    assert route_allows(Access.DEMO, principal, demo_enabled=False) is False


def test_every_level_is_decided() -> None:
    # A new level without a rule must fail loudly, never fall through to "allowed".
    for access in Access:
        route_allows(access, _principal("citizen"), demo_enabled=False)

"""Every act a relative can do for a citizen has words of its own in the citizen's log."""

from __future__ import annotations

from starlette.routing import Route

from portal.access import Access
from portal.app import create_app
from portal.db import Database
from portal.labels import label, vocabulary
from portal.web import on_behalf_action

from tests.conftest import make_settings


def _citizen_side_route_names() -> set[str]:
    app = create_app(make_settings(), database=Database.from_url("sqlite://"))
    return {
        route.name for route in app.routes
        if isinstance(route, Route) and getattr(route, "access", None) is Access.CITIZEN_SIDE
    }


def test_every_citizen_side_route_has_a_log_label() -> None:
    names = _citizen_side_route_names()
    # The test must see the routes it is about, or it proves nothing.
    assert {"my_plan", "my_week", "goal", "consents", "withdraw_consent"} <= names
    missing = sorted(name for name in names if on_behalf_action(name) not in vocabulary("log_action"))
    assert not missing, f'give these routes a "log_action" label in portal/labels.py: {missing}'


def test_the_plan_page_reads_as_a_read_of_the_plan_and_the_rest_by_name() -> None:
    assert on_behalf_action("my_plan") == "view_plan"
    assert on_behalf_action("withdraw_consent") == "withdraw_consent"
    assert label("log_action", "withdraw_consent") != label("log_action", "other")

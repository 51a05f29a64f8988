"""A plan page open in two browsers (two Chromium contexts): the caseworker's and the citizen's.
The citizen answers a goal on another tab; both open pages show the answer without a reload,
announced in their role="status" line, and stay accessible after the swap, at 360 px and desktop."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.plans.models import Goal

from tests.browser.conftest import LiveServer
from tests.browser.test_pages_in_browser import annette, assert_accessible, contact_of, enter_as

pytestmark = pytest.mark.browser

MORNINGS = "Jeg vil have ro om morgenen"  # answered by the goal page's own browser test: not this one


def _goal_id(server: LiveServer, plan_id: int) -> int:
    with server.database.session() as db:
        return int(db.scalars(
            select(Goal.id).where(Goal.plan_id == plan_id, Goal.show_on_front.is_(True), Goal.status != "dropped",
                                  Goal.citizen_wording != MORNINGS, Goal.member_person_id == select(Goal.member_person_id)
                                  .where(Goal.plan_id == plan_id).order_by(Goal.id).limit(1).scalar_subquery())
            .order_by(Goal.id)
        ).first())


def test_a_change_shows_on_the_open_pages_of_caseworker_and_citizen(browser, viewport, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    citizen, plan = annette(live_server)
    caseworker = contact_of(live_server, plan)
    goal_id = _goal_id(live_server, plan.id)
    comment = f"Jeg vil hellere starte kl. 10 ({viewport['width']} px)."
    staff_context = browser.new_context(viewport=viewport, locale="da-DK")
    citizen_context = browser.new_context(viewport=viewport, locale="da-DK")
    try:
        staff = staff_context.new_page()
        enter_as(staff, live_server, caseworker)
        staff.goto(f"{live_server.url}/sag/plan/{plan.id}")
        citizen_page = citizen_context.new_page()
        enter_as(citizen_page, live_server, citizen)
        citizen_page.goto(f"{live_server.url}/min-plan")
        assert comment not in staff.locator("#plan-items").inner_text()
        for open_page in (staff, citizen_page):
            assert open_page.locator("#plan-live-status[role=status]").inner_text() == ""

        # The citizen answers the goal on another tab: an ordinary form POST.
        answer_tab = citizen_context.new_page()
        answer_tab.goto(f"{live_server.url}/min-plan/maal/{goal_id}")
        answer_tab.locator("#answer-2").check()
        answer_tab.locator("#comment").fill(comment)
        with answer_tab.expect_navigation():
            answer_tab.locator("#comment").press("Tab")
            answer_tab.keyboard.press("Enter")
        assert "gemt=svar" in answer_tab.url
        answer_tab.close()

        for open_page in (staff, citizen_page):
            open_page.locator("#plan-items", has_text=comment).wait_for(timeout=15_000)
            status = open_page.locator("#plan-live-status[role=status]")
            status.filter(has_text="Planen er opdateret").wait_for(timeout=15_000)
            assert "mål og indsatser" in status.inner_text()
            assert_accessible(open_page)
        # Nothing was reloaded: the pages are the ones opened before the change.
        assert staff.url.endswith(f"/sag/plan/{plan.id}") and citizen_page.url.endswith("/min-plan")
    finally:
        staff_context.close()
        citizen_context.close()

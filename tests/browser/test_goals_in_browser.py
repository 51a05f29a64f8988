"""A goal page in a real Chromium: accessible at 360 px and desktop width, before and after an
error, and answered and rated with the keyboard only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.plans.models import Goal

from tests.browser.conftest import LiveServer
from tests.browser.test_narrow_screens import assert_no_horizontal_overflow
from tests.browser.test_pages_in_browser import annette, assert_accessible, enter_as

pytestmark = pytest.mark.browser

MORNINGS = "Jeg vil have ro om morgenen"  # Annette's goal with ratings in the demo


def _goal_id(server: LiveServer) -> int:
    with server.database.session() as db:
        return int(db.scalars(select(Goal.id).where(Goal.citizen_wording == MORNINGS)).one())


def _tab_to(page, element_id: str, limit: int = 80) -> None:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    pytest.fail(f"could not reach #{element_id} with Tab")


def _submit_with_enter(page) -> None:  # type: ignore[no-untyped-def]
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_goal_is_answered_and_rated_with_the_keyboard_only(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    user, _plan = annette(live_server)
    goal_id = _goal_id(live_server)
    enter_as(page, live_server, user)
    # From the plan page: the goal's heading is a link to its page.
    link = page.locator(f'h3#goal-{goal_id} a[href="/min-plan/maal/{goal_id}"]')
    assert link.count() == 1
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/min-plan/maal/{goal_id}")
    assert_accessible(page)
    assert page.locator("main svg[role=img]").count() == 1
    assert page.locator("main table tbody tr").count() >= 2
    assert_no_horizontal_overflow(page, "goal")

    # "I want it changed" without saying what: refused, the summary is focused and links to the field.
    page.locator("#answer").focus()
    page.keyboard.press("ArrowDown")  # the second radio: "Jeg vil gerne have det ændret"
    assert page.locator("#answer-2").is_checked()
    _tab_to(page, "comment")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.press("Tab")
    _submit_with_enter(page)
    assert page.title().startswith("Fejl: ")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "alert"
    assert page.locator(".error-summary-list a[href='#comment']").count() == 1
    assert_accessible(page)

    # Now with a comment, all by keyboard.
    _tab_to(page, "comment")
    page.keyboard.type("Der kommer for mange. Jeg vil kun have én om morgenen.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/min-plan/maal/{goal_id}?gemt=svar")
    assert "Dit svar er gemt" in page.locator("[role=status]").inner_text()
    assert "Jeg vil kun have én om morgenen." in page.locator("#current-answer").inner_text()
    assert_accessible(page)

    # A rating out of range, then a good one.
    rows_before = page.locator("main table tbody tr").count()
    _tab_to(page, "score")
    page.keyboard.type("11")
    _submit_with_enter(page)
    assert page.locator("#score-error").count() == 1
    assert_accessible(page)
    _tab_to(page, "score")
    page.keyboard.press("Control+A")
    page.keyboard.type("7")
    page.keyboard.press("Enter")
    page.wait_for_url("**gemt=vurdering**")
    assert page.locator("main table tbody tr").count() == rows_before + 1
    assert page.locator("main table tbody tr").first.locator("td").nth(1).inner_text() == "7"
    assert_accessible(page)

"""At 360 px with axe: a caseworker creates a citizen, gives them a plan at once, adds a meeting,
sees it on the plan page and changes it there in place (htmx)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.test_narrow_screens import assert_no_horizontal_overflow, phone  # noqa: F401 (the fixture)
from tests.browser.test_pages_in_browser import assert_accessible, enter_as, persona

pytestmark = pytest.mark.browser


def test_a_new_citizen_gets_a_plan_and_a_meeting_on_a_phone(phone, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    enter_as(phone, live_server, persona(live_server, "Camilla Brandt"))
    phone.goto(f"{live_server.url}/sag/borgere/ny")
    phone.fill("#full_name", "Birthe Browser")
    phone.fill("#first_name", "Birthe")
    phone.get_by_role("button", name="Opret og lav brev").click()
    phone.wait_for_load_state()

    phone.get_by_role("link", name="Lav en plan for Birthe Browser").click()
    phone.wait_for_url("**/sag/plan/ny?borger=*")
    assert_accessible(phone)
    assert_no_horizontal_overflow(phone, "new-plan-360")
    phone.get_by_label("En plan for én person").check()
    phone.get_by_role("button", name="Lav planen").click()
    phone.wait_for_url("**/sag/plan/*?gemt=plan")
    assert "Birthe Browser" in phone.locator("h1").inner_text()
    assert_accessible(phone)

    phone.get_by_role("link", name="Tilføj et møde").click()
    phone.wait_for_url("**/moeder/ny")
    assert_accessible(phone)
    # A meeting in the past is refused with a Danish field error, focused in the summary.
    phone.fill("#day", "2020-01-06")
    phone.fill("#time", "10:00")
    phone.fill("#location", "Jobcentret")
    phone.fill("#purpose", "Vi taler om, hvad du gerne vil.")
    phone.fill("#cadence", "3")
    phone.get_by_role("button", name="Gem").click()
    phone.wait_for_load_state()
    assert phone.title().startswith("Fejl: ")
    assert "Mødet er i fortiden" in phone.locator(".error-summary-list").inner_text()
    assert_accessible(phone)

    day = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    phone.fill("#day", day)
    phone.get_by_role("button", name="Gem").click()
    phone.wait_for_url("**/sag/plan/*?gemt=meeting*")
    meeting = phone.locator(".meeting-list .meeting")
    assert meeting.count() == 1
    assert "Vi taler om, hvad du gerne vil." in meeting.inner_text()
    assert "Hver 3. uge" in meeting.inner_text()
    # The first status line on the page is the live-update announcer; the save note is its own.
    assert phone.locator("[role=status]", has_text="Din ændring er gemt").count() == 1
    assert_accessible(phone)
    assert_no_horizontal_overflow(phone, "plan-with-meeting-360")

    # With JavaScript the meeting is changed in place: its form swaps into the item, a refusal too.
    item = "#" + str(meeting.get_attribute("id"))
    plan_url = phone.url.split("?")[0]
    phone.locator(f"{item} a", has_text="Ret mødet").click()
    phone.locator(f"{item} form input#location").wait_for()
    assert phone.url.startswith(plan_url), "the form opens in place, not on a page of its own"
    assert_accessible(phone)
    assert_no_horizontal_overflow(phone, "meeting-form-in-place-360")
    phone.locator(f"{item} #location").fill("")
    phone.locator(f"{item} button[type=submit]", has_text="Gem").click()
    phone.locator(f"{item} .error-summary-list", has_text="Skriv, hvor I mødes").wait_for()
    phone.locator(f"{item} #location").fill("Biblioteket")
    phone.locator(f"{item} button[type=submit]", has_text="Gem").click()
    phone.locator(item, has_text="Biblioteket").wait_for()
    assert phone.locator(f"{item} form").count() == 0 and phone.url.startswith(plan_url)

"""The e-mail and calendar choices on /indstillinger in a real Chromium: accessible at 360 px and
desktop width, with a field error, and with the new calendar link shown once."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.test_pages_in_browser import annette, assert_accessible, enter_as

pytestmark = pytest.mark.browser


def test_notification_and_calendar_choices_are_accessible(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    user, _plan = annette(live_server)
    enter_as(page, live_server, user)
    page.goto(live_server.url + "/indstillinger")
    assert page.locator("#email").input_value() == "annette@example.dk"
    assert_accessible(page)

    page.fill("#email", "annette@")
    page.locator('form[action="/indstillinger/notifikationer"] button[type="submit"]').click()
    page.wait_for_load_state()
    assert page.title().startswith("Fejl: ")
    assert page.locator("#email").get_attribute("aria-invalid") == "true"
    assert "Skriv en e-mailadresse" in page.locator("#email-error").inner_text()
    assert_accessible(page)

    page.goto(live_server.url + "/indstillinger")
    page.locator('form[action="/indstillinger/kalender/nyt-link"] button[type="submit"]').click()
    page.wait_for_load_state()
    link = page.locator("a.calendar-link").inner_text()
    assert "/kalender/" in link and link.endswith(".ics")
    assert_accessible(page)

"""Messages in two real Chromium windows at 360 px: Annette writes, Camilla sees it unread and
answers, and Annette's open page shows the answer and the read receipt without a reload."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PHONE, LiveServer
from tests.browser.test_narrow_screens import assert_no_horizontal_overflow
from tests.browser.test_pages_in_browser import annette, assert_accessible, contact_of, enter_as

pytestmark = pytest.mark.browser

WRITTEN = "Hej Camilla. Kan vi flytte mødet på torsdag?"
ANSWER = "Ja, det kan vi godt. Jeg ringer til dig i morgen."
# The htmx poll asks every 12 seconds; give it two tries.
POLL_WAIT_MS = 30_000


def _unread_in_menu(page) -> int:  # type: ignore[no-untyped-def]
    badge = page.locator("nav.site-nav a", has_text="Beskeder").locator(".badge")
    if badge.count() == 0:
        return 0
    match = re.match(r"\d+", badge.inner_text())
    assert match
    return int(match.group(0))


def _send(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("#body").fill(text)
    with page.expect_navigation():
        page.locator("#skriv + form button[type=submit]").click()


def test_annette_writes_camilla_answers_and_annette_sees_answer_and_receipt(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    user, plan = annette(live_server)
    camilla = contact_of(live_server, plan)
    citizen_side = browser.new_context(viewport=PHONE, locale="da-DK")
    staff_side = browser.new_context(viewport=PHONE, locale="da-DK")
    try:
        mine = citizen_side.new_page()
        theirs = staff_side.new_page()

        # Annette writes from her phone.
        enter_as(mine, live_server, user)
        mine.goto(f"{live_server.url}/beskeder")
        assert_accessible(mine)
        assert_no_horizontal_overflow(mine, "messages-citizen")
        _send(mine, WRITTEN)
        assert "sendt=1" in mine.url
        assert "Du får svar senest" in mine.locator("[role=status]").inner_text()
        mine_message = mine.locator("#thread li.message", has_text=WRITTEN)
        assert "Ikke læst endnu" in mine_message.inner_text()
        assert_accessible(mine)

        # Camilla sees it unread: in the menu, on the list and on her caseload.
        enter_as(theirs, live_server, camilla)
        assert _unread_in_menu(theirs) >= 1
        theirs.goto(f"{live_server.url}/sag/beskeder")
        assert_accessible(theirs)
        assert_no_horizontal_overflow(theirs, "messages-staff-list")
        row = theirs.locator("tbody tr", has_text="Annette Nielsen")
        assert int(row.locator("td strong").inner_text()) >= 1
        before = _unread_in_menu(theirs)
        row.get_by_role("link").click()
        theirs.wait_for_url(f"**/sag/beskeder/{plan.id}")
        assert WRITTEN in theirs.locator("#thread").inner_text()
        assert _unread_in_menu(theirs) < before, "opening the thread read it"
        assert_accessible(theirs)
        assert_no_horizontal_overflow(theirs, "messages-staff-thread")

        # She answers.
        _send(theirs, ANSWER)
        assert "Dit svar er sendt." in theirs.locator("[role=status]").inner_text()

        # Annette's page, still open, shows the answer and that Camilla read her message.
        mine.locator("#thread", has_text=ANSWER).wait_for(timeout=POLL_WAIT_MS)
        receipt = mine.locator("#thread li.message", has_text=WRITTEN).inner_text()
        assert re.search(r"Læst af Camilla Brandt i dag kl\. \d\d\.\d\d", receipt), receipt
        assert_accessible(mine)

        # And Camilla's open page learns that Annette has read the answer.
        theirs.locator("#thread li.message", has_text=ANSWER).filter(has_text="Læst af Annette Nielsen").wait_for(
            timeout=POLL_WAIT_MS
        )
    finally:
        citizen_side.close()
        staff_side.close()

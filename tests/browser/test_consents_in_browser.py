"""The consents page in a real Chromium, at 360 px and desktop width: the list, giving a consent
(with its error state), the preview of a withdrawal and the withdrawal, each without axe violations.

Sofie's plan is used, so the other browser tests keep Annette's consents as the demo has them.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.test_narrow_screens import assert_no_horizontal_overflow
from tests.browser.test_pages_in_browser import assert_accessible, enter_as, persona, submit

pytestmark = pytest.mark.browser


def test_list_give_preview_and_withdraw(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    enter_as(page, live_server, persona(live_server, "Sofie Andersen"))
    page.get_by_role("link", name="Samtykker").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/samtykker")
    assert_accessible(page)
    assert_no_horizontal_overflow(page, "consents")

    # A wrong end date: the error summary, the field's error, and a title that says so.
    page.select_option("#recipient", label="Ydelse Ishøj")
    page.fill("#purpose", "At de kan planlægge sammen med mig.")
    page.fill("#valid_until", (dt.date.today() + dt.timedelta(days=3 * 365)).isoformat())
    submit(page, 'form[action="/samtykker"]')
    assert page.title().startswith("Fejl: ")
    assert page.locator(".alert-error a[href='#valid_until']").count() == 1
    assert_accessible(page)

    page.fill("#valid_until", (dt.date.today() + dt.timedelta(days=90)).isoformat())
    submit(page, 'form[action="/samtykker"]')
    assert page.url.endswith("/samtykker?givet=1")
    assert page.locator('[role="status"]').inner_text().strip() == "Samtykket er givet."
    assert_accessible(page)

    # The preview of a consent of the demo's to another department (it opens other departments'
    # efforts to that department's staff on Sofie's plan), then the withdrawal.
    page.locator('a[href$="/tilbagekald"]', has_text=re.compile("Socialcenter|Jobcenter")).first.click()
    page.wait_for_load_state()
    assert "/tilbagekald" in page.url
    assert "kan ikke længere se:" in page.content()
    assert page.locator("ul.hidden-efforts li").count() >= 1 and page.locator("ul.hidden-from li").count() >= 1
    assert_accessible(page)
    assert_no_horizontal_overflow(page, "consent-preview")
    submit(page, 'form[action$="/tilbagekald"]')
    assert page.url.endswith("/samtykker?tilbagekaldt=1")
    assert "Samtykket er trukket tilbage" in page.locator('[role="status"]').inner_text()
    assert page.locator("h2", has_text="Tidligere samtykker").count() == 1
    assert_accessible(page)


def test_a_child_of_15_keeps_their_part_from_their_parent_and_shares_it_again(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    """Martin (15) chooses on /samtykker whether Trine sees his part; the choice is put back at the end."""
    enter_as(page, live_server, persona(live_server, "Martin Hansen"))
    page.get_by_role("link", name="Samtykker").first.click()
    page.wait_for_load_state()
    assert page.locator("legend", has_text="Må Trine se din del af planen?").count() == 1
    assert_accessible(page)
    assert_no_horizontal_overflow(page, "own-part-consents")

    # No choice at all: the error on the field, with the page still accessible.
    page.evaluate("document.querySelectorAll('input[name=share]').forEach(box => box.checked = false)")
    submit(page, 'form[action="/samtykker/deling"]')
    assert page.locator(".form-error-message", has_text="Vælg ja eller nej.").count() == 1
    assert_accessible(page)

    page.get_by_label("Nej, kun jeg ser min del").check()
    submit(page, 'form[action="/samtykker/deling"]')
    assert page.url.endswith("/samtykker?deling=nej")
    assert "Trine kan ikke længere se din del af planen." in page.locator('[role="status"]').inner_text()
    assert_accessible(page)

    enter_as(page, live_server, persona(live_server, "Trine Hansen"))
    page.goto(f"{live_server.url}/min-plan")
    assert "Fast kontaktperson til Martin" not in page.content()
    assert "Mie skal komme i skole hver dag" in page.content()

    enter_as(page, live_server, persona(live_server, "Martin Hansen"))
    page.goto(f"{live_server.url}/samtykker")
    page.get_by_label("Ja, Trine må se mine mål og min hjælp").check()
    submit(page, 'form[action="/samtykker/deling"]')
    assert page.url.endswith("/samtykker?deling=ja")

"""At 360 px nothing runs off the screen: the invitation link wraps, the caseload's caption spans its table."""

from __future__ import annotations

import os

import pytest

from tests.browser.conftest import PHONE, LiveServer
from tests.browser.test_pages_in_browser import enter_as, persona, submit

pytestmark = pytest.mark.browser

# Set PORTAL_SCREENSHOTS=/some/dir to look at the pages as the test saw them.
SCREENSHOTS = os.environ.get("PORTAL_SCREENSHOTS", "")


@pytest.fixture
def phone(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="da-DK")
    page = context.new_page()
    yield page
    context.close()


def assert_no_horizontal_overflow(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})"
    )
    assert widths["scroll"] <= widths["client"], f"{name}: the page is {widths['scroll']} px wide on a {widths['client']} px screen"
    # Scrolling inside a box hides text just as well: no element may be wider than the screen.
    too_wide = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
            .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''))"""
    )
    assert too_wide == [], f"{name}: {too_wide} reach past the right edge"


def test_the_invitation_link_wraps_on_a_phone(phone, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    enter_as(phone, live_server, persona(live_server, "Sofie Andersen"))
    phone.goto(live_server.url + "/fuldmagter")
    phone.fill("#name", "Karen Jensen")
    submit(phone, 'form[action="/fuldmagter"]')
    link = phone.locator(".invite-link code")
    assert "/fuldmagt/" in link.inner_text()
    assert_no_horizontal_overflow(phone, "invitation-360")
    # The whole link stays readable on screen, not cut off inside a scrolling box.
    box = link.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert phone.evaluate("el => el.scrollWidth <= el.clientWidth + 1", link.element_handle())


def test_the_caseload_caption_spans_the_table_on_a_phone(phone, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    enter_as(phone, live_server, persona(live_server, "Camilla Brandt"))
    assert phone.url.endswith("/sag/")
    assert_no_horizontal_overflow(phone, "caseload-360")
    caption = phone.locator("table caption").bounding_box()
    table = phone.locator("table").bounding_box()
    assert caption is not None and table is not None
    assert caption["width"] >= 0.9 * table["width"], f"the caption is {caption['width']} px in a {table['width']} px table"
    # One line or two, not a word per line.
    line_height = phone.evaluate("parseFloat(getComputedStyle(document.querySelector('table caption')).lineHeight)")
    assert caption["height"] <= 2.5 * line_height


def test_the_plan_fits_a_phone_and_does_not_move_while_it_loads(phone, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    enter_as(phone, live_server, persona(live_server, "Annette Nielsen"))
    assert phone.url.endswith("/min-plan")
    # A weak connection, and nothing from the cache: the web font arrives well after the text.
    cdp = phone.context.new_cdp_session(phone)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 300, "downloadThroughput": 50_000, "uploadThroughput": 50_000})
    phone.reload()
    phone.wait_for_load_state("networkidle")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    assert_no_horizontal_overflow(phone, "plan-360")
    # Cumulative layout shift of the load (the web font arriving must not move the text): under 0.1.
    shift = phone.evaluate(
        """() => new Promise(resolve => {
            let total = 0;
            new PerformanceObserver(list => {
                for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
            }).observe({type: "layout-shift", buffered: true});
            setTimeout(() => resolve(total), 500);
        })"""
    )
    assert shift < 0.1, shift

"""/alt-i-min-sag in a real Chromium: axe finds nothing at 360 px and desktop, nothing runs off a
phone, the "about me" form works without JavaScript, and the browser's print to PDF gives the
plan's text without the menus, buttons and forms around it (for /min-plan too). The "about me"
form is a plain POST form (tests/web/test_record.py sends it as a browser without JavaScript would)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, LiveServer
from tests.browser.test_narrow_screens import assert_no_horizontal_overflow
from tests.browser.test_pages_in_browser import annette, assert_accessible, enter_as
from tests.support.pdftext import page_texts

pytestmark = pytest.mark.browser

# Text of the menu, the header, the footer and the form: on screen, never on paper.
NOT_ON_PAPER = ("Min uge", "Indstillinger", "Log ud", "Gå til indholdet", "Tilgængelighedserklæring", "Gem din tekst")


def test_the_record_is_accessible_and_fits_a_phone(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    user, _plan = annette(live_server)
    enter_as(page, live_server, user)
    page.goto(f"{live_server.url}/min-plan")
    page.get_by_role("link", name="Alt i min sag").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/alt-i-min-sag")
    assert page.get_by_role("heading", level=1).inner_text() == "Alt i min sag"
    assert "Jeg vil have et arbejde, hvor jeg kan sidde ned" in page.locator("main").inner_text()
    assert_accessible(page)
    assert_no_horizontal_overflow(page, f"record-{page.viewport_size['width']}")


@pytest.mark.parametrize(("path", "on_paper"), [
    ("/alt-i-min-sag", ("Alt i min sag", "Jeg vil have et arbejde, hvor jeg kan sidde ned", "Hjemmevejleder om morgenen", "Hver 2. uge")),
    ("/min-plan", ("Min plan", "Hjemmevejleder om morgenen")),
])
def test_print_to_pdf_gives_the_plan_without_menus_or_forms(browser, live_server: LiveServer, path: str, on_paper: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="da-DK")
    page = context.new_page()
    try:
        user, _plan = annette(live_server)
        enter_as(page, live_server, user)
        page.goto(live_server.url + path)
        screen = page.locator("body").inner_text()
        assert "Min uge" in screen and "Log ud" in screen  # the menu is there on screen
        pdf = page.pdf(format="A4", print_background=True)
    finally:
        context.close()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    pages = page_texts(pdf)
    assert pages, "no pages"
    text = " ".join(page.replace("\n", " ") for page in pages)
    for expected in on_paper:
        assert expected in text, expected
    for absent in NOT_ON_PAPER:
        assert absent not in text, absent
    if path == "/alt-i-min-sag":
        # The link that matters on paper carries its address.
        assert "/hvem-har-set)" in text
    print(f"{path}: {len(pages)} A4 pages, {len(pdf)} bytes")

"""Caseworkers change an effort in place with htmx, and two racing saves end in the conflict view,
in two Chromium contexts at 360 px and desktop width, with axe at each step."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.plans.models import Effort

from tests.browser.conftest import LiveServer
from tests.browser.test_narrow_screens import assert_no_horizontal_overflow
from tests.browser.test_pages_in_browser import annette, assert_accessible, contact_of, enter_as

pytestmark = pytest.mark.browser


def _effort_id(server: LiveServer, plan_id: int) -> int:
    with server.database.session() as db:
        return int(db.scalars(select(Effort.id).where(Effort.plan_id == plan_id, Effort.title.startswith("Angstforløb"))).one())


def _open_form(page, server: LiveServer, plan_id: int, item: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}/sag/plan/{plan_id}")
    assert page.evaluate("typeof window.htmx") == "object"
    page.locator(f"{item} a", has_text="Ret indsatsen").click()
    page.locator(f"{item} form textarea#description").wait_for()
    assert page.url.endswith(f"/sag/plan/{plan_id}"), "the form opens in place, not on a page of its own"


def _save(page, item: str, description: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f"{item} #description").fill(description)
    page.locator(f"{item} button[type=submit]", has_text="Gem indsatsen").click()


def test_an_effort_is_changed_in_place_and_racing_saves_show_the_conflict(browser, viewport, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    _citizen, plan = annette(live_server)
    camilla = contact_of(live_server, plan)
    effort_id = _effort_id(live_server, plan.id)
    item = f"#effort-{effort_id}"
    first = browser.new_context(viewport=viewport, locale="da-DK")
    second = browser.new_context(viewport=viewport, locale="da-DK")
    try:
        mine, theirs = first.new_page(), second.new_page()
        for page in (mine, theirs):
            enter_as(page, live_server, camilla)
            _open_form(page, live_server, plan.id, item)
        assert_accessible(mine)
        assert_no_horizontal_overflow(mine, "effort form in place")

        _save(theirs, item, f"Deres tekst {viewport['width']}")
        theirs.locator(item, has_text="Gemt.").wait_for()

        _save(mine, item, f"Min tekst {viewport['width']}")
        conflict = mine.locator(f"{item} .conflict")
        conflict.wait_for()
        text = conflict.inner_text()
        assert "Nogen gemte før dig" in text and "Camilla Brandt gemte" in text
        assert f"Deres tekst {viewport['width']}" in text and f"Min tekst {viewport['width']}" in text
        assert mine.url.endswith(f"/sag/plan/{plan.id}"), "the conflict view is swapped into the item"
        assert_accessible(mine)
        assert_no_horizontal_overflow(mine, "conflict view")

        mine.locator(f"{item} button", has_text="Brug min").click()
        mine.locator(item, has_text="Gemt.").wait_for()
        assert mine.locator(f"{item} .conflict").count() == 0
        with live_server.database.session() as db:
            saved = db.get(Effort, effort_id)
            assert saved is not None and saved.description == f"Min tekst {viewport['width']}"
        assert_accessible(mine)
    finally:
        first.close()
        second.close()

"""An open edit form meets the live updates and the form's own page (issue 9), in Chromium at
360 px and desktop, with axe after each swap:

- Camilla has an effort's edit form open in place and is typing; Mikkel saves another effort.
  Her page shows his change, and her form is still there with what she typed. When she saves,
  her item shows what she saved.
- The effort and goal forms, and the conflict view, opened on a page of their own (a link opened
  in a new tab, or a bookmark) save with JavaScript on too, and land on the plan page.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.plans.models import Effort, Goal

from tests.browser.conftest import LiveServer
from tests.browser.test_pages_in_browser import annette, assert_accessible, contact_of, enter_as, persona

pytestmark = pytest.mark.browser

WAIT = 20_000  # ms: generous, the machine is shared


def _effort_id(server: LiveServer, plan_id: int, title_start: str) -> int:
    with server.database.session() as db:
        return int(db.scalars(select(Effort.id).where(Effort.plan_id == plan_id, Effort.title.startswith(title_start))).one())


def test_an_open_edit_form_survives_a_colleagues_save_of_another_item(browser, viewport, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    _citizen, plan = annette(live_server)
    camilla = contact_of(live_server, plan)
    mikkel = persona(live_server, "Mikkel Dahl")
    mine = f"#effort-{_effort_id(live_server, plan.id, 'Angstforløb')}"      # Camilla's: she is the contact person
    theirs = f"#effort-{_effort_id(live_server, plan.id, 'Virksomhedspraktik')}"  # the jobcenter's: Mikkel's
    typed = f"Halvt skrevet, ikke gemt ({viewport['width']} px)"
    my_title = f"Angstforløb, nu om torsdagen ({viewport['width']} px)"
    their_title = f"Virksomhedspraktik i Føtex ({viewport['width']} px)"
    contexts = [browser.new_context(viewport=viewport, locale="da-DK") for _ in range(2)]
    try:
        editor, colleague = (context.new_page() for context in contexts)
        enter_as(editor, live_server, camilla)
        editor.goto(f"{live_server.url}/sag/plan/{plan.id}")
        editor.locator(f"{mine} a", has_text="Ret indsatsen").click()
        editor.locator(f"{mine} form input#title").fill(my_title)
        editor.locator(f"{mine} form textarea#description").fill(typed)

        enter_as(colleague, live_server, mikkel)
        colleague.goto(f"{live_server.url}/sag/plan/{plan.id}")
        # He sees her editing: her stream is open, so the update below reaches her page.
        colleague.locator("#plan-presence", has_text="Camilla Brandt").wait_for(timeout=WAIT)
        colleague.locator(f"{theirs} a", has_text="Ret indsatsen").click()
        colleague.locator(f"{theirs} input#title").fill(their_title)
        colleague.locator(f"{theirs} button[type=submit]", has_text="Gem indsatsen").click()
        # His own page: the saved item (the htmx answer, or the live swap that may follow it).
        colleague.locator(theirs, has_text=their_title).wait_for(timeout=WAIT)
        colleague.locator(f"{theirs} form").wait_for(state="detached", timeout=WAIT)

        # Her page: his change arrived (the item list was swapped), announced; her form is untouched.
        editor.locator(theirs, has_text=their_title).wait_for(timeout=WAIT)
        editor.locator("#plan-live-status[role=status]", has_text="Planen er opdateret").wait_for(timeout=WAIT)
        assert editor.locator(f"{mine} form").count() == 1
        assert editor.locator(f"{mine} textarea#description").input_value() == typed
        assert editor.locator(f"{mine} input#title").input_value() == my_title
        # The field she was typing in keeps the focus: the form was moved back, not rebuilt.
        assert editor.evaluate("document.activeElement && document.activeElement.id") == "description"
        assert editor.url.endswith(f"/sag/plan/{plan.id}")
        assert_accessible(editor)

        # She saves: her item shows what she saved, and the form is gone.
        editor.locator(f"{mine} button[type=submit]", has_text="Gem indsatsen").click()
        editor.locator(mine, has_text=my_title).wait_for(timeout=WAIT)
        editor.locator(f"{mine} form").wait_for(state="detached", timeout=WAIT)
        with live_server.database.session() as db:
            saved = db.get(Effort, int(mine.split("-")[1]))
            assert saved is not None and saved.description == typed
        # His page gets her save live, and a later update does not bring her old form back.
        colleague.locator(mine, has_text=my_title).wait_for(timeout=WAIT)
        assert editor.locator(f"{mine} form").count() == 0
        assert editor.locator(theirs, has_text=their_title).count() == 1
        assert_accessible(editor)
        assert_accessible(colleague)
    finally:
        for context in contexts:
            context.close()


def test_the_forms_on_their_own_page_save_with_javascript_on(page, viewport, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    _citizen, plan = annette(live_server)
    camilla = contact_of(live_server, plan)
    effort_id = _effort_id(live_server, plan.id, "Angstforløb")
    with live_server.database.session() as db:
        goal_id = int(db.scalars(select(Goal.id).where(Goal.plan_id == plan.id).order_by(Goal.id)).first())  # type: ignore[arg-type]
    enter_as(page, live_server, camilla)
    width = viewport["width"]
    base = f"{live_server.url}/sag/plan/{plan.id}"
    cases = [
        (f"{base}/indsats/{effort_id}", "input#title", f"Angstforløb, på sin egen side ({width} px)", "Gem indsatsen"),
        (f"{base}/maal/{goal_id}", "textarea#professional_wording", f"Målet, på sin egen side ({width} px)", "Gem målet"),
    ]
    for url, field, value, button in cases:
        page.goto(url)
        assert page.evaluate("typeof window.htmx") == "object"  # JavaScript is on
        assert_accessible(page)
        page.locator(field).fill(value)
        page.locator("button[type=submit]", has_text=button).click()
        page.wait_for_url(f"{base}?gemt=*", timeout=WAIT)
        page.locator("#plan-items", has_text=value).wait_for(timeout=WAIT)
        assert_accessible(page)


def test_the_conflict_page_on_its_own_saves_with_javascript_on(browser, viewport, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    _citizen, plan = annette(live_server)
    camilla = contact_of(live_server, plan)
    effort_id = _effort_id(live_server, plan.id, "Angstforløb")
    url = f"{live_server.url}/sag/plan/{plan.id}/indsats/{effort_id}"
    # The titles keep their start: the other browser tests find the effort by it (one server for all).
    my_title = f"Angstforløb, mine ({viewport['width']} px)"
    contexts = [browser.new_context(viewport=viewport, locale="da-DK") for _ in range(2)]
    try:
        mine, theirs = (context.new_page() for context in contexts)
        for page in (mine, theirs):
            enter_as(page, live_server, camilla)
            page.goto(url)
        theirs.locator("input#title").fill(f"Angstforløb, deres ({viewport['width']} px)")
        theirs.locator("button[type=submit]", has_text="Gem indsatsen").click()
        theirs.wait_for_url(f"{live_server.url}/sag/plan/{plan.id}?gemt=*", timeout=WAIT)

        mine.locator("input#title").fill(my_title)
        mine.locator("button[type=submit]", has_text="Gem indsatsen").click()
        mine.locator("h1", has_text="Nogen gemte før dig").wait_for(timeout=WAIT)
        assert mine.evaluate("typeof window.htmx") == "object"
        assert_accessible(mine)
        mine.locator("button[type=submit]", has_text="Brug min").click()
        mine.wait_for_url(f"{live_server.url}/sag/plan/{plan.id}?gemt=*", timeout=WAIT)
        mine.locator(f"#effort-{effort_id}", has_text=my_title).wait_for(timeout=WAIT)
        assert_accessible(mine)
    finally:
        for context in contexts:
            context.close()

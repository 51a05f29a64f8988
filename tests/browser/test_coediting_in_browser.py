"""Two caseworkers and the citizen on one plan, in three Chromium contexts (issue 9): while the
contact person has an effort's edit form open, the deputy's open plan page says so; her save
reaches the deputy's and the citizen's open pages without a reload, announced in their
role="status" line, and both stay accessible after the swap, at 360 px and desktop."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import Department, User
from portal.plans.models import Effort

from tests.browser.conftest import LiveServer
from tests.browser.test_pages_in_browser import annette, assert_accessible, contact_of, enter_as, persona

pytestmark = pytest.mark.browser

WAIT = 20_000  # ms: generous, the machine is shared


def _effort(server: LiveServer, plan_id: int) -> tuple[int, str]:
    """The jobcenter's internship: the deputy's department's, so he sees it; the citizen sees its title."""
    with server.database.session() as db:
        effort = db.scalars(
            select(Effort).where(Effort.plan_id == plan_id, Effort.title.startswith("Virksomhedspraktik"))
        ).one()
        return effort.id, effort.title


def _department(server: LiveServer, user: User) -> str:
    with server.database.session() as db:
        name = db.scalar(select(Department.name).where(Department.id == user.department_id))
        assert name is not None
        return name


def test_a_change_by_one_caseworker_reaches_the_other_and_the_citizen_with_presence_while_editing(
    browser, viewport, live_server: LiveServer,
) -> None:
    citizen, plan = annette(live_server)
    camilla = contact_of(live_server, plan)
    mikkel = persona(live_server, "Mikkel Dahl")
    effort_id, old_title = _effort(live_server, plan.id)
    new_title = f"Virksomhedspraktik, fire dage i Netto ({viewport['width']} px)"
    item = f"#effort-{effort_id}"
    who = f"Camilla Brandt ({_department(live_server, camilla)})"
    contexts = [browser.new_context(viewport=viewport, locale="da-DK") for _ in range(3)]
    try:
        editor, colleague, citizen_page = (context.new_page() for context in contexts)
        enter_as(colleague, live_server, mikkel)
        colleague.goto(f"{live_server.url}/sag/plan/{plan.id}")
        enter_as(citizen_page, live_server, citizen)
        citizen_page.goto(f"{live_server.url}/min-plan")
        citizen_page.locator("#plan-items", has_text=old_title).wait_for(timeout=WAIT)
        presence = colleague.locator("#plan-presence")
        status = colleague.locator("#plan-live-status[role=status]")
        assert status.inner_text() == ""

        # The contact person opens the plan (the colleague sees her there), then the effort's form in place.
        enter_as(editor, live_server, camilla)
        editor.goto(f"{live_server.url}/sag/plan/{plan.id}")
        presence.filter(has_text=f"{who} har planen åben nu").wait_for(timeout=WAIT)
        editor.locator(f"{item} a", has_text="Ret indsatsen").click()
        editor.locator(f"{item} form input#title").wait_for(timeout=WAIT)
        presence.filter(has_text=f"{who} retter “{old_title}” nu").wait_for(timeout=WAIT)
        assert colleague.url.endswith(f"/sag/plan/{plan.id}")

        editor.locator(f"{item} input#title").fill(new_title)
        editor.locator(f"{item} button[type=submit]", has_text="Gem indsatsen").click()
        # Her own page shows the saved item (the htmx answer, or the live swap that may follow it).
        editor.locator(item, has_text=new_title).wait_for(timeout=WAIT)
        editor.locator(f"{item} form").wait_for(state="detached", timeout=WAIT)

        # The colleague's page: the new title, announced, and she is no longer editing.
        colleague.locator(item, has_text=new_title).wait_for(timeout=WAIT)
        status.filter(has_text="Planen er opdateret").wait_for(timeout=WAIT)
        presence.filter(has_text=f"{who} har planen åben nu").wait_for(timeout=WAIT)
        assert "retter" not in presence.inner_text()
        assert_accessible(colleague)

        # The citizen's page: the new title too, announced.
        citizen_page.locator("#plan-items", has_text=new_title).wait_for(timeout=WAIT)
        citizen_page.locator("#plan-live-status[role=status]", has_text="Planen er opdateret").wait_for(timeout=WAIT)
        assert old_title not in citizen_page.locator("#plan-items").inner_text()
        assert_accessible(citizen_page)

        # Nothing was reloaded: the pages are the ones opened before the change.
        assert colleague.url.endswith(f"/sag/plan/{plan.id}") and citizen_page.url.endswith("/min-plan")
    finally:
        for context in contexts:
            context.close()

"""/min-plan/aendringer in a real Chromium: from "Nyt siden sidst" on the plan page to the
changes, with a "Ny" badge; axe finds nothing at desktop and 360 px; nothing runs off a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.plans.models import Effort, Goal, Revision

from tests.browser.conftest import PHONE, LiveServer
from tests.browser.test_narrow_screens import assert_no_horizontal_overflow
from tests.browser.test_pages_in_browser import annette, assert_accessible, enter_as, persona

pytestmark = pytest.mark.browser

LONG_COMMENT = "Jeg vil gerne have, at hjemmevejlederen kommer lidt senere om torsdagen, fordi jeg har træning"


def changes_happen(server: LiveServer) -> None:
    """A caseworker moves a time; a relative writes a long comment for Annette: the widest rows."""
    user, plan = annette(server)
    camilla = persona(server, "Camilla Brandt")
    lene = persona(server, "Lene Nielsen")
    now = dt.datetime.now(dt.timezone.utc)
    with server.database.session() as db:
        effort = db.scalars(select(Effort).where(Effort.plan_id == plan.id).order_by(Effort.id)).first()
        goal = db.scalars(select(Goal).where(Goal.plan_id == plan.id).order_by(Goal.id)).first()
        assert effort is not None and goal is not None
        db.add(Revision(
            plan_id=plan.id, user_id=camilla.id, occurred_at=now, entity="effort", entity_id=effort.id,
            field="start_time", old_value="08:00:00", new_value="09:15:00",
        ))
        db.add(Revision(
            plan_id=plan.id, user_id=lene.id, on_behalf_of_person_id=user.person_id, occurred_at=now,
            entity="goal", entity_id=goal.id, field="citizen_comment", old_value=None, new_value=LONG_COMMENT,
        ))
        db.commit()


def test_from_news_on_the_plan_to_the_changes_accessibly(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    user, _plan = annette(live_server)
    enter_as(page, live_server, user)  # lands on /min-plan: the visit before the changes
    changes_happen(live_server)
    page.goto(f"{live_server.url}/min-plan")
    assert "Nyt siden sidst:" in page.locator("main .plan-news").inner_text()
    assert_accessible(page)
    page.locator("main .plan-news a").click()
    page.wait_for_load_state()
    assert page.url.endswith("/min-plan/aendringer")
    assert page.get_by_role("heading", level=1).inner_text() == "Hvad er ændret i din plan"
    text = page.locator("main").inner_text()
    assert "Camilla Brandt ændrede tidspunktet for" in text and "til kl. 9.15." in text
    assert "Det blev gjort for dig." in text
    assert page.locator("main li.change.is-new .badge").count() >= 2
    assert_accessible(page)


def test_nothing_runs_off_a_phone(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    changes_happen(live_server)
    context = browser.new_context(viewport=PHONE, locale="da-DK")
    page = context.new_page()
    try:
        enter_as(page, live_server, persona(live_server, "Annette Nielsen"))
        page.goto(f"{live_server.url}/min-plan/aendringer")
        assert page.locator("main li.change").count() >= 2
        assert_accessible(page)
        assert_no_horizontal_overflow(page, "changes-360")
    finally:
        context.close()

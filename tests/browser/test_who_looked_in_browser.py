"""/hvem-har-set in a real Chromium: axe finds nothing at 360 px and desktop, with rows, with an
empty month and with a refused filter; the filters work without JavaScript; nothing runs off a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.audit.models import AccessLogEntry
from portal.consent.models import Consent

from tests.browser.conftest import PHONE, LiveServer
from tests.browser.test_narrow_screens import assert_no_horizontal_overflow
from tests.browser.test_pages_in_browser import annette, assert_accessible, enter_as, persona, submit

pytestmark = pytest.mark.browser

FORM = 'form[action="/hvem-har-set"]'


def read_under_consent(server: LiveServer) -> None:
    """A read by the jobcenter under Annette's consent: the widest row the page shows."""
    _user, plan = annette(server)
    mikkel = persona(server, "Mikkel Dahl")
    with server.database.session() as db:
        consent = db.scalars(
            select(Consent).where(Consent.plan_id == plan.id, Consent.recipient_department_id == mikkel.department_id)
        ).one()
        db.add(AccessLogEntry(
            plan_id=plan.id, user_id=mikkel.id, department_id=mikkel.department_id, kind="view_plan",
            reason="effort_responsible", consent_id=consent.id, occurred_at=dt.datetime.now(dt.timezone.utc),
        ))
        db.commit()


def test_the_log_is_accessible_with_rows_an_empty_month_and_a_refused_filter(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    read_under_consent(live_server)
    user, _plan = annette(live_server)
    enter_as(page, live_server, user)
    page.get_by_role("link", name="Se hvem der har set din plan").click()
    page.wait_for_load_state()
    assert page.url.endswith("/hvem-har-set")
    assert page.get_by_role("heading", level=1).inner_text() == "Hvem har set din plan"
    assert page.locator("main tbody tr").count() >= 3
    assert "Du gav samtykke til Jobcenter Ishøj-Vallensbæk" in page.locator("main table").inner_text()
    assert_accessible(page)

    page.fill("#maaned", "2001-01")
    submit(page, FORM)
    assert "maaned=2001-01" in page.url
    assert page.locator("main tbody tr").count() == 0
    assert "Der skete ikke noget" in page.locator("main").inner_text()
    assert_accessible(page)

    page.goto(f"{live_server.url}/hvem-har-set?maaned=13-2026")
    assert page.title().startswith("Fejl: ")
    assert page.locator(".alert-error a[href='#maaned']").count() == 1
    assert page.locator("#maaned").get_attribute("aria-invalid") == "true"
    assert_accessible(page)


def test_the_department_filter_works_without_javascript(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="da-DK")
    page = context.new_page()
    try:
        enter_as(page, live_server, persona(live_server, "Annette Nielsen"))
        page.goto(f"{live_server.url}/hvem-har-set")
        page.select_option("#afdeling", label="Socialcenter Ishøj, Ishøj")
        submit(page, FORM)
        assert "afdeling=" in page.url
        table = page.locator("main tbody").inner_text()
        assert "Camilla Brandt" in table and "Mikkel Dahl" not in table
        assert_no_horizontal_overflow(page, "who-looked-filtered-360")
    finally:
        context.close()


def test_nothing_runs_off_a_phone(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    read_under_consent(live_server)
    context = browser.new_context(viewport=PHONE, locale="da-DK")
    page = context.new_page()
    try:
        enter_as(page, live_server, persona(live_server, "Annette Nielsen"))
        page.goto(f"{live_server.url}/hvem-har-set")
        assert_no_horizontal_overflow(page, "who-looked-360")
        # Each cell says what it is on a phone, where the table's header row is out of sight.
        assert page.locator("main tbody td[data-title]").count() == 4 * page.locator("main tbody tr").count()
    finally:
        context.close()

"""Every page in a real Chromium: axe-core finds no violations at 360 px and desktop width,
it works without JavaScript, and the core flow works with the keyboard only."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from portal.accounts.models import Person, User
from portal.plans.models import Plan

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

AXE = Axe()


def annette(server: LiveServer) -> tuple[User, Plan]:
    with server.database.session() as db:
        user = db.scalars(select(User).join(Person).where(Person.first_name == "Annette", User.role == "citizen")).one()
        plan = db.scalars(select(Plan).where(Plan.citizen_id == user.person_id)).one()
        return user, plan


def contact_of(server: LiveServer, plan: Plan) -> User:
    with server.database.session() as db:
        user = db.get(User, plan.contact_user_id)
        assert user is not None
        return user


def enter_as(page, server: LiveServer, user: User) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}/demo")
    page.get_by_role("button", name=user.display_name, exact=False).first.click()
    page.wait_for_load_state()


def assert_accessible(page) -> None:  # type: ignore[no-untyped-def]
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()
    assert page.locator("main").count() == 1
    assert page.locator("h1").count() == 1
    assert page.locator("html").get_attribute("lang") == "da"


@pytest.mark.parametrize("path", ["/", "/demo", "/tilgaengelighed", "/findes-ikke"])
def test_public_pages_are_accessible(page, live_server: LiveServer, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + path)
    assert_accessible(page)


def test_citizen_pages_are_accessible(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    user, _plan = annette(live_server)
    enter_as(page, live_server, user)
    assert page.url.endswith("/min-plan")
    assert_accessible(page)
    page.get_by_role("link", name="Min uge").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/min-plan/uge")
    assert_accessible(page)


def test_caseworker_pages_are_accessible_and_show_the_clash(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    _user, plan = annette(live_server)
    enter_as(page, live_server, contact_of(live_server, plan))
    assert page.url.endswith("/sag/")
    assert_accessible(page)
    page.locator(f'a[href="/sag/plan/{plan.id}"]').click()
    page.wait_for_load_state()
    assert_accessible(page)
    assert page.locator('.finding[data-rule="time_overlap"]').count() >= 1


def test_the_plan_works_without_javascript(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740}, locale="da-DK")
    page = context.new_page()
    try:
        user, _plan = annette(live_server)
        enter_as(page, live_server, user)
        assert page.url.endswith("/min-plan")
        assert page.get_by_role("heading", level=1).inner_text() == "Min plan"
    finally:
        context.close()


def test_keyboard_only_reaches_the_plan(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    user, _plan = annette(live_server)
    page.goto(f"{live_server.url}/demo")
    # Tab until the button for Annette has focus, then press Enter: no mouse involved.
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.textContent")
        if focused and user.display_name in focused:
            break
    else:
        pytest.fail("could not reach the persona button with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/min-plan")
    # The first Tab on the new page lands on the skip link, which moves focus into <main>.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"


def persona(server: LiveServer, display_name: str) -> User:
    with server.database.session() as db:
        return db.scalars(select(User).where(User.display_name == display_name)).one()


def submit(page, form_selector: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f"{form_selector} button[type=submit]").first.click()
    page.wait_for_load_state()


def test_account_pages_and_their_error_states_are_accessible(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    # Anonymous: recovery and short-code forms, empty and with an error summary.
    for path in ("/gendan", "/aktiver"):
        page.goto(live_server.url + path)
        assert_accessible(page)
        submit(page, f'form[action="{path}"]')
        assert page.title().startswith("Fejl: ")
        assert page.locator(".alert-error a[href='#code']").count() == 1
        assert_accessible(page)

    # A caseworker's forms and the printed letter.
    enter_as(page, live_server, persona(live_server, "Camilla Brandt"))
    page.goto(live_server.url + "/sag/borgere/ny")
    assert_accessible(page)
    submit(page, 'form[action="/sag/borgere/ny"]')
    assert page.locator("#full_name").get_attribute("aria-invalid") == "true"
    assert_accessible(page)
    page.fill("#full_name", "Tilgængelig Testperson")
    page.fill("#first_name", "Tilgængelig")
    submit(page, 'form[action="/sag/borgere/ny"]')
    assert page.locator(".letter-code").count() == 1
    assert_accessible(page)

    # An admin's pages.
    enter_as(page, live_server, persona(live_server, "Ole Bisgaard"))
    for path in ("/admin/", "/admin/medarbejdere/ny", "/indstillinger"):
        page.goto(live_server.url + path)
        assert_accessible(page)

    # The citizen's powers of attorney, with errors, and fresh recovery codes.
    enter_as(page, live_server, persona(live_server, "Sofie Andersen"))
    page.goto(live_server.url + "/fuldmagter")
    assert_accessible(page)
    page.fill("#expires_on", "")
    submit(page, 'form[action="/fuldmagter"]')
    assert page.title().startswith("Fejl: ")
    assert_accessible(page)
    page.goto(live_server.url + "/indstillinger")
    submit(page, 'form[action="/indstillinger/gendannelseskoder"]')
    assert page.locator(".recovery-codes code").count() == 10
    assert_accessible(page)

    # The relative's choice of whom to help.
    enter_as(page, live_server, persona(live_server, "Lene Nielsen"))
    page.goto(live_server.url + "/vaelg-borger")
    assert_accessible(page)

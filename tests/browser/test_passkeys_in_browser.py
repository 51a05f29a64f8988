"""Passkeys in a real Chromium at 360 px, with Chrome's virtual authenticator (CDP).

The whole way a citizen gets in: the caseworker prints an activation letter, the
citizen makes a passkey on their phone, logs out and back in. The short code from
the letter. A relative invited by the citizen, acting for them, then withdrawn.
And a cancelled passkey that must not leave the page hanging.

The live server's database is shared by all browser tests and is not rolled back,
so every test makes its own people with unique names.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select

from portal.accounts.models import PasskeyCredential, Person, User
from portal.audit.models import SecurityEvent
from portal.consent.models import Delegation
from portal.i18n import current_locale, translations_for
from portal.labels import label

from tests.browser.conftest import DESKTOP, PHONE, LiveServer
from tests.browser.test_pages_in_browser import annette, assert_accessible, enter_as

pytestmark = pytest.mark.browser

WAIT_MS = 15_000

REGISTER_BUTTON = 'form[data-passkey="register"] button[type="submit"]'
LOGIN_BUTTON = 'form[data-passkey="login"] button[type="submit"]'
LOG_OUT_BUTTON = 'form[action="/log-ud"] button'


def da(message: str) -> str:
    """The text the server shows in Danish (English when the catalogue lacks it)."""
    return translations_for("da").gettext(message)


def da_label(kind: str, key: str) -> str:
    token = current_locale.set("da")
    try:
        return label(kind, key)
    finally:
        current_locale.reset(token)


def unique(name: str) -> str:
    return f"{name} {secrets.token_hex(3).upper()}"


@contextmanager
def new_page(browser: Any, viewport: dict[str, int]) -> Iterator[Any]:
    context = browser.new_context(viewport=viewport, locale="da-DK")
    context.set_default_timeout(WAIT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def add_authenticator(page: Any, *, user_verified: bool = True) -> tuple[Any, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": user_verified,
            }
        },
    )
    return cdp, str(added["authenticatorId"])


@contextmanager
def phone_with_passkeys(browser: Any, *, user_verified: bool = True) -> Iterator[tuple[Any, Any, str]]:
    with new_page(browser, PHONE) as page:
        cdp, authenticator_id = add_authenticator(page, user_verified=user_verified)
        yield page, cdp, authenticator_id


def caseworker(server: LiveServer) -> User:
    with server.database.session() as db:
        return db.scalars(select(User).where(User.display_name == "Camilla Brandt", User.role == "caseworker")).one()


def issue_letter(browser: Any, server: LiveServer, full_name: str, first_name: str) -> tuple[str, str]:
    """The caseworker creates a citizen and gets the letter: (link, short code)."""
    with new_page(browser, PHONE) as page:
        enter_as(page, server, caseworker(server))
        page.goto(f"{server.url}/sag/borgere/ny")
        page.fill("#full_name", full_name)
        page.fill("#first_name", first_name)
        page.locator('form[action="/sag/borgere/ny"] button[type="submit"]').click()
        page.locator(".letter-code").wait_for()
        link = (page.locator(".letter-link").text_content() or "").strip()
        code = (page.locator(".letter-code").text_content() or "").strip()
    assert link.startswith(f"{server.url}/aktiver/"), link
    assert code
    return link, code


def passkeys_of(server: LiveServer, full_name: str) -> list[tuple[str, int]]:
    with server.database.session() as db:
        rows = db.execute(
            select(PasskeyCredential.name, PasskeyCredential.sign_count)
            .join(User, User.id == PasskeyCredential.user_id)
            .join(Person, Person.id == User.person_id)
            .where(Person.full_name == full_name)
        ).all()
        return [(str(name), int(count)) for name, count in rows]


def test_activation_letter_passkey_log_out_and_log_in(browser: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    full_name = unique("Birgit Testesen")
    link, _code = issue_letter(browser, live_server, full_name, "Birgit")

    with phone_with_passkeys(browser) as (page, cdp, authenticator_id):
        page.goto(link)
        expect(page.locator("h1")).to_have_text(da("Make your passkey"))
        page.locator(REGISTER_BUTTON).click()
        page.wait_for_url("**/indstillinger?ny=1", timeout=WAIT_MS)

        # The new passkey is listed, on the device and on the server.
        stored = passkeys_of(live_server, full_name)
        assert len(stored) == 1, stored
        passkey_name, count_after_registration = stored[0]
        expect(page.locator(".passkey-list > li")).to_have_count(1)
        expect(page.locator(".passkey-list > li").first).to_contain_text(passkey_name)
        on_device = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
        assert len(on_device) == 1 and on_device[0]["isResidentCredential"]
        assert_accessible(page)

        page.locator(LOG_OUT_BUTTON).click()
        page.wait_for_url("**/?logget-ud=1", timeout=WAIT_MS)
        expect(page.locator(LOG_OUT_BUTTON)).to_have_count(0)

        page.locator(LOGIN_BUTTON).click()
        page.wait_for_url("**/min-plan", timeout=WAIT_MS)
        assert page.url == f"{live_server.url}/min-plan"
        # A brand-new citizen has no plan yet.
        expect(page.locator("h1")).to_have_text(da("My plan"))
        expect(page.locator("main")).to_contain_text(da("You do not have a plan yet. Your caseworker makes it together with you."))

        ((_name, count_after_login),) = passkeys_of(live_server, full_name)
        assert count_after_login >= 1
        assert count_after_login > count_after_registration


def test_the_short_code_from_the_letter_leads_to_the_activation_page(browser: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    full_name = unique("Carl Kodesen")
    _link, code = issue_letter(browser, live_server, full_name, "Carl")

    with phone_with_passkeys(browser) as (page, _cdp, _authenticator_id):
        page.goto(f"{live_server.url}/aktiver")
        expect(page.locator("h1")).to_have_text(da("Type the code from your letter"))
        assert_accessible(page)
        page.fill("#code", code)
        page.locator('form[action="/aktiver"] button[type="submit"]').click()
        page.wait_for_url("**/aktiver/*", timeout=WAIT_MS)
        # The token is signed afresh, so it differs from the printed link; it is the same letter.
        expect(page.locator("h1")).to_have_text(da("Make your passkey"))
        expect(page.locator("main")).to_contain_text(da("Hello %(name)s.") % {"name": full_name})
        expect(page.locator(REGISTER_BUTTON)).to_be_enabled()
        assert_accessible(page)


def test_a_relative_is_invited_acts_for_the_citizen_and_is_withdrawn(browser: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    relative_name = unique("Karen Hjælpesen")
    citizen, _plan = annette(live_server)
    expires_on = (dt.date.today() + dt.timedelta(days=30)).isoformat()

    with new_page(browser, DESKTOP) as citizen_page, phone_with_passkeys(browser) as (relative_page, _cdp, _id):
        # The citizen invites the relative.
        enter_as(citizen_page, live_server, citizen)
        citizen_page.goto(f"{live_server.url}/fuldmagter")
        citizen_page.fill("#name", relative_name)
        citizen_page.check('input[name="scopes"][value="read_plan"]')
        citizen_page.fill("#expires_on", expires_on)
        citizen_page.locator('form[action="/fuldmagter"] button[type="submit"]').click()
        citizen_page.locator(".invite-link code").wait_for()
        invite_link = (citizen_page.locator(".invite-link code").text_content() or "").strip()
        assert invite_link.startswith(f"{live_server.url}/fuldmagt/"), invite_link

        # The relative accepts on their phone by making a passkey, and lands on the citizen's plan.
        relative_page.goto(invite_link)
        relative_page.locator(REGISTER_BUTTON).click()
        relative_page.wait_for_url("**/min-plan", timeout=WAIT_MS)
        plan_heading = da("Plan for %(name)s") % {"name": "Annette"}
        expect(relative_page.locator("h1")).to_have_text(plan_heading)
        assert_accessible(relative_page)

        # The citizen sees the power of attorney in force, and withdraws it.
        citizen_page.goto(f"{live_server.url}/fuldmagter")
        row = citizen_page.locator("li.delegation").filter(has_text=relative_name)
        expect(row).to_have_count(1)
        expect(row.locator(".badge")).to_have_text(da_label("delegation_status", "active"))
        row.locator('form[action$="/tilbagekald"] button[type="submit"]').click()
        citizen_page.wait_for_url("**/fuldmagter?tilbagekaldt=1", timeout=WAIT_MS)
        expect(
            citizen_page.locator("li.delegation").filter(has_text=relative_name).locator(".badge")
        ).to_have_text(da_label("delegation_status", "revoked"))

        # It stops at once: the relative's next request is refused.
        response = relative_page.goto(f"{live_server.url}/min-plan")
        assert response is not None and response.status == 403
        heading = relative_page.locator("h1")
        expect(heading).to_have_text(da("Your power of attorney has been withdrawn"))
        assert heading.inner_text() != plan_heading

        # The citizen sees what happened, including the relative reading the plan.
        citizen_page.goto(f"{live_server.url}/fuldmagter")
        acted = da_label("security_event", "acted_on_behalf")
        history_entry = citizen_page.locator("li").filter(has_text=acted).filter(has_text=f"({relative_name})")
        expect(history_entry.first).to_be_visible()

    with live_server.database.session() as db:
        delegation = db.scalars(select(Delegation).where(Delegation.invited_name == relative_name)).one()
        assert delegation.accepted_at is not None and delegation.revoked_at is not None
        relative = db.scalars(select(User).where(User.person_id == delegation.relative_person_id)).one()
        kinds = set(db.scalars(select(SecurityEvent.kind).where(SecurityEvent.user_id == relative.id)))
        assert {"delegation_accepted", "acted_on_behalf", "delegation_refused"} <= kinds, kinds


def test_a_cancelled_passkey_login_says_so_and_lets_you_try_again(browser: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    # With user verification required, an authenticator that cannot verify the user
    # fails at once with NotAllowedError, as when the user cancels the prompt.
    with phone_with_passkeys(browser, user_verified=False) as (page, _cdp, _id):
        page.goto(f"{live_server.url}/")
        cancelled = page.locator("html").get_attribute("data-passkey-cancelled")
        assert cancelled
        status = page.locator('form[data-passkey="login"] .passkey-status')
        expect(status).to_have_text("")
        button = page.locator(LOGIN_BUTTON)
        button.click()
        expect(status).to_have_text(cancelled)
        expect(button).to_be_enabled()
        assert page.url.rstrip("/") == live_server.url
        # The live region still holds the message, and trying again gives the same answer.
        button.click()
        expect(status).to_have_text(cancelled)
        expect(button).to_be_enabled()

"""/indstillinger: where and about what the citizen is told; the private calendar link and its feed."""

from __future__ import annotations

import logging
import re

import pytest
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.logredact import RedactTokens
from portal.notifications.models import NotificationSettings

from tests.conftest import PortalClient


def _settings_of(demo_db: Session, name: str) -> NotificationSettings | None:
    user = demo_db.scalars(select(User).where(User.display_name == name)).one()
    return demo_db.get(NotificationSettings, user.id)


def _still_as_demo(demo_db: Session) -> None:
    """Nothing was saved: Annette's choices are the demo data's."""
    demo_db.expire_all()
    saved = _settings_of(demo_db, "Annette Nielsen")
    assert saved is not None and saved.email == "annette@example.dk" and saved.kinds == ["message", "goal", "consent", "delegation"]


def test_the_citizen_chooses_an_address_and_kinds(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Annette Nielsen")
    page = client.get("/indstillinger")
    assert 'name="email"' in page.text and 'value="goal"' in page.text
    response = client.post_form(
        "/indstillinger/notifikationer", {"email": "annette@example.dk", "kinds": ["goal", "message"]},
        token_from="/indstillinger", follow_redirects=False,
    )
    assert response.status_code == 303
    saved = _settings_of(demo_db, "Annette Nielsen")
    assert saved is not None and saved.email == "annette@example.dk" and saved.kinds == ["message", "goal"]
    page = client.get("/indstillinger?besked=gemt")
    assert 'value="annette@example.dk"' in page.text
    assert re.search(r'value="goal"\s+checked', page.text) and not re.search(r'value="consent"\s+checked', page.text)


@pytest.mark.parametrize("address", ["annette", "annette@", "a b@example.dk", "annette@example", "<a@b.dk>", "x" * 250 + "@example.dk"])
def test_a_bad_address_is_a_danish_field_error_and_nothing_is_saved(client: PortalClient, demo_db: Session, address: str) -> None:
    client.login_as("Annette Nielsen")
    response = client.post_form("/indstillinger/notifikationer", {"email": address, "kinds": ["goal"]}, token_from="/indstillinger")
    assert response.status_code == 422
    assert "Skriv en e-mailadresse som navn@eksempel.dk" in response.text
    assert 'id="email-error"' in response.text and "<title>Fejl:" in response.text
    _still_as_demo(demo_db)


def test_an_unknown_kind_is_refused(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Annette Nielsen")
    response = client.post_form("/indstillinger/notifikationer", {"email": "a@example.dk", "kinds": ["goal", "everything"]}, token_from="/indstillinger")
    assert response.status_code == 422
    _still_as_demo(demo_db)


def test_no_address_means_no_mail_and_is_allowed(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Annette Nielsen")
    response = client.post_form("/indstillinger/notifikationer", {"email": "", "kinds": ["goal"]}, token_from="/indstillinger", follow_redirects=False)
    assert response.status_code == 303
    saved = _settings_of(demo_db, "Annette Nielsen")
    assert saved is not None and saved.email is None


def test_staff_choose_mail_too_but_get_no_calendar(client: PortalClient) -> None:
    client.login_as("Camilla Brandt")
    page = client.get("/indstillinger")
    assert 'name="email"' in page.text
    assert "kalender/nyt-link" not in page.text


def _new_link(client: PortalClient) -> str:
    response = client.post_form("/indstillinger/kalender/nyt-link", token_from="/indstillinger")
    assert response.status_code == 200
    match = re.search(r'href="http://testserver(/kalender/[^"]+\.ics)"', response.text)
    assert match, "the new link is shown once"
    return match.group(1)


def test_the_calendar_feed_holds_the_week_with_reminders_and_only_aftale_by_default(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Annette Nielsen")
    path = _new_link(client)
    client.cookies.clear()  # the phone's calendar has no login
    feed = client.get(path)
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    assert feed.headers["cache-control"] == "no-store"
    calendar = Calendar.from_ical(feed.content)
    events = calendar.walk("VEVENT")
    assert events, "Annette's visits and meetings are in the feed"
    assert {str(e["SUMMARY"]) for e in events} == {"Aftale"}
    assert all(e.walk("VALARM") for e in events)
    assert not any("LOCATION" in e or "DESCRIPTION" in e for e in events)
    assert any("RRULE" in e for e in events), "weekly visits repeat"
    # Nothing in the plain feed names the citizen or the visit.
    assert b"Annette" not in feed.content and b"Nielsen" not in feed.content
    # Only a hash is stored.
    saved = _settings_of(demo_db, "Annette Nielsen")
    assert saved is not None and saved.calendar_token_hash and saved.calendar_token_hash not in path


def test_titles_say_what_the_visit_is_when_the_citizen_chooses_so(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    path = _new_link(client)
    response = client.post_form("/indstillinger/kalender", {"details": "details"}, token_from="/indstillinger", follow_redirects=False)
    assert response.status_code == 303
    events = Calendar.from_ical(client.get(path).content).walk("VEVENT")
    assert "Aftale" not in {str(e["SUMMARY"]) for e in events}


def test_a_bad_calendar_choice_is_a_422(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    response = client.post_form("/indstillinger/kalender", {"details": "everything"}, token_from="/indstillinger")
    assert response.status_code == 422
    assert "Vælg fra listen" in response.text


def test_replacing_the_link_stops_the_old_one_at_once(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    old = _new_link(client)
    assert client.get(old).status_code == 200
    new = _new_link(client)
    assert new != old
    client.cookies.clear()  # as the phone asks: no login, so the page names nobody
    gone = client.get(old)
    assert gone.status_code == 404
    assert "Annette" not in gone.text
    assert client.get(new).status_code == 200


@pytest.mark.parametrize("token", ["nonsense", "x" * 43, "x" * 200])
def test_an_unknown_link_is_a_404_that_says_nothing(client: PortalClient, token: str) -> None:
    response = client.get(f"/kalender/{token}.ics")
    assert response.status_code == 404
    assert "Annette" not in response.text and "text/calendar" not in response.headers["content-type"]


def test_the_calendar_token_never_reaches_the_access_log() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                               ("1.2.3.4", "GET", "/kalender/SECRET-token.ics?x=1", "1.1", 200), None)
    RedactTokens().filter(record)
    assert "SECRET" not in record.getMessage()


def test_the_demo_lists_caught_mail_only_while_the_demo_runs(client: PortalClient) -> None:
    response = client.get("/demo/post")
    assert response.status_code == 200
    assert "Sendte e-mails" in response.text

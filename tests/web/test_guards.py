"""Guards that a one-line slip would open: a look-alike Origin, an ended power's invitation, a short window."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.audit.models import SecurityEvent
from portal.consent.models import Delegation

from tests.conftest import TEST_ORIGIN, PortalClient
from tests.web.test_delegations import invite


def _last_event(db: Session, kind: str) -> SecurityEvent | None:
    db.expire_all()
    return db.scalars(select(SecurityEvent).where(SecurityEvent.kind == kind).order_by(SecurityEvent.id.desc())).first()


def _events(db: Session, kind: str) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(SecurityEvent).where(SecurityEvent.kind == kind)) or 0)


# --- CSRF: the Origin must be ours exactly, not merely start like ours ------------------------


@pytest.mark.parametrize(
    "origin",
    [
        TEST_ORIGIN + ".evil.example",  # our origin as a prefix of someone else's host
        TEST_ORIGIN + ":8443",  # another port is another origin
        TEST_ORIGIN + "/",  # an Origin header never has a path; a prefix match would allow it
        "https://testserver",  # another scheme
        "null",  # sandboxed frames and some redirects
    ],
)
def test_a_look_alike_origin_is_refused_and_logged(client: PortalClient, demo_db: Session, origin: str) -> None:
    token = client.csrf_token("/demo")  # a valid token: the Origin alone must decide
    before = _events(demo_db, "csrf_refused")
    response = client.post(
        "/demo", data={"user_id": "1", "csrf_token": token}, headers={"Origin": origin}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "enplan_session" not in response.cookies
    assert _events(demo_db, "csrf_refused") == before + 1
    event = _last_event(demo_db, "csrf_refused")
    assert event is not None and event.detail == {"reason": "origin"}


def test_our_own_origin_is_accepted(client: PortalClient) -> None:
    client.get("/demo")
    response = client.post("/sprog", data={"sprog": "en", "next": "/"}, headers={"Origin": TEST_ORIGIN}, follow_redirects=False)
    assert response.status_code == 303


# --- an invitation to a power of attorney that has already ended ------------------------------


def _end_the_invited_power(db: Session, name: str) -> Delegation:
    delegation = db.scalars(select(Delegation).where(Delegation.invited_name == name).order_by(Delegation.id.desc())).first()
    assert delegation is not None and delegation.accepted_at is None
    delegation.expires_on = dt.date.today() - dt.timedelta(days=1)
    db.flush()
    return delegation


def test_an_invitation_to_an_ended_power_cannot_be_accepted(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Sofie Andersen")
    path = invite(client, name="Lene Nielsen")
    delegation = _end_the_invited_power(demo_db, "Lene Nielsen")
    refused_before = _events(demo_db, "delegation_invite_refused")

    relative = PortalClient(client.app, base_url=TEST_ORIGIN)
    relative.login_as("Lene Nielsen")
    page = relative.get(path)
    accepted = relative.post_form(path, token_from="/vaelg-borger", follow_redirects=False)

    assert page.status_code == 410 and accepted.status_code == 410
    assert "Fuldmagten er udløbet" in accepted.text
    assert _events(demo_db, "delegation_invite_refused") == refused_before + 2
    demo_db.expire_all()
    assert demo_db.get(Delegation, delegation.id).accepted_at is None  # type: ignore[union-attr]
    assert "Plan for Sofie" not in relative.get("/min-plan").text


def test_a_new_relative_cannot_accept_an_ended_power(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Annette Nielsen")
    path = invite(client, name="Karen Jensen")
    delegation = _end_the_invited_power(demo_db, "Karen Jensen")
    stranger = PortalClient(client.app, base_url=TEST_ORIGIN)
    token = stranger.csrf_token("/")
    options = stranger.post(f"{path}/valg", json={}, headers={"X-CSRF-Token": token})
    accepted = stranger.post(f"{path}/ny", json={"credential": {}}, headers={"X-CSRF-Token": token})
    assert options.status_code == 410 and options.json()["reason"] == "expired"
    assert accepted.status_code == 410 and accepted.json()["reason"] == "expired"
    demo_db.expire_all()
    assert demo_db.get(Delegation, delegation.id).accepted_at is None  # type: ignore[union-attr]


# --- the login rate limit counts minutes, not seconds -------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now


def test_the_login_limit_holds_for_five_minutes(client: PortalClient, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr("portal.web.utcnow", clock)
    token = client.csrf_token("/")
    start = clock.now

    def attempt(after: dt.timedelta) -> int:
        clock.now = start + after
        return client.post("/log-ind", json={}, headers={"X-CSRF-Token": token}).status_code

    # 20 attempts are allowed (each refused as a bad login, not by the limit) ...
    assert [attempt(dt.timedelta(seconds=i)) for i in range(20)] == [400] * 20
    # ... the 21st, four minutes later, is still inside the window ...
    assert attempt(dt.timedelta(minutes=4)) == 429
    # ... and once the first attempts are five minutes old they no longer count.
    assert attempt(dt.timedelta(minutes=5, seconds=30)) == 400

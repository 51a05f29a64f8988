"""Notifications are written with the change they are about: goals, powers of attorney, consents."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from portal.accounts.models import Person, User
from portal.consent.models import Consent
from portal.db import Database, utcnow
from portal.notifications.mail import Note, compose
from portal.notifications.models import NotificationSettings, OutboxMessage
from portal.notifications.sender import Sender
from portal.plans.goals import Goals
from portal.plans.models import Goal, Plan
from portal.plans.services import SqlPlanReader
from portal.settings import Settings

from tests.conftest import _session_factory, make_settings


def _user(db: Session, name: str) -> User:
    return db.scalars(select(User).where(User.display_name == name)).one()


def _wants(db: Session, name: str, kinds: list[str], email: str = "annette@example.dk") -> User:
    user = _user(db, name)
    db.merge(NotificationSettings(user_id=user.id, email=email, kinds=kinds, calendar_details=False))
    db.flush()
    return user


def _rows(db: Session) -> list[OutboxMessage]:
    return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _annettes_goal(db: Session) -> Goal:
    annette = db.scalars(select(Person).where(Person.full_name == "Annette Nielsen")).one()
    goal = db.scalars(select(Goal).where(Goal.member_person_id == annette.id).order_by(Goal.id)).first()
    assert goal is not None
    return goal


def test_a_goal_sent_back_to_the_citizen_tells_them_without_saying_what(demo_db: Session) -> None:
    annette = _wants(demo_db, "Annette Nielsen", ["goal"])
    goal = _annettes_goal(demo_db)
    secret = "Hemmelig ny formulering om angst"
    assert Goals(demo_db, SqlPlanReader(demo_db)).change(goal.id, by=_user(demo_db, "Camilla Brandt"), now=utcnow(), citizen_wording=secret)
    [row] = _rows(demo_db)
    assert (row.kind, row.recipient_user_id, row.link, row.status) == ("goal", annette.id, f"/min-plan/maal/{goal.id}", "pending")
    mail = compose(Note(row.id, row.kind, row.link, "annette@example.dk"), origin="https://plan.example.dk", sender="x@example.dk").as_string()
    assert "Et m=C3=A5l venter p=C3=A5 dit svar" in mail or "Et mål venter på dit svar" in mail
    assert secret.split()[0] not in mail and "Annette" not in mail and "Camilla" not in mail


def test_no_change_no_notification_and_a_rolled_back_change_takes_its_notification_along(demo_db: Session) -> None:
    _wants(demo_db, "Annette Nielsen", ["goal"])
    goal = _annettes_goal(demo_db)
    goals = Goals(demo_db, SqlPlanReader(demo_db))
    assert not goals.change(goal.id, by=_user(demo_db, "Camilla Brandt"), now=utcnow(), citizen_wording=goal.citizen_wording)
    assert _rows(demo_db) == []
    savepoint = demo_db.begin_nested()
    goals.change(goal.id, by=_user(demo_db, "Camilla Brandt"), now=utcnow(), citizen_wording="Noget nyt")
    assert len(_rows(demo_db)) == 1
    savepoint.rollback()
    assert _rows(demo_db) == []


def test_a_citizen_who_chose_no_goal_mail_gets_no_row(demo_db: Session) -> None:
    _wants(demo_db, "Annette Nielsen", ["message"])
    goal = _annettes_goal(demo_db)
    Goals(demo_db, SqlPlanReader(demo_db)).change(goal.id, by=_user(demo_db, "Camilla Brandt"), now=utcnow(), horizon="long")
    assert _rows(demo_db) == []


def test_a_power_of_attorney_tells_the_citizen_even_when_mail_is_down(
    demo_connection: Connection, demo_db: Session,
) -> None:
    """The page that causes a notification never waits for, or fails with, the mail server."""
    from portal.app import create_app

    from tests.conftest import PortalClient as Client

    settings: Settings = make_settings(smtp_url="smtp://127.0.0.1:9")  # nothing listens on the discard port
    app = create_app(settings, database=Database(demo_connection.engine, _session_factory(demo_connection)))
    annette = _wants(demo_db, "Annette Nielsen", ["delegation"])
    demo_db.commit()
    with Client(app, base_url="http://testserver") as client:
        client.login_as("Annette Nielsen")
        expires = (dt.date.today() + dt.timedelta(days=30)).isoformat()
        response = client.post_form("/fuldmagter", {"name": "Kim Hansen", "scopes": "read_plan", "expires_on": expires}, token_from="/fuldmagter")
    assert response.status_code == 200
    [row] = _rows(demo_db)
    assert (row.kind, row.recipient_user_id, row.link, row.status) == ("delegation", annette.id, "/fuldmagter", "pending")


def test_a_consent_about_to_run_out_is_told_once(demo_connection: Connection, demo_db: Session) -> None:
    annette = _wants(demo_db, "Annette Nielsen", ["consent"])
    person_id = annette.person_id
    consent = demo_db.scalars(select(Consent).where(Consent.giver_person_id == person_id, Consent.withdrawn_at.is_(None))).first()
    assert consent is not None
    consent.valid_until = dt.date.today() + dt.timedelta(days=5)
    demo_db.commit()
    database = Database(demo_connection.engine, _session_factory(demo_connection))
    now = utcnow()
    first, second = Sender(database, {}), Sender(database, {})
    assert first.enqueue_expiring_consents(now) == 1
    assert first.enqueue_expiring_consents(now) == 0
    assert second.enqueue_expiring_consents(now + dt.timedelta(days=1)) == 0
    rows = _rows(demo_db)
    assert [(r.kind, r.recipient_user_id, r.link) for r in rows] == [("consent", annette.id, "/samtykker")]
    # Extended, then about to run out again: told again, once.
    consent.valid_until = dt.date.today() + dt.timedelta(days=10)
    demo_db.commit()
    assert first.enqueue_expiring_consents(now) == 1
    assert first.enqueue_expiring_consents(now) == 0


def test_a_consent_far_from_its_end_or_withdrawn_is_not_told(demo_connection: Connection, demo_db: Session) -> None:
    annette = _wants(demo_db, "Annette Nielsen", ["consent"])
    consents = demo_db.scalars(select(Consent).where(Consent.giver_person_id == annette.person_id)).all()
    for consent in consents:
        consent.valid_until = dt.date.today() + dt.timedelta(days=5)
        consent.withdrawn_at = utcnow()
    demo_db.commit()
    database = Database(demo_connection.engine, _session_factory(demo_connection))
    assert Sender(database, {}).enqueue_expiring_consents(utcnow()) == 0
    assert _rows(demo_db) == []




def test_a_message_tells_the_other_side_that_something_waits_and_nothing_more(client: Any, demo_db: Session) -> None:
    """The citizen writes: the contact person and the deputy are told (if they asked to be); the
    contact person answers: the citizen is told. The writer is never told of their own message."""
    annette = _wants(demo_db, "Annette Nielsen", ["message"])
    camilla = _wants(demo_db, "Camilla Brandt", ["message"], email="camilla@example.dk")
    plan_id = demo_db.scalars(select(Plan.id).where(Plan.contact_user_id == camilla.id).order_by(Plan.id)).first()
    client.login_as("Annette Nielsen")
    page = client.get("/beskeder").text
    response = client.post("/beskeder", data={"csrf_token": _csrf(page), "body": "Hemmeligt indhold"}, follow_redirects=False)
    assert response.status_code == 303
    assert [(r.kind, r.recipient_user_id, r.link) for r in _rows(demo_db)] == [("message", camilla.id, f"/sag/beskeder/{plan_id}")]
    client.login_as("Camilla Brandt")
    page = client.get(f"/sag/beskeder/{plan_id}").text
    response = client.post(f"/sag/beskeder/{plan_id}", data={"csrf_token": _csrf(page), "body": "Svar"}, follow_redirects=False)
    assert response.status_code == 303
    assert [(r.recipient_user_id, r.link) for r in _rows(demo_db)][1:] == [(annette.id, "/beskeder")]
    mail = compose(Note(1, "message", "/beskeder", "annette@example.dk"), origin="https://plan.example.dk", sender="x@example.dk").as_string()
    assert "Hemmeligt" not in mail and "Annette" not in mail and "Camilla" not in mail


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)

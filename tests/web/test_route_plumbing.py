"""What route() gives the features that come next: htmx blocks, 409 on a stale plan, server-sent
events without a database session, the audit trail written once, and why each staff read was allowed.

Routes made here for a test are added to the test's own app only; the route audit and the
authorization matrix see just the portal's routes.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from portal import migrate
from portal.access import Access
from portal.accounts.models import Person, User
from portal.app import create_app
from portal.audit.models import AccessLogEntry, SecurityEvent
from portal.consent.models import Consent
from portal.db import build_engine
from portal.plans.models import Plan
from portal.web import context, render, route, stream_route

from tests.conftest import PortalClient, make_settings


def _plan_of(db: Session, first_name: str) -> Plan:
    return db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.first_name == first_name)).one()


def _user(db: Session, display_name: str) -> User:
    return db.scalars(select(User).where(User.display_name == display_name)).one()


# --- render(block=) -----------------------------------------------------------------------


def _statement_page(request: Request) -> Response:
    return render(request, "accessibility.html", block="content")


def test_htmx_gets_the_named_block_and_a_browser_the_whole_page(app, client: PortalClient) -> None:  # type: ignore[no-untyped-def]
    app.router.routes.append(route("/test/block", _statement_page, access=Access.PUBLIC))
    whole = client.get("/test/block")
    block = client.get("/test/block", headers={"HX-Request": "true"})
    assert whole.status_code == block.status_code == 200
    assert "<html" in whole.text and "<main" in whole.text
    assert "<html" not in block.text and "<main" not in block.text
    assert block.text.strip() and block.text.strip() in whole.text
    for response in (whole, block):
        assert "HX-Request" in response.headers["vary"]
        assert response.headers["cache-control"] == "no-store"


# --- 409 on a stale plan --------------------------------------------------------------------


def test_a_stale_plan_version_is_a_409_and_nothing_is_saved(app, client: PortalClient, demo_db: Session) -> None:  # type: ignore[no-untyped-def]
    plan = _plan_of(demo_db, "Annette")
    plan_id, version, kind = plan.id, plan.version, plan.kind

    def change_a_plan_someone_else_just_saved(request: Request) -> Response:
        db = request.app.state.database.current
        mine = db.get(Plan, plan_id)
        assert mine is not None
        db.execute(text("UPDATE plan SET version = version + 1 WHERE id = :id"), {"id": plan_id})
        mine.kind = "family" if kind == "citizen" else "citizen"
        return PlainTextResponse("saved")

    app.router.routes.append(route("/test/stale", change_a_plan_someone_else_just_saved, access=Access.PUBLIC, methods=("POST",)))
    response = client.post_form("/test/stale")
    assert response.status_code == 409
    assert "saved" not in response.text
    demo_db.expire_all()
    row = demo_db.get(Plan, plan_id)
    assert row is not None and (row.version, row.kind) == (version, kind)


# --- server-sent events ---------------------------------------------------------------------


@pytest.fixture
def file_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    """An app on a SQLite file of its own, so another connection can ask for the write lock."""
    url = f"sqlite:///{tmp_path / 'stream.sqlite3'}"
    engine = build_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(make_settings(database_url=url))
    yield app, tmp_path / "stream.sqlite3"


def _lock_is_free(path: Path) -> bool:
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()


def test_a_stream_holds_no_database_session_while_it_waits(file_app) -> None:  # type: ignore[no-untyped-def]
    app, path = file_app
    seen: list[object] = []

    def events(request: Request) -> Callable[[], AsyncIterator[str]]:
        database = request.app.state.database

        async def stream() -> AsyncIterator[str]:
            for number in range(2):
                # No session of this request is left in the registry, and SQLite's lock is free.
                seen.append(database._scope.get())
                yield f"event: tick\ndata: {number} {'free' if _lock_is_free(path) else 'locked'}\n\n"

        return stream

    app.router.routes.append(stream_route("/test/stream", events, access=Access.PUBLIC))
    with PortalClient(app, base_url="http://testserver") as client:
        response = client.get("/test/stream")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-store"
    assert response.text == "event: tick\ndata: 0 free\n\nevent: tick\ndata: 1 free\n\n"
    assert seen == [None, None]


def test_a_stream_refuses_like_any_route(file_app) -> None:  # type: ignore[no-untyped-def]
    app, _path = file_app

    def never(request: Request) -> Callable[[], AsyncIterator[str]]:
        raise AssertionError("a refused stream must not be prepared")

    app.router.routes.append(stream_route("/test/staff-stream", never, access=Access.STAFF))
    with PortalClient(app, base_url="http://testserver") as client:
        response = client.get("/test/staff-stream", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/?next=")


# --- the audit trail --------------------------------------------------------------------------


def test_a_failed_request_writes_none_of_its_trail(app, client: PortalClient, demo_db: Session) -> None:  # type: ignore[no-untyped-def]
    def note_then_fail(request: Request) -> Response:
        ctx = context(request)
        ctx.audit.security_event("login", None, via="test")  # type: ignore[arg-type]
        raise RuntimeError("the view failed after noting an event")

    app.router.routes.append(route("/test/fail", note_then_fail, access=Access.PUBLIC))
    before = demo_db.scalar(select(SecurityEvent.id).order_by(SecurityEvent.id.desc()).limit(1))
    with PortalClient(app, base_url="http://testserver", raise_server_exceptions=False) as other:
        assert other.get("/test/fail").status_code == 500
    after = demo_db.scalar(select(SecurityEvent.id).order_by(SecurityEvent.id.desc()).limit(1))
    assert after == before


def test_each_staff_read_says_why_it_was_allowed(client: PortalClient, demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    camilla = _user(demo_db, "Camilla Brandt")
    client.login_as("Camilla Brandt")
    assert client.get(f"/sag/plan/{plan.id}").status_code == 200
    row = demo_db.scalars(
        select(AccessLogEntry).where(AccessLogEntry.plan_id == plan.id, AccessLogEntry.user_id == camilla.id)
        .order_by(AccessLogEntry.id.desc())
    ).first()
    assert row is not None
    assert (row.reason, row.department_id) == ("contact_person", camilla.department_id)


def test_a_read_across_municipalities_names_the_consent_that_allowed_it(client: PortalClient, demo_db: Session) -> None:
    mads_plan = _plan_of(demo_db, "Mads")
    nanna = _user(demo_db, "Nanna Bech")  # Vallensbæk, responsible for an effort on Mads's Varde plan
    today = dt.date.today()
    consent = Consent(
        plan_id=mads_plan.id, giver_person_id=mads_plan.citizen_id, recipient_department_id=nanna.department_id,
        purpose="Afslutning af vejledning", valid_from=today, valid_until=today + dt.timedelta(days=30),
    )
    demo_db.add(consent)
    demo_db.flush()
    client.login_as("Nanna Bech")
    assert client.get(f"/sag/plan/{mads_plan.id}").status_code == 200
    row = demo_db.scalars(
        select(AccessLogEntry).where(AccessLogEntry.plan_id == mads_plan.id, AccessLogEntry.user_id == nanna.id)
    ).one()
    assert (row.reason, row.consent_id) == ("effort_responsible", consent.id)


def test_a_refused_read_leaves_no_read_in_the_log(client: PortalClient, demo_db: Session) -> None:
    mads_plan = _plan_of(demo_db, "Mads")
    nanna = _user(demo_db, "Nanna Bech")  # no consent: the plan stays closed to her
    client.login_as("Nanna Bech")
    assert client.get(f"/sag/plan/{mads_plan.id}").status_code == 404
    assert demo_db.scalars(select(AccessLogEntry).where(AccessLogEntry.user_id == nanna.id)).all() == []

"""Live streams held open over real HTTP while another connection commits: the change arrives,
a withdrawn consent ends the stream, presence shows who is on the plan. On both engines (on
PostgreSQL the events cross the server by LISTEN/NOTIFY, as between worker processes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Person, User
from portal.consent.models import Consent
from portal.plans.goals import Goals
from portal.plans.models import Effort, Goal, Plan
from portal.plans.services import SqlPlanReader

from tests.conftest import ENGINES
from tests.web.live_server import EventReader, LiveServer, live_server, log_in


@pytest.fixture(params=ENGINES)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(str(request.param), tmp_path) as running:
        yield running


def _plan_id(engine, first_name: str) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return int(session.scalars(
            select(Plan.id).join(Person, Plan.citizen_id == Person.id).where(Person.first_name == first_name)
        ).one())


def _version(engine, plan_id: int) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return int(session.scalar(select(Plan.content_version).where(Plan.id == plan_id)) or 0)


def _answer_first_goal(engine, first_name: str, comment: str) -> int:  # type: ignore[no-untyped-def]
    """The citizen answers her first goal through the goal service, committed; the new content version."""
    with Session(engine, expire_on_commit=False) as session:
        plan_id = _plan_id(engine, first_name)
        goal = session.scalars(select(Goal).where(Goal.plan_id == plan_id).order_by(Goal.id)).first()
        citizen = session.scalars(select(User).join(Person, User.person_id == Person.id).where(Person.first_name == first_name, User.role == "citizen")).one()
        assert goal is not None
        Goals(session, SqlPlanReader(session)).answer(
            goal.id, seen_version=goal.version, answer="wants_change", comment=comment, by=citizen,
            on_behalf_of=None, now=dt.datetime.now(dt.timezone.utc),
        )
        session.commit()
    return _version(engine, plan_id)


def test_a_committed_change_reaches_the_open_staff_and_citizen_pages(server: LiveServer) -> None:
    plan_id = _plan_id(server.engine, "Annette")
    seen = _version(server.engine, plan_id)
    with server.client() as staff, server.client() as citizen:
        log_in(staff, "Camilla Brandt")
        log_in(citizen, "Annette Nielsen")
        staff_stream = EventReader(staff, f"/sag/plan/{plan_id}/live?v={seen}")
        citizen_stream = EventReader(citizen, f"/min-plan/live?v={seen}")
        try:
            assert staff_stream.status == 200 and citizen_stream.status == 200
            # The staff stream says who else is on the plan as it opens: it is listening now.
            staff_stream.until("presence")
            # The citizen's has nothing to say until something changes; a power of attorney given
            # meanwhile would not matter here, so give it a moment by waiting on the staff side only.
            version = _answer_first_goal(server.engine, "Annette", "Jeg vil hellere starte om eftermiddagen.")
            assert version > seen
            for stream in (staff_stream, citizen_stream):
                items, _before = stream.until("items")
                assert "Jeg vil hellere starte om eftermiddagen." in items["data"]
                assert items["id"] == str(version)
                status, _between = stream.until("status")
                assert status["data"].startswith("Planen er opdateret:") and "mål og indsatser" in status["data"]
        finally:
            staff_stream.close()
            citizen_stream.close()


def test_a_withdrawn_consent_ends_the_caseworkers_stream_at_once(server: LiveServer) -> None:
    """Mikkel Dahl (Ishøj) is deputy on Pernille's Vallensbæk plan: he sees it only under her consent."""
    plan_id = _plan_id(server.engine, "Pernille")
    with server.client() as staff:
        log_in(staff, "Mikkel Dahl")
        assert staff.get(f"/sag/plan/{plan_id}").status_code == 200
        stream = EventReader(staff, f"/sag/plan/{plan_id}/live?v={_version(server.engine, plan_id)}")
        try:
            stream.until("presence")
            with Session(server.engine) as session, session.begin():
                for consent in session.scalars(select(Consent).where(Consent.plan_id == plan_id, Consent.withdrawn_at.is_(None))):
                    consent.withdrawn_at = dt.datetime.now(dt.timezone.utc)
            ended, before = stream.until("ended")
            assert "Du kan ikke længere se planen" in ended["data"]
            assert any(e.get("event") == "status" for e in before)
            assert not any(e.get("event") == "items" for e in before), "nothing of the plan after the withdrawal"
            assert stream.next() is None, "the stream ends after its last event"
        finally:
            stream.close()
        assert staff.get(f"/sag/plan/{plan_id}/live", headers={"Accept": "text/event-stream"}).status_code == 404


def test_the_staff_page_shows_who_has_the_plan_open_and_who_edits_what(server: LiveServer) -> None:
    plan_id = _plan_id(server.engine, "Annette")
    with server.client() as camilla, server.client() as sara:
        log_in(camilla, "Camilla Brandt")
        log_in(sara, "Sara Holm")
        camilla_stream = EventReader(camilla, f"/sag/plan/{plan_id}/live?v={_version(server.engine, plan_id)}")
        try:
            camilla_stream.until("presence")
            sara_stream = EventReader(sara, f"/sag/plan/{plan_id}/live?v={_version(server.engine, plan_id)}")
            try:
                sara_stream.until("presence")
                presence, _before = camilla_stream.until("presence")
                assert "Sara Holm (Jobcenter Ishøj-Vallensbæk) har planen åben nu" in presence["data"]
                # The page itself names her too, for whoever opens it now.
                assert "Sara Holm (Jobcenter Ishøj-Vallensbæk) har planen åben nu" in camilla.get(f"/sag/plan/{plan_id}").text
                # An edit form says Sara is editing an effort: named to those who may see it.
                with Session(server.engine) as session:
                    user = session.scalars(select(User).where(User.display_name == "Sara Holm")).one()
                    _ = user.department
                    effort = session.scalars(select(Effort).where(Effort.plan_id == plan_id, Effort.title == "Mentor fra jobcentret")).one()
                    server.app.state.services.live.presence.editing(plan_id, user, f"effort:{effort.id}")
                presence, _before = camilla_stream.until("presence")
                assert "Sara Holm (Jobcenter Ishøj-Vallensbæk) retter “Mentor fra jobcentret” nu" in presence["data"]
            finally:
                sara_stream.close()
            # Sara left and her edit mark is cleared: Camilla's page says so.
            with Session(server.engine) as session:
                user = session.scalars(select(User).where(User.display_name == "Sara Holm")).one()
                server.app.state.services.live.presence.done_editing(plan_id, user)
            while "Sara Holm" in camilla_stream.until("presence")[0]["data"]:
                pass  # her stream's end and the cleared mark may come as two updates
        finally:
            camilla_stream.close()


def test_a_reconnect_with_an_old_last_event_id_gets_what_it_missed(server: LiveServer) -> None:
    plan_id = _plan_id(server.engine, "Annette")
    seen = _version(server.engine, plan_id)
    version = _answer_first_goal(server.engine, "Annette", "Ændret mens siden var lukket.")
    with server.client() as staff:
        log_in(staff, "Camilla Brandt")
        stream = EventReader(staff, f"/sag/plan/{plan_id}/live?v=0", headers={"Last-Event-ID": str(seen)})
        try:
            items, _before = stream.until("items")
            assert "Ændret mens siden var lukket." in items["data"] and items["id"] == str(version)
        finally:
            stream.close()


def test_a_revoked_power_of_attorney_ends_the_relatives_stream_at_once(server: LiveServer) -> None:
    from portal.consent.models import Delegation

    with server.client() as relative:
        log_in(relative, "Lene Nielsen")
        assert relative.get("/min-plan").status_code == 200
        stream = EventReader(relative, "/min-plan/live?v=0")  # behind: the current parts come at once
        try:
            stream.until("status")
            with Session(server.engine) as session, session.begin():
                lene = session.scalars(select(Person).where(Person.full_name == "Lene Nielsen")).one()
                for delegation in session.scalars(select(Delegation).where(Delegation.relative_person_id == lene.id)):
                    delegation.revoked_at = dt.datetime.now(dt.timezone.utc)
            ended, before = stream.until("ended")
            assert "Du kan ikke længere se planen" in ended["data"]
            assert not any(e.get("event") == "items" for e in before)
            assert stream.next() is None
        finally:
            stream.close()

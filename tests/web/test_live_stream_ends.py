"""An open live stream ends at once when its viewer's login or account no longer holds: a logout
in another request, a logout everywhere, a deactivated account, a revoked power of attorney.
And only that viewer's: another stream on the same plan (another person's, or the same person's
on another device) keeps running and gets the next change.

Held open over real HTTP on both engines (on PostgreSQL the end travels by LISTEN/NOTIFY, as
between worker processes). The periodic recheck is set to an hour here, so a stream that ends
within the test's guard (``WAIT``) ended because it was told, never because its timer ran out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Person, User
from portal.consent.models import Delegation
from portal.live import streams

from tests.conftest import ENGINES
from tests.web.live_server import EventReader, LiveServer, live_server, log_in
from tests.web.test_live_server import _answer_first_goal, _plan_id, _version

ENDED = "Du kan ikke længere se planen"


@pytest.fixture(params=ENGINES)
def server(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    # The server runs in this process: its streams read the module's value at each wait.
    monkeypatch.setattr(streams, "RECHECK_SECONDS", 3600.0)
    with live_server(str(request.param), tmp_path) as running:
        yield running


def _post(client: httpx.Client, path: str, token_from: str = "/indstillinger", **fields: str) -> httpx.Response:
    """A form post as the browser sends it: the CSRF token of a page, and our own origin."""
    page = client.get(token_from)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, f"no form on {token_from}"
    return client.post(path, data={"csrf_token": token.group(1), **fields}, headers={"Origin": str(client.base_url).rstrip("/")})


def _ends(stream: EventReader) -> None:
    """The stream's last event says the plan is gone, nothing of the plan came before it, and it ends."""
    ended, before = stream.until("ended")
    assert ENDED in ended["data"]
    assert not any(e.get("event") == "items" for e in before)
    assert stream.next() is None, "the stream ends after its last event"


def _gets_the_next_change(server: LiveServer, streams_open: list[EventReader], first_name: str, comment: str) -> None:
    version = _answer_first_goal(server.engine, first_name, comment)
    for stream in streams_open:
        items, before = stream.until("items")
        assert not any(e.get("event") == "ended" for e in before)
        assert comment in items["data"] and items["id"] == str(version)


def _staff_stream(client: httpx.Client, plan_id: int, server: LiveServer) -> EventReader:
    stream = EventReader(client, f"/sag/plan/{plan_id}/live?v={_version(server.engine, plan_id)}")
    assert stream.status == 200
    stream.until("presence")  # it says who is on the plan as it opens: it is listening now
    return stream


def test_a_logout_ends_that_sessions_stream_and_no_other(server: LiveServer) -> None:
    plan_id = _plan_id(server.engine, "Annette")
    with server.client() as laptop, server.client() as phone, server.client() as sara:
        log_in(laptop, "Camilla Brandt")
        log_in(phone, "Camilla Brandt")
        log_in(sara, "Sara Holm")
        opened = [_staff_stream(client, plan_id, server) for client in (laptop, phone, sara)]
        laptop_stream, phone_stream, sara_stream = opened
        try:
            assert _post(laptop, "/log-ud").status_code == 303
            _ends(laptop_stream)
            # Camilla's other login and Sara's stream on the same plan run on, and see the next change.
            _gets_the_next_change(server, [phone_stream, sara_stream], "Annette", "Efter Camillas log ud.")
        finally:
            for stream in opened:
                stream.close()
        assert laptop.get(f"/sag/plan/{plan_id}/live", follow_redirects=False).status_code == 303


def test_logging_out_everywhere_ends_every_stream_of_that_user(server: LiveServer) -> None:
    plan_id = _plan_id(server.engine, "Annette")
    with server.client() as laptop, server.client() as phone, server.client() as sara:
        log_in(laptop, "Camilla Brandt")
        log_in(phone, "Camilla Brandt")
        log_in(sara, "Sara Holm")
        opened = [_staff_stream(client, plan_id, server) for client in (laptop, phone, sara)]
        laptop_stream, phone_stream, sara_stream = opened
        try:
            assert _post(phone, "/indstillinger/log-ud-alle-steder").status_code == 303
            _ends(laptop_stream)
            _ends(phone_stream)
            _gets_the_next_change(server, [sara_stream], "Annette", "Efter log ud alle steder.")
        finally:
            for stream in opened:
                stream.close()


def test_a_deactivated_caseworkers_stream_ends_and_a_colleagues_runs_on(server: LiveServer) -> None:
    """The portal has no page to deactivate a user yet: the admin's change is committed as one would be."""
    plan_id = _plan_id(server.engine, "Annette")
    with server.client() as camilla, server.client() as sara:
        log_in(camilla, "Camilla Brandt")
        log_in(sara, "Sara Holm")
        camilla_stream, sara_stream = _staff_stream(camilla, plan_id, server), _staff_stream(sara, plan_id, server)
        try:
            with Session(server.engine) as session, session.begin():
                session.scalars(select(User).where(User.display_name == "Camilla Brandt")).one().is_active = False
            _ends(camilla_stream)
            _gets_the_next_change(server, [sara_stream], "Annette", "Efter Camilla stoppede.")
        finally:
            camilla_stream.close()
            sara_stream.close()


def test_the_citizen_revoking_the_power_ends_the_relatives_stream_and_not_her_own(server: LiveServer) -> None:
    with server.client() as relative, server.client() as citizen:
        log_in(relative, "Lene Nielsen")
        log_in(citizen, "Annette Nielsen")
        relative_stream = EventReader(relative, "/min-plan/live?v=0")   # behind: the current parts at once
        citizen_stream = EventReader(citizen, "/min-plan/live?v=0")
        try:
            for stream in (relative_stream, citizen_stream):
                stream.until("status")
            with Session(server.engine) as session:
                delegation_id = session.scalars(
                    select(Delegation.id)
                    .join(Person, Delegation.relative_person_id == Person.id)
                    .where(Person.full_name == "Lene Nielsen", Delegation.revoked_at.is_(None))
                ).one()
            response = _post(citizen, f"/fuldmagter/{delegation_id}/tilbagekald", token_from="/fuldmagter")
            assert response.status_code == 303
            _ends(relative_stream)
            _gets_the_next_change(server, [citizen_stream], "Annette", "Efter tilbagekaldelsen.")
        finally:
            relative_stream.close()
            citizen_stream.close()



def test_a_relative_who_turns_to_another_citizen_in_another_tab_ends_the_first_citizens_stream(server: LiveServer) -> None:
    """Lene gets a second power (from Mads): her login then names whom she acts for, and turning to
    Mads in another tab changes that login only: the open page of Annette's plan must end."""
    with Session(server.engine) as session, session.begin():
        lene, mads = (session.scalars(select(Person).where(Person.full_name == name)).one() for name in ("Lene Nielsen", "Mads Poulsen"))
        now = dt.datetime.now(dt.timezone.utc)
        session.add(Delegation(
            citizen_person_id=mads.id, relative_person_id=lene.id, invited_name="Lene Nielsen", scopes=["read_plan"],
            expires_on=now.date() + dt.timedelta(days=30), created_at=now, accepted_at=now,
        ))
        session.flush()
        powers = {d.citizen_person_id: d.id for d in session.scalars(select(Delegation).where(Delegation.relative_person_id == lene.id))}
        annette_id = session.scalars(select(Person.id).where(Person.full_name == "Annette Nielsen")).one()
        mads_id = mads.id
    with server.client() as relative:
        log_in(relative, "Lene Nielsen")
        assert _post(relative, "/vaelg-borger", "/vaelg-borger", delegation_id=str(powers[annette_id])).status_code == 303
        stream = EventReader(relative, "/min-plan/live?v=0")
        try:
            stream.until("status")
            assert _post(relative, "/vaelg-borger", "/vaelg-borger", delegation_id=str(powers[mads_id])).status_code == 303
            _ends(stream)
        finally:
            stream.close()

"""The live streams of the plan pages, through the app, on both engines.

A client that does not ask for ``text/event-stream`` gets what it missed and the stream ends, so
these tests read whole answers; holding a stream open while a change is committed is in
tests/web/test_live_server.py. What each stream sends is checked from both sides: what a
viewer may see is there, what they may not is nowhere in the events.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Person, User
from portal.audit.models import AccessLogEntry, SecurityEvent
from portal.consent.models import Consent
from portal.i18n import LOCALE_COOKIE
from portal.plans.models import Effort, Goal, Plan

from tests.conftest import PortalClient


def parse_events(body: str) -> list[dict[str, str]]:
    """Server-sent events as dicts of their fields (data lines joined); comments are left out."""
    events = []
    for block in re.split(r"\r?\n\r?\n", body):
        event: dict[str, str] = {}
        for line in block.splitlines():
            if not line or line.startswith(":"):
                continue
            name, _sep, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            event[name] = event[name] + "\n" + value if name in event else value
        if event:
            events.append(event)
    return events


def by_name(events: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {event["event"]: event for event in events if "event" in event}


def _plan_of(db: Session, first_name: str) -> Plan:
    return db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.first_name == first_name)).one()


def _user(db: Session, display_name: str) -> User:
    return db.scalars(select(User).where(User.display_name == display_name)).one()


def _version(db: Session, plan_id: int) -> int:
    db.expire_all()
    return int(db.scalar(select(Plan.content_version).where(Plan.id == plan_id)) or 0)


def _refusals(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(SecurityEvent).where(SecurityEvent.kind == "access_refused")) or 0)


# --- the staff stream ---------------------------------------------------------------------


def test_a_page_behind_the_plan_gets_the_current_parts_at_once(client: PortalClient, demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    client.login_as("Camilla Brandt")
    response = client.get(f"/sag/plan/{plan.id}/live?v=0")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-store"
    events = by_name(parse_events(response.text))
    assert {"facts", "findings", "items", "status"} <= set(events)
    version = str(_version(demo_db, plan.id))
    assert {events[name]["id"] for name in ("facts", "findings", "items", "status")} == {version}
    assert "Angstforløb i Socialcentret" in events["items"]["data"]      # her own department's effort
    assert "Camilla Brandt" in events["facts"]["data"]
    assert "id=\"findings-heading\"" in events["findings"]["data"]


def test_a_page_that_shows_the_current_version_gets_nothing(client: PortalClient, demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    client.login_as("Camilla Brandt")
    page = client.get(f"/sag/plan/{plan.id}")
    match = re.search(r'sse-connect="([^"]+)"', page.text)
    assert match, "the plan page names its stream"
    assert match.group(1) == f"/sag/plan/{plan.id}/live?v={_version(demo_db, plan.id)}"
    assert parse_events(client.get(match.group(1)).text) == []


def test_a_reconnect_resumes_from_its_last_event_id(client: PortalClient, demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    current = _version(demo_db, plan.id)
    client.login_as("Camilla Brandt")
    # The browser names the last event it got: behind means the current parts, now; Last-Event-ID
    # wins over the page's own ?v= (it is newer).
    behind = by_name(parse_events(client.get(f"/sag/plan/{plan.id}/live?v={current}", headers={"Last-Event-ID": str(current - 1)}).text))
    assert behind["items"]["id"] == str(current)
    assert parse_events(client.get(f"/sag/plan/{plan.id}/live?v=0", headers={"Last-Event-ID": str(current)}).text) == []


def test_a_change_after_the_page_was_loaded_is_sent_when_the_stream_opens(client: PortalClient, demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    client.login_as("Camilla Brandt")
    seen = _version(demo_db, plan.id)
    goal = demo_db.scalars(select(Goal).where(Goal.plan_id == plan.id).order_by(Goal.id)).first()
    assert goal is not None
    goal.citizen_comment = "Jeg vil hellere starte om eftermiddagen."
    goal.citizen_confirmation = "wants_change"
    demo_db.flush()
    assert _version(demo_db, plan.id) == seen + 1
    events = by_name(parse_events(client.get(f"/sag/plan/{plan.id}/live?v={seen}").text))
    assert "Jeg vil hellere starte om eftermiddagen." in events["items"]["data"]
    assert events["items"]["id"] == str(seen + 1)
    # Only what differs is sent: the warnings and the contact persons did not change... but the
    # page was behind, so it cannot know; a stream that was open would send only the goals.
    assert "status" in events


@pytest.mark.parametrize(("who", "plan_of", "status"), [
    ("Camilla Brandt", "Mads", 404),        # a plan she has no part in
    ("Nanna Bech", "Mads", 404),            # another municipality, no consent
    ("Annette Nielsen", "Annette", 404),    # a citizen on a staff route
    ("Ole Bisgaard", "Annette", 404),       # an admin sees no plan content
])
def test_a_stream_of_a_plan_one_may_not_see_is_a_404(client: PortalClient, demo_db: Session, who: str, plan_of: str, status: int) -> None:
    plan = _plan_of(demo_db, plan_of)
    client.login_as(who)
    before = _refusals(demo_db)
    response = client.get(f"/sag/plan/{plan.id}/live", follow_redirects=False)
    assert response.status_code == status
    assert _refusals(demo_db) == before + 1
    assert "text/event-stream" not in response.headers.get("content-type", "")


def test_anonymous_is_sent_to_log_in(client: PortalClient, demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    response = client.get(f"/sag/plan/{plan.id}/live", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/?next=")
    assert client.get("/min-plan/live", follow_redirects=False).status_code == 303


def test_opening_a_stream_is_not_another_read_in_the_log(client: PortalClient, demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    client.login_as("Camilla Brandt")

    def reads() -> int:
        demo_db.expire_all()
        return int(demo_db.scalar(select(func.count()).select_from(AccessLogEntry).where(AccessLogEntry.plan_id == plan.id)) or 0)

    before = reads()
    client.get(f"/sag/plan/{plan.id}")
    assert reads() == before + 1
    client.get(f"/sag/plan/{plan.id}/live?v=0")
    assert reads() == before + 1


def test_events_hold_no_effort_of_a_department_without_consent(client: PortalClient, demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    camilla = _user(demo_db, "Camilla Brandt")
    others = [e.title for e in plan.efforts if e.department_id is not None and e.department_id != camilla.department_id]
    assert others
    client.login_as("Camilla Brandt")
    # With her consent, the other departments' efforts are in the events ...
    body = client.get(f"/sag/plan/{plan.id}/live?v=0").text
    assert all(title in body for title in others)
    # ... and once Annette withdraws it, none of them is, not in any part nor in a warning.
    consent = demo_db.scalars(select(Consent).where(Consent.plan_id == plan.id, Consent.recipient_department_id == camilla.department_id)).one()
    consent.withdrawn_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    demo_db.flush()
    body = client.get(f"/sag/plan/{plan.id}/live?v=0").text
    assert parse_events(body), "she still sees the plan: she is its contact person"
    assert not any(title in body for title in others)


@pytest.mark.parametrize(("language", "heading", "status"), [
    ("da", "advarsler", "Planen er opdateret"),
    ("en", "warnings", "The plan has been updated"),
])
def test_each_stream_speaks_its_viewers_language(client: PortalClient, demo_db: Session, language: str, heading: str, status: str) -> None:
    plan = _plan_of(demo_db, "Annette")
    client.login_as("Camilla Brandt")
    client.cookies.set(LOCALE_COOKIE, language)
    events = by_name(parse_events(client.get(f"/sag/plan/{plan.id}/live?v=0").text))
    assert heading in events["findings"]["data"]
    assert events["status"]["data"].startswith(status)


# --- the citizen's stream -------------------------------------------------------------------


def test_the_citizen_gets_her_own_plan_and_no_one_elses(client: PortalClient, demo_db: Session) -> None:
    annette, mads = _plan_of(demo_db, "Annette"), _plan_of(demo_db, "Mads")
    client.login_as("Annette Nielsen")
    page = client.get("/min-plan")
    assert f'sse-connect="/min-plan/live?v={_version(demo_db, annette.id)}"' in page.text
    events = by_name(parse_events(client.get("/min-plan/live?v=0").text))
    assert {"contact", "items", "status"} <= set(events)
    own = [g.citizen_wording for g in annette.goals if g.show_on_front and g.status != "dropped"]
    assert own and all(wording in events["items"]["data"] for wording in own)
    assert not any(g.citizen_wording in events["items"]["data"] for g in mads.goals)
    assert events["items"]["id"] == str(_version(demo_db, annette.id))


def test_a_relative_with_power_of_attorney_gets_the_citizens_stream(client: PortalClient, demo_db: Session) -> None:
    annette = _plan_of(demo_db, "Annette")
    client.login_as("Lene Nielsen")
    events = by_name(parse_events(client.get("/min-plan/live?v=0").text))
    assert events["items"]["id"] == str(_version(demo_db, annette.id))


def test_the_streaming_pages_load_the_sse_extension_and_other_pages_no_scripts_for_it(client: PortalClient, demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    client.login_as("Annette Nielsen")
    plan_page = client.get("/min-plan").text
    assert "js/htmx-ext-sse.min.js" in plan_page and "js/htmx.min.js" in plan_page
    assert 'role="status"' in plan_page
    week = client.get("/min-plan/uge").text
    assert "htmx-ext-sse" not in week and "htmx.min.js" not in week
    client.login_as("Camilla Brandt")
    staff_page = client.get(f"/sag/plan/{plan.id}").text
    assert "js/htmx-ext-sse.min.js" in staff_page and 'role="status"' in staff_page


def test_effort_ids_in_the_stream_are_those_of_the_page(client: PortalClient, demo_db: Session) -> None:
    """The parts sent are the page's own blocks: swapping them in gives the page a reload would."""
    plan = _plan_of(demo_db, "Annette")
    client.login_as("Camilla Brandt")
    page = client.get(f"/sag/plan/{plan.id}").text
    items = by_name(parse_events(client.get(f"/sag/plan/{plan.id}/live?v=0").text))["items"]["data"]
    effort_ids = set(re.findall(r'id="effort-(\d+)"', items))
    assert effort_ids and effort_ids == set(re.findall(r'id="effort-(\d+)"', page))
    visible = demo_db.scalars(select(Effort.id).where(Effort.plan_id == plan.id)).all()
    assert effort_ids <= {str(i) for i in visible}

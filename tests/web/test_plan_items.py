"""Meetings, outside participants and shared assessments: made and changed on plain form pages
(both engines); bad input is a Danish field error, a stale save a conflict, others' items a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.accounts.models import Department, Person, User
from portal.audit.models import SecurityEvent
from portal.consent.models import Consent
from portal.plans.models import Meeting, Participant, Plan, Revision, SharedAssessment

from tests.conftest import PortalClient


def _plan(db: Session, citizen: str = "Annette Nielsen") -> Plan:
    return db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.full_name == citizen)).one()


def _meeting_with(db: Session, plan: Plan, name: str) -> Meeting:
    return db.scalars(select(Meeting).join(User, Meeting.with_user_id == User.id)
                      .where(Meeting.plan_id == plan.id, User.display_name == name)).one()


def _assessment_of(db: Session, plan: Plan, department_kind: str) -> SharedAssessment:
    return db.scalars(select(SharedAssessment).join(Department, SharedAssessment.department_id == Department.id)
                      .where(SharedAssessment.person_id == plan.citizen_id, Department.kind == department_kind)).one()


def _refusals(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(SecurityEvent).where(SecurityEvent.kind == "access_refused")) or 0)


def _count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


NEXT_YEAR = (dt.date.today() + dt.timedelta(days=365)).isoformat()


def test_a_caseworker_adds_a_meeting_with_the_citizens_own_cadence(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    client.login_as("Sara Holm")  # jobcenter, responsible for an effort
    assert client.get(f"/sag/plan/{plan.id}/moeder/ny").status_code == 200
    response = client.post_form(f"/sag/plan/{plan.id}/moeder/ny", {
        "day": NEXT_YEAR, "time": "09:30", "location": "Jobcentret", "purpose": "Vi taler om din praktik.", "cadence": "3",
    }, follow_redirects=False)
    assert response.status_code == 303
    meeting = _meeting_with(demo_db, plan, "Sara Holm")
    assert (meeting.cadence_weeks, meeting.location, meeting.version) == (3, "Jobcentret", 1)
    assert meeting.starts_at.astimezone(dt.timezone.utc).date().isoformat() == NEXT_YEAR
    fields = set(demo_db.scalars(select(Revision.field).where(Revision.entity == "meeting", Revision.entity_id == meeting.id)))
    assert fields == {"starts_at", "location", "purpose", "cadence_weeks"}
    page = client.get(f"/sag/plan/{plan.id}").text
    assert "Vi taler om din praktik." in page and f"/moeder/{meeting.id}" in page
    # The citizen sees it too.
    client.login_as("Annette Nielsen")
    assert "Vi taler om din praktik." in client.get(f"/min-plan/uge?uge={NEXT_YEAR}").text


@pytest.mark.parametrize(("fields", "message"), [
    ({"day": "2020-01-01"}, "Mødet er i fortiden"),
    ({"cadence": "60"}, "fra 1 til 52"),
    ({"cadence": "0"}, "fra 1 til 52"),
    ({"purpose": "   "}, "Skriv, hvad I skal tale om"),
    ({"location": ""}, "Skriv, hvor I mødes"),
    ({"time": "25:00"}, "Skriv tidspunktet"),
    ({"day": "31-12-2030"}, "Skriv datoen"),
])
def test_bad_meeting_input_is_a_danish_field_error(client: PortalClient, demo_db: Session, fields: dict[str, str], message: str) -> None:
    plan = _plan(demo_db)
    before = _count(demo_db, Meeting), _count(demo_db, Revision)
    client.login_as("Camilla Brandt")
    good = {"day": NEXT_YEAR, "time": "10:00", "location": "Hjemme", "purpose": "Morgener.", "cadence": "2"}
    response = client.post_form(f"/sag/plan/{plan.id}/moeder/ny", {**good, **fields})
    assert response.status_code == 422
    assert message in response.text and "<title>Fejl:" in response.text
    assert (_count(demo_db, Meeting), _count(demo_db, Revision)) == before


def test_a_stale_meeting_save_shows_theirs_and_yours_and_writes_nothing(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    meeting = _meeting_with(demo_db, plan, "Camilla Brandt")
    client.login_as("Camilla Brandt")
    form = {"day": NEXT_YEAR, "time": "10:00", "location": "Hjemme hos dig", "purpose": meeting.purpose, "cadence": "2"}
    first = client.post_form(f"/sag/plan/{plan.id}/moeder/{meeting.id}", {**form, "location": "Biblioteket", "version": "1"},
                             follow_redirects=False)
    assert first.status_code == 303
    revisions = _count(demo_db, Revision)
    stale = client.post_form(f"/sag/plan/{plan.id}/moeder/{meeting.id}", {**form, "location": "Caféen", "version": "1"})
    assert stale.status_code == 409
    assert "Biblioteket" in stale.text and "Caféen" in stale.text
    assert 'name="version" value="2"' in stale.text
    demo_db.expire_all()
    assert meeting.location == "Biblioteket" and _count(demo_db, Revision) == revisions
    # Saving again from the conflict page ("use mine") goes through.
    mine = client.post_form(f"/sag/plan/{plan.id}/moeder/{meeting.id}", {**form, "location": "Caféen", "version": "2"},
                            follow_redirects=False)
    assert mine.status_code == 303
    demo_db.expire_all()
    assert meeting.location == "Caféen"


def test_meetings_are_changed_by_their_caseworker_or_the_contact_person(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    mikkels = _meeting_with(demo_db, plan, "Mikkel Dahl")
    client.login_as("Camilla Brandt")  # contact person
    assert client.get(f"/sag/plan/{plan.id}/moeder/{mikkels.id}").status_code == 200
    client.login_as("Sara Holm")  # sees the plan, the meeting is not hers
    before = _refusals(demo_db)
    assert client.get(f"/sag/plan/{plan.id}/moeder/{mikkels.id}").status_code == 404
    response = client.post_form(f"/sag/plan/{plan.id}/moeder/{mikkels.id}", {
        "day": NEXT_YEAR, "time": "10:00", "location": "X", "purpose": "Y", "version": "1"})
    assert response.status_code == 404
    assert _refusals(demo_db) == before + 2
    assert f"/moeder/{mikkels.id}" not in client.get(f"/sag/plan/{plan.id}").text
    # Another plan's meeting under this plan's address is unknown, even to the contact person.
    mads = _plan(demo_db, "Mads Poulsen")
    other = demo_db.scalars(select(Meeting).where(Meeting.plan_id == mads.id)).first()
    assert other is not None
    client.login_as("Camilla Brandt")
    assert client.get(f"/sag/plan/{plan.id}/moeder/{other.id}").status_code == 404


def test_participants_are_added_by_anyone_on_the_plan_and_changed_by_its_keepers(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    client.login_as("Sara Holm")
    assert client.post_form(f"/sag/plan/{plan.id}/deltagere/ny", {"name": "", "kind": "gp"}).status_code == 422
    assert client.post_form(f"/sag/plan/{plan.id}/deltagere/ny", {"name": "Smerteklinikken", "kind": "spa"}).status_code == 422
    response = client.post_form(f"/sag/plan/{plan.id}/deltagere/ny", {"name": "Smerteklinikken", "kind": "pain_clinic",
                                                                    "role_description": "Hjælper med smerter."}, follow_redirects=False)
    assert response.status_code == 303
    added = demo_db.scalars(select(Participant).where(Participant.name == "Smerteklinikken")).one()
    assert client.get(f"/sag/plan/{plan.id}/deltagere/{added.id}").status_code == 404
    client.login_as("Camilla Brandt")
    response = client.post_form(f"/sag/plan/{plan.id}/deltagere/{added.id}", {
        "name": "Smerteklinikken i Glostrup", "kind": "pain_clinic", "role_description": "", "version": "1"}, follow_redirects=False)
    assert response.status_code == 303
    demo_db.expire_all()
    assert (added.name, added.role_description, added.version) == ("Smerteklinikken i Glostrup", None, 2)
    assert "Smerteklinikken i Glostrup" in client.get(f"/sag/plan/{plan.id}").text


def test_an_assessment_is_changed_by_its_own_department_only(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    social = _assessment_of(demo_db, plan, "social_adult")
    job = _assessment_of(demo_db, plan, "employment")
    client.login_as("Camilla Brandt")  # social centre
    assert client.get(f"/sag/plan/{plan.id}/vurderinger/{social.id}").status_code == 200
    before = _refusals(demo_db)
    assert client.get(f"/sag/plan/{plan.id}/vurderinger/{job.id}").status_code == 404
    assert _refusals(demo_db) == before + 1
    fields = {"person": str(plan.citizen_id), "title": social.title, "body": "Ny vurdering.", "version": "1"}
    future = client.post_form(f"/sag/plan/{plan.id}/vurderinger/{social.id}", {**fields, "assessed_on": NEXT_YEAR})
    assert future.status_code == 422 and "fremtiden" in future.text
    saved = client.post_form(f"/sag/plan/{plan.id}/vurderinger/{social.id}",
                             {**fields, "assessed_on": dt.date.today().isoformat()}, follow_redirects=False)
    assert saved.status_code == 303
    demo_db.expire_all()
    assert social.summary == "Ny vurdering." and social.version == 2
    # A new one is the caseworker's own department's.
    client.post_form(f"/sag/plan/{plan.id}/vurderinger/ny", {"person": str(plan.citizen_id), "title": "Boligbehov",
                                                            "body": "Har brug for en mindre bolig.",
                                                            "assessed_on": dt.date.today().isoformat()})
    made = demo_db.scalars(select(SharedAssessment).where(SharedAssessment.title == "Boligbehov")).one()
    assert made.department_id == social.department_id


def test_assessments_of_departments_without_consent_stay_hidden(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    job = _assessment_of(demo_db, plan, "employment")
    client.login_as("Camilla Brandt")
    assert job.title in client.get(f"/sag/plan/{plan.id}").text  # under Annette's consent
    demo_db.execute(update(Consent).where(Consent.plan_id == plan.id).values(withdrawn_at=dt.datetime.now(dt.timezone.utc)))
    demo_db.flush()
    page = client.get(f"/sag/plan/{plan.id}").text
    social = _assessment_of(demo_db, plan, "social_adult")
    assert job.title not in page and social.title in page
    assert "1 vurdering fra en anden afdeling er skjult" in page
    assert client.get(f"/sag/plan/{plan.id}/vurderinger/{job.id}").status_code == 404


def test_meetings_with_departments_without_consent_stay_hidden(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    louises = _meeting_with(demo_db, plan, "Louise Krogh")  # the family centre
    camillas = _meeting_with(demo_db, plan, "Camilla Brandt")
    client.login_as("Camilla Brandt")
    assert louises.purpose in client.get(f"/sag/plan/{plan.id}").text
    demo_db.execute(update(Consent).where(Consent.plan_id == plan.id).values(withdrawn_at=dt.datetime.now(dt.timezone.utc)))
    demo_db.flush()
    page = client.get(f"/sag/plan/{plan.id}").text
    assert louises.purpose not in page and louises.location not in page and camillas.purpose in page
    assert "møder med andre afdelinger er skjult" in page
    # Hidden from the contact person's edit too.
    assert client.get(f"/sag/plan/{plan.id}/moeder/{louises.id}").status_code == 404

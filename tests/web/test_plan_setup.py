"""A plan for a citizen who has none, its children, contact person and deputy (both engines)."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Person, User
from portal.audit.models import SecurityEvent
from portal.plans.models import Goal, Plan, PlanMember, Revision

from tests.conftest import PortalClient
from tests.support.html_forms import read_form


def _user_id(db: Session, name: str) -> int:
    return db.scalars(select(User.id).where(User.display_name == name)).one()


def _plan(db: Session, citizen: str) -> Plan:
    return db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.full_name == citizen)).one()


def _refusals(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(SecurityEvent).where(SecurityEvent.kind == "access_refused")) or 0)


def _new_citizen(client: PortalClient, db: Session, name: str = "Ida Holm") -> int:
    response = client.post_form("/sag/borgere/ny", {"full_name": name, "first_name": name.split()[0]})
    assert response.status_code == 200
    person_id = db.scalars(select(Person.id).where(Person.full_name == name)).one()
    # The letter leads straight on to the citizen's plan.
    assert f"/sag/plan/ny?borger={person_id}" in response.text
    return person_id


def test_a_new_citizen_gets_a_plan_at_once(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Camilla Brandt")
    person_id = _new_citizen(client, demo_db)
    form = client.get(f"/sag/plan/ny?borger={person_id}")
    assert form.status_code == 200 and "Ida Holm" in form.text
    camilla = _user_id(demo_db, "Camilla Brandt")
    # The creating caseworker is the contact person unless chosen otherwise.
    assert re.search(rf'<option value="{camilla}" selected>', form.text)
    mikkel = _user_id(demo_db, "Mikkel Dahl")
    response = client.post_form("/sag/plan/ny", {"borger": str(person_id), "kind": "family", "contact": str(camilla),
                                                 "deputy": str(mikkel)}, follow_redirects=False)
    assert response.status_code == 303
    plan = demo_db.scalars(select(Plan).where(Plan.citizen_id == person_id)).one()
    assert (plan.kind, plan.contact_user_id, plan.deputy_user_id) == ("family", camilla, mikkel)
    assert response.headers["location"] == f"/sag/plan/{plan.id}?gemt=plan"
    members = demo_db.scalars(select(PlanMember).where(PlanMember.plan_id == plan.id)).all()
    assert [(m.person_id, m.role) for m in members] == [(person_id, "citizen")]
    fields = set(demo_db.scalars(select(Revision.field).where(Revision.plan_id == plan.id)))
    assert {"kind", "contact_user_id", "deputy_user_id"} <= fields
    page = client.get(f"/sag/plan/{plan.id}")
    assert page.status_code == 200 and "Ida Holm" in page.text
    # A second plan for the same citizen is refused: everyone has at most one.
    again = client.post_form("/sag/plan/ny", {"borger": str(person_id), "kind": "citizen", "contact": str(camilla)})
    assert again.status_code == 409
    assert demo_db.scalar(select(func.count()).select_from(Plan).where(Plan.citizen_id == person_id)) == 1


def test_the_caseload_links_to_citizens_without_a_plan(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Camilla Brandt")
    person_id = _new_citizen(client, demo_db, "Ulla Berg")
    assert 'href="/sag/plan/ny"' in client.get("/sag/").text
    assert f"/sag/plan/ny?borger={person_id}" in client.get("/sag/plan/ny").text
    # Citizens of another municipality are not listed, and their plan cannot be made from here.
    client.login_as("Bent Due")
    assert "Ulla Berg" not in client.get("/sag/plan/ny").text
    before = _refusals(demo_db)
    assert client.get(f"/sag/plan/ny?borger={person_id}").status_code == 404
    response = client.post_form("/sag/plan/ny", {"borger": str(person_id), "kind": "citizen",
                                                 "contact": str(_user_id(demo_db, "Bent Due"))})
    assert response.status_code == 404
    assert _refusals(demo_db) == before + 2
    assert demo_db.scalar(select(func.count()).select_from(Plan).where(Plan.citizen_id == person_id)) == 0


def test_bad_plan_input_is_a_danish_field_error_and_nothing_is_written(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Camilla Brandt")
    person_id = _new_citizen(client, demo_db, "Tove Lund")
    camilla = str(_user_id(demo_db, "Camilla Brandt"))
    cases = [
        {"kind": "team", "contact": camilla},
        {"kind": "citizen", "contact": str(_user_id(demo_db, "Bent Due"))},  # another municipality's caseworker
        {"kind": "citizen", "contact": camilla, "deputy": camilla},
    ]
    for fields in cases:
        response = client.post_form("/sag/plan/ny", {"borger": str(person_id), **fields})
        assert response.status_code == 422, fields
        assert "Fejl:" in response.text
    assert demo_db.scalar(select(func.count()).select_from(Plan).where(Plan.citizen_id == person_id)) == 0


def test_the_contact_person_changes_the_deputy_and_a_stale_save_is_a_conflict(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db, "Annette Nielsen")
    version, contact, deputy = plan.version, plan.contact_user_id, plan.deputy_user_id
    sara = _user_id(demo_db, "Sara Holm")
    client.login_as("Camilla Brandt")
    page = client.get(f"/sag/plan/{plan.id}/kontaktperson")
    assert page.status_code == 200 and f'name="version" value="{version}"' in page.text
    response = client.post_form(f"/sag/plan/{plan.id}/kontaktperson",
                                {"contact": str(contact), "deputy": str(sara), "version": str(version)}, follow_redirects=False)
    assert response.status_code == 303
    demo_db.expire_all()
    assert plan.deputy_user_id == sara and plan.version == version + 1
    revision = demo_db.scalars(select(Revision).where(Revision.plan_id == plan.id, Revision.field == "deputy_user_id")).one()
    assert (revision.old_value, revision.new_value) == (str(deputy), str(sara))
    # The same form again, from the old version: refused, both values shown, nothing written.
    stale = client.post_form(f"/sag/plan/{plan.id}/kontaktperson",
                             {"contact": str(contact), "deputy": "", "version": str(version)})
    assert stale.status_code == 409
    assert "Sara Holm" in stale.text and "Someone else saved" not in stale.text
    # The conflict view field by field: only the deputy differs; keep theirs, use mine or a merge.
    assert "Nogen gemte før dig" in stale.text and "Camilla Brandt gemte" in stale.text
    assert re.findall(r'<tr class="differs"><th scope="row">(.*?)</th>', stale.text) == ["Stedfortræder"]
    assert "Behold deres" in stale.text and "Brug min" in stale.text and 'name="pick__deputy_user_id"' in stale.text
    assert f'name="version" value="{version + 1}"' in stale.text
    demo_db.expire_all()
    assert plan.deputy_user_id == sara
    # "Use mine" (no deputy) from the conflict view goes through against the new version.
    path = f"/sag/plan/{plan.id}/kontaktperson"
    mine = client.post(path, data=dict(read_form(stale.text, path, 0)), follow_redirects=False)
    assert mine.status_code == 303
    demo_db.expire_all()
    assert plan.deputy_user_id is None and plan.contact_user_id == contact


def test_only_the_contact_person_and_deputy_change_who_keeps_the_plan(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db, "Annette Nielsen")
    client.login_as("Mikkel Dahl")  # the deputy
    assert client.get(f"/sag/plan/{plan.id}/kontaktperson").status_code == 200
    assert client.get(f"/sag/plan/{plan.id}/medlemmer").status_code == 200
    client.login_as("Sara Holm")  # responsible for an effort: sees the plan, does not keep it
    before = _refusals(demo_db)
    assert client.get(f"/sag/plan/{plan.id}/kontaktperson").status_code == 404
    response = client.post_form(f"/sag/plan/{plan.id}/kontaktperson",
                                {"contact": str(_user_id(demo_db, "Sara Holm")), "version": str(plan.version)})
    assert response.status_code == 404
    assert _refusals(demo_db) == before + 2
    assert "/kontaktperson" not in client.get(f"/sag/plan/{plan.id}").text
    demo_db.expire_all()
    assert plan.contact_user_id == _user_id(demo_db, "Camilla Brandt")


def test_a_child_joins_and_leaves_a_family_plan(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db, "Annette Nielsen")
    annette = plan.citizen_id
    client.login_as("Camilla Brandt")
    bad = client.post_form(f"/sag/plan/{plan.id}/medlemmer", {"full_name": "Alma Nielsen", "first_name": "Alma",
                                                            "birth_year": "1850", "custody_holder": str(annette)})
    assert bad.status_code == 422 and "fire cifre" in bad.text
    assert demo_db.scalar(select(func.count()).select_from(Person).where(Person.full_name == "Alma Nielsen")) == 0
    response = client.post_form(f"/sag/plan/{plan.id}/medlemmer", {"full_name": "Alma Nielsen", "first_name": "Alma",
                                                                 "birth_year": "2019", "custody_holder": str(annette)},
                                follow_redirects=False)
    assert response.status_code == 303
    alma = demo_db.scalars(select(Person).where(Person.full_name == "Alma Nielsen")).one()
    member = demo_db.scalars(select(PlanMember).where(PlanMember.person_id == alma.id)).one()
    assert (member.plan_id, member.role, member.custody_holder_id, alma.kind) == (plan.id, "child", annette, "child")
    # Oliver has goals and efforts: he cannot simply be taken off.
    oliver = demo_db.scalars(select(Person.id).where(Person.full_name == "Oliver Nielsen")).one()
    assert demo_db.scalar(select(func.count()).select_from(Goal).where(Goal.member_person_id == oliver))
    refused = client.post_form(f"/sag/plan/{plan.id}/medlemmer/{oliver}/fjern")
    assert refused.status_code == 422
    # The citizen the plan is kept with is never taken off.
    assert client.post_form(f"/sag/plan/{plan.id}/medlemmer/{annette}/fjern").status_code == 404
    gone = client.post_form(f"/sag/plan/{plan.id}/medlemmer/{alma.id}/fjern", follow_redirects=False)
    assert gone.status_code == 303
    assert demo_db.scalar(select(func.count()).select_from(PlanMember).where(PlanMember.person_id == alma.id)) == 0
    fields = list(demo_db.scalars(select(Revision.field).where(Revision.entity == "member", Revision.entity_id == alma.id)))
    assert sorted(fields) == ["added", "removed"]

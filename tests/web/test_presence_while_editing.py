"""Presence while editing (issue 9): opening an item's edit form tells the others on the plan who
is editing what, named only to those who may see the item; saving or cancelling ends it.

Annette's demo plan: Camilla Brandt (Socialcenter) is the contact person, Mikkel Dahl (Jobcenter)
the deputy. The mentor effort is the jobcenter's: Camilla sees it while Annette's consent covers
her department, and not once it has ended.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Person, User
from portal.consent.models import Consent
from portal.plans.models import Effort, Plan

from tests.conftest import PortalClient
from tests.support.html_forms import read_form, with_values


def _plan(db: Session) -> Plan:
    return db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.first_name == "Annette")).one()


def _user(db: Session, name: str) -> User:
    return db.scalars(select(User).where(User.display_name == name)).one()


def _mentor(plan: Plan) -> Effort:
    return next(e for e in plan.efforts if e.title.startswith("Mentor"))


def _presence(client: PortalClient, plan: Plan) -> str:
    """The presence block of the staff plan page, as the logged-in caseworker sees it."""
    page = client.get(f"/sag/plan/{plan.id}").text
    start = page.index('<div id="plan-presence"')
    return page[start:page.index("</div>", start)]


def _end_consent_of(db: Session, plan: Plan, department_id: int) -> None:
    consent = db.scalars(
        select(Consent).where(Consent.plan_id == plan.id, Consent.recipient_department_id == department_id)
    ).one()
    consent.withdrawn_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    db.flush()


def _data(fields: list[tuple[str, str]]) -> dict[str, Any]:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def test_a_colleague_who_may_see_the_effort_is_told_its_title(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    effort = _mentor(plan)
    mikkel = _user(demo_db, "Mikkel Dahl")
    assert mikkel.department is not None and effort.department_id == mikkel.department_id
    editing = f"Mikkel Dahl ({mikkel.department.name}) retter “{effort.title}” nu"

    client.login_as("Camilla Brandt")
    assert "Mikkel Dahl" not in _presence(client, plan)
    client.login_as("Mikkel Dahl")
    assert client.get(f"/sag/plan/{plan.id}/indsats/{effort.id}").status_code == 200
    assert "Mikkel Dahl" not in _presence(client, plan)  # no one is told of themselves
    client.login_as("Camilla Brandt")
    assert editing in _presence(client, plan)


def test_a_colleague_who_may_not_see_the_effort_is_told_only_that_something_is_edited(
    client: PortalClient, demo_db: Session
) -> None:
    plan = _plan(demo_db)
    effort = _mentor(plan)
    camilla = _user(demo_db, "Camilla Brandt")
    mikkel = _user(demo_db, "Mikkel Dahl")
    assert mikkel.department is not None and camilla.department_id is not None
    _end_consent_of(demo_db, plan, camilla.department_id)

    client.login_as("Mikkel Dahl")
    assert client.get(f"/sag/plan/{plan.id}/indsats/{effort.id}").status_code == 200
    client.login_as("Camilla Brandt")
    presence = _presence(client, plan)
    assert f"Mikkel Dahl ({mikkel.department.name}) retter noget i planen nu" in presence
    assert effort.title not in presence and f"effort:{effort.id}" not in presence
    assert effort.title not in client.get(f"/sag/plan/{plan.id}").text


def test_a_goal_being_edited_is_named_too(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    goal = plan.goals[0]
    client.login_as("Mikkel Dahl")
    assert client.get(f"/sag/plan/{plan.id}/maal/{goal.id}").status_code == 200
    client.login_as("Camilla Brandt")
    assert f"retter “{goal.citizen_wording}” nu" in _presence(client, plan)


def test_saving_ends_the_edit_mark(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    effort = _mentor(plan)
    path = f"/sag/plan/{plan.id}/indsats/{effort.id}"
    client.login_as("Mikkel Dahl")
    form = client.get(path).text
    bad = with_values(read_form(form, path, 0), title="")
    assert client.post(path, data=_data(bad), follow_redirects=False).status_code == 422
    client.login_as("Camilla Brandt")
    assert "Mikkel Dahl" in _presence(client, plan)  # a refused save is still an open edit

    client.login_as("Mikkel Dahl")
    fields = with_values(read_form(client.get(path).text, path, 0), title="Mentor hver onsdag")
    assert client.post(path, data=_data(fields), follow_redirects=False).status_code == 303
    client.login_as("Camilla Brandt")
    assert "Mikkel Dahl" not in _presence(client, plan)


def test_saving_with_htmx_ends_the_edit_mark_too(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    goal = plan.goals[0]
    path = f"/sag/plan/{plan.id}/maal/{goal.id}"
    client.login_as("Mikkel Dahl")
    fields = read_form(client.get(path, headers={"HX-Request": "true"}).text, path, 0)
    response = client.post(path, data=_data(fields), headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.status_code == 200, response.text[:500]
    client.login_as("Camilla Brandt")
    assert "Mikkel Dahl" not in _presence(client, plan)


def test_cancel_ends_the_edit_mark(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    effort = _mentor(plan)
    path = f"/sag/plan/{plan.id}/indsats/{effort.id}"
    client.login_as("Mikkel Dahl")
    form = client.get(path).text
    cancel = f'href="/sag/plan/{plan.id}?afbrudt=effort#effort-{effort.id}"'
    assert cancel in form
    client.login_as("Camilla Brandt")
    assert "Mikkel Dahl" in _presence(client, plan)
    client.get(f"/sag/plan/{plan.id}?afbrudt=effort")  # Camilla's own cancel does not end his mark
    assert "Mikkel Dahl" in _presence(client, plan)

    client.login_as("Mikkel Dahl")
    assert client.get(f"/sag/plan/{plan.id}?afbrudt=effort").status_code == 200
    client.login_as("Camilla Brandt")
    assert "Mikkel Dahl" not in _presence(client, plan)


def test_a_new_items_form_marks_nothing(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    client.login_as("Mikkel Dahl")
    assert client.get(f"/sag/plan/{plan.id}/indsats/ny").status_code == 200
    assert client.get(f"/sag/plan/{plan.id}/maal/ny").status_code == 200
    client.login_as("Camilla Brandt")
    assert "Mikkel Dahl" not in _presence(client, plan)

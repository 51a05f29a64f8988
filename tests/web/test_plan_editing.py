"""Caseworkers create and change efforts and goals (issue 9): forms, bad input, access, no lost update.

Annette's demo plan: Camilla Brandt (Socialcenter) is the contact person, Mikkel Dahl (Jobcenter)
the deputy; Jonas Vestergaard (Socialcenter) is responsible for an effort of his department and
coordinates nothing. Annette's consent covers the job, social, family and benefits departments.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Department, Person, User
from portal.audit.models import SecurityEvent
from portal.consent.models import Consent
from portal.plans.models import Effort, Goal, Plan, Revision

from tests.conftest import PortalClient
from tests.support.html_forms import read_form, select_options, with_values


def _plan(db: Session, first_name: str = "Annette") -> Plan:
    return db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.first_name == first_name)).one()


def _user(db: Session, name: str) -> User:
    return db.scalars(select(User).where(User.display_name == name)).one()


def _effort(db: Session, plan: Plan, title_start: str) -> Effort:
    return next(e for e in plan.efforts if e.title.startswith(title_start))


def _data(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def _form(client: PortalClient, path: str, index: int = 0, page: str | None = None) -> list[tuple[str, str]]:
    html = page if page is not None else client.get(path).text
    return read_form(html, path, index)


def _post(client: PortalClient, path: str, fields: list[tuple[str, str]], **headers: str) -> Any:
    return client.post(path, data=_data(fields), headers=headers, follow_redirects=False)


def _revisions(db: Session, entity: str, entity_id: int) -> list[Revision]:
    db.expire_all()
    return list(db.scalars(select(Revision).where(Revision.entity == entity, Revision.entity_id == entity_id).order_by(Revision.id)))


def _refusals(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(SecurityEvent).where(SecurityEvent.kind == "access_refused")) or 0)


# --- create and change ------------------------------------------------------------------------


def test_the_contact_person_changes_an_effort_and_the_citizen_reads_the_change(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    effort = _effort(demo_db, plan, "Mentor")  # the jobcenter's: the contact person coordinates
    version = effort.version
    path = f"/sag/plan/{plan.id}/indsats/{effort.id}"
    client.login_as("Camilla Brandt")
    plan_page = client.get(f"/sag/plan/{plan.id}").text
    assert f'href="{path}"' in plan_page and 'src="/static/js/htmx.min.js' in plan_page
    fields = with_values(_form(client, path), title="Mentor hver tirsdag", monthly_cost_dkk="2500",
                         **{"slots__weekday": ["1", ""], "slots__start": ["10:00", ""], "slots__end": ["11:30", ""]})
    response = _post(client, path, fields)
    assert response.status_code == 303, response.text[:500]
    assert response.headers["location"] == f"/sag/plan/{plan.id}?gemt=effort#effort-{effort.id}"
    demo_db.expire_all()
    saved = demo_db.get(Effort, effort.id)
    assert saved is not None
    assert (saved.title, saved.monthly_cost_dkk, saved.version) == ("Mentor hver tirsdag", 2500, version + 1)
    assert [(s.weekday, s.start_time, s.end_time) for s in saved.slots] == [(1, dt.time(10), dt.time(11, 30))]
    fields_changed = {r.field: (r.old_value, r.new_value) for r in _revisions(demo_db, "effort", effort.id)}
    assert fields_changed["title"][1] == "Mentor hver tirsdag"
    assert fields_changed["monthly_cost_dkk"][1] == "2500"
    assert "slots" in fields_changed
    assert {r.user_id for r in _revisions(demo_db, "effort", effort.id)} == {_user(demo_db, "Camilla Brandt").id}
    # Only the effort's own version rose: the plan's is untouched, so other items never conflict.
    assert demo_db.get(Plan, plan.id).version == plan.version  # type: ignore[union-attr]

    client.login_as("Annette Nielsen")
    changes = client.get("/min-plan/aendringer").text
    assert "Camilla Brandt ændrede navnet for Mentor hver tirsdag" in changes
    assert "2500" not in changes  # the cost is internal: the citizen is told that it changed, not to what


def test_a_caseworker_creates_an_effort_and_a_goal(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    client.login_as("Camilla Brandt")
    path = f"/sag/plan/{plan.id}/maal/ny"
    fields = with_values(_form(client, path), citizen_wording="Jeg vil cykle til arbejde", horizon="medium", life_area="health")
    response = _post(client, path, fields)
    assert response.status_code == 303, response.text[:500]
    goal_id = int(response.headers["location"].rsplit("goal-", 1)[1])
    goal = demo_db.get(Goal, goal_id)
    assert goal is not None and goal.citizen_confirmation == "pending" and goal.plan_id == plan.id
    assert {r.field for r in _revisions(demo_db, "goal", goal_id)} >= {"citizen_wording", "horizon", "status"}

    path = f"/sag/plan/{plan.id}/indsats/ny"
    social = _user(demo_db, "Camilla Brandt").department_id
    fields = with_values(
        _form(client, path), title="Cykeltræning", description="Du øver dig i at cykle.", department_id=str(social),
        goal_ids=[str(goal_id)], status="waiting", precondition_text="Når du er klar", start_date="2027-01-04",
        end_date="2027-03-01", legal_basis_code="SEL-85", physical_demands=["walking_long"],
    )
    response = _post(client, path, fields)
    assert response.status_code == 303, response.text[:500]
    effort_id = int(response.headers["location"].rsplit("effort-", 1)[1])
    effort = demo_db.get(Effort, effort_id)
    assert effort is not None
    assert (effort.title, effort.status, effort.precondition_text, effort.legal_basis_code) == ("Cykeltræning", "waiting", "Når du er klar", "SEL-85")
    assert [link.goal_id for link in effort.goal_links] == [goal_id] and effort.physical_demands == ["walking_long"]
    assert effort.version == 1
    page = client.get(f"/sag/plan/{plan.id}?gemt=effort").text
    assert "Cykeltræning" in page and "Indsatsen er gemt" in page


def test_a_goal_change_asks_the_citizen_again(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    goal = next(g for g in plan.goals if g.member_person_id == plan.citizen_id)
    path = f"/sag/plan/{plan.id}/maal/{goal.id}"
    client.login_as("Mikkel Dahl")  # the deputy has the contact person's rights
    fields = with_values(_form(client, path), citizen_wording="Jeg vil op kl. 7 hver dag", show_on_front="")
    fields = [(n, v) for n, v in fields if n != "show_on_front"]
    response = _post(client, path, fields)
    assert response.status_code == 303, response.text[:500]
    demo_db.expire_all()
    saved = demo_db.get(Goal, goal.id)
    assert saved is not None
    assert (saved.citizen_wording, saved.citizen_confirmation, saved.show_on_front) == ("Jeg vil op kl. 7 hver dag", "pending", False)
    assert {"citizen_wording", "show_on_front", "citizen_confirmation"} <= {r.field for r in _revisions(demo_db, "goal", goal.id)}


# --- bad input ----------------------------------------------------------------------------------


def _bad_input_cases(plan: Plan, effort: Effort) -> list[tuple[dict[str, Any], str]]:
    return [
        ({"slots__weekday": ["0", ""], "slots__start": ["10:00", ""], "slots__end": ["09:00", ""]}, "Tid 1: Slutningen skal være efter starten."),
        ({"start_date": "2027-05-01", "end_date": "2027-04-30"}, "Slutdatoen skal være samme dag som startdatoen eller senere."),
        ({"legal_basis_code": "LOV-999"}, "Vælg et lovgrundlag fra listen."),
        ({"monthly_cost_dkk": "-1"}, "Prisen kan ikke være under 0 kr."),
        ({"after_effort_id": str(effort.id)}, "Vælg en indsats fra listen."),
        ({"status": "waiting", "precondition_text": "", "after_effort_id": ""}, "Skriv, hvad indsatsen venter på"),
        ({"title": ""}, "Skriv et navn på højst 200 tegn."),
    ]


def test_bad_input_is_a_danish_field_error_and_nothing_is_written(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    effort = _effort(demo_db, plan, "Angstforløb")
    path = f"/sag/plan/{plan.id}/indsats/{effort.id}"
    client.login_as("Camilla Brandt")
    shown = _form(client, path)
    before = (effort.version, len(_revisions(demo_db, "effort", effort.id)))
    for changes, message in _bad_input_cases(plan, effort):
        response = _post(client, path, with_values(shown, **changes))
        assert response.status_code == 422, (changes, response.status_code)
        assert message in response.text, (changes, re.findall(r'form-error-message[^>]*>(.*?)</span>', response.text, re.S))
        assert "<title>Fejl: " in response.text
        demo_db.expire_all()
        assert (demo_db.get(Effort, effort.id).version, len(_revisions(demo_db, "effort", effort.id))) == before  # type: ignore[union-attr]
    # htmx gets just the form's block, with its errors, to swap into the item.
    response = _post(client, path, with_values(shown, monthly_cost_dkk="-5"), **{"HX-Request": "true"})
    assert response.status_code == 422 and "<html" not in response.text and "Prisen kan ikke være under 0 kr." in response.text


def test_an_effort_cannot_wait_for_itself_round_a_ring(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    first, second = _effort(demo_db, plan, "Angstforløb"), _effort(demo_db, plan, "Hjemmevejleder")
    second.after_effort_id = first.id
    demo_db.commit()
    client.login_as("Camilla Brandt")
    path = f"/sag/plan/{plan.id}/indsats/{first.id}"
    response = _post(client, path, with_values(_form(client, path), after_effort_id=str(second.id)))
    assert response.status_code == 422
    assert "En indsats kan ikke vente på sig selv" in response.text
    demo_db.expire_all()
    assert demo_db.get(Effort, first.id).after_effort_id is None  # type: ignore[union-attr]


# --- access -------------------------------------------------------------------------------------


def test_a_caseworker_changes_their_own_departments_efforts_only(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    own, other = _effort(demo_db, plan, "Angstforløb"), _effort(demo_db, plan, "Mentor")  # social / jobcenter
    client.login_as("Jonas Vestergaard")
    page = client.get(f"/sag/plan/{plan.id}").text
    assert f"/indsats/{own.id}\"" in page and f"/indsats/{other.id}\"" not in page
    assert "/maal/ny" not in page  # goals are the coordinators'
    assert client.get(f"/sag/plan/{plan.id}/indsats/{own.id}").status_code == 200
    departments = select_options(client.get(f"/sag/plan/{plan.id}/indsats/ny").text, f"/sag/plan/{plan.id}/indsats/ny", "department_id")
    assert [name for value, name in departments if value] == ["Socialcenter Ishøj"]
    token = client.csrf_token("/sag/")
    for method, path in [
        ("GET", f"/sag/plan/{plan.id}/indsats/{other.id}"),
        ("POST", f"/sag/plan/{plan.id}/indsats/{other.id}"),
        ("GET", f"/sag/plan/{plan.id}/maal/{plan.goals[0].id}"),
        ("POST", f"/sag/plan/{plan.id}/maal/ny"),
        # An effort of another plan through this plan's address.
        ("POST", f"/sag/plan/{plan.id}/indsats/{_plan(demo_db, 'Mads').efforts[0].id}"),
    ]:
        before = _refusals(demo_db)
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data={"csrf_token": token, "title": "Overtaget"}, follow_redirects=False)
        assert response.status_code == 404, (method, path)
        assert _refusals(demo_db) == before + 1, (method, path)
    demo_db.expire_all()
    assert demo_db.get(Effort, other.id).title == other.title  # type: ignore[union-attr]


def test_a_department_without_consent_stays_hidden_in_the_edit_forms(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    camilla = _user(demo_db, "Camilla Brandt")
    consent = demo_db.scalars(select(Consent).where(Consent.plan_id == plan.id, Consent.recipient_department_id == camilla.department_id)).one()
    consent.withdrawn_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    demo_db.commit()
    hidden = [e for e in plan.efforts if e.department_id not in (None, camilla.department_id)]
    own = _effort(demo_db, plan, "Angstforløb")
    assert hidden
    hidden_departments = {demo_db.get(Department, e.department_id).name for e in hidden}  # type: ignore[union-attr]
    client.login_as("Camilla Brandt")
    for path in (f"/sag/plan/{plan.id}/indsats/ny", f"/sag/plan/{plan.id}/indsats/{own.id}"):
        html = client.get(path).text
        # The legal bases are a catalogue, not the plan's: one is called like an effort ("Kontanthjælp").
        html = re.sub(r'<select[^>]*name="legal_basis_code".*?</select>', "", html, flags=re.S)
        for effort in hidden:
            assert effort.title not in html, (path, effort.title)
            assert f'value="{effort.id}"' not in html.split('name="after_effort_id"', 1)[1].split("</select>", 1)[0]
        for name in hidden_departments:
            assert name not in html, (path, name)
    for effort in hidden:
        before = _refusals(demo_db)
        assert client.get(f"/sag/plan/{plan.id}/indsats/{effort.id}").status_code == 404
        assert _refusals(demo_db) == before + 1
    # The other side: with the consent back, they are offered again.
    consent.withdrawn_at = None
    demo_db.commit()
    html = client.get(f"/sag/plan/{plan.id}/indsats/{own.id}").text
    assert all(effort.title in html for effort in hidden)


# --- no lost update -----------------------------------------------------------------------------


def _race(client: PortalClient, path: str, theirs: dict[str, Any], mine: dict[str, Any], *, htmx: bool = False) -> Any:
    """Two forms shown at the same version; theirs is saved first, then mine."""
    shown = _form(client, path)
    assert _post(client, path, with_values(shown, **theirs)).status_code == 303
    headers = {"HX-Request": "true"} if htmx else {}
    return _post(client, path, with_values(shown, **mine), **headers)


@pytest.mark.parametrize("choice", ["theirs", "mine", "merge"])
def test_a_save_from_an_old_version_is_a_conflict_view_then_each_choice(client: PortalClient, demo_db: Session, choice: str) -> None:
    plan = _plan(demo_db)
    effort = _effort(demo_db, plan, "Angstforløb")
    path = f"/sag/plan/{plan.id}/indsats/{effort.id}"
    client.login_as("Camilla Brandt")
    response = _race(client, path, {"title": "Deres titel", "monthly_cost_dkk": "100"},
                     {"title": "Min titel", "description": "Min beskrivelse", "monthly_cost_dkk": "100"})
    assert response.status_code == 409
    page = response.text
    assert "Nogen gemte før dig" in page and "Camilla Brandt gemte" in page
    for text in ("Deres titel", "Min titel", "Min beskrivelse", "Behold deres", "Brug min"):
        assert text in page, text
    rows = re.findall(r'<tr class="differs"><th scope="row">(.*?)</th>', page)
    assert rows == ["Navn på indsatsen", "Hvad sker der, med almindelige ord"]  # the cost is the same on both sides
    demo_db.expire_all()
    saved = demo_db.get(Effort, effort.id)
    assert saved is not None and saved.title == "Deres titel"  # nothing of mine was written
    if choice == "theirs":
        assert f'href="/sag/plan/{plan.id}#effort-{effort.id}"' in page
        return
    if choice == "mine":
        fields = read_form(page, path, 0)
    else:
        fields = with_values(read_form(page, path, 1), pick__title="theirs", pick__description="mine")
    response = _post(client, path, fields)
    assert response.status_code == 303, response.text[:800]
    demo_db.expire_all()
    saved = demo_db.get(Effort, effort.id)
    assert saved is not None
    expected_title = "Min titel" if choice == "mine" else "Deres titel"
    assert (saved.title, saved.description, saved.monthly_cost_dkk) == (expected_title, "Min beskrivelse", 100)


def test_the_conflict_view_swaps_into_the_item_with_htmx(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    effort = _effort(demo_db, plan, "Angstforløb")
    path = f"/sag/plan/{plan.id}/indsats/{effort.id}"
    client.login_as("Camilla Brandt")
    response = _race(client, path, {"title": "A"}, {"title": "B"}, htmx=True)
    assert response.status_code == 409 and "<html" not in response.text
    assert f'hx-target="#effort-{effort.id}"' in response.text
    # Using mine from the conflict view with htmx gives back the saved item's block.
    response = _post(client, path, read_form(response.text, path, 0), **{"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    assert "B" in response.text and "Gemt." in response.text


def test_a_goal_save_from_an_old_version_is_a_conflict(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    goal = plan.goals[0]
    path = f"/sag/plan/{plan.id}/maal/{goal.id}"
    client.login_as("Camilla Brandt")
    response = _race(client, path, {"professional_wording": "Deres ord"}, {"professional_wording": "Mine ord"})
    assert response.status_code == 409 and "Deres ord" in response.text and "Mine ord" in response.text
    assert _post(client, path, read_form(response.text, path, 0)).status_code == 303
    demo_db.expire_all()
    assert demo_db.get(Goal, goal.id).professional_wording == "Mine ord"  # type: ignore[union-attr]


def test_saves_of_different_items_never_conflict(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    first, second = _effort(demo_db, plan, "Angstforløb"), _effort(demo_db, plan, "Mentor")
    client.login_as("Camilla Brandt")
    paths = [f"/sag/plan/{plan.id}/indsats/{e.id}" for e in (first, second)]
    shown = [_form(client, path) for path in paths]
    goal_path = f"/sag/plan/{plan.id}/maal/{plan.goals[0].id}"
    goal_form = _form(client, goal_path)
    for path, fields in zip(paths, shown, strict=True):
        assert _post(client, path, with_values(fields, description="Ny tekst")).status_code == 303
    assert _post(client, goal_path, with_values(goal_form, professional_wording="Nye ord")).status_code == 303


def test_a_change_of_the_time_slots_alone_is_a_new_version_too(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    effort = _effort(demo_db, plan, "Angstforløb")
    path = f"/sag/plan/{plan.id}/indsats/{effort.id}"
    title, version = effort.title, effort.version
    client.login_as("Camilla Brandt")
    goal_ids = [str(g.id) for g in plan.goals[:1]]
    response = _race(
        client, path, {"slots__weekday": ["4", ""], "slots__start": ["13:00", ""], "slots__end": ["14:00", ""], "goal_ids": goal_ids},
        {"title": "Min titel"},
    )
    assert response.status_code == 409
    assert "Faste tider hver uge" in re.findall(r'<tr class="differs"><th scope="row">(.*?)</th>', response.text)
    demo_db.expire_all()
    saved = demo_db.get(Effort, effort.id)
    assert saved is not None and (saved.title, saved.version) == (title, version + 1)
    assert [link.goal_id for link in saved.goal_links] == [int(g) for g in goal_ids]


def test_the_citizen_side_holds_no_cost(client: PortalClient, demo_db: Session) -> None:
    """The monthly cost is for the evaluation: the caseworker's form shows it, the citizen's read model holds none."""
    plan = _plan(demo_db)
    effort = next(e for e in plan.efforts if e.monthly_cost_dkk)
    client.login_as("Camilla Brandt")
    assert f'value="{effort.monthly_cost_dkk}"' in client.get(f"/sag/plan/{plan.id}/indsats/{effort.id}").text
    from portal.plans.services import SqlPlanReader

    view = SqlPlanReader(demo_db).citizen_view(plan.citizen_id)
    assert view is not None and {e.monthly_cost_dkk for e in view.efforts} == {None}

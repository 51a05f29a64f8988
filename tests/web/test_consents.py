"""Consents over HTTP (/samtykker): the list with its history, giving one, the preview of a
withdrawal, and the withdrawal itself taking effect on the caseworker's very next request."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Department, Person, User
from portal.audit.models import SecurityEvent
from portal.consent.models import Consent, Delegation
from portal.consent.services import Consents
from portal.plans.models import Plan
from portal.plans.services import SqlPlanReader

from tests.conftest import PortalClient

# Efforts of Annette's plan that the jobcenter sees only under her consent to it.
OTHER_DEPARTMENTS_EFFORTS = (
    "Angstforløb i Socialcentret", "Hjemmevejleder om morgenen", "Familiebehandler om morgenen", "Kontanthjælp",
)


def _person(db: Session, full_name: str) -> Person:
    return db.scalars(select(Person).where(Person.full_name == full_name)).one()


def _plan(db: Session, full_name: str) -> Plan:
    return db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.full_name == full_name)).one()


def _department(db: Session, name: str) -> Department:
    return db.scalars(select(Department).where(Department.name == name)).one()


def _consent_to(db: Session, plan: Plan, department_name: str) -> Consent:
    department = _department(db, department_name)
    return db.scalars(
        select(Consent).where(Consent.plan_id == plan.id, Consent.recipient_department_id == department.id)
    ).one()


def _count(db: Session, model: type, *where: object) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


def _events(db: Session, kind: str) -> list[SecurityEvent]:
    db.expire_all()
    return list(db.scalars(select(SecurityEvent).where(SecurityEvent.kind == kind).order_by(SecurityEvent.id)))


def _valid_form(db: Session, **changes: str) -> dict[str, str]:
    form = {
        "recipient": f"department-{_department(db, 'Familiecenter Ishøj').id}",
        "purpose": "At familiecentret kan se min plan, så morgenerne passer sammen.",
        "valid_until": (dt.date.today() + dt.timedelta(days=180)).isoformat(),
    }
    form.update(changes)
    return form


def test_the_page_lists_every_consent_with_its_state_and_keeps_the_history(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    response = client.get("/samtykker")
    assert response.status_code == 200
    page = response.text
    current, _, history = page.partition("Tidligere samtykker")
    for name in ("Jobcenter Ishøj-Vallensbæk", "Socialcenter Ishøj", "Familiecenter Ishøj", "Ydelse Ishøj"):
        assert name in current
    assert "I kraft" in current
    assert "At alle, der hjælper dig, kan se din plan" in current
    # The consent she withdrew 40 days ago stays in the history, with its date.
    assert "Sundhed Ishøj" in history and "Trukket tilbage" in history
    assert "Det blev trukket tilbage den" in history
    # The nav links the page for the citizen.
    assert 'href="/samtykker"' in page


def test_another_citizens_consents_are_not_shown_and_their_ids_are_404(client: PortalClient, demo_db: Session) -> None:
    mads_consent = _consent_to(demo_db, _plan(demo_db, "Mads Poulsen"), "Ungeindsats Varde (UU)")
    client.login_as("Annette Nielsen")
    assert "Ungeindsats Varde (UU)" not in client.get("/samtykker").text
    path = f"/samtykker/{mads_consent.id}/tilbagekald"
    assert client.get(path).status_code == 404
    assert client.post_form(path, token_from="/samtykker", follow_redirects=False).status_code == 404
    assert client.get("/samtykker/999999/tilbagekald").status_code == 404
    assert client.get("/samtykker/abc/tilbagekald").status_code == 404
    demo_db.refresh(mads_consent)
    assert mads_consent.withdrawn_at is None


def test_giving_a_consent_writes_it_and_records_the_event(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db, "Annette Nielsen")
    annette = _person(demo_db, "Annette Nielsen")
    before = _count(demo_db, Consent, Consent.plan_id == plan.id)
    client.login_as("Annette Nielsen")
    form = _valid_form(demo_db)
    response = client.post_form("/samtykker", form, token_from="/samtykker", follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/samtykker?givet=1"
    assert _count(demo_db, Consent, Consent.plan_id == plan.id) == before + 1
    consent = demo_db.scalars(select(Consent).where(Consent.plan_id == plan.id).order_by(Consent.id.desc())).first()
    assert consent is not None
    assert consent.recipient_department_id == _department(demo_db, "Familiecenter Ishøj").id
    assert consent.recipient_municipality_id is None
    assert consent.giver_person_id == annette.id
    assert consent.valid_until.isoformat() == form["valid_until"]
    assert consent.withdrawn_at is None
    given = _events(demo_db, "consent_given")
    assert [(e.subject_person_id, e.detail["consent_id"]) for e in given] == [(annette.id, consent.id)]
    page = client.get("/samtykker?givet=1").text
    assert 'role="status"' in page and "Samtykket er givet." in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"valid_until": (dt.date.today() - dt.timedelta(days=1)).isoformat()}, "valid_until"),
        ({"valid_until": dt.date.today().isoformat()}, "valid_until"),
        ({"valid_until": (dt.date.today() + dt.timedelta(days=2 * 365 + 1)).isoformat()}, "valid_until"),
        ({"valid_until": "i morgen"}, "valid_until"),
        ({"purpose": "x" * 2001}, "purpose"),
        ({"purpose": "   "}, "purpose"),
        ({"recipient": "department-0"}, "recipient"),
        ({"recipient": ""}, "recipient"),
        ({"recipient": "municipality-x"}, "recipient"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_written(
    client: PortalClient, demo_db: Session, changes: dict[str, str], field: str
) -> None:
    before = _count(demo_db, Consent)
    client.login_as("Annette Nielsen")
    response = client.post_form("/samtykker", _valid_form(demo_db, **changes), token_from="/samtykker")
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert "<title>Fejl: " in response.text
    assert _count(demo_db, Consent) == before
    assert _events(demo_db, "consent_given") == []


def test_a_recipient_outside_the_plan_is_refused(client: PortalClient, demo_db: Session) -> None:
    # Varde's jobcenter and Ishøj's health department take no part in Annette's plan.
    before = _count(demo_db, Consent)
    client.login_as("Annette Nielsen")
    for name in ("Jobcenter Varde", "Sundhed Ishøj"):
        outside = f"department-{_department(demo_db, name).id}"
        assert outside not in client.get("/samtykker").text
        response = client.post_form("/samtykker", _valid_form(demo_db, recipient=outside), token_from="/samtykker")
        assert response.status_code == 422
        assert "Vælg en afdeling eller kommune på listen." in response.text
    assert _count(demo_db, Consent) == before


def test_an_htmx_refusal_is_just_the_form(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Annette Nielsen")
    response = client.post_form(
        "/samtykker", _valid_form(demo_db, purpose=""), token_from="/samtykker", headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "<form" in response.text and "<h1>" not in response.text


def test_other_municipalities_taking_part_can_be_chosen(demo_db: Session) -> None:
    # Pernille lives in Vallensbæk; the joint jobcenter in Ishøj takes part in her plan.
    person = demo_db.scalars(select(Person).where(Person.first_name == "Pernille")).one()
    service = Consents(demo_db, SqlPlanReader(demo_db))
    snapshot = service.plan_of(person.id)
    assert snapshot is not None
    recipients = service.recipients(snapshot)
    ishoj = _department(demo_db, "Jobcenter Ishøj-Vallensbæk").municipality_id
    assert f"municipality-{ishoj}" in {r.key for r in recipients}
    assert f"municipality-{snapshot.facts.municipality_id}" not in {r.key for r in recipients}


def test_the_preview_names_the_efforts_and_the_people_it_hides_them_from(client: PortalClient, demo_db: Session) -> None:
    consent = _consent_to(demo_db, _plan(demo_db, "Annette Nielsen"), "Jobcenter Ishøj-Vallensbæk")
    client.login_as("Annette Nielsen")
    response = client.get(f"/samtykker/{consent.id}/tilbagekald")
    assert response.status_code == 200
    page = response.text
    assert "Jobcenter Ishøj-Vallensbæk kan ikke længere se:" in page
    hidden = page.split('class="hidden-efforts"')[1].split("</ul>")[0]
    for title in OTHER_DEPARTMENTS_EFFORTS:
        assert title in hidden
    # The jobcenter's own efforts and those of outside participants stay visible to it.
    for title in ("Mentor fra jobcentret", "Virksomhedspraktik i Netto", "Ekstra støtte i skolen"):
        assert title not in hidden
    people = page.split('class="hidden-from"')[1].split("</ul>")[0]
    assert "Mikkel Dahl" in people and "Sara Holm" in people
    # Others keep what they see: their own departments' consents still hold.
    for name in ("Camilla Brandt", "Yasmin Ali", "Henrik Bach", "Jonas Vestergaard"):
        assert name not in people
    # Nothing is withdrawn by looking.
    demo_db.refresh(consent)
    assert consent.withdrawn_at is None


def test_withdrawing_hides_the_efforts_on_the_caseworkers_very_next_request(
    app, client: PortalClient, demo_db: Session  # type: ignore[no-untyped-def]
) -> None:
    plan = _plan(demo_db, "Annette Nielsen")
    consent = _consent_to(demo_db, plan, "Jobcenter Ishøj-Vallensbæk")
    annette = _person(demo_db, "Annette Nielsen")
    caseworker = PortalClient(app, base_url=client.base_url)
    caseworker.login_as("Sara Holm")  # Jobcenter, responsible for the mentor
    before = caseworker.get(f"/sag/plan/{plan.id}")
    assert before.status_code == 200
    for title in OTHER_DEPARTMENTS_EFFORTS:
        assert title in before.text

    client.login_as("Annette Nielsen")
    response = client.post_form(
        f"/samtykker/{consent.id}/tilbagekald", token_from=f"/samtykker/{consent.id}/tilbagekald", follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/samtykker?tilbagekaldt=1"

    after = caseworker.get(f"/sag/plan/{plan.id}")
    assert after.status_code == 200
    for title in OTHER_DEPARTMENTS_EFFORTS:
        assert title not in after.text
    assert "Mentor fra jobcentret" in after.text

    demo_db.expire_all()
    assert consent.withdrawn_at is not None
    assert consent.withdrawn_by_user_id == demo_db.scalars(select(User.id).where(User.person_id == annette.id)).one()
    withdrawn = _events(demo_db, "consent_withdrawn")
    assert [(e.subject_person_id, e.detail["consent_id"]) for e in withdrawn] == [(annette.id, consent.id)]
    # The citizen sees it at once, with the date, under the earlier consents.
    page = client.get("/samtykker?tilbagekaldt=1").text
    assert 'role="status"' in page and "Samtykket er trukket tilbage." in page
    history = page.partition("Tidligere samtykker")[2]
    assert f'id="consent-{consent.id}"' in history


def test_withdrawing_twice_is_harmless(client: PortalClient, demo_db: Session) -> None:
    consent = _consent_to(demo_db, _plan(demo_db, "Annette Nielsen"), "Ydelse Ishøj")
    client.login_as("Annette Nielsen")
    path = f"/samtykker/{consent.id}/tilbagekald"
    assert client.post_form(path, token_from=path, follow_redirects=False).status_code == 303
    demo_db.expire_all()
    first = consent.withdrawn_at
    assert first is not None
    assert client.post_form(path, token_from="/samtykker", follow_redirects=False).status_code == 303
    demo_db.expire_all()
    assert consent.withdrawn_at == first
    assert len(_events(demo_db, "consent_withdrawn")) == 1
    # The preview of a withdrawn consent says so and offers no button.
    page = client.get(path).text
    assert "Samtykket gælder ikke længere." in page
    assert 'action="' + path not in page


def test_a_relative_needs_the_manage_consents_scope(client: PortalClient, demo_db: Session) -> None:
    consent = _consent_to(demo_db, _plan(demo_db, "Annette Nielsen"), "Ydelse Ishøj")
    lene, annette = _person(demo_db, "Lene Nielsen"), _person(demo_db, "Annette Nielsen")
    client.login_as("Lene Nielsen")
    assert client.get("/samtykker").status_code == 403
    assert 'href="/samtykker"' not in client.get("/min-plan").text

    delegation = demo_db.scalars(select(Delegation).where(Delegation.relative_person_id == lene.id)).one()
    delegation.scopes = [*delegation.scopes, "manage_consents"]
    demo_db.commit()
    assert 'href="/samtykker"' in client.get("/min-plan").text
    path = f"/samtykker/{consent.id}/tilbagekald"
    assert client.post_form(path, token_from=path, follow_redirects=False).status_code == 303
    lene_user = demo_db.scalars(select(User).where(User.person_id == lene.id)).one()
    demo_db.expire_all()
    assert consent.withdrawn_by_user_id == lene_user.id
    [event] = _events(demo_db, "consent_withdrawn")
    assert (event.user_id, event.subject_person_id) == (lene_user.id, annette.id)
    acts = [e.detail.get("action") for e in _events(demo_db, "acted_on_behalf") if e.user_id == lene_user.id]
    assert "withdraw_consent" in acts and "withdrawal_preview" in acts


def test_each_consent_page_costs_a_handful_of_statements(client: PortalClient, demo_db: Session, demo_connection) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_statement_counts import MAX_STATEMENTS, counted

    consent = _consent_to(demo_db, _plan(demo_db, "Annette Nielsen"), "Ydelse Ishøj")
    path = f"/samtykker/{consent.id}/tilbagekald"
    client.login_as("Annette Nielsen")
    client.get("/samtykker")  # the plan's copy in memory, as on any later visit
    token = client.csrf_token(path)
    valid, invalid = _valid_form(demo_db), _valid_form(demo_db, purpose="")
    cost: dict[str, int] = {}
    for name, send in (
        ("list", lambda: client.get("/samtykker")),
        ("preview", lambda: client.get(path)),
        ("give", lambda: client.post("/samtykker", data={"csrf_token": token, **valid}, follow_redirects=False)),
        ("invalid", lambda: client.post("/samtykker", data={"csrf_token": token, **invalid})),
        ("withdraw", lambda: client.post(path, data={"csrf_token": token}, follow_redirects=False)),
    ):
        with counted(demo_connection) as statements:
            response = send()
        assert response.status_code in (200, 303, 422), name
        cost[name] = len(statements)
    assert max(cost.values()) <= MAX_STATEMENTS, cost

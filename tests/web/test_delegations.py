"""Powers of attorney over HTTP: giving, accepting, using within scope, ending."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Person, User
from portal.audit.models import SecurityEvent
from portal.consent.models import Delegation

from tests.conftest import TEST_ORIGIN, PortalClient
from tests.support.soft_authenticator import SoftAuthenticator


def lene_delegation(db: Session) -> Delegation:
    lene = db.scalars(select(Person).where(Person.full_name == "Lene Nielsen")).one()
    return db.scalars(select(Delegation).where(Delegation.relative_person_id == lene.id)).one()


def events(db: Session, kind: str) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(SecurityEvent).where(SecurityEvent.kind == kind)) or 0)


def invite(client: PortalClient, name: str = "Karen Jensen", scopes: tuple[str, ...] = ("read_plan",), days: int = 30) -> str:
    expires = (dt.date.today() + dt.timedelta(days=days)).isoformat()
    response = client.post_form("/fuldmagter", {"name": name, "scopes": list(scopes), "expires_on": expires}, token_from="/fuldmagter")  # type: ignore[dict-item]
    assert response.status_code == 200, response.text
    match = re.search(r"<code>(http[^<]+/fuldmagt/[^<]+)</code>", response.text)
    assert match
    return match.group(1).replace(TEST_ORIGIN, "")


def accept_as_new_relative(app, path: str) -> PortalClient:  # type: ignore[no-untyped-def]
    relative = PortalClient(app, base_url=TEST_ORIGIN)
    token = relative.csrf_token(path)
    options = relative.post(f"{path}/valg", json={}, headers={"X-CSRF-Token": token})
    assert options.status_code == 200, options.text
    credential = SoftAuthenticator().create(options.json(), TEST_ORIGIN)
    accepted = relative.post(f"{path}/ny", json={"credential": credential}, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"redirect": "/min-plan"}
    return relative


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"name": "", "scopes": ["read_plan"], "expires_on": "2099-01-01"}, "name"),
        ({"name": "Karen", "expires_on": "2099-01-01"}, "scopes"),
        ({"name": "Karen", "scopes": ["everything"], "expires_on": "2099-01-01"}, "scopes"),
        ({"name": "Karen", "scopes": ["read_plan"], "expires_on": "i morgen"}, "expires_on"),
        ({"name": "Karen", "scopes": ["read_plan"], "expires_on": "2000-01-01"}, "expires_on"),
        ({"name": "Karen", "scopes": ["read_plan"], "expires_on": "2099-01-01"}, "expires_on"),
    ],
)
def test_bad_invitations_are_refused_and_nothing_is_saved(client: PortalClient, demo_db: Session, form: dict, field: str) -> None:  # type: ignore[type-arg]
    client.login_as("Annette Nielsen")
    before = demo_db.scalar(select(func.count()).select_from(Delegation))
    response = client.post_form("/fuldmagter", form, token_from="/fuldmagter")
    assert response.status_code == 422
    assert "<title>Fejl: " in response.text
    assert f'href="#{field}"' in response.text  # the error summary links to the field
    assert demo_db.scalar(select(func.count()).select_from(Delegation)) == before


def test_a_new_relative_accepts_sees_the_plan_and_the_citizen_sees_it(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Annette Nielsen")
    path = invite(client)
    relative = accept_as_new_relative(client.app, path)
    page = relative.get("/min-plan")
    assert page.status_code == 200
    assert "Plan for Annette" in page.text
    overview = client.get("/fuldmagter").text
    assert "Karen Jensen" in overview and "Gælder" in overview
    assert "En handlede for dig (Karen Jensen)" in overview


def test_an_invitation_works_once(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    path = invite(client)
    accept_as_new_relative(client.app, path)
    again = PortalClient(client.app, base_url=TEST_ORIGIN).get(path)
    assert again.status_code == 410
    assert "Invitationen er allerede brugt" in again.text


def test_a_tampered_invitation_is_refused_and_logged(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Annette Nielsen")
    path = invite(client)
    before = events(demo_db, "delegation_invite_refused")
    tampered = path[:-3] + ("abc" if not path.endswith("abc") else "xyz")
    response = PortalClient(client.app, base_url=TEST_ORIGIN).get(tampered)
    assert response.status_code == 400
    assert "Vi kender ikke invitationen" in response.text
    assert events(demo_db, "delegation_invite_refused") == before + 1


def test_a_withdrawn_invitation_cannot_be_accepted(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Annette Nielsen")
    path = invite(client)
    delegation_id = demo_db.scalars(select(Delegation.id).where(Delegation.invited_name == "Karen Jensen")).one()
    assert client.post_form(f"/fuldmagter/{delegation_id}/tilbagekald", token_from="/fuldmagter", follow_redirects=False).status_code == 303
    response = PortalClient(client.app, base_url=TEST_ORIGIN).get(path)
    assert response.status_code == 410


def test_expired_power_gives_a_clear_403_and_a_security_event(client: PortalClient, demo_db: Session) -> None:
    delegation = lene_delegation(demo_db)
    delegation.expires_on = dt.date.today() - dt.timedelta(days=1)
    demo_db.flush()
    before = events(demo_db, "delegation_refused")
    client.login_as("Lene Nielsen")
    response = client.get("/min-plan", follow_redirects=False)
    assert response.status_code == 403
    assert "Din fuldmagt er udløbet" in response.text
    assert "Hjemmevejleder" not in response.text
    assert events(demo_db, "delegation_refused") == before + 1


def test_revocation_holds_from_the_next_request(client: PortalClient, demo_db: Session) -> None:
    relative = PortalClient(client.app, base_url=TEST_ORIGIN)
    relative.login_as("Lene Nielsen")
    assert relative.get("/min-plan").status_code == 200
    client.login_as("Annette Nielsen")
    delegation = lene_delegation(demo_db)
    assert client.post_form(f"/fuldmagter/{delegation.id}/tilbagekald", token_from="/fuldmagter", follow_redirects=False).status_code == 303
    response = relative.get("/min-plan")
    assert response.status_code == 403
    assert "Din fuldmagt er tilbagekaldt" in response.text


def test_a_power_without_the_read_scope_does_not_show_the_plan(client: PortalClient, demo_db: Session) -> None:
    delegation = lene_delegation(demo_db)
    delegation.scopes = ["write_messages"]
    demo_db.flush()
    client.login_as("Lene Nielsen")
    response = client.get("/min-plan")
    assert response.status_code == 403
    assert "Din fuldmagt dækker ikke det her" in response.text


def test_a_citizen_cannot_withdraw_someone_elses_power(client: PortalClient, demo_db: Session) -> None:
    delegation = lene_delegation(demo_db)
    client.login_as("Sofie Andersen")
    response = client.post_form(f"/fuldmagter/{delegation.id}/tilbagekald", token_from="/fuldmagter")
    assert response.status_code == 404
    demo_db.expire_all()
    assert lene_delegation(demo_db).revoked_at is None


def test_a_relative_cannot_reach_the_citizens_own_pages(client: PortalClient) -> None:
    client.login_as("Lene Nielsen")
    assert client.get("/fuldmagter").status_code == 404


def test_an_existing_relative_accepts_while_logged_in(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Sofie Andersen")
    path = invite(client, name="Lene Nielsen")
    relative = PortalClient(client.app, base_url=TEST_ORIGIN)
    relative.login_as("Lene Nielsen")
    accepted = relative.post_form(path, token_from=path, follow_redirects=False)
    assert accepted.status_code == 303 and accepted.headers["location"] == "/min-plan"
    assert "Plan for Sofie" in relative.get("/min-plan").text
    # With two powers in force, the relative chooses whom to help.
    choose = relative.get("/vaelg-borger").text
    assert "Hjælp Annette Nielsen" in choose and "Hjælp Sofie Andersen" in choose
    lene = demo_db.scalars(select(User).where(User.display_name == "Lene Nielsen")).one()
    assert lene.person_id is not None


# --- a way out of a refusal -----------------------------------------------------------------


def _main(html: str) -> BeautifulSoup:
    main = BeautifulSoup(html, "html.parser").find("main")
    assert main is not None
    return main


def _log_out_form(main: BeautifulSoup):  # type: ignore[no-untyped-def]
    return main.find("form", action="/log-ud")


def _revoke(client: PortalClient, citizen: str, relative_name: str, db: Session) -> None:
    client.login_as(citizen)
    citizen_id = db.scalars(select(Person.id).where(Person.full_name == citizen)).one()
    relative_id = db.scalars(select(Person.id).where(Person.full_name == relative_name)).one()
    delegation = db.scalars(
        select(Delegation).where(Delegation.citizen_person_id == citizen_id, Delegation.relative_person_id == relative_id)
    ).one()
    assert client.post_form(f"/fuldmagter/{delegation.id}/tilbagekald", token_from="/fuldmagter", follow_redirects=False).status_code == 303


def test_a_refused_relative_can_log_out_from_the_refusal_page(client: PortalClient, demo_db: Session) -> None:
    relative = PortalClient(client.app, base_url=TEST_ORIGIN)
    relative.login_as("Lene Nielsen")
    _revoke(client, "Annette Nielsen", "Lene Nielsen", demo_db)
    response = relative.get("/min-plan")
    assert response.status_code == 403
    main = _main(response.text)
    form = _log_out_form(main)
    assert form is not None and form["method"] == "post"
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    # The front page would send her back to this refusal, and nobody else's power holds.
    assert main.find("a", href="/") is None
    assert main.find("a", href="/vaelg-borger") is None
    before = events(demo_db, "logout")
    logged_out = relative.post("/log-ud", data={"csrf_token": token}, follow_redirects=False)
    assert logged_out.status_code == 303 and logged_out.headers["location"] == "/?logget-ud=1"
    assert events(demo_db, "logout") == before + 1
    assert relative.get("/min-plan", follow_redirects=False).headers["location"] == "/?next=/min-plan"


def test_a_relative_whose_power_ended_may_choose_another_citizen(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Sofie Andersen")
    path = invite(client, name="Lene Nielsen")
    relative = PortalClient(client.app, base_url=TEST_ORIGIN)
    relative.login_as("Lene Nielsen")
    assert relative.post_form(path, token_from=path, follow_redirects=False).status_code == 303  # now acts for Sofie
    _revoke(client, "Sofie Andersen", "Lene Nielsen", demo_db)
    response = relative.get("/min-plan")
    assert response.status_code == 403
    assert "Din fuldmagt er tilbagekaldt" in response.text
    main = _main(response.text)
    assert main.find("a", href="/vaelg-borger") is not None
    assert _log_out_form(main) is not None
    choose = _main(relative.get("/vaelg-borger").text).get_text(" ", strip=True)
    assert "Hjælp Annette Nielsen" in choose and "Sofie" not in choose


def test_an_expired_power_offers_log_out_and_no_loop_to_the_front_page(client: PortalClient, demo_db: Session) -> None:
    delegation = lene_delegation(demo_db)
    delegation.expires_on = dt.date.today() - dt.timedelta(days=1)
    demo_db.flush()
    client.login_as("Lene Nielsen")
    main = _main(client.get("/min-plan").text)
    assert _log_out_form(main) is not None
    assert main.find("a", href="/") is None
    assert main.find("a", href="/vaelg-borger") is None


def test_a_power_without_the_read_scope_offers_log_out_not_the_front_page(client: PortalClient, demo_db: Session) -> None:
    delegation = lene_delegation(demo_db)
    delegation.scopes = ["write_messages"]
    demo_db.flush()
    client.login_as("Lene Nielsen")
    response = client.get("/min-plan")
    assert response.status_code == 403
    main = _main(response.text)
    assert _log_out_form(main) is not None
    assert main.find("a", href="/") is None  # "/" sends her to /min-plan, which she may not read
    assert main.find("a", href="/vaelg-borger") is None  # the only power in force is the one refused


def test_an_ordinary_404_offers_the_front_page_and_no_log_out(client: PortalClient) -> None:
    anonymous = client.get("/findes-ikke")
    assert anonymous.status_code == 404
    assert 'action="/log-ud"' not in anonymous.text
    assert _main(anonymous.text).find("a", href="/") is not None
    client.login_as("Camilla Brandt")
    logged_in = client.get("/sag/plan/999999")
    assert logged_in.status_code == 404
    main = _main(logged_in.text)
    assert _log_out_form(main) is None  # the header has one; the page body needs none
    assert main.find("a", href="/") is not None

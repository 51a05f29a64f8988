"""The plan pages through the whole app on the demo data: what each person sees and what they don't."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Person, User
from portal.audit.models import AccessLogEntry, SecurityEvent
from portal.plans.models import Plan

from tests.conftest import PortalClient


def plan_id_of(db: Session, first_name: str) -> int:
    return db.scalars(select(Plan.id).join(Person, Plan.citizen_id == Person.id).where(Person.first_name == first_name)).one()


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def count(db: Session, model: type, **where: object) -> int:
    query = select(func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return int(db.scalar(query) or 0)


def test_citizen_sees_her_plan_in_danish(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    page = soup(client.get("/min-plan").text)
    assert page.h1.get_text(strip=True) == "Min plan"
    text = page.get_text(" ", strip=True)
    assert "Camilla Brandt" in text  # contact person
    assert "Jeg vil have ro om morgenen" in text  # her own words
    assert "Hjemmevejleder om morgenen" in text  # what happens
    assert "Jonas Vestergaard" in text  # who does it
    assert "Hver mandag, tirsdag, onsdag, torsdag og fredag kl. 08:00–09:00" in text  # when
    # The employment goal is implicit on the front page, but never secret.
    assert "Jeg vil have et arbejde, hvor jeg kan sidde ned" not in text
    assert "1 mål mere står i din fulde sag." in text


def test_legal_basis_is_explained_in_plain_danish(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    page = soup(client.get("/min-plan").text)
    details = page.select("details.details")
    assert details, "no legal-basis explanation"
    assert details[0].summary.get_text(strip=True) == "Hvorfor får jeg det?"


def test_parent_sees_the_childs_part_of_a_family_plan(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    text = soup(client.get("/min-plan").text).get_text(" ", strip=True)
    assert "Oliver skal komme i skole hver dag" in text


def test_week_shows_each_day_with_times(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    page = soup(client.get("/min-plan/uge").text)
    days = page.select("ol.week > li")
    assert len(days) == 7
    monday = days[0].get_text(" ", strip=True)
    assert monday.lower().startswith("mandag")
    assert "08:00–09:00 Hjemmevejleder om morgenen" in monday
    # Saturday has no visits.
    assert "Ingen aftaler." in days[5].get_text(" ", strip=True)


@pytest.mark.parametrize("bad", ["i-morgen", "2026-13-01", "2026-02-30", "9999-12-31", "0001-01-01", "٢٠٢٦-٠١-٠٥"])
def test_week_with_a_bad_date_is_a_400(client: PortalClient, bad: str) -> None:
    client.login_as("Annette Nielsen")
    response = client.get(f"/min-plan/uge?uge={bad}")
    assert response.status_code == 400
    assert "Traceback" not in response.text


def test_caseworker_sees_the_morning_clash_and_the_read_is_logged(client: PortalClient, demo_db: Session) -> None:
    plan_id = plan_id_of(demo_db, "Annette")
    before = count(demo_db, AccessLogEntry, plan_id=plan_id)
    client.login_as("Camilla Brandt")
    caseload = soup(client.get("/sag/").text)
    assert caseload.find("a", href=f"/sag/plan/{plan_id}") is not None
    page = soup(client.get(f"/sag/plan/{plan_id}").text)
    rules_shown = {li["data-rule"] for li in page.select("li.finding")}
    assert rules_shown == {"time_overlap", "same_support_kind", "physical_demand", "sequencing"}
    overlaps = " ".join(li.get_text(" ", strip=True) for li in page.select('li.finding[data-rule="time_overlap"]'))
    for title in ("Hjemmevejleder om morgenen", "Familiebehandler om morgenen", "Mentor fra jobcentret"):
        assert title in overlaps
    assert count(demo_db, AccessLogEntry, plan_id=plan_id) == before + 1


def test_caseworker_of_another_municipality_without_consent_gets_404(client: PortalClient, demo_db: Session) -> None:
    plan_id = plan_id_of(demo_db, "Mads")
    nanna = demo_db.scalars(select(User).where(User.display_name == "Nanna Bech")).one()
    refused_before = count(demo_db, SecurityEvent, user_id=nanna.id, kind="access_refused")
    client.login_as("Nanna Bech")
    response = client.get(f"/sag/plan/{plan_id}")
    assert response.status_code == 404
    assert "Mads" not in response.text
    assert count(demo_db, AccessLogEntry, plan_id=plan_id, user_id=nanna.id) == 0
    assert count(demo_db, SecurityEvent, user_id=nanna.id, kind="access_refused") == refused_before + 1


def test_caseworker_not_involved_gets_404(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Bent Due")  # Varde benefits: nothing to do with Annette
    assert client.get(f"/sag/plan/{plan_id_of(demo_db, 'Annette')}").status_code == 404


@pytest.mark.parametrize("path", ["/sag/plan/999999", "/sag/plan/abc", "/sag/plan/99999999999999999999", "/sag/plan/2147483648", "/sag/plan/%D9%A1"])
def test_unknown_plan_is_a_danish_404(client: PortalClient, path: str) -> None:
    client.login_as("Camilla Brandt")
    response = client.get(path)
    assert response.status_code == 404
    assert "Siden findes ikke" in response.text


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("Annette Nielsen", "/sag/"),
        ("Ole Bisgaard", "/sag/"),  # admin: no plan content
        ("Dorthe Mikkelsen", "/sag/"),  # evaluator: aggregates only
        ("Ole Bisgaard", "/min-plan"),
        ("Camilla Brandt", "/min-plan"),
    ],
)
def test_roles_do_not_reach_other_sides(client: PortalClient, persona: str, path: str) -> None:
    client.login_as(persona)
    assert client.get(path, follow_redirects=False).status_code == 404


def test_relative_sees_the_plan_as_acting_for_the_citizen(client: PortalClient) -> None:
    client.login_as("Lene Nielsen")
    page = soup(client.get("/min-plan").text)
    assert page.h1.get_text(strip=True) == "Plan for Annette"
    assert "fuldmagt" in page.get_text(" ", strip=True)


def test_log_out_ends_the_session_on_the_server(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    cookie = client.cookies.get("enplan_session")
    assert client.get("/min-plan").status_code == 200
    token = client.csrf_token("/min-plan")
    assert client.post("/log-ud", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    # Replaying the old cookie does not bring the session back.
    client.cookies.set("enplan_session", cookie)
    assert client.get("/min-plan", follow_redirects=False).status_code == 303


def test_tampered_session_cookie_is_ignored(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    cookie = client.cookies.get("enplan_session")
    payload, _dot, signature = cookie.rpartition(".")
    client.cookies.clear()
    client.cookies.set("enplan_session", payload + "." + signature[::-1])
    assert client.get("/min-plan", follow_redirects=False).status_code == 303


def test_front_page_sends_logged_in_people_home(client: PortalClient) -> None:
    client.login_as("Camilla Brandt")
    response = client.get("/", follow_redirects=False)
    assert response.headers["location"] == "/sag/"

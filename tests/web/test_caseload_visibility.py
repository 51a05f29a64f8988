"""The caseload judges each plan by the plan page's own rule: what it lists opens, what it hides stays hidden.

Nanna Bech (Vallensbæk) is responsible for an effort on Mads Poulsen's Varde plan, but Mads
has given Vallensbæk no consent. The plan page refuses her; the caseload must not name him either.
"""

from __future__ import annotations

import datetime as dt
import re

from bs4 import BeautifulSoup
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.accounts.models import Person, User
from portal.consent.models import Consent
from portal.i18n import LOCALE_COOKIE
from portal.plans.models import Effort, Plan
from portal.plans.services import SqlPlanReader

from tests.conftest import TEST_ORIGIN, PortalClient

WAITING = "1 plan waits for the citizen's consent."


def _plan_of(db: Session, first_name: str) -> Plan:
    return db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.first_name == first_name)).one()


def _user(db: Session, display_name: str) -> User:
    return db.scalars(select(User).where(User.display_name == display_name)).one()


def _caseload(client: PortalClient, display_name: str, locale: str = "da") -> BeautifulSoup:
    client.cookies.set(LOCALE_COOKIE, locale)
    client.login_as(display_name)
    response = client.get("/sag/")
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def test_a_plan_closed_for_want_of_consent_is_counted_but_never_named(client: PortalClient, demo_db: Session) -> None:
    mads_plan = _plan_of(demo_db, "Mads")
    nanna = _user(demo_db, "Nanna Bech")
    assert any(e.responsible_user_id == nanna.id for e in mads_plan.efforts), "the demo must make Nanna take part"
    assert mads_plan.contact is not None and mads_plan.deputy is not None
    page = _caseload(client, "Nanna Bech", locale="en")
    main = page.find("main")
    text = main.get_text(" ", strip=True)
    for hidden in ("Mads", "Poulsen", mads_plan.contact.display_name, mads_plan.deputy.display_name):
        assert hidden not in text
    assert main.find("a", href=f"/sag/plan/{mads_plan.id}") is None
    assert f"/sag/plan/{mads_plan.id}\"" not in str(main)
    # One row only (Pernille's), with its effort count; none for Mads.
    rows = main.select("tbody tr")
    assert [row.th.get_text(strip=True) for row in rows] == ["Pernille Larsen"]
    assert main.caption.get_text(strip=True) == "1 plan you take part in"
    assert WAITING in text


def test_the_waiting_line_is_in_danish_on_a_danish_page(client: PortalClient) -> None:
    main = _caseload(client, "Nanna Bech").find("main")
    waiting = main.select_one(".awaiting-consent")
    assert waiting is not None
    assert waiting.get_text(" ", strip=True).startswith("1 ")
    assert "Mads" not in main.get_text(" ", strip=True)


def test_a_caseworker_with_consent_still_sees_the_plan_in_full(client: PortalClient, demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    page = _caseload(client, "Camilla Brandt", locale="en")
    main = page.find("main")
    link = main.find("a", href=f"/sag/plan/{plan.id}")
    assert link is not None and link.get_text(strip=True) == "Annette Nielsen"
    row = link.find_parent("tr")
    assert row.select_one('td[data-title="Contact person"]').get_text(strip=True) == "Camilla Brandt"
    # She has consent for every department on the plan, so she counts every effort.
    assert row.select_one('td[data-title="Efforts"]').get_text(strip=True) == str(len(plan.efforts))
    assert main.select_one(".awaiting-consent") is None
    assert "consent" not in main.get_text(" ", strip=True)


def test_consent_opens_the_plan_on_the_caseload_and_the_plan_page_alike(client: PortalClient, demo_db: Session) -> None:
    mads_plan = _plan_of(demo_db, "Mads")
    nanna = _user(demo_db, "Nanna Bech")
    today = dt.date.today()
    demo_db.add(Consent(
        plan_id=mads_plan.id, giver_person_id=mads_plan.citizen_id, recipient_department_id=nanna.department_id,
        purpose="Afslutning af vejledning", valid_from=today - dt.timedelta(days=1), valid_until=today + dt.timedelta(days=30),
    ))
    demo_db.flush()
    main = _caseload(client, "Nanna Bech", locale="en").find("main")
    assert main.find("a", href=f"/sag/plan/{mads_plan.id}") is not None
    assert "Mads Poulsen" in main.get_text(" ", strip=True)
    assert main.select_one(".awaiting-consent") is None
    assert client.get(f"/sag/plan/{mads_plan.id}").status_code == 200


def test_efforts_counted_are_the_efforts_the_plan_page_shows(client: PortalClient, demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    camilla = _user(demo_db, "Camilla Brandt")
    for consent in demo_db.scalars(select(Consent).where(Consent.plan_id == plan.id)):
        consent.withdrawn_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    demo_db.flush()
    visible = [e for e in plan.efforts if e.department_id in (None, camilla.department_id)]
    assert 0 < len(visible) < len(plan.efforts), "the demo plan must have efforts of other departments"
    main = _caseload(client, "Camilla Brandt", locale="en").find("main")
    row = main.find("a", href=f"/sag/plan/{plan.id}").find_parent("tr")
    assert row.select_one('td[data-title="Efforts"]').get_text(strip=True) == str(len(visible))


def _involved_caseworkers(db: Session) -> list[str]:
    involved = (
        select(User.display_name)
        .where(User.role == "caseworker", User.is_active.is_(True))
        .where(
            User.id.in_(select(Plan.contact_user_id))
            | User.id.in_(select(Plan.deputy_user_id))
            | User.id.in_(select(Effort.responsible_user_id))
        )
        .order_by(User.display_name)
    )
    return list(db.scalars(involved))


def test_every_listed_plan_opens_and_every_closed_one_is_counted(app, demo_db: Session) -> None:  # type: ignore[no-untyped-def]
    """For every caseworker of the demo: the caseload and the plan page agree plan by plan."""
    names = _involved_caseworkers(demo_db)
    assert "Nanna Bech" in names and "Camilla Brandt" in names
    for name in names:
        user = _user(demo_db, name)
        involved = demo_db.scalars(
            select(Plan.id).where(
                (Plan.contact_user_id == user.id)
                | (Plan.deputy_user_id == user.id)
                | Plan.id.in_(select(Effort.plan_id).where(Effort.responsible_user_id == user.id))
            )
        ).all()
        client = PortalClient(app, base_url=TEST_ORIGIN)
        client.cookies.set(LOCALE_COOKIE, "en")
        client.login_as(name)
        main = BeautifulSoup(client.get("/sag/").text, "html.parser").find("main")
        listed = {int(m) for m in re.findall(r'href="/sag/plan/(\d+)"', str(main))}
        opens = {plan_id for plan_id in involved if client.get(f"/sag/plan/{plan_id}").status_code == 200}
        assert listed == opens, name
        waiting = main.select_one(".awaiting-consent")
        closed = len(involved) - len(opens)
        if closed:
            assert waiting is not None and waiting.get_text(" ", strip=True).startswith(f"{closed} plan"), name
        else:
            assert waiting is None, name


def test_the_reader_hands_out_no_closed_plan(demo_db: Session) -> None:
    nanna = _user(demo_db, "Nanna Bech")
    mads_plan = _plan_of(demo_db, "Mads")
    caseload = SqlPlanReader(demo_db).caseload(nanna, dt.datetime.now(dt.timezone.utc))
    assert mads_plan.id not in {row.plan_id for row in caseload.rows}
    assert caseload.rows, "Nanna still has Pernille's plan"
    assert caseload.awaiting_consent == 1


def test_the_caseload_takes_the_same_number_of_statements_however_many_plans(demo_db: Session) -> None:
    extra_plans = 3
    camilla = _user(demo_db, "Camilla Brandt")
    others = demo_db.scalars(
        select(Plan).where(Plan.contact_user_id != camilla.id, Plan.deputy_user_id != camilla.id).order_by(Plan.id)
    ).all()
    baseline = _statements(demo_db, camilla)
    for plan in others[:extra_plans]:
        plan.deputy_user_id = camilla.id
    demo_db.flush()
    demo_db.expire_all()
    camilla = _user(demo_db, "Camilla Brandt")
    caseload = SqlPlanReader(demo_db).caseload(camilla, dt.datetime.now(dt.timezone.utc))
    assert len(caseload.rows) + caseload.awaiting_consent >= 2 + extra_plans
    assert _statements(demo_db, camilla) == baseline


def _statements(db: Session, user: User) -> int:
    db.expire_all()
    user = db.get(User, user.id)  # type: ignore[assignment]
    assert user is not None
    _ = user.department
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    connection = db.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        SqlPlanReader(db).caseload(user, dt.datetime.now(dt.timezone.utc))
    finally:
        event.remove(connection, "before_cursor_execute", count)
    return len(seen)

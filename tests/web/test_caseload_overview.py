"""The caseload's figures per plan, its search and order, and what it never names (both engines)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from portal.accounts.models import Person, User
from portal.messages.models import Message, MessageReceipt, MessageThread
from portal.plans.caseload import search_and_sort
from portal.plans.models import Goal, Plan, PlanMember, Revision
from portal.plans.readmodels import PersonRef
from portal.plans.services import CaseloadRow

from tests.conftest import PortalClient
from tests.web.test_statement_counts import counted


def _row(client: PortalClient, plan_id: int, query: str = "") -> str:
    page = client.get("/sag/" + query).text
    match = re.search(rf'<tr data-plan="{plan_id}">(.*?)</tr>', page, re.S)
    assert match, f"plan {plan_id} is not on the caseload"
    return match.group(1)


def _cell(row: str, name: str) -> str:
    match = re.search(rf'class="{name}">([^<]*)<', row)
    assert match, name
    return match.group(1)


def _plan(db: Session, name: str) -> Plan:
    return db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.full_name == name)).one()


def test_each_plan_shows_its_warnings_unread_messages_open_goals_and_last_change(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db, "Annette Nielsen")
    client.login_as("Camilla Brandt")
    warnings_on_plan = len(re.findall(r'class="finding finding-warning"', client.get(f"/sag/plan/{plan.id}").text))
    row = _row(client, plan.id)
    assert int(_cell(row, "warnings")) == warnings_on_plan > 0
    pending = sum(1 for g in plan.goals if g.citizen_confirmation == "pending" and g.status in ("proposed", "agreed"))
    assert int(_cell(row, "awaiting")) == pending
    unread = int(_cell(row, "unread"))
    # A new message from the citizen is unread until Camilla has a receipt for it.
    thread = demo_db.scalars(select(MessageThread).where(MessageThread.plan_id == plan.id)).one()
    annette = demo_db.scalars(select(User).where(User.display_name == "Annette Nielsen")).one()
    message = Message(thread_id=thread.id, author_user_id=annette.id, body="Hej igen.", sent_at=dt.datetime.now(dt.timezone.utc))
    demo_db.add(message)
    demo_db.flush()
    assert int(_cell(_row(client, plan.id), "unread")) == unread + 1
    camilla = demo_db.scalars(select(User).where(User.display_name == "Camilla Brandt")).one()
    demo_db.add(MessageReceipt(message_id=message.id, user_id=camilla.id))
    demo_db.flush()
    assert int(_cell(_row(client, plan.id), "unread")) == unread
    # The last change is the latest revision.
    before = _cell(_row(client, plan.id), "last-change")
    assert before != "–"
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)
    demo_db.add(Revision(plan_id=plan.id, user_id=camilla.id, occurred_at=later, entity="goal", entity_id=plan.goals[0].id,
                         field="status", old_value="proposed", new_value="agreed"))
    demo_db.flush()
    assert _cell(_row(client, plan.id), "last-change") not in (before, "–")


def test_unread_messages_are_the_contact_persons_not_an_effort_workers(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db, "Annette Nielsen")
    client.login_as("Sara Holm")  # responsible for an effort, not in the thread
    assert _cell(_row(client, plan.id), "unread") == "–"


def test_search_by_name_and_order(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Mikkel Dahl")  # on several Ishøj and Vallensbæk plans
    page = client.get("/sag/").text
    names = re.findall(r'<th scope="row"><a href="/sag/plan/\d+">([^<]+)</a>', page)
    assert len(names) >= 2 and names == sorted(names, key=str.casefold)
    first = names[0]
    found = client.get("/sag/", params={"q": first.split()[0].upper()}).text
    shown = re.findall(r'<th scope="row"><a href="/sag/plan/\d+">([^<]+)</a>', found)
    assert first in shown and set(shown) < set(names)
    assert client.get("/sag/", params={"q": "Ingen Hedder Sådan"}).text.count('<tr data-plan') == 0
    # Unknown orders are ignored, an overlong search is refused, nothing fails.
    assert client.get("/sag/", params={"sort": "'; DROP"}).status_code == 200
    assert client.get("/sag/", params={"q": "x" * 101}).status_code == 400


def _ref(name: str) -> PersonRef:
    return PersonRef(1, name.split()[0], name)


def test_search_and_sort_rules() -> None:
    now = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    rows = [
        CaseloadRow(1, "citizen", _ref("Bo Ask"), None, (), 0, warnings=2, last_change=now - dt.timedelta(days=5)),
        CaseloadRow(2, "citizen", _ref("Åse Berg"), None, (), 0, warnings=0, last_change=now),
        CaseloadRow(3, "citizen", _ref("anna Dal"), None, (), 0, warnings=5, last_change=None),
    ]
    assert [r.plan_id for r in search_and_sort(rows, "", "navn")] == [3, 1, 2]
    assert [r.plan_id for r in search_and_sort(rows, "", "aendret")] == [2, 1, 3]
    assert [r.plan_id for r in search_and_sort(rows, "", "advarsler")] == [3, 1, 2]
    assert [r.plan_id for r in search_and_sort(rows, "ANNA", "navn")] == [3]
    assert [r.plan_id for r in search_and_sort(rows, "berg", "nonsense")] == [2]


def test_plans_waiting_for_consent_are_counted_never_named_and_a_search_does_not_change_the_count(
    client: PortalClient, demo_db: Session,
) -> None:
    mads = _plan(demo_db, "Mads Poulsen")
    client.login_as("Nanna Bech")  # responsible for an effort on Mads's Varde plan, without consent
    page = client.get("/sag/").text
    assert "Mads" not in page and "Venter på samtykke" in page
    count = re.search(r'class="awaiting-consent">(\d+)', page)
    assert count is not None
    for query in ("Mads", "Poulsen", "zzz"):
        searched = client.get("/sag/", params={"q": query}).text
        assert "Mads" not in searched.replace(f'value="{query}"', "")
        assert re.search(r'class="awaiting-consent">(\d+)', searched).group(1) == count.group(1)  # type: ignore[union-attr]
    assert f"/sag/plan/{mads.id}" not in page


@pytest.mark.parametrize("extra_plans", [0, 25])
def test_the_caseload_costs_the_same_statements_however_many_plans(
    client: PortalClient, demo_db: Session, demo_connection: Connection, extra_plans: int,
) -> None:
    camilla = demo_db.scalars(select(User).where(User.display_name == "Camilla Brandt")).one()
    for number in range(extra_plans):
        person = Person(full_name=f"Borger {number:02d}", first_name="Borger", kind="citizen", municipality_id=camilla.municipality_id
                        or camilla.department.municipality_id)  # type: ignore[union-attr]
        demo_db.add(person)
        demo_db.flush()
        plan = Plan(kind="citizen", citizen_id=person.id, municipality_id=person.municipality_id, contact_user_id=camilla.id)
        demo_db.add(plan)
        demo_db.flush()
        demo_db.add(PlanMember(plan_id=plan.id, person_id=person.id, role="citizen"))
        demo_db.add(Goal(plan_id=plan.id, member_person_id=person.id, citizen_wording="Mål", horizon="short",
                         life_area="health"))
    demo_db.flush()
    client.login_as("Camilla Brandt")
    client.get("/sag/")
    client.app.state.services.plans.snapshots.clear()  # type: ignore[attr-defined]
    with counted(demo_connection) as cold:
        assert client.get("/sag/").status_code == 200
    with counted(demo_connection) as warm:
        page = client.get("/sag/")
    assert page.text.count("<tr data-plan") >= extra_plans + 1
    print(f"/sag/ with {extra_plans} more plans: {len(cold)} statements cold, {len(warm)} warm")
    assert len(cold) <= 7 and len(warm) <= 3, "\n".join(cold)

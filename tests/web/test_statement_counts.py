"""A page costs a handful of SQL statements, the same for a plan of 5 efforts and one of 500.

Statements are counted on the test's own connection while one request is served, session
lookup included. Transaction control (BEGIN, SAVEPOINT, RELEASE, ROLLBACK) is not a
statement of the page: the test wraps every request in savepoints of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from portal.accounts.models import Person
from portal.plans.models import Effort, EffortGoal, EffortTimeSlot, Plan

from tests.conftest import PortalClient

MAX_STATEMENTS = 8
TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")


@contextmanager
def counted(connection: Connection) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", count)


def _annettes_plan(db: Session) -> Plan:
    return db.scalars(
        select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.first_name == "Annette")
    ).one()


def _grow(db: Session, plan: Plan, total: int, model: Effort | None = None) -> None:
    """Copies of one effort (the plan's first), each with its time slots and goal links, until it has ``total``."""
    model = model or plan.efforts[0]
    goal_ids = [link.goal_id for link in model.goal_links] or [plan.goals[0].id]
    for number in range(total - len(plan.efforts)):
        copy = Effort(
            plan_id=plan.id, member_person_id=model.member_person_id, title=f"{model.title} {number}",
            description=model.description, department_id=model.department_id,
            responsible_user_id=model.responsible_user_id, start_date=model.start_date, end_date=model.end_date,
            status="active", legal_basis_code=model.legal_basis_code,
        )
        copy.slots = [EffortTimeSlot(weekday=day, start_time=dt.time(9), end_time=dt.time(10)) for day in (0, 2)]
        copy.goal_links = [EffortGoal(goal_id=goal_id) for goal_id in goal_ids]
        db.add(copy)
    db.flush()
    db.expire_all()


def _page_statements(client: PortalClient, connection: Connection, path: str, *, cold: bool = False) -> list[str]:
    """The statements of one request; ``cold``: with no plan copy in memory, so the whole plan is loaded."""
    client.get(path)  # the session's last-seen stamp is written at most once a minute: not this time
    if cold:
        client.app.state.services.plans.snapshots.clear()  # type: ignore[attr-defined]
    with counted(connection) as statements:
        response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    return statements


PAGES = [
    pytest.param("Annette Nielsen", "/min-plan", id="my-plan"),
    pytest.param("Annette Nielsen", "/min-plan/uge", id="my-week"),
    pytest.param("Annette Nielsen", "/min-plan/aendringer", id="aendringer"),
    pytest.param("Camilla Brandt", "/sag/", id="caseload"),
    pytest.param("Camilla Brandt", "/sag/plan/{plan_id}", id="staff-plan"),
    pytest.param("Annette Nielsen", "/beskeder", id="messages"),
    pytest.param("Camilla Brandt", "/sag/beskeder", id="staff-messages"),
    pytest.param("Camilla Brandt", "/sag/beskeder/{plan_id}", id="staff-thread"),
    pytest.param("Annette Nielsen", "/alt-i-min-sag", id="record"),
    pytest.param("Annette Nielsen", "/alt-i-min-sag.json", id="record-download"),
]


@pytest.mark.parametrize(("person", "path"), PAGES)
def test_a_page_costs_a_handful_of_statements_whatever_the_plan_size(
    client: PortalClient, demo_db: Session, demo_connection: Connection, person: str, path: str
) -> None:
    plan = _annettes_plan(demo_db)
    path = path.format(plan_id=plan.id)
    client.login_as(person)
    small = [_page_statements(client, demo_connection, path, cold=cold) for cold in (True, False)]
    _grow(demo_db, plan, 500)
    assert len(_annettes_plan(demo_db).efforts) == 500
    large = [_page_statements(client, demo_connection, path, cold=cold) for cold in (True, False)]
    print(f"{path}: {len(small[0])} statements with the plan loaded, {len(small[1])} with its copy in memory")
    assert len(small[0]) <= MAX_STATEMENTS, "\n".join(small[0])
    assert [len(s) for s in large] == [len(s) for s in small], "\n".join(large[0])


@pytest.mark.parametrize("path", ["/min-plan", "/alt-i-min-sag", pytest.param("/min-plan/aendringer", id="aendringer")])
def test_a_relative_acting_for_the_citizen_costs_a_handful_too(
    client: PortalClient, demo_db: Session, demo_connection: Connection, path: str
) -> None:
    client.login_as("Lene Nielsen")  # a relative with a power of attorney for Annette
    statements = _page_statements(client, demo_connection, path)
    assert len(statements) <= MAX_STATEMENTS, "\n".join(statements)


def test_a_large_plan_is_shown_whole(client: PortalClient, demo_db: Session) -> None:
    """The counts above mean nothing if the large plan's efforts went missing on the way."""
    plan = _annettes_plan(demo_db)
    client.login_as("Annette Nielsen")
    shown = client.get("/min-plan").text
    model = next(e for e in plan.efforts if f"{e.title} <" in shown)
    copies = 60 - len(plan.efforts)
    _grow(demo_db, plan, 60, model)
    page = client.get("/min-plan").text
    missing = [number for number in range(copies) if f"{model.title} {number} <" not in page]
    assert copies > 40 and not missing, (model.title, missing)


MAX_SAVE_STATEMENTS = 14


def _save_statements(client: PortalClient, connection: Connection, path: str, title: str) -> list[str]:
    """The statements of one save of the effort's form (shown just before, so the plan's copy is in memory)."""
    from tests.support.html_forms import read_form

    fields: dict[str, list[str]] = {}
    for name, value in read_form(client.get(path).text, path):
        fields.setdefault(name, []).append(value)
    fields["title"] = [title]
    with counted(connection) as statements:
        response = client.post(path, data=fields, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    return statements


def test_a_save_costs_a_bounded_number_of_statements_whatever_the_plan_size(
    client: PortalClient, demo_db: Session, demo_connection: Connection
) -> None:
    plan = _annettes_plan(demo_db)
    effort = plan.efforts[0]
    path = f"/sag/plan/{plan.id}/indsats/{effort.id}"
    client.login_as("Camilla Brandt")
    small = _save_statements(client, demo_connection, path, "Ny titel 1")
    _grow(demo_db, plan, 500)
    large = _save_statements(client, demo_connection, path, "Ny titel 2")
    print(f"save of an effort: {len(small)} statements")
    for statement in small:
        print("  ", " ".join(statement.split())[:110])
    assert len(small) <= MAX_SAVE_STATEMENTS, "\n".join(small)
    assert len(large) == len(small), "\n".join(large)

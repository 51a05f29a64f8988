"""Who is asking: the principal from a session row, on both engines.

The route tests see the principal only through pages; these pin what the pages cannot
show: how often the session row is touched, and that a citizen costs one statement and
never looks like a relative.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.access import load_principal
from portal.accounts.models import LoginSession, User
from portal.consent.models import Delegation

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.timezone.utc)


def never_expired(created_at: dt.datetime, last_seen_at: dt.datetime, now: dt.datetime) -> bool:
    return False


def _session_of(db: Session, display_name: str, last_seen: dt.timedelta, acting_for: int | None = None) -> LoginSession:
    user = db.scalars(select(User).where(User.display_name == display_name)).one()
    login = LoginSession(
        id=f"test-{display_name}-{last_seen.total_seconds()}", user_id=user.id,
        created_at=NOW - dt.timedelta(hours=1), last_seen_at=NOW - last_seen, acting_for_person_id=acting_for,
    )
    db.add(login)
    db.flush()
    return login


@pytest.mark.parametrize(
    ("ago", "touched"),
    [
        (dt.timedelta(seconds=30), False),
        (dt.timedelta(minutes=1), False),        # exactly a minute: not yet
        (dt.timedelta(seconds=61), True),
        (dt.timedelta(seconds=90), True),
    ],
)
def test_the_session_row_is_touched_at_most_once_a_minute(demo_db: Session, ago: dt.timedelta, touched: bool) -> None:
    login = _session_of(demo_db, "Annette Nielsen", ago)
    principal = load_principal(demo_db, login.id, NOW, never_expired)
    assert principal.session is login
    assert login.last_seen_at == (NOW if touched else NOW - ago)


def test_a_citizen_costs_one_statement_and_holds_no_power_of_attorney(demo_db: Session) -> None:
    login = _session_of(demo_db, "Annette Nielsen", dt.timedelta(seconds=10))
    demo_db.expunge_all()
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    connection = demo_db.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        principal = load_principal(demo_db, login.id, NOW, never_expired)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert len(statements) == 1, statements
    assert principal.user is not None and principal.user.display_name == "Annette Nielsen"
    assert principal.delegation is None and principal.delegation_problem is None
    assert not principal.acting_on_behalf


def test_a_relative_acting_for_someone_gets_the_power_in_force(demo_db: Session) -> None:
    annette = demo_db.scalars(select(User).where(User.display_name == "Annette Nielsen")).one()
    login = _session_of(demo_db, "Lene Nielsen", dt.timedelta(seconds=10), acting_for=annette.person_id)
    principal = load_principal(demo_db, login.id, NOW, never_expired)
    assert principal.delegation is not None and principal.delegation.citizen_person_id == annette.person_id
    assert principal.subject_person_id == annette.person_id


def test_a_relative_who_has_chosen_nobody_yet_is_neither_refused_nor_acting(demo_db: Session) -> None:
    login = _session_of(demo_db, "Lene Nielsen", dt.timedelta(seconds=10), acting_for=None)
    principal = load_principal(demo_db, login.id, NOW, never_expired)
    # The route wrapper sends this relative to choose a citizen; a "problem" would refuse them instead.
    assert principal.delegation is None and principal.delegation_problem is None


def test_a_power_in_force_wins_over_a_withdrawn_one_that_ran_longer(demo_db: Session) -> None:
    annette = demo_db.scalars(select(User).where(User.display_name == "Annette Nielsen")).one()
    lene = demo_db.scalars(select(User).where(User.display_name == "Lene Nielsen")).one()
    in_force = demo_db.scalars(
        select(Delegation).where(Delegation.citizen_person_id == annette.person_id, Delegation.relative_person_id == lene.person_id)
    ).one()
    withdrawn = Delegation(
        citizen_person_id=annette.person_id, relative_person_id=lene.person_id, invited_name="Lene Nielsen",
        scopes=["read_plan"], expires_on=in_force.expires_on + dt.timedelta(days=300),
        created_at=NOW - dt.timedelta(days=400), accepted_at=NOW - dt.timedelta(days=399), revoked_at=NOW - dt.timedelta(days=200),
    )
    demo_db.add(withdrawn)
    demo_db.flush()
    login = _session_of(demo_db, "Lene Nielsen", dt.timedelta(seconds=10), acting_for=annette.person_id)
    principal = load_principal(demo_db, login.id, NOW, never_expired)
    assert principal.delegation is in_force
    assert principal.delegation_problem is None

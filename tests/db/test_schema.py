"""Migrations and models agree, and integrity lives in the database too (both engines)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import migrate
from portal.accounts.models import Department, Municipality, Person, User
from portal.consent.models import Consent
from portal.evaluation.models import SurveyResponse
from portal.plans.models import Effort, EffortTimeSlot, Goal, GoalProgress, Plan, PlanMember

from tests.conftest import EngineHandle


def test_migrations_reach_head_and_match_the_models(migrated_engine: EngineHandle) -> None:
    assert migrate.current_revision(migrated_engine.engine) == migrate.head_revision() == "0012"
    assert migrate.pending_model_changes(migrated_engine.engine) == []


def _base(db: Session) -> dict[str, object]:
    municipality = Municipality(code="999", name="Testkommune")
    department = Department(municipality=municipality, name="Jobcenter", kind="employment")
    citizen = Person(full_name="Test Borger", first_name="Test", kind="citizen", municipality=municipality)
    worker = User(role="caseworker", display_name="Sagsbehandler", department=department, municipality=municipality, webauthn_user_handle="h1")
    db.add_all([municipality, department, citizen, worker])
    db.flush()
    plan = Plan(kind="citizen", citizen_id=citizen.id, municipality_id=municipality.id, contact_user_id=worker.id)
    db.add(plan)
    db.flush()
    db.add(PlanMember(plan_id=plan.id, person_id=citizen.id, role="citizen"))
    db.flush()
    return {"municipality": municipality, "department": department, "citizen": citizen, "worker": worker, "plan": plan}


def _second_plan_for_same_citizen(db: Session, base: dict) -> None:  # type: ignore[type-arg]
    db.add(Plan(kind="citizen", citizen_id=base["citizen"].id, municipality_id=base["municipality"].id))


def _person_in_two_plans(db: Session, base: dict) -> None:  # type: ignore[type-arg]
    other = Person(full_name="Anden", first_name="Anden", kind="citizen")
    db.add(other)
    db.flush()
    plan = Plan(kind="citizen", citizen_id=other.id, municipality_id=base["municipality"].id)
    db.add(plan)
    db.flush()
    db.add(PlanMember(plan_id=plan.id, person_id=base["citizen"].id, role="citizen"))


def _effort(**overrides: object) -> Callable[[Session, dict], None]:  # type: ignore[type-arg]
    def add(db: Session, base: dict) -> None:  # type: ignore[type-arg]
        values: dict[str, object] = dict(
            plan_id=base["plan"].id, member_person_id=base["citizen"].id, title="Mentor",
            department_id=base["department"].id, status="planned",
        )
        values.update(overrides)
        db.add(Effort(**values))
    return add


def _slot(**overrides: object) -> Callable[[Session, dict], None]:  # type: ignore[type-arg]
    def add(db: Session, base: dict) -> None:  # type: ignore[type-arg]
        effort = Effort(plan_id=base["plan"].id, member_person_id=base["citizen"].id, title="X", department_id=base["department"].id)
        db.add(effort)
        db.flush()
        values: dict[str, object] = dict(effort_id=effort.id, weekday=0, start_time=dt.time(8), end_time=dt.time(9))
        values.update(overrides)
        db.add(EffortTimeSlot(**values))
    return add


def _goal(**overrides: object) -> Callable[[Session, dict], None]:  # type: ignore[type-arg]
    def add(db: Session, base: dict) -> None:  # type: ignore[type-arg]
        values: dict[str, object] = dict(
            plan_id=base["plan"].id, member_person_id=base["citizen"].id, citizen_wording="Mål",
            horizon="short", life_area="health",
        )
        values.update(overrides)
        db.add(Goal(**values))
    return add


def _progress(score: int) -> Callable[[Session, dict], None]:  # type: ignore[type-arg]
    def add(db: Session, base: dict) -> None:  # type: ignore[type-arg]
        goal = Goal(plan_id=base["plan"].id, member_person_id=base["citizen"].id, citizen_wording="Mål", horizon="short", life_area="health")
        db.add(goal)
        db.flush()
        db.add(GoalProgress(goal_id=goal.id, score=score))
    return add


def _consent(**overrides: object) -> Callable[[Session, dict], None]:  # type: ignore[type-arg]
    def add(db: Session, base: dict) -> None:  # type: ignore[type-arg]
        values: dict[str, object] = dict(
            plan_id=base["plan"].id, giver_person_id=base["citizen"].id, recipient_department_id=base["department"].id,
            purpose="Samarbejde", valid_from=dt.date(2026, 1, 1), valid_until=dt.date(2026, 12, 31),
        )
        values.update(overrides)
        db.add(Consent(**values))
    return add


def _caseworker_without_department(db: Session, base: dict) -> None:  # type: ignore[type-arg]
    db.add(User(role="caseworker", display_name="Uden afdeling", webauthn_user_handle="h2"))


def _survey(**overrides: object) -> Callable[[Session, dict], None]:  # type: ignore[type-arg]
    def add(db: Session, base: dict) -> None:  # type: ignore[type-arg]
        values: dict[str, object] = dict(
            plan_id=base["plan"].id, person_id=base["citizen"].id, kind="baseline",
            understanding=3, influence=3, coordination=3, satisfaction=3,
        )
        values.update(overrides)
        db.add(SurveyResponse(**values))
    return add


@pytest.mark.parametrize(
    "violation",
    [
        pytest.param(_second_plan_for_same_citizen, id="one-plan-per-citizen"),
        pytest.param(_person_in_two_plans, id="a-person-is-in-one-plan"),
        pytest.param(_effort(status="done"), id="effort-status-vocabulary"),
        pytest.param(_effort(start_date=dt.date(2026, 2, 1), end_date=dt.date(2026, 1, 1)), id="effort-dates-ordered"),
        pytest.param(_effort(monthly_cost_dkk=-1), id="effort-cost-not-negative"),
        pytest.param(_effort(department_id=None, participant_id=None), id="effort-has-a-provider"),
        pytest.param(_effort(member_person_id=987654), id="effort-foreign-key"),
        pytest.param(_slot(weekday=7), id="slot-weekday-range"),
        pytest.param(_slot(start_time=dt.time(9), end_time=dt.time(9)), id="slot-times-ordered"),
        pytest.param(_goal(horizon="forever"), id="goal-horizon-vocabulary"),
        pytest.param(_goal(life_area="hobby"), id="goal-life-area-vocabulary"),
        pytest.param(_goal(citizen_confirmation="maybe"), id="goal-confirmation-vocabulary"),
        pytest.param(_progress(11), id="progress-at-most-10"),
        pytest.param(_progress(-1), id="progress-at-least-0"),
        pytest.param(_consent(valid_until=dt.date(2025, 12, 31)), id="consent-dates-ordered"),
        pytest.param(_consent(recipient_department_id=None), id="consent-needs-a-recipient"),
        pytest.param(_caseworker_without_department, id="caseworker-has-department"),
        pytest.param(_survey(satisfaction=6), id="survey-answer-range"),
        pytest.param(_survey(kind="midway"), id="survey-kind-vocabulary"),
    ],
)
def test_the_database_refuses_broken_data(db: Session, violation: Callable[[Session, dict], None]) -> None:  # type: ignore[type-arg]
    base = _base(db)
    savepoint = db.begin_nested()
    violation(db, base)
    with pytest.raises(IntegrityError):
        db.flush()
    savepoint.rollback()


def test_valid_data_is_accepted(db: Session) -> None:
    base = _base(db)
    for add in (_effort(monthly_cost_dkk=0), _slot(), _goal(), _progress(10), _consent(), _survey()):
        add(db, base)
    db.flush()
    assert db.execute(text("SELECT count(*) FROM effort")).scalar_one() == 2


def test_plan_version_guards_against_lost_updates(migrated_engine: EngineHandle, db: Session) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    base = _base(db)
    plan = base["plan"]
    assert plan.version == 1
    db.execute(text("UPDATE plan SET version = version + 1 WHERE id = :id"), {"id": plan.id})
    plan.contact_user_id = None
    with pytest.raises(StaleDataError):
        db.flush()


def test_commits_inside_a_test_stay_inside_its_transaction(demo_db: Session, demo_engine: EngineHandle) -> None:
    """The fixtures' isolation itself: a commit in the code under test must not reach the database."""
    from portal.accounts.models import Municipality as M

    demo_db.add(M(code="998", name="Isolationskommune"))
    demo_db.commit()
    # A bare DBAPI connection: it reads what is committed without taking SQLite's write lock.
    other = demo_engine.engine.raw_connection()
    try:
        cursor = other.cursor()
        cursor.execute("SELECT count(*) FROM municipality WHERE code = '998'")
        assert cursor.fetchone()[0] == 0
    finally:
        other.close()

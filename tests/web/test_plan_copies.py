"""Plans kept in memory are never older than the database: a change shows on the very next request.

Each test first reads the page (so the plan's copy is in memory), then changes the plan the way
any code would (through the ORM, in another session of the same transaction), then reads again.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import HealthRestriction, Person
from portal.consent.models import Consent
from portal.plans.models import Effort, EffortTimeSlot, Plan, PlanMember
from portal.plans.versioning import plans_touched

from tests.conftest import PortalClient
from tests.web.test_hidden_items import MIE_EFFORTS, _give_mie_to_her_father, _plan_of, _user


def _content_version(db: Session, plan: Plan) -> int:
    return db.scalar(select(Plan.content_version).where(Plan.id == plan.id)) or 0


def test_custody_that_ends_hides_the_child_on_the_next_request(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Trine Hansen")
    before = client.get("/min-plan").text
    assert all(title in before for title in MIE_EFFORTS)
    _give_mie_to_her_father(demo_db)
    after = client.get("/min-plan").text
    assert not any(title in after for title in MIE_EFFORTS)


def test_a_new_time_slot_shows_in_the_week_at_once(client: PortalClient, demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    effort = next(e for e in plan.efforts if e.status in ("active", "planned") and e.start_date and e.start_date <= dt.date.today())
    client.login_as("Annette Nielsen")
    assert "23:15" not in client.get("/min-plan/uge").text
    demo_db.add(EffortTimeSlot(effort_id=effort.id, weekday=dt.date.today().weekday(), start_time=dt.time(23, 15), end_time=dt.time(23, 45)))
    demo_db.flush()
    assert "23:15" in client.get("/min-plan/uge").text


def test_a_withdrawn_consent_hides_efforts_even_from_a_plan_in_memory(client: PortalClient, demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    camilla = _user(demo_db, "Camilla Brandt")
    others = [e.title for e in plan.efforts if e.department_id not in (None, camilla.department_id)]
    assert others
    client.login_as("Camilla Brandt")
    assert all(title in client.get(f"/sag/plan/{plan.id}").text for title in others)
    for consent in demo_db.scalars(select(Consent).where(Consent.plan_id == plan.id)):
        consent.withdrawn_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    demo_db.flush()
    page = client.get(f"/sag/plan/{plan.id}").text
    assert not any(title in page for title in others)


def test_every_kind_of_change_raises_the_plans_content_version(demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    effort = plan.efforts[0]
    annette = demo_db.scalars(select(Person).where(Person.full_name == "Annette Nielsen")).one()
    changes = [
        lambda: setattr(effort, "title", "Ny titel"),
        lambda: demo_db.add(EffortTimeSlot(effort_id=effort.id, weekday=6, start_time=dt.time(7), end_time=dt.time(8))),
        lambda: setattr(plan.goals[0], "citizen_wording", "Mine egne ord"),
        lambda: setattr(plan.meetings[0], "location", "Rådhuset"),
        lambda: setattr(next(m for m in plan.members if m.custody_holder_id is not None), "custody_holder_id", None),
        lambda: demo_db.add(HealthRestriction(person_id=annette.id, demand="lifting", description="Må ikke løfte", source="Egen læge")),
        lambda: demo_db.delete(effort.slots[0]),
    ]
    for change in changes:
        before = _content_version(demo_db, plan)
        change()
        demo_db.flush()
        assert _content_version(demo_db, plan) == before + 1, changes.index(change)


def test_changes_outside_plans_raise_nothing(demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    before = _content_version(demo_db, plan)
    _user(demo_db, "Camilla Brandt").job_title = "Koordinator"
    demo_db.flush()
    assert _content_version(demo_db, plan) == before
    assert plans_touched(demo_db, [object()]) == set()


def test_a_member_row_names_its_plan(demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    member = demo_db.scalars(select(PlanMember).where(PlanMember.plan_id == plan.id)).first()
    slot = demo_db.scalars(select(EffortTimeSlot).join(Effort).where(Effort.plan_id == plan.id)).first()
    assert plans_touched(demo_db, [member, slot]) == {plan.id}

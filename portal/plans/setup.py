"""Setting up a plan and keeping it: a plan for a citizen who has none, its members (a family's
children), its contact person and deputy. Who may do which is decided in portal/access.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.access import viewer_of
from portal.accounts.models import Department, Person, Role, User
from portal.consent.rules import StaffVisibility, Viewer
from portal.access import staff_visibility_of
from portal.plans.changes import Stale, revise, save_fields
from portal.plans.models import Effort, Goal, Plan, PlanMember
from portal.plans.readmodels import PersonRef, person_ref
from portal.plans.services import SqlPlanReader
from portal.plans.snapshots import PlanSnapshot


@dataclass(frozen=True)
class PlanAccess:
    """A plan as one caseworker meets it on an edit page: the snapshot, and how they are judged."""

    snapshot: PlanSnapshot
    viewer: Viewer
    visibility: StaffVisibility


@dataclass(frozen=True)
class StaffChoice:
    id: int
    display_name: str
    department: str


class PlanSetup:
    def __init__(self, db: Session, plans: SqlPlanReader):
        self.db = db
        self.plans = plans

    # --- reading -------------------------------------------------------------------------

    def access(self, user: User, plan_id: int, now: dt.datetime) -> PlanAccess | None:
        """The plan and the caseworker's visibility of it; None when there is no plan or they may not open it."""
        snapshot = self.plans.snapshot(plan_id)
        if snapshot is None:
            return None
        visibility = staff_visibility_of(user, snapshot.facts, self.plans.consents(plan_id), now)
        if not visibility.sees_plan:
            return None
        return PlanAccess(snapshot, viewer_of(user), visibility)

    def citizen(self, person_id: int) -> Person | None:
        person = self.db.get(Person, person_id)
        return person if person is not None and person.kind == "citizen" else None

    def has_plan(self, person_id: int) -> bool:
        return bool(self.db.scalar(select(exists().where(PlanMember.person_id == person_id))))

    def citizens_without_plan(self, municipality_id: int | None) -> list[PersonRef]:
        """The municipality's citizens who are in no plan yet (newest first)."""
        rows = self.db.scalars(
            select(Person)
            .where(
                Person.kind == "citizen", Person.municipality_id == municipality_id,
                ~exists().where(PlanMember.person_id == Person.id),
            )
            .order_by(Person.id.desc())
            .limit(200)
        )
        return [person_ref(p) for p in rows]

    def caseworkers(self, municipality_id: int | None) -> list[StaffChoice]:
        """The municipality's active caseworkers, who may be a plan's contact person or deputy."""
        rows = self.db.execute(
            select(User.id, User.display_name, Department.name)
            .join(Department, User.department_id == Department.id)
            .where(User.role == Role.CASEWORKER, User.is_active.is_(True), Department.municipality_id == municipality_id)
            .order_by(User.display_name, User.id)
        ).all()
        return [StaffChoice(user_id, name, department) for user_id, name, department in rows]

    # --- writing -------------------------------------------------------------------------

    def create_plan(
        self, *, citizen: Person, kind: str, municipality_id: int, contact_user_id: int, deputy_user_id: int | None,
        by: User, now: dt.datetime,
    ) -> int | None:
        """A new plan with the citizen as its first member; None when they got one meanwhile."""
        try:
            with self.db.begin_nested():
                plan = Plan(
                    kind=kind, citizen_id=citizen.id, municipality_id=municipality_id, contact_user_id=contact_user_id,
                    deputy_user_id=deputy_user_id, created_at=now,
                )
                self.db.add(plan)
                self.db.flush()
                self.db.add(PlanMember(plan_id=plan.id, person_id=citizen.id, role="citizen"))
                self.db.flush()
        except IntegrityError:
            return None  # the citizen is in a plan already (plan.citizen_id and plan_member.person_id are unique)
        for field, value in (("kind", kind), ("contact_user_id", contact_user_id), ("deputy_user_id", deputy_user_id)):
            revise(self.db, plan_id=plan.id, by=by, now=now, entity="plan", entity_id=plan.id, field=field, old=None, new=value)
        self.db.flush()
        return plan.id

    def add_child(
        self, plan_id: int, *, full_name: str, first_name: str, birth_year: int | None, custody_holder_id: int,
        municipality_id: int, by: User, now: dt.datetime,
    ) -> int:
        """A child, new to the portal, joins the family plan; the custody holder sees their part."""
        child = Person(full_name=full_name, first_name=first_name, kind="child", birth_year=birth_year,
                       municipality_id=municipality_id)
        self.db.add(child)
        self.db.flush()
        self.db.add(PlanMember(plan_id=plan_id, person_id=child.id, role="child", custody_holder_id=custody_holder_id))
        revise(self.db, plan_id=plan_id, by=by, now=now, entity="member", entity_id=child.id, field="added",
               old=None, new=full_name)
        self.db.flush()
        return child.id

    def member_has_items(self, person_id: int) -> bool:
        return bool(self.db.scalar(select(
            exists().where(Goal.member_person_id == person_id) | exists().where(Effort.member_person_id == person_id)
        )))

    def remove_member(self, plan_id: int, person_id: int, *, by: User, now: dt.datetime) -> bool:
        """Takes a child or partner off the plan (never the citizen it is kept with); False when not a member."""
        member = self.db.scalars(
            select(PlanMember).where(PlanMember.plan_id == plan_id, PlanMember.person_id == person_id)
        ).one_or_none()
        if member is None or member.role == "citizen":
            return False
        name = self.db.get(Person, person_id)
        revise(self.db, plan_id=plan_id, by=by, now=now, entity="member", entity_id=person_id, field="removed",
               old=name.full_name if name else None, new=None)
        self.db.delete(member)
        self.db.flush()
        return True

    def change_keepers(
        self, plan_id: int, *, seen_version: int, contact_user_id: int, deputy_user_id: int | None, by: User,
        now: dt.datetime,
    ) -> Stale | None:
        plan = self.db.get(Plan, plan_id)
        if plan is None:
            raise LookupError(f"no plan {plan_id}")
        return save_fields(
            self.db, plan, entity="plan", plan_id=plan_id, seen_version=seen_version,
            values={"contact_user_id": contact_user_id, "deputy_user_id": deputy_user_id}, by=by, now=now,
        )

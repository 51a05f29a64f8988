"""Caseworkers create and change a plan's efforts and goals.

``scope`` says what one caseworker may change in one plan (the rules are in portal/access.py);
``effort_choices``/``goal_choices`` what their forms may offer. Saves are checked against the
version the form was shown with: the row is read ``FOR UPDATE`` (on PostgreSQL; SQLite writes one
at a time anyway), so of two saves from the same version exactly one is written and the other is
told ``STALE`` before anything of it is written. Only the item's own version rises: changes to
different items never conflict. Every changed field is a ``Revision`` row.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portal.access import coordinates_plan, may_create_efforts, may_edit_effort, may_edit_goals, viewer_of
from portal.accounts.models import Department, Role, User
from portal.consent.rules import StaffVisibility, Viewer, may_see_item
from portal.plans.edit_choices import Caseworker, EffortChoices, GoalChoices
from portal.plans.goals import RECONFIRMED_FIELDS, Goals
from portal.plans.models import Effort, EffortGoal, EffortTimeSlot, Goal, Revision
from portal.plans.readmodels import EffortItem, GoalItem, PlanHeader
from portal.plans.services import SqlPlanReader
from portal.plans.snapshots import PlanSnapshot

Slot = tuple[int, dt.time, dt.time]
KEEP = object()  # "leave as it is" (an after-effort the caseworker cannot see)


class SaveResult(enum.Enum):
    SAVED = "saved"
    STALE = "stale"        # the item changed after the form was shown: nothing was written
    GONE = "gone"          # the item is no longer there


@dataclass(frozen=True)
class Saved:
    result: SaveResult
    item_id: int | None = None


@dataclass(frozen=True)
class EditScope:
    """One caseworker's view of one plan, for editing: what they see and what they may change."""

    snapshot: PlanSnapshot
    viewer: Viewer
    visibility: StaffVisibility
    municipality_id: int
    efforts: tuple[EffortItem, ...]       # only those they may see
    may_edit_goals: bool
    may_create_efforts: bool
    editable_effort_ids: frozenset[int]

    @property
    def plan(self) -> PlanHeader:
        return self.snapshot.header

    @property
    def goals(self) -> tuple[GoalItem, ...]:
        return self.snapshot.goals

    def effort(self, effort_id: int) -> EffortItem | None:
        """A visible effort they may change, or None."""
        if effort_id not in self.editable_effort_ids:
            return None
        return next((e for e in self.efforts if e.id == effort_id), None)

    def goal(self, goal_id: int) -> GoalItem | None:
        if not self.may_edit_goals:
            return None
        return next((g for g in self.snapshot.goals if g.id == goal_id), None)

    def may_put_effort_in(self, department_id: int | None) -> bool:
        if may_edit_effort(self.viewer, self.snapshot.facts, self.visibility, department_id):
            return True
        # A coordinator under the citizen's consent sees every department's efforts, new ones too.
        return (
            department_id is not None and self.visibility.consent_id is not None
            and coordinates_plan(self.viewer, self.snapshot.facts)
        )


def edit_scope(snapshot: PlanSnapshot, user: User, visibility: StaffVisibility) -> EditScope:
    viewer = viewer_of(user)
    facts = snapshot.facts
    efforts = tuple(e for e in snapshot.efforts if may_see_item(visibility, viewer, e.department_id, e.member_person_id))
    return EditScope(
        snapshot=snapshot, viewer=viewer, visibility=visibility, municipality_id=facts.municipality_id, efforts=efforts,
        may_edit_goals=may_edit_goals(viewer, facts, visibility),
        may_create_efforts=may_create_efforts(viewer, facts, visibility),
        editable_effort_ids=frozenset(
            e.id for e in efforts if may_edit_effort(viewer, facts, visibility, e.department_id, e.member_person_id)
        ),
    )


def _text(value: object) -> str | None:
    """A value as a revision stores it."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or None
    return str(value)


def _slots_text(slots: Sequence[Slot]) -> str | None:
    return "; ".join(f"{d} {s.strftime('%H:%M')}-{e.strftime('%H:%M')}" for d, s, e in sorted(slots)) or None


class PlanEditing:
    def __init__(self, db: Session, plans: SqlPlanReader, goals: Goals):
        self.db = db
        self.plans = plans
        self.goals = goals

    def scope(self, user: User, plan_id: int, now: dt.datetime) -> EditScope | None:
        """What the caseworker may change in the plan; None when they may not open it."""
        access = self.plans.staff_access(user, plan_id, now)
        if access is None:
            return None
        snapshot, visibility = access
        return edit_scope(snapshot, user, visibility)

    # --- what the forms offer ---------------------------------------------------------------

    def effort_choices(self, scope: EditScope, effort: EffortItem | None) -> EffortChoices:
        """One statement: the departments of the plan's municipality (and the caseworker's own) with their caseworkers."""
        rows = self.db.execute(
            select(Department.id, Department.name, User.id, User.display_name)
            .outerjoin(User, (User.department_id == Department.id) & (User.role == Role.CASEWORKER) & User.is_active)
            .where((Department.municipality_id == scope.municipality_id) | (Department.id == scope.viewer.department_id))
            .order_by(Department.name, Department.id, User.display_name)
        ).all()
        departments: dict[int, str] = {}
        workers: list[Caseworker] = []
        for department_id, name, user_id, user_name in rows:
            if not scope.may_put_effort_in(department_id):
                continue
            departments[department_id] = name
            if user_id is not None:
                workers.append(Caseworker(user_id, user_name, department_id))
        if effort is not None and effort.responsible_user_id is not None and effort.department_id is not None:
            if all(w.id != effort.responsible_user_id for w in workers) and effort.responsible is not None:
                workers.append(Caseworker(effort.responsible_user_id, effort.responsible.display_name, effort.department_id))
        coordinator = coordinates_plan(scope.viewer, scope.snapshot.facts)
        participants = tuple((p.id, p.name) for p in scope.plan.participants) if coordinator else ()
        if effort is not None and effort.participant_id is not None and effort.participant is not None and not coordinator:
            participants = ((effort.participant_id, effort.participant.name),)
        effort_id = effort.id if effort is not None else None
        visible_ids = {e.id for e in scope.efforts}
        return EffortChoices(
            members=tuple((m.id, m.full_name) for m in scope.plan.members),
            departments=tuple(departments.items()),
            caseworkers=tuple(workers),
            participants=participants,
            goals=tuple((g.id, g.citizen_wording) for g in scope.goals),
            after_efforts=tuple((e.id, e.title) for e in scope.efforts if e.id != effort_id),
            chain={e.id: e.after_effort_id for e in scope.snapshot.efforts},
            effort_id=effort_id,
            hidden_after=effort is not None and effort.after_effort_id is not None and effort.after_effort_id not in visible_ids,
        )

    @staticmethod
    def goal_choices(scope: EditScope) -> GoalChoices:
        return GoalChoices(members=tuple((m.id, m.full_name) for m in scope.plan.members))

    def last_change(self, entity: str, entity_id: int) -> tuple[str | None, dt.datetime | None]:
        """Who changed the item last, and when: one statement."""
        row = self.db.execute(
            select(User.display_name, Revision.occurred_at).select_from(Revision)
            .outerjoin(User, User.id == Revision.user_id)
            .where(Revision.entity == entity, Revision.entity_id == entity_id)
            .order_by(Revision.occurred_at.desc(), Revision.id.desc()).limit(1)
        ).one_or_none()
        return (row[0], row[1]) if row is not None else (None, None)

    # --- efforts ------------------------------------------------------------------------------

    def save_effort(
        self, plan_id: int, effort_id: int | None, values: Mapping[str, Any], *, seen_version: int | None,
        by: User, now: dt.datetime,
    ) -> Saved:
        """Creates the effort (``effort_id`` None) or changes it, unless it changed since ``seen_version``.

        ``values``: the effort's columns as the form checked them, ``slots`` as (weekday, start, end)
        and ``goal_ids``; ``after_effort_id`` KEEP leaves it as it is.
        """
        if effort_id is None:
            effort = Effort(plan_id=plan_id, status="planned", description="", physical_demands=[], counts_as_activation=False)
            effort.slots = []
            effort.goal_links = []
            old_slots: list[Slot] = []
            old_goals: list[int] = []
        else:
            found = self.db.scalars(
                select(Effort).where(Effort.id == effort_id, Effort.plan_id == plan_id)
                .options(selectinload(Effort.slots), selectinload(Effort.goal_links))
                .with_for_update(of=Effort)
                .execution_options(populate_existing=True)
            ).one_or_none()
            if found is None:
                return Saved(SaveResult.GONE)
            effort = found
            if effort.version != seen_version:
                return Saved(SaveResult.STALE, effort.id)
            old_slots = [(s.weekday, s.start_time, s.end_time) for s in effort.slots]
            old_goals = sorted(link.goal_id for link in effort.goal_links)
        changes: list[tuple[str, str | None, str | None]] = []
        for field, value in values.items():
            if field in ("slots", "goal_ids") or value is KEEP:
                continue
            old = getattr(effort, field) if effort_id is not None else None
            if field == "physical_demands":
                value = sorted(value)
                old = sorted(old or []) if old is not None else None
            if old != value:
                if _text(old) != _text(value):
                    changes.append((field, _text(old), _text(value)))
                setattr(effort, field, value)
        new_slots: list[Slot] = sorted(values.get("slots", old_slots))
        if sorted(old_slots) != new_slots:
            changes.append(("slots", _slots_text(old_slots), _slots_text(new_slots)))
            effort.slots = [EffortTimeSlot(weekday=d, start_time=s, end_time=e) for d, s, e in new_slots]
        new_goals = sorted(set(values.get("goal_ids", old_goals)))
        if old_goals != new_goals:
            changes.append(("goals", _text(old_goals), _text(new_goals)))
            kept = [link for link in effort.goal_links if link.goal_id in new_goals]
            effort.goal_links = kept + [EffortGoal(goal_id=g) for g in new_goals if g not in old_goals]
        if effort_id is None:
            self.db.add(effort)
        elif not changes:
            return Saved(SaveResult.SAVED, effort.id)
        elif not self.db.is_modified(effort, include_collections=False):
            # Only slots or goal links changed: the effort's own row still takes the new version,
            # so a save from the copy before this one is refused.
            effort.version = effort.version + 1
        self.db.flush()
        self.db.add_all(
            Revision(plan_id=plan_id, user_id=by.id, occurred_at=now, entity="effort", entity_id=effort.id,
                     field=field, old_value=old, new_value=new)
            for field, old, new in changes
        )
        self.db.flush()
        return Saved(SaveResult.SAVED, effort.id)

    # --- goals --------------------------------------------------------------------------------

    def save_goal(
        self, plan_id: int, goal_id: int | None, values: Mapping[str, Any], *, seen_version: int | None,
        by: User, now: dt.datetime,
    ) -> Saved:
        """Creates a goal (waiting for the citizen's answer) or changes one, unless it changed since
        ``seen_version``. A change of wording, time frame or status asks the citizen again
        (``Goals.change``); the other fields are changed as they are."""
        if goal_id is None:
            position = self.db.scalar(select(func.coalesce(func.max(Goal.position), 0)).where(Goal.plan_id == plan_id))
            goal = Goal(plan_id=plan_id, citizen_confirmation="pending", position=(position or 0) + 1, changed_at=now, **values)
            self.db.add(goal)
            self.db.flush()
            self.db.add_all(
                Revision(plan_id=plan_id, user_id=by.id, occurred_at=now, entity="goal", entity_id=goal.id,
                         field=field, old_value=None, new_value=_text(value))
                for field, value in values.items() if _text(value) is not None
            )
            self.db.flush()
            return Saved(SaveResult.SAVED, goal.id)
        found = self.db.scalars(
            select(Goal).where(Goal.id == goal_id, Goal.plan_id == plan_id).with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        if found is None:
            return Saved(SaveResult.GONE)
        if found.version != seen_version:
            return Saved(SaveResult.STALE, found.id)
        others = []
        for field, value in values.items():
            if field in RECONFIRMED_FIELDS:
                continue
            old = getattr(found, field)
            if old != value:
                others.append(Revision(plan_id=plan_id, user_id=by.id, occurred_at=now, entity="goal", entity_id=found.id,
                                       field=field, old_value=_text(old), new_value=_text(value)))
                setattr(found, field, value)
        self.goals.change(found.id, by=by, now=now, **{f: values[f] for f in RECONFIRMED_FIELDS if f in values})
        if others:
            self.db.add_all(others)
            self.db.flush()
        return Saved(SaveResult.SAVED, found.id)

"""Every change to a plan's content raises the plan's ``content_version``, whoever makes it.

Readers keep copies of whole plans keyed on (plan id, content_version), so a change that
did not raise it would leave an old copy in use: a citizen would keep seeing a child whose
custody had ended. Done once here, after every flush of every session, rather than in each
service that writes: no write path can forget it.

The rise is a plain ``UPDATE … SET content_version = content_version + 1``: atomic on both
engines and never a conflict, unlike the optimistic ``version`` check.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from portal.accounts.models import HealthRestriction, Person
from portal.plans.models import (
    AboutMe,
    Effort,
    EffortGoal,
    EffortTimeSlot,
    Goal,
    GoalProgress,
    Meeting,
    Participant,
    Plan,
    PlanMember,
    SharedAssessment,
)

# Rows that carry their plan's id.
_WITH_PLAN_ID = (Effort, Goal, Participant, Meeting, PlanMember)


def _changed(session: Session) -> Iterable[Any]:
    yield from session.new
    yield from session.deleted
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            yield obj


def plans_touched(session: Session, objects: Iterable[Any]) -> set[int]:
    """The ids of the plans whose content these new, changed or deleted rows belong to."""
    plan_ids: set[int] = set()
    effort_ids: set[int] = set()
    goal_ids: set[int] = set()
    person_ids: set[int] = set()
    for obj in objects:
        if isinstance(obj, Plan):
            plan_ids.add(obj.id)
        elif isinstance(obj, _WITH_PLAN_ID):
            plan_ids.add(obj.plan_id)
        elif isinstance(obj, (EffortTimeSlot, EffortGoal)):
            effort_ids.add(obj.effort_id)
        elif isinstance(obj, GoalProgress):
            goal_ids.add(obj.goal_id)
        elif isinstance(obj, (HealthRestriction, AboutMe, SharedAssessment)):
            # The person's own rows, read with their plan: the plan's copy must be made again.
            person_ids.add(obj.person_id)
        elif isinstance(obj, Person):
            person_ids.add(obj.id)
    connection = session.connection()
    if effort_ids:
        plan_ids.update(connection.scalars(select(Effort.plan_id).where(Effort.id.in_(effort_ids))))
    if goal_ids:
        plan_ids.update(connection.scalars(select(Goal.plan_id).where(Goal.id.in_(goal_ids))))
    if person_ids:
        plan_ids.update(connection.scalars(select(PlanMember.plan_id).where(PlanMember.person_id.in_(person_ids))))
    return plan_ids


# Where a session keeps the new content_version of each plan it changed, until it commits or
# rolls back: ``portal.live`` announces them after the commit.
CHANGED_VERSIONS = "plans_changed"


def _after_flush(session: Session, _flush_context: Any) -> None:
    plan_ids = plans_touched(session, _changed(session))
    if plan_ids:
        rows = session.connection().execute(
            update(Plan).where(Plan.id.in_(plan_ids)).values(content_version=Plan.content_version + 1)
            .returning(Plan.id, Plan.content_version)
        )
        changed: dict[int, int] = session.info.setdefault(CHANGED_VERSIONS, {})
        for plan_id, version in rows:
            changed[plan_id] = version


def install() -> None:
    """Listen on every session; idempotent, so importing twice changes nothing."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


install()

"""Goals the citizen answers and rates, and the rule that a caseworker's change asks them again.

Reads come from the plan's snapshot (the same copy the plan page uses), so a goal page costs
what ``/min-plan`` costs. Writes go through the ORM: ``portal.plans.versioning`` raises the
plan's content_version after the flush, so the next request sees them.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access import Principal, citizen_may_see_goal, citizen_visible_member_ids, danish_today
from portal.accounts.models import Person, User
from portal.db import utcnow
from portal.notifications.outbox import Outbox
from portal.plans.models import GOAL_STATUSES, HORIZONS, Goal, GoalProgress, PlanMember, Revision
from portal.plans.readmodels import GoalItem, PlanHeader
from portal.plans.services import SqlPlanReader

ANSWERS = ("agreed", "wants_change")
MAX_COMMENT_LENGTH = 2000
LOWEST_SCORE, HIGHEST_SCORE = 0, 10
# What a caseworker changes that asks the citizen for a new answer.
RECONFIRMED_FIELDS = ("citizen_wording", "professional_wording", "horizon", "status")


@dataclass(frozen=True)
class CitizenGoalView:
    plan: PlanHeader
    goal: GoalItem
    show_person: bool              # the plan shows more than one person's part


class AnswerResult(enum.Enum):
    SAVED = "saved"
    STALE = "stale"                # the goal changed after the form was shown: nothing was saved


class GoalService(Protocol):
    def citizen_goal(self, principal: Principal, goal_id: int, today: dt.date | None = None) -> CitizenGoalView | None: ...

    def answer(
        self, goal_id: int, *, seen_version: int, answer: str, comment: str, by: User,
        on_behalf_of: int | None, now: dt.datetime,
    ) -> AnswerResult: ...

    def rate(self, goal_id: int, score: int, *, by: User, now: dt.datetime) -> None: ...

    def change(self, goal_id: int, *, by: User, now: dt.datetime, **changes: str | None) -> bool: ...


class Goals:
    def __init__(self, db: Session, plans: SqlPlanReader, outbox: Outbox | None = None):
        self.db = db
        self.plans = plans
        self.outbox = outbox or Outbox(db)

    def citizen_goal(self, principal: Principal, goal_id: int, today: dt.date | None = None) -> CitizenGoalView | None:
        """The goal as the citizen side sees it on ``today`` (the Danish date), or None when it is
        not theirs to see."""
        person_id = principal.subject_person_id
        if person_id is None:
            return None
        today = today or danish_today(utcnow())
        snapshot = self.plans.snapshot(person_id=person_id)
        if snapshot is None:
            return None
        goal = next((g for g in snapshot.goals if g.id == goal_id), None)
        if goal is None or not citizen_may_see_goal(principal, snapshot.members, goal, today):
            return None
        shown = citizen_visible_member_ids(snapshot.members, person_id, today)
        return CitizenGoalView(plan=snapshot.header, goal=goal, show_person=len(shown) > 1)

    def _goal(self, goal_id: int) -> Goal:
        goal = self.db.get(Goal, goal_id)
        if goal is None:
            raise LookupError(f"no goal {goal_id}")
        return goal

    def answer(
        self, goal_id: int, *, seen_version: int, answer: str, comment: str, by: User,
        on_behalf_of: int | None, now: dt.datetime,
    ) -> AnswerResult:
        """Saves the citizen's answer, unless the goal changed since they saw it (``seen_version``).

        Two answers racing past this check meet the goal's version column: the later UPDATE finds
        no row, StaleDataError is raised at the flush, and the request answers 409.
        """
        if answer not in ANSWERS:
            raise ValueError(f"not an answer: {answer}")
        if len(comment) > MAX_COMMENT_LENGTH or (answer == "wants_change" and not comment):
            raise ValueError("a change needs a comment of at most 2,000 characters")
        goal = self._goal(goal_id)
        if goal.version != seen_version:
            return AnswerResult.STALE
        new_comment = comment or None
        self._revise(goal, "citizen_confirmation", goal.citizen_confirmation, answer, by, on_behalf_of, now)
        self._revise(goal, "citizen_comment", goal.citizen_comment, new_comment, by, on_behalf_of, now)
        goal.citizen_confirmation = answer
        goal.citizen_comment = new_comment
        goal.answered_at = now
        goal.answered_by_user_id = by.id
        # Answered: what changed before is no longer news.
        goal.previous_values = None
        self.db.flush()
        return AnswerResult.SAVED

    def rate(self, goal_id: int, score: int, *, by: User, now: dt.datetime) -> None:
        """One more self-rating, 0–10; as many as the citizen likes."""
        if not LOWEST_SCORE <= score <= HIGHEST_SCORE:
            raise ValueError(f"a score is 0 to 10, not {score}")
        self.db.add(GoalProgress(goal_id=goal_id, score=score, recorded_at=now, recorded_by_user_id=by.id))
        self.db.flush()

    def change(self, goal_id: int, *, by: User, now: dt.datetime, **changes: str | None) -> bool:
        """A caseworker changes the goal's wording, horizon or status (``PlanEditing.save_goal``).

        Any real change puts the goal back to "waiting for your answer" and keeps, per field, the
        value the citizen last answered to, so their goal page shows what changed. A field changed
        back to that value is no longer a change. True when anything changed.
        """
        goal = self._goal(goal_id)
        previous = dict(goal.previous_values or {})
        changed = False
        for field, value in changes.items():
            _check_change(field, value)
            old = getattr(goal, field)
            if value == old:
                continue
            earlier = previous.setdefault(field, old or "")
            if (value or "") == earlier:
                del previous[field]
            self._revise(goal, field, old, value, by, None, now)
            setattr(goal, field, value)
            changed = True
        if not changed:
            return False
        self._revise(goal, "citizen_confirmation", goal.citizen_confirmation, "pending", by, None, now)
        goal.citizen_confirmation = "pending"
        # The comment answered the old goal; the revisions keep it.
        goal.citizen_comment = None
        goal.previous_values = previous or None
        goal.changed_at = now
        self.db.flush()
        # In the same transaction: the citizen is told only of a change that was saved.
        self.outbox.enqueue("goal", self._answerer(goal), f"/min-plan/maal/{goal.id}", now=now)
        return True

    def _answerer(self, goal: Goal) -> Person | None:
        """Who answers the goal: the person it is about, or for a child the parent with custody."""
        member = self.db.scalars(
            select(PlanMember).where(PlanMember.plan_id == goal.plan_id, PlanMember.person_id == goal.member_person_id)
        ).one_or_none()
        person_id = member.custody_holder_id if member is not None and member.custody_holder_id else goal.member_person_id
        return self.db.get(Person, person_id)

    def _revise(
        self, goal: Goal, field: str, old: str | None, new: str | None, by: User, on_behalf_of: int | None,
        now: dt.datetime,
    ) -> None:
        if old == new:
            return
        self.db.add(Revision(
            plan_id=goal.plan_id, user_id=by.id, on_behalf_of_person_id=on_behalf_of, occurred_at=now,
            entity="goal", entity_id=goal.id, field=field, old_value=old, new_value=new,
        ))


def _check_change(field: str, value: str | None) -> None:
    if field not in RECONFIRMED_FIELDS:
        raise ValueError(f"not a goal field changed here: {field}")
    if field == "horizon" and value not in HORIZONS:
        raise ValueError(f"not a horizon: {value}")
    if field == "status" and value not in GOAL_STATUSES:
        raise ValueError(f"not a goal status: {value}")
    if field == "citizen_wording" and not (value or "").strip():
        raise ValueError("a goal needs the citizen's wording")

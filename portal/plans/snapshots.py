"""Copies of whole plans, kept in memory until the plan changes.

Loading a plan and turning its rows into read models is most of what a plan page costs. A
snapshot holds the result for one ``content_version`` of one plan; every request still asks
the database for the plan's current ``content_version`` (one small statement) and uses the
copy only when it matches, so a change made by any process is seen on the very next request.
``portal.plans.versioning`` raises the number on every change to the plan's content.

Snapshots hold the whole plan and stay inside the reader: the read models a page receives
are filtered from it, per viewer and per request, by the access rules.

Names of staff and departments are not plan content; a copy is therefore also dropped after
``max_age_seconds``, so a renamed department shows within a minute.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from portal.access import plan_facts
from portal.consent.rules import PlanFacts
from portal.plans import rules
from portal.plans.models import Effort, Plan
from portal.plans.readmodels import (
    AboutMeItem,
    AssessmentItem,
    assessment_item,
    EffortItem,
    GoalItem,
    MeetingItem,
    PlanHeader,
    about_me_item,
    assessment_item,
    effort_item,
    goal_item,
    meeting_item,
    plan_header,
)


@dataclass(frozen=True)
class MemberFact:
    person_id: int
    custody_holder_id: int | None
    birth_year: int | None = None
    shares_with_custody_holder: bool = True


@dataclass(frozen=True)
class PlanSnapshot:
    """One plan at one content_version: its read models and the facts the rules judge."""

    content_version: int
    header: PlanHeader
    facts: PlanFacts
    members: tuple[MemberFact, ...]
    goals: tuple[GoalItem, ...]
    efforts: tuple[EffortItem, ...]
    effort_facts: tuple[rules.EffortFacts, ...]   # in the order of ``efforts``
    restrictions: tuple[rules.HealthRestriction, ...]
    meetings: tuple[MeetingItem, ...]
    # Every member's own words; readers filter them per viewer.
    about_me: tuple[AboutMeItem, ...] = ()
    # The members' shared assessments, all departments': readers keep only what the viewer may see.
    assessments: tuple[AssessmentItem, ...] = ()


def effort_facts(effort: Effort) -> rules.EffortFacts:
    if effort.department is not None:
        provider = effort.department.name
    elif effort.participant is not None:
        provider = effort.participant.name
    else:
        provider = ""
    return rules.EffortFacts(
        id=effort.id,
        title=effort.title,
        person_id=effort.member_person_id,
        person_name=effort.member.first_name,
        department_id=effort.department_id,
        provider_name=provider,
        start=effort.start_date,
        end=effort.end_date,
        status=effort.status,
        support_kind=effort.support_kind,
        physical_demands=frozenset(effort.physical_demands or ()),
        slots=tuple(rules.TimeSlot(s.weekday, s.start_time, s.end_time) for s in effort.slots),
    )


def health_restrictions(plan: Plan) -> tuple[rules.HealthRestriction, ...]:
    return tuple(
        rules.HealthRestriction(
            person_id=member.person_id,
            person_name=member.person.first_name,
            demand=restriction.demand,
            description=restriction.description,
        )
        for member in plan.members
        for restriction in member.person.health_restrictions
    )


def snapshot_of(plan: Plan, content_version: int) -> PlanSnapshot:
    return PlanSnapshot(
        content_version=content_version,
        header=plan_header(plan),
        facts=plan_facts(plan),
        members=tuple(
            MemberFact(m.person_id, m.custody_holder_id, m.person.birth_year, m.shares_with_custody_holder)
            for m in plan.members
        ),
        goals=tuple(goal_item(g) for g in plan.goals),
        efforts=tuple(effort_item(e) for e in plan.efforts),
        effort_facts=tuple(effort_facts(e) for e in plan.efforts),
        restrictions=health_restrictions(plan),
        meetings=tuple(meeting_item(m) for m in plan.meetings),
        about_me=tuple(about_me_item(m.person, m.about_me) for m in plan.members if m.about_me is not None),
        assessments=tuple(assessment_item(a, m.person) for m in plan.members for a in m.assessments),
    )


class SnapshotCache:
    """The newest snapshot of the most recently read plans; shared by the threads of one process."""

    def __init__(self, max_plans: int = 500, max_age_seconds: float = 60.0):
        self.max_plans = max_plans
        self.max_age_seconds = max_age_seconds
        self._entries: OrderedDict[int, tuple[float, PlanSnapshot]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, plan_id: int, content_version: int) -> PlanSnapshot | None:
        with self._lock:
            entry = self._entries.get(plan_id)
            if entry is None:
                return None
            stored_at, snapshot = entry
            if snapshot.content_version != content_version or time.monotonic() - stored_at > self.max_age_seconds:
                del self._entries[plan_id]
                return None
            self._entries.move_to_end(plan_id)
            return snapshot

    def put(self, plan_id: int, snapshot: PlanSnapshot) -> None:
        with self._lock:
            self._entries[plan_id] = (time.monotonic(), snapshot)
            self._entries.move_to_end(plan_id)
            while len(self._entries) > self.max_plans:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

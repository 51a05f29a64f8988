"""What a caseworker's forms for a plan's efforts and goals may offer: plain values, no rows.

Built by ``portal.plans.efforts.PlanEditing`` from what the caseworker may see, so a form never
lists a department, an effort or a person the access policy keeps from them; the forms check
every value sent against the same lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

Option = tuple[int, str]  # (id, what the form shows)


@dataclass(frozen=True)
class Caseworker:
    id: int
    name: str
    department_id: int


@dataclass(frozen=True)
class EffortChoices:
    members: tuple[Option, ...]
    departments: tuple[Option, ...]            # where this caseworker may put an effort
    caseworkers: tuple[Caseworker, ...]        # of those departments
    participants: tuple[Option, ...]           # outside participants (only for the coordinators)
    goals: tuple[Option, ...]
    after_efforts: tuple[Option, ...]          # the visible efforts, this one left out
    # after_effort_id of every effort of the plan (hidden ones too, by id only): for loops.
    chain: Mapping[int, int | None] = field(default_factory=dict)
    effort_id: int | None = None               # the effort being changed; None for a new one
    # The effort now waits for one the caseworker may not see: kept unless they choose another.
    hidden_after: bool = False


@dataclass(frozen=True)
class GoalChoices:
    members: tuple[Option, ...]


def loops(effort_id: int | None, after_effort_id: int, chain: Mapping[int, int | None]) -> bool:
    """Would waiting for ``after_effort_id`` make the effort wait for itself, directly or round a ring?"""
    if effort_id is None:
        return False  # a new effort: nothing waits for it yet
    seen: set[int] = set()
    current: int | None = after_effort_id
    while current is not None and current not in seen:
        if current == effort_id:
            return True
        seen.add(current)
        current = chain.get(current)
    return False

"""Which caseworker may see which plan, and which of its items: pure rules.

The citizen side (the citizen and relatives acting for them) is decided
elsewhere; here only staff are judged. Admins and evaluators never see plan
content: admins run the system, evaluators see aggregates.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

REASON_CONTACT_PERSON = "contact_person"
REASON_DEPUTY = "deputy"
REASON_EFFORT_RESPONSIBLE = "effort_responsible"
REASON_NOT_INVOLVED = "not_involved"
REASON_NO_CONSENT_OTHER_MUNICIPALITY = "no_consent_other_municipality"
REASON_ROLE_HAS_NO_PLAN_ACCESS = "role_has_no_plan_access"

STAFF_ROLE_WITH_PLAN_ACCESS = "caseworker"
# From this age a child in a family plan consents for their own part of it.
OWN_CONSENT_AGE = 15


@dataclass(frozen=True)
class Viewer:
    user_id: int
    role: str  # "citizen" | "relative" | "caseworker" | "admin" | "evaluator"
    department_id: int | None
    municipality_id: int | None


@dataclass(frozen=True)
class EffortOwnership:
    effort_id: int
    department_id: int | None
    responsible_user_id: int | None
    member_person_id: int | None = None   # whose part of the plan the effort belongs to


@dataclass(frozen=True)
class MemberFacts:
    """A person in the plan, as far as consents go."""

    person_id: int
    birth_year: int | None
    is_child: bool                        # a child in someone's custody


@dataclass(frozen=True)
class PlanFacts:
    plan_id: int
    municipality_id: int
    contact_user_id: int | None
    deputy_user_id: int | None
    efforts: tuple[EffortOwnership, ...]
    members: tuple[MemberFacts, ...] = ()


@dataclass(frozen=True)
class ConsentFacts:
    recipient_department_id: int | None
    recipient_municipality_id: int | None
    valid_from: datetime.date
    valid_until: datetime.date  # inclusive
    withdrawn_at: datetime.datetime | None
    consent_id: int | None = None
    member_person_id: int | None = None  # None: the whole plan; else one member's own part


@dataclass(frozen=True)
class StaffVisibility:
    sees_plan: bool
    department_ids: frozenset[int]  # departments whose items the viewer may see (besides own)
    reason: str
    # The consent that opened the plan or other departments' items, for the access log.
    consent_id: int | None = None
    # Parts of the plan that ``department_ids`` does not reach: (member, the departments whose
    # items of that member the viewer may see). A child of 15 or older is always here: only
    # their own consents open their part.
    parts: tuple[tuple[int, frozenset[int]], ...] = ()


def consents_for_own_part(birth_year: int | None, today: datetime.date) -> bool:
    """A child consents for their own part from 1 January of the year they turn 15.

    Only the birth year is known, so the rule errs on the child's side: for the last months
    before the birthday, the child's privacy wins over the parent's say.
    """
    return birth_year is not None and today.year - birth_year >= OWN_CONSENT_AGE


def own_part_member_ids(members: Iterable[MemberFacts], today: datetime.date) -> frozenset[int]:
    """The plan's children who consent for their own part: the whole plan's consents skip them."""
    return frozenset(m.person_id for m in members if m.is_child and consents_for_own_part(m.birth_year, today))


def consent_is_valid(consent: ConsentFacts, now: datetime.datetime) -> bool:
    """In force on ``now``'s date and not withdrawn at or before ``now``.

    ``valid_from``/``valid_until`` are local calendar dates, so pass ``now`` in
    the municipality's time zone (Europe/Copenhagen). ``withdrawn_at`` and
    ``now`` must both be aware or both be naive.
    """
    if consent.withdrawn_at is not None and consent.withdrawn_at <= now:
        return False
    return consent.valid_from <= now.date() <= consent.valid_until


def _names_viewer(consent: ConsentFacts, viewer: Viewer) -> bool:
    # A None on either side never matches: a consent with no recipient names no
    # one, and a viewer without a department is not "the department None".
    by_department = (
        consent.recipient_department_id is not None
        and consent.recipient_department_id == viewer.department_id
    )
    by_municipality = (
        consent.recipient_municipality_id is not None
        and consent.recipient_municipality_id == viewer.municipality_id
    )
    return by_department or by_municipality


def _involvement(viewer: Viewer, plan: PlanFacts) -> str | None:
    if plan.contact_user_id is not None and plan.contact_user_id == viewer.user_id:
        return REASON_CONTACT_PERSON
    if plan.deputy_user_id is not None and plan.deputy_user_id == viewer.user_id:
        return REASON_DEPUTY
    if any(effort.responsible_user_id == viewer.user_id for effort in plan.efforts):
        return REASON_EFFORT_RESPONSIBLE
    return None


def staff_visibility(
    viewer: Viewer,
    plan: PlanFacts,
    consents: Iterable[ConsentFacts],
    now: datetime.datetime,
) -> StaffVisibility:
    """Whether a staff member sees the plan at all, and which departments' items.

    Being involved (contact person, deputy, responsible for an effort) opens
    the plan; it does not open other departments' items. Those need the
    citizen's valid consent naming the viewer's department or municipality, and
    a viewer from another municipality needs such a consent even to open it.
    """
    if viewer.role != STAFF_ROLE_WITH_PLAN_ACCESS:
        return StaffVisibility(False, frozenset(), REASON_ROLE_HAS_NO_PLAN_ACCESS)
    reason = _involvement(viewer, plan)
    if reason is None:
        return StaffVisibility(False, frozenset(), REASON_NOT_INVOLVED)
    naming = [c for c in consents if consent_is_valid(c, now) and _names_viewer(c, viewer)]
    # The whole plan's consent first: it is the one the access log names when there is one.
    naming.sort(key=lambda c: c.member_person_id is not None)
    consent = naming[0] if naming else None
    # A caseworker with no municipality on record cannot prove they belong to
    # the plan's municipality, so they are treated as coming from outside.
    if viewer.municipality_id != plan.municipality_id and consent is None:
        return StaffVisibility(False, frozenset(), REASON_NO_CONSENT_OTHER_MUNICIPALITY)
    every_department = frozenset(e.department_id for e in plan.efforts if e.department_id is not None)
    whole = any(c.member_person_id is None for c in naming)
    own_parts = own_part_member_ids(plan.members, now.date())
    with_own_consent = {c.member_person_id for c in naming if c.member_person_id is not None}
    parts = tuple(
        (member, every_department if member in with_own_consent or (whole and member not in own_parts) else frozenset())
        for member in sorted(own_parts | with_own_consent)
    )
    departments = every_department if whole else frozenset()
    return StaffVisibility(True, departments, reason, consent.consent_id if consent is not None else None, parts)


def may_see_item(
    visibility: StaffVisibility, viewer: Viewer, item_department_id: int | None, member_person_id: int | None = None,
) -> bool:
    """One item (effort, goal, assessment, …) of a plan the viewer was judged for.

    ``member_person_id`` is whose part the item belongs to. Without it, an item of another
    department is seen only where every part of the plan is open to the viewer.
    """
    if not visibility.sees_plan:
        return False
    if item_department_id is None:
        # Outside participants (GP, school, …) belong to the whole plan.
        return True
    if viewer.department_id is not None and item_department_id == viewer.department_id:
        return True
    parts = dict(visibility.parts)
    if member_person_id is not None and member_person_id in parts:
        return item_department_id in parts[member_person_id]
    if member_person_id is None and any(item_department_id not in seen for seen in parts.values()):
        return False
    return item_department_id in visibility.department_ids


def visible_effort_ids(
    viewer: Viewer, plan: PlanFacts, consents: Iterable[ConsentFacts], now: datetime.datetime
) -> frozenset[int]:
    """The efforts of the plan this staff member sees under these consents."""
    visibility = staff_visibility(viewer, plan, consents, now)
    return frozenset(
        e.effort_id for e in plan.efforts if may_see_item(visibility, viewer, e.department_id, e.member_person_id)
    )


def hidden_by_withdrawal(
    viewers: Iterable[Viewer],
    plan: PlanFacts,
    consents: Iterable[ConsentFacts],
    consent_id: int,
    now: datetime.datetime,
) -> dict[int, frozenset[int]]:
    """What withdrawing one consent would hide: user id -> the effort ids they see now and not after.

    Only viewers who lose something are named. ``now`` in Danish time, as for ``staff_visibility``.
    """
    consents = tuple(consents)
    without = tuple(c for c in consents if c.consent_id != consent_id)
    hidden: dict[int, frozenset[int]] = {}
    for viewer in viewers:
        lost = visible_effort_ids(viewer, plan, consents, now) - visible_effort_ids(viewer, plan, without, now)
        if lost:
            hidden[viewer.user_id] = lost
    return hidden

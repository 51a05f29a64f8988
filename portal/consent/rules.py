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


@dataclass(frozen=True)
class PlanFacts:
    plan_id: int
    municipality_id: int
    contact_user_id: int | None
    deputy_user_id: int | None
    efforts: tuple[EffortOwnership, ...]


@dataclass(frozen=True)
class ConsentFacts:
    recipient_department_id: int | None
    recipient_municipality_id: int | None
    valid_from: datetime.date
    valid_until: datetime.date  # inclusive
    withdrawn_at: datetime.datetime | None
    consent_id: int | None = None


@dataclass(frozen=True)
class StaffVisibility:
    sees_plan: bool
    department_ids: frozenset[int]  # departments whose items the viewer may see (besides own)
    reason: str
    # The consent that opened the plan or other departments' items, for the access log.
    consent_id: int | None = None


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
    consent = next((c for c in consents if consent_is_valid(c, now) and _names_viewer(c, viewer)), None)
    consented = consent is not None
    # A caseworker with no municipality on record cannot prove they belong to
    # the plan's municipality, so they are treated as coming from outside.
    if viewer.municipality_id != plan.municipality_id and not consented:
        return StaffVisibility(False, frozenset(), REASON_NO_CONSENT_OTHER_MUNICIPALITY)
    if consented:
        departments = frozenset(e.department_id for e in plan.efforts if e.department_id is not None)
    else:
        departments = frozenset()
    return StaffVisibility(True, departments, reason, consent.consent_id if consent is not None else None)


def may_see_item(visibility: StaffVisibility, viewer: Viewer, item_department_id: int | None) -> bool:
    """One item (effort, goal, assessment, …) of a plan the viewer was judged for."""
    if not visibility.sees_plan:
        return False
    if item_department_id is None:
        # Outside participants (GP, school, …) belong to the whole plan.
        return True
    if viewer.department_id is not None and item_department_id == viewer.department_id:
        return True
    return item_department_id in visibility.department_ids


def visible_effort_ids(
    viewer: Viewer, plan: PlanFacts, consents: Iterable[ConsentFacts], now: datetime.datetime
) -> frozenset[int]:
    """The efforts of the plan this staff member sees under these consents."""
    visibility = staff_visibility(viewer, plan, consents, now)
    return frozenset(e.effort_id for e in plan.efforts if may_see_item(visibility, viewer, e.department_id))


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

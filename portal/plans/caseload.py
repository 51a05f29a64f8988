"""The caseworker's caseload (``/sag/``): per plan the warnings, unread messages, goals awaiting the
citizen's answer and the last change; searched by the citizen's name and sorted.

Statements do not grow with the caseload: one for the plans with their last revision and unread
messages, one for their consents, and the plans' snapshots from memory, or those not in memory
loaded together (four statements however many). Each plan is judged by the same rule as the plan
page; plans that wait for a consent are counted, never named, and a search never changes that count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased

from portal.access import staff_visibility_of, viewer_of
from portal.accounts.models import Role, User
from portal.consent.rules import REASON_NO_CONSENT_OTHER_MUNICIPALITY, may_see_item
from portal.messages.models import Message, MessageReceipt, MessageThread
from portal.plans.models import Effort, Plan, Revision
from portal.plans.snapshots import PlanSnapshot, snapshot_of

if TYPE_CHECKING:
    from portal.plans.services import Caseload, CaseloadRow, SqlPlanReader

SORTS = ("navn", "aendret", "advarsler")
MAX_QUERY_LENGTH = 100
OPEN_GOAL_STATUSES = ("proposed", "agreed")


def _snapshots(reader: SqlPlanReader, versions: dict[int, int]) -> dict[int, PlanSnapshot]:
    from portal.plans.services import _plan_loading_options

    found: dict[int, PlanSnapshot] = {}
    missing = []
    for plan_id, version in versions.items():
        snapshot = reader.snapshots.get(plan_id, version)
        if snapshot is None:
            missing.append(plan_id)
        else:
            found[plan_id] = snapshot
    if missing:
        plans = reader.db.scalars(
            select(Plan).where(Plan.id.in_(missing)).options(*_plan_loading_options())
        ).unique().all()
        for plan in plans:
            snapshot = snapshot_of(plan, versions[plan.id])
            reader.snapshots.put(plan.id, snapshot)
            found[plan.id] = snapshot
    return found


def caseload_of(reader: SqlPlanReader, user: User, now: dt.datetime) -> Caseload:
    from portal.plans.services import Caseload, CaseloadRow, findings_of

    author = aliased(User)
    last_revision = select(func.max(Revision.occurred_at)).where(Revision.plan_id == Plan.id).scalar_subquery()
    # Messages from the citizen side that this caseworker has no receipt for.
    unread = (
        select(func.count(Message.id))
        .join(MessageThread, Message.thread_id == MessageThread.id)
        .join(author, author.id == Message.author_user_id)
        .where(
            MessageThread.plan_id == Plan.id,
            author.role.in_((Role.CITIZEN, Role.RELATIVE)),
            ~exists().where(MessageReceipt.message_id == Message.id, MessageReceipt.user_id == user.id),
        )
        .scalar_subquery()
    )
    effort_plan_ids = select(Effort.plan_id).where(Effort.responsible_user_id == user.id)
    found = reader.db.execute(
        select(Plan.id, Plan.content_version, Plan.updated_at, last_revision, unread)
        .where(or_(Plan.contact_user_id == user.id, Plan.deputy_user_id == user.id, Plan.id.in_(effort_plan_ids)))
        .order_by(Plan.id)
    ).all()
    consents = reader.consents_of([row[0] for row in found])
    snapshots = _snapshots(reader, {row[0]: row[1] for row in found})
    viewer = viewer_of(user)
    rows: list[CaseloadRow] = []
    awaiting_consent = 0
    for plan_id, _version, updated_at, revised_at, unread_count in found:
        snapshot = snapshots.get(plan_id)
        if snapshot is None:
            continue
        visibility = staff_visibility_of(user, snapshot.facts, consents.get(plan_id, []), now)
        if not visibility.sees_plan:
            if visibility.reason == REASON_NO_CONSENT_OTHER_MUNICIPALITY:
                awaiting_consent += 1
            continue
        facts = snapshot.facts
        roles = []
        if facts.contact_user_id == user.id:
            roles.append("contact")
        if facts.deputy_user_id == user.id:
            roles.append("deputy")
        if any(e.responsible_user_id == user.id for e in facts.efforts):
            roles.append("effort")
        visible = {
            e.id for e in snapshot.efforts if may_see_item(visibility, viewer, e.department_id, e.member_person_id)
        }
        keeper = "contact" in roles or "deputy" in roles
        rows.append(CaseloadRow(
            plan_id, snapshot.header.kind, snapshot.header.citizen, snapshot.header.contact, tuple(roles), len(visible),
            warnings=len(findings_of(snapshot, visible)),
            # The thread is between the citizen side and the contact person and deputy.
            unread=int(unread_count or 0) if keeper else None,
            awaiting_answer=sum(1 for g in snapshot.goals
                                if g.citizen_confirmation == "pending" and g.status in OPEN_GOAL_STATUSES),
            last_change=max(t for t in (updated_at, revised_at) if t is not None) if (updated_at or revised_at) else None,
        ))
    return Caseload(rows, awaiting_consent)


def search_and_sort(rows: Sequence[CaseloadRow], query: str, sort: str) -> list[CaseloadRow]:
    """The rows whose citizen's name holds ``query`` (any case), in the chosen order (by name otherwise)."""
    needle = query.casefold()
    chosen = [row for row in rows if needle in row.citizen.full_name.casefold()] if needle else list(rows)
    by_name = sorted(chosen, key=lambda row: (row.citizen.full_name.casefold(), row.plan_id))
    if sort == "aendret":
        earliest = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
        return sorted(by_name, key=lambda row: row.last_change or earliest, reverse=True)
    if sort == "advarsler":
        return sorted(by_name, key=lambda row: row.warnings, reverse=True)
    return by_name

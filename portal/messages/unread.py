"""Unread messages counted in SQL: one statement for the navigation and the caseload.

A message is unread for a user when it comes from the other side of the thread and the user
has no receipt for it. On the staff side only threads the caseworker may use count: the SQL
below says what ``portal.access.staff_may_use_thread`` says (contact person, deputy, or brought
in and still responsible for an effort; and the plan's own municipality, or a consent in force
naming the caseworker), so a count never reveals a thread the caseworker could not open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from portal.access import danish_today, viewer_of
from portal.accounts.models import Role, User
from portal.consent.models import Consent
from portal.messages.models import Message, MessageReceipt, MessageThread, MessageThreadStaff
from portal.plans.models import Effort, Plan, PlanMember

CITIZEN_SIDE_ROLES = (Role.CITIZEN.value, Role.RELATIVE.value)

Author = aliased(User, name="author")


def not_read_by(user_id: int) -> ColumnElement[bool]:
    return ~exists().where(MessageReceipt.message_id == Message.id, MessageReceipt.user_id == user_id)


def staff_uses_thread(user: User, now: dt.datetime) -> ColumnElement[bool]:
    """Over Plan and MessageThread: the caseworker may use the plan's thread."""
    if user.role != Role.CASEWORKER:
        return false()
    viewer = viewer_of(user)
    involved = or_(
        Plan.contact_user_id == user.id,
        Plan.deputy_user_id == user.id,
        and_(
            exists().where(MessageThreadStaff.thread_id == MessageThread.id, MessageThreadStaff.user_id == user.id),
            exists().where(Effort.plan_id == Plan.id, Effort.responsible_user_id == user.id),
        ),
    )
    names = []
    if viewer.department_id is not None:
        names.append(Consent.recipient_department_id == viewer.department_id)
    if viewer.municipality_id is not None:
        names.append(Consent.recipient_municipality_id == viewer.municipality_id)
    today = danish_today(now)
    consented: ColumnElement[bool] = false()
    if names:
        consented = exists().where(
            Consent.plan_id == Plan.id,
            Consent.valid_from <= today,
            Consent.valid_until >= today,
            or_(Consent.withdrawn_at.is_(None), Consent.withdrawn_at > now),
            or_(*names),
        )
    same_municipality: ColumnElement[bool] = (
        Plan.municipality_id == viewer.municipality_id if viewer.municipality_id is not None else false()
    )
    return and_(involved, or_(same_municipality, consented))


def staff_unread_counts(db: Session, user: User, plan_ids: Iterable[int] | None, now: dt.datetime) -> dict[int, int]:
    """plan id -> messages from the citizen side the caseworker has not read, in threads they may use."""
    query = (
        select(MessageThread.plan_id, func.count(Message.id))
        .join(Message, Message.thread_id == MessageThread.id)
        .join(Plan, Plan.id == MessageThread.plan_id)
        .join(Author, Author.id == Message.author_user_id)
        .where(Author.role.in_(CITIZEN_SIDE_ROLES), not_read_by(user.id), staff_uses_thread(user, now))
        .group_by(MessageThread.plan_id)
    )
    if plan_ids is not None:
        ids = list(plan_ids)
        if not ids:
            return {}
        query = query.where(MessageThread.plan_id.in_(ids))
    return {plan_id: count for plan_id, count in db.execute(query)}


def citizen_unread_count(db: Session, user: User, person_id: int) -> int:
    """Messages from the staff side in the thread of the person's plan that this user has not read."""
    return int(db.scalar(citizen_unread_query(user, person_id)) or 0)


def citizen_unread_query(user: User, person_id: int) -> Select[int]:
    """The count above as a query, for a page to fold into a statement of its own."""
    return (
        select(func.count(Message.id))
        .join(MessageThread, MessageThread.id == Message.thread_id)
        .join(PlanMember, PlanMember.plan_id == MessageThread.plan_id)
        .join(Author, Author.id == Message.author_user_id)
        .where(PlanMember.person_id == person_id, Author.role.notin_(CITIZEN_SIDE_ROLES), not_read_by(user.id))
    )

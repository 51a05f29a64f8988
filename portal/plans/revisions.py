"""What changed in the citizen's plan (``/min-plan/aendringer``) and "Nyt siden sidst".

A revision row names its plan, the entity (``effort``, ``goal``, ``meeting``, ``participant``,
``assessment``, ``member``, ``plan``, ``about_me``) and the entity's id, but not whose part of the
plan it is about. ``change_scope`` learns that from the plan's snapshot and asks the policy
(``citizen_may_see_change`` in portal/access.py) item by item, as the plan page does; a read keeps
only revisions about the items in scope. A revision about anything else (a deleted item, a member
taken off the plan, a kind the policy does not know) is left out: unknown is hidden, never shown.

Each read is one statement however many revisions there are: the names a value points at (the
contact person, the responsible caseworker, a department) are joined in, the titles of the items
come from the snapshot. The visit marker (``PlanSeen``) is the citizen's own: a relative acting for
them reads it but never moves it, so the citizen still sees what is new when they come themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, Select, and_, case, cast, false, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from portal.access import ChangedItem, citizen_may_see_change
from portal.accounts.models import Department, User
from portal.plans.models import PlanSeen, Revision
from portal.plans.revision_words import NAMED_BY_ROW, NAMED_IN_PLAN, VALUE_KINDS, describe

if TYPE_CHECKING:
    from portal.plans.snapshots import PlanSnapshot

__all__ = ["VALUE_KINDS", "ChangePage", "ChangeRow", "ChangeScope", "Revisions", "change_scope", "describe"]

# A meeting is named by what it is about; a long purpose is cut here.
TITLE_LENGTH = 60


@dataclass(frozen=True)
class ChangeRow:
    id: int
    occurred_at: dt.datetime
    entity: str
    field: str
    old_value: str | None
    new_value: str | None
    item_title: str                # the effort's title, the goal's wording, the member's first name, …
    by_user_id: int | None
    by_name: str                   # the user's display name, "" when the user is gone
    by_subject: bool               # made by the citizen whose plan it is
    on_behalf: bool                # made by a relative acting for the citizen
    is_new: bool                   # after the visit before the citizen's last look at the plan
    # What an id among the values names (a caseworker, a department, a participant, a member),
    # None when unknown or hidden: the sentence then goes without that value.
    old_name: str | None = None
    new_name: str | None = None


@dataclass(frozen=True)
class ChangePage:
    rows: tuple[ChangeRow, ...]
    has_older: bool


@dataclass(frozen=True)
class ChangeScope:
    """The items of one plan whose changes the citizen side sees: entity -> ids, and their titles."""

    plan_id: int
    ids: Mapping[str, frozenset[int]] = field(default_factory=dict)
    titles: Mapping[tuple[str, int], str] = field(default_factory=dict)


def _short(text: str) -> str:
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1].rstrip() + "…"


def change_scope(snapshot: PlanSnapshot, shown: frozenset[int]) -> ChangeScope:
    """What of ``snapshot``'s plan the citizen side, seeing the parts ``shown``, sees the changes of."""
    header = snapshot.header
    first_names = {member.id: member.first_name for member in header.members}
    helps: dict[int, set[int]] = {}
    for effort in snapshot.efforts:
        if effort.participant_id is not None:
            helps.setdefault(effort.participant_id, set()).add(effort.member_person_id)
    items: list[tuple[ChangedItem, int, str]] = [(ChangedItem("plan"), header.id, "")]
    for member in snapshot.members:
        name = first_names.get(member.person_id, "")
        items += [(ChangedItem("member", member.person_id), member.person_id, name),
                  (ChangedItem("about_me", member.person_id), member.person_id, name)]
    items += [(ChangedItem("effort", e.member_person_id), e.id, e.title) for e in snapshot.efforts]
    items += [(ChangedItem("goal", g.member_person_id), g.id, g.citizen_wording) for g in snapshot.goals]
    items += [(ChangedItem("meeting"), m.id, _short(m.purpose)) for m in snapshot.meetings]
    items += [(ChangedItem("participant", helps=frozenset(helps.get(p.id, ()))), p.id, p.name)
              for p in header.participants]
    items += [(ChangedItem("assessment", a.person_id), a.id, a.title) for a in snapshot.assessments]
    members = frozenset(m.person_id for m in snapshot.members)
    ids: dict[str, set[int]] = {}
    titles: dict[tuple[str, int], str] = {}
    for item, item_id, title in items:
        if citizen_may_see_change(item, shown, members):
            ids.setdefault(item.entity, set()).add(item_id)
            titles[(item.entity, item_id)] = title
    return ChangeScope(header.id, {entity: frozenset(found) for entity, found in ids.items()}, titles)


def _named(pairs: Iterable[tuple[str, str]]) -> ColumnElement[bool]:
    return or_(false(), *(and_(Revision.entity == entity, Revision.field == name) for entity, name in pairs))


def _id_in(column: Any, pairs: Iterable[tuple[str, str]]) -> Any:
    # Only a value that is an id is read as a number; CASE keeps PostgreSQL from casting the rest.
    return case((_named(pairs), cast(column, Integer)), else_=None)


class Revisions:
    def __init__(self, db: Session):
        self.db = db

    @staticmethod
    def _visible(scope: ChangeScope) -> ColumnElement[bool]:
        return and_(Revision.plan_id == scope.plan_id, or_(false(), *(
            and_(Revision.entity == entity, Revision.entity_id.in_(sorted(ids)))
            for entity, ids in sorted(scope.ids.items()) if ids
        )))

    def of_citizen(self, person_id: int, scope: ChangeScope, *, page: int = 1, limit: int = 100) -> ChangePage:
        """The revisions of the items in ``scope`` (``change_scope``), newest first; one statement.
        ``page`` counts from 1."""
        seen_before = select(PlanSeen.seen_before).where(PlanSeen.person_id == person_id).scalar_subquery()
        old_user, new_user = aliased(User), aliased(User)
        old_department, new_department = aliased(Department), aliased(Department)
        users = [pair for pair, kind in NAMED_BY_ROW.items() if kind == "user"]
        departments = [pair for pair, kind in NAMED_BY_ROW.items() if kind == "department"]
        query = (
            select(
                Revision.id, Revision.occurred_at, Revision.entity, Revision.field, Revision.old_value,
                Revision.new_value, Revision.entity_id, Revision.user_id, User.display_name, User.person_id,
                Revision.on_behalf_of_person_id, func.coalesce(Revision.occurred_at > seen_before, True),
                func.coalesce(old_user.display_name, old_department.name),
                func.coalesce(new_user.display_name, new_department.name),
            ).select_from(Revision)
            .outerjoin(User, User.id == Revision.user_id)
            .outerjoin(old_user, old_user.id == _id_in(Revision.old_value, users))
            .outerjoin(new_user, new_user.id == _id_in(Revision.new_value, users))
            .outerjoin(old_department, old_department.id == _id_in(Revision.old_value, departments))
            .outerjoin(new_department, new_department.id == _id_in(Revision.new_value, departments))
        )
        rows = self.db.execute(
            query.where(self._visible(scope))
            .order_by(Revision.occurred_at.desc(), Revision.id.desc())
            .offset((page - 1) * limit)
            .limit(limit + 1)
        ).all()
        found = [
            ChangeRow(
                id=rid, occurred_at=occurred_at, entity=entity, field=name, old_value=old, new_value=new,
                item_title=scope.titles.get((entity, entity_id or 0), ""), by_user_id=user_id, by_name=by or "",
                by_subject=by_person == person_id, on_behalf=on_behalf is not None and by_person != person_id,
                is_new=bool(is_new), old_name=old_name or _in_plan(scope, entity, name, old),
                new_name=new_name or _in_plan(scope, entity, name, new),
            )
            for (rid, occurred_at, entity, name, old, new, entity_id, user_id, by, by_person, on_behalf, is_new,
                 old_name, new_name) in rows
        ]
        return ChangePage(tuple(found[:limit]), has_older=len(found) > limit)

    def news_count(self, person_id: int, scope: ChangeScope) -> int:
        """How many visible revisions came after the citizen last opened the plan; one statement."""
        return self.db.execute(self._news_query(person_id, scope)).scalar_one()

    def news_count_and(self, person_id: int, scope: ChangeScope, other: Select[int]) -> tuple[int, int]:
        """The news count and another count (the menu's unread messages) in the same one statement."""
        row = self.db.execute(
            select(self._news_query(person_id, scope).scalar_subquery(), other.scalar_subquery())
        ).one()
        return int(row[0] or 0), int(row[1] or 0)

    def _news_query(self, person_id: int, scope: ChangeScope) -> Select[int]:
        seen_at = select(PlanSeen.seen_at).where(PlanSeen.person_id == person_id).scalar_subquery()
        return select(func.count(Revision.id)).where(
            self._visible(scope), func.coalesce(Revision.occurred_at > seen_at, True)
        )

    def mark_seen(self, person_id: int, now: dt.datetime) -> None:
        """The citizen has seen the plan now; one small upsert. The former mark becomes ``seen_before``."""
        dialect = postgresql if self.db.get_bind().dialect.name == "postgresql" else sqlite
        insert = dialect.insert(PlanSeen).values(person_id=person_id, seen_at=now, seen_before=None)
        self.db.execute(insert.on_conflict_do_update(
            index_elements=[PlanSeen.person_id],
            set_={"seen_before": PlanSeen.seen_at, "seen_at": insert.excluded.seen_at},
        ))




def _in_plan(scope: ChangeScope, entity: str, name: str, value: str | None) -> str | None:
    """The title of the visible item an id among the values names (a participant, an effort, a member)."""
    kind = NAMED_IN_PLAN.get((entity, name))
    if kind is None or value is None or not value.isdigit():
        return None
    return scope.titles.get((kind, int(value)))

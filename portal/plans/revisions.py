"""What changed in the citizen's plan (``/min-plan/aendringer``) and "Nyt siden sidst".

A revision row names its plan, the entity (``effort`` or ``goal``) and the entity's id, but not
whose part of the plan it is about. Each read joins the effort or goal to learn its member, and
keeps only revisions about the members the citizen side may see: the ids come from
``citizen_visible_member_ids`` (portal/access.py) over the plan's members, as on the plan page.
A revision about anything else (a deleted effort, a kind of entity the citizen page does not
show) is left out: unknown is hidden, never shown.

Each read is one statement however many revisions there are. The visit marker (``PlanSeen``) is
the citizen's own: a relative acting for them reads it but never moves it, so the citizen still
sees what is new when they come themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, Unpack

from babel.dates import format_date
from sqlalchemy import Select, and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal import i18n
from portal.accounts.models import User
from portal.i18n import gettext as _
from portal.labels import label
from portal.plans.models import Effort, Goal, PlanSeen, Revision

# How each field's values are shown: a vocabulary of portal/labels.py, a date, a time or text.
# A field not listed here is shown without its values: they may be internal.
VALUE_KINDS: dict[tuple[str, str], str] = {
    ("effort", "status"): "effort_status",
    ("effort", "title"): "text",
    ("effort", "description"): "text",
    ("effort", "start_date"): "date",
    ("effort", "end_date"): "date",
    ("effort", "start_time"): "time",
    ("effort", "end_time"): "time",
    ("goal", "status"): "goal_status",
    ("goal", "horizon"): "horizon",
    ("goal", "citizen_confirmation"): "citizen_answer",
    ("goal", "citizen_comment"): "text",
    ("goal", "citizen_wording"): "text",
    ("goal", "professional_wording"): "text",
}
SHOWN_ENTITIES = ("effort", "goal")
_Q = TypeVar("_Q", bound="Select[Unpack[tuple[Any, ...]]]")


@dataclass(frozen=True)
class ChangeRow:
    id: int
    occurred_at: dt.datetime
    entity: str
    field: str
    old_value: str | None
    new_value: str | None
    item_title: str                # the effort's title, or the goal's wording
    by_user_id: int | None
    by_name: str                   # the user's display name, "" when the user is gone
    by_subject: bool               # made by the citizen whose plan it is
    on_behalf: bool                # made by a relative acting for the citizen
    is_new: bool                   # after the visit before the citizen's last look at the plan


@dataclass(frozen=True)
class ChangePage:
    rows: tuple[ChangeRow, ...]
    has_older: bool


class Revisions:
    def __init__(self, db: Session):
        self.db = db

    @staticmethod
    def _visible(plan_id: int, member_ids: Iterable[int]) -> ColumnElement[bool]:
        member = func.coalesce(Effort.member_person_id, Goal.member_person_id)
        return and_(
            Revision.plan_id == plan_id,
            Revision.entity.in_(SHOWN_ENTITIES),
            member.in_(sorted(member_ids)),
        )

    @staticmethod
    def _joined(query: _Q) -> _Q:
        return (
            query.outerjoin(Effort, and_(Revision.entity == "effort", Effort.id == Revision.entity_id,
                                         Effort.plan_id == Revision.plan_id))
            .outerjoin(Goal, and_(Revision.entity == "goal", Goal.id == Revision.entity_id,
                                  Goal.plan_id == Revision.plan_id))
        )

    def of_citizen(
        self, person_id: int, plan_id: int, member_ids: Iterable[int], *, page: int = 1, limit: int = 100,
    ) -> ChangePage:
        """The revisions of the parts of the plan the citizen side sees, newest first; one statement.

        ``member_ids`` are ``citizen_visible_member_ids`` of the plan; ``page`` counts from 1.
        """
        seen_before = select(PlanSeen.seen_before).where(PlanSeen.person_id == person_id).scalar_subquery()
        query = self._joined(
            select(
                Revision.id, Revision.occurred_at, Revision.entity, Revision.field, Revision.old_value,
                Revision.new_value, func.coalesce(Effort.title, Goal.citizen_wording), Revision.user_id,
                User.display_name, User.person_id, Revision.on_behalf_of_person_id,
                func.coalesce(Revision.occurred_at > seen_before, True),
            ).select_from(Revision)
        ).outerjoin(User, User.id == Revision.user_id)
        rows = self.db.execute(
            query.where(self._visible(plan_id, member_ids))
            .order_by(Revision.occurred_at.desc(), Revision.id.desc())
            .offset((page - 1) * limit)
            .limit(limit + 1)
        ).all()
        found = [
            ChangeRow(
                id=rid, occurred_at=occurred_at, entity=entity, field=field, old_value=old, new_value=new,
                item_title=title or "", by_user_id=user_id, by_name=name or "", by_subject=by_person == person_id,
                on_behalf=on_behalf is not None and by_person != person_id, is_new=bool(is_new),
            )
            for rid, occurred_at, entity, field, old, new, title, user_id, name, by_person, on_behalf, is_new in rows
        ]
        return ChangePage(tuple(found[:limit]), has_older=len(found) > limit)

    def news_count(self, person_id: int, plan_id: int, member_ids: Iterable[int]) -> int:
        """How many visible revisions came after the citizen last opened the plan; one statement."""
        return self.db.execute(self._news_query(person_id, plan_id, member_ids)).scalar_one()

    def news_count_and(
        self, person_id: int, plan_id: int, member_ids: Iterable[int], other: Select[int]
    ) -> tuple[int, int]:
        """The news count and another count (the menu's unread messages) in the same one statement."""
        row = self.db.execute(
            select(self._news_query(person_id, plan_id, member_ids).scalar_subquery(), other.scalar_subquery())
        ).one()
        return int(row[0] or 0), int(row[1] or 0)

    def _news_query(self, person_id: int, plan_id: int, member_ids: Iterable[int]) -> Select[int]:
        seen_at = select(PlanSeen.seen_at).where(PlanSeen.person_id == person_id).scalar_subquery()
        query = self._joined(select(func.count(Revision.id)).select_from(Revision))
        return query.where(self._visible(plan_id, member_ids), func.coalesce(Revision.occurred_at > seen_at, True))

    def mark_seen(self, person_id: int, now: dt.datetime) -> None:
        """The citizen has seen the plan now; one small upsert. The former mark becomes ``seen_before``."""
        dialect = postgresql if self.db.get_bind().dialect.name == "postgresql" else sqlite
        insert = dialect.insert(PlanSeen).values(person_id=person_id, seen_at=now, seen_before=None)
        self.db.execute(insert.on_conflict_do_update(
            index_elements=[PlanSeen.person_id],
            set_={"seen_before": PlanSeen.seen_at, "seen_at": insert.excluded.seen_at},
        ))


# --- in words -------------------------------------------------------------------------------


def _value(kind: str, value: str) -> str:
    if kind == "date":
        try:
            return format_date(dt.date.fromisoformat(value), format="long", locale=i18n.babel_locale())
        except ValueError:
            return value
    if kind == "time":
        try:
            moment = dt.time.fromisoformat(value)
        except ValueError:
            return value
        separator = "." if i18n.current_locale.get() == "da" else ":"
        clock = str(moment.hour) if moment.minute == 0 else f"{moment.hour}{separator}{moment.minute:02d}"
        return _("at %(time)s") % {"time": clock}
    if kind == "text":
        return "“" + value + "”"
    return label(kind, value)


def describe(row: ChangeRow, *, viewer_user_id: int | None, subject_first_name: str, viewer_is_subject: bool) -> str:
    """The revision in plain words: who changed what, from what, to what.

    ``viewer_is_subject``: the citizen reads their own changes ("Du"); otherwise a relative reads
    them for the citizen, who is then named.
    """
    if row.by_subject:
        who = _("You") if viewer_is_subject else subject_first_name
    elif row.by_user_id is not None and row.by_user_id == viewer_user_id:
        who = _("You")
    else:
        who = row.by_name or _("Someone")
    item = row.item_title
    if row.entity == "goal":
        item = _("the goal %(wording)s") % {"wording": "“" + row.item_title + "”"}
    kind = VALUE_KINDS.get((row.entity, row.field))
    values = {"who": who, "item": item, "field": label("revision_field", f"{row.entity}.{row.field}")}
    if kind is None:
        sentence = _("%(who)s changed %(item)s.") % values
    elif row.new_value is None or row.new_value == "":
        sentence = _("%(who)s removed %(field)s for %(item)s.") % values
    elif row.old_value is None or row.old_value == "":
        sentence = _("%(who)s set %(field)s for %(item)s to %(new)s.") % {**values, "new": _value(kind, row.new_value)}
    else:
        sentence = _("%(who)s changed %(field)s for %(item)s from %(old)s to %(new)s.") % {
            **values, "old": _value(kind, row.old_value), "new": _value(kind, row.new_value),
        }
    if row.on_behalf:
        if viewer_is_subject:
            sentence += " " + _("It was done for you.")
        else:
            sentence += " " + _("It was done for %(name)s.") % {"name": subject_first_name}
    return sentence

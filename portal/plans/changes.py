"""Saving a change to one versioned row: revisions for what changed, and a refusal when it is stale.

Shared by the plan's setup (contact person, deputy) and its items (meetings, participants, shared
assessments). A save names the version the form was shown at; when the row has moved on since,
nothing is written and the current values come back, so the page can show theirs and yours side
by side (409). Two saves racing past the check meet the row's ``version_id_col``: the later UPDATE
finds no row, StaleDataError is raised at the flush, and the request answers 409 as well.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.plans.models import Revision


@dataclass(frozen=True)
class Stale:
    """The row changed after the form was shown: its version and values now."""

    version: int
    current: dict[str, Any]


def as_text(value: object) -> str | None:
    """How a value is kept in a revision: ISO text for dates and times, plain text otherwise."""
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return str(value)


def revise(
    db: Session, *, plan_id: int, by: User, now: dt.datetime, entity: str, entity_id: int | None, field: str,
    old: object, new: object,
) -> None:
    """One revision row, when the value really changed."""
    old_text, new_text = as_text(old), as_text(new)
    if old_text == new_text:
        return
    db.add(Revision(
        plan_id=plan_id, user_id=by.id, occurred_at=now, entity=entity, entity_id=entity_id, field=field,
        old_value=old_text, new_value=new_text,
    ))


def save_fields(
    db: Session, row: Any, *, entity: str, plan_id: int, seen_version: int, values: dict[str, Any], by: User,
    now: dt.datetime,
) -> Stale | None:
    """Sets the changed ``values`` on ``row`` with a revision each, unless ``row`` is no longer at
    ``seen_version``: then nothing is written and the current values are returned."""
    if row.version != seen_version:
        return Stale(row.version, {name: getattr(row, name) for name in values})
    for name, value in values.items():
        old = getattr(row, name)
        if old == value:
            continue
        revise(db, plan_id=plan_id, by=by, now=now, entity=entity, entity_id=row.id, field=name, old=old, new=value)
        setattr(row, name, value)
    db.flush()
    return None


def created(db: Session, row: Any, *, entity: str, plan_id: int, fields: tuple[str, ...], by: User, now: dt.datetime) -> None:
    """Revisions for a new row: each field from nothing to its value. ``row`` must be flushed."""
    for name in fields:
        revise(db, plan_id=plan_id, by=by, now=now, entity=entity, entity_id=row.id, field=name, old=None,
               new=getattr(row, name))

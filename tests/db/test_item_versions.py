"""Meetings, participants and shared assessments refuse a save based on an older version (both engines)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.models import User
from portal.plans.changes import Stale, save_fields
from portal.plans.models import Meeting, Participant, SharedAssessment


@pytest.mark.parametrize(("model", "field", "value"), [
    (Meeting, "location", "Et andet sted"),
    (Participant, "name", "Et andet navn"),
    (SharedAssessment, "title", "En anden titel"),
])
def test_a_racing_save_meets_the_version_column(demo_db: Session, model: type, field: str, value: str) -> None:
    row = demo_db.scalars(select(model).order_by(model.id)).first()  # type: ignore[attr-defined]
    assert row is not None and row.version == 1
    # Someone else saves first, behind this session's back.
    demo_db.execute(update(model).where(model.id == row.id).values(version=2)  # type: ignore[attr-defined]
                    .execution_options(synchronize_session=False))
    setattr(row, field, value)
    with pytest.raises(StaleDataError):
        demo_db.flush()


def test_a_save_from_an_old_form_is_refused_with_the_current_values(demo_db: Session) -> None:
    meeting = demo_db.scalars(select(Meeting).order_by(Meeting.id)).first()
    user = demo_db.scalars(select(User).where(User.role == "caseworker")).first()
    assert meeting is not None and user is not None
    now = dt.datetime.now(dt.timezone.utc)
    assert save_fields(demo_db, meeting, entity="meeting", plan_id=meeting.plan_id, seen_version=1,
                       values={"location": "Biblioteket"}, by=user, now=now) is None
    assert meeting.version == 2
    stale = save_fields(demo_db, meeting, entity="meeting", plan_id=meeting.plan_id, seen_version=1,
                        values={"location": "Caféen"}, by=user, now=now)
    assert stale == Stale(2, {"location": "Biblioteket"})
    assert meeting.location == "Biblioteket"

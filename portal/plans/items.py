"""A plan's meetings, outside participants and its members' shared assessments: made and changed.

Rows are found by id *within the plan* (another plan's meeting reads as unknown). Every change
writes revisions (portal/plans/changes.py) and a stale save comes back as ``Stale``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.plans.changes import Stale, created, save_fields
from portal.plans.models import Meeting, Participant, PlanMember, SharedAssessment
from sqlalchemy import select

MEETING_FIELDS = ("starts_at", "location", "purpose", "cadence_weeks")
PARTICIPANT_FIELDS = ("name", "kind", "role_description")
ASSESSMENT_FIELDS = ("person_id", "title", "summary", "assessed_on")


class PlanItems:
    def __init__(self, db: Session):
        self.db = db

    # --- finding ----------------------------------------------------------------------------

    def meeting(self, plan_id: int, meeting_id: int) -> Meeting | None:
        meeting = self.db.get(Meeting, meeting_id)
        return meeting if meeting is not None and meeting.plan_id == plan_id else None

    def participant(self, plan_id: int, participant_id: int) -> Participant | None:
        participant = self.db.get(Participant, participant_id)
        return participant if participant is not None and participant.plan_id == plan_id else None

    def assessment(self, plan_id: int, assessment_id: int) -> SharedAssessment | None:
        """An assessment of one of the plan's members."""
        assessment = self.db.get(SharedAssessment, assessment_id)
        if assessment is None:
            return None
        member = self.db.scalar(
            select(PlanMember.id).where(PlanMember.plan_id == plan_id, PlanMember.person_id == assessment.person_id)
        )
        return assessment if member is not None else None

    # --- making ---------------------------------------------------------------------------------

    def _created(self, row: Any, entity: str, plan_id: int, fields: tuple[str, ...], by: User, now: dt.datetime) -> int:
        self.db.add(row)
        self.db.flush()
        created(self.db, row, entity=entity, plan_id=plan_id, fields=fields, by=by, now=now)
        self.db.flush()
        return int(row.id)

    def add_meeting(self, plan_id: int, *, with_user: User, values: dict[str, Any], by: User, now: dt.datetime) -> int:
        row = Meeting(plan_id=plan_id, with_user_id=with_user.id, **values)
        return self._created(row, "meeting", plan_id, MEETING_FIELDS, by, now)

    def add_participant(self, plan_id: int, *, values: dict[str, Any], by: User, now: dt.datetime) -> int:
        return self._created(Participant(plan_id=plan_id, **values), "participant", plan_id, PARTICIPANT_FIELDS, by, now)

    def add_assessment(
        self, plan_id: int, *, department_id: int, values: dict[str, Any], by: User, now: dt.datetime,
    ) -> int:
        row = SharedAssessment(department_id=department_id, **values)
        return self._created(row, "assessment", plan_id, ASSESSMENT_FIELDS, by, now)

    # --- changing -------------------------------------------------------------------------------

    def change(
        self, row: Meeting | Participant | SharedAssessment, *, entity: str, plan_id: int, seen_version: int,
        values: dict[str, Any], by: User, now: dt.datetime,
    ) -> Stale | None:
        return save_fields(self.db, row, entity=entity, plan_id=plan_id, seen_version=seen_version, values=values,
                           by=by, now=now)

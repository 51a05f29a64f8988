"""The whole record as one JSON document (``/alt-i-min-sag.json``), format "en-plan-record" version 1.

Built from the same read model as the page, so it holds exactly what the viewer may see. Keys
are English and stable; values are the stored codes (documented in README.md, "The record
download (JSON)"); dates are ISO 8601 (``2027-05-31``), moments ISO 8601 in UTC with offset,
times of day ``HH:MM``. Raising ``FORMAT_VERSION`` is for changes that break a reader.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from portal.audit.services import LogRow
from portal.plans.catalogue import LegalBasis
from portal.plans.readmodels import (
    AboutMeItem,
    AssessmentItem,
    EffortItem,
    GoalItem,
    MeetingItem,
    ParticipantItem,
    PersonRef,
    StaffRef,
)
from portal.record.services import DelegationItem, Record, RecordConsent

FORMAT = "en-plan-record"
FORMAT_VERSION = 1


def _moment(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.timezone.utc).isoformat()


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _person(person: PersonRef) -> dict[str, Any]:
    return {"id": person.id, "full_name": person.full_name, "first_name": person.first_name}


def _staff(staff: StaffRef | None) -> dict[str, Any] | None:
    if staff is None:
        return None
    return {"name": staff.display_name, "department": staff.department.name if staff.department else None}


def _participant(participant: ParticipantItem) -> dict[str, Any]:
    return {"name": participant.name, "kind": participant.kind, "role": participant.role_description}


def _about_me(item: AboutMeItem) -> dict[str, Any]:
    return {
        "person_id": item.person.id, "situation": item.situation, "wishes": item.wishes,
        "updated_at": _moment(item.updated_at),
    }


def _goal(goal: GoalItem) -> dict[str, Any]:
    return {
        "id": goal.id, "person_id": goal.member_person_id, "citizen_wording": goal.citizen_wording,
        "professional_wording": goal.professional_wording, "life_area": goal.life_area, "horizon": goal.horizon,
        "status": goal.status, "on_front_page": goal.show_on_front, "answer": goal.citizen_confirmation,
        "comment": goal.citizen_comment, "answered_at": _moment(goal.answered_at),
        "progress": [{"score": p.score, "recorded_at": _moment(p.recorded_at)} for p in goal.progress],
    }


def _legal_basis(basis: LegalBasis | None) -> dict[str, Any] | None:
    if basis is None:
        return None
    return {
        "code": basis.code, "law": basis.law, "paragraph": basis.paragraph, "title": basis.title,
        "explanation": basis.explanation,
    }


def _effort(effort: EffortItem, record: Record) -> dict[str, Any]:
    return {
        "id": effort.id, "person_id": effort.member_person_id, "title": effort.title,
        "description": effort.description,
        "department": effort.department.name if effort.department else None,
        "responsible": _staff(effort.responsible),
        "provider": effort.participant.name if effort.participant else None,
        "legal_basis": _legal_basis(record.legal_basis(effort.legal_basis_code)),
        "start_date": _day(effort.start_date), "end_date": _day(effort.end_date),
        "weekly_times": [
            {"weekday": s.weekday, "start": s.start_time.strftime("%H:%M"), "end": s.end_time.strftime("%H:%M")}
            for s in effort.slots
        ],
        "status": effort.status, "precondition": effort.precondition_text,
        "counts_as_activation": effort.counts_as_activation, "goal_ids": list(effort.goal_ids),
    }


def _assessment(item: AssessmentItem) -> dict[str, Any]:
    return {
        "id": item.id, "person_id": item.person.id, "department": item.department.name, "title": item.title,
        "summary": item.summary, "assessed_on": _day(item.assessed_on),
    }


def _meeting(meeting: MeetingItem) -> dict[str, Any]:
    return {
        "starts_at": _moment(meeting.starts_at), "location": meeting.location, "purpose": meeting.purpose,
        "with": _staff(meeting.with_user), "every_weeks": meeting.cadence_weeks,
    }


def _consent(consent: RecordConsent) -> dict[str, Any]:
    item = consent.item
    return {
        "id": item.id, "given_by_person_id": consent.giver_person_id, "recipient": item.recipient,
        "recipient_is_municipality": item.recipient_is_municipality, "purpose": item.purpose,
        "valid_from": _day(item.valid_from), "valid_until": _day(item.valid_until),
        "given_at": _moment(item.given_at), "withdrawn_at": _moment(item.withdrawn_at), "state": item.state,
    }


def _delegation(item: DelegationItem) -> dict[str, Any]:
    return {
        "id": item.id, "relative": item.relative_name, "scopes": list(item.scopes),
        "expires_on": _day(item.expires_on), "created_at": _moment(item.created_at),
        "accepted_at": _moment(item.accepted_at), "revoked_at": _moment(item.revoked_at), "status": item.status,
    }


def _log_row(row: LogRow) -> dict[str, Any]:
    consent = None
    if row.consent is not None:
        consent = {
            "recipient": row.consent.recipient, "recipient_is_municipality": row.consent.to_municipality,
            "purpose": row.consent.purpose,
        }
    return {
        "occurred_at": _moment(row.occurred_at), "source": row.source, "person": row.person_name,
        "department": row.department, "municipality": row.municipality, "what": row.what, "reason": row.reason,
        "consent": consent,
    }


def record_document(record: Record) -> dict[str, Any]:
    plan = record.plan
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": _moment(record.generated_at),
        "person": _person(record.subject),
        "plan": {
            "id": plan.id, "kind": plan.kind, "members": [_person(m) for m in plan.members],
            "contact": _staff(plan.contact), "deputy": _staff(plan.deputy),
            "participants": [_participant(p) for p in plan.participants],
        },
        "about_me": [_about_me(item) for item in record.about_me],
        "goals": [_goal(goal) for goal in record.goals],
        "efforts": [_effort(effort, record) for effort in record.efforts],
        "assessments": [_assessment(item) for item in record.assessments],
        "meetings": [_meeting(meeting) for meeting in record.meetings],
        "consents": None if record.consents is None else [_consent(c) for c in record.consents],
        "powers_of_attorney": None if record.delegations is None else [_delegation(d) for d in record.delegations],
        "access_log": {"complete": record.access_log_complete, "entries": [_log_row(r) for r in record.access_log]},
    }

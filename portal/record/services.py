"""The whole record (``/alt-i-min-sag``): everything the municipality holds in the plan about the
citizen side, as frozen read models, and the citizen's own "about me" text, which they edit there.

What a viewer gets is decided in two places of the access policy: whose parts of the plan
(``citizen_visible_member_ids``, as on the plan page) and which further parts
(``record_parts``: consents, powers of attorney). Everything else is left out of the read
model, so neither the page nor the JSON download can show it.

The page costs the same few statements for a plan of any size: the plan's content_version
with its consents (one), the plan itself from the snapshot cache (four more when it is not in
memory; the members' "about me" and assessments come with it), the powers of attorney (one,
only for the citizen) and the access log (one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from portal.messages.unread import citizen_unread_query
from portal.access import DANISH_TIME, RecordParts, citizen_visible_member_ids, danish_today
from portal.accounts.models import Department, Municipality, Person, User
from portal.audit.services import Audit, LogRow
from portal.consent.models import Consent, Delegation
from portal.consent.services import ConsentItem, consent_state, status_of
from portal.plans.catalogue import LegalBasis, load_legal_bases
from portal.plans.models import AboutMe, Plan, PlanMember, Revision
from portal.plans.readmodels import (
    AboutMeItem,
    AssessmentItem,
    EffortItem,
    GoalItem,
    MeetingItem,
    PersonRef,
    PlanHeader,
)
from portal.plans.services import SqlPlanReader

MAX_ABOUT_ME_LENGTH = 4000
ABOUT_ME_FIELDS = ("situation", "wishes")


@dataclass(frozen=True)
class RecordConsent:
    """A consent with its history: given when, by whom of the plan, withdrawn when."""

    item: ConsentItem
    giver_person_id: int


@dataclass(frozen=True)
class DelegationItem:
    """A power of attorney the citizen gave: to whom, for what, until when, and what became of it."""

    id: int
    relative_name: str
    scopes: tuple[str, ...]
    expires_on: dt.date
    created_at: dt.datetime
    accepted_at: dt.datetime | None
    revoked_at: dt.datetime | None
    status: str                    # "invited" | "active" | "expired" | "revoked"


@dataclass(frozen=True)
class Record:
    """Everything in the plan about the parts of it this viewer may see."""

    generated_at: dt.datetime
    subject: PersonRef             # whose record it is
    plan: PlanHeader               # its ``members`` are the visible ones only
    show_person: bool              # more than one person's part is shown
    about_me: tuple[AboutMeItem, ...]
    goals: tuple[GoalItem, ...]    # all of them, those kept off the front page too
    efforts: tuple[EffortItem, ...]
    legal_bases: tuple[LegalBasis, ...]   # those the efforts name
    assessments: tuple[AssessmentItem, ...]
    meetings: tuple[MeetingItem, ...]
    consents: tuple[RecordConsent, ...] | None      # None: not this viewer's to see
    delegations: tuple[DelegationItem, ...] | None  # None: not this viewer's to see
    access_log: tuple[LogRow, ...]                  # newest first
    access_log_complete: bool      # False: older entries are on /hvem-har-set
    unread_messages: int | None = None  # for the menu, counted in the record's first statement

    @property
    def own_about_me(self) -> AboutMeItem | None:
        return next((item for item in self.about_me if item.person.id == self.subject.id), None)

    def legal_basis(self, code: str | None) -> LegalBasis | None:
        return next((basis for basis in self.legal_bases if basis.code == code), None)


class RecordService:
    def __init__(self, db: Session, plans: SqlPlanReader, audit: Audit):
        self.db = db
        self.plans = plans
        self.audit = audit

    def record(
        self, person_id: int, parts: RecordParts, now: dt.datetime, *, log_limit: int, reader: User | None = None,
    ) -> Record | None:
        """The person's whole record as ``parts`` allows, or None when they have no plan.

        ``log_limit``: at most this many entries of the access log, the newest.
        """
        rows = self.db.execute(
            select(
                Plan.id, Plan.content_version, Consent, Department.name, Municipality.name,
                # The menu's unread messages, folded in so the page costs no statement more.
                citizen_unread_query(reader, person_id).scalar_subquery() if reader is not None else literal(None),
            )
            .select_from(Plan)
            .outerjoin(Consent, Consent.plan_id == Plan.id)
            .outerjoin(Department, Department.id == Consent.recipient_department_id)
            .outerjoin(Municipality, Municipality.id == Consent.recipient_municipality_id)
            .where(Plan.id == select(PlanMember.plan_id).where(PlanMember.person_id == person_id).scalar_subquery())
            .order_by(Consent.given_at.desc(), Consent.id.desc())
        ).all()
        if not rows:
            return None
        snapshot = self.plans.snapshot_at(rows[0][0], rows[0][1])
        if snapshot is None:
            return None
        shown = citizen_visible_member_ids(snapshot.members, person_id, danish_today(now))
        header = snapshot.header
        members = tuple(member for member in header.members if member.id in shown)
        subject = next(member for member in members if member.id == person_id)
        efforts = tuple(e for e in snapshot.efforts if e.member_person_id in shown)
        catalogue = load_legal_bases()
        codes = sorted({e.legal_basis_code for e in efforts if e.legal_basis_code in catalogue})
        consents = None
        if parts.consents:
            consents = tuple(
                RecordConsent(_consent_item(consent, department, municipality, now), consent.giver_person_id)
                for _plan, _version, consent, department, municipality, _unread in rows
                if consent is not None and consent.giver_person_id in shown
            )
        log = self.audit.plan_log(person_id, limit=log_limit)
        return Record(
            generated_at=now,
            subject=subject,
            plan=replace(header, members=members),
            show_person=len(shown) > 1,
            about_me=tuple(item for item in snapshot.about_me if item.person.id in shown),
            goals=tuple(g for g in snapshot.goals if g.member_person_id in shown),
            efforts=efforts,
            legal_bases=tuple(catalogue[code] for code in codes if code is not None),
            assessments=tuple(a for a in snapshot.assessments if a.person.id in shown),
            meetings=snapshot.meetings,
            consents=consents,
            delegations=self._delegations(person_id, now) if parts.delegations else None,
            access_log=log.rows,
            access_log_complete=not log.has_older,
            unread_messages=rows[0][5],
        )

    def _delegations(self, person_id: int, now: dt.datetime) -> tuple[DelegationItem, ...]:
        today = now.astimezone(DANISH_TIME).date()
        rows = self.db.execute(
            select(Delegation, Person.full_name)
            .outerjoin(Person, Person.id == Delegation.relative_person_id)
            .where(Delegation.citizen_person_id == person_id)
            .order_by(Delegation.created_at.desc(), Delegation.id.desc())
        ).all()
        return tuple(
            DelegationItem(
                id=d.id, relative_name=name or d.invited_name, scopes=tuple(d.scopes or ()), expires_on=d.expires_on,
                created_at=d.created_at, accepted_at=d.accepted_at, revoked_at=d.revoked_at, status=status_of(d, today),
            )
            for d, name in rows
        )

    def save_about_me(self, person_id: int, situation: str, wishes: str, *, by: User, now: dt.datetime) -> bool | None:
        """Saves the person's own words; a Revision per changed field. None when the person has no
        plan (a revision belongs to a plan), False when nothing changed."""
        if len(situation) > MAX_ABOUT_ME_LENGTH or len(wishes) > MAX_ABOUT_ME_LENGTH:
            raise ValueError("each text is at most 4,000 characters")
        plan_id = self.db.scalar(select(PlanMember.plan_id).where(PlanMember.person_id == person_id))
        if plan_id is None:
            return None
        row = self.db.get(AboutMe, person_id)
        old = {"situation": row.situation if row else "", "wishes": row.wishes if row else ""}
        new = {"situation": situation, "wishes": wishes}
        if old == new:
            return False
        if row is None:
            row = AboutMe(person_id=person_id)
            self.db.add(row)
        for field in ABOUT_ME_FIELDS:
            if (old[field] or "") != new[field]:
                self.db.add(Revision(
                    plan_id=plan_id, user_id=by.id, on_behalf_of_person_id=None, occurred_at=now, entity="about_me",
                    entity_id=person_id, field=field, old_value=old[field] or None, new_value=new[field] or None,
                ))
        row.situation = situation
        row.wishes = wishes
        row.updated_at = now
        self.db.flush()
        return True


def _consent_item(consent: Consent, department: str | None, municipality: str | None, now: dt.datetime) -> ConsentItem:
    """As ``consent_item``, with the recipient's name read in the same statement as the consent."""
    return ConsentItem(
        id=consent.id, recipient=department or municipality or "", recipient_is_municipality=department is None,
        purpose=consent.purpose, valid_from=consent.valid_from, valid_until=consent.valid_until,
        given_at=consent.given_at, withdrawn_at=consent.withdrawn_at, state=consent_state(consent, now),
    )

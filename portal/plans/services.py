"""Reading plans: what views ask for. Views never query the database themselves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.sql.base import ExecutableOption

from portal.accounts.models import Department, Person, User
from portal.audit.services import AuditTrail
from portal.consent.models import Consent
from portal.consent.rules import (
    REASON_NO_CONSENT_OTHER_MUNICIPALITY,
    ConsentFacts,
    StaffVisibility,
    may_see_item,
)
from portal.access import citizen_visible_member_ids, staff_plan_visibility, staff_visibility_of, viewer_of
from portal.plans import rules
from portal.plans.catalogue import load_sequencing_pairs
from portal.plans.models import Effort, Goal, Meeting, Plan, PlanMember, SharedAssessment
from portal.plans import versioning
from portal.plans.readmodels import (
    AboutMeItem, EffortItem, GoalItem, MeetingItem, PersonRef, PlanHeader, StaffRef, person_ref, staff_ref,
)
from portal.plans.snapshots import PlanSnapshot, SnapshotCache, effort_facts, health_restrictions, snapshot_of

# Snapshots are only as fresh as the plans' content_version: make sure it is kept.
versioning.install()


@dataclass(frozen=True)
class CitizenPlanView:
    """The plan as the citizen side sees it: their own part, and their children's in custody."""

    plan: PlanHeader
    goals: tuple[GoalItem, ...]
    efforts: tuple[EffortItem, ...]
    meetings: tuple[MeetingItem, ...]
    show_person: bool              # more than one person's part is shown
    member_ids: frozenset[int] = frozenset()  # whose parts: citizen_visible_member_ids


@dataclass(frozen=True)
class StaffPlanView:
    plan: PlanHeader
    visibility: StaffVisibility
    goals: tuple[GoalItem, ...]
    efforts: tuple[EffortItem, ...]   # only what the viewer may see
    hidden_effort_count: int          # efforts of departments without consent
    findings: list[rules.Finding]     # judged over the visible efforts only
    about_me: tuple[AboutMeItem, ...] = ()  # the members' own words, as anyone who sees the plan sees its goals


@dataclass(frozen=True)
class CaseloadRow:
    plan_id: int
    kind: str
    citizen: PersonRef
    contact: StaffRef | None
    my_roles: tuple[str, ...]      # "contact", "deputy", "effort"
    effort_count: int              # only the efforts the caseworker may see


@dataclass(frozen=True)
class Caseload:
    rows: list[CaseloadRow]        # only plans the caseworker may open
    # Plans they take part in that stay closed until the citizen consents (another
    # municipality): counted, never named, as the plan page would refuse them.
    awaiting_consent: int


class PlanReader(Protocol):
    def citizen_view(self, person_id: int) -> CitizenPlanView | None: ...
    def caseload(self, user: User, now: dt.datetime) -> Caseload: ...
    def staff_view(self, user: User, plan_id: int, now: dt.datetime, audit: AuditTrail) -> StaffPlanView | None: ...


def _plan_loading_options() -> list[ExecutableOption]:
    """A whole plan in four statements, however many efforts it has.

    Things that belong to one row (the citizen, the contact person and their department) and
    the short lists (the plan's participants and members, an effort's time slots and goals)
    are joined in; each long list (goals, efforts, meetings) is one more statement.
    """
    return [
        joinedload(Plan.citizen),
        joinedload(Plan.contact).joinedload(User.department),
        joinedload(Plan.deputy).joinedload(User.department),
        # Two lists joined to the plan's row multiply their rows; both are short (a family's
        # members, a handful of participants), so that costs less than a statement more.
        joinedload(Plan.participants),
        joinedload(Plan.members).joinedload(PlanMember.person).joinedload(Person.health_restrictions),
        # A member's own words and the assessments about them: few rows per person, joined too.
        joinedload(Plan.members).joinedload(PlanMember.about_me),
        joinedload(Plan.members).joinedload(PlanMember.assessments).joinedload(SharedAssessment.department),
        # A goal's self-ratings are joined to it: the links to efforts are read from the efforts' side.
        selectinload(Plan.goals).options(joinedload(Goal.member), joinedload(Goal.progress)),
        selectinload(Plan.efforts).options(
            joinedload(Effort.slots),
            joinedload(Effort.goal_links),
            joinedload(Effort.department),
            joinedload(Effort.responsible),
            joinedload(Effort.participant),
            joinedload(Effort.member),
        ),
        selectinload(Plan.meetings).joinedload(Meeting.with_user),
    ]


def plan_findings(plan: Plan, efforts: list[Effort]) -> list[rules.Finding]:
    """The warnings about these efforts of the plan (rows); readers use ``findings_of`` on snapshots."""
    return rules.check_plan([effort_facts(e) for e in efforts], list(health_restrictions(plan)), load_sequencing_pairs())


def findings_of(snapshot: PlanSnapshot, effort_ids: set[int]) -> list[rules.Finding]:
    """Judged over the given efforts only: a warning must not reveal an effort the viewer may not see."""
    facts = [f for f in snapshot.effort_facts if f.id in effort_ids]
    return rules.check_plan(facts, list(snapshot.restrictions), load_sequencing_pairs())


def consent_facts(consent: Consent) -> ConsentFacts:
    return ConsentFacts(
        recipient_department_id=consent.recipient_department_id,
        recipient_municipality_id=consent.recipient_municipality_id,
        valid_from=consent.valid_from,
        valid_until=consent.valid_until,
        withdrawn_at=consent.withdrawn_at,
        consent_id=consent.id,
    )


class SqlPlanReader:
    def __init__(self, db: Session, snapshots: SnapshotCache | None = None):
        self.db = db
        self.snapshots = snapshots or SnapshotCache()

    def snapshot(self, plan_id: int | None = None, *, person_id: int | None = None) -> PlanSnapshot | None:
        """The plan (by id, or the one the person is a member of) as it is now: one small statement
        when the copy in memory is current, the whole plan's loading when it is not."""
        query = select(Plan.id, Plan.content_version)
        if person_id is not None:
            query = query.where(
                Plan.id == select(PlanMember.plan_id).where(PlanMember.person_id == person_id).scalar_subquery()
            )
        else:
            query = query.where(Plan.id == plan_id)
        row = self.db.execute(query).one_or_none()
        if row is None:
            return None
        return self._snapshot_at(*row)

    def snapshot_at(self, plan_id: int, content_version: int) -> PlanSnapshot | None:
        """The plan at the content_version the caller read (with other things) in its own statement."""
        return self._snapshot_at(plan_id, content_version)

    def _snapshot_at(self, plan_id: int, content_version: int) -> PlanSnapshot | None:
        snapshot = self.snapshots.get(plan_id, content_version)
        if snapshot is None:
            plan = self.load(plan_id)
            if plan is None:
                return None
            # Keyed on the number read before loading: a change that commits meanwhile raises it,
            # so the next request loads the plan again.
            snapshot = snapshot_of(plan, content_version)
            self.snapshots.put(plan_id, snapshot)
        return snapshot

    def load(self, plan_id: int) -> Plan | None:
        return self.db.scalars(
            select(Plan).where(Plan.id == plan_id).options(*_plan_loading_options())
        ).unique().one_or_none()

    def citizen_view(self, person_id: int) -> CitizenPlanView | None:
        """The plan of the person's household, holding only the parts they may see."""
        snapshot = self.snapshot(person_id=person_id)
        if snapshot is None:
            return None
        member_ids = citizen_visible_member_ids(snapshot.members, person_id)
        return CitizenPlanView(
            plan=snapshot.header,
            goals=tuple(g for g in snapshot.goals if g.member_person_id in member_ids),
            efforts=tuple(e for e in snapshot.efforts if e.member_person_id in member_ids),
            meetings=snapshot.meetings,
            show_person=len(member_ids) > 1,
            member_ids=member_ids,
        )

    def consents(self, plan_id: int) -> list[ConsentFacts]:
        return self.consents_of([plan_id]).get(plan_id, [])

    def consents_of(self, plan_ids: list[int]) -> dict[int, list[ConsentFacts]]:
        """The consents of many plans in one query."""
        by_plan: dict[int, list[ConsentFacts]] = {}
        if not plan_ids:
            return by_plan
        for c in self.db.scalars(select(Consent).where(Consent.plan_id.in_(plan_ids)).order_by(Consent.id)):
            by_plan.setdefault(c.plan_id, []).append(consent_facts(c))
        return by_plan

    def caseload(self, user: User, now: dt.datetime) -> Caseload:
        """The plans the caseworker takes part in, judged by the same rule as the plan page."""
        effort_plan_ids = select(Effort.plan_id).where(Effort.responsible_user_id == user.id)
        plans = self.db.scalars(
            select(Plan)
            .where(
                or_(
                    Plan.contact_user_id == user.id,
                    Plan.deputy_user_id == user.id,
                    Plan.id.in_(effort_plan_ids),
                )
            )
            .options(joinedload(Plan.citizen), joinedload(Plan.contact), selectinload(Plan.efforts))
            .order_by(Plan.id)
        ).unique().all()
        consents = self.consents_of([plan.id for plan in plans])
        viewer = viewer_of(user)
        rows = []
        awaiting_consent = 0
        for plan in plans:
            visibility = staff_plan_visibility(user, plan, consents.get(plan.id, []), now)
            if not visibility.sees_plan:
                if visibility.reason == REASON_NO_CONSENT_OTHER_MUNICIPALITY:
                    awaiting_consent += 1
                continue
            roles = []
            if plan.contact_user_id == user.id:
                roles.append("contact")
            if plan.deputy_user_id == user.id:
                roles.append("deputy")
            if any(e.responsible_user_id == user.id for e in plan.efforts):
                roles.append("effort")
            visible_efforts = sum(1 for e in plan.efforts if may_see_item(visibility, viewer, e.department_id))
            rows.append(
                CaseloadRow(
                    plan.id, plan.kind, person_ref(plan.citizen), staff_ref(plan.contact), tuple(roles), visible_efforts
                )
            )
        return Caseload(rows, awaiting_consent)

    def staff_view(self, user: User, plan_id: int, now: dt.datetime, audit: AuditTrail) -> StaffPlanView | None:
        """The plan as this caseworker may see it, or None; a granted read goes on the audit trail."""
        # The plan's current version and its consents in one statement.
        rows = self.db.execute(
            select(Plan.content_version, Consent)
            .outerjoin(Consent, Consent.plan_id == Plan.id)
            .where(Plan.id == plan_id)
            .order_by(Consent.id)
        ).all()
        if not rows:
            return None
        snapshot = self._snapshot_at(plan_id, rows[0][0])
        if snapshot is None:
            return None
        consents = [consent_facts(consent) for _version, consent in rows if consent is not None]
        visibility = staff_visibility_of(user, snapshot.facts, consents, now)
        if not visibility.sees_plan:
            return None
        viewer = viewer_of(user)
        efforts = tuple(e for e in snapshot.efforts if may_see_item(visibility, viewer, e.department_id))
        audit.staff_read(plan_id, user, visibility.reason, visibility.consent_id)
        return StaffPlanView(
            plan=snapshot.header,
            visibility=visibility,
            goals=snapshot.goals,
            efforts=efforts,
            hidden_effort_count=len(snapshot.efforts) - len(efforts),
            findings=findings_of(snapshot, {e.id for e in efforts}),
            about_me=snapshot.about_me,
        )

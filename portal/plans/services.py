"""Reading plans: what views ask for. Views never query the database themselves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
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
    PlanFacts,
    StaffVisibility,
    may_see_item,
)
from portal.access import (
    citizen_visible_member_ids,
    danish_today,
    may_create_efforts,
    may_edit_effort,
    may_edit_goals,
    may_see_assessment,
    staff_plan_visibility,
    staff_visibility_of,
    viewer_of,
)
from portal.db import utcnow
from portal.plans import rules
from portal.plans.catalogue import load_sequencing_pairs
from portal.plans.models import Effort, Goal, Meeting, Plan, PlanMember, SharedAssessment
from portal.plans import versioning
from portal.plans.revisions import ChangeScope, change_scope
from portal.plans.readmodels import (
    AboutMeItem, AssessmentItem, EffortItem, GoalItem, MeetingItem, PersonRef, PlanHeader, StaffRef, person_ref, staff_ref,
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
    content_version: int = 0       # of the snapshot this was filtered from (a live stream resumes there)
    # The items whose changes the citizen side sees (/min-plan/aendringer, "Nyt siden sidst").
    changes: ChangeScope = field(default_factory=lambda: ChangeScope(0))


# A plan of 500 efforts in the same weekly slots has over 100,000 findings: the page lists
# the first ones in their order and says how many more there are (the counts stay exact).
FINDINGS_SHOWN = 50


@dataclass(frozen=True)
class StaffPlanView:
    plan: PlanHeader
    visibility: StaffVisibility
    goals: tuple[GoalItem, ...]
    efforts: tuple[EffortItem, ...]   # only what the viewer may see
    hidden_effort_count: int          # efforts of departments without consent
    findings: list[rules.Finding]     # judged over the visible efforts only
    about_me: tuple[AboutMeItem, ...] = ()  # the members' own words, as anyone who sees the plan sees its goals
    # What the viewer may change (portal/access.py): the page offers edit links for these only.
    may_edit_goals: bool = False
    may_create_efforts: bool = False
    editable_effort_ids: frozenset[int] = frozenset()
    # Who the plan names (for the edit rules of portal/access.py), its meetings, and the shared
    # assessments the viewer may see (``may_see_assessment``) with how many stay hidden.
    facts: PlanFacts | None = None
    meetings: tuple[MeetingItem, ...] = ()      # with caseworkers of departments the viewer may see
    hidden_meeting_count: int = 0
    assessments: tuple[AssessmentItem, ...] = ()
    hidden_assessment_count: int = 0
    content_version: int = 0          # of the snapshot this was filtered from (a live stream resumes there)

    @property
    def shown_findings(self) -> list[rules.Finding]:
        """The findings the page lists: the first ``FINDINGS_SHOWN`` in their order."""
        return self.findings[:FINDINGS_SHOWN]

    @property
    def more_findings(self) -> int:
        """How many findings the page does not list."""
        return max(0, len(self.findings) - FINDINGS_SHOWN)


@dataclass(frozen=True)
class CaseloadRow:
    plan_id: int
    kind: str
    citizen: PersonRef
    contact: StaffRef | None
    my_roles: tuple[str, ...]      # "contact", "deputy", "effort"
    effort_count: int              # only the efforts the caseworker may see
    warnings: int = 0              # findings over those efforts, as on the plan page
    unread: int | None = None      # citizen-side messages without their receipt (contact person and deputy)
    awaiting_answer: int = 0       # open goals the citizen has not answered
    last_change: dt.datetime | None = None


@dataclass(frozen=True)
class Caseload:
    rows: list[CaseloadRow]        # only plans the caseworker may open
    # Plans they take part in that stay closed until the citizen consents (another
    # municipality): counted, never named, as the plan page would refuse them.
    awaiting_consent: int


class PlanReader(Protocol):
    def citizen_view(self, person_id: int, today: dt.date | None = None) -> CitizenPlanView | None: ...
    def fresh_snapshot(self, plan_id: int) -> PlanSnapshot | None: ...
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
        joinedload(Plan.members).options(
            joinedload(PlanMember.person).joinedload(Person.health_restrictions),
            # A member's own words and the assessments about them: few rows per person, joined too.
            joinedload(PlanMember.about_me),
            joinedload(PlanMember.assessments).joinedload(SharedAssessment.department),
        ),
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


def _for_citizen(effort: EffortItem) -> EffortItem:
    """What only the caseworkers' forms need is left out: the cost is for the evaluation."""
    return replace(effort, monthly_cost_dkk=None, responsible_user_id=None, participant_id=None, version=0)


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
        member_person_id=consent.member_person_id,
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

    def fresh_snapshot(self, plan_id: int) -> PlanSnapshot | None:
        """The plan as this transaction sees it, never kept: right after a write, which may yet be
        rolled back, a kept copy could outlive it."""
        plan = self.load(plan_id)
        return snapshot_of(plan, plan.content_version) if plan is not None else None

    def citizen_view(self, person_id: int, today: dt.date | None = None) -> CitizenPlanView | None:
        """The plan of the person's household, holding only the parts they may see on ``today``
        (the Danish date; today's when not given): a child's age decides who sees their part."""
        snapshot = self.snapshot(person_id=person_id)
        if snapshot is None:
            return None
        member_ids = citizen_visible_member_ids(snapshot.members, person_id, today or danish_today(utcnow()))
        shown = [e for e in snapshot.efforts if e.member_person_id in member_ids]
        efforts = tuple(_for_citizen(e) for e in shown)
        header = snapshot.header
        if any(m.person_id not in member_ids for m in snapshot.members):
            # Not every part is shown: a participant tells of the part it helps ("Følger Martins
            # ADHD"), so only those helping with the parts shown are named.
            helping = {e.participant_id for e in shown}
            header = replace(header, participants=tuple(p for p in header.participants if p.id in helping))
        return CitizenPlanView(
            plan=header,
            goals=tuple(g for g in snapshot.goals if g.member_person_id in member_ids),
            efforts=efforts,
            meetings=snapshot.meetings,
            show_person=len(member_ids) > 1,
            member_ids=member_ids,
            content_version=snapshot.content_version,
            changes=change_scope(snapshot, member_ids),
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
        """The plans the caseworker takes part in, judged by the same rule as the plan page
        (portal/plans/caseload.py)."""
        from portal.plans.caseload import caseload_of

        return caseload_of(self, user, now)

    def staff_access(self, user: User, plan_id: int, now: dt.datetime) -> tuple[PlanSnapshot, StaffVisibility] | None:
        """The plan and what this caseworker may see of it, or None when they may not open it."""
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
        return snapshot, visibility

    def staff_view(self, user: User, plan_id: int, now: dt.datetime, audit: AuditTrail) -> StaffPlanView | None:
        """The plan as this caseworker may see it, or None; a granted read goes on the audit trail."""
        access = self.staff_access(user, plan_id, now)
        if access is None:
            return None
        snapshot, visibility = access
        viewer = viewer_of(user)
        efforts = tuple(
            e for e in snapshot.efforts if may_see_item(visibility, viewer, e.department_id, e.member_person_id)
        )
        audit.staff_read(plan_id, user, visibility.reason, visibility.consent_id)
        assessments = tuple(a for a in snapshot.assessments if may_see_assessment(viewer, visibility, a.department_id, a.person_id))
        meetings = tuple(m for m in snapshot.meetings if may_see_item(visibility, viewer, m.department_id))
        return StaffPlanView(
            plan=snapshot.header,
            visibility=visibility,
            goals=snapshot.goals,
            efforts=efforts,
            hidden_effort_count=len(snapshot.efforts) - len(efforts),
            findings=findings_of(snapshot, {e.id for e in efforts}),
            may_edit_goals=may_edit_goals(viewer, snapshot.facts, visibility),
            may_create_efforts=may_create_efforts(viewer, snapshot.facts, visibility),
            editable_effort_ids=frozenset(
                e.id for e in efforts if may_edit_effort(viewer, snapshot.facts, visibility, e.department_id, e.member_person_id)
            ),
            facts=snapshot.facts,
            meetings=meetings,
            hidden_meeting_count=len(snapshot.meetings) - len(meetings),
            assessments=assessments,
            hidden_assessment_count=len(snapshot.assessments) - len(assessments),
            content_version=snapshot.content_version,
            about_me=snapshot.about_me,
        )

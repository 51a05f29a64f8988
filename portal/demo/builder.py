"""Turning the checked demo specs into rows in the caller's session (never committed).

Rows are added in the order of the files and of the entries in them, with flushes
only where an id is needed, so that the same files give the same ids every time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.accounts.models import Department, HealthRestriction, Municipality, Person, User
from portal.audit.models import AccessLogEntry
from portal.consent.models import Consent, Delegation
from portal.demo import specs as s
from portal.evaluation.models import LifeAreaRating, SurveyResponse
from portal.messages.models import Message, MessageReceipt, MessageThread
from portal.notifications.models import NOTIFICATION_KINDS, NotificationSettings
from portal.plans.models import (
    AboutMe,
    Effort,
    EffortGoal,
    EffortTimeSlot,
    Goal,
    GoalProgress,
    Meeting,
    Participant,
    Plan,
    PlanMember,
    Revision,
    SharedAssessment,
)

# A message marked as read was read by the other side this long after it was sent.
READ_AFTER = dt.timedelta(hours=2)


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    municipalities: int = 0
    departments: int = 0
    staff: int = 0
    citizens: int = 0
    relatives: int = 0
    children_with_login: int = 0
    plans: int = 0
    goals: int = 0
    efforts: int = 0
    meetings: int = 0
    consents: int = 0
    messages: int = 0


def demo_user_handle(key: str) -> str:
    """A WebAuthn user handle that is the same on every run (and unique per persona)."""
    return hashlib.sha256(f"demo-user:{key}".encode()).hexdigest()[:32]


def build(db: Session, demo: s.Demo) -> DemoSummary:
    builder = _Builder(db)
    for municipality in demo.municipalities:
        builder.municipality(municipality)
    for department in demo.departments:
        builder.department(department)
    for member in demo.staff:
        builder.staff(member)
    db.flush()
    for plan in demo.plans:
        builder.plan(plan)
    db.flush()
    return DemoSummary(created=True, **builder.counts)


class _Builder:
    def __init__(self, db: Session):
        self.db = db
        self.municipalities: dict[str, Municipality] = {}
        self.departments: dict[str, Department] = {}
        self.users: dict[str, User] = {}
        self.counts = dict.fromkeys(
            ("municipalities", "departments", "staff", "citizens", "relatives", "children_with_login", "plans", "goals", "efforts",
             "meetings", "consents", "messages"),
            0,
        )

    def add(self, obj: object, counter: str | None = None) -> None:
        self.db.add(obj)
        if counter:
            self.counts[counter] += 1

    # --- organisations and staff ---------------------------------------------

    def municipality(self, spec: s.Municipality) -> None:
        self.municipalities[spec.key] = Municipality(code=spec.code, name=spec.name)
        self.add(self.municipalities[spec.key], "municipalities")

    def department(self, spec: s.Department) -> None:
        department = Department(municipality=self.municipalities[spec.municipality], name=spec.name, kind=spec.kind)
        self.departments[spec.key] = department
        self.add(department, "departments")

    def staff(self, spec: s.Staff) -> None:
        department = self.departments[spec.department] if spec.department else None
        if department is not None:
            municipality: Municipality | None = department.municipality
        else:
            municipality = self.municipalities[spec.municipality] if spec.municipality else None
        user = User(
            role=spec.role,
            display_name=spec.name,
            job_title=spec.job_title,
            department=department,
            municipality=municipality,
            webauthn_user_handle=demo_user_handle(spec.key),
            is_active=True,
        )
        self.users[spec.key] = user
        self.add(user, "staff")

    # --- one plan file ---------------------------------------------------------

    def plan(self, spec: s.Plan) -> None:
        people = {p.key: self.person(p) for p in spec.people}
        plan = self.plan_row(spec, people)
        participants = {}
        for p in spec.participants:
            participant = Participant(name=p.name, kind=p.kind, role_description=p.role)
            plan.participants.append(participant)
            if p.key:
                participants[p.key] = participant
        goals = {}
        for g in spec.goals:
            goal = self.goal(plan, g, people)
            if g.key:
                goals[g.key] = goal
        efforts = {}
        for e in spec.efforts:
            effort = self.effort(plan, e, people, participants, goals)
            if e.key:
                efforts[e.key] = effort
        for m in spec.meetings:
            plan.meetings.append(Meeting(
                with_user=self.users[m.with_user], starts_at=m.starts_at, location=m.location, purpose=m.purpose,
                cadence_weeks=m.cadence_weeks,
            ))
            self.counts["meetings"] += 1

        self.db.flush()
        for a in spec.about_me:
            self.db.add(AboutMe(
                person_id=people[a.person].id, situation=a.situation, wishes=a.wishes, updated_at=a.updated_at,
            ))
        for assessment in spec.assessments:
            self.db.add(SharedAssessment(
                person_id=people[assessment.person].id, department_id=self.departments[assessment.department].id,
                title=assessment.title, summary=assessment.summary, assessed_on=assessment.assessed_on,
            ))
        for c in spec.consents:
            self.consents(plan, c, people, spec.children)
        for d in spec.delegations:
            self.add(Delegation(
                citizen_person_id=people[d.citizen].id, relative_person_id=people[d.relative].id,
                invited_name=d.invited_name, scopes=list(d.scopes), expires_on=d.expires_on,
                created_at=d.created_at, accepted_at=d.accepted_at,
            ))
        if spec.thread is not None:
            self.thread(plan, spec.thread, people)
        self.db.flush()
        for r in spec.revisions:
            self.add(Revision(
                plan_id=plan.id, user_id=self.users[r.by].id, occurred_at=r.at, entity="effort",
                entity_id=efforts[r.effort].id, field=r.field, old_value=r.old_value, new_value=r.new_value,
            ))
        for entry in spec.access_log:
            user = self.users[entry.by]
            self.add(AccessLogEntry(
                plan_id=plan.id, user_id=user.id, department_id=user.department_id, kind=entry.kind,
                occurred_at=entry.at,
            ))
        for progress in spec.progress:
            self.db.flush()
            for recorded_at, score in progress.scores:
                goals[progress.goal].progress.append(
                    GoalProgress(score=score, recorded_at=recorded_at, recorded_by_user_id=self.users[progress.by].id)
                )
        for survey in spec.surveys:
            self.survey(plan, survey, people)

    def person(self, spec: s.Person) -> Person:
        person = Person(
            full_name=spec.full_name,
            first_name=spec.first_name,
            kind=spec.kind,
            birth_year=spec.birth_year,
            municipality=self.municipalities[spec.municipality],
        )
        self.db.add(person)
        if spec.login:
            user = User(
                # A child of 15 or older logs in as a citizen: the plan shows them their own part.
                role="citizen" if spec.kind == "child" else spec.kind,
                person=person,
                display_name=person.full_name,
                municipality=person.municipality,
                webauthn_user_handle=demo_user_handle(spec.key),
                is_active=True,
            )
            self.users[spec.key] = user
            self.add(user, {"citizen": "citizens", "child": "children_with_login"}.get(spec.kind, "relatives"))
            if spec.notify_email:
                self.db.flush()
                self.db.add(NotificationSettings(
                    user_id=user.id, email=spec.notify_email, kinds=list(NOTIFICATION_KINDS), calendar_details=False,
                ))
        for r in spec.health_restrictions:
            person.health_restrictions.append(
                HealthRestriction(demand=r.demand, description=r.description, source=r.source)
            )
        return person

    def plan_row(self, spec: s.Plan, people: dict[str, Person]) -> Plan:
        citizen = people[spec.citizen]
        plan = Plan(
            kind=spec.kind,
            citizen=citizen,
            municipality_id=self.municipalities[spec.municipality].id,
            contact=self.users[spec.contact],
            deputy=self.users[spec.deputy],
            created_at=spec.created_at,
        )
        self.add(plan, "plans")
        plan.members.append(PlanMember(person=citizen, role="citizen"))
        if spec.children:
            self.db.flush()  # the custody holder's id
        for child in spec.children:
            plan.members.append(PlanMember(person=people[child], role="child", custody_holder_id=citizen.id))
        return plan

    def goal(self, plan: Plan, spec: s.Goal, people: dict[str, Person]) -> Goal:
        goal = Goal(
            member=people[spec.member],
            citizen_wording=spec.citizen_wording,
            professional_wording=spec.professional_wording,
            horizon=spec.horizon,
            life_area=spec.life_area,
            status=spec.status,
            citizen_confirmation=spec.confirmation,
            citizen_comment=spec.comment,
            show_on_front=spec.show_on_front,
            position=len(plan.goals),
        )
        plan.goals.append(goal)
        self.counts["goals"] += 1
        return goal

    def effort(
        self, plan: Plan, spec: s.Effort, people: dict[str, Person], participants: dict[str, Participant],
        goals: dict[str, Goal],
    ) -> Effort:
        effort = Effort(
            member=people[spec.member],
            title=spec.title,
            description=spec.description,
            department=self.departments[spec.department] if spec.department else None,
            responsible=self.users[spec.responsible] if spec.responsible else None,
            participant=participants[spec.participant] if spec.participant else None,
            legal_basis_code=spec.legal_basis,
            start_date=spec.start,
            end_date=spec.end,
            status=spec.status,
            counts_as_activation=spec.counts_as_activation,
            support_kind=spec.support_kind,
            physical_demands=sorted(spec.physical_demands),
            precondition_text=spec.precondition,
            monthly_cost_dkk=spec.monthly_cost_dkk,
        )
        for slot in spec.slots:
            for weekday in slot.weekdays:
                effort.slots.append(EffortTimeSlot(weekday=weekday, start_time=slot.start, end_time=slot.end))
        plan.efforts.append(effort)
        for key in spec.goals:
            effort.goal_links.append(EffortGoal(goal=goals[key]))
        self.counts["efforts"] += 1
        return effort

    def consents(self, plan: Plan, spec: s.Consent, people: dict[str, Person], child_keys: tuple[str, ...]) -> None:
        self.db.flush()
        for department in spec.departments:
            self.add(
                Consent(
                    plan_id=plan.id,
                    # A child's consent is for the child's own part; anyone else's for the whole plan.
                    member_person_id=people[spec.giver].id if spec.giver in child_keys else None,
                    giver_person_id=people[spec.giver].id,
                    recipient_department_id=self.departments[department].id,
                    purpose=spec.purpose,
                    valid_from=spec.valid_from,
                    valid_until=spec.valid_until,
                    given_at=spec.given_at,
                    given_by_user_id=self.users[spec.given_by].id,
                    withdrawn_at=spec.withdrawn_at,
                    withdrawn_by_user_id=self.users[spec.withdrawn_by].id if spec.withdrawn_by else None,
                ),
                "consents",
            )

    def thread(self, plan: Plan, spec: s.Thread, people: dict[str, Person]) -> None:
        self.db.flush()
        thread = MessageThread(plan_id=plan.id, answer_within_days=spec.answer_within_days)
        self.db.add(thread)
        citizen_login = next((u for u in self.users.values() if u.person is plan.citizen), None)
        for m in spec.messages:
            author = self.users[m.author]
            message = Message(author=author, body=m.body, sent_at=m.sent_at)
            if m.on_behalf_of:
                self.db.flush()
                message.on_behalf_of_person_id = people[m.on_behalf_of].id
            if m.read:
                # The other side reads it: the citizen a caseworker's message, the contact person the rest.
                reader = citizen_login if author.role == "caseworker" else plan.contact
                assert reader is not None  # the loader refuses a read message the citizen cannot read
                message.receipts.append(MessageReceipt(user_id=reader.id, read_at=m.sent_at + READ_AFTER))
            thread.messages.append(message)
            self.counts["messages"] += 1

    def survey(self, plan: Plan, spec: s.Survey, people: dict[str, Person]) -> None:
        self.db.flush()
        understanding, influence, coordination, satisfaction = spec.answers
        response = SurveyResponse(
            plan_id=plan.id,
            person_id=people[spec.person].id,
            kind=spec.kind,
            submitted_at=spec.submitted_at,
            understanding=understanding,
            influence=influence,
            coordination=coordination,
            satisfaction=satisfaction,
        )
        for life_area, score in spec.life_areas:
            response.life_area_ratings.append(LifeAreaRating(life_area=life_area, score=score))
        self.db.add(response)

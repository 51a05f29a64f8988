"""Demo data: the people of the trial applications, in the current week.

``load_demo`` adds everything to the caller's session in one go and never
commits; the caller's transaction makes it all-or-nothing. It is idempotent: if
the demo's first municipality (Ishøj, code 183) is already there, nothing is
touched and ``created`` is False.

All dates are relative to ``today`` so that the current week always has
content: efforts run around today and meetings fall on the next working days.
Meeting times are Copenhagen local times stored as aware UTC datetimes.

Every caseworker, admin and evaluator name is invented. The citizens are the
fictitious cases of the applications (Annette, Pernille, the Hansen family,
Jakob) plus invented ones; their surnames are invented too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Department, HealthRestriction, Municipality, Person, User
from portal.audit.models import AccessLogEntry
from portal.consent.models import Consent, Delegation
from portal.evaluation.models import LifeAreaRating, SurveyResponse
from portal.messages.models import Message, MessageReceipt, MessageThread
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

LOCAL_ZONE = ZoneInfo("Europe/Copenhagen")
FIRST_MUNICIPALITY_CODE = "183"  # Ishøj: its presence means the demo is loaded
WEEKDAYS = (0, 1, 2, 3, 4)  # Monday to Friday


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    municipalities: int = 0
    departments: int = 0
    staff: int = 0
    citizens: int = 0
    relatives: int = 0
    plans: int = 0
    goals: int = 0
    efforts: int = 0
    meetings: int = 0
    consents: int = 0
    messages: int = 0


def demo_user_handle(key: str) -> str:
    """A WebAuthn user handle that is the same on every run (and unique per persona)."""
    return hashlib.sha256(f"demo-user:{key}".encode()).hexdigest()[:32]


def _time(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


class _Builder:
    def __init__(self, db: Session, today: dt.date):
        self.db = db
        self.today = today
        self.municipalities: dict[str, Municipality] = {}
        self.departments: dict[str, Department] = {}
        self.users: dict[str, User] = {}
        self.counts: dict[str, int] = {}

    # --- small helpers -------------------------------------------------------

    def add(self, obj: object, counter: str | None = None) -> None:
        self.db.add(obj)
        if counter:
            self.counts[counter] = self.counts.get(counter, 0) + 1

    def day(self, offset_days: int) -> dt.date:
        return self.today + dt.timedelta(days=offset_days)

    def workday(self, n: int) -> dt.date:
        """The n-th working day (Monday–Friday) after today."""
        day = self.today
        while n > 0:
            day += dt.timedelta(days=1)
            if day.weekday() < 5:
                n -= 1
        return day

    def at(self, day: dt.date, local_time: str) -> dt.datetime:
        """A Copenhagen wall-clock time on ``day`` as an aware UTC datetime."""
        local = dt.datetime.combine(day, _time(local_time), tzinfo=LOCAL_ZONE)
        return local.astimezone(dt.timezone.utc)

    def birth_year(self, age: int) -> int:
        return self.today.year - age

    # --- organisations and staff ---------------------------------------------

    def municipality(self, key: str, code: str, name: str) -> Municipality:
        municipality = Municipality(code=code, name=name)
        self.add(municipality, "municipalities")
        self.municipalities[key] = municipality
        return municipality

    def department(self, key: str, municipality: str, name: str, kind: str) -> Department:
        department = Department(municipality=self.municipalities[municipality], name=name, kind=kind)
        self.add(department, "departments")
        self.departments[key] = department
        return department

    def caseworker(self, key: str, department: str, name: str, job_title: str) -> User:
        dep = self.departments[department]
        user = User(
            role="caseworker",
            display_name=name,
            job_title=job_title,
            department=dep,
            municipality=dep.municipality,
            webauthn_user_handle=demo_user_handle(key),
            is_active=True,
        )
        self.add(user, "staff")
        self.users[key] = user
        return user

    def official(self, key: str, role: str, name: str, job_title: str, municipality: str | None) -> User:
        user = User(
            role=role,
            display_name=name,
            job_title=job_title,
            municipality=self.municipalities[municipality] if municipality else None,
            webauthn_user_handle=demo_user_handle(key),
            is_active=True,
        )
        self.add(user, "staff")
        self.users[key] = user
        return user

    # --- citizens ------------------------------------------------------------

    def person(self, full_name: str, first_name: str, kind: str, age: int, municipality: str) -> Person:
        person = Person(
            full_name=full_name,
            first_name=first_name,
            kind=kind,
            birth_year=self.birth_year(age),
            municipality=self.municipalities[municipality],
        )
        self.db.add(person)
        return person

    def login(self, key: str, person: Person, role: str) -> User:
        user = User(
            role=role,
            person=person,
            display_name=person.full_name,
            municipality=person.municipality,
            webauthn_user_handle=demo_user_handle(key),
            is_active=True,
        )
        self.add(user, "citizens" if role == "citizen" else "relatives")
        self.users[key] = user
        return user

    def plan(
        self,
        kind: str,
        citizen: Person,
        municipality: str,
        contact: str,
        deputy: str,
        children: tuple[Person, ...] = (),
    ) -> Plan:
        plan = Plan(
            kind=kind,
            citizen=citizen,
            municipality_id=self.municipalities[municipality].id,
            contact=self.users[contact],
            deputy=self.users[deputy],
            created_at=self.at(self.day(-120), "09:00"),
        )
        self.add(plan, "plans")
        plan.members.append(PlanMember(person=citizen, role="citizen"))
        if children:
            self.db.flush()
        for child in children:
            plan.members.append(PlanMember(person=child, role="child", custody_holder_id=citizen.id))
        return plan

    def goal(
        self,
        plan: Plan,
        member: Person,
        citizen_wording: str,
        professional_wording: str,
        horizon: str,
        life_area: str,
        *,
        status: str = "agreed",
        confirmation: str = "agreed",
        comment: str | None = None,
        show_on_front: bool = True,
    ) -> Goal:
        goal = Goal(
            member=member,
            citizen_wording=citizen_wording,
            professional_wording=professional_wording,
            horizon=horizon,
            life_area=life_area,
            status=status,
            citizen_confirmation=confirmation,
            citizen_comment=comment,
            show_on_front=show_on_front,
            position=len(plan.goals),
        )
        plan.goals.append(goal)
        self.counts["goals"] = self.counts.get("goals", 0) + 1
        return goal

    def participant(self, plan: Plan, name: str, kind: str, role_description: str) -> Participant:
        participant = Participant(name=name, kind=kind, role_description=role_description)
        plan.participants.append(participant)
        return participant

    def effort(
        self,
        plan: Plan,
        member: Person,
        title: str,
        description: str,
        *,
        legal_basis: str | None,
        department: str | None = None,
        responsible: str | None = None,
        participant: Participant | None = None,
        start: dt.date | None,
        end: dt.date | None = None,
        status: str = "active",
        support_kind: str | None = None,
        physical_demands: tuple[str, ...] = (),
        slots: tuple[tuple[tuple[int, ...], str, str], ...] = (),
        counts_as_activation: bool = False,
        monthly_cost_dkk: int | None = None,
        precondition_text: str | None = None,
        goals: tuple[Goal, ...] = (),
    ) -> Effort:
        effort = Effort(
            member=member,
            title=title,
            description=description,
            department=self.departments[department] if department else None,
            responsible=self.users[responsible] if responsible else None,
            participant=participant,
            legal_basis_code=legal_basis,
            start_date=start,
            end_date=end,
            status=status,
            counts_as_activation=counts_as_activation,
            support_kind=support_kind,
            physical_demands=sorted(physical_demands),
            precondition_text=precondition_text,
            monthly_cost_dkk=monthly_cost_dkk,
        )
        for weekdays, start_time, end_time in slots:
            for weekday in weekdays:
                effort.slots.append(
                    EffortTimeSlot(weekday=weekday, start_time=_time(start_time), end_time=_time(end_time))
                )
        plan.efforts.append(effort)
        for goal in goals:
            effort.goal_links.append(EffortGoal(goal=goal))
        self.counts["efforts"] = self.counts.get("efforts", 0) + 1
        return effort

    def meeting(
        self, plan: Plan, with_user: str, day: dt.date, local_time: str, location: str, purpose: str,
        cadence_weeks: int | None,
    ) -> None:
        plan.meetings.append(
            Meeting(
                with_user=self.users[with_user],
                starts_at=self.at(day, local_time),
                location=location,
                purpose=purpose,
                cadence_weeks=cadence_weeks,
            )
        )
        self.counts["meetings"] = self.counts.get("meetings", 0) + 1

    def consents(
        self,
        plan: Plan,
        giver: Person,
        departments: tuple[str, ...],
        given_by: str,
        purpose: str = "At alle, der hjælper dig, kan se din plan, så indsatserne passer sammen.",
        valid_from_offset: int = -30,
    ) -> None:
        self.db.flush()
        valid_from = self.day(valid_from_offset)
        for department in departments:
            self.add(
                Consent(
                    plan_id=plan.id,
                    giver_person_id=giver.id,
                    recipient_department_id=self.departments[department].id,
                    purpose=purpose,
                    valid_from=valid_from,
                    valid_until=_add_months(valid_from, 12),
                    given_at=self.at(valid_from, "10:00"),
                    given_by_user_id=self.users[given_by].id,
                ),
                "consents",
            )

    def thread(self, plan: Plan, answer_within_days: int, messages: list[tuple[str, int, str, str, bool]],
               on_behalf: dict[int, Person] | None = None) -> None:
        """``messages``: (author key, days ago, local time, body, read by the other side)."""
        self.db.flush()
        thread = MessageThread(plan_id=plan.id, answer_within_days=answer_within_days)
        self.db.add(thread)
        contact_key = next(k for k, u in self.users.items() if u is plan.contact)
        citizen_key = next(k for k, u in self.users.items() if u.person is plan.citizen)
        for index, (author, days_ago, local_time, body, read) in enumerate(messages):
            sent_at = self.at(self.day(-days_ago), local_time)
            message = Message(author=self.users[author], body=body, sent_at=sent_at)
            if on_behalf and index in on_behalf:
                self.db.flush()
                message.on_behalf_of_person_id = on_behalf[index].id
            if read:
                reader = citizen_key if self.users[author].role == "caseworker" else contact_key
                message.receipts.append(
                    MessageReceipt(user_id=self.users[reader].id, read_at=sent_at + dt.timedelta(hours=2))
                )
            thread.messages.append(message)
            self.counts["messages"] = self.counts.get("messages", 0) + 1

    def survey(self, plan: Plan, person: Person, days_ago: int, answers: tuple[int, int, int, int],
               life_areas: dict[str, int]) -> None:
        self.db.flush()
        understanding, influence, coordination, satisfaction = answers
        response = SurveyResponse(
            plan_id=plan.id,
            person_id=person.id,
            kind="baseline",
            submitted_at=self.at(self.day(-days_ago), "11:00"),
            understanding=understanding,
            influence=influence,
            coordination=coordination,
            satisfaction=satisfaction,
        )
        for life_area, score in life_areas.items():
            response.life_area_ratings.append(LifeAreaRating(life_area=life_area, score=score))
        self.db.add(response)

    def progress(self, goal: Goal, scores: tuple[tuple[int, int], ...], by: str) -> None:
        """``scores``: (days ago, score 0–10), as rated with the help of ``by``."""
        self.db.flush()
        for days_ago, score in scores:
            goal.progress.append(
                GoalProgress(
                    score=score,
                    recorded_at=self.at(self.day(-days_ago), "12:00"),
                    recorded_by_user_id=self.users[by].id,
                )
            )


def load_demo(db: Session, today: dt.date) -> DemoSummary:
    """Add the demo data to ``db`` (not committed). A second call changes nothing."""
    existing = db.scalar(select(Municipality.id).where(Municipality.code == FIRST_MUNICIPALITY_CODE))
    if existing is not None:
        return DemoSummary(created=False)
    b = _Builder(db, today)
    _organisations(b)
    _staff(b)
    db.flush()
    _annette(b)
    _pernille(b)
    _hansen(b)
    _jakob(b)
    _sofie(b)
    _mads(b)
    db.flush()
    c = b.counts
    return DemoSummary(
        created=True,
        municipalities=c.get("municipalities", 0),
        departments=c.get("departments", 0),
        staff=c.get("staff", 0),
        citizens=c.get("citizens", 0),
        relatives=c.get("relatives", 0),
        plans=c.get("plans", 0),
        goals=c.get("goals", 0),
        efforts=c.get("efforts", 0),
        meetings=c.get("meetings", 0),
        consents=c.get("consents", 0),
        messages=c.get("messages", 0),
    )


# --- organisations -------------------------------------------------------------


def _organisations(b: _Builder) -> None:
    # Ishøj first: its code is what marks the demo as loaded.
    b.municipality("ishoj", FIRST_MUNICIPALITY_CODE, "Ishøj")
    b.municipality("vallensbaek", "187", "Vallensbæk")
    b.municipality("varde", "573", "Varde")

    # Ishøj and Vallensbæk share one jobcenter. It is modelled as a department of
    # Ishøj; Vallensbæk has no jobcenter of its own, so its citizens' plans reach
    # the joint jobcenter across the municipal border, under consent.
    b.department("ishoj_job", "ishoj", "Jobcenter Ishøj-Vallensbæk", "employment")
    b.department("ishoj_social", "ishoj", "Socialcenter Ishøj", "social_adult")
    b.department("ishoj_family", "ishoj", "Familiecenter Ishøj", "family_children")
    b.department("ishoj_health", "ishoj", "Sundhed Ishøj", "health")
    b.department("ishoj_youth", "ishoj", "Ungeindsats Ishøj (UU)", "education_guidance")
    b.department("ishoj_benefits", "ishoj", "Ydelse Ishøj", "benefits")

    b.department("vallensbaek_social", "vallensbaek", "Socialcenter Vallensbæk", "social_adult")
    b.department("vallensbaek_family", "vallensbaek", "Familiecenter Vallensbæk", "family_children")
    b.department("vallensbaek_health", "vallensbaek", "Sundhed Vallensbæk", "health")
    b.department("vallensbaek_youth", "vallensbaek", "Ungeindsats Vallensbæk (UU)", "education_guidance")
    b.department("vallensbaek_benefits", "vallensbaek", "Ydelse Vallensbæk", "benefits")

    b.department("varde_job", "varde", "Jobcenter Varde", "employment")
    b.department("varde_social", "varde", "Socialcenter Varde", "social_adult")
    b.department("varde_family", "varde", "Familiecenter Varde", "family_children")
    b.department("varde_disability", "varde", "Børn og unge med handicap Varde", "family_children")
    b.department("varde_health", "varde", "Sundhed og Omsorg Varde", "health")
    b.department("varde_youth", "varde", "Ungeindsats Varde (UU)", "education_guidance")
    b.department("varde_benefits", "varde", "Ydelse Varde", "benefits")


def _staff(b: _Builder) -> None:
    # Invented names only: none of them is a real official from the applications.
    b.caseworker("mikkel", "ishoj_job", "Mikkel Dahl", "Jobkonsulent")
    b.caseworker("sara", "ishoj_job", "Sara Holm", "Mentor")
    b.caseworker("camilla", "ishoj_social", "Camilla Brandt", "Socialrådgiver")
    b.caseworker("jonas", "ishoj_social", "Jonas Vestergaard", "Hjemmevejleder")
    b.caseworker("louise", "ishoj_family", "Louise Krogh", "Familierådgiver")
    b.caseworker("yasmin", "ishoj_family", "Yasmin Ali", "Familiebehandler")
    b.caseworker("birgitte", "ishoj_health", "Birgitte Lund", "Sundhedsplejerske")
    b.caseworker("nikolaj", "ishoj_youth", "Nikolaj Berg", "Uddannelsesvejleder")
    b.caseworker("henrik", "ishoj_benefits", "Henrik Bach", "Ydelsesrådgiver")

    b.caseworker("maja", "vallensbaek_social", "Maja Winther", "Socialrådgiver")
    b.caseworker("frederik", "vallensbaek_social", "Frederik Lind", "Misbrugskonsulent")
    b.caseworker("rasmus", "vallensbaek_family", "Rasmus Skov", "Familierådgiver")
    b.caseworker("hanne", "vallensbaek_health", "Hanne Friis", "Sygeplejerske")
    b.caseworker("nanna", "vallensbaek_youth", "Nanna Bech", "Uddannelsesvejleder")
    b.caseworker("kim", "vallensbaek_benefits", "Kim Lauridsen", "Ydelsesrådgiver")

    b.caseworker("anders", "varde_job", "Anders Thomsen", "Jobkonsulent")
    b.caseworker("line", "varde_job", "Line Frost", "Mentor")
    b.caseworker("karina", "varde_social", "Karina Juhl", "Socialrådgiver")
    b.caseworker("tobias", "varde_family", "Tobias Riis", "Familierådgiver")
    b.caseworker("signe", "varde_family", "Signe Dam", "Familiebehandler")
    b.caseworker("eva", "varde_disability", "Eva Kjær", "Socialrådgiver, børnehandicap")
    b.caseworker("susanne", "varde_health", "Susanne Buhl", "Visitator")
    b.caseworker("emil", "varde_youth", "Emil Krag", "Uddannelsesvejleder")
    b.caseworker("bent", "varde_benefits", "Bent Due", "Ydelsesrådgiver")

    b.official("admin_ishoj", "admin", "Ole Bisgaard", "IT-administrator", "ishoj")
    b.official("admin_vallensbaek", "admin", "Pia Storm", "IT-administrator", "vallensbaek")
    b.official("admin_varde", "admin", "Lars Ebbesen", "IT-administrator", "varde")
    b.official("evaluator", "evaluator", "Dorthe Mikkelsen", "Evaluator, frikommuneforsøget", None)


# --- 1. Annette: a family plan with three morning visits ------------------------


def _annette(b: _Builder) -> None:
    annette = b.person("Annette Nielsen", "Annette", "citizen", 45, "ishoj")
    oliver = b.person("Oliver Nielsen", "Oliver", "child", 12, "ishoj")
    lene = b.person("Lene Nielsen", "Lene", "relative", 48, "ishoj")
    b.login("annette", annette, "citizen")
    b.login("lene", lene, "relative")

    annette.health_restrictions.append(
        HealthRestriction(
            demand="standing_long",
            description="Egen læge: Må ikke stå eller gå i lang tid ad gangen (slidgigt i hoften).",
            source="Egen læge",
        )
    )
    annette.health_restrictions.append(
        HealthRestriction(
            demand="walking_long",
            description="Egen læge: Må ikke stå eller gå i lang tid ad gangen (slidgigt i hoften).",
            source="Egen læge",
        )
    )

    # Contact person in the social centre, deputy in the joint jobcenter.
    plan = b.plan("family", annette, "ishoj", contact="camilla", deputy="mikkel", children=(oliver,))

    b.participant(plan, "Egen læge", "gp", "Annettes læge. Følger hoften og medicinen.")
    school = b.participant(plan, "Olivers skole", "school", "Olivers klasselærer og skolens AKT-lærer.")
    child_psychiatry = b.participant(
        plan, "Børne- og ungdomspsykiatrien", "psychiatry", "Følger Olivers ADHD og hans medicin."
    )
    b.participant(plan, "Lene Nielsen", "relative", "Annettes søster. Hun har fuldmagt til at læse planen og skrive beskeder.")

    mornings = b.goal(
        plan, annette, "Jeg vil have ro om morgenen",
        "Morgenerne skal fungere for Annette og Oliver, med færre forskellige folk i hjemmet.",
        "short", "daily_life", confirmation="wants_change",
        comment="Der kommer for mange forskellige om morgenen. Jeg vil helst kun have én.",
    )
    school_goal = b.goal(
        plan, oliver, "Oliver skal komme i skole hver dag",
        "Oliver møder i skole hver dag til tiden. Fravær under 5 procent.",
        "short", "work_education",
    )
    anxiety_goal = b.goal(
        plan, annette, "Jeg vil kunne handle ind uden at få angst",
        "Annette lærer at håndtere sin angst, så hun kan klare hverdagens gøremål alene.",
        "medium", "health",
    )
    job_goal = b.goal(
        plan, annette, "Jeg vil have et arbejde, hvor jeg kan sidde ned",
        "Annette kommer i job med mest siddende arbejde, evt. først på nedsat tid.",
        "long", "work_education", show_on_front=False,
    )

    # The three morning visits clash pairwise: home guide and family worker every
    # weekday 08:00–08:30; the mentor on Monday and Wednesday 08:15–09:15 meets both.
    b.effort(
        plan, annette, "Mentor fra jobcentret",
        "Din mentor hjælper dig med at komme videre mod et job. I mødes hjemme hos dig mandag og onsdag.",
        legal_basis="LAB-167", department="ishoj_job", responsible="sara",
        start=b.day(-60), end=b.day(120), support_kind="mentor",
        slots=(((0, 2), "08:15", "09:15"),), monthly_cost_dkk=3200, goals=(job_goal,),
    )
    b.effort(
        plan, annette, "Virksomhedspraktik i Netto",
        "Du prøver at arbejde i en Netto-butik tre formiddage om ugen. Du skal fylde varer på hylderne.",
        legal_basis="LAB-57", department="ishoj_job", responsible="mikkel",
        start=b.day(14), end=b.day(14 + 13 * 7 - 1), status="planned", support_kind="internship",
        physical_demands=("standing_long", "walking_long"),
        slots=(((0, 1, 2), "10:00", "13:00"),), monthly_cost_dkk=0, goals=(job_goal,),
    )
    b.effort(
        plan, annette, "Angstforløb i Socialcentret",
        "Du går i en lille gruppe med andre, der også har angst. I lærer, hvad I kan gøre, når angsten kommer.",
        legal_basis="SEL-85", department="ishoj_social", responsible="camilla",
        start=b.day(-7), end=b.day(-7 + 16 * 7), support_kind="anxiety_treatment",
        slots=(((3,), "13:00", "15:00"),), counts_as_activation=True, monthly_cost_dkk=2800,
        goals=(anxiety_goal,),
    )
    b.effort(
        plan, annette, "Hjemmevejleder om morgenen",
        "En hjemmevejleder kommer hver morgen på hverdage. Han hjælper dig med at komme i gang med dagen.",
        legal_basis="SEL-85", department="ishoj_social", responsible="jonas",
        start=b.day(-3), end=b.day(180), support_kind="home_guide",
        slots=((WEEKDAYS, "08:00", "09:00"),), counts_as_activation=True, monthly_cost_dkk=6400,
        goals=(mornings, anxiety_goal),
    )
    b.effort(
        plan, annette, "Familiebehandler om morgenen",
        "En familiebehandler kommer hver morgen på hverdage. Hun hjælper dig med at få Oliver op og af sted i skole.",
        legal_basis="BL-32", department="ishoj_family", responsible="yasmin",
        start=b.day(-90), end=b.day(90), support_kind="home_guide",
        slots=((WEEKDAYS, "07:30", "08:30"),), counts_as_activation=True, monthly_cost_dkk=7200,
        goals=(mornings, school_goal),
    )
    b.effort(
        plan, annette, "Kontanthjælp",
        "Du får kontanthjælp at leve af. Pengene kommer den sidste hverdag i måneden.",
        legal_basis="LAS-KAP4", department="ishoj_benefits", responsible="henrik",
        start=b.day(-3 * 365), goals=(),
    )
    b.effort(
        plan, oliver, "Ekstra støtte i skolen",
        "Oliver har en voksen med i timerne i dansk og matematik. Han får pauser, når han har brug for det.",
        legal_basis="FSL-3-2", participant=school,
        start=b.day(-150), support_kind="school_support", goals=(school_goal,),
    )
    b.effort(
        plan, oliver, "Opfølgning på Olivers ADHD-medicin",
        "Lægen i børne- og ungdomspsykiatrien ser Oliver hver tredje måned og justerer medicinen.",
        legal_basis="SUL-79", participant=child_psychiatry,
        start=b.day(-200), support_kind="medication_followup", goals=(school_goal,),
    )

    b.meeting(plan, "camilla", b.workday(1), "10:00", "Hjemme hos dig",
              "Vi taler om, hvordan du kan få mere ro om morgenen.", 2)
    b.meeting(plan, "mikkel", b.workday(3), "13:00", "Jobcenter Ishøj-Vallensbæk",
              "Jobsamtale. Vi taler om praktikken og om din hofte.", 4)
    b.meeting(plan, "louise", b.workday(6), "14:00", "Familiecenter Ishøj",
              "Vi taler om, hvordan det går med Oliver i skolen.", 6)

    b.db.flush()
    b.db.add(AboutMe(
        person_id=annette.id,
        situation=(
            "Jeg har været på kontanthjælp i tre år. Jeg har angst og depression. "
            "Min søn Oliver har ADHD, og morgenerne er svære. "
            "Lægen siger, at jeg har slidgigt i hoften."
        ),
        wishes=(
            "Jeg vil gerne have færre folk i mit hjem om morgenen. "
            "Jeg vil gerne arbejde igen, men jeg kan ikke stå op hele dagen."
        ),
        updated_at=b.at(b.day(-20), "11:00"),
    ))
    b.db.add(SharedAssessment(
        person_id=annette.id, department_id=b.departments["ishoj_job"].id,
        title="Helbredsoplysninger fra egen læge",
        summary="Begyndende slidgigt i venstre hofte. Må ikke stå eller gå længe ad gangen. Kan arbejde siddende.",
        assessed_on=b.day(-20),
    ))
    b.db.add(SharedAssessment(
        person_id=annette.id, department_id=b.departments["ishoj_social"].id,
        title="Vurdering af behov for støtte i hverdagen",
        summary="Annette har brug for hjælp til at komme i gang om morgenen og til at holde styr på aftaler.",
        assessed_on=b.day(-10),
    ))

    # Consent to every department involved, valid for a year; and one to the
    # health department that Annette withdrew again, so the history shows.
    b.consents(plan, annette, ("ishoj_job", "ishoj_social", "ishoj_family", "ishoj_benefits"), given_by="annette")
    b.add(Consent(
        plan_id=plan.id, giver_person_id=annette.id,
        recipient_department_id=b.departments["ishoj_health"].id,
        purpose="At sundhedsplejen kan se din plan og hjælpe med Olivers søvn.",
        valid_from=b.day(-120), valid_until=_add_months(b.day(-120), 12),
        given_at=b.at(b.day(-120), "10:00"), given_by_user_id=b.users["annette"].id,
        withdrawn_at=b.at(b.day(-40), "19:30"), withdrawn_by_user_id=b.users["annette"].id,
    ), "consents")

    b.add(Delegation(
        citizen_person_id=annette.id, relative_person_id=lene.id, invited_name="Lene Nielsen",
        scopes=["read_plan", "write_messages"], expires_on=_add_months(b.today, 6),
        created_at=b.at(b.day(-12), "18:00"), accepted_at=b.at(b.day(-10), "20:15"),
    ))

    b.thread(plan, 2, [
        ("annette", 3, "07:50",
         "Hej. Nu kommer der tre forskellige om morgenen. Jeg ved ikke, hvem der skal hjælpe med hvad.", True),
        ("camilla", 2, "10:15",
         "Hej Annette. Tak for din besked. Jeg taler med Familiecentret og jobcentret. "
         "Så laver vi én plan for morgenerne sammen med dig.", True),
        ("lene", 1, "20:30",
         "Hej, det er Lene, Annettes søster. Kan mødet være hjemme hos Annette? Så kan jeg også være med.", False),
    ], on_behalf={2: annette})

    b.add(Revision(
        plan_id=plan.id, user_id=b.users["camilla"].id, occurred_at=b.at(b.day(-3), "09:00"),
        entity="effort", entity_id=_home_guide_id(plan), field="status", old_value="planned", new_value="active",
    ))
    for key, days_ago, time in (("camilla", 1, "09:12"), ("mikkel", 2, "14:40")):
        b.add(AccessLogEntry(
            plan_id=plan.id, user_id=b.users[key].id, department_id=b.users[key].department_id,
            kind="view_plan", occurred_at=b.at(b.day(-days_ago), time),
        ))
    b.progress(mornings, ((30, 2), (10, 3)), by="camilla")
    b.survey(plan, annette, 60, (2, 2, 1, 2), {"daily_life": 2, "health": 3, "family": 4, "work_education": 2})


def _home_guide_id(plan: Plan) -> int | None:
    for effort in plan.efforts:
        if effort.support_kind == "home_guide" and effort.legal_basis_code == "SEL-85":
            return effort.id
    return None


# --- 2. Pernille: five laws, in Vallensbæk with the joint jobcenter ------------


def _pernille(b: _Builder) -> None:
    pernille = b.person("Pernille Larsen", "Pernille", "citizen", 21, "vallensbaek")
    b.login("pernille", pernille, "citizen")
    # Her plan is Vallensbæk's; the joint jobcenter is a department of Ishøj, so
    # her deputy and her jobcenter efforts reach her plan under her consent.
    plan = b.plan("citizen", pernille, "vallensbaek", contact="maja", deputy="mikkel")
    psychiatry = b.participant(
        plan, "Psykiatrisk Center (Region Hovedstaden)", "psychiatry",
        "Behandler Pernille for borderline. Samtaler hver mandag.",
    )
    b.participant(plan, "Egen læge", "gp", "Pernilles læge. Følger medicinen.")

    education = b.goal(
        plan, pernille, "Jeg vil gerne i gang med skolen igen",
        "Pernille genoptager en ungdomsuddannelse, fx HF eller en erhvervsuddannelse.",
        "medium", "work_education",
    )
    family = b.goal(
        plan, pernille, "Jeg vil have færre konflikter med min familie",
        "Pernille får redskaber til at håndtere konflikter og styrker sit netværk.",
        "medium", "network", status="proposed", confirmation="pending",
    )
    sober = b.goal(
        plan, pernille, "Jeg vil holde mig fra stofferne",
        "Pernille fastholder sit stopforløb efter misbrugsbehandlingen.",
        "short", "health",
    )

    b.effort(
        plan, pernille, "Ressourceforløb",
        "Et forløb, hvor job, uddannelse, trivsel og behandling hænger sammen.",
        legal_basis="LAB-112", department="ishoj_job", responsible="mikkel",
        start=b.day(-200), end=b.day(530), monthly_cost_dkk=4500, goals=(education, family),
    )
    b.effort(
        plan, pernille, "Ressourceforløbsydelse",
        "Du får en fast ydelse at leve af, mens du er i ressourceforløb.",
        legal_basis="LAS-KAP6A", department="vallensbaek_benefits", responsible="kim",
        start=b.day(-200), end=b.day(530),
    )
    b.effort(
        plan, pernille, "Mentor 3 timer om ugen",
        "Din mentor mødes med dig tirsdag og torsdag. I taler om det, der er svært, og øver jer på det.",
        legal_basis="LAB-167", department="ishoj_job", responsible="sara",
        start=b.day(-90), end=b.day(90), support_kind="mentor",
        slots=(((1, 3), "10:00", "11:30"),), monthly_cost_dkk=3600, goals=(family, education),
    )
    b.effort(
        plan, pernille, "Behandling i psykiatrien",
        "Du har samtaler i psykiatrien hver mandag.",
        legal_basis="SUL-79", participant=psychiatry,
        start=b.day(-150), support_kind="psychiatric_treatment",
        slots=(((0,), "13:00", "14:00"),), counts_as_activation=True, goals=(family,),
    )
    b.effort(
        plan, pernille, "Opfølgning efter misbrugsbehandling",
        "Du taler med en misbrugskonsulent hver onsdag. I følger op på, hvordan det går.",
        legal_basis="SEL-101", department="vallensbaek_social", responsible="frederik",
        start=b.day(-60), end=b.day(120), support_kind="substance_abuse_followup",
        slots=(((2,), "14:00", "15:00"),), counts_as_activation=True, monthly_cost_dkk=2100, goals=(sober,),
    )
    b.effort(
        plan, pernille, "Vejledning om uddannelse",
        "Du taler med en uddannelsesvejleder om, hvilken uddannelse der passer til dig.",
        legal_basis="KUI", department="vallensbaek_youth", responsible="nanna",
        start=b.day(7), end=b.day(97), status="planned", support_kind="education_guidance",
        slots=(((4,), "11:00", "12:00"),), monthly_cost_dkk=900, goals=(education,),
    )

    b.meeting(plan, "maja", b.workday(2), "11:00", "Socialcenter Vallensbæk",
              "Vi ser på din plan sammen. Hvordan går det med de fem ting, du er i gang med?", 4)
    b.meeting(plan, "nanna", b.workday(7), "11:00", "Ungeindsats Vallensbæk",
              "Første samtale om uddannelse. Tag gerne dine karakterer med.", None)

    b.db.flush()
    b.db.add(AboutMe(
        person_id=pernille.id,
        situation=(
            "Jeg er 21 år og har borderline. Jeg er droppet ud af skolen. "
            "Jeg har haft et misbrug, men jeg er stoppet."
        ),
        wishes="Jeg vil gerne tilbage i skole. Jeg vil gerne have én plan, så jeg ikke skal fortælle det hele igen.",
        updated_at=b.at(b.day(-30), "14:00"),
    ))
    b.consents(plan, pernille, ("ishoj_job", "vallensbaek_social", "vallensbaek_youth", "vallensbaek_benefits"),
               given_by="pernille", valid_from_offset=-90)
    b.thread(plan, 3, [
        ("pernille", 5, "22:10", "Jeg kan ikke komme til mentor på torsdag. Jeg skal til tandlæge.", True),
        ("maja", 4, "09:05", "Tak fordi du siger det. Jeg giver din mentor besked. I finder en ny tid.", True),
    ])
    b.progress(sober, ((60, 4), (30, 6), (5, 7)), by="frederik")
    b.survey(plan, pernille, 90, (2, 3, 1, 3), {"work_education": 2, "health": 3, "network": 2})


# --- 3. The Hansen family: many players, one family plan -----------------------


def _hansen(b: _Builder) -> None:
    trine = b.person("Trine Hansen", "Trine", "citizen", 41, "varde")
    martin = b.person("Martin Hansen", "Martin", "child", 14, "varde")
    mie = b.person("Mie Hansen", "Mie", "child", 9, "varde")
    b.login("trine", trine, "citizen")
    plan = b.plan("family", trine, "varde", contact="tobias", deputy="anders", children=(martin, mie))

    b.participant(plan, "Egen læge", "gp", "Trines læge. Følger smerterne og medicinen.")
    pain_clinic = b.participant(plan, "Smerteklinikken i Esbjerg", "pain_clinic", "Behandler Trines smerter.")
    adhd_clinic = b.participant(
        plan, "ADHD-ambulatoriet, børne- og ungdomspsykiatrien", "psychiatry", "Følger Martins ADHD og medicin."
    )
    district = b.participant(
        plan, "Distriktspsykiatrien i Esbjerg", "psychiatry",
        "Behandler Trines depression. Ligger uden for Varde Kommune.",
    )
    school = b.participant(plan, "Mies og Martins skole", "school", "Klasselærerne følger fraværet.")
    psychologist = b.participant(plan, "Skolepsykolog (PPR)", "school", "Taler med Mie om, hvorfor skolen er svær.")
    club = b.participant(plan, "SFO og klub", "other", "Mie går i SFO efter skole.")

    energy = b.goal(
        plan, trine, "Jeg vil have mere overskud i hverdagen",
        "Trine får færre smerter og bedre humør, så hun kan skabe struktur i hjemmet.",
        "medium", "health",
    )
    appointments = b.goal(
        plan, trine, "Jeg vil huske mine aftaler",
        "Trine møder op til sine aftaler. Aftalerne samles i én kalender.",
        "short", "daily_life",
    )
    work = b.goal(
        plan, trine, "Jeg vil gerne arbejde igen, når smerterne er blevet bedre",
        "Trine kommer tættere på arbejdsmarkedet i takt med, at smerterne bliver behandlet.",
        "long", "work_education",
    )
    medicine = b.goal(
        plan, martin, "Martin skal tage sin medicin hver dag",
        "Martin tager sin ADHD-medicin som aftalt med lægen.",
        "short", "health",
    )
    mie_school = b.goal(
        plan, mie, "Mie skal komme i skole hver dag",
        "Mies fravær falder. Hun møder i skole mindst fire dage om ugen.",
        "short", "work_education", status="proposed", confirmation="pending",
    )

    b.effort(
        plan, trine, "Samtaler med jobcentret",
        "Du har en samtale med din jobkonsulent hver sjette uge. Vi tilpasser samtalerne til, hvordan du har det.",
        legal_basis="LAB-KAP7", department="varde_job", responsible="anders",
        start=b.day(-300), support_kind="job_conversation", monthly_cost_dkk=600, goals=(work,),
    )
    b.effort(
        plan, trine, "Kontanthjælp",
        "Du får kontanthjælp at leve af.",
        legal_basis="LAS-KAP4", department="varde_benefits", responsible="bent",
        start=b.day(-700),
    )
    b.effort(
        plan, trine, "Familiebehandling i hjemmet",
        "En familiebehandler kommer mandag og torsdag eftermiddag. Hun hjælper jer med faste rutiner.",
        legal_basis="BL-32", department="varde_family", responsible="signe",
        start=b.day(-45), end=b.day(135), support_kind="family_support",
        slots=(((0, 3), "16:00", "17:30"),), counts_as_activation=True, monthly_cost_dkk=5800,
        goals=(appointments, energy, mie_school),
    )
    b.effort(
        plan, trine, "Smertebehandling",
        "Du går til behandling på smerteklinikken hver anden onsdag.",
        legal_basis="SUL-79", participant=pain_clinic,
        start=b.day(-80), support_kind="pain_management",
        slots=(((2,), "09:00", "10:30"),), counts_as_activation=True, goals=(energy,),
    )
    b.effort(
        plan, trine, "Samtaler i distriktspsykiatrien",
        "Hver tirsdag taler du med en behandler om, hvordan du har det.",
        legal_basis="SUL-79", participant=district,
        start=b.day(-120), support_kind="psychiatric_treatment",
        slots=(((1,), "09:00", "10:00"),), counts_as_activation=True, goals=(energy,),
    )
    b.effort(
        plan, martin, "Fast kontaktperson til Martin",
        "Martin har en fast voksen, han kan tale med. De ses onsdag eftermiddag.",
        legal_basis="BL-32", department="varde_disability", responsible="eva",
        start=b.day(-100), end=b.day(265), support_kind="mentor",
        slots=(((2,), "15:00", "17:00"),), monthly_cost_dkk=3900, goals=(medicine,),
    )
    b.effort(
        plan, martin, "Opfølgning på Martins ADHD-medicin",
        "Lægen på ADHD-ambulatoriet ser Martin hver måned, indtil medicinen virker.",
        legal_basis="SUL-79", participant=adhd_clinic,
        start=b.day(-60), support_kind="medication_followup", goals=(medicine,),
    )
    b.effort(
        plan, mie, "Ekstra støtte i skolen",
        "Mie får en fast voksen om morgenen, som tager imod hende i skolen.",
        legal_basis="FSL-3-2", participant=school,
        start=b.day(-30), support_kind="school_support",
        slots=((WEEKDAYS, "08:00", "08:30"),), goals=(mie_school,),
    )
    b.effort(
        plan, mie, "Samtaler med skolepsykologen",
        "Mie taler med skolepsykologen hver anden fredag.",
        legal_basis=None, participant=psychologist,
        start=b.day(-30), end=b.day(60), slots=(((4,), "10:00", "10:45"),), goals=(mie_school,),
    )
    b.effort(
        plan, mie, "SFO efter skole",
        "Mie går i SFO, når skolen slutter.",
        legal_basis=None, participant=club,
        start=b.day(-400), slots=((WEEKDAYS, "13:00", "16:00"),),
    )

    b.meeting(plan, "tobias", b.workday(2), "09:30", "Hjemme hos jer",
              "Netværksmøde med skolen og Signe. Vi taler om Mies fravær.", 4)
    b.meeting(plan, "anders", b.workday(4), "10:00", "Telefon",
              "Kort samtale om, hvordan det går. Jobcentret ringer til dig.", 6)

    b.db.flush()
    b.db.add(AboutMe(
        person_id=trine.id,
        situation=(
            "Jeg har ondt hver dag og tager meget medicin. Jeg er tit ked af det. "
            "Det er svært at nå alle aftalerne med kommunen og lægerne."
        ),
        wishes="Jeg vil gerne have færre aftaler, og at de ligger samme sted. Jeg vil have, at børnene har det godt.",
        updated_at=b.at(b.day(-14), "10:00"),
    ))
    b.db.add(SharedAssessment(
        person_id=martin.id, department_id=b.departments["varde_disability"].id,
        title="Børnefaglig undersøgelse",
        summary="Martin har ADHD og tager ikke sin medicin fast. Familien mangler struktur i hverdagen.",
        assessed_on=b.day(-70),
    ))
    b.consents(plan, trine, ("varde_family", "varde_job", "varde_disability", "varde_benefits"),
               given_by="tobias", valid_from_offset=-45)
    b.thread(plan, 3, [
        ("tobias", 6, "13:00", "Hej Trine. Husk mødet med skolen. Jeg sender en sms dagen før.", True),
        ("trine", 5, "21:40", "Tak. Jeg glemmer det tit. Det hjælper med en sms.", True),
    ])
    b.survey(plan, trine, 45, (2, 2, 1, 2), {"health": 2, "family": 3, "daily_life": 2})


# --- 4. Jakob: pain management yes, therapy no ------------------------------------


def _jakob(b: _Builder) -> None:
    jakob = b.person("Jakob Kristensen", "Jakob", "citizen", 34, "varde")
    b.login("jakob", jakob, "citizen")
    plan = b.plan("citizen", jakob, "varde", contact="karina", deputy="anders")
    b.participant(plan, "Egen læge", "gp", "Jakobs læge. Vurderer, at Jakob kan arbejde på sigt.")
    pain_clinic = b.participant(plan, "Smerteklinikken i Esbjerg", "pain_clinic", "Kursus i smertehåndtering.")

    own_wish = b.goal(
        plan, jakob, "Jeg vil gerne lære at leve med smerterne. Jeg vil ikke gå i terapi.",
        "Smertehåndtering på smerteklinikken. Ingen terapi eller psykologisk behandling efter Jakobs eget ønske.",
        "medium", "health",
    )
    home = b.goal(
        plan, jakob, "Jeg vil klare mere selv derhjemme",
        "Jakob bliver mere selvhjulpen med personlig pleje og madlavning.",
        "medium", "daily_life",
    )
    work = b.goal(
        plan, jakob, "Jeg vil gerne arbejde igen, hvis smerterne tillader det",
        "Jakob afklares til job, evt. i fleksjob, gennem ressourceforløbet.",
        "long", "work_education",
    )

    b.effort(
        plan, jakob, "Ressourceforløb",
        "Et forløb, hvor hjælp til job og helbred hænger sammen.",
        legal_basis="LAB-112", department="varde_job", responsible="anders",
        start=b.day(-120), end=b.day(610), monthly_cost_dkk=4500, goals=(work,),
    )
    b.effort(
        plan, jakob, "Ressourceforløbsydelse",
        "Du får en fast ydelse at leve af, mens du er i ressourceforløb.",
        legal_basis="LAS-KAP6A", department="varde_benefits", responsible="bent",
        start=b.day(-120), end=b.day(610),
    )
    b.effort(
        plan, jakob, "Hjemmehjælp",
        "Du får hjælp til at gøre rent, vaske tøj og komme i bad. Hjælpen kommer hver formiddag på hverdage.",
        legal_basis="SEL-83", department="varde_health", responsible="susanne",
        start=b.day(-100), support_kind="home_help",
        slots=((WEEKDAYS, "09:00", "10:00"),), monthly_cost_dkk=4200, goals=(home,),
    )
    b.effort(
        plan, jakob, "Smertehåndtering på smerteklinikken",
        "Du lærer at leve med smerterne på et hold. Der er ingen terapi, sådan som du har ønsket.",
        legal_basis="SUL-79", participant=pain_clinic,
        start=b.day(-21), end=b.day(63), support_kind="pain_management",
        slots=(((2,), "10:00", "12:00"),), counts_as_activation=True, goals=(own_wish,),
    )

    b.meeting(plan, "karina", b.workday(1), "13:30", "Hjemme hos dig",
              "Vi taler om hjemmehjælpen, og om der er mere, du selv kan klare.", 8)
    b.meeting(plan, "anders", b.workday(5), "10:00", "Jobcenter Varde",
              "Vi følger op på ressourceforløbet. Du kan sidde eller stå, som du har det bedst.", 4)

    b.db.flush()
    b.db.add(AboutMe(
        person_id=jakob.id,
        situation=(
            "Jeg fik et piskesmæld ved en trafikulykke. Jeg har ondt hver dag. "
            "Jeg kan ikke selv gøre rent, lave mad eller klare bad og tøj."
        ),
        wishes="Jeg vil gerne lære at leve med smerterne. Jeg vil ikke gå i terapi.",
        updated_at=b.at(b.day(-40), "12:00"),
    ))
    b.db.add(SharedAssessment(
        person_id=jakob.id, department_id=b.departments["varde_health"].id,
        title="Vurdering af behov for hjemmehjælp",
        summary="Jakob kan ikke selv klare personlig pleje, madlavning og rengøring på grund af smerter.",
        assessed_on=b.day(-105),
    ))
    b.consents(plan, jakob, ("varde_social", "varde_job", "varde_health", "varde_benefits"),
               given_by="karina", valid_from_offset=-120)
    b.thread(plan, 3, [
        ("jakob", 8, "16:20", "Jeg vil gerne på smerteholdet. Men jeg vil ikke tale med en psykolog.", True),
        ("karina", 7, "10:00", "Det har jeg skrevet i din plan. Holdet handler kun om smertehåndtering.", True),
    ])
    b.progress(own_wish, ((21, 3), (7, 4)), by="karina")
    b.survey(plan, jakob, 110, (3, 2, 2, 3), {"health": 2, "daily_life": 3, "work_education": 3})


# --- 5. Sofie: her own goal right now is about everyday care ----------------------


def _sofie(b: _Builder) -> None:
    sofie = b.person("Sofie Andersen", "Sofie", "citizen", 38, "ishoj")
    b.login("sofie", sofie, "citizen")
    plan = b.plan("citizen", sofie, "ishoj", contact="mikkel", deputy="camilla")
    b.participant(plan, "Egen læge", "gp", "Sofies læge.")

    daily = b.goal(
        plan, sofie, "At børste tænder to gange om dagen og gå i bad en gang imellem",
        "Sofie får faste rutiner for personlig hygiejne.",
        "short", "daily_life",
    )
    # The employment goal stays off Sofie's front page by an individual
    # assessment (the trial allows it); it is never secret: "Alt i min sag" shows it.
    job = b.goal(
        plan, sofie, "På sigt et arbejde, der passer til mig",
        "Sofie kommer tættere på arbejdsmarkedet. Målet vises ikke på forsiden lige nu efter en individuel vurdering.",
        "long", "work_education", show_on_front=False,
    )
    b.effort(
        plan, sofie, "Hjemmevejleder",
        "En hjemmevejleder kommer tirsdag og torsdag. I laver en plan for morgen og aften sammen.",
        legal_basis="SEL-85", department="ishoj_social", responsible="jonas",
        start=b.day(-40), end=b.day(140), support_kind="home_guide",
        slots=(((1, 3), "10:00", "11:30"),), counts_as_activation=True, monthly_cost_dkk=3800, goals=(daily,),
    )
    b.effort(
        plan, sofie, "Samtaler med jobcentret",
        "Du har en samtale med jobcentret hver tredje måned. Vi taler om det, der fylder for dig. Vi taler ikke om jobsøgning lige nu.",
        legal_basis="LAB-KAP7", department="ishoj_job", responsible="mikkel",
        start=b.day(-200), support_kind="job_conversation", monthly_cost_dkk=300, goals=(job,),
    )
    b.effort(
        plan, sofie, "Kontanthjælp",
        "Du får kontanthjælp at leve af.",
        legal_basis="LAS-KAP4", department="ishoj_benefits", responsible="henrik",
        start=b.day(-500),
    )
    b.meeting(plan, "mikkel", b.workday(4), "11:00", "Hjemme hos dig",
              "Vi taler om, hvordan det går med dine morgener og aftener.", 13)
    b.db.flush()
    b.db.add(AboutMe(
        person_id=sofie.id,
        situation="Jeg har svært ved at komme ud af sengen. Jeg får ikke altid børstet tænder eller gået i bad.",
        wishes="Lige nu vil jeg gerne klare det helt almindelige. Jeg er ikke klar til at tale om job.",
        updated_at=b.at(b.day(-35), "10:00"),
    ))
    b.consents(plan, sofie, ("ishoj_job", "ishoj_social", "ishoj_benefits"), given_by="mikkel", valid_from_offset=-40)
    b.thread(plan, 5, [
        ("sofie", 2, "12:00", "Jeg har børstet tænder hver dag i denne uge.", True),
        ("mikkel", 1, "09:30", "Hvor er det godt, Sofie. Det skriver vi ind i din plan.", False),
    ])
    b.progress(daily, ((30, 1), (2, 4)), by="jonas")


# --- 6. Mads: a cross-municipality effort without consent -------------------------


def _mads(b: _Builder) -> None:
    mads = b.person("Mads Poulsen", "Mads", "citizen", 24, "varde")
    b.login("mads", mads, "citizen")
    # Mads has moved from Vallensbæk to Varde. His contact person is in Varde. A
    # guidance counsellor in Vallensbæk is still responsible for finishing his
    # education guidance, but Mads has NOT given consent to Vallensbæk (neither
    # to her department nor to the municipality). So the Vallensbæk counsellor
    # is refused the plan ("no_consent_other_municipality") even though she is
    # responsible for one of its efforts: cross-municipality access needs consent.
    plan = b.plan("citizen", mads, "varde", contact="emil", deputy="anders")
    education = b.goal(
        plan, mads, "Jeg vil finde en uddannelse her i Varde",
        "Mads vælger og søger en erhvervsuddannelse i Varde eller omegn.",
        "medium", "work_education",
    )
    b.effort(
        plan, mads, "Afslutning af vejledning fra Vallensbæk",
        "Din vejleder fra Vallensbæk afslutter forløbet med dig over video. Derefter tager Varde over.",
        legal_basis="KUI", department="vallensbaek_youth", responsible="nanna",
        start=b.day(-60), end=b.day(21), support_kind="education_guidance",
        slots=(((4,), "10:00", "11:00"),), monthly_cost_dkk=900, goals=(education,),
    )
    b.effort(
        plan, mads, "Samtaler med jobcentret",
        "Du har en samtale med jobcentret hver anden måned.",
        legal_basis="LAB-KAP7", department="varde_job", responsible="anders",
        start=b.day(-50), support_kind="job_conversation", monthly_cost_dkk=300, goals=(education,),
    )
    b.meeting(plan, "emil", b.workday(3), "14:00", "Ungeindsats Varde",
              "Vi taler om uddannelser i Varde. Du kan se skolerne på nettet inden.", 4)
    b.db.flush()
    b.db.add(AboutMe(
        person_id=mads.id,
        situation="Jeg er lige flyttet fra Vallensbæk til Varde. Jeg har ikke en uddannelse endnu.",
        wishes="Jeg vil gerne være tømrer eller noget andet, hvor jeg bruger hænderne.",
        updated_at=b.at(b.day(-50), "15:00"),
    ))
    # Consent only to Varde departments: none to Vallensbæk.
    b.consents(plan, mads, ("varde_youth", "varde_job"), given_by="emil", valid_from_offset=-50)
    b.thread(plan, 3, [
        ("emil", 3, "10:00", "Velkommen til Varde, Mads. Jeg er din kontaktperson. Skriv, hvis du har spørgsmål.", True),
        ("mads", 2, "18:45", "Tak. Skal jeg stadig tale med min vejleder fra Vallensbæk?", False),
    ])

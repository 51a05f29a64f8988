"""Reading the demo data files into checked specs, before a single row is written.

Everything is checked here (types, vocabularies, references within and between
the files, date offsets) so that a broken file stops the load with one line that
names the file and the key, while the caller's session is still untouched.
The format is described in data/README.md.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TypeVar

from portal.accounts.models import DEPARTMENT_KINDS
from portal.audit.models import ACCESS_KINDS
from portal.consent.models import DELEGATION_SCOPES
from portal.demo import specs as s
from portal.demo.tables import DemoDataError, Table, shown
from portal.evaluation.models import SURVEY_KINDS, SURVEY_QUESTIONS
from portal.plans.catalogue import load_legal_bases
from portal.plans.models import (
    CITIZEN_CONFIRMATIONS,
    EFFORT_STATUSES,
    GOAL_STATUSES,
    HORIZONS,
    LIFE_AREAS,
    PARTICIPANT_KINDS,
    PLAN_KINDS,
)
from portal.plans.rules import DEMAND_LABELS, SUPPORT_KIND_LABELS

# The shipped demo; tests and other callers may point read_demo elsewhere.
DATA: Traversable = resources.files("portal.demo").joinpath("data")
ORGANISATIONS = "organisations.toml"
STAFF = "staff.toml"
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OFFICIAL_ROLES = ("admin", "evaluator")
PEOPLE_KINDS = ("citizen", "child", "relative")
LOGIN_KINDS = ("citizen", "relative")
# A younger child is in the plan but does not log in; from 15 a child gives their own consents.
CHILD_LOGIN_AGE = 15
T = TypeVar("T")

# What a reference must name, for the error when it names nothing.
MUNICIPALITY = "a municipality in organisations.toml"
DEPARTMENT = "a department in organisations.toml"
STAFF_MEMBER = "a key in staff.toml"
CASEWORKER = "a caseworker in staff.toml"
USER = "a key in staff.toml or a person of this file with login = true"
PERSON = "a person among this file's [[people]]"
MEMBER = "the plan's citizen or one of its children"


def _read(data: Traversable, name: str, today: dt.date) -> Table:
    entry = data.joinpath(name)
    source = str(entry)
    if not entry.is_file():
        raise DemoDataError(f"{source}: is missing")
    try:
        content = tomllib.loads(entry.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise DemoDataError(f"{source}: {error}") from None
    return Table(source, "", content, today)


def read_demo(today: dt.date, data: Traversable | None = None) -> s.Demo:
    """The demo in ``data`` (the shipped one by default), every date resolved against ``today``."""
    data = DATA if data is None else data
    # Municipality, department, staff and person keys share one namespace across all files: a
    # login's WebAuthn handle is made from its key, and one name for one thing is easier to read.
    keys: dict[str, str] = {}
    organisations = _read(data, ORGANISATIONS, today)
    municipalities = _all(organisations, "municipalities", lambda t: _municipality(t, keys))
    if not municipalities:
        organisations.fail("municipalities", "needs at least one: the first one marks the demo as loaded")
    for field in ("code", "name"):  # both are unique in the database; say so here rather than at the flush
        values = [getattr(m, field) for m in municipalities]
        twice = next((value for value in values if values.count(value) > 1), None)
        if twice is not None:
            organisations.fail("municipalities", f"two have the {field} {shown(twice)}")
    municipality_keys = {m.key for m in municipalities}
    departments = _all(organisations, "departments", lambda t: _department(t, keys, municipality_keys))
    organisations.done()
    department_keys = {d.key for d in departments}
    staff_file = _read(data, STAFF, today)
    staff = _all(staff_file, "caseworkers", lambda t: _caseworker(t, keys, department_keys))
    staff += _all(staff_file, "officials", lambda t: _official(t, keys, municipality_keys))
    staff_file.done()
    world = s.World(municipality_keys, department_keys, {member.key: member for member in staff})
    # Name order is load order, and so the order of ids and of the people on the /demo page.
    names = sorted(e.name for e in data.iterdir() if e.name.endswith(".toml") and e.name not in (ORGANISATIONS, STAFF))
    if not names:
        raise DemoDataError(f"{data}: has no plan files; add one .toml file per plan next to {STAFF}")
    plans = []
    for name in names:
        plan_file = _read(data, name, today)
        plans.append(_plan(plan_file, world, keys))
        plan_file.done()
    return s.Demo(municipalities, departments, staff, tuple(plans))


def _all(t: Table, key: str, read: Callable[[Table], T]) -> tuple[T, ...]:
    """Read each table of the array ``key`` and refuse any key ``read`` did not use."""
    result = []
    for item in t.tables(key):
        result.append(read(item))
        item.done()
    return tuple(result)


def _municipality(t: Table, keys: dict[str, str]) -> s.Municipality:
    code = t.text("code")
    if not re.fullmatch(r"\d{3}", code):
        t.fail("code", "must be the municipality's official 3-digit code")
    return s.Municipality(t.key("key", keys), code, t.text("name", 100))


def _department(t: Table, keys: dict[str, str], municipalities: set[str]) -> s.Department:
    return s.Department(
        t.key("key", keys),
        t.choice("municipality", municipalities, hint=MUNICIPALITY),
        t.text("name", 150),
        t.choice("kind", DEPARTMENT_KINDS),
    )


def _caseworker(t: Table, keys: dict[str, str], departments: set[str]) -> s.Staff:
    return s.Staff(
        t.key("key", keys), "caseworker", t.text("name", 200), t.text("job_title", 150),
        department=t.choice("department", departments, hint=DEPARTMENT),
    )


def _official(t: Table, keys: dict[str, str], municipalities: set[str]) -> s.Staff:
    return s.Staff(
        t.key("key", keys), t.choice("role", OFFICIAL_ROLES), t.text("name", 200), t.text("job_title", 150),
        municipality=t.maybe_choice("municipality", municipalities, hint=MUNICIPALITY),
    )


# --- plan files ------------------------------------------------------------------


def _plan(t: Table, world: s.World, keys: dict[str, str]) -> s.Plan:
    people = _all(t, "people", lambda p: _person(p, world, keys))
    kinds = {p.key: p.kind for p in people}
    logins = {p.key for p in people if p.login}
    users = set(world.staff) | logins
    caseworkers = {key for key, member in world.staff.items() if member.role == "caseworker"}

    plan = t.table("plan")
    citizen = plan.choice("citizen", [k for k in kinds if kinds[k] == "citizen"], hint="a citizen among this file's [[people]]")
    children = plan.choices("children", [k for k in kinds if kinds[k] == "child"], hint="a child among this file's [[people]]")
    kind = plan.choice("kind", PLAN_KINDS)
    if (kind == "family") != bool(children):
        plan.fail("kind", 'is "family" when the plan has children and "citizen" when it has none')
    contact = plan.choice("contact", caseworkers, hint=CASEWORKER)
    deputy = plan.choice("deputy", caseworkers, hint=CASEWORKER)
    if deputy == contact:
        plan.fail("deputy", "must be someone else than the contact person")
    municipality = plan.choice("municipality", world.municipalities, hint=MUNICIPALITY)
    created_at = plan.moment("created_at")
    plan.done()
    members = (citizen, *children)

    participant_keys: dict[str, str] = {}
    participants = _all(t, "participants", lambda p: s.Participant(
        p.maybe_key("key", participant_keys), p.text("name", 200), p.choice("kind", PARTICIPANT_KINDS), p.text("role"),
    ))
    goal_keys: dict[str, str] = {}
    goals = _all(t, "goals", lambda g: s.Goal(
        g.maybe_key("key", goal_keys), g.choice("member", members, hint=MEMBER),
        g.text("citizen_wording"), g.text("professional_wording"),
        g.choice("horizon", HORIZONS), g.choice("life_area", LIFE_AREAS),
        g.choice("status", GOAL_STATUSES, default="agreed"),
        g.choice("confirmation", CITIZEN_CONFIRMATIONS, default="agreed"),
        g.maybe_text("comment"), g.flag("show_on_front", True),
    ))
    effort_keys: dict[str, str] = {}
    efforts = _all(t, "efforts", lambda e: _effort(e, world, members, participant_keys, goal_keys, effort_keys))
    meetings = _all(t, "meetings", lambda m: s.Meeting(
        m.choice("with", users, hint=USER), m.moment("at"), m.text("location", 200), m.text("purpose"),
        m.maybe_number("every_weeks", 1, 52),
    ))
    about_me = _all(t, "about_me", lambda a: s.AboutMe(
        a.choice("person", kinds, hint=PERSON), a.text("situation"), a.text("wishes"), a.moment("updated_at"),
    ))
    if len({a.person for a in about_me}) != len(about_me):
        t.fail("about_me", "has two entries for one person")
    assessments = _all(t, "assessments", lambda a: s.Assessment(
        a.choice("person", kinds, hint=PERSON),
        a.choice("department", world.departments, hint=DEPARTMENT),
        a.text("title", 200), a.text("summary"), a.date("assessed_on"),
    ))
    consents = _all(t, "consents", lambda c: _consent(c, world, kinds, users))
    delegations = _all(t, "delegations", lambda d: _delegation(d, kinds))
    thread_table = t.maybe_table("thread")
    thread = None
    if thread_table is not None:
        thread = s.Thread(
            thread_table.number("answer_within_days", 1, 30),
            _all(thread_table, "messages", lambda m: _message(m, world, kinds, users, citizen in logins)),
        )
        thread_table.done()
    revisions = _all(t, "revisions", lambda r: s.Revision(
        r.choice("by", users, hint=USER), r.moment("at"),
        r.choice("effort", effort_keys, hint="the key of an effort of this plan"),
        r.text("field", 50), r.maybe_text("old_value"), r.maybe_text("new_value"),
    ))
    access_log = _all(t, "access_log", lambda a: s.Access(
        a.choice("by", world.staff, hint=STAFF_MEMBER), a.choice("kind", ACCESS_KINDS), a.moment("at"),
    ))
    progress = _all(t, "progress", lambda p: s.Progress(
        p.choice("goal", goal_keys, hint="the key of a goal of this plan"), p.choice("by", users, hint=USER),
        _all(p, "scores", lambda score: (score.moment("at"), score.number("score", 0, 10))),
    ))
    surveys = _all(t, "surveys", lambda v: _survey(v, kinds))
    return s.Plan(
        t.source, people, kind, citizen, children, municipality, contact, deputy, created_at,
        participants, goals, efforts, meetings, about_me, assessments, consents, delegations, thread,
        revisions, access_log, progress, surveys,
    )


def _person(t: Table, world: s.World, keys: dict[str, str]) -> s.Person:
    key = t.key("key", keys)
    kind = t.choice("kind", PEOPLE_KINDS)
    login = t.flag("login", False)
    age = t.number("age", 0, 120)
    if login and kind == "child" and age < CHILD_LOGIN_AGE:
        t.fail("login", f"a child under {CHILD_LOGIN_AGE} has no login of their own")
    if login and kind not in LOGIN_KINDS and kind != "child":
        t.fail("login", f"a {kind} has no login of their own")
    restrictions = _all(t, "health_restrictions", lambda r: s.HealthRestriction(
        r.choice("demand", DEMAND_LABELS), r.text("description"), r.text("source", 150),
    ))
    if len({r.demand for r in restrictions}) != len(restrictions):
        t.fail("health_restrictions", "lists one demand twice")
    notify_email = t.maybe_text("notify_email", 254)
    if notify_email is not None and not login:
        t.fail("notify_email", "only a person with login = true is told by e-mail")
    return s.Person(
        key, t.text("full_name", 200), t.text("first_name", 100), kind, t.today.year - age,
        t.choice("municipality", world.municipalities, hint=MUNICIPALITY),
        login, restrictions, notify_email,
    )


def _effort(
    t: Table, world: s.World, members: tuple[str, ...], participants: dict[str, str], goals: dict[str, str],
    taken: dict[str, str],
) -> s.Effort:
    key = t.maybe_key("key", taken)
    department = t.maybe_choice("department", world.departments, hint=DEPARTMENT)
    responsible = t.maybe_choice("responsible", world.staff, hint=STAFF_MEMBER)
    participant = t.maybe_choice("participant", participants, hint="the key of a participant of this plan")
    if department is None and participant is None:
        t.fail("department", "is missing: an effort is given by a department or by a participant")
    if department is not None and responsible is None:
        t.fail("responsible", "is missing: an effort of a department has a responsible caseworker")
    if department is not None and world.staff[str(responsible)].department != department:
        t.fail("responsible", f"{shown(responsible)} does not work in {shown(department)}")
    start, end = t.maybe_date("start"), t.maybe_date("end")
    if start is not None and end is not None and end < start:
        t.fail("end", "is before start")
    return s.Effort(
        key, t.choice("member", members, hint=MEMBER), t.text("title", 200), t.text("description"),
        t.maybe_choice("legal_basis", load_legal_bases(), hint="a code in portal/plans/legal_basis.toml"),
        department, responsible, participant, start, end,
        t.choice("status", EFFORT_STATUSES, default="active"),
        t.maybe_choice("support_kind", SUPPORT_KIND_LABELS),
        t.choices("physical_demands", DEMAND_LABELS),
        _all(t, "slots", _slot),
        t.flag("counts_as_activation", False),
        t.maybe_number("monthly_cost_dkk", 0, 10_000_000),
        t.maybe_text("precondition"),
        t.choices("goals", goals, hint="the key of a goal of this plan"),
    )


def _slot(t: Table) -> s.Slot:
    days = t.choices("days", WEEKDAY_NAMES, required=True)
    start, end = t.clock("start"), t.clock("end")
    if end <= start:
        t.fail("end", "must be after start")
    return s.Slot(tuple(WEEKDAY_NAMES.index(day) for day in days), start, end)


def _consent(t: Table, world: s.World, people: dict[str, str], users: set[str]) -> s.Consent:
    valid_from, valid_until = t.date("valid_from"), t.date("valid_until")
    if valid_until < valid_from:
        t.fail("valid_until", "is before valid_from")
    withdrawn_at = t.maybe_moment("withdrawn_at")
    withdrawn_by = t.maybe_choice("withdrawn_by", users, hint=USER)
    if (withdrawn_at is None) != (withdrawn_by is None):
        t.fail("withdrawn_by" if withdrawn_by is None else "withdrawn_at", "is missing: a withdrawal says when and by whom")
    return s.Consent(
        t.choice("giver", people, hint=PERSON),
        t.choices("departments", world.departments, hint=DEPARTMENT, required=True),
        t.text("purpose"), valid_from, valid_until, t.moment("given_at"),
        t.choice("given_by", users, hint=USER), withdrawn_at, withdrawn_by,
    )


def _delegation(t: Table, people: dict[str, str]) -> s.Delegation:
    citizen = t.choice("citizen", people, hint=PERSON)
    relative = t.choice("relative", [k for k in people if k != citizen], hint="another person among this file's [[people]]")
    return s.Delegation(
        citizen, relative, t.text("invited_name", 200), t.choices("scopes", DELEGATION_SCOPES, required=True),
        t.date("expires_on"), t.moment("created_at"), t.maybe_moment("accepted_at"),
    )


def _message(t: Table, world: s.World, people: dict[str, str], users: set[str], citizen_logs_in: bool) -> s.Message:
    author = t.choice("author", users, hint=USER)
    read = t.flag("read", False)
    author_is_caseworker = author in world.staff and world.staff[author].role == "caseworker"
    if read and author_is_caseworker and not citizen_logs_in:
        t.fail("read", "the plan's citizen has no login (login = true) to read it with")
    return s.Message(author, t.moment("sent_at"), t.text("body"), read, t.maybe_choice("on_behalf_of", people, hint=PERSON))


def _survey(t: Table, people: dict[str, str]) -> s.Survey:
    understanding, influence, coordination, satisfaction = (t.number(q, 1, 5) for q in SURVEY_QUESTIONS)
    areas = t.table("life_areas")
    life_areas = []
    for area in list(areas.data):
        if area not in LIFE_AREAS:
            areas.fail(area, f"is not a life area: one of {', '.join(LIFE_AREAS)}")
        life_areas.append((area, areas.number(area, 0, 10)))
    areas.done()
    return s.Survey(
        t.choice("person", people, hint=PERSON), t.choice("kind", SURVEY_KINDS), t.moment("submitted_at"),
        (understanding, influence, coordination, satisfaction), tuple(life_areas),
    )

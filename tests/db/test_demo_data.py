"""The demo data: loads once, shows every warning, and demonstrates the access rules (both engines)."""

from __future__ import annotations

import datetime as dt
import shutil
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.access import staff_plan_visibility, viewer_of
from portal.accounts.models import Municipality, Person, User
from portal.consent.models import Consent, Delegation
from portal.consent.rules import (
    REASON_NO_CONSENT_OTHER_MUNICIPALITY,
    ConsentFacts,
    may_see_item,
)
from portal.demo import DemoDataError, DemoSummary, load_demo
from portal.demo.loader import DATA
from portal.demo.tables import shift
from portal.models import metadata
from portal.plans import rules
from portal.plans.catalogue import load_legal_bases
from portal.plans.models import AboutMe, Effort, Plan, PlanMember
from portal.plans.schedule import monday_of, week
from portal.plans.services import plan_findings

TODAY = dt.date(2026, 3, 11)  # a Wednesday; the demo is relative to whatever day it is given
LOCAL = ZoneInfo("Europe/Copenhagen")
SEEDS = Path("/work/shared/seeds")
DATA_DIR = Path(str(DATA))
NOT_PLANS = ("organisations.toml", "staff.toml")


def _row_counts(db: Session) -> dict[str, int]:
    return {table.name: db.scalar(select(func.count()).select_from(table)) or 0 for table in metadata.sorted_tables}


def _plan_of(db: Session, first_name: str) -> Plan:
    person = db.scalars(select(Person).where(Person.first_name == first_name, Person.kind == "citizen")).one()
    return db.scalars(select(Plan).where(Plan.citizen_id == person.id)).one()


def _user(db: Session, display_name: str) -> User:
    return db.scalars(select(User).where(User.display_name == display_name)).one()


def _consents(db: Session, plan: Plan) -> list[ConsentFacts]:
    return [
        ConsentFacts(c.recipient_department_id, c.recipient_municipality_id, c.valid_from, c.valid_until, c.withdrawn_at)
        for c in db.scalars(select(Consent).where(Consent.plan_id == plan.id))
    ]


def _now(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=LOCAL)


@pytest.fixture
def demo(db: Session) -> Session:
    summary = load_demo(db, TODAY)
    assert summary.created
    db.flush()
    db.expire_all()
    return db


def test_the_demo_loads_and_a_second_load_changes_nothing(db: Session) -> None:
    first = load_demo(db, TODAY)
    db.flush()
    assert first.created and first.plans == 6 and first.municipalities == 3
    before = _row_counts(db)
    assert all(before[name] > 0 for name in ("plan", "effort", "consent", "delegation", "message", "survey_response"))

    second = load_demo(db, TODAY + dt.timedelta(days=5))
    db.flush()
    assert second == DemoSummary(created=False)
    assert _row_counts(db) == before


@pytest.mark.parametrize("today", [dt.date(2024, 2, 29), dt.date(2025, 12, 28), dt.date(2026, 8, 31)])
def test_the_demo_loads_on_any_day(db: Session, today: dt.date) -> None:
    # Leap days, month ends and Sundays must not break dates (e.g. "in a year").
    assert load_demo(db, today).created
    db.flush()
    annette = _plan_of(db, "Annette")
    assert {r.rule for r in plan_findings(annette, list(annette.efforts))} == {
        rules.RULE_TIME_OVERLAP, rules.RULE_SAME_SUPPORT_KIND, rules.RULE_PHYSICAL_DEMAND, rules.RULE_SEQUENCING,
    }


def test_every_rule_fires_on_annettes_plan(demo: Session) -> None:
    plan = _plan_of(demo, "Annette")
    efforts = list(plan.efforts)
    by_title = {e.title: e for e in efforts}
    home_guide = by_title["Hjemmevejleder om morgenen"].id
    family_worker = by_title["Familiebehandler om morgenen"].id
    mentor = by_title["Mentor fra jobcentret"].id
    internship = by_title["Virksomhedspraktik i Netto"].id
    anxiety = by_title["Angstforløb i Socialcentret"].id
    departments = {by_title[t].department_id for t in ("Hjemmevejleder om morgenen", "Familiebehandler om morgenen", "Mentor fra jobcentret")}
    assert len(departments) == 3  # three morning visits from three departments

    findings = plan_findings(plan, efforts)
    by_rule: dict[str, list[rules.Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)

    overlaps = {frozenset(f.effort_ids) for f in by_rule[rules.RULE_TIME_OVERLAP]}
    assert frozenset({home_guide, family_worker}) in overlaps
    assert frozenset({home_guide, mentor}) in overlaps
    assert {home_guide, family_worker, mentor} <= set().union(*overlaps)

    assert [f.effort_ids for f in by_rule[rules.RULE_PHYSICAL_DEMAND]] == [(internship,), (internship,)]
    assert any("slidgigt i hoften" in f.message for f in by_rule[rules.RULE_PHYSICAL_DEMAND])
    assert [f.effort_ids for f in by_rule[rules.RULE_SEQUENCING]] == [tuple(sorted((internship, anxiety)))]
    assert [f.effort_ids for f in by_rule[rules.RULE_SAME_SUPPORT_KIND]] == [tuple(sorted((home_guide, family_worker)))]
    # Every finding is about Annette herself, not about Oliver.
    assert {f.person_id for f in findings} == {plan.citizen_id}


def test_the_current_week_has_content_and_meetings_are_coming(demo: Session) -> None:
    for plan in demo.scalars(select(Plan)):
        days = week(list(plan.efforts), list(plan.meetings), monday_of(TODAY))
        assert sum(len(day.items) for day in days) > 0, plan.citizen.first_name
        upcoming = [m.starts_at for m in plan.meetings if m.starts_at > _now(TODAY)]
        assert upcoming, plan.citizen.first_name
        assert all(m.tzinfo is not None for m in upcoming)
        assert min(upcoming) <= _now(TODAY + dt.timedelta(days=10))
        # Meetings are at whole local hours or half hours in Copenhagen time.
        assert all(m.astimezone(LOCAL).minute in (0, 30) for m in upcoming)


def test_jakob_says_in_his_own_words_that_he_wants_no_therapy(demo: Session) -> None:
    plan = _plan_of(demo, "Jakob")
    about = demo.get(AboutMe, plan.citizen_id)
    assert about is not None
    assert "Jeg vil ikke gå i terapi." in about.wishes
    assert "smerterne" in about.wishes
    assert any("Jeg vil ikke gå i terapi." in goal.citizen_wording for goal in plan.goals)
    assert any(e.support_kind == "pain_management" for e in plan.efforts)


def test_cross_municipality_access_needs_consent(demo: Session) -> None:
    now = _now(TODAY)
    # Mads (Varde): a Vallensbæk counsellor is responsible for an effort but has no consent.
    mads = _plan_of(demo, "Mads")
    vallensbaek = demo.scalars(select(Municipality).where(Municipality.code == "187")).one()
    nanna = _user(demo, "Nanna Bech")
    assert nanna.municipality_id == vallensbaek.id != mads.municipality_id
    assert any(e.responsible_user_id == nanna.id for e in mads.efforts)
    refused = staff_plan_visibility(nanna, mads, _consents(demo, mads), now)
    assert not refused.sees_plan
    assert refused.reason == REASON_NO_CONSENT_OTHER_MUNICIPALITY
    assert mads.contact is not None
    assert staff_plan_visibility(mads.contact, mads, _consents(demo, mads), now).sees_plan

    # Annette's contact person sees every effort of every department in her plan.
    annette = _plan_of(demo, "Annette")
    contact = annette.contact
    assert contact is not None
    visibility = staff_plan_visibility(contact, annette, _consents(demo, annette), now)
    assert visibility.sees_plan
    assert all(may_see_item(visibility, viewer_of(contact), e.department_id) for e in annette.efforts)
    # One of Annette's consents is withdrawn: history is kept.
    assert any(c.withdrawn_at is not None for c in demo.scalars(select(Consent).where(Consent.plan_id == annette.id)))

    # Pernille (Vallensbæk) consented to the joint jobcenter, which belongs to Ishøj.
    pernille = _plan_of(demo, "Pernille")
    deputy = pernille.deputy
    assert deputy is not None and deputy.municipality_id != pernille.municipality_id
    assert staff_plan_visibility(deputy, pernille, _consents(demo, pernille), now).sees_plan


def test_every_legal_basis_is_in_the_catalogue(demo: Session) -> None:
    catalogue = load_legal_bases()
    codes = set(demo.scalars(select(Effort.legal_basis_code).where(Effort.legal_basis_code.is_not(None))))
    assert codes and codes <= set(catalogue)
    pernille = _plan_of(demo, "Pernille")
    laws = {catalogue[e.legal_basis_code].law for e in pernille.efforts if e.legal_basis_code}
    assert len(laws) == 5


def test_every_plan_has_one_citizen_member_and_a_contact_with_a_deputy(demo: Session) -> None:
    plans = list(demo.scalars(select(Plan)))
    assert len(plans) == 6
    for plan in plans:
        citizens = [m for m in plan.members if m.role == "citizen"]
        assert [m.person_id for m in citizens] == [plan.citizen_id]
        assert plan.version == 1
        assert plan.contact is not None and plan.contact.role == "caseworker"
        assert plan.deputy is not None and plan.deputy.role == "caseworker"
        assert plan.contact_user_id != plan.deputy_user_id
        for child in (m for m in plan.members if m.role == "child"):
            assert child.custody_holder_id == plan.citizen_id
        assert plan.kind == ("family" if len(plan.members) > 1 else "citizen")
        for effort in plan.efforts:
            if effort.department_id is None:
                assert effort.participant_id is not None
            else:
                assert effort.responsible is not None
                assert effort.responsible.department_id == effort.department_id, effort.title


def test_the_relative_has_an_accepted_delegation(demo: Session) -> None:
    lene = _user(demo, "Lene Nielsen")
    assert lene.role == "relative" and lene.person is not None and lene.person.kind == "relative"
    delegation = demo.scalars(select(Delegation).where(Delegation.relative_person_id == lene.person_id)).one()
    assert delegation.accepted_at is not None and delegation.revoked_at is None
    assert sorted(delegation.scopes) == ["read_plan", "write_messages"]
    assert TODAY + dt.timedelta(days=150) < delegation.expires_on < TODAY + dt.timedelta(days=200)


def test_every_person_has_at_most_one_plan_and_staff_handles_are_stable(demo: Session) -> None:
    members = list(demo.scalars(select(PlanMember.person_id)))
    assert len(members) == len(set(members))
    handles = list(demo.scalars(select(User.webauthn_user_handle)))
    assert len(handles) == len(set(handles))
    assert all(len(h) == 32 for h in handles)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the trial applications are not here")
def test_no_staff_name_comes_from_the_trial_applications(demo: Session) -> None:
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in SEEDS.glob("*.txt")).lower()
    staff = demo.scalars(select(User).where(User.person_id.is_(None)))
    for user in staff:
        assert user.display_name.lower() not in text, user.display_name


# --- the data files -----------------------------------------------------------------


def _toml(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _citizens_of(data: Path) -> list[str]:
    """The plan files' citizens in file-name order, read without the loader so a skipped file shows."""
    citizens = []
    for path in sorted(p for p in data.glob("*.toml") if p.name not in NOT_PLANS):
        content = _toml(path)
        names = {person["key"]: person["full_name"] for person in content["people"]}
        citizens.append(names[content["plan"]["citizen"]])
    return citizens


def _copy_of_the_data(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    return copy


def test_every_data_file_is_loaded_in_the_order_of_its_name(demo: Session) -> None:
    expected = _citizens_of(DATA_DIR)
    assert len(expected) == 6
    assert [plan.citizen.full_name for plan in demo.scalars(select(Plan).order_by(Plan.id))] == expected
    people = sum(len(_toml(p)["people"]) for p in DATA_DIR.glob("*.toml") if p.name not in NOT_PLANS)
    assert demo.scalar(select(func.count()).select_from(Person)) == people
    staff = _toml(DATA_DIR / "staff.toml")
    names = [member["name"] for member in staff["caseworkers"] + staff["officials"]]
    assert list(demo.scalars(select(User.display_name).where(User.person_id.is_(None)).order_by(User.id))) == names


def test_a_municipality_can_swap_in_its_own_plan_files(db: Session, tmp_path: Path) -> None:
    data = _copy_of_the_data(tmp_path)
    (data / "02-pernille.toml").unlink()
    (data / "04-jakob.toml").unlink()
    sofie = (data / "05-sofie.toml").read_text(encoding="utf-8")
    (data / "07-karen.toml").write_text(
        sofie.replace('"sofie"', '"karen"').replace('"Sofie"', '"Karen"').replace("Sofie Andersen", "Karen Holm"),
        encoding="utf-8",
    )
    summary = load_demo(db, TODAY, data)
    db.flush()
    citizens = [plan.citizen.full_name for plan in db.scalars(select(Plan).order_by(Plan.id))]
    assert citizens == _citizens_of(data) == [
        "Annette Nielsen", "Trine Hansen", "Sofie Andersen", "Mads Poulsen", "Karen Holm",
    ]
    assert summary.plans == summary.citizens == 5


@pytest.mark.parametrize(
    ("name", "old", "new", "problem"),
    [
        pytest.param(
            "03-hansen.toml", 'department = "varde_family"', 'department = "varde_famly"',
            'efforts #3.department: "varde_famly" is not a department in organisations.toml', id="unknown-department",
        ),
        pytest.param(
            "01-annette.toml", 'start = "-60d"', 'start = "-60 days"',
            'efforts #1.start: "-60 days" is not an offset from today', id="bad-offset",
        ),
        pytest.param(
            "04-jakob.toml", 'at = "+1wd 13:30"', 'at = "+1wd 1:30pm"',
            'meetings #1.at: "1:30pm" is not a Copenhagen time', id="bad-time",
        ),
        pytest.param(
            "05-sofie.toml", 'support_kind = "home_guide"', 'suport_kind = "home_guide"',
            "efforts #1.suport_kind: is not a key this table can have", id="misspelt-key",
        ),
        pytest.param(
            "06-mads.toml", 'contact = "emil"', 'contact = "emilie"',
            'plan.contact: "emilie" is not a caseworker in staff.toml', id="unknown-caseworker",
        ),
        pytest.param(
            "staff.toml", 'key = "sara"', 'key = "mikkel"',
            'caseworkers #2.key: "mikkel" is already used in', id="key-used-twice",
        ),
        pytest.param("02-pernille.toml", "[plan]", "[plan", "(at line", id="not-toml"),
    ],
)
def test_a_broken_data_file_is_one_line_naming_the_file_and_the_key(
    db: Session, tmp_path: Path, name: str, old: str, new: str, problem: str
) -> None:
    data = _copy_of_the_data(tmp_path)
    path = data / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(DemoDataError) as raised:
        load_demo(db, TODAY, data)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and problem in message
    assert "\n" not in message
    # Every file is checked before a row is added: the caller's session is untouched.
    assert not db.new
    assert all(count == 0 for count in _row_counts(db).values())


def test_a_missing_data_file_is_named(db: Session, tmp_path: Path) -> None:
    data = _copy_of_the_data(tmp_path)
    (data / "organisations.toml").unlink()
    with pytest.raises(DemoDataError, match="organisations.toml: is missing$"):
        load_demo(db, TODAY, data)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        ("-30d", dt.date(2026, 2, 9)),
        ("+2w", dt.date(2026, 3, 25)),
        ("+1wd", dt.date(2026, 3, 12)),  # TODAY is a Wednesday
        ("+3wd", dt.date(2026, 3, 16)),  # Thursday, Friday, then Monday
        ("-7d+16w", dt.date(2026, 6, 24)),  # left to right: 16 weeks after a week ago
        ("-30d+12m", dt.date(2027, 2, 9)),
        ("+0d", TODAY),
    ],
)
def test_date_offsets(offset: str, expected: dt.date) -> None:
    assert shift(TODAY, offset) == expected


def test_months_end_on_the_last_day_of_a_shorter_month() -> None:
    assert shift(dt.date(2025, 8, 31), "+6m") == dt.date(2026, 2, 28)
    assert shift(dt.date(2024, 2, 29), "+1y") == dt.date(2025, 2, 28)
    assert shift(dt.date(2026, 3, 14), "+1wd") == dt.date(2026, 3, 16)  # from a Saturday

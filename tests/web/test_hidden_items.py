"""What a protection hides, checked through the whole app: hidden things appear nowhere in the page.

The plan page tests show what each person sees; these check the other side. A caseworker
without consent for another department sees none of its efforts, and a parent sees none of
the plan's part for a child who is not in their custody.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Person, User
from portal.audit.models import AccessLogEntry, SecurityEvent
from portal.consent.models import Consent
from portal.plans.models import Effort, Plan, PlanMember

from tests.conftest import PortalClient


def _plan_of(db: Session, first_name: str) -> Plan:
    return db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.first_name == first_name)).one()


def _user(db: Session, display_name: str) -> User:
    return db.scalars(select(User).where(User.display_name == display_name)).one()


def _end_consent(db: Session, plan: Plan, department_id: int, how: str) -> None:
    consent = db.scalars(
        select(Consent).where(Consent.plan_id == plan.id, Consent.recipient_department_id == department_id)
    ).one()
    today = dt.date.today()
    if how == "withdrawn":
        consent.withdrawn_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    elif how == "expired":
        consent.valid_until = today - dt.timedelta(days=1)
    else:  # not yet in force
        consent.valid_from = today + dt.timedelta(days=1)
    db.flush()


@pytest.mark.parametrize("how", ["withdrawn", "expired", "not_yet"])
def test_caseworker_without_consent_sees_no_effort_of_another_department(
    client: PortalClient, demo_db: Session, how: str
) -> None:
    plan = _plan_of(demo_db, "Annette")
    camilla = _user(demo_db, "Camilla Brandt")  # contact person, Socialcenter Ishøj
    _end_consent(demo_db, plan, camilla.department_id, how)  # type: ignore[arg-type]
    own = [e for e in plan.efforts if e.department_id == camilla.department_id]
    others = [e for e in plan.efforts if e.department_id is not None and e.department_id != camilla.department_id]
    assert own and others, "the demo plan must have efforts of her department and of others"
    # The contact person and the deputy are named on the page, with their departments, for their role.
    shown_people = {plan.contact.display_name, plan.deputy.display_name}
    shown_departments = {plan.contact.department.name, plan.deputy.department.name}

    client.login_as("Camilla Brandt")
    response = client.get(f"/sag/plan/{plan.id}")

    assert response.status_code == 200
    page = response.text
    # Shown: her own department's efforts, and the plan-wide ones of outside participants.
    for effort in own:
        assert effort.title in page
    assert "Opfølgning på Olivers ADHD-medicin" in page
    assert f"{len(others)} indsatser fra andre afdelinger er skjult" in page
    # Hidden: nothing of another department's effort, anywhere in the HTML.
    for effort in others:
        assert f"effort-{effort.id}" not in page
        assert effort.title not in page, effort.title
        assert effort.description not in page
        if effort.responsible is not None and effort.responsible.display_name not in shown_people:
            assert effort.responsible.display_name not in page
        if effort.department is not None and effort.department.name not in shown_departments:
            assert effort.department.name not in page


def test_caseworker_with_consent_sees_every_department(client: PortalClient, demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    client.login_as("Camilla Brandt")
    page = client.get(f"/sag/plan/{plan.id}").text
    for effort in plan.efforts:
        assert effort.title in page
    assert "skjult" not in page


def test_a_staff_read_is_logged_with_the_readers_department(client: PortalClient, demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Annette")
    camilla = _user(demo_db, "Camilla Brandt")
    before = set(demo_db.scalars(select(AccessLogEntry.id).where(AccessLogEntry.plan_id == plan.id)))
    client.login_as("Camilla Brandt")
    assert client.get(f"/sag/plan/{plan.id}").status_code == 200
    demo_db.expire_all()
    rows = [
        row
        for row in demo_db.scalars(select(AccessLogEntry).where(AccessLogEntry.plan_id == plan.id))
        if row.id not in before
    ]
    assert len(rows) == 1
    (row,) = rows
    assert camilla.department_id is not None
    assert (row.plan_id, row.user_id, row.department_id, row.kind) == (plan.id, camilla.id, camilla.department_id, "view_plan")


# --- custody -------------------------------------------------------------------------------

MIE_GOAL = "Mie skal komme i skole hver dag"
# Her efforts by title and description. (The plan-wide list of participants names her too:
# "SFO og klub: Mie går i SFO efter skole." That list is the same for every member.)
MIE_EFFORTS = ("Samtaler med skolepsykologen", "Ekstra støtte i skolen")
MIE_DESCRIPTIONS = ("Mie får en fast voksen om morgenen", "Mie taler med skolepsykologen", "Mie går i SFO, når skolen slutter")
MARTIN_GOAL = "Martin skal tage sin medicin hver dag"
MARTIN_EFFORT = "Fast kontaktperson til Martin"


def _give_mie_to_her_father(db: Session) -> None:
    """Mie lives on her mother's family plan, but her father holds custody."""
    plan = _plan_of(db, "Trine")
    mie = db.scalars(select(Person).where(Person.full_name == "Mie Hansen")).one()
    father = Person(full_name="Jens Hansen", first_name="Jens", kind="relative", municipality_id=mie.municipality_id)
    db.add(father)
    db.flush()
    member = db.scalars(select(PlanMember).where(PlanMember.plan_id == plan.id, PlanMember.person_id == mie.id)).one()
    member.custody_holder_id = father.id
    db.flush()
    # Her efforts must really be on the plan, or the test would prove nothing.
    titles = set(db.scalars(select(Effort.title).where(Effort.plan_id == plan.id, Effort.member_person_id == mie.id)))
    assert set(MIE_EFFORTS) <= titles


def test_parent_without_custody_sees_nothing_of_the_child(client: PortalClient, demo_db: Session) -> None:
    _give_mie_to_her_father(demo_db)
    client.login_as("Trine Hansen")
    plan_page = client.get("/min-plan")
    week = client.get("/min-plan/uge")
    assert plan_page.status_code == week.status_code == 200
    # Shown: her own part and the child in her custody.
    assert MARTIN_GOAL in plan_page.text and MARTIN_EFFORT in plan_page.text
    assert MARTIN_EFFORT in week.text
    # Hidden: the child who is not in her custody, on both pages.
    assert MIE_GOAL not in plan_page.text
    for title in MIE_EFFORTS:
        assert title not in plan_page.text
        assert title not in week.text
    for description in MIE_DESCRIPTIONS:
        assert description not in plan_page.text and description not in week.text
    assert "(Mie)" not in plan_page.text and "(Mie)" not in week.text


def test_parent_with_custody_sees_the_child(client: PortalClient) -> None:
    client.login_as("Trine Hansen")
    plan_page = client.get("/min-plan").text
    assert MIE_GOAL in plan_page
    assert "Samtaler med skolepsykologen" in plan_page
    assert "Mie går i SFO, når skolen slutter" in plan_page
    assert "Ekstra støtte i skolen" in client.get("/min-plan/uge").text


def test_a_refused_plan_read_is_logged_with_the_plan_and_the_address(client: PortalClient, demo_db: Session) -> None:
    plan = _plan_of(demo_db, "Mads")  # Nanna Bech has no consent from Mads
    nanna = _user(demo_db, "Nanna Bech")
    client.login_as("Nanna Bech")
    assert client.get(f"/sag/plan/{plan.id}").status_code == 404
    demo_db.expire_all()
    event = demo_db.scalars(
        select(SecurityEvent)
        .where(SecurityEvent.user_id == nanna.id, SecurityEvent.kind == "access_refused")
        .order_by(SecurityEvent.id.desc())
    ).first()
    assert event is not None
    assert event.detail["plan_id"] == plan.id and event.detail["path"] == f"/sag/plan/{plan.id}"
    assert event.client_address == "testclient"

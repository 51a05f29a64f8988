"""A child of 15 or older in a family plan: their own consents, and what their parent sees.

Martin Hansen is 15 in the demo and logs in. Trine, his mother, holds custody of him and of
Mie (9). Martin's consent to Familiecenter Varde is for his part; Trine's consents no longer
cover it. Martin chooses on /samtykker whether Trine sees his part: these tests show both sides
of every page (the child sees, the parent does not; the parent still sees Mie and a shared part).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Department, Person, User
from portal.audit.models import AccessLogEntry, SecurityEvent
from portal.consent.models import Consent
from portal.plans.models import Effort, Goal, Plan, PlanMember

from tests.conftest import PortalClient
from tests.web.test_changes import revise
from tests.web.test_hidden_items import MARTIN_EFFORT, MARTIN_GOAL, MIE_EFFORTS, MIE_GOAL

UTC = dt.timezone.utc
TRINE_GOAL = "Jeg vil have mere overskud i hverdagen"
TRINE_EFFORT = "Familiebehandling i hjemmet"
MARTIN_CONSENT = "At familiebehandleren kan se mine mål og min hjælp"
TRINE_CONSENT = "At alle, der hjælper dig, kan se din plan"
# Participants named on the plan page say whose part they help with.
MARTINS_CLINIC = "Følger Martins ADHD og medicin."
TRINES_CLINIC = "Behandler Trines depression."


def _person(db: Session, full_name: str) -> Person:
    return db.scalars(select(Person).where(Person.full_name == full_name)).one()


def _user(db: Session, display_name: str) -> User:
    return db.scalars(select(User).where(User.display_name == display_name)).one()


def _plan(db: Session) -> Plan:
    return db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.first_name == "Trine")).one()


def _martins_consent(db: Session) -> Consent:
    return db.scalars(select(Consent).where(Consent.member_person_id == _person(db, "Martin Hansen").id)).one()


def _trines_consent(db: Session, department: str) -> Consent:
    return db.scalars(
        select(Consent).join(Department, Department.id == Consent.recipient_department_id)
        .where(Consent.plan_id == _plan(db).id, Consent.member_person_id.is_(None), Department.name == department)
    ).one()


def _events(db: Session, kind: str) -> list[SecurityEvent]:
    db.expire_all()
    return list(db.scalars(select(SecurityEvent).where(SecurityEvent.kind == kind).order_by(SecurityEvent.id)))


def _share(client: PortalClient, answer: str) -> None:
    response = client.post_form("/samtykker/deling", {"share": answer}, token_from="/samtykker", follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    assert response.headers["location"] == f"/samtykker?deling={answer}"


def test_the_demo_has_a_child_of_15_with_a_login_and_a_consent_of_their_own(demo_db: Session) -> None:
    martin = _person(demo_db, "Martin Hansen")
    assert martin.birth_year is not None and dt.date.today().year - martin.birth_year >= 15
    assert _user(demo_db, "Martin Hansen").role == "citizen"
    member = demo_db.scalars(select(PlanMember).where(PlanMember.person_id == martin.id)).one()
    assert member.custody_holder_id == _person(demo_db, "Trine Hansen").id and member.shares_with_custody_holder
    consent = _martins_consent(demo_db)
    assert consent.giver_person_id == martin.id and consent.plan_id == _plan(demo_db).id


def test_the_child_sees_their_own_part_and_consents_and_not_the_parents(client: PortalClient) -> None:
    client.login_as("Martin Hansen")
    plan_page = client.get("/min-plan").text
    assert MARTIN_GOAL in plan_page and MARTIN_EFFORT in plan_page
    for hidden in (TRINE_GOAL, TRINE_EFFORT, MIE_GOAL, *MIE_EFFORTS, TRINES_CLINIC):
        assert hidden not in plan_page
    assert MARTINS_CLINIC in plan_page
    consents = client.get("/samtykker").text
    assert MARTIN_CONSENT in consents and TRINE_CONSENT not in consents
    assert "Du er 15 år eller ældre" in consents
    assert 'action="/samtykker/deling"' in consents and "Må Trine se din del af planen?" in consents
    assert "Hvem må se din del?" in consents


def test_a_part_kept_from_the_parent_is_gone_from_every_page_of_theirs(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    martin_goal = demo_db.scalars(select(Goal).where(Goal.plan_id == plan.id, Goal.citizen_wording == MARTIN_GOAL)).one()
    mie_goal = demo_db.scalars(select(Goal).where(Goal.plan_id == plan.id, Goal.citizen_wording == MIE_GOAL)).one()
    martin_effort = demo_db.scalars(select(Effort).where(Effort.plan_id == plan.id, Effort.title == MARTIN_EFFORT)).one()
    mie_effort = demo_db.scalars(select(Effort).where(Effort.plan_id == plan.id, Effort.title == MIE_EFFORTS[0])).one()
    tobias = _user(demo_db, "Tobias Riis")
    revise(demo_db, martin_effort, tobias, "status", "planned", "paused")
    revise(demo_db, mie_effort, tobias, "status", "planned", "active")
    # Signe read the plan under Martin's consent: the log must not name it to Trine once he keeps his part.
    demo_db.add(AccessLogEntry(
        plan_id=plan.id, user_id=_user(demo_db, "Signe Dam").id, department_id=tobias.department_id,
        kind="view_plan", reason="effort_responsible", consent_id=_martins_consent(demo_db).id,
        occurred_at=dt.datetime.now(UTC) - dt.timedelta(hours=1),
    ))
    demo_db.flush()

    def trines_pages() -> dict[str, str]:
        return {
            "plan": client.get("/min-plan").text,
            "week": client.get("/min-plan/uge").text,
            "changes": client.get("/min-plan/aendringer").text,
            "who_looked": client.get("/hvem-har-set").text,
        }

    client.login_as("Trine Hansen")
    shared = trines_pages()
    assert MARTIN_GOAL in shared["plan"] and MARTIN_EFFORT in shared["plan"] and MARTIN_EFFORT in shared["week"]
    assert MARTINS_CLINIC in shared["plan"] and TRINES_CLINIC in shared["plan"]
    assert MARTIN_EFFORT in shared["changes"] and MARTIN_CONSENT in shared["who_looked"]
    assert client.get(f"/min-plan/maal/{martin_goal.id}").status_code == 200

    client.login_as("Martin Hansen")
    _share(client, "nej")
    assert "Trine kan ikke længere se din del af planen." in client.get("/samtykker?deling=nej").text
    # Martin still sees his own part.
    assert MARTIN_EFFORT in client.get("/min-plan").text
    assert client.get(f"/min-plan/maal/{martin_goal.id}").status_code == 200

    client.login_as("Trine Hansen")
    kept = trines_pages()
    for name, page in kept.items():
        assert MARTIN_GOAL not in page and MARTIN_EFFORT not in page, name
    assert MARTIN_CONSENT not in kept["who_looked"] and "Signe Dam" in kept["who_looked"]
    assert MARTINS_CLINIC not in kept["plan"] and TRINES_CLINIC in kept["plan"]
    assert client.get(f"/min-plan/maal/{martin_goal.id}").status_code == 404
    # Her own part and Mie's (9: her choice is her mother's) stay.
    assert TRINE_GOAL in kept["plan"] and MIE_GOAL in kept["plan"] and MIE_EFFORTS[0] in kept["plan"]
    assert MIE_EFFORTS[0] in kept["changes"]
    assert client.get(f"/min-plan/maal/{mie_goal.id}").status_code == 200

    client.login_as("Martin Hansen")
    _share(client, "ja")
    client.login_as("Trine Hansen")
    again = trines_pages()
    assert MARTIN_GOAL in again["plan"] and MARTIN_EFFORT in again["changes"]
    martin = _person(demo_db, "Martin Hansen")
    assert [(e.subject_person_id, e.kind) for e in _events(demo_db, "part_unshared") + _events(demo_db, "part_shared")] == [
        (martin.id, "part_unshared"), (martin.id, "part_shared"),
    ]


def test_the_parent_manages_the_whole_plans_consents_and_never_the_childs(client: PortalClient, demo_db: Session) -> None:
    martins = _martins_consent(demo_db)
    trines = _trines_consent(demo_db, "Ydelse Varde")
    client.login_as("Trine Hansen")
    page = client.get("/samtykker").text
    assert TRINE_CONSENT in page and MARTIN_CONSENT not in page
    assert "Martin er 15 år eller ældre" in page
    assert 'action="/samtykker/deling"' not in page
    path = f"/samtykker/{martins.id}/tilbagekald"
    assert client.get(path).status_code == 404
    assert client.post_form(path, token_from="/samtykker").status_code == 404
    # She does not choose for him either.
    assert client.post_form("/samtykker/deling", {"share": "nej"}, token_from="/samtykker").status_code == 404
    demo_db.expire_all()
    assert martins.withdrawn_at is None
    assert _user(demo_db, "Trine Hansen").id in {e.user_id for e in _events(demo_db, "access_refused")}

    client.login_as("Martin Hansen")
    path = f"/samtykker/{trines.id}/tilbagekald"
    assert client.get(path).status_code == 404
    assert client.post_form(path, token_from="/samtykker").status_code == 404
    demo_db.expire_all()
    assert trines.withdrawn_at is None


def test_the_child_gives_a_consent_for_their_part_to_a_place_of_their_own_part(client: PortalClient, demo_db: Session) -> None:
    martin = _person(demo_db, "Martin Hansen")
    disability = demo_db.scalars(select(Department).where(Department.name == "Børn og unge med handicap Varde")).one()
    benefits = demo_db.scalars(select(Department).where(Department.name == "Ydelse Varde")).one()
    client.login_as("Martin Hansen")
    form = client.get("/samtykker").text
    assert f'value="department-{disability.id}"' in form
    # Only Trine has help from Ydelse Varde: Martin's list does not tell of her part.
    assert f'value="department-{benefits.id}"' not in form
    response = client.post_form("/samtykker", {
        "recipient": f"department-{disability.id}", "purpose": "At Eva kan se min plan.",
        "valid_until": (dt.date.today() + dt.timedelta(days=90)).isoformat(),
    }, token_from="/samtykker", follow_redirects=False)
    assert response.status_code == 303
    given = demo_db.scalars(select(Consent).where(Consent.purpose == "At Eva kan se min plan.")).one()
    assert (given.member_person_id, given.giver_person_id) == (martin.id, martin.id)
    refused = client.post_form("/samtykker", {
        "recipient": f"department-{benefits.id}", "purpose": "x",
        "valid_until": (dt.date.today() + dt.timedelta(days=90)).isoformat(),
    }, token_from="/samtykker")
    assert refused.status_code == 422


@pytest.mark.parametrize("answer", ["", "maybe", "JA"])
def test_a_sharing_choice_that_is_neither_yes_nor_no_is_refused(client: PortalClient, demo_db: Session, answer: str) -> None:
    client.login_as("Martin Hansen")
    response = client.post_form("/samtykker/deling", {"share": answer}, token_from="/samtykker")
    assert response.status_code == 422
    assert "Vælg ja eller nej." in response.text
    demo_db.expire_all()
    member = demo_db.scalars(select(PlanMember).where(PlanMember.person_id == _person(demo_db, "Martin Hansen").id)).one()
    assert member.shares_with_custody_holder is True


def test_the_childs_consent_alone_opens_their_part_to_staff_and_the_withdrawal_counts_at_once(
    app, client: PortalClient, demo_db: Session  # type: ignore[no-untyped-def]
) -> None:
    plan = _plan(demo_db)
    consent = _martins_consent(demo_db)
    signe = PortalClient(app, base_url=client.base_url)
    signe.login_as("Signe Dam")  # Familiecenter Varde: Martin consented to it
    anders = PortalClient(app, base_url=client.base_url)
    anders.login_as("Anders Thomsen")  # Jobcenter Varde: only Trine consented to it
    assert MARTIN_EFFORT in signe.get(f"/sag/plan/{plan.id}").text
    jobcenter = anders.get(f"/sag/plan/{plan.id}").text
    assert MARTIN_EFFORT not in jobcenter and TRINE_EFFORT in jobcenter

    client.login_as("Martin Hansen")
    path = f"/samtykker/{consent.id}/tilbagekald"
    preview = client.get(path).text
    assert MARTIN_EFFORT in preview and "Signe Dam" in preview
    assert client.post_form(path, token_from=path, follow_redirects=False).status_code == 303

    after = signe.get(f"/sag/plan/{plan.id}").text
    assert MARTIN_EFFORT not in after and TRINE_EFFORT in after

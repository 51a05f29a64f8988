"""/min-plan/aendringer beyond efforts and goals: meetings, outside participants, shared
assessments, members, the contact person and "about me", in plain Danish, to whom the plan page
shows them (the citizen, a relative reading for them) and to no one else (a parent when a child
of 15 or older keeps their part, another household)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from portal.accounts.models import Person, User
from portal.plans.models import Meeting, Participant, Plan, Revision, SharedAssessment

from tests.conftest import PortalClient
from tests.web.test_changes import HOME_GUIDE, PATH, changes_of, effort, plan_of, text_of, user
from tests.web.test_own_part import _share
from tests.web.test_statement_counts import counted

UTC = dt.timezone.utc
ANNETTES_MEETING = "Vi taler om, hvordan du kan få mere ro om morgenen."
ANNETTES_ASSESSMENT = "Helbredsoplysninger fra egen læge"
MARTINS_ASSESSMENT = "Børnefaglig undersøgelse"
MARTINS_CLINIC = "ADHD-ambulatoriet, børne- og ungdomspsykiatrien"


def note(db: Session, plan: Plan, by: User, entity: str, entity_id: int, field: str, old: str | None, new: str | None,
         *, at: dt.datetime | None = None) -> None:
    db.add(Revision(plan_id=plan.id, user_id=by.id, occurred_at=at or dt.datetime.now(UTC), entity=entity,
                    entity_id=entity_id, field=field, old_value=old, new_value=new))
    db.flush()


def person(db: Session, full_name: str) -> Person:
    return db.scalars(select(Person).where(Person.full_name == full_name)).one()


def meeting(db: Session, plan: Plan, purpose: str) -> Meeting:
    return db.scalars(select(Meeting).where(Meeting.plan_id == plan.id, Meeting.purpose == purpose)).one()


def assessment(db: Session, title: str) -> SharedAssessment:
    return db.scalars(select(SharedAssessment).where(SharedAssessment.title == title)).one()


def participant(db: Session, plan: Plan, name: str) -> Participant:
    return db.scalars(select(Participant).where(Participant.plan_id == plan.id, Participant.name == name)).one()


def _annettes_changes(db: Session) -> None:
    plan = plan_of(db, "Annette")
    camilla, mikkel = user(db, "Camilla Brandt"), user(db, "Mikkel Dahl")
    annette = person(db, "Annette Nielsen")
    note(db, plan, camilla, "meeting", meeting(db, plan, ANNETTES_MEETING).id, "starts_at",
         "2027-03-03T09:00:00+00:00", "2027-03-05T12:00:00+00:00")
    note(db, plan, camilla, "plan", plan.id, "contact_user_id", str(mikkel.id), str(camilla.id))
    note(db, plan, camilla, "participant", participant(db, plan, "Egen læge").id, "kind", "other", "gp")
    note(db, plan, mikkel, "assessment", assessment(db, ANNETTES_ASSESSMENT).id, "assessed_on", "2026-11-01", "2026-11-20")
    note(db, plan, user(db, "Annette Nielsen"), "about_me", annette.id, "wishes", "Før", "Efter")
    note(db, plan, camilla, "effort", effort(db, HOME_GUIDE).id, "monthly_cost_dkk", "6400", "7000")


def test_the_citizen_and_a_relative_read_every_kind_of_change(client: PortalClient, demo_db: Session) -> None:
    _annettes_changes(demo_db)
    for who, me in (("Annette Nielsen", "Du"), ("Lene Nielsen", "Annette")):
        client.login_as(who)
        page = client.get(PATH)
        assert page.status_code == 200
        rows = changes_of(page.text)
        text = " | ".join(rows)
        assert f"Camilla Brandt flyttede mødet “{ANNETTES_MEETING}” fra 3. marts kl. 10 til 5. marts kl. 13." in text
        assert "Camilla Brandt skiftede kontaktperson fra Mikkel Dahl til Camilla Brandt." in text
        assert "Camilla Brandt ændrede typen for Egen læge fra Andet til Egen læge." in text
        assert (f"Mikkel Dahl ændrede datoen for vurderingen “{ANNETTES_ASSESSMENT}” fra 1. november 2026 "
                "til 20. november 2026.") in text
        assert f"{me} ændrede ønskerne i “Om mig” for Annette." in text
        assert (f"Camilla Brandt ændrede prisen pr. måned for {HOME_GUIDE}. Beløbet hører til kommunens eget "
                "regnskab og vises ikke her.") in text
        assert "6400" not in text and "7000" not in text


def test_another_households_items_stay_hidden_even_filed_on_this_plan(client: PortalClient, demo_db: Session) -> None:
    annettes, trines = plan_of(demo_db, "Annette"), plan_of(demo_db, "Trine")
    tobias = user(demo_db, "Tobias Riis")
    trines_meeting = demo_db.scalars(select(Meeting).where(Meeting.plan_id == trines.id)).first()
    assert trines_meeting is not None
    note(demo_db, trines, tobias, "meeting", trines_meeting.id, "location", "Hjemme", "Skolen")
    # A revision on Annette's plan pointing at Trine's items (a meeting, Martin's assessment and
    # "about me", a member of Trine's plan): Annette sees none of them.
    martin = person(demo_db, "Martin Hansen")
    note(demo_db, annettes, tobias, "meeting", trines_meeting.id, "location", "Hjemme", "Biblioteket")
    note(demo_db, annettes, tobias, "assessment", assessment(demo_db, MARTINS_ASSESSMENT).id, "title", "x", "Skjult")
    note(demo_db, annettes, tobias, "about_me", martin.id, "situation", "x", "y")
    note(demo_db, annettes, tobias, "member", martin.id, "added", None, "Martin Hansen")
    client.login_as("Annette Nielsen")
    page = text_of(client.get(PATH).text)
    assert "Tobias Riis" not in page and "Skolen" not in page and "Biblioteket" not in page and "Martin" not in page
    client.login_as("Trine Hansen")
    assert "Tobias Riis ændrede stedet for mødet" in text_of(client.get(PATH).text)


def test_a_part_kept_by_a_child_of_15_hides_its_changes_from_the_parent(client: PortalClient, demo_db: Session) -> None:
    plan = plan_of(demo_db, "Trine")
    eva = user(demo_db, "Eva Kjær")
    martin = person(demo_db, "Martin Hansen")
    note(demo_db, plan, eva, "assessment", assessment(demo_db, MARTINS_ASSESSMENT).id, "assessed_on", "2026-09-01", "2026-09-24")
    note(demo_db, plan, user(demo_db, "Martin Hansen"), "about_me", martin.id, "situation", "Før", "Efter")
    note(demo_db, plan, eva, "participant", participant(demo_db, plan, MARTINS_CLINIC).id, "role_description", "Før", "Efter")
    note(demo_db, plan, eva, "meeting", demo_db.scalars(select(Meeting.id).where(Meeting.plan_id == plan.id)).first() or 0,
         "cadence_weeks", "4", "2")
    martins = (f"vurderingen “{MARTINS_ASSESSMENT}”", "“Om mig” for Martin", f"for {MARTINS_CLINIC}")

    client.login_as("Trine Hansen")
    shared = text_of(client.get(PATH).text)
    assert all(words in shared for words in martins), shared
    assert "Eva Kjær ændrede, hvor tit mødet" in shared

    client.login_as("Martin Hansen")
    _share(client, "nej")
    own = text_of(client.get(PATH).text)
    assert all(words in own for words in martins)
    assert "Martin ændrede situationen" not in own and "Du ændrede situationen i “Om mig” for Martin." in own

    client.login_as("Trine Hansen")
    kept = text_of(client.get(PATH).text)
    for words in martins:
        assert words not in kept
    assert "Eva Kjær ændrede, hvor tit mødet" in kept, "the whole plan's meetings stay"


def test_the_page_costs_the_same_for_few_and_many_changes_of_every_kind(
    client: PortalClient, demo_db: Session, demo_connection: Connection
) -> None:
    plan = plan_of(demo_db, "Annette")
    start = dt.datetime.now(UTC) - dt.timedelta(days=1)
    client.login_as("Annette Nielsen")
    counts = []
    for rounds in (1, 60):
        for number in range(rounds):
            _annettes_changes(demo_db)
        demo_db.flush()
        client.get(PATH)
        with counted(demo_connection) as statements:
            page = client.get(PATH)
        assert page.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 4, counts
    assert len(changes_of(page.text)) == 100 and start < dt.datetime.now(UTC)

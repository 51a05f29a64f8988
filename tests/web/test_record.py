"""/alt-i-min-sag: the whole record, its JSON download and the citizen's "about me" text.

Each protection is tested from both sides: what the citizen side sees (hidden goals, their
children's parts, consents, powers of attorney) and what it must not (another adult's or a
child's part out of custody, another plan; consents and powers for a relative without them).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Person
from portal.consent.models import Consent, Delegation
from portal.plans.models import AboutMe, Plan, PlanMember, Revision, SharedAssessment

from tests.conftest import PortalClient

PATH = "/alt-i-min-sag"


def text_of(html: str) -> str:
    return BeautifulSoup(html, "html.parser").find("main").get_text(" ", strip=True)  # type: ignore[union-attr]


def plan_of(db: Session, full_name: str) -> Plan:
    return db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.full_name == full_name)).one()


def person(db: Session, full_name: str) -> Person:
    return db.scalars(select(Person).where(Person.full_name == full_name)).one()


def download(client: PortalClient) -> dict[str, Any]:
    response = client.get(PATH + ".json")
    assert response.status_code == 200, response.text[:300]
    return json.loads(response.text)  # type: ignore[no-any-return]


def strings_in(value: object) -> set[str]:
    """Every string anywhere in a JSON value."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(strings_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(strings_in(v) for v in value)) if value else set()
    return set()


def test_the_page_holds_every_part_of_the_plan(client: PortalClient, demo_db: Session) -> None:
    plan = plan_of(demo_db, "Annette Nielsen")
    hidden = [g for g in plan.goals if not g.show_on_front]
    assert hidden, "the demo plan keeps a goal off the front page"
    client.login_as("Annette Nielsen")
    response = client.get(PATH)
    assert response.status_code == 200
    page = text_of(response.text)
    assert "Alt i min sag" in page
    for goal in plan.goals:
        assert goal.citizen_wording in page
    assert "Står ikke på forsiden" in page
    for effort in plan.efforts:
        assert effort.title in page
    # The about-me text, the assessments, meetings with their rhythm, consents with history, powers, the log.
    about = demo_db.get(AboutMe, plan.citizen_id)
    assert about is not None and about.situation in page and about.wishes in page
    assert "Helbredsoplysninger fra egen læge" in page
    assert "Hver 2. uge" in page
    assert "Sundhedsplejen" in page or "sundhedsplejen" in page.lower()
    assert "Det blev trukket tilbage den" in page
    assert "Lene Nielsen" in page and "Se planen" in page
    assert "Camilla Brandt" in page
    assert "Hvem har set planen" in page


def test_the_download_is_one_json_file_with_the_hidden_goals(client: PortalClient, demo_db: Session) -> None:
    plan = plan_of(demo_db, "Annette Nielsen")
    client.login_as("Annette Nielsen")
    response = client.get(PATH + ".json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith('attachment; filename="alt-i-min-sag-')
    assert response.headers["cache-control"] == "no-store"
    data = json.loads(response.text)
    assert data["format"] == "en-plan-record" and data["format_version"] == 1
    assert data["person"]["full_name"] == "Annette Nielsen"
    hidden = {g.citizen_wording for g in plan.goals if not g.show_on_front}
    off_front = {g["citizen_wording"] for g in data["goals"] if not g["on_front_page"]}
    assert hidden and off_front == hidden
    assert {e["title"] for e in data["efforts"]} == {e.title for e in plan.efforts}
    # ISO dates and moments.
    effort = next(e for e in data["efforts"] if e["start_date"])
    dt.date.fromisoformat(effort["start_date"])
    assert dt.datetime.fromisoformat(data["generated_at"]).tzinfo is not None
    assert all(dt.datetime.fromisoformat(m["starts_at"]) for m in data["meetings"])
    assert {m["every_weeks"] for m in data["meetings"]} == {2, 4, 6}
    assert any(e["legal_basis"] and e["legal_basis"]["code"] == "SEL-85" for e in data["efforts"])
    states = {c["state"] for c in data["consents"]}
    assert {"in_force", "withdrawn"} <= states
    assert [d["relative"] for d in data["powers_of_attorney"]] == ["Lene Nielsen"]
    assert data["access_log"]["complete"] is True and data["access_log"]["entries"]
    assert data["about_me"][0]["situation"].startswith("Jeg har været på kontanthjælp")


def test_a_child_in_custody_is_in_the_record_and_one_out_of_custody_is_not(client: PortalClient, demo_db: Session) -> None:
    """Both sides of citizen_visible_member_ids: Martin's part is Trine's to see only while she has custody."""
    martin = person(demo_db, "Martin Hansen")
    plan = plan_of(demo_db, "Trine Hansen")
    martins_goals = [g.citizen_wording for g in plan.goals if g.member_person_id == martin.id]
    martins_efforts = [e.title for e in plan.efforts if e.member_person_id == martin.id]
    demo_db.add(AboutMe(person_id=martin.id, situation="Martins egne ord om skolen", wishes="Martins ønske"))
    demo_db.flush()
    assert martins_goals or martins_efforts
    client.login_as("Trine Hansen")

    shown = download(client)
    assert "Martin Hansen" in {m["full_name"] for m in shown["plan"]["members"]}
    assert "Børnefaglig undersøgelse" in {a["title"] for a in shown["assessments"]}
    assert "Martins egne ord om skolen" in strings_in(shown)
    assert set(martins_goals) <= {g["citizen_wording"] for g in shown["goals"]}

    member = demo_db.scalars(select(PlanMember).where(PlanMember.person_id == martin.id)).one()
    member.custody_holder_id = None
    demo_db.flush()
    hidden = download(client)
    everything = strings_in(hidden)
    assert "Martin Hansen" not in everything
    assert "Børnefaglig undersøgelse" not in everything and "Martins egne ord om skolen" not in everything
    for text in martins_goals + martins_efforts:
        assert text not in everything, text
    assert martin.id not in {g["person_id"] for g in hidden["goals"]} | {e["person_id"] for e in hidden["efforts"]}
    page = text_of(client.get(PATH).text)
    # (Participants are plan-wide, as on /min-plan: the school's role may name him.)
    assert "Martin Hansen" not in page and "Martins egne ord" not in page and "Børnefaglig undersøgelse" not in page


def test_nothing_of_another_plan_is_in_the_record(client: PortalClient, demo_db: Session) -> None:
    other = plan_of(demo_db, "Mads Poulsen")
    demo_db.add(SharedAssessment(
        person_id=other.citizen_id, department_id=other.efforts[0].department_id or 1, title="Mads' egen vurdering",
        summary="Kun Mads' sag", assessed_on=dt.date.today(),
    ))
    about = demo_db.get(AboutMe, other.citizen_id) or AboutMe(person_id=other.citizen_id, wishes="")
    about.situation = "Mads skriver om sig selv"
    demo_db.add(about)
    demo_db.flush()
    client.login_as("Annette Nielsen")
    everything = strings_in(download(client))
    for text in ["Mads Poulsen", "Mads' egen vurdering", "Mads skriver om sig selv"]:
        assert text not in everything
    for goal in other.goals:
        assert goal.citizen_wording not in everything
    for effort in other.efforts:
        assert effort.title not in everything


def test_a_relative_reads_the_record_without_consents_or_powers(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Lene Nielsen")  # read_plan and write_messages for Annette
    response = client.get(PATH)
    assert response.status_code == 200
    page = text_of(response.text)
    assert "Alt i sagen for Annette" in page
    assert "Jeg vil have et arbejde, hvor jeg kan sidde ned" in page  # the goal off the front page
    assert 'action="/alt-i-min-sag/om-mig"' not in response.text
    assert "Samtykker" not in page and "Fuldmagter" not in page
    data = download(client)
    assert data["consents"] is None and data["powers_of_attorney"] is None
    assert "Lene Nielsen" in {m["name"] for m in data["plan"]["participants"]}  # she is named as a participant only
    # The citizen sees both parts, and that Lene looked.
    client.login_as("Annette Nielsen")
    data = download(client)
    assert data["consents"] and data["powers_of_attorney"]
    assert {"record", "record_json"} <= {e["what"] for e in data["access_log"]["entries"] if e["source"] == "on_behalf"}


def test_a_relative_with_consents_scope_sees_the_consents_but_not_the_powers(client: PortalClient, demo_db: Session) -> None:
    power = demo_db.scalars(select(Delegation).where(Delegation.invited_name == "Lene Nielsen")).one()
    power.scopes = ["read_plan", "manage_consents"]
    demo_db.flush()
    client.login_as("Lene Nielsen")
    data = download(client)
    assert data["consents"] and data["powers_of_attorney"] is None


def test_the_citizen_tells_their_story_and_the_caseworker_reads_it(client: PortalClient, demo_db: Session) -> None:
    plan = plan_of(demo_db, "Annette Nielsen")
    before = demo_db.get(AboutMe, plan.citizen_id)
    assert before is not None
    old_situation = before.situation
    client.login_as("Annette Nielsen")
    response = client.post_form(
        PATH + "/om-mig", {"situation": "  Jeg har det bedre nu.  ", "wishes": before.wishes}, token_from=PATH,
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"].startswith(PATH)
    page = text_of(client.get(PATH + "?gemt=1").text)
    assert "Jeg har det bedre nu." in page and "Din tekst er gemt" in page
    demo_db.expire_all()
    revisions = demo_db.scalars(select(Revision).where(Revision.entity == "about_me")).all()
    assert [(r.field, r.old_value, r.new_value, r.entity_id) for r in revisions] == [
        ("situation", old_situation, "Jeg har det bedre nu.", plan.citizen_id)
    ]
    # Saving the same text again changes nothing and writes no revision.
    client.post_form(PATH + "/om-mig", {"situation": "Jeg har det bedre nu.", "wishes": before.wishes}, token_from=PATH)
    assert demo_db.scalar(select(func.count()).select_from(Revision).where(Revision.entity == "about_me")) == 1
    # The contact person sees it on the staff plan page, on the very next request.
    client.login_as("Camilla Brandt")
    staff_page = text_of(client.get(f"/sag/plan/{plan.id}").text)
    assert "Jeg har det bedre nu." in staff_page and old_situation not in staff_page


@pytest.mark.parametrize("field", ["situation", "wishes"])
def test_a_text_over_4000_characters_is_refused_and_nothing_is_written(
    client: PortalClient, demo_db: Session, field: str
) -> None:
    plan = plan_of(demo_db, "Annette Nielsen")
    about = demo_db.get(AboutMe, plan.citizen_id)
    assert about is not None
    kept = (about.situation, about.wishes)
    client.login_as("Annette Nielsen")
    values = {"situation": "kort", "wishes": "kort", field: "x" * 4001}
    response = client.post_form(PATH + "/om-mig", values, token_from=PATH)
    assert response.status_code == 422
    assert "Din tekst er for lang. Skriv højst 4.000 tegn." in response.text
    assert response.text.count('aria-invalid="true"') == 1
    demo_db.expire_all()
    about = demo_db.get(AboutMe, plan.citizen_id)
    assert about is not None and (about.situation, about.wishes) == kept
    assert demo_db.scalar(select(func.count()).select_from(Revision).where(Revision.entity == "about_me")) == 0
    # Exactly 4,000 is allowed.
    values[field] = "x" * 4000
    assert client.post_form(PATH + "/om-mig", values, token_from=PATH, follow_redirects=False).status_code == 303


def test_a_relative_may_not_write_the_citizens_story(client: PortalClient, demo_db: Session) -> None:
    power = demo_db.scalars(select(Delegation).where(Delegation.invited_name == "Lene Nielsen")).one()
    power.scopes = ["read_plan", "confirm_goals", "manage_consents", "write_messages"]
    demo_db.flush()
    client.login_as("Lene Nielsen")
    response = client.post_form(PATH + "/om-mig", {"situation": "Skrevet af Lene", "wishes": ""}, token_from="/alt-i-min-sag")
    assert response.status_code == 404
    assert demo_db.scalar(select(func.count()).select_from(AboutMe).where(AboutMe.situation == "Skrevet af Lene")) == 0


def test_a_citizen_without_a_plan_gets_the_no_plan_page(client: PortalClient, demo_db: Session) -> None:
    annette = person(demo_db, "Annette Nielsen")
    member = demo_db.scalars(select(PlanMember).where(PlanMember.person_id == annette.id)).one()
    plan = member.plan
    # Move the plan's membership away: Annette is then in no plan.
    for consent in demo_db.scalars(select(Consent).where(Consent.plan_id == plan.id)):
        demo_db.delete(consent)
    demo_db.flush()
    demo_db.delete(member)
    demo_db.flush()
    client.login_as("Annette Nielsen")
    assert client.get(PATH).status_code == 200
    assert client.get(PATH + ".json").status_code == 404
    response = client.post_form(PATH + "/om-mig", {"situation": "x", "wishes": ""}, token_from="/")
    assert response.status_code == 404


def test_the_record_is_linked_from_the_menu_and_the_log(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    for path in ("/min-plan", "/hvem-har-set"):
        assert 'href="/alt-i-min-sag"' in client.get(path).text, path

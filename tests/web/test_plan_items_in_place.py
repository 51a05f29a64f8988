"""Meetings, outside participants and shared assessments (issue 9): a stale save is the conflict view
field by field (keep theirs, use mine, a merge), and with htmx each item is changed in place.
Both engines. Annette's demo plan: Camilla Brandt (Socialcenter) is the contact person."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Department, Person, User
from portal.plans.forms_setup import DANISH_TIME
from portal.plans.models import Meeting, Participant, Plan, Revision, SharedAssessment

from tests.conftest import PortalClient
from tests.support.html_forms import read_form, with_values

NEXT_YEAR = (dt.date.today() + dt.timedelta(days=365)).isoformat()
HTMX = {"HX-Request": "true"}


def _plan(db: Session) -> Plan:
    return db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.full_name == "Annette Nielsen")).one()


def _camillas_meeting(db: Session, plan: Plan) -> Meeting:
    return db.scalars(select(Meeting).join(User, Meeting.with_user_id == User.id)
                      .where(Meeting.plan_id == plan.id, User.display_name == "Camilla Brandt")).one()


def _social_assessment(db: Session, plan: Plan) -> SharedAssessment:
    return db.scalars(select(SharedAssessment).join(Department, SharedAssessment.department_id == Department.id)
                      .where(SharedAssessment.person_id == plan.citizen_id, Department.kind == "social_adult")).one()


def _revisions(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(Revision)) or 0)


def _post(client: PortalClient, path: str, fields: list[tuple[str, str]], headers: dict[str, str] | None = None) -> Any:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return client.post(path, data=data, headers=headers or {}, follow_redirects=False)


def _race(client: PortalClient, path: str, theirs: dict[str, str], mine: dict[str, str], headers: dict[str, str] | None = None) -> Any:
    """Two copies of the form at the same version: theirs is saved first, then mine."""
    shown = read_form(client.get(path).text, path, 0)
    assert _post(client, path, with_values(shown, **theirs)).status_code == 303
    return _post(client, path, with_values(shown, **mine), headers)


def _differing(page: str) -> list[str]:
    return re.findall(r'<tr class="differs"><th scope="row">(.*?)</th>', page)


def test_a_stale_meeting_save_is_the_conflict_view_and_the_merge_keeps_what_was_chosen(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    meeting = _camillas_meeting(demo_db, plan)
    path = f"/sag/plan/{plan.id}/moeder/{meeting.id}"
    client.login_as("Camilla Brandt")
    response = _race(client, path, {"day": NEXT_YEAR, "time": "10:00", "location": "Biblioteket", "purpose": "Deres emne"},
                     {"day": NEXT_YEAR, "time": "11:30", "location": "Caféen", "purpose": "Mit emne"})
    assert response.status_code == 409
    page = response.text
    for text in ("Biblioteket", "Caféen", "Deres emne", "Mit emne", "Behold deres", "Brug min", "Camilla Brandt gemte"):
        assert text in page, text
    # Theirs and mine per field, only where they differ; the date is the same on both sides.
    assert _differing(page) == ["Tidspunkt", "Hvor", "Hvad I skal tale om"]
    assert "10:00" in page and "11:30" in page
    assert 'name="pick__location"' in page and 'name="pick__cadence_weeks"' not in page
    revisions = _revisions(demo_db)
    assert (meeting.location, meeting.purpose) == ("Biblioteket", "Deres emne")  # nothing of mine was written
    # "Keep theirs" goes back to the meeting on the plan page.
    assert f'href="/sag/plan/{plan.id}#meeting-{meeting.id}"' in page
    merge = with_values(read_form(page, path, 1), pick__starts_at="mine", pick__location="theirs", pick__purpose="mine")
    assert _post(client, path, merge).status_code == 303
    demo_db.expire_all()
    assert (meeting.location, meeting.purpose) == ("Biblioteket", "Mit emne")
    assert meeting.starts_at.astimezone(DANISH_TIME).strftime("%H:%M") == "11:30"
    assert _revisions(demo_db) == revisions + 2  # the time and the purpose


def test_use_mine_from_the_meeting_conflict_saves_all_of_mine(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    meeting = _camillas_meeting(demo_db, plan)
    path = f"/sag/plan/{plan.id}/moeder/{meeting.id}"
    client.login_as("Camilla Brandt")
    response = _race(client, path, {"day": NEXT_YEAR, "time": "10:00", "location": "Biblioteket"},
                     {"day": NEXT_YEAR, "time": "10:00", "location": "Caféen", "cadence": "4"})
    assert response.status_code == 409 and _differing(response.text) == ["Hvor", "Hvor mange uger mellem møderne"]
    assert _post(client, path, read_form(response.text, path, 0)).status_code == 303
    demo_db.expire_all()
    assert (meeting.location, meeting.cadence_weeks) == ("Caféen", 4)


def test_a_stale_assessment_save_is_the_conflict_view_and_the_merge_keeps_what_was_chosen(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    assessment = _social_assessment(demo_db, plan)
    path = f"/sag/plan/{plan.id}/vurderinger/{assessment.id}"
    today = dt.date.today()
    client.login_as("Camilla Brandt")
    response = _race(client, path, {"title": "Deres titel", "body": "Deres vurdering", "assessed_on": today.isoformat()},
                     {"title": "Min titel", "body": "Min vurdering", "assessed_on": (today - dt.timedelta(days=1)).isoformat()})
    assert response.status_code == 409
    page = response.text
    for text in ("Deres titel", "Min titel", "Deres vurdering", "Min vurdering", "Behold deres", "Brug min", "Gem det, jeg valgte"):
        assert text in page, text
    assert _differing(page) == ["Titel", "Vurderingen kort", "Dato for vurderingen"]
    assert "Hvem den handler om" not in _differing(page)  # the same person on both sides
    demo_db.expire_all()
    assert (assessment.title, assessment.summary) == ("Deres titel", "Deres vurdering")
    merge = with_values(read_form(page, path, 1), pick__title="theirs", pick__summary="mine", pick__assessed_on="mine")
    assert _post(client, path, merge).status_code == 303
    demo_db.expire_all()
    assert (assessment.title, assessment.summary, assessment.assessed_on) == ("Deres titel", "Min vurdering", today - dt.timedelta(days=1))


def test_a_stale_participant_save_is_the_conflict_view_too(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    participant = demo_db.scalars(select(Participant).where(Participant.plan_id == plan.id).order_by(Participant.id)).first()
    assert participant is not None
    path = f"/sag/plan/{plan.id}/deltagere/{participant.id}"
    client.login_as("Camilla Brandt")
    response = _race(client, path, {"name": "Deres navn"}, {"name": "Mit navn", "role_description": "Min rolle"})
    assert response.status_code == 409
    assert _differing(response.text) == ["Navn", "Hvad de gør i planen"]
    assert _post(client, path, read_form(response.text, path, 0)).status_code == 303
    demo_db.expire_all()
    assert (participant.name, participant.role_description) == ("Mit navn", "Min rolle")


def test_the_plan_page_changes_each_item_in_place_with_the_address_that_works_without_javascript(
    client: PortalClient, demo_db: Session,
) -> None:
    plan = _plan(demo_db)
    meeting = _camillas_meeting(demo_db, plan)
    assessment = _social_assessment(demo_db, plan)
    participant = demo_db.scalars(select(Participant).where(Participant.plan_id == plan.id).order_by(Participant.id)).first()
    assert participant is not None
    client.login_as("Camilla Brandt")
    page = client.get(f"/sag/plan/{plan.id}").text
    for entity, segment, item_id in (("meeting", "moeder", meeting.id), ("participant", "deltagere", participant.id),
                                     ("assessment", "vurderinger", assessment.id)):
        edit = f"/sag/plan/{plan.id}/{segment}/{item_id}"
        assert f'id="{entity}-{item_id}"' in page
        assert f'href="{edit}" hx-get="{edit}" hx-target="#{entity}-{item_id}" hx-swap="innerHTML"' in page
        # Without htmx the address is the whole form page; with htmx only the form's block, posting in place.
        plain = client.get(edit)
        assert plain.status_code == 200 and "<html" in plain.text and "hx-post" not in plain.text
        block = client.get(edit, headers=HTMX)
        assert block.status_code == 200 and "<html" not in block.text
        assert f'hx-post="{edit}" hx-target="#{entity}-{item_id}"' in block.text


def test_a_meeting_saved_in_place_answers_with_its_block_and_bad_input_with_the_form_block(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    meeting = _camillas_meeting(demo_db, plan)
    path = f"/sag/plan/{plan.id}/moeder/{meeting.id}"
    client.login_as("Camilla Brandt")
    shown = read_form(client.get(path, headers=HTMX).text, path, 0)
    revisions = _revisions(demo_db)
    bad = _post(client, path, with_values(shown, day=NEXT_YEAR, time="10:00", location=""), HTMX)
    assert bad.status_code == 422 and "<html" not in bad.text
    assert "Skriv, hvor I mødes" in bad.text and f'hx-target="#meeting-{meeting.id}"' in bad.text
    assert _revisions(demo_db) == revisions
    saved = _post(client, path, with_values(shown, day=NEXT_YEAR, time="10:00", location="Biblioteket"), HTMX)
    assert saved.status_code == 200 and "<html" not in saved.text
    assert "Biblioteket" in saved.text and "Gemt." in saved.text and 'hx-get="' + path + '"' in saved.text
    # The same form again, from the old version: the conflict view swaps into the meeting.
    stale = _post(client, path, with_values(shown, day=NEXT_YEAR, time="10:00", location="Caféen"), HTMX)
    assert stale.status_code == 409 and "<html" not in stale.text
    assert f'hx-target="#meeting-{meeting.id}"' in stale.text and "Behold deres" in stale.text
    mine = _post(client, path, read_form(stale.text, path, 0), HTMX)
    assert mine.status_code == 200 and "Caféen" in mine.text and "<html" not in mine.text


def test_an_assessment_and_a_participant_saved_in_place_answer_with_their_blocks(client: PortalClient, demo_db: Session) -> None:
    plan = _plan(demo_db)
    assessment = _social_assessment(demo_db, plan)
    participant = demo_db.scalars(select(Participant).where(Participant.plan_id == plan.id).order_by(Participant.id)).first()
    assert participant is not None
    client.login_as("Camilla Brandt")
    path = f"/sag/plan/{plan.id}/vurderinger/{assessment.id}"
    shown = read_form(client.get(path, headers=HTMX).text, path, 0)
    future = _post(client, path, with_values(shown, assessed_on=NEXT_YEAR), HTMX)
    assert future.status_code == 422 and "fremtiden" in future.text and "<html" not in future.text
    saved = _post(client, path, with_values(shown, body="Ny vurdering i stedet."), HTMX)
    assert saved.status_code == 200 and "Ny vurdering i stedet." in saved.text and "<html" not in saved.text
    path = f"/sag/plan/{plan.id}/deltagere/{participant.id}"
    shown = read_form(client.get(path, headers=HTMX).text, path, 0)
    saved = _post(client, path, with_values(shown, name="Egen læge i Hvidovre"), HTMX)
    assert saved.status_code == 200 and "Egen læge i Hvidovre" in saved.text and "<html" not in saved.text
    assert f'hx-target="#participant-{participant.id}"' in saved.text


def test_a_conflict_on_a_page_of_its_own_has_plain_forms(client: PortalClient, demo_db: Session) -> None:
    """Without htmx the conflict view's choices are plain forms and links: no in-place target to miss."""
    plan = _plan(demo_db)
    meeting = _camillas_meeting(demo_db, plan)
    path = f"/sag/plan/{plan.id}/moeder/{meeting.id}"
    client.login_as("Camilla Brandt")
    response = _race(client, path, {"day": NEXT_YEAR, "location": "A"}, {"day": NEXT_YEAR, "location": "B"})
    assert response.status_code == 409 and "<html" in response.text
    assert "hx-target" not in response.text.split('class="edit-block conflict"')[1]

"""Messages: the citizen side writes, the contact person answers, and both see who read what.

Every protection from both sides: who sees a thread and who is refused (404/403), receipts
only once the thread is opened, bad input refused in Danish with nothing written.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Municipality, Person, User
from portal.consent.models import Consent, Delegation
from portal.messages.models import Message, MessageReceipt, MessageThread, MessageThreadStaff
from portal.plans.models import Plan

from tests.conftest import PortalClient

LENE_WROTE = "Kan mødet være hjemme hos Annette?"   # Lene's demo message, not yet read by Camilla


def _user(db: Session, name: str) -> User:
    return db.scalars(select(User).where(User.display_name == name)).one()


def _plan_id(db: Session, full_name: str) -> int:
    return db.scalars(select(Plan.id).join(Person, Plan.citizen_id == Person.id).where(Person.full_name == full_name)).one()


def _messages(db: Session) -> list[tuple[int, int, int | None, str]]:
    """Every message (id, author, on behalf of, body): a refusal must leave this as it was."""
    db.expire_all()
    return [tuple(row) for row in db.execute(  # type: ignore[misc]
        select(Message.id, Message.author_user_id, Message.on_behalf_of_person_id, Message.body).order_by(Message.id)
    )]


def _lene_message(db: Session) -> Message:
    db.expire_all()
    return db.scalars(select(Message).where(Message.body.contains(LENE_WROTE))).one()


def _receipt(db: Session, message_id: int, user: User) -> MessageReceipt | None:
    db.expire_all()
    return db.get(MessageReceipt, (message_id, user.id))


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def _post(client: PortalClient, path: str, data: dict[str, str], page: str | None = None) -> Any:
    page = page or client.get("/indstillinger").text
    return client.post(path, data={"csrf_token": _token(page), **data}, follow_redirects=False)


def _nav_count(page: str) -> int:
    """The unread number beside "Beskeder" in the menu (0 when none is shown)."""
    nav = page[page.index('class="site-nav"'):page.index("</nav>")]
    match = re.search(r'Beskeder <span class="badge">(\d+)<span class="sr-only"> ulæst', nav)
    return int(match.group(1)) if match else 0


def _relative_with_scopes(db: Session, name: str, scopes: list[str]) -> None:
    """A relative acting for Annette under a power in force with these scopes."""
    annette = db.scalars(select(Person).where(Person.full_name == "Annette Nielsen")).one()
    person = Person(full_name=name, first_name=name.split()[0], kind="relative", municipality_id=annette.municipality_id)
    db.add(person)
    db.flush()
    db.add(User(role="relative", person_id=person.id, display_name=name, webauthn_user_handle=secrets.token_hex(16), is_active=True))
    now = dt.datetime.now(dt.timezone.utc)
    db.add(Delegation(
        citizen_person_id=annette.id, relative_person_id=person.id, invited_name=name, scopes=scopes,
        expires_on=dt.date.today() + dt.timedelta(days=90), created_at=now - dt.timedelta(days=2),
        accepted_at=now - dt.timedelta(days=1),
    ))
    db.commit()


# --- the citizen side ---------------------------------------------------------------------------


def test_the_citizen_sees_the_thread_and_a_relatives_message_on_her_behalf(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    page = client.get("/beskeder").text
    assert "Her skriver du til Camilla Brandt og Mikkel Dahl." in page
    assert "Lene Nielsen på vegne af Annette" in page
    assert LENE_WROTE in page
    assert "Du får svar senest" in page
    assert 'src="/static/js/htmx.min.js' in page and 'hx-get="/beskeder?siden=' in page


def test_htmx_is_loaded_on_the_message_pages_and_not_on_every_page(client: PortalClient) -> None:
    """The plan page loads it too, for its live updates; pages that need none stay light."""
    client.login_as("Annette Nielsen")
    assert "htmx.min.js" not in client.get("/samtykker").text
    assert "htmx.min.js" in client.get("/beskeder").text


def test_the_citizen_writes_and_the_contact_person_sees_it_unread(client: PortalClient, demo_db: Session) -> None:
    camilla = _user(demo_db, "Camilla Brandt")
    client.login_as("Camilla Brandt")
    before = _nav_count(client.get("/sag/").text)
    client.login_as("Annette Nielsen")
    response = _post(client, "/beskeder", {"body": "  Hej Camilla.\nKan vi tale sammen i morgen?  "})
    assert response.status_code == 303 and response.headers["location"].startswith("/beskeder?sendt=1")
    annette = _user(demo_db, "Annette Nielsen")
    message = demo_db.scalars(select(Message).order_by(Message.id.desc())).first()
    assert message is not None
    assert (message.author_user_id, message.on_behalf_of_person_id, message.body) == (
        annette.id, None, "Hej Camilla.\nKan vi tale sammen i morgen?")
    page = client.get(response.headers["location"]).text
    assert "Din besked er sendt. Du får svar senest" in page
    assert "<p>Kan vi tale sammen i morgen?</p>" in page
    assert _receipt(demo_db, message.id, camilla) is None
    client.login_as("Camilla Brandt")
    caseload = client.get("/sag/").text
    assert _nav_count(caseload) == before + 1
    row = re.search(r'Annette Nielsen</a>.*?</tr>', caseload, re.S)
    assert row and 'class="unread">2<' in row.group(0), "Lene's message and this one"
    listing = client.get("/sag/beskeder").text
    assert "Annette Nielsen" in listing


def test_a_relative_writes_on_behalf_of_the_citizen(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Lene Nielsen")
    page = client.get("/beskeder").text
    assert "Du skriver på vegne af Annette." in page
    response = _post(client, "/beskeder", {"body": "Hej, det er Lene igen."}, page)
    assert response.status_code == 303
    annette = demo_db.scalars(select(Person).where(Person.full_name == "Annette Nielsen")).one()
    _id, author, on_behalf, body = _messages(demo_db)[-1]
    assert (author, on_behalf, body) == (_user(demo_db, "Lene Nielsen").id, annette.id, "Hej, det er Lene igen.")
    client.login_as("Camilla Brandt")
    thread = client.get(f"/sag/beskeder/{_plan_id(demo_db, 'Annette Nielsen')}").text
    assert thread.count("Lene Nielsen på vegne af Annette") == 2


def test_a_relative_without_the_scope_is_refused_and_writes_nothing(client: PortalClient, demo_db: Session) -> None:
    _relative_with_scopes(demo_db, "Rita Læser", ["read_plan"])
    _relative_with_scopes(demo_db, "Sven Skriver", ["write_messages"])
    client.login_as("Rita Læser")
    client.post_form("/vaelg-borger", {}, token_from="/vaelg-borger")  # acts for the only citizen she may
    home = client.get("/min-plan")
    assert home.status_code == 200 and 'href="/beskeder"' not in home.text
    before = _messages(demo_db)
    assert client.get("/beskeder").status_code == 403
    assert _post(client, "/beskeder", {"body": "Må jeg skrive?"}, home.text).status_code == 403
    assert _messages(demo_db) == before
    # The other side of the same rule: the scope alone lets a relative write.
    client.login_as("Sven Skriver")
    page = client.get("/beskeder")
    assert page.status_code == 200 and 'href="/beskeder"' in page.text
    assert _post(client, "/beskeder", {"body": "Jeg må godt skrive."}, page.text).status_code == 303
    assert len(_messages(demo_db)) == len(before) + 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Skriv en besked, før du sender den."),
        ("   \n  ", "Skriv en besked, før du sender den."),
        ("x" * 5001, "Din besked er for lang. Skriv højst 5.000 tegn."),
    ],
    ids=["empty", "only-spaces", "5001-characters"],
)
def test_bad_messages_are_refused_in_danish_and_nothing_is_written(
    client: PortalClient, demo_db: Session, body: str, error: str
) -> None:
    before = _messages(demo_db)
    client.login_as("Annette Nielsen")
    response = _post(client, "/beskeder", {"body": body})
    assert response.status_code == 422
    assert error in response.text and "<title>Fejl: " in response.text
    assert _messages(demo_db) == before
    client.login_as("Camilla Brandt")
    staff = _post(client, f"/sag/beskeder/{_plan_id(demo_db, 'Annette Nielsen')}", {"body": body})
    assert staff.status_code == 422 and error in staff.text
    assert _messages(demo_db) == before


def test_a_message_of_exactly_5000_characters_is_sent(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Annette Nielsen")
    assert _post(client, "/beskeder", {"body": "x" * 5000}).status_code == 303
    assert _messages(demo_db)[-1][3] == "x" * 5000


def test_a_post_without_the_csrf_token_is_refused(client: PortalClient, demo_db: Session) -> None:
    before = _messages(demo_db)
    client.login_as("Annette Nielsen")
    assert client.post("/beskeder", data={"body": "Hej"}, follow_redirects=False).status_code == 403
    client.login_as("Camilla Brandt")
    plan_id = _plan_id(demo_db, "Annette Nielsen")
    assert client.post(f"/sag/beskeder/{plan_id}", data={"body": "Hej"}, follow_redirects=False).status_code == 403
    assert _messages(demo_db) == before


# --- receipts ---------------------------------------------------------------------------------------


def test_a_receipt_only_once_the_contact_person_opens_the_thread(client: PortalClient, demo_db: Session) -> None:
    camilla = _user(demo_db, "Camilla Brandt")
    message = _lene_message(demo_db)
    plan_id = _plan_id(demo_db, "Annette Nielsen")
    client.login_as("Camilla Brandt")
    client.get("/sag/")
    client.get("/sag/beskeder")
    client.get(f"/sag/plan/{plan_id}")
    assert _receipt(demo_db, message.id, camilla) is None, "only opening the thread reads it"
    client.login_as("Annette Nielsen")
    assert "Læst af Camilla Brandt i dag" not in client.get("/beskeder").text
    client.login_as("Camilla Brandt")
    assert _nav_count(client.get("/sag/").text) >= 1
    thread = client.get(f"/sag/beskeder/{plan_id}")
    assert thread.status_code == 200
    receipt = _receipt(demo_db, message.id, camilla)
    assert receipt is not None
    assert _nav_count(client.get("/sag/").text) == _nav_count(client.get("/sag/").text)
    # A second visit leaves the first receipt alone.
    first_read = receipt.read_at
    client.get(f"/sag/beskeder/{plan_id}")
    assert _receipt(demo_db, message.id, camilla).read_at == first_read  # type: ignore[union-attr]
    client.login_as("Annette Nielsen")
    assert re.search(r"Læst af Camilla Brandt i dag kl\. \d\d\.\d\d", client.get("/beskeder").text)


def test_the_citizen_reading_an_answer_leaves_a_receipt_for_the_caseworker(client: PortalClient, demo_db: Session) -> None:
    plan_id = _plan_id(demo_db, "Annette Nielsen")
    client.login_as("Camilla Brandt")
    assert _post(client, f"/sag/beskeder/{plan_id}", {"body": "Ja, det kan godt lade sig gøre."}).status_code == 303
    answer_id = _messages(demo_db)[-1][0]
    annette = _user(demo_db, "Annette Nielsen")
    page = client.get(f"/sag/beskeder/{plan_id}").text
    assert "Ikke læst endnu" in page
    assert _receipt(demo_db, answer_id, annette) is None
    client.login_as("Annette Nielsen")
    assert _nav_count(client.get("/min-plan").text) == 1
    assert "Ja, det kan godt lade sig gøre." in client.get("/beskeder").text
    assert _receipt(demo_db, answer_id, annette) is not None
    assert _nav_count(client.get("/min-plan").text) == 0
    client.login_as("Camilla Brandt")
    assert re.search(r"Læst af Annette Nielsen i dag kl\. \d\d\.\d\d", client.get(f"/sag/beskeder/{plan_id}").text)


def test_a_poll_of_an_unchanged_thread_answers_204_and_a_changed_one_the_thread(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Annette Nielsen")
    page = client.get("/beskeder").text
    poll = re.search(r'hx-get="(/beskeder\?siden=[^"]+)"', page)
    assert poll
    htmx = {"HX-Request": "true"}
    assert client.get(poll.group(1), headers=htmx).status_code == 204
    client.login_as("Camilla Brandt")
    _post(client, f"/sag/beskeder/{_plan_id(demo_db, 'Annette Nielsen')}", {"body": "Nyt svar til dig."})
    client.login_as("Annette Nielsen")
    fresh = client.get(poll.group(1), headers=htmx)
    assert fresh.status_code == 200
    assert fresh.text.lstrip().startswith('<section id="thread"') and "Nyt svar til dig." in fresh.text
    assert "<html" not in fresh.text


# --- the staff side ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "status"),
    [("Camilla Brandt", 200), ("Mikkel Dahl", 200), ("Sara Holm", 404), ("Bent Due", 404)],
    ids=["contact", "deputy", "effort-only", "uninvolved"],
)
def test_who_sees_the_staff_thread(client: PortalClient, demo_db: Session, person: str, status: int) -> None:
    plan_id = _plan_id(demo_db, "Annette Nielsen")
    before = _messages(demo_db)
    client.login_as(person)
    assert client.get(f"/sag/beskeder/{plan_id}").status_code == status
    listing = client.get("/sag/beskeder").text
    assert (f'href="/sag/beskeder/{plan_id}"' in listing) is (status == 200)
    response = _post(client, f"/sag/beskeder/{plan_id}", {"body": "Hej fra mig."})
    assert response.status_code == (303 if status == 200 else 404)
    assert len(_messages(demo_db)) == len(before) + (1 if status == 200 else 0)


def test_a_thread_of_another_plan_is_a_404_and_nothing_is_written(client: PortalClient, demo_db: Session) -> None:
    mads_plan = _plan_id(demo_db, "Mads Poulsen")
    before = _messages(demo_db)
    client.login_as("Camilla Brandt")
    assert client.get(f"/sag/beskeder/{mads_plan}").status_code == 404
    assert _post(client, f"/sag/beskeder/{mads_plan}", {"body": "Hej"}).status_code == 404
    assert client.get("/sag/beskeder/999999").status_code == 404
    assert client.get("/sag/beskeder/abc").status_code == 404
    assert _messages(demo_db) == before


def test_the_contact_person_brings_in_a_colleague_on_the_plan(client: PortalClient, demo_db: Session) -> None:
    plan_id = _plan_id(demo_db, "Annette Nielsen")
    sara = _user(demo_db, "Sara Holm")
    client.login_as("Sara Holm")
    assert client.get(f"/sag/beskeder/{plan_id}").status_code == 404
    client.login_as("Camilla Brandt")
    page = client.get(f"/sag/beskeder/{plan_id}").text
    assert f'<option value="{sara.id}">Sara Holm' in page
    assert f'<option value="{_user(demo_db, "Mikkel Dahl").id}"' not in page, "the deputy is in already"
    response = _post(client, f"/sag/beskeder/{plan_id}/deltagere", {"user_id": str(sara.id)}, page)
    assert response.status_code == 303
    assert "Din kollega er nu med i tråden." in client.get(response.headers["location"]).text
    client.login_as("Sara Holm")
    thread = client.get(f"/sag/beskeder/{plan_id}")
    assert thread.status_code == 200 and LENE_WROTE in thread.text
    assert "Tag en kollega med" not in thread.text, "only the contact person brings people in"
    assert "Taget med i tråden" in client.get("/sag/beskeder").text


@pytest.mark.parametrize("who", ["Bent Due", "Camilla Brandt", "Mikkel Dahl", "nobody", "not-a-number"])
def test_only_a_caseworker_on_the_plan_can_be_brought_in(client: PortalClient, demo_db: Session, who: str) -> None:
    plan_id = _plan_id(demo_db, "Annette Nielsen")
    value = {"nobody": "999999", "not-a-number": "x1"}.get(who) or str(_user(demo_db, who).id)
    client.login_as("Camilla Brandt")
    response = _post(client, f"/sag/beskeder/{plan_id}/deltagere", {"user_id": value})
    assert response.status_code == 422 and "Vælg en kollega på listen." in response.text
    demo_db.expire_all()
    assert demo_db.scalar(select(func.count()).select_from(MessageThreadStaff)) == 0


def test_the_deputy_cannot_bring_anyone_in(client: PortalClient, demo_db: Session) -> None:
    plan_id = _plan_id(demo_db, "Annette Nielsen")
    client.login_as("Mikkel Dahl")
    page = client.get(f"/sag/beskeder/{plan_id}").text
    assert "Tag en kollega med" not in page
    response = _post(client, f"/sag/beskeder/{plan_id}/deltagere", {"user_id": str(_user(demo_db, "Sara Holm").id)}, page)
    assert response.status_code == 404
    assert demo_db.scalar(select(func.count()).select_from(MessageThreadStaff)) == 0


def test_someone_brought_in_without_the_citizens_consent_sees_no_thread_and_no_count(
    client: PortalClient, demo_db: Session
) -> None:
    """Nanna (Vallensbæk) is responsible for an effort on Mads's Varde plan, without his consent:
    brought in anyway (straight in the database), she still gets a 404 and no unread count;
    once Mads consents to her municipality, she sees both."""
    from portal.messages.services import Messages

    mads_plan = _plan_id(demo_db, "Mads Poulsen")
    nanna = _user(demo_db, "Nanna Bech")
    mads_user = _user(demo_db, "Mads Poulsen")
    thread = demo_db.scalars(select(MessageThread).where(MessageThread.plan_id == mads_plan)).one_or_none()
    if thread is None:
        thread = MessageThread(plan_id=mads_plan, answer_within_days=3)
        demo_db.add(thread)
        demo_db.flush()
    demo_db.add(Message(thread_id=thread.id, author_user_id=mads_user.id, body="Hej fra Mads."))
    demo_db.add(MessageThreadStaff(thread_id=thread.id, user_id=nanna.id, added_by_user_id=nanna.id))
    demo_db.commit()
    now = dt.datetime.now(dt.timezone.utc)
    client.login_as("Nanna Bech")
    assert client.get(f"/sag/beskeder/{mads_plan}").status_code == 404
    assert f'/sag/beskeder/{mads_plan}"' not in client.get("/sag/beskeder").text
    assert Messages(demo_db).unread_counts(nanna, None, now) == {}
    vallensbaek = demo_db.get(Municipality, nanna.department.municipality_id if nanna.department else nanna.municipality_id)
    assert vallensbaek is not None
    demo_db.add(Consent(
        plan_id=mads_plan, giver_person_id=mads_user.person_id, recipient_municipality_id=vallensbaek.id, purpose="Hjælp på tværs.",
        valid_from=dt.date.today() - dt.timedelta(days=1), valid_until=dt.date.today() + dt.timedelta(days=30),
        given_at=now, given_by_user_id=mads_user.id,
    ))
    demo_db.commit()
    assert client.get(f"/sag/beskeder/{mads_plan}").status_code == 200
    demo_db.expire_all()
    assert Messages(demo_db).unread_counts(nanna, None, now) == {}, "she has read it now"


def test_reading_the_thread_is_not_a_plan_read_in_the_citizens_access_log(client: PortalClient, demo_db: Session) -> None:
    """The messages were written to the caseworkers: "saw your plan" would not be true."""
    from portal.audit.models import AccessLogEntry

    plan_id = _plan_id(demo_db, "Annette Nielsen")

    def reads() -> int:
        demo_db.expire_all()
        return int(demo_db.scalar(select(func.count()).select_from(AccessLogEntry).where(AccessLogEntry.plan_id == plan_id)) or 0)

    client.login_as("Camilla Brandt")
    before = reads()
    client.get(f"/sag/beskeder/{plan_id}")
    assert reads() == before
    client.get(f"/sag/plan/{plan_id}")
    assert reads() == before + 1, "the plan page still is"


# --- language -------------------------------------------------------------------------------------------


def test_the_pages_speak_english_too(client: PortalClient, demo_db: Session) -> None:
    english = {"Accept-Language": "en"}
    client.login_as("Annette Nielsen")
    page = client.get("/beskeder", headers=english).text
    assert "Lene Nielsen on behalf of Annette" in page and "You will get an answer by" in page
    assert "Du får svar" not in page
    client.login_as("Camilla Brandt")
    page = client.get(f"/sag/beskeder/{_plan_id(demo_db, 'Annette Nielsen')}", headers=english).text
    assert "Answer by" in page and "Bring in a colleague" in page

"""/hvem-har-set: the citizen sees every staff read of their plan and every act of a relative
for them, with why it was allowed; nobody else's; filters by month and department; and
reading it costs a few statements and adds no staff read."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from portal.accounts.models import Person, User
from portal.audit.models import AccessLogEntry, SecurityEvent
from portal.consent.models import Consent
from portal.plans.models import Plan

from tests.conftest import PortalClient
from tests.web.test_statement_counts import counted

PATH = "/hvem-har-set"
UTC = dt.timezone.utc


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def text_of(response: object) -> str:
    return soup(response.text).find("main").get_text(" ", strip=True)  # type: ignore[attr-defined]


def rows_of(response: object) -> list[str]:
    return [row.get_text(" ", strip=True) for row in soup(response.text).select("main tbody tr")]  # type: ignore[attr-defined]


def user(db: Session, name: str) -> User:
    return db.scalars(select(User).where(User.display_name == name)).one()


def plan_of(db: Session, full_name: str) -> Plan:
    return db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.full_name == full_name)).one()


def person(db: Session, full_name: str) -> Person:
    return db.scalars(select(Person).where(Person.full_name == full_name)).one()


def read(db: Session, plan: Plan, by: User, at: dt.datetime, reason: str | None = "contact_person", consent_id: int | None = None) -> None:
    db.add(AccessLogEntry(
        plan_id=plan.id, user_id=by.id, department_id=by.department_id, kind="view_plan", reason=reason,
        consent_id=consent_id, occurred_at=at,
    ))


def count(db: Session, model: type) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_camilla_reading_annettes_plan_shows_on_annettes_page(client: PortalClient, demo_db: Session) -> None:
    plan = plan_of(demo_db, "Annette Nielsen")
    client.login_as("Camilla Brandt")
    assert client.get(f"/sag/plan/{plan.id}").status_code == 200
    client.login_as("Annette Nielsen")
    response = client.get(PATH)
    assert response.status_code == 200
    newest = rows_of(response)[0]
    assert "Camilla Brandt" in newest
    assert "Socialcenter Ishøj, Ishøj Kommune" in newest
    assert "Kontaktperson" in newest
    assert "Så din plan" in newest


def test_the_page_has_one_heading_a_captioned_table_and_labelled_filters(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    page = soup(client.get(PATH).text)
    assert [h.get_text(strip=True) for h in page.find_all("h1")] == ["Hvem har set din plan"]
    table = page.select_one("main table")
    assert table is not None and table.caption is not None
    assert all(th.get("scope") in ("col", "row") for th in table.find_all("th"))
    assert all(td.get("data-title") for td in table.select("tbody td"))
    form = page.select_one("main form[method=get]")
    assert form is not None and form.get("action") == PATH
    for field in form.select("input:not([type=hidden]), select"):
        assert form.select_one(f'label[for="{field["id"]}"]'), field


def test_old_reads_without_a_reason_say_so(client: PortalClient) -> None:
    # The demo's reads were recorded before reasons were kept.
    client.login_as("Annette Nielsen")
    rows = rows_of(client.get(PATH))
    mikkel = [row for row in rows if "Mikkel Dahl" in row]
    assert mikkel and all("Grunden blev ikke gemt." in row for row in mikkel)


def test_a_read_under_consent_names_the_consent_and_its_purpose(client: PortalClient, demo_db: Session) -> None:
    plan = plan_of(demo_db, "Annette Nielsen")
    mikkel = user(demo_db, "Mikkel Dahl")
    consent = demo_db.scalars(
        select(Consent).where(Consent.plan_id == plan.id, Consent.recipient_department_id == mikkel.department_id)
    ).one()
    read(demo_db, plan, mikkel, dt.datetime.now(UTC), reason="effort_responsible", consent_id=consent.id)
    whole_municipality = Consent(
        plan_id=plan.id, giver_person_id=plan.citizen_id, recipient_municipality_id=person(demo_db, "Mads Poulsen").municipality_id,
        purpose="At Varde kan hjælpe med flytningen.", valid_from=dt.date.today(), valid_until=dt.date.today() + dt.timedelta(days=30),
    )
    demo_db.add(whole_municipality)
    demo_db.flush()
    read(demo_db, plan, user(demo_db, "Bent Due"), dt.datetime.now(UTC) - dt.timedelta(minutes=1), reason="effort_responsible",
         consent_id=whole_municipality.id)
    demo_db.flush()
    client.login_as("Annette Nielsen")
    rows = rows_of(client.get(PATH))
    assert "Ansvarlig for en indsats" in rows[0]
    assert f"Du gav samtykke til Jobcenter Ishøj-Vallensbæk: {consent.purpose}" in rows[0]
    assert "Du gav samtykke til Varde Kommune: At Varde kan hjælpe med flytningen." in rows[1]


def test_a_relatives_acts_show_with_their_name_and_what_they_did(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Lene Nielsen")
    assert client.get("/min-plan").status_code == 200
    assert client.get(PATH).status_code == 200
    client.login_as("Annette Nielsen")
    rows = rows_of(client.get(PATH))
    assert "Lene Nielsen" in rows[0] and "Så, hvem der har set din plan" in rows[0] and "Har fuldmagt fra dig" in rows[0]
    assert "Lene Nielsen" in rows[1] and "Så din plan" in rows[1] and "Pårørende" in rows[1]


def test_an_act_without_a_label_of_its_own_is_told_in_plain_words(client: PortalClient, demo_db: Session) -> None:
    demo_db.add(SecurityEvent(
        user_id=user(demo_db, "Lene Nielsen").id, subject_person_id=person(demo_db, "Annette Nielsen").id,
        kind="acted_on_behalf", detail={"action": "some_future_route", "path": "/noget"}, occurred_at=dt.datetime.now(UTC),
    ))
    demo_db.flush()
    client.login_as("Annette Nielsen")
    newest = rows_of(client.get(PATH))[0]
    assert "Brugte portalen for dig" in newest and "some_future_route" not in newest


def test_another_citizens_log_never_shows(client: PortalClient, demo_db: Session) -> None:
    """HIDDEN: reads of Mads's plan and acts for Mads are not on Annette's page, nor their departments."""
    mads_plan = plan_of(demo_db, "Mads Poulsen")
    bent = user(demo_db, "Bent Due")
    read(demo_db, mads_plan, bent, dt.datetime.now(UTC))
    demo_db.add(SecurityEvent(
        user_id=user(demo_db, "Lene Nielsen").id, subject_person_id=person(demo_db, "Mads Poulsen").id,
        kind="acted_on_behalf", detail={"action": "view_plan"}, occurred_at=dt.datetime.now(UTC),
    ))
    demo_db.flush()
    client.login_as("Annette Nielsen")
    page = client.get(PATH).text
    assert "Bent Due" not in page
    assert "Ydelse Varde" not in page
    assert "Lene Nielsen" not in page  # her only act was for Mads
    client.login_as("Mads Poulsen")
    assert "Bent Due" in text_of(client.get(PATH))


def test_reading_your_own_log_is_no_staff_read(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Annette Nielsen")
    reads, events = count(demo_db, AccessLogEntry), count(demo_db, SecurityEvent)
    for _ in range(2):
        assert client.get(PATH).status_code == 200
    assert (count(demo_db, AccessLogEntry), count(demo_db, SecurityEvent)) == (reads, events)


def test_a_relative_reading_the_log_is_an_act_on_behalf_and_no_staff_read(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Lene Nielsen")
    reads = count(demo_db, AccessLogEntry)
    assert client.get(PATH).status_code == 200
    assert count(demo_db, AccessLogEntry) == reads
    event = demo_db.scalars(select(SecurityEvent).order_by(SecurityEvent.id.desc())).first()
    assert event is not None and event.kind == "acted_on_behalf"
    assert event.subject_person_id == person(demo_db, "Annette Nielsen").id
    assert event.detail["action"] == "who_looked" and event.detail["path"] == PATH


# --- filters ------------------------------------------------------------------------------------


def test_a_month_without_rows_says_so(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    response = client.get(f"{PATH}?maaned=2001-01")
    assert response.status_code == 200
    assert rows_of(response) == []
    assert "Der skete ikke noget i den måned eller afdeling, du valgte." in text_of(response)


def test_months_are_danish_months(client: PortalClient, demo_db: Session) -> None:
    plan = plan_of(demo_db, "Annette Nielsen")
    camilla = user(demo_db, "Camilla Brandt")
    # 31 October 23:30 UTC is 1 November 00:30 in Denmark; 30 November 23:30 UTC is 1 December.
    read(demo_db, plan, camilla, dt.datetime(2025, 10, 31, 23, 30, tzinfo=UTC))
    read(demo_db, plan, camilla, dt.datetime(2025, 10, 31, 22, 30, tzinfo=UTC))
    read(demo_db, plan, camilla, dt.datetime(2025, 11, 30, 23, 30, tzinfo=UTC))
    demo_db.flush()
    client.login_as("Annette Nielsen")
    rows = rows_of(client.get(f"{PATH}?maaned=2025-11"))
    assert len(rows) == 1 and "1. november 2025 kl. 00:30" in rows[0]
    assert len(rows_of(client.get(f"{PATH}?maaned=2025-10"))) == 1
    assert len(rows_of(client.get(f"{PATH}?maaned=2025-12"))) == 1


def test_the_department_filter_keeps_only_that_department(client: PortalClient, demo_db: Session) -> None:
    camilla, mikkel = user(demo_db, "Camilla Brandt"), user(demo_db, "Mikkel Dahl")
    client.login_as("Lene Nielsen")
    client.get("/min-plan")  # an act on behalf: relatives belong to no department
    client.login_as("Annette Nielsen")
    page = soup(client.get(PATH).text)
    offered = {option["value"]: option.get_text(strip=True) for option in page.select("select[name=afdeling] option")}
    assert offered == {
        "": "Alle afdelinger",
        str(camilla.department_id): "Socialcenter Ishøj, Ishøj",
        str(mikkel.department_id): "Jobcenter Ishøj-Vallensbæk, Ishøj",
    }
    response = client.get(f"{PATH}?afdeling={camilla.department_id}&maaned=")
    rows = rows_of(response)
    assert rows and all("Camilla Brandt" in row for row in rows)
    assert "Mikkel Dahl" not in response.text.split("<tbody>")[1]
    assert "Lene Nielsen" not in response.text.split("<tbody>")[1]
    selected = soup(response.text).select_one("select[name=afdeling] option[selected]")
    assert selected is not None and selected["value"] == str(camilla.department_id)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        pytest.param("maaned=2026-13", "Skriv år og måned, for eksempel 2026-11.", id="month-13"),
        pytest.param("maaned=november", "Skriv år og måned, for eksempel 2026-11.", id="month-words"),
        pytest.param("maaned=2026-1", "Skriv år og måned, for eksempel 2026-11.", id="month-one-digit"),
        pytest.param("maaned=0000-01", "Skriv år og måned, for eksempel 2026-11.", id="year-zero"),
        pytest.param("maaned=２０２６-１１", "Skriv år og måned, for eksempel 2026-11.", id="wide-digits"),
        pytest.param("afdeling=abc", "Vælg en afdeling på listen.", id="department-not-a-number"),
        pytest.param("afdeling=999999", "Vælg en afdeling på listen.", id="department-not-in-the-log"),
        pytest.param("afdeling=99999999999999999999", "Vælg en afdeling på listen.", id="department-too-large"),
        pytest.param("side=0", "Siden findes ikke. Gå til den første side.", id="page-zero"),
        pytest.param("side=-1", "Siden findes ikke. Gå til den første side.", id="page-negative"),
        pytest.param("side=99999999", "Siden findes ikke. Gå til den første side.", id="page-too-far"),
    ],
)
def test_an_invalid_filter_is_a_400_that_says_what_is_wrong(client: PortalClient, query: str, message: str) -> None:
    client.login_as("Annette Nielsen")
    response = client.get(f"{PATH}?{query}")
    assert response.status_code == 400
    page = soup(response.text)
    assert page.title is not None and page.title.get_text().startswith("Fejl: ")
    summary = page.select_one('[role="alert"]')
    assert summary is not None and message in summary.get_text(" ", strip=True)
    assert page.select("main tbody tr") == []


def test_a_bad_department_from_another_citizens_log_is_refused(client: PortalClient, demo_db: Session) -> None:
    """A department that read only Mads's plan is not a choice on Annette's page."""
    bent = user(demo_db, "Bent Due")
    read(demo_db, plan_of(demo_db, "Mads Poulsen"), bent, dt.datetime.now(UTC))
    demo_db.flush()
    client.login_as("Annette Nielsen")
    assert client.get(f"{PATH}?afdeling={bent.department_id}").status_code == 400


# --- size ----------------------------------------------------------------------------------------


def grow_log(db: Session, total_reads: int, total_acts: int) -> None:
    """Reads of Annette's plan by two departments, some under consent, and acts of Lene for her."""
    plan = plan_of(db, "Annette Nielsen")
    staff = [user(db, "Camilla Brandt"), user(db, "Mikkel Dahl")]
    consent = db.scalars(select(Consent).where(Consent.plan_id == plan.id)).first()
    assert consent is not None
    start = dt.datetime(2026, 1, 1, 8, tzinfo=UTC)
    for number in range(total_reads):
        read(db, plan, staff[number % 2], start + dt.timedelta(hours=number), reason=("contact_person", "deputy", None)[number % 3],
             consent_id=consent.id if number % 5 == 0 else None)
    lene, annette = user(db, "Lene Nielsen"), person(db, "Annette Nielsen")
    for number in range(total_acts):
        db.add(SecurityEvent(
            user_id=lene.id, subject_person_id=annette.id, kind="acted_on_behalf",
            detail={"action": "view_plan", "path": "/min-plan"}, occurred_at=start + dt.timedelta(hours=number, minutes=30),
        ))
    db.flush()
    db.expire_all()


def statements_of(client: PortalClient, connection: Connection, path: str) -> list[str]:
    client.get(path)  # the session's last-seen stamp is written at most once a minute: not this time
    with counted(connection) as statements:
        response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    return statements


@pytest.mark.parametrize("persona", ["Annette Nielsen", "Lene Nielsen"])
def test_the_page_costs_the_same_few_statements_for_5_and_500_rows(
    client: PortalClient, demo_db: Session, demo_connection: Connection, persona: str
) -> None:
    client.login_as(persona)
    grow_log(demo_db, 3, 2)
    small = statements_of(client, demo_connection, PATH)
    grow_log(demo_db, 400, 100)
    large = statements_of(client, demo_connection, PATH)
    filtered = statements_of(client, demo_connection, f"{PATH}?maaned=2026-01")
    print(f"{PATH} as {persona}: {len(small)} statements")
    # The session (and a relative's power); the name and departments; the rows; a relative's act;
    # the unread messages beside "Beskeder" in the menu.
    assert len(small) <= 6, "\n".join(small)
    assert len(large) == len(small) == len(filtered), "\n".join(large)


def test_a_long_log_comes_in_pages_of_200_newest_first(client: PortalClient, demo_db: Session) -> None:
    grow_log(demo_db, 400, 100)  # and the demo's own reads: 502 rows
    client.login_as("Annette Nielsen")
    first = client.get(PATH)
    page = soup(first.text)
    times = [t["datetime"] for t in page.select("main tbody time")]
    assert len(times) == 200 and times == sorted(times, reverse=True)
    older = page.find("a", string="Ældre")
    assert older is not None and older["href"] == f"{PATH}?side=2"
    assert page.find("a", string="Nyere") is None
    second = soup(client.get(older["href"]).text)
    assert second.select("main tbody time")[0]["datetime"] < times[-1]
    last = client.get(f"{PATH}?side=3")
    assert len(rows_of(last)) == 102
    assert soup(last.text).find("a", string="Ældre") is None
    assert soup(last.text).find("a", string="Nyere")["href"] == f"{PATH}?side=2"  # type: ignore[index]
    assert "Der er ikke mere at vise." in text_of(client.get(f"{PATH}?side=4"))


def test_page_links_keep_the_filters(client: PortalClient, demo_db: Session) -> None:
    grow_log(demo_db, 500, 0)
    mikkel = user(demo_db, "Mikkel Dahl")
    client.login_as("Annette Nielsen")
    page = soup(client.get(f"{PATH}?afdeling={mikkel.department_id}&maaned=2026-01").text)
    older = page.find("a", string="Ældre")
    assert older is not None and older["href"] == f"{PATH}?maaned=2026-01&afdeling={mikkel.department_id}&side=2"


def test_the_plan_page_and_the_menu_link_here(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    page = soup(client.get("/min-plan").text)
    assert page.select_one(f'main a[href="{PATH}"]').get_text(strip=True) == "Se hvem der har set din plan"  # type: ignore[union-attr]
    assert page.select_one(f'nav a[href="{PATH}"]').get_text(strip=True) == "Hvem har set min plan"  # type: ignore[union-attr]


def test_the_page_in_english(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    client.cookies.set("sprog", "en")
    response = client.get(PATH, headers={"Accept-Language": "en"})
    page = soup(response.text)
    assert page.h1 is not None and page.h1.get_text(strip=True) == "Who has seen your plan"

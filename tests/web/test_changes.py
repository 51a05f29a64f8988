"""/min-plan/aendringer and "Nyt siden sidst": every change the citizen side may see, in plain
Danish, newest first; nothing of a child out of custody or of another plan; the marker counts
what came after the citizen's own last visit, and a relative's visit leaves it alone."""

from __future__ import annotations

import datetime as dt

from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from portal.accounts.models import Person, User
from portal.plans.models import Effort, Goal, Plan, PlanSeen, Revision

from tests.conftest import PortalClient
from tests.web.test_hidden_items import MARTIN_EFFORT, MIE_EFFORTS, _give_mie_to_her_father
from tests.web.test_statement_counts import counted

PATH = "/min-plan/aendringer"
UTC = dt.timezone.utc
HOME_GUIDE = "Hjemmevejleder om morgenen"


def text_of(html: str) -> str:
    return BeautifulSoup(html, "html.parser").find("main").get_text(" ", strip=True)  # type: ignore[union-attr]


def changes_of(html: str) -> list[str]:
    return [li.get_text(" ", strip=True) for li in BeautifulSoup(html, "html.parser").select("main li.change")]


def user(db: Session, name: str) -> User:
    return db.scalars(select(User).where(User.display_name == name)).one()


def plan_of(db: Session, first_name: str) -> Plan:
    return db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.first_name == first_name)).one()


def effort(db: Session, title: str, first_name: str = "Annette") -> Effort:
    return db.scalars(select(Effort).where(Effort.title == title, Effort.plan_id == plan_of(db, first_name).id)).one()


def revise(
    db: Session, target: Effort | Goal, by: User, field: str, old: str | None, new: str | None, *,
    at: dt.datetime | None = None, on_behalf_of: int | None = None, plan_id: int | None = None,
) -> None:
    db.add(Revision(
        plan_id=plan_id or target.plan_id, user_id=by.id, on_behalf_of_person_id=on_behalf_of,
        occurred_at=at or dt.datetime.now(UTC), entity="effort" if isinstance(target, Effort) else "goal",
        entity_id=target.id, field=field, old_value=old, new_value=new,
    ))
    db.flush()


def test_a_caseworkers_change_reads_as_plain_danish_with_old_and_new(client: PortalClient, demo_db: Session) -> None:
    revise(demo_db, effort(demo_db, HOME_GUIDE), user(demo_db, "Camilla Brandt"), "start_time", "08:00:00", "09:00:00")
    client.login_as("Annette Nielsen")
    page = client.get(PATH)
    assert page.status_code == 200
    rows = changes_of(page.text)
    # Newest first: the time change now, then the demo's two changes of two and three days ago.
    assert f"Camilla Brandt ændrede tidspunktet for {HOME_GUIDE} fra kl. 8 til kl. 9." in rows[0]
    assert f"Camilla Brandt ændrede tidspunktet for {HOME_GUIDE} fra kl. 7.30 til kl. 8." in rows[1]
    assert f"Camilla Brandt ændrede status for {HOME_GUIDE} fra Planlagt til I gang." in rows[2]


def test_the_citizens_own_answer_reads_du(client: PortalClient, demo_db: Session) -> None:
    annette = user(demo_db, "Annette Nielsen")
    goal = plan_of(demo_db, "Annette").goals[0]
    revise(demo_db, goal, annette, "citizen_confirmation", "pending", "agreed")
    client.login_as("Annette Nielsen")
    first = changes_of(client.get(PATH).text)[0]
    assert first.startswith("Ny Du ændrede svaret for målet “")
    assert "fra Ikke svaret endnu til Er enig." in first


def test_a_relatives_act_names_the_relative_and_says_it_was_for_you(client: PortalClient, demo_db: Session) -> None:
    lene = user(demo_db, "Lene Nielsen")
    goal = plan_of(demo_db, "Annette").goals[0]
    revise(demo_db, goal, lene, "citizen_comment", None, "Kan vi mødes hjemme?", on_behalf_of=lene_for(demo_db))
    client.login_as("Annette Nielsen")
    first = changes_of(client.get(PATH).text)[0]
    assert "Lene Nielsen satte kommentaren for målet" in first
    assert "til “Kan vi mødes hjemme?”. Det blev gjort for dig." in first
    # Lene herself reads it as her own act, for Annette.
    client.login_as("Lene Nielsen")
    page = client.get(PATH)
    assert page.status_code == 200
    first = changes_of(page.text)[0]
    assert "Du satte kommentaren" in first and "Det blev gjort for Annette." in first


def lene_for(db: Session) -> int:
    return db.scalars(select(Person.id).where(Person.full_name == "Annette Nielsen")).one()


def test_a_child_out_of_custody_and_other_plans_stay_hidden(client: PortalClient, demo_db: Session) -> None:
    _give_mie_to_her_father(demo_db)
    camilla = user(demo_db, "Camilla Brandt")
    for title in MIE_EFFORTS:
        revise(demo_db, effort(demo_db, title, "Trine"), camilla, "status", "planned", "active")
    revise(demo_db, effort(demo_db, MARTIN_EFFORT, "Trine"), camilla, "status", "planned", "paused")
    client.login_as("Trine Hansen")
    page = client.get(PATH).text
    assert f"Camilla Brandt ændrede status for {MARTIN_EFFORT} fra Planlagt til Sat på pause." in text_of(page)
    for title in MIE_EFFORTS:
        assert title not in page
    # Annette's plan shows none of Trine's household, not even a revision filed on Annette's plan
    # that points at one of its efforts.
    revise(demo_db, effort(demo_db, MIE_EFFORTS[0], "Trine"), camilla, "title", "x", "y", plan_id=plan_of(demo_db, "Annette").id)
    client.login_as("Annette Nielsen")
    annettes = client.get(PATH).text
    assert MARTIN_EFFORT not in annettes
    assert all(title not in annettes for title in MIE_EFFORTS)
    assert "“y”" not in annettes


def news_on(client: PortalClient) -> str | None:
    block = BeautifulSoup(client.get("/min-plan").text, "html.parser").select_one("main .plan-news")
    return block.get_text(" ", strip=True) if block else None


def test_news_since_last_time_counts_only_what_came_after_the_citizens_last_visit(
    client: PortalClient, demo_db: Session
) -> None:
    client.login_as("Annette Nielsen")
    # The first visit: everything is news (the demo's two changes).
    assert news_on(client) == "Nyt siden sidst: 2 ændringer. Se dem"
    assert news_on(client) is None, "a visit resets the marker"
    home_guide = effort(demo_db, HOME_GUIDE)
    camilla = user(demo_db, "Camilla Brandt")
    revise(demo_db, home_guide, camilla, "end_date", None, "2027-03-31")
    revise(demo_db, home_guide, camilla, "start_time", "08:00:00", "08:30:00")
    assert news_on(client) == "Nyt siden sidst: 2 ændringer. Se dem"
    # The changes page marks those two as new, not the older one.
    rows = changes_of(client.get(PATH).text)
    assert [row.startswith("Ny ") for row in rows] == [True, True, False, False]
    assert "satte slutdatoen for" in rows[1] and "til 31. marts 2027." in rows[1]
    assert "fra kl. 8 til kl. 8.30." in rows[0]
    assert news_on(client) is None


def test_a_relatives_visit_does_not_reset_the_citizens_marker(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Annette Nielsen")
    news_on(client)
    revise(demo_db, effort(demo_db, HOME_GUIDE), user(demo_db, "Camilla Brandt"), "status", "active", "paused")
    client.login_as("Lene Nielsen")
    assert news_on(client) == "Nyt siden sidst: 1 ændring. Se dem"
    assert news_on(client) == "Nyt siden sidst: 1 ændring. Se dem"
    annette = demo_db.scalars(select(Person.id).where(Person.full_name == "Annette Nielsen")).one()
    seen_before = demo_db.get(PlanSeen, annette)
    assert seen_before is not None
    client.login_as("Annette Nielsen")
    assert news_on(client) == "Nyt siden sidst: 1 ændring. Se dem"
    assert news_on(client) is None


def test_the_changes_page_costs_the_same_for_5_and_500_revisions(
    client: PortalClient, demo_db: Session, demo_connection: Connection
) -> None:
    home_guide = effort(demo_db, HOME_GUIDE)
    camilla = user(demo_db, "Camilla Brandt")
    start = dt.datetime.now(UTC) - dt.timedelta(days=1)

    def grow(total: int) -> None:
        have = len(demo_db.scalars(select(Revision.id).where(Revision.plan_id == home_guide.plan_id)).all())
        for number in range(total - have):
            demo_db.add(Revision(
                plan_id=home_guide.plan_id, user_id=camilla.id, occurred_at=start + dt.timedelta(seconds=number),
                entity="effort", entity_id=home_guide.id, field="status", old_value="planned", new_value="active",
            ))
        demo_db.flush()

    client.login_as("Annette Nielsen")
    counts = []
    for total in (5, 500):
        grow(total)
        client.get(PATH)
        with counted(demo_connection) as statements:
            page = client.get(PATH)
        assert page.status_code == 200
        counts.append(len(statements))
        print(f"{PATH} with {total} revisions: {len(statements)} statements")
    assert counts[0] == counts[1] <= 4, counts
    # …and the 500 are really there, a page at a time.
    assert len(changes_of(page.text)) == 100
    assert "?side=2" in page.text
    assert client.get(PATH + "?side=6").status_code == 200
    assert client.get(PATH + "?side=nul").status_code == 400


def test_a_plan_visit_with_news_costs_one_count_and_one_small_write_more(
    client: PortalClient, demo_db: Session, demo_connection: Connection
) -> None:
    """The marker costs the plan page one count, and one upsert only on a visit that finds news."""
    from tests.web.test_statement_counts import MAX_STATEMENTS

    home_guide = effort(demo_db, HOME_GUIDE)
    camilla = user(demo_db, "Camilla Brandt")
    client.login_as("Annette Nielsen")
    client.get("/min-plan")
    counts = []
    for total in (5, 500):
        start = dt.datetime.now(UTC)
        demo_db.add_all(
            Revision(
                plan_id=home_guide.plan_id, user_id=camilla.id, occurred_at=start + dt.timedelta(microseconds=number),
                entity="effort", entity_id=home_guide.id, field="status", old_value="planned", new_value="active",
            )
            for number in range(total)
        )
        demo_db.flush()
        client.app.state.services.plans.snapshots.clear()  # type: ignore[attr-defined]
        with counted(demo_connection) as statements:
            page = client.get("/min-plan")
        assert f"Nyt siden sidst: {total} ændringer" in text_of(page.text)
        counts.append(len(statements))
        print(f"/min-plan with {total} new revisions, plan loaded: {len(statements)} statements")
    assert counts[0] == counts[1] <= MAX_STATEMENTS, counts
    with counted(demo_connection) as statements:
        client.get("/min-plan")
    assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE")) for s in statements), "no news: no write"


def test_a_relatives_read_of_the_changes_shows_in_who_looked(client: PortalClient) -> None:
    client.login_as("Lene Nielsen")
    assert client.get(PATH).status_code == 200
    client.login_as("Annette Nielsen")
    log = text_of(client.get("/hvem-har-set").text)
    assert "Så hvad der er ændret i din plan" in log

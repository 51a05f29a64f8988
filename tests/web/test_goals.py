"""Goals the citizen answers and rates: /min-plan/maal/{goal_id}, and what the caseworker sees of it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Person, User
from portal.audit.models import SecurityEvent
from portal.plans.goals import Goals
from portal.plans.models import Goal, GoalProgress, Plan, Revision
from portal.plans.services import SqlPlanReader

from tests.conftest import PortalClient
from tests.web.test_hidden_items import MIE_GOAL, _give_mie_to_her_father

ANXIETY = "Jeg vil kunne handle ind uden at få angst"    # Annette's own goal
MORNINGS = "Jeg vil have ro om morgenen"                  # Annette's, with two ratings in the demo
MADS = "Jeg vil finde en uddannelse her i Varde"          # on another citizen's plan


def _goal(db: Session, wording: str) -> Goal:
    db.expire_all()
    return db.scalars(select(Goal).where(Goal.citizen_wording == wording)).one()


def _written(db: Session, goal_id: int) -> tuple[Any, ...]:
    """Everything an answer or a rating writes, to show that a refusal wrote none of it."""
    db.expire_all()
    goal = db.get(Goal, goal_id)
    assert goal is not None
    progress = db.scalar(select(func.count()).select_from(GoalProgress).where(GoalProgress.goal_id == goal_id))
    revisions = db.scalar(select(func.count()).select_from(Revision).where(Revision.entity == "goal", Revision.entity_id == goal_id))
    return (goal.citizen_confirmation, goal.citizen_comment, goal.version, goal.answered_at, progress, revisions)


def _version(page: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', page)
    assert match, "no version in the answer form"
    return match.group(1)


def _answer(client: PortalClient, goal_id: int, answer: str | None, comment: str = "", version: str | None = None,
            htmx: bool = False) -> Any:
    page = client.get(f"/min-plan/maal/{goal_id}").text
    fields = {"comment": comment, "version": version or _version(page)}
    if answer is not None:
        fields["answer"] = answer
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/min-plan/maal/{goal_id}/svar", data={"csrf_token": token.group(1), **fields},
                       headers=headers, follow_redirects=False)


def _rate(client: PortalClient, goal_id: int, score: str) -> Any:
    return client.post_form(f"/min-plan/maal/{goal_id}/fremskridt", {"score": score}, token_from=f"/min-plan/maal/{goal_id}",
                            follow_redirects=False)


# --- reading --------------------------------------------------------------------------------


def test_the_goal_page_shows_the_goal_and_the_current_answer(client: PortalClient, demo_db: Session) -> None:
    goal = _goal(demo_db, MORNINGS)
    client.login_as("Annette Nielsen")
    response = client.get(f"/min-plan/maal/{goal.id}")
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    main = page.select_one("main")
    assert main is not None
    text = main.get_text(" ", strip=True)
    assert MORNINGS in page.h1.get_text()  # type: ignore[union-attr]
    assert goal.professional_wording and goal.professional_wording in text
    assert "Inden for 3 måneder" in text or "Snart" in text  # the horizon, in Danish
    assert "Hverdagen" in text or "Dagligdag" in text or "hverdag" in text.lower()
    assert "Du vil have en ændring" in text and (goal.citizen_comment or "") in text
    assert "Det er jeg enig i" in text and "Jeg vil gerne have det ændret" in text


def test_the_plan_page_links_each_goal_to_its_page(client: PortalClient, demo_db: Session) -> None:
    goal = _goal(demo_db, ANXIETY)
    client.login_as("Annette Nielsen")
    page = BeautifulSoup(client.get("/min-plan").text, "html.parser")
    link = page.select_one(f"h3#goal-{goal.id} a")
    assert link is not None and link["href"] == f"/min-plan/maal/{goal.id}"


# --- answering ------------------------------------------------------------------------------


def test_the_citizen_agrees(client: PortalClient, demo_db: Session) -> None:
    goal = _goal(demo_db, MORNINGS)
    version = goal.version
    annette = demo_db.scalars(select(User).where(User.display_name == "Annette Nielsen")).one()
    client.login_as("Annette Nielsen")
    response = _answer(client, goal.id, "agreed")
    assert response.status_code == 303
    assert response.headers["location"] == f"/min-plan/maal/{goal.id}?gemt=svar"
    saved = _goal(demo_db, MORNINGS)
    assert (saved.citizen_confirmation, saved.citizen_comment) == ("agreed", None)
    assert saved.answered_by_user_id == annette.id and saved.answered_at is not None
    assert saved.version == version + 1
    page = client.get(response.headers["location"]).text
    assert "Dit svar er gemt" in page and "Du er enig" in page


def test_the_citizen_asks_for_a_change_with_a_comment(client: PortalClient, demo_db: Session) -> None:
    goal = _goal(demo_db, ANXIETY)
    old_confirmation = goal.citizen_confirmation
    client.login_as("Annette Nielsen")
    response = _answer(client, goal.id, "wants_change", "Jeg vil starte med at handle ind med min søster.")
    assert response.status_code == 303
    saved = _goal(demo_db, ANXIETY)
    assert saved.citizen_confirmation == "wants_change"
    assert saved.citizen_comment == "Jeg vil starte med at handle ind med min søster."
    revision = demo_db.scalars(
        select(Revision).where(Revision.entity_id == goal.id, Revision.field == "citizen_confirmation")
    ).one()
    assert (revision.old_value, revision.new_value, revision.on_behalf_of_person_id) == (old_confirmation, "wants_change", None)


@pytest.mark.parametrize(
    ("answer", "comment", "message"),
    [
        pytest.param("wants_change", "", "Skriv, hvad du vil have ændret.", id="change-without-comment"),
        pytest.param("wants_change", "   ", "Skriv, hvad du vil have ændret.", id="change-with-only-spaces"),
        pytest.param("wants_change", "x" * 2001, "Din tekst er for lang. Skriv højst 2.000 tegn.", id="comment-too-long"),
        pytest.param("agreed", "x" * 2001, "Din tekst er for lang. Skriv højst 2.000 tegn.", id="agree-comment-too-long"),
        pytest.param(None, "", "Vælg, om du er enig, eller om du vil have det ændret.", id="no-answer"),
        pytest.param("maybe", "", "Vælg, om du er enig, eller om du vil have det ændret.", id="unknown-answer"),
    ],
)
def test_an_invalid_answer_is_refused_and_nothing_is_written(
    client: PortalClient, demo_db: Session, answer: str | None, comment: str, message: str
) -> None:
    goal = _goal(demo_db, ANXIETY)
    before = _written(demo_db, goal.id)
    client.login_as("Annette Nielsen")
    response = _answer(client, goal.id, answer, comment)
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert page.title is not None and page.title.get_text().startswith("Fejl: ")
    assert message in page.select_one("main .error-summary-list").get_text()  # type: ignore[union-attr]
    assert _written(demo_db, goal.id) == before


def test_exactly_2000_characters_is_allowed(client: PortalClient, demo_db: Session) -> None:
    goal = _goal(demo_db, ANXIETY)
    client.login_as("Annette Nielsen")
    assert _answer(client, goal.id, "wants_change", "x" * 2000).status_code == 303
    assert _goal(demo_db, ANXIETY).citizen_comment == "x" * 2000


def test_htmx_gets_just_the_answer_block(client: PortalClient, demo_db: Session) -> None:
    goal = _goal(demo_db, ANXIETY)
    client.login_as("Annette Nielsen")
    response = _answer(client, goal.id, "wants_change", "", htmx=True)
    assert response.status_code == 422
    assert "<html" not in response.text and "<h1" not in response.text
    fragment = BeautifulSoup(response.text, "html.parser")
    assert fragment.find().get("id") == "answer-section"  # type: ignore[union-attr]
    assert fragment.select_one("#comment-error") is not None
    assert "comment-error" in fragment.select_one("#comment")["aria-describedby"]  # type: ignore[index]


def test_a_second_tab_does_not_overwrite_the_first(client: PortalClient, demo_db: Session) -> None:
    goal = _goal(demo_db, ANXIETY)
    client.login_as("Annette Nielsen")
    shown = _version(client.get(f"/min-plan/maal/{goal.id}").text)  # both tabs show the goal
    first = _answer(client, goal.id, "wants_change", "Først vil jeg have hjælp til at handle ind.", version=shown)
    assert first.status_code == 303
    after_first = _written(demo_db, goal.id)

    second = _answer(client, goal.id, "agreed", "", version=shown)

    assert second.status_code == 409
    assert _written(demo_db, goal.id) == after_first
    page = BeautifulSoup(second.text, "html.parser")
    alert = page.select_one("#answer-section [role=alert]")
    assert alert is not None
    text = alert.get_text(" ", strip=True)
    assert "Vi har ikke gemt dit svar" in text
    assert "Du vil have en ændring" in text and "Først vil jeg have hjælp til at handle ind." in text
    # The form now carries the newer version: sending again is a choice made knowing the newer answer.
    assert _version(second.text) == str(after_first[2])
    assert page.select_one("input[name=answer][value=agreed]").has_attr("checked")  # type: ignore[union-attr]


# --- progress ---------------------------------------------------------------------------------


@pytest.mark.parametrize("score", ["-1", "11", "x", "", "5.5", "٣"])
def test_a_rating_outside_0_to_10_is_refused(client: PortalClient, demo_db: Session, score: str) -> None:
    goal = _goal(demo_db, ANXIETY)
    before = _written(demo_db, goal.id)
    client.login_as("Annette Nielsen")
    response = _rate(client, goal.id, score)
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    error = page.select_one("#score-error")
    assert error is not None and "Skriv et helt tal fra 0 til 10." in error.get_text()
    assert page.select_one(".error-summary-list a")["href"] == "#score"  # type: ignore[index]
    assert _written(demo_db, goal.id) == before


def test_progress_over_time_shows_in_the_table_and_the_chart(client: PortalClient, demo_db: Session) -> None:
    goal = _goal(demo_db, ANXIETY)
    client.login_as("Annette Nielsen")
    for score in ("0", "3", "10"):
        response = _rate(client, goal.id, score)
        assert response.status_code == 303, response.text
    page = BeautifulSoup(client.get(f"/min-plan/maal/{goal.id}").text, "html.parser")
    rows = [[cell.get_text(strip=True) for cell in row.select("td")] for row in page.select("main table tbody tr")]
    assert [row[1] for row in rows] == ["10", "3", "0"]  # newest first
    chart = page.select_one("main svg[role=img]")
    assert chart is not None
    assert len(chart.select("circle")) == 3
    described = chart["aria-labelledby"].split()  # type: ignore[union-attr]
    text = " ".join(page.find(id=ref).get_text() for ref in described)  # type: ignore[union-attr]
    assert "3 tal" in text and "Først 0 af 10" in text and "Senest 10 af 10" in text
    assert demo_db.scalar(select(func.count()).select_from(GoalProgress).where(GoalProgress.goal_id == goal.id)) == 3


# --- the caseworker's page ------------------------------------------------------------------------


def test_the_staff_page_shows_answer_comment_and_progress(client: PortalClient, demo_db: Session) -> None:
    goal = _goal(demo_db, ANXIETY)
    client.login_as("Annette Nielsen")
    assert _answer(client, goal.id, "wants_change", "Jeg vil hellere starte i den lille butik.").status_code == 303
    assert _rate(client, goal.id, "4").status_code == 303
    assert _rate(client, goal.id, "7").status_code == 303
    client.post_form("/log-ud", token_from="/min-plan")
    client.login_as("Camilla Brandt")
    response = client.get(f"/sag/plan/{goal.plan_id}")
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    item = next(li for li in page.select(".goal-list > li") if ANXIETY in li.get_text())
    text = item.get_text(" ", strip=True)
    assert "Vil have en ændring" in text and "Jeg vil hellere starte i den lille butik." in text
    assert "senest 7 af 10" in text
    chart = item.select_one("svg[role=img]")
    assert chart is not None and len(chart.select("circle")) == 2
    assert [td.get_text() for td in item.select("tbody td:nth-of-type(2)")] == ["7", "4"]


# --- who may ---------------------------------------------------------------------------------------


def test_another_plans_goal_is_not_found(client: PortalClient, demo_db: Session) -> None:
    goal = _goal(demo_db, MADS)
    before = _written(demo_db, goal.id)
    client.login_as("Annette Nielsen")
    assert client.get(f"/min-plan/maal/{goal.id}").status_code == 404
    token = client.csrf_token("/min-plan")
    answer = client.post(f"/min-plan/maal/{goal.id}/svar", data={"csrf_token": token, "answer": "agreed", "version": "1"})
    rating = client.post(f"/min-plan/maal/{goal.id}/fremskridt", data={"csrf_token": token, "score": "5"})
    assert answer.status_code == rating.status_code == 404
    assert _written(demo_db, goal.id) == before
    event = demo_db.scalars(select(SecurityEvent).where(SecurityEvent.kind == "access_refused").order_by(SecurityEvent.id.desc())).first()
    assert event is not None and event.detail["path"] == f"/min-plan/maal/{goal.id}/fremskridt"


def test_a_childs_goal_outside_the_parents_custody_is_not_found(client: PortalClient, demo_db: Session) -> None:
    mie_goal = _goal(demo_db, MIE_GOAL)
    client.login_as("Trine Hansen")
    assert client.get(f"/min-plan/maal/{mie_goal.id}").status_code == 200  # in her custody: shown
    _give_mie_to_her_father(demo_db)
    before = _written(demo_db, mie_goal.id)
    assert client.get(f"/min-plan/maal/{mie_goal.id}").status_code == 404
    assert _rate(client, mie_goal.id, "5").status_code == 404
    assert _written(demo_db, mie_goal.id) == before


@pytest.mark.parametrize("goal_id", ["0", "007", "abc", "99999999"])
def test_a_goal_that_is_not_there_is_not_found(client: PortalClient, goal_id: str) -> None:
    client.login_as("Annette Nielsen")
    assert client.get(f"/min-plan/maal/{goal_id}").status_code == 404


def test_a_relative_without_confirm_goals_may_read_but_not_answer(client: PortalClient, demo_db: Session) -> None:
    goal = _goal(demo_db, ANXIETY)
    before = _written(demo_db, goal.id)
    client.login_as("Lene Nielsen")
    page = client.get(f"/min-plan/maal/{goal.id}")
    assert page.status_code == 200
    assert 'name="answer"' not in page.text and 'name="score"' not in page.text
    assert "Kun Annette kan svare på målet" in page.text
    token = client.csrf_token(f"/min-plan/maal/{goal.id}")
    response = client.post(f"/min-plan/maal/{goal.id}/svar", data={"csrf_token": token, "answer": "agreed", "version": _version_of(demo_db, goal.id)})
    assert response.status_code == 403
    assert _written(demo_db, goal.id) == before


def test_a_relative_with_confirm_goals_answers_on_behalf(client: PortalClient, demo_db: Session) -> None:
    from portal.consent.models import Delegation

    lene = demo_db.scalars(select(Person).where(Person.full_name == "Lene Nielsen")).one()
    delegation = demo_db.scalars(select(Delegation).where(Delegation.relative_person_id == lene.id)).one()
    delegation.scopes = [*delegation.scopes, "confirm_goals"]
    demo_db.flush()
    goal = _goal(demo_db, ANXIETY)
    client.login_as("Lene Nielsen")
    assert _answer(client, goal.id, "wants_change", "Annette vil tage det langsomt.").status_code == 303
    revision = demo_db.scalars(
        select(Revision).where(Revision.entity_id == goal.id, Revision.field == "citizen_confirmation")
    ).one()
    assert revision.on_behalf_of_person_id == delegation.citizen_person_id
    event = demo_db.scalars(
        select(SecurityEvent).where(SecurityEvent.kind == "acted_on_behalf").order_by(SecurityEvent.id.desc())
    ).first()
    assert event is not None and event.detail["action"] == "answer_goal"


def _version_of(db: Session, goal_id: int) -> str:
    return str(_written(db, goal_id)[2])


# --- the caseworker changes a goal (service level: there is no edit page yet) -------------------------


def _goals(db: Session) -> Goals:
    return Goals(db, SqlPlanReader(db))


def _camilla(db: Session) -> User:
    return db.scalars(select(User).where(User.display_name == "Camilla Brandt")).one()


def test_a_new_wording_asks_the_citizen_again_and_shows_what_changed(client: PortalClient, demo_db: Session) -> None:
    goal = _goal(demo_db, ANXIETY)
    goal.citizen_confirmation, goal.citizen_comment = "agreed", "Fint."
    demo_db.flush()
    version = goal.version
    new_wording = "Jeg vil kunne handle ind i den lille butik uden angst"

    changed = _goals(demo_db).change(goal.id, by=_camilla(demo_db), now=goal.plan.created_at, citizen_wording=new_wording, horizon="short")

    assert changed
    saved = _goal(demo_db, new_wording)
    assert (saved.citizen_confirmation, saved.citizen_comment) == ("pending", None)
    assert saved.previous_values == {"citizen_wording": ANXIETY, "horizon": "medium"}
    assert saved.version > version
    fields = set(demo_db.scalars(select(Revision.field).where(Revision.entity_id == goal.id)))
    assert {"citizen_wording", "horizon", "citizen_confirmation"} <= fields
    # The citizen sees it on the goal page, and the answer form of before is now out of date.
    client.login_as("Annette Nielsen")
    page = client.get(f"/min-plan/maal/{goal.id}").text
    assert "Målet er ændret" in page and f"Før: “{ANXIETY}”" in page and "Du har ikke svaret endnu" in page
    assert _answer(client, goal.id, "agreed", version=str(version)).status_code == 409
    # Answering clears the list of changes.
    assert _answer(client, goal.id, "agreed").status_code == 303
    assert _goal(demo_db, new_wording).previous_values is None


@pytest.mark.parametrize("field", ["professional_wording", "status"])
def test_other_changes_ask_again_too(demo_db: Session, field: str) -> None:
    goal = _goal(demo_db, ANXIETY)
    goal.citizen_confirmation = "agreed"
    demo_db.flush()
    value = "achieved" if field == "status" else "Ny faglig formulering."
    old = getattr(goal, field)
    assert _goals(demo_db).change(goal.id, by=_camilla(demo_db), now=goal.plan.created_at, **{field: value})
    saved = _goal(demo_db, ANXIETY)
    assert saved.citizen_confirmation == "pending" and saved.previous_values == {field: old}


def test_no_real_change_leaves_the_answer_alone(demo_db: Session) -> None:
    goal = _goal(demo_db, ANXIETY)
    goal.citizen_confirmation = "agreed"
    demo_db.flush()
    assert not _goals(demo_db).change(goal.id, by=_camilla(demo_db), now=goal.plan.created_at, citizen_wording=ANXIETY, horizon=goal.horizon)
    assert _goal(demo_db, ANXIETY).citizen_confirmation == "agreed"


def test_a_change_undone_is_no_longer_shown_as_a_change(demo_db: Session) -> None:
    goal = _goal(demo_db, ANXIETY)
    service, camilla, now = _goals(demo_db), _camilla(demo_db), goal.plan.created_at
    service.change(goal.id, by=camilla, now=now, horizon="long")
    service.change(goal.id, by=camilla, now=now, horizon="short")
    assert _goal(demo_db, ANXIETY).previous_values == {"horizon": "medium"}  # what the citizen last saw
    service.change(goal.id, by=camilla, now=now, horizon="medium")
    assert _goal(demo_db, ANXIETY).previous_values is None


@pytest.mark.parametrize("changes", [{"horizon": "someday"}, {"status": "maybe"}, {"citizen_wording": " "}, {"life_area": "health"}])
def test_a_change_outside_the_vocabulary_is_refused(demo_db: Session, changes: dict[str, str]) -> None:
    goal = _goal(demo_db, ANXIETY)
    with pytest.raises(ValueError):
        _goals(demo_db).change(goal.id, by=_camilla(demo_db), now=goal.plan.created_at, **changes)


def test_the_plans_are_distinct(demo_db: Session) -> None:
    """The other-plan test means something only if Mads's goal is on another plan than Annette's."""
    assert _goal(demo_db, MADS).plan_id != _goal(demo_db, ANXIETY).plan_id
    assert demo_db.scalar(select(func.count()).select_from(Plan)) >= 2


# --- cost ----------------------------------------------------------------------------------------


def test_the_goal_page_costs_what_the_plan_page_costs(client: PortalClient, demo_db: Session, demo_connection: Any) -> None:
    from tests.web.test_statement_counts import MAX_STATEMENTS, _page_statements

    goal = _goal(demo_db, ANXIETY)
    client.login_as("Annette Nielsen")
    cold = _page_statements(client, demo_connection, f"/min-plan/maal/{goal.id}", cold=True)
    warm = _page_statements(client, demo_connection, f"/min-plan/maal/{goal.id}")
    plan_warm = _page_statements(client, demo_connection, "/min-plan")
    print(f"goal page: {len(cold)} statements with the plan loaded, {len(warm)} with its copy in memory")
    assert len(cold) <= MAX_STATEMENTS, "\n".join(cold)
    # The plan page counts what is new since the last visit and the menu's unread messages in one
    # statement; the goal page counts only the unread messages, in one statement of its own.
    assert len(warm) == len(plan_warm), "\n".join(warm)
    assert sum("count(message.id)" in statement for statement in warm) == 1


def test_a_race_past_the_check_is_caught_by_the_goals_version(demo_db: Session) -> None:
    """Two answers sent at the same moment both pass the check; the version column stops the second."""
    from sqlalchemy import update
    from sqlalchemy.orm.exc import StaleDataError

    goal = _goal(demo_db, ANXIETY)
    seen = goal.version
    # Another request's answer lands between this one's check and its write (not through this session).
    demo_db.execute(update(Goal.__table__).where(Goal.__table__.c.id == goal.id).values(version=seen + 1))
    with pytest.raises(StaleDataError):
        _goals(demo_db).answer(
            goal.id, seen_version=seen, answer="agreed", comment="", by=_camilla(demo_db), on_behalf_of=None, now=goal.plan.created_at,
        )

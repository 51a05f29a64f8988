"""Plan pages: the citizen's plan and week, the caseworker's caseload and plan."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from portal.access import Access
from portal.errors import error_response
from portal.plans import schedule
from portal.plans.catalogue import load_legal_bases
from portal.plans.readmodels import EffortItem, GoalItem
from portal.live.render import presence_lines
from portal.plans.caseload import MAX_QUERY_LENGTH, SORTS, search_and_sort
from portal.plans.services import CitizenPlanView, StaffPlanView
from portal.plans.views_items import plan_tools
from portal.web import DeclaredRoute, context, not_found, parse_id, render, route

LOCAL_ZONE = ZoneInfo("Europe/Copenhagen")
EARLIEST_WEEK = dt.date(1900, 1, 1)
LATEST_WEEK = dt.date(2999, 12, 31)


def _citizen_view(request: Request) -> CitizenPlanView | None:
    ctx = context(request)
    person_id = ctx.principal.subject_person_id
    assert person_id is not None  # guaranteed by Access.CITIZEN_SIDE
    return ctx.services.plans.citizen_view(person_id, ctx.today)


@dataclass(frozen=True)
class PlacedEffort:
    """An effort as the plan page shows it, once, under the first shown goal it serves; and the other shown goals it serves."""

    effort: EffortItem
    also_serves: tuple[tuple[int, str], ...]  # (goal id, the citizen's wording)


def place_efforts(
    goals: Sequence[GoalItem], efforts: Sequence[EffortItem]
) -> tuple[dict[int, list[PlacedEffort]], list[EffortItem]]:
    """Each effort once: under the first shown goal it serves, naming the other shown goals it
    serves; an effort that serves no shown goal (none, or only goals kept off the front page)
    goes with the other help. Nothing is left out: a goal off the front page is not a secret."""
    shown = {goal.id: index for index, goal in enumerate(goals)}
    wording = {goal.id: goal.citizen_wording for goal in goals}
    by_goal: dict[int, list[PlacedEffort]] = defaultdict(list)
    others: list[EffortItem] = []
    for effort in efforts:
        served = sorted({goal_id for goal_id in effort.goal_ids if goal_id in shown}, key=shown.__getitem__)
        if not served:
            others.append(effort)
            continue
        first, *rest = served
        by_goal[first].append(PlacedEffort(effort, tuple((goal_id, wording[goal_id]) for goal_id in rest)))
    return by_goal, others


def citizen_plan_values(view: CitizenPlanView, now: dt.datetime) -> dict[str, Any]:
    """What citizen/plan.html shows of the plan: for the page and for its live updates."""
    efforts = [e for e in view.efforts if e.status != "ended"]
    goals = [g for g in view.goals if g.show_on_front and g.status != "dropped"]
    efforts_by_goal, other_efforts = place_efforts(goals, efforts)
    return {
        "plan": view.plan,
        "goals": goals,
        "efforts_by_goal": efforts_by_goal,
        "other_efforts": other_efforts,
        "hidden_goal_count": sum(1 for g in view.goals if not g.show_on_front),
        "next_meeting": next((m for m in view.meetings if m.starts_at >= now), None),
        "show_person": view.show_person,
        "content_version": view.content_version,
    }


def my_plan(request: Request) -> Response:
    view = _citizen_view(request)
    if view is None:
        return render(request, "citizen/no_plan.html")
    ctx = context(request)
    now = ctx.now
    person_id = ctx.principal.subject_person_id
    assert person_id is not None
    # "Nyt siden sidst": counted before the citizen's own visit moves the marker. A relative acting
    # for them sees the same count and leaves the marker alone, so the citizen still gets the news.
    # Nothing new: nothing to write, so an ordinary visit stays a read (on SQLite, no write lock).
    # The menu's unread messages are counted in the same statement.
    unread_query = ctx.services.messages.citizen_unread_query(ctx.principal)
    if unread_query is None:
        news = ctx.services.revisions.news_count(person_id, view.changes)
    else:
        news, request.state.unread_messages = ctx.services.revisions.news_count_and(
            person_id, view.changes, unread_query
        )
    if news and not ctx.principal.acting_on_behalf:
        ctx.services.revisions.mark_seen(person_id, now)
    return render(request, "citizen/plan.html", news=news, **citizen_plan_values(view, now))


def _requested_monday(request: Request, today: dt.date) -> dt.date | None:
    raw = request.query_params.get("uge")
    if raw is None:
        return schedule.monday_of(today)
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    # The page links to the weeks before and after; at the calendar's ends that arithmetic overflows.
    if not EARLIEST_WEEK <= day <= LATEST_WEEK:
        return None
    return schedule.monday_of(day)


def my_week(request: Request) -> Response:
    today = context(request).now.astimezone(LOCAL_ZONE).date()
    monday = _requested_monday(request, today)
    if monday is None:
        return error_response(request, 400)
    view = _citizen_view(request)
    if view is None:
        return render(request, "citizen/no_plan.html")
    days = schedule.week(list(view.efforts), list(view.meetings), monday)
    return render(
        request,
        "citizen/week.html",
        plan=view.plan,
        days=days,
        monday=monday,
        today=today,
        previous_monday=monday - dt.timedelta(days=7),
        next_monday=monday + dt.timedelta(days=7),
        show_person=view.show_person,
    )


def caseload(request: Request) -> Response:
    ctx = context(request)
    assert ctx.principal.user is not None
    query = request.query_params.get("q", "").strip()
    if len(query) > MAX_QUERY_LENGTH:
        return error_response(request, 400)
    sort = request.query_params.get("sort", "navn")
    sort = sort if sort in SORTS else "navn"  # an unknown order is ignored
    found = ctx.services.plans.caseload(ctx.principal.user, ctx.now)
    # The caseload's own statement counts the unread messages, so the menu's number costs nothing more.
    request.state.unread_messages = sum(row.unread or 0 for row in found.rows)
    return render(request, "staff/caseload.html", caseload=found, rows=search_and_sort(found.rows, query, sort),
                  query=query, sort=sort, saved=request.query_params.get("gemt"))


def staff_plan_values(request: Request, view: StaffPlanView) -> dict[str, Any]:
    """What staff/plan.html shows of the plan: for the page and for its live updates."""
    findings_by_effort: dict[int, list[object]] = defaultdict(list)
    for finding in view.findings:
        for effort_id in finding.effort_ids:
            findings_by_effort[effort_id].append(finding)
    return {
        "view": view,
        "plan": view.plan,
        "findings_by_effort": findings_by_effort,
        "legal_bases": load_legal_bases(),
        "content_version": view.content_version,
        "tools": plan_tools(request, view),
        # "Saved" notes after a save (?gemt=effort): on the page, never in a live update.
        "saved_kind": request.query_params.get("gemt"),
        "saved": request.query_params.get("gemt"),
    }


def staff_plan(request: Request) -> Response:
    ctx = context(request)
    assert ctx.principal.user is not None
    plan_id = parse_id(request.path_params["plan_id"])
    if plan_id is None:
        return not_found(request)
    view = ctx.services.plans.staff_view(ctx.principal.user, plan_id, ctx.now, ctx.audit)
    if view is None:
        return not_found(request, plan_id=plan_id)
    if "afbrudt" in request.query_params:
        # Back from an edit form without saving (its "Cancel"): no longer editing that item.
        ctx.services.live.presence.done_editing(plan_id, ctx.principal.user)
    present = presence_lines(ctx.services.live.presence.on_plan(plan_id), ctx.principal.user.id, view)
    return render(request, "staff/plan.html", present=present, **staff_plan_values(request, view))


def routes() -> list[DeclaredRoute]:
    return [
        route("/min-plan", my_plan, access=Access.CITIZEN_SIDE, scope="read_plan", name="my_plan"),
        route("/min-plan/uge", my_week, access=Access.CITIZEN_SIDE, scope="read_plan", name="my_week"),
        route("/sag/", caseload, access=Access.STAFF, name="caseload"),
        route("/sag/plan/{plan_id}", staff_plan, access=Access.STAFF, name="staff_plan"),
    ]

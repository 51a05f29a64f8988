"""Plan pages: the citizen's plan and week, the caseworker's caseload and plan."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from portal.access import Access, citizen_visible_member_ids
from portal.errors import error_response
from portal.plans import schedule
from portal.plans.catalogue import load_legal_bases
from portal.plans.models import Effort, Plan
from portal.plans.services import SqlPlanReader
from portal.web import DeclaredRoute, context, not_found, parse_id, record_security_event, render, route

LOCAL_ZONE = ZoneInfo("Europe/Copenhagen")
EARLIEST_WEEK = dt.date(1900, 1, 1)
LATEST_WEEK = dt.date(2999, 12, 31)


def _citizen_plan(request: Request) -> tuple[Plan | None, frozenset[int]]:
    ctx = context(request)
    person_id = ctx.principal.subject_person_id
    assert person_id is not None  # guaranteed by Access.CITIZEN_SIDE
    if ctx.principal.acting_on_behalf:
        # The citizen sees what their relatives did for them, reads included.
        record_security_event(
            ctx.db, ctx.principal.user, "acted_on_behalf", request,
            subject_person_id=person_id, action="view_plan", path=request.url.path,
        )
    plan = SqlPlanReader(ctx.db).plan_for_person(person_id)
    if plan is None:
        return None, frozenset()
    return plan, citizen_visible_member_ids(plan, person_id)


def my_plan(request: Request) -> Response:
    plan, member_ids = _citizen_plan(request)
    if plan is None:
        return render(request, "citizen/no_plan.html")
    efforts = [e for e in plan.efforts if e.member_person_id in member_ids and e.status != "ended"]
    goals = [g for g in plan.goals if g.member_person_id in member_ids and g.show_on_front and g.status != "dropped"]
    efforts_by_goal: dict[int, list[Effort]] = defaultdict(list)
    linked: set[int] = set()
    for effort in efforts:
        for link in effort.goal_links:
            efforts_by_goal[link.goal_id].append(effort)
            linked.add(effort.id)
    now = context(request).now
    next_meeting = next((m for m in plan.meetings if m.starts_at >= now), None)
    return render(
        request,
        "citizen/plan.html",
        plan=plan,
        goals=goals,
        efforts_by_goal=efforts_by_goal,
        other_efforts=[e for e in efforts if e.id not in linked],
        hidden_goal_count=sum(1 for g in plan.goals if g.member_person_id in member_ids and not g.show_on_front),
        next_meeting=next_meeting,
        legal_bases=load_legal_bases(),
        show_person=len(member_ids) > 1,
    )


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
    plan, member_ids = _citizen_plan(request)
    if plan is None:
        return render(request, "citizen/no_plan.html")
    efforts = [e for e in plan.efforts if e.member_person_id in member_ids]
    days = schedule.week(efforts, list(plan.meetings), monday)
    return render(
        request,
        "citizen/week.html",
        plan=plan,
        days=days,
        monday=monday,
        today=today,
        previous_monday=monday - dt.timedelta(days=7),
        next_monday=monday + dt.timedelta(days=7),
        show_person=len(member_ids) > 1,
    )


def caseload(request: Request) -> Response:
    ctx = context(request)
    assert ctx.principal.user is not None
    return render(request, "staff/caseload.html", caseload=SqlPlanReader(ctx.db).caseload(ctx.principal.user, ctx.now))


def staff_plan(request: Request) -> Response:
    ctx = context(request)
    assert ctx.principal.user is not None
    plan_id = parse_id(request.path_params["plan_id"])
    if plan_id is None:
        return not_found(request)
    view = SqlPlanReader(ctx.db).staff_view(ctx.principal.user, plan_id, ctx.now)
    if view is None:
        return not_found(request, plan_id=plan_id)
    findings_by_effort: dict[int, list[object]] = defaultdict(list)
    for finding in view.findings:
        for effort_id in finding.effort_ids:
            findings_by_effort[effort_id].append(finding)
    return render(
        request,
        "staff/plan.html",
        view=view,
        plan=view.plan,
        findings_by_effort=findings_by_effort,
        legal_bases=load_legal_bases(),
    )


def routes() -> list[DeclaredRoute]:
    return [
        route("/min-plan", my_plan, access=Access.CITIZEN_SIDE, scope="read_plan", name="my_plan"),
        route("/min-plan/uge", my_week, access=Access.CITIZEN_SIDE, scope="read_plan", name="my_week"),
        route("/sag/", caseload, access=Access.STAFF, name="caseload"),
        route("/sag/plan/{plan_id}", staff_plan, access=Access.STAFF, name="staff_plan"),
    ]

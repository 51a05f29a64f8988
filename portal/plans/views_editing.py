"""Caseworkers create and change a plan's efforts and goals: a page per form, or in place with htmx.

Each form is its own page (``/sag/plan/{plan_id}/indsats/{effort_id}``, ``…/maal/{goal_id}``,
``…/ny`` for a new one) and works without JavaScript. With htmx the plan page fetches the same
address for the form's block, posts it, and swaps the item's block (``effort_item``/``goal_item``
of staff/plan.html) with the answer: the saved item, the form with its errors (422), or the
conflict view (409, portal/plans/editing.py).

An item the caseworker may not change (another department's, or one they may not even see) is a
404 with a security event, the same as one that does not exist.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.access import Access
from portal.plans import editing
from portal.plans.catalogue import load_legal_bases
from portal.plans.edit_forms import (
    EFFORT_FIELDS,
    GOAL_FIELDS,
    HIDDEN_AFTER,
    EffortForm,
    GoalEditForm,
    effort_form_data,
    form_specs,
    form_values,
    goal_changes,
    goal_form_data,
    show_value,
)
from portal.plans.efforts import KEEP, EditScope, SaveResult, edit_scope
from portal.plans.services import findings_of
from portal.web import DeclaredRoute, context, not_found, parse_id, render, route


def _scope(request: Request) -> EditScope | None:
    ctx = context(request)
    assert ctx.principal.user is not None
    plan_id = parse_id(request.path_params["plan_id"])
    if plan_id is None:
        return None
    return ctx.services.editing.scope(ctx.principal.user, plan_id, ctx.now)


def _refused(request: Request, **detail: Any) -> Response:
    return not_found(request, **{key: str(value) for key, value in request.path_params.items()}, **detail)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _form_data(request: Request, names: tuple[str, ...], form_class: Any, **kwargs: Any) -> Any:
    """The posted form; a merge from the conflict view is first resolved to plain values."""
    ctx = context(request)
    posted = ctx.form
    if editing.is_merge(posted):
        probe = form_class(None, **kwargs)
        posted = editing.resolved(posted, form_specs(probe, names))
    return form_class(posted, **kwargs)


def _editing(request: Request, scope: EditScope, item_key: str) -> None:
    """Tell the others on the plan that this caseworker has the item's edit form open.

    Only the item key travels; each viewer's page names the item only if that viewer may see it.
    """
    ctx = context(request)
    assert ctx.principal.user is not None
    ctx.services.live.presence.editing(scope.plan.id, ctx.principal.user, item_key)


def _saved_item(request: Request, scope: EditScope, *, entity: str, item_id: int) -> Response:
    """After a save: the plan page for a plain form; for htmx the item's fresh block."""
    plan_id = scope.plan.id
    ctx = context(request)
    assert ctx.principal.user is not None
    ctx.services.live.presence.done_editing(plan_id, ctx.principal.user)  # saved: no longer editing
    anchor = f"/sag/plan/{plan_id}?gemt={entity}#{entity}-{item_id}"
    if not _is_htmx(request):
        return RedirectResponse(anchor, status_code=303)
    snapshot = ctx.services.plans.fresh_snapshot(plan_id)
    if snapshot is None:
        return _refused(request)
    fresh = edit_scope(snapshot, ctx.principal.user, scope.visibility)
    if entity == "goal":
        goal = next((g for g in fresh.goals if g.id == item_id), None)
        if goal is None:
            return _refused(request)
        return render(request, "staff/plan.html", block="goal_item", goal=goal, plan=fresh.plan, view=fresh, saved=True)
    effort = next((e for e in fresh.efforts if e.id == item_id), None)
    if effort is None:
        return _refused(request)
    findings: dict[int, list[object]] = defaultdict(list)
    for finding in findings_of(snapshot, {e.id for e in fresh.efforts}):
        for effort_id in finding.effort_ids:
            findings[effort_id].append(finding)
    return render(
        request, "staff/plan.html", block="effort_item", effort=effort, plan=fresh.plan, view=fresh,
        findings_by_effort=findings, legal_bases=load_legal_bases(), saved=True,
    )


def _created(request: Request, scope: EditScope, entity: str, item_id: int) -> Response:
    location = f"/sag/plan/{scope.plan.id}?gemt={entity}#{entity}-{item_id}"
    if _is_htmx(request):
        response = Response(status_code=200)
        response.headers["HX-Redirect"] = location
        return response
    return RedirectResponse(location, status_code=303)


def _conflict(
    request: Request, *, entity: str, item_id: int, title: str, form: Any, theirs_form: Any, names: tuple[str, ...],
    version: int, action: str, template_values: dict[str, Any],
) -> Response:
    ctx = context(request)
    specs = form_specs(form, names)
    changed_by, changed_at = ctx.services.editing.last_change(entity, item_id)
    sent = editing.resolved(ctx.form, specs) if editing.is_merge(ctx.form) else ctx.form
    conflict = editing.conflict_of(
        specs, form_values(theirs_form, names), editing.values_of(sent, specs),
        show=lambda spec, values: show_value(form, spec, values),
        title=title, action=action, back=f"/sag/plan/{template_values['plan'].id}#{entity}-{item_id}", version=version,
        changed_by=changed_by, changed_at=changed_at, target=f"{entity}-{item_id}",
    )
    return render(request, "staff/conflict.html", status_code=409, block="conflict", conflict=conflict, **template_values)


# --- efforts ------------------------------------------------------------------------------------


def _effort_page(request: Request, scope: EditScope, form: EffortForm, *, effort_id: int | None, status_code: int = 200) -> Response:
    target = f"effort-{effort_id}" if effort_id is not None else "new-effort"
    action = f"/sag/plan/{scope.plan.id}/indsats/{effort_id if effort_id is not None else 'ny'}"
    return render(
        request, "staff/effort_form.html", status_code=status_code, block="effort_form", form=form, plan=scope.plan,
        effort_id=effort_id, action=action, target=target,
    )


def effort_page(request: Request) -> Response:
    ctx = context(request)
    scope = _scope(request)
    raw = request.path_params.get("effort_id")
    if scope is None:
        return _refused(request)
    if raw is None:
        if not scope.may_create_efforts:
            return _refused(request)
        choices = ctx.services.editing.effort_choices(scope, None)
        member = scope.plan.citizen.id
        department = scope.viewer.department_id if any(d == scope.viewer.department_id for d, _n in choices.departments) else None
        form = EffortForm(choices=choices, member_person_id=str(member), department_id=str(department or ""), status="planned")
        return _effort_page(request, scope, form, effort_id=None)
    effort_id = parse_id(raw)
    effort = scope.effort(effort_id) if effort_id is not None else None
    if effort is None:
        return _refused(request)
    choices = ctx.services.editing.effort_choices(scope, effort)
    form = EffortForm(choices=choices, **effort_form_data(effort, hidden_after=choices.hidden_after))
    _editing(request, scope, f"effort:{effort.id}")
    return _effort_page(request, scope, form, effort_id=effort.id)


def save_effort(request: Request) -> Response:
    ctx = context(request)
    assert ctx.principal.user is not None
    scope = _scope(request)
    raw = request.path_params.get("effort_id")
    if scope is None:
        return _refused(request)
    effort = None
    if raw is None:
        if not scope.may_create_efforts:
            return _refused(request)
    else:
        effort_id = parse_id(raw)
        effort = scope.effort(effort_id) if effort_id is not None else None
        if effort is None:
            return _refused(request)
    choices = ctx.services.editing.effort_choices(scope, effort)
    form = _form_data(request, EFFORT_FIELDS, EffortForm, choices=choices)
    item_id = effort.id if effort is not None else None
    if not form.validate():
        return _effort_page(request, scope, form, effort_id=item_id, status_code=422)
    department_id = form.id_of(form.department_id)
    assert scope.may_put_effort_in(department_id) or department_id is None  # the choices hold only those
    values = {
        "title": form.title.data, "description": form.description.data or "",
        "member_person_id": form.id_of(form.member_person_id), "department_id": department_id,
        "responsible_user_id": form.id_of(form.responsible_user_id), "participant_id": form.id_of(form.participant_id),
        "legal_basis_code": form.legal_basis_code.data or None, "start_date": form.start_date.data,
        "end_date": form.end_date.data, "status": form.status.data, "precondition_text": form.precondition_text.data or None,
        "after_effort_id": KEEP if form.after_effort == HIDDEN_AFTER else form.after_effort,
        "counts_as_activation": bool(form.counts_as_activation.data), "support_kind": form.support_kind.data or None,
        "physical_demands": list(form.physical_demands.data or []), "monthly_cost_dkk": form.cost,
        "slots": form.slots.data, "goal_ids": [int(g) for g in form.goal_ids.data or []],
    }
    saved = ctx.services.editing.save_effort(
        scope.plan.id, item_id, values, seen_version=form.version.data, by=ctx.principal.user, now=ctx.now,
    )
    if saved.result is SaveResult.GONE:
        return _refused(request)
    if saved.result is SaveResult.STALE:
        assert item_id is not None
        fresh = _scope(request)
        current = fresh.effort(item_id) if fresh is not None else None
        if fresh is None or current is None:
            return _refused(request, reason="no_longer_yours")
        fresh_choices = ctx.services.editing.effort_choices(fresh, current)
        theirs = EffortForm(choices=fresh_choices, **effort_form_data(current, hidden_after=fresh_choices.hidden_after))
        shown = EffortForm(choices=fresh_choices)
        return _conflict(
            request, entity="effort", item_id=item_id, title=current.title, form=shown, theirs_form=theirs,
            names=EFFORT_FIELDS, version=current.version, action=f"/sag/plan/{fresh.plan.id}/indsats/{item_id}",
            template_values={"plan": fresh.plan},
        )
    assert saved.item_id is not None
    if item_id is None:
        return _created(request, scope, "effort", saved.item_id)
    return _saved_item(request, scope, entity="effort", item_id=saved.item_id)


# --- goals --------------------------------------------------------------------------------------


def _goal_page(request: Request, scope: EditScope, form: GoalEditForm, *, goal_id: int | None, status_code: int = 200) -> Response:
    target = f"goal-{goal_id}" if goal_id is not None else "new-goal"
    action = f"/sag/plan/{scope.plan.id}/maal/{goal_id if goal_id is not None else 'ny'}"
    return render(
        request, "staff/goal_form.html", status_code=status_code, block="goal_form", form=form, plan=scope.plan,
        goal_id=goal_id, action=action, target=target,
    )


def goal_page(request: Request) -> Response:
    scope = _scope(request)
    if scope is None or not scope.may_edit_goals:
        return _refused(request)
    choices = context(request).services.editing.goal_choices(scope)
    raw = request.path_params.get("goal_id")
    if raw is None:
        form = GoalEditForm(choices=choices, member_person_id=str(scope.plan.citizen.id), status="proposed", show_on_front=True)
        return _goal_page(request, scope, form, goal_id=None)
    goal_id = parse_id(raw)
    goal = scope.goal(goal_id) if goal_id is not None else None
    if goal is None:
        return _refused(request)
    form = GoalEditForm(choices=choices, goal_id=goal.id, **goal_form_data(goal))
    _editing(request, scope, f"goal:{goal.id}")
    return _goal_page(request, scope, form, goal_id=goal.id)


def save_goal(request: Request) -> Response:
    ctx = context(request)
    assert ctx.principal.user is not None
    scope = _scope(request)
    if scope is None or not scope.may_edit_goals:
        return _refused(request)
    raw = request.path_params.get("goal_id")
    goal = None
    if raw is not None:
        goal_id = parse_id(raw)
        goal = scope.goal(goal_id) if goal_id is not None else None
        if goal is None:
            return _refused(request)
    item_id = goal.id if goal is not None else None
    choices = ctx.services.editing.goal_choices(scope)
    form = _form_data(request, GOAL_FIELDS, GoalEditForm, choices=choices, goal_id=item_id)
    if not form.validate():
        return _goal_page(request, scope, form, goal_id=item_id, status_code=422)
    saved = ctx.services.editing.save_goal(
        scope.plan.id, item_id, goal_changes(form), seen_version=form.version.data, by=ctx.principal.user, now=ctx.now,
    )
    if saved.result is SaveResult.GONE:
        return _refused(request)
    if saved.result is SaveResult.STALE:
        assert item_id is not None
        fresh = _scope(request)
        current = fresh.goal(item_id) if fresh is not None else None
        if fresh is None or current is None:
            return _refused(request, reason="no_longer_yours")
        fresh_choices = ctx.services.editing.goal_choices(fresh)
        theirs = GoalEditForm(choices=fresh_choices, goal_id=item_id, **goal_form_data(current))
        return _conflict(
            request, entity="goal", item_id=item_id, title=current.citizen_wording,
            form=GoalEditForm(choices=fresh_choices, goal_id=item_id), theirs_form=theirs, names=GOAL_FIELDS,
            version=current.version, action=f"/sag/plan/{fresh.plan.id}/maal/{item_id}", template_values={"plan": fresh.plan},
        )
    assert saved.item_id is not None
    if item_id is None:
        return _created(request, scope, "goal", saved.item_id)
    return _saved_item(request, scope, entity="goal", item_id=saved.item_id)


def routes() -> list[DeclaredRoute]:
    plan = "/sag/plan/{plan_id}"
    return [
        route(plan + "/indsats/ny", effort_page, access=Access.STAFF, name="new_effort"),
        route(plan + "/indsats/ny", save_effort, access=Access.STAFF, methods=("POST",), name="create_effort"),
        route(plan + "/indsats/{effort_id}", effort_page, access=Access.STAFF, name="edit_effort"),
        route(plan + "/indsats/{effort_id}", save_effort, access=Access.STAFF, methods=("POST",), name="save_effort"),
        route(plan + "/maal/ny", goal_page, access=Access.STAFF, name="new_goal"),
        route(plan + "/maal/ny", save_goal, access=Access.STAFF, methods=("POST",), name="create_goal"),
        route(plan + "/maal/{goal_id}", goal_page, access=Access.STAFF, name="edit_goal"),
        route(plan + "/maal/{goal_id}", save_goal, access=Access.STAFF, methods=("POST",), name="save_goal"),
    ]


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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
from portal.plans.efforts import KEEP, EditScope, Saved, SaveResult, edit_scope
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
        changed_by=changed_by, changed_at=changed_at, target=f"{entity}-{item_id}" if _is_htmx(request) else None,
    )
    return render(request, "staff/conflict.html", status_code=409, block="conflict", conflict=conflict, **template_values)


# --- one shape for efforts and goals -------------------------------------------------------------


@dataclass(frozen=True)
class ItemKind:
    """What differs between editing an effort and a goal; the pages and saves below are shared."""

    entity: str                                          # "effort" / "goal": anchors, presence keys
    segment: str                                         # "indsats" / "maal" in the address
    template: str
    names: tuple[str, ...]                               # the form's fields, for the conflict view
    form_class: Any
    may_edit: Callable[[EditScope], bool]                # may this caseworker change any of these at all
    may_create: Callable[[EditScope], bool]
    find: Callable[[EditScope, int], Any]                # the item, if this caseworker may change it
    choices: Callable[[Request, EditScope, Any], Any]    # the form's choices, for the item (None: a new one)
    form_extra: Callable[[int | None], dict[str, Any]]   # fixed form arguments, e.g. the goal's id
    item_data: Callable[[Any, Any], dict[str, Any]]      # an item's values for its form
    blank: Callable[[EditScope, Any], dict[str, Any]]    # a new item's first values
    values: Callable[[EditScope, Any], Mapping[str, Any]]  # a checked form's values for the service
    save: Callable[[Request], Callable[..., Saved]]
    title: Callable[[Any], str]

    def new_form(self, item_id: int | None, choices: Any, **values: Any) -> Any:
        return self.form_class(choices=choices, **self.form_extra(item_id), **values)


def _item_page(request: Request, kind: ItemKind, scope: EditScope, form: Any, *, item_id: int | None, status_code: int = 200) -> Response:
    target = f"{kind.entity}-{item_id}" if item_id is not None else f"new-{kind.entity}"
    action = f"/sag/plan/{scope.plan.id}/{kind.segment}/{item_id if item_id is not None else 'ny'}"
    return render(
        request, kind.template, status_code=status_code, block=f"{kind.entity}_form", form=form, plan=scope.plan,
        # The hx-* attributes only for the plan page's block: on a page of its own there is no
        # #effort-N to swap into, htmx would refuse to send, and the button would do nothing.
        action=action, target=target, in_place=_is_htmx(request), **{f"{kind.entity}_id": item_id},
    )


def _item_form_page(request: Request, kind: ItemKind) -> Response:
    scope = _scope(request)
    if scope is None or not kind.may_edit(scope):
        return _refused(request)
    raw = request.path_params.get(f"{kind.entity}_id")
    if raw is None:
        if not kind.may_create(scope):
            return _refused(request)
        choices = kind.choices(request, scope, None)
        return _item_page(request, kind, scope, kind.new_form(None, choices, **kind.blank(scope, choices)), item_id=None)
    item_id = parse_id(raw)
    item = kind.find(scope, item_id) if item_id is not None else None
    if item is None:
        return _refused(request)
    choices = kind.choices(request, scope, item)
    form = kind.new_form(item.id, choices, **kind.item_data(item, choices))
    _editing(request, scope, f"{kind.entity}:{item.id}")
    return _item_page(request, kind, scope, form, item_id=item.id)


def _save_item(request: Request, kind: ItemKind) -> Response:
    ctx = context(request)
    assert ctx.principal.user is not None
    scope = _scope(request)
    if scope is None or not kind.may_edit(scope):
        return _refused(request)
    raw = request.path_params.get(f"{kind.entity}_id")
    item = None
    if raw is None:
        if not kind.may_create(scope):
            return _refused(request)
    else:
        found_id = parse_id(raw)
        item = kind.find(scope, found_id) if found_id is not None else None
        if item is None:
            return _refused(request)
    item_id = item.id if item is not None else None
    choices = kind.choices(request, scope, item)
    form = _form_data(request, kind.names, kind.form_class, choices=choices, **kind.form_extra(item_id))
    if not form.validate():
        return _item_page(request, kind, scope, form, item_id=item_id, status_code=422)
    saved = kind.save(request)(
        scope.plan.id, item_id, kind.values(scope, form), seen_version=form.version.data, by=ctx.principal.user, now=ctx.now,
    )
    if saved.result is SaveResult.GONE:
        return _refused(request)
    if saved.result is SaveResult.STALE:
        assert item_id is not None
        fresh = _scope(request)
        current = kind.find(fresh, item_id) if fresh is not None else None
        if fresh is None or current is None:
            return _refused(request, reason="no_longer_yours")
        fresh_choices = kind.choices(request, fresh, current)
        theirs = kind.new_form(item_id, fresh_choices, **kind.item_data(current, fresh_choices))
        return _conflict(
            request, entity=kind.entity, item_id=item_id, title=kind.title(current), form=kind.new_form(item_id, fresh_choices),
            theirs_form=theirs, names=kind.names, version=current.version,
            action=f"/sag/plan/{fresh.plan.id}/{kind.segment}/{item_id}", template_values={"plan": fresh.plan},
        )
    assert saved.item_id is not None
    if item_id is None:
        return _created(request, scope, kind.entity, saved.item_id)
    return _saved_item(request, scope, entity=kind.entity, item_id=saved.item_id)


# --- efforts ------------------------------------------------------------------------------------


def _effort_blank(scope: EditScope, choices: Any) -> dict[str, Any]:
    # The caseworker's own department, when they may put the effort there.
    department = scope.viewer.department_id if any(d == scope.viewer.department_id for d, _n in choices.departments) else None
    return {"member_person_id": str(scope.plan.citizen.id), "department_id": str(department or ""), "status": "planned"}


def _effort_values(scope: EditScope, form: EffortForm) -> dict[str, Any]:
    department_id = form.id_of(form.department_id)
    assert scope.may_put_effort_in(department_id) or department_id is None  # the choices hold only those
    return {
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


EFFORT = ItemKind(
    entity="effort", segment="indsats", template="staff/effort_form.html", names=EFFORT_FIELDS, form_class=EffortForm,
    may_edit=lambda scope: True,  # an effort is checked one by one: scope.effort() holds only those they may change
    may_create=lambda scope: scope.may_create_efforts,
    find=lambda scope, item_id: scope.effort(item_id),
    choices=lambda request, scope, item: context(request).services.editing.effort_choices(scope, item),
    form_extra=lambda item_id: {},
    item_data=lambda item, choices: effort_form_data(item, hidden_after=choices.hidden_after),
    blank=_effort_blank,
    values=_effort_values,
    save=lambda request: context(request).services.editing.save_effort,
    title=lambda item: str(item.title),
)


def effort_page(request: Request) -> Response:
    return _item_form_page(request, EFFORT)


def save_effort(request: Request) -> Response:
    return _save_item(request, EFFORT)


# --- goals --------------------------------------------------------------------------------------


GOAL = ItemKind(
    entity="goal", segment="maal", template="staff/goal_form.html", names=GOAL_FIELDS, form_class=GoalEditForm,
    may_edit=lambda scope: scope.may_edit_goals,
    may_create=lambda scope: True,  # who may change goals may add them
    find=lambda scope, item_id: scope.goal(item_id),
    choices=lambda request, scope, item: context(request).services.editing.goal_choices(scope),
    form_extra=lambda item_id: {"goal_id": item_id},
    item_data=lambda item, choices: goal_form_data(item),
    blank=lambda scope, choices: {"member_person_id": str(scope.plan.citizen.id), "status": "proposed", "show_on_front": True},
    values=lambda scope, form: goal_changes(form),
    save=lambda request: context(request).services.editing.save_goal,
    title=lambda item: str(item.citizen_wording),
)


def goal_page(request: Request) -> Response:
    return _item_form_page(request, GOAL)


def save_goal(request: Request) -> Response:
    return _save_item(request, GOAL)


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


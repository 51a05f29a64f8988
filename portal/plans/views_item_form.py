"""One view shape for a plan's small items (meetings, outside participants, shared assessments):
a form page to make one and one to change one. ``ItemKind`` says what differs per kind;
``item_routes`` gives a kind its four routes.

The pages work without JavaScript. With htmx the plan page fetches the same address for the
form's block, posts it, and swaps the item's block (``meeting_item`` … of staff/_plan_setup.html)
with the answer: the saved item, the form with its errors (422), or the conflict view (409,
portal/plans/editing.py), field by field with keep theirs, use mine and a merge.

An item the caseworker may not change (or cannot see) is a 404 with a security event, the same
as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.access import (
    Access,
    Viewer,
    may_add_meeting,
    may_add_participant,
    may_edit_assessment,
    may_edit_meeting,
    may_edit_participant,
)
from portal.forms import Form
from portal.labels import label
from portal.plans import editing
from portal.plans.edit_forms import form_values
from portal.plans.readmodels import AssessmentItem, MeetingItem
from portal.plans.setup import PlanAccess
from portal.plans.snapshots import PlanSnapshot
from portal.plans.views_setup import conflict_page, plan_access, refused, staff_user
from portal.web import DeclaredRoute, context, parse_id, render, route

View = Callable[[Request], Response]


@dataclass(frozen=True)
class ItemKind:
    """What differs between the kinds of item; the views below are the same for all."""

    entity: str        # the revision entity; also the item's block ("meeting_item") and id ("meeting-7") on the plan page
    segment: str       # the path segment ("moeder"), also the plan page's section
    param: str         # the item's path parameter ("meeting_id")
    fields: tuple[tuple[str, tuple[str, ...]], ...]   # each field (its revision name) and the form inputs that carry it
    new_heading: Callable[[], str]
    edit_heading: Callable[[], str]
    form: Callable[..., Any]                               # (request, found, formdata, **data) → the kind's form
    may_add: Callable[[PlanAccess], bool]
    find: Callable[[Request, PlanAccess, int], Any]        # the row, when this caseworker may change it; else None
    form_data: Callable[[Any], dict[str, Any]]             # a row as form data, with its version
    new_data: Callable[[PlanAccess], dict[str, Any]]       # a new form's defaults
    add: Callable[[Request, PlanAccess, dict[str, Any]], object]
    title: Callable[[Any], str]                            # the row in words, for the conflict view
    shown: Callable[[PlanSnapshot, int], Any]              # the item's read model, for its block

    def specs(self) -> tuple[editing.FieldSpec, ...]:
        return tuple(editing.FieldSpec(name, label("item_field", name), inputs) for name, inputs in self.fields)


@dataclass(frozen=True)
class PlanTools:
    """What the plan page offers this caseworker to change (portal/access.py decides each)."""

    may_manage: bool
    may_add_meeting: bool
    meeting_ids: frozenset[int]          # meetings they may change
    may_add_participant: bool
    may_edit_participants: bool
    may_add_assessment: bool
    assessment_ids: frozenset[int]       # assessments they may change


def tools_of(viewer: Viewer, facts: Any, visibility: Any, meetings: Iterable[MeetingItem],
             assessments: Iterable[AssessmentItem]) -> PlanTools:
    from portal.access import may_manage_plan

    department_id = viewer.department_id
    return PlanTools(
        may_manage=may_manage_plan(viewer, facts, visibility),
        may_add_meeting=may_add_meeting(viewer, visibility),
        meeting_ids=frozenset(m.id for m in meetings if may_edit_meeting(viewer, facts, visibility, m.with_user_id)),
        may_add_participant=may_add_participant(viewer, visibility),
        may_edit_participants=may_edit_participant(viewer, facts, visibility),
        may_add_assessment=department_id is not None and may_edit_assessment(viewer, visibility, department_id),
        assessment_ids=frozenset(a.id for a in assessments if may_edit_assessment(viewer, visibility, a.department_id)),
    )


def _in_place(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _page(request: Request, found: PlanAccess, kind: ItemKind, form: Form, *, item_id: int | None,
          status_code: int = 200) -> Response:
    # The hx-* attributes only in the plan page's block: on a page of its own the form is a plain form.
    target = f"{kind.entity}-{item_id}" if item_id is not None and _in_place(request) else None
    return render(
        request, "staff/plan_item.html", status_code=status_code, block="form", plan=found.snapshot.header, form=form,
        kind=kind.entity, heading=kind.edit_heading() if item_id is not None else kind.new_heading(),
        action=request.url.path, target=target,
    )


def _found(request: Request, kind: ItemKind) -> tuple[PlanAccess, Any] | None:
    found = plan_access(request, record_read=True)
    item_id = parse_id(request.path_params[kind.param])
    if found is None or item_id is None:
        return None
    row = kind.find(request, found, item_id)
    return (found, row) if row is not None else None


def _posted(request: Request, kind: ItemKind) -> FormData:
    """The posted form; a merge from the conflict view is first resolved to plain values."""
    posted = context(request).form
    return editing.resolved(posted, kind.specs()) if editing.is_merge(posted) else posted


def _conflict(request: Request, found: PlanAccess, kind: ItemKind, row: Any, posted: FormData, version: int) -> Response:
    specs = kind.specs()
    inputs = tuple(name for spec in specs for name in spec.inputs)
    # The row was read in this request, after the other save: it holds what is saved now.
    theirs = form_values(kind.form(request, found, None, **kind.form_data(row)), inputs)
    plan = found.snapshot.header
    target = f"{kind.entity}-{row.id}"
    return conflict_page(
        request, plan, specs=specs, theirs=theirs, posted=posted, form=kind.form(request, found, None),
        title=kind.title(row), back=f"/sag/plan/{plan.id}#{target}", version=version, entity=kind.entity,
        entity_id=row.id, target=target if _in_place(request) else None,
    )


def _saved(request: Request, found: PlanAccess, kind: ItemKind, item_id: int | None) -> Response:
    """After a save: the plan page for a plain form; for htmx the item's fresh block."""
    plan_id = found.snapshot.header.id
    if item_id is None or not _in_place(request):
        return RedirectResponse(f"/sag/plan/{plan_id}?gemt={kind.entity}#{kind.segment}", status_code=303)
    # Read again in this transaction: a kept snapshot could outlive a save that is rolled back.
    snapshot = context(request).services.plans.fresh_snapshot(plan_id)
    item = kind.shown(snapshot, item_id) if snapshot is not None else None
    if snapshot is None or item is None:
        return refused(request)
    tools = tools_of(found.viewer, snapshot.facts, found.visibility, snapshot.meetings, snapshot.assessments)
    values = {kind.entity: item, "plan": snapshot.header, "tools": tools, "item_saved": True}
    return render(request, "staff/_plan_setup.html", block=f"{kind.entity}_item", **values)


def item_routes(kind: ItemKind) -> list[DeclaredRoute]:
    """The kind's four routes: a new one's form and its post, an item's form and its post."""
    entity = kind.entity

    def new_page(request: Request) -> Response:
        found = plan_access(request, record_read=True)
        if found is None or not kind.may_add(found):
            return refused(request)
        form = kind.form(request, found, None, check_version=False, **kind.new_data(found))
        return _page(request, found, kind, form, item_id=None)

    def add(request: Request) -> Response:
        found = plan_access(request, record_read=False)
        if found is None or not kind.may_add(found):
            return refused(request)
        form = kind.form(request, found, context(request).form, check_version=False)
        if not form.validate():
            return _page(request, found, kind, form, item_id=None, status_code=422)
        kind.add(request, found, form.values)
        return _saved(request, found, kind, None)

    def page(request: Request) -> Response:
        got = _found(request, kind)
        if got is None:
            return refused(request, **{kind.param: request.path_params[kind.param]})
        found, row = got
        return _page(request, found, kind, kind.form(request, found, None, **kind.form_data(row)), item_id=row.id)

    def change(request: Request) -> Response:
        ctx = context(request)
        got = _found(request, kind)
        if got is None:
            return refused(request, **{kind.param: request.path_params[kind.param]})
        found, row = got
        posted = _posted(request, kind)
        form = kind.form(request, found, posted)
        if not form.validate():
            return _page(request, found, kind, form, item_id=row.id, status_code=422)
        assert form.version.data is not None
        stale = ctx.services.plan_items.change(row, entity=entity, plan_id=found.snapshot.header.id,
                                               seen_version=form.version.data, values=form.values,
                                               by=staff_user(request), now=ctx.now)
        if stale is not None:
            return _conflict(request, found, kind, row, posted, stale.version)
        return _saved(request, found, kind, row.id)

    base = f"/sag/plan/{{plan_id}}/{kind.segment}"
    table: list[tuple[str, View, str, str]] = [
        ("/ny", new_page, "GET", f"new_{entity}"),
        ("/ny", add, "POST", f"add_{entity}"),
        (f"/{{{kind.param}}}", page, "GET", entity),
        (f"/{{{kind.param}}}", change, "POST", f"change_{entity}"),
    ]
    return [route(base + path, view, access=Access.STAFF, methods=(method,), name=name) for path, view, method, name in table]

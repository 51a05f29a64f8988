"""A plan for a citizen who has none; a family plan's children; the contact person and deputy.

Form parse → access rule (portal/access.py) → service → redirect; 422 with field errors, 404 and
a security event for a plan the caseworker may not change, 409 and the conflict view when stale
(``conflict_page``, shared with the plan's items in portal/plans/views_item_form.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_date
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import i18n
from portal.access import Access, may_create_plan, may_manage_plan, viewer_of
from portal.accounts.models import User
from portal.forms import Form, IsoDateField
from portal.i18n import gettext as _
from portal.labels import label
from portal.plans import editing
from portal.plans.changes import Stale
from portal.plans.edit_forms import show_value
from portal.plans.forms_setup import ChildForm, KeepersForm, NewPlanForm
from portal.plans.setup import PlanAccess
from portal.web import DeclaredRoute, context, not_found, parse_id, render, route


def staff_user(request: Request) -> User:
    user = context(request).principal.user
    assert user is not None  # guaranteed by Access.STAFF
    return user


def plan_access(request: Request, *, record_read: bool) -> PlanAccess | None:
    """The plan of the path, as this caseworker may open it; a page that shows it is a logged read."""
    ctx = context(request)
    plan_id = parse_id(request.path_params["plan_id"])
    if plan_id is None:
        return None
    found = ctx.services.plan_setup.access(staff_user(request), plan_id, ctx.now)
    if found is not None and record_read and request.method == "GET":
        ctx.audit.staff_read(plan_id, staff_user(request), found.visibility.reason, found.visibility.consent_id)
    return found


def refused(request: Request, **detail: Any) -> Response:
    return not_found(request, plan_id=request.path_params.get("plan_id"), **detail)


def show_inputs(form: Form, spec: editing.FieldSpec, values: editing.Values) -> str:
    """A field's values in words (names, not ids; dates written out), its inputs side by side."""
    parts = []
    for name in spec.inputs:
        text = show_value(form, editing.FieldSpec(name, spec.label, (name,)), values)
        if isinstance(form[name], IsoDateField) and text != "–":
            try:
                text = format_date(dt.date.fromisoformat(text), format="long", locale=i18n.babel_locale())
            except ValueError:
                pass  # shown as typed
        parts.append(text)
    return " ".join(part for part in parts if part != "–") or "–"


def conflict_page(
    request: Request, plan: Any, *, specs: tuple[editing.FieldSpec, ...], theirs: editing.Values, posted: FormData,
    form: Form, title: str, back: str, version: int, entity: str, entity_id: int, target: str | None,
) -> Response:
    """The 409 conflict view (portal/plans/editing.py): what is saved now and what was sent, field by
    field, with keep theirs, use mine and a merge. ``form`` names the choices of select fields."""
    changed_by, changed_at = context(request).services.editing.last_change(entity, entity_id)
    conflict = editing.conflict_of(
        specs, theirs, editing.values_of(posted, specs), show=lambda spec, values: show_inputs(form, spec, values),
        title=title, action=request.url.path, back=back, version=version, changed_by=changed_by, changed_at=changed_at,
        target=target,
    )
    return render(request, "staff/conflict.html", status_code=409, block="conflict", conflict=conflict, plan=plan)


# --- a new plan ----------------------------------------------------------------------------------


def _municipality_id(user: User) -> int | None:
    return viewer_of(user).municipality_id


def _new_plan_page(request: Request, citizen: Any, form: NewPlanForm | None, status_code: int = 200) -> Response:
    ctx = context(request)
    user = staff_user(request)
    without = [] if citizen is not None else ctx.services.plan_setup.citizens_without_plan(_municipality_id(user))
    return render(request, "staff/new_plan.html", status_code=status_code, block="form" if form else None,
                  citizen=citizen, form=form, without_plan=without)


def _citizen_for_plan(request: Request, raw: object) -> Any:
    """The citizen a new plan is for, when this caseworker may make it and they have none yet."""
    ctx = context(request)
    person_id = parse_id(raw) if isinstance(raw, str) else None
    citizen = ctx.services.plan_setup.citizen(person_id) if person_id is not None else None
    if citizen is None or not may_create_plan(viewer_of(staff_user(request)), citizen.municipality_id):
        return None
    return citizen


def new_plan(request: Request) -> Response:
    ctx = context(request)
    raw = request.query_params.get("borger")
    if raw is None:
        return _new_plan_page(request, None, None)
    citizen = _citizen_for_plan(request, raw)
    if citizen is None:
        return not_found(request, citizen=raw[:20])
    if ctx.services.plan_setup.has_plan(citizen.id):
        return _new_plan_page(request, citizen, None, status_code=409)
    staff = ctx.services.plan_setup.caseworkers(citizen.municipality_id)
    user = staff_user(request)
    return _new_plan_page(request, citizen, NewPlanForm(staff=staff, kind="citizen", contact=str(user.id), deputy=""))


def create_plan(request: Request) -> Response:
    ctx = context(request)
    citizen = _citizen_for_plan(request, ctx.form.get("borger"))
    if citizen is None:
        return not_found(request, citizen=str(ctx.form.get("borger"))[:20])
    form = NewPlanForm(ctx.form, staff=ctx.services.plan_setup.caseworkers(citizen.municipality_id))
    if not form.validate():
        return _new_plan_page(request, citizen, form, status_code=422)
    plan_id = ctx.services.plan_setup.create_plan(
        citizen=citizen, kind=form.kind.data, municipality_id=citizen.municipality_id, contact_user_id=form.contact_id,
        deputy_user_id=form.deputy_id, by=staff_user(request), now=ctx.now,
    )
    if plan_id is None:
        return _new_plan_page(request, citizen, None, status_code=409)
    user = staff_user(request)
    if user.id in (form.contact_id, form.deputy_id):
        return RedirectResponse(f"/sag/plan/{plan_id}?gemt=plan", status_code=303)
    # Made for a colleague: it is theirs to open.
    return RedirectResponse("/sag/?gemt=plan", status_code=303)


# --- members ---------------------------------------------------------------------------------------


def _managed(request: Request) -> PlanAccess | None:
    found = plan_access(request, record_read=True)
    if found is None or not may_manage_plan(found.viewer, found.snapshot.facts, found.visibility):
        return None
    return found


def _adults(found: PlanAccess) -> list[Any]:
    children = {m.person_id for m in found.snapshot.members if m.custody_holder_id is not None}
    return [p for p in found.snapshot.header.members if p.id not in children]


def _members_page(request: Request, found: PlanAccess, form: ChildForm | None = None, status_code: int = 200,
                  problem: str | None = None) -> Response:
    ctx = context(request)
    form = form or ChildForm(adults=_adults(found), today=ctx.today)
    custody = {m.person_id: m.custody_holder_id for m in found.snapshot.members}
    names = {p.id: p.full_name for p in found.snapshot.header.members}
    return render(request, "staff/plan_members.html", status_code=status_code, plan=found.snapshot.header,
                  form=form, custody=custody, names=names, problem=problem, saved=request.query_params.get("gemt"))


def members(request: Request) -> Response:
    found = _managed(request)
    if found is None:
        return refused(request)
    return _members_page(request, found)


def add_member(request: Request) -> Response:
    ctx = context(request)
    found = _managed(request)
    if found is None:
        return refused(request)
    header = found.snapshot.header
    form = ChildForm(ctx.form, adults=_adults(found), today=ctx.today)
    if header.kind != "family":
        form.validate()
        form.form_errors.append(_("Children can only be added to a family plan."))
        return _members_page(request, found, form, status_code=422)
    if not form.validate():
        return _members_page(request, found, form, status_code=422)
    ctx.services.plan_setup.add_child(
        header.id, full_name=form.full_name.data, first_name=form.first_name.data, birth_year=form.birth_year_or_none,
        custody_holder_id=int(form.custody_holder.data), municipality_id=found.snapshot.facts.municipality_id,
        by=staff_user(request), now=ctx.now,
    )
    return RedirectResponse(f"/sag/plan/{header.id}/medlemmer?gemt=tilfoejet", status_code=303)


def remove_member(request: Request) -> Response:
    ctx = context(request)
    found = _managed(request)
    person_id = parse_id(request.path_params["person_id"])
    if found is None or person_id is None:
        return refused(request)
    members_by_id = {m.person_id: m for m in found.snapshot.members}
    if person_id not in members_by_id or person_id == found.snapshot.header.citizen.id:
        return refused(request, person_id=person_id)
    if ctx.services.plan_setup.member_has_items(person_id):
        problem = _("Remove or move the goals and efforts about this person first.")
        return _members_page(request, found, status_code=422, problem=problem)
    ctx.services.plan_setup.remove_member(found.snapshot.header.id, person_id, by=staff_user(request), now=ctx.now)
    return RedirectResponse(f"/sag/plan/{found.snapshot.header.id}/medlemmer?gemt=fjernet", status_code=303)


# --- contact person and deputy -------------------------------------------------------------------


def _keepers_page(request: Request, found: PlanAccess, form: KeepersForm, status_code: int = 200) -> Response:
    return render(request, "staff/plan_keepers.html", status_code=status_code, block="form" if status_code != 200 else None,
                  plan=found.snapshot.header, form=form)


KEEPER_FIELDS = (("contact_user_id", "contact"), ("deputy_user_id", "deputy"))


def _keeper_specs() -> tuple[editing.FieldSpec, ...]:
    return tuple(editing.FieldSpec(name, label("item_field", name), (field,)) for name, field in KEEPER_FIELDS)


def _current_keepers(found: PlanAccess) -> dict[str, str]:
    facts = found.snapshot.facts
    return {"contact": str(facts.contact_user_id or ""), "deputy": str(facts.deputy_user_id or "")}


def keepers(request: Request) -> Response:
    ctx = context(request)
    found = _managed(request)
    if found is None:
        return refused(request)
    staff = ctx.services.plan_setup.caseworkers(found.snapshot.facts.municipality_id)
    current = _current_keepers(found)
    form = KeepersForm(staff=staff, version=found.snapshot.header.version, contact=current["contact"], deputy=current["deputy"])
    return _keepers_page(request, found, form)


def change_keepers(request: Request) -> Response:
    ctx = context(request)
    found = _managed(request)
    if found is None:
        return refused(request)
    staff = ctx.services.plan_setup.caseworkers(found.snapshot.facts.municipality_id)
    posted = editing.resolved(ctx.form, _keeper_specs()) if editing.is_merge(ctx.form) else ctx.form
    form = KeepersForm(posted, staff=staff)
    if not form.validate():
        return _keepers_page(request, found, form, status_code=422)
    assert form.version.data is not None
    plan_id = found.snapshot.header.id
    stale = ctx.services.plan_setup.change_keepers(
        plan_id, seen_version=form.version.data, contact_user_id=form.contact_id, deputy_user_id=form.deputy_id,
        by=staff_user(request), now=ctx.now,
    )
    if isinstance(stale, Stale):
        theirs = {field: (str(stale.current[name]),) if stale.current.get(name) else () for name, field in KEEPER_FIELDS}
        return conflict_page(
            request, found.snapshot.header, specs=_keeper_specs(), theirs=theirs, posted=posted,
            form=KeepersForm(staff=staff), title=_("Contact person and deputy"), back=f"/sag/plan/{plan_id}",
            version=stale.version, entity="plan", entity_id=plan_id, target=None,
        )
    if staff_user(request).id not in (form.contact_id, form.deputy_id):
        return RedirectResponse("/sag/?gemt=kontaktperson", status_code=303)
    return RedirectResponse(f"/sag/plan/{plan_id}?gemt=kontaktperson", status_code=303)


def routes() -> list[DeclaredRoute]:
    return [
        route("/sag/plan/ny", new_plan, access=Access.STAFF, name="new_plan"),
        route("/sag/plan/ny", create_plan, access=Access.STAFF, methods=("POST",), name="create_plan"),
        route("/sag/plan/{plan_id}/medlemmer", members, access=Access.STAFF, name="plan_members"),
        route("/sag/plan/{plan_id}/medlemmer", add_member, access=Access.STAFF, methods=("POST",), name="add_member"),
        route("/sag/plan/{plan_id}/medlemmer/{person_id}/fjern", remove_member, access=Access.STAFF, methods=("POST",),
              name="remove_member"),
        route("/sag/plan/{plan_id}/kontaktperson", keepers, access=Access.STAFF, name="plan_keepers"),
        route("/sag/plan/{plan_id}/kontaktperson", change_keepers, access=Access.STAFF, methods=("POST",),
              name="change_keepers"),
    ]

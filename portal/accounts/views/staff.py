"""New accounts: caseworkers make citizens, admins make staff; each gets an activation letter."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal.accounts.forms import NewCitizenForm, NewStaffForm
from portal.accounts.models import User
from portal.accounts.proofing import IssuedActivation
from portal.accounts.views.common import proofing
from portal.audit.services import EventKind
from portal.web import context, render


def _letter(request: Request, issued: IssuedActivation, user: User) -> Response:
    return render(request, "accounts/letter.html", issued=issued, user=user, qr_svg=qr_svg(issued.link))


def qr_svg(link: str) -> str:
    import segno

    # An inline <svg>: no image request, and the CSP allows it.
    return str(segno.make(link, error="m").svg_inline(scale=4, border=2, omitsize=False))


def new_citizen_form(request: Request) -> Response:
    return render(request, "staff/new_citizen.html", form=NewCitizenForm())


def create_citizen(request: Request) -> Response:
    ctx = context(request)
    staff = ctx.principal.user
    assert staff is not None
    form = NewCitizenForm(ctx.form)
    if not form.validate():
        return render(request, "staff/new_citizen.html", status_code=422, block="form", form=form)
    citizen = ctx.services.accounts.create_citizen(form.full_name.data, form.first_name.data, created_by=staff)
    issued = proofing(request).issue(citizen, staff, ctx.now)
    ctx.audit.security_event(EventKind.ACCOUNT_CREATED, staff, user_id=citizen.id, role="citizen")
    return _letter(request, issued, citizen)


def admin_home(request: Request) -> Response:
    ctx = context(request)
    admin = ctx.principal.user
    assert admin is not None
    return render(request, "admin/index.html", staff=ctx.services.accounts.staff_of_municipality(admin.municipality_id))


def _staff_form(request: Request, with_input: bool) -> NewStaffForm:
    ctx = context(request)
    admin = ctx.principal.user
    assert admin is not None
    if with_input:
        return NewStaffForm(ctx.form, accounts=ctx.services.accounts, municipality_id=admin.municipality_id)
    return NewStaffForm(accounts=ctx.services.accounts, municipality_id=admin.municipality_id, role="caseworker")


def new_staff_form(request: Request) -> Response:
    return render(request, "admin/new_staff.html", form=_staff_form(request, with_input=False))


def create_staff(request: Request) -> Response:
    ctx = context(request)
    admin = ctx.principal.user
    assert admin is not None
    form = _staff_form(request, with_input=True)
    if not form.validate():
        return render(request, "admin/new_staff.html", status_code=422, block="form", form=form)
    user = ctx.services.accounts.create_staff(
        form.role.data, form.full_name.data, form.job_title_or_none, form.department, admin.municipality_id
    )
    issued = proofing(request).issue(user, admin, ctx.now)
    ctx.audit.security_event(EventKind.ACCOUNT_CREATED, admin, user_id=user.id, role=user.role)
    return _letter(request, issued, user)

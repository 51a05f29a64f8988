"""The demo's switcher: be anyone, without a passkey (only while the demo runs)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal.accounts.forms import PersonaForm
from portal.accounts.views.common import start_login
from portal.pages.views import home_for
from portal.web import context, render


def demo_personas(request: Request) -> Response:
    ctx = context(request)
    form = PersonaForm(accounts=ctx.services.accounts)
    return render(request, "demo.html", users=ctx.services.accounts.demo_personas(), form=form)


def enter_as_persona(request: Request) -> Response:
    ctx = context(request)
    form = PersonaForm(ctx.form, accounts=ctx.services.accounts)
    if not form.validate() or form.user is None:
        users = ctx.services.accounts.demo_personas()
        return render(request, "demo.html", status_code=422, block="form", users=users, form=form)
    return start_login(request, form.user, "demo", home_for(form.user.role))

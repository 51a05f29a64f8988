"""Messages: ``/beskeder`` for the citizen side, ``/sag/beskeder`` for the contact person and colleagues.

An open thread asks for news every 12 seconds with htmx (the link works without JavaScript);
an unchanged thread answers 204, so nothing is swapped and nothing is read aloud again.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.access import Access
from portal.i18n import gettext as _
from portal.messages.forms import BringInForm, MessageForm
from portal.messages.readmodels import ThreadView
from portal.messages import wording
from portal.messages.services import BringInResult
from portal.web import DeclaredRoute, context, not_found, parse_id, render, route

SCOPE = "write_messages"


def _unchanged(request: Request, view: ThreadView) -> bool:
    """An htmx poll that already shows this state of the thread."""
    return request.headers.get("hx-request") == "true" and request.query_params.get("siden") == fingerprint(view)


def _when(request: Request) -> dict[str, Any]:
    """What the templates need to say when: now, and the wording of moments and days."""
    return {"now": context(request).now, "moment": wording.moment, "day": wording.day}


def fingerprint(view: ThreadView) -> str:
    """Changes with a new message or a new receipt: what the open page must show."""
    receipts = sum(len(m.receipts) for m in view.messages)
    return f"{view.last_id}-{receipts}"


def _citizen_page(request: Request, view: ThreadView | None, form: MessageForm | None = None, status_code: int = 200) -> Response:
    if view is not None and form is None and _unchanged(request, view):
        return Response(status_code=204)
    form = form or MessageForm()
    # This user has just read everything in the one thread they have.
    request.state.unread_messages = 0
    return render(
        request, "messages/citizen.html", status_code=status_code, block="thread" if status_code == 200 else None,
        view=view, form=form, errors=form.summary(), fingerprint=fingerprint(view) if view else "",
        sent=request.query_params.get("sendt") == "1", **_when(request),
    )


def citizen_messages(request: Request) -> Response:
    ctx = context(request)
    return _citizen_page(request, ctx.services.messages.citizen_thread(ctx.principal, ctx.now))


def citizen_send(request: Request) -> Response:
    ctx = context(request)
    form = MessageForm(ctx.form)
    if not form.validate():
        view = ctx.services.messages.citizen_thread(ctx.principal, ctx.now)
        return _citizen_page(request, view, form, status_code=422)
    if not ctx.services.messages.send_from_citizen_side(ctx.principal, form.body.data, ctx.now):
        return not_found(request, reason="no_plan")
    return RedirectResponse("/beskeder?sendt=1#seneste", status_code=303)


def staff_list(request: Request) -> Response:
    ctx = context(request)
    assert ctx.principal.user is not None
    rows = ctx.services.messages.staff_threads(ctx.principal.user, ctx.now)
    request.state.unread_messages = sum(row.unread for row in rows)
    return render(request, "messages/staff_list.html", rows=rows, **_when(request))


def _staff_page(
    request: Request, plan_id: int, *, form: MessageForm | None = None, bring_in: BringInForm | None = None,
    status_code: int = 200,
) -> Response:
    ctx = context(request)
    assert ctx.principal.user is not None
    view = ctx.services.messages.staff_thread(ctx.principal.user, plan_id, ctx.now)
    if view is None:
        return not_found(request, plan_id=plan_id)
    if form is None and bring_in is None and _unchanged(request, view):
        return Response(status_code=204)
    form = form or MessageForm()
    choices = [(str(c.user_id), f"{c.name}, {c.department}" if c.department else c.name) for c in view.candidates]
    if bring_in is None:
        bring_in = BringInForm(choices=choices)
    else:
        bring_in.user_id.choices = choices
    return render(
        request, "messages/staff_thread.html", status_code=status_code,
        block="thread" if status_code == 200 else None,
        view=view, form=form, bring_in=bring_in, errors=form.summary() + bring_in.summary(),
        fingerprint=fingerprint(view), sent=request.query_params.get("sendt") == "1",
        added=request.query_params.get("tilfoejet") == "1", **_when(request),
    )


def _plan_id(request: Request) -> int | None:
    return parse_id(request.path_params["plan_id"])


def staff_thread(request: Request) -> Response:
    plan_id = _plan_id(request)
    if plan_id is None:
        return not_found(request)
    return _staff_page(request, plan_id)


def staff_send(request: Request) -> Response:
    ctx = context(request)
    assert ctx.principal.user is not None
    plan_id = _plan_id(request)
    if plan_id is None:
        return not_found(request)
    form = MessageForm(ctx.form)
    if not form.validate():
        return _staff_page(request, plan_id, form=form, status_code=422)
    if not ctx.services.messages.send_from_staff(ctx.principal.user, plan_id, form.body.data, ctx.now):
        return not_found(request, plan_id=plan_id)
    return RedirectResponse(f"/sag/beskeder/{plan_id}?sendt=1#seneste", status_code=303)


def bring_into_thread(request: Request) -> Response:
    ctx = context(request)
    assert ctx.principal.user is not None
    plan_id = _plan_id(request)
    if plan_id is None:
        return not_found(request)
    form = BringInForm(ctx.form)
    result = ctx.services.messages.bring_in(ctx.principal.user, plan_id, form.chosen_id, ctx.now)
    if result is BringInResult.NOT_FOUND:
        return not_found(request, plan_id=plan_id)
    if result is BringInResult.REFUSED:
        form.add_error("user_id", _("Choose a colleague from the list."))
        return _staff_page(request, plan_id, bring_in=form, status_code=422)
    return RedirectResponse(f"/sag/beskeder/{plan_id}?tilfoejet=1", status_code=303)


def routes() -> list[DeclaredRoute]:
    return [
        route("/beskeder", citizen_messages, access=Access.CITIZEN_SIDE, scope=SCOPE, name="messages"),
        route("/beskeder", citizen_send, access=Access.CITIZEN_SIDE, scope=SCOPE, methods=("POST",), name="send_message"),
        route("/sag/beskeder", staff_list, access=Access.STAFF, name="staff_messages"),
        route("/sag/beskeder/{plan_id}", staff_thread, access=Access.STAFF, name="staff_thread"),
        route("/sag/beskeder/{plan_id}", staff_send, access=Access.STAFF, methods=("POST",), name="staff_send_message"),
        route("/sag/beskeder/{plan_id}/deltagere", bring_into_thread, access=Access.STAFF, methods=("POST",),
              name="bring_into_thread"),
    ]

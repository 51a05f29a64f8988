"""Notification choices and the calendar link on /indstillinger, the calendar feed, and the
demo's list of caught mail."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.access import Access
from portal.errors import error_response
from portal.notifications import calendar
from portal.notifications.catcher import caught_mail
from portal.notifications.forms import CalendarForm, NotificationForm
from portal.web import DeclaredRoute, context, render, route


def save_notifications(request: Request) -> Response:
    from portal.accounts.views.settings import settings_page

    ctx = context(request)
    user = ctx.principal.user
    assert user is not None  # Access.AUTHENTICATED
    form = NotificationForm(ctx.form)
    if not form.validate():
        return settings_page(request, status_code=422, notification_form=form)
    ctx.services.notifications.save(user.id, form.email.data or None, form.chosen_kinds, ctx.now)
    return RedirectResponse("/indstillinger?besked=gemt#notifications", status_code=303)


def save_calendar(request: Request) -> Response:
    from portal.accounts.views.settings import settings_page

    ctx = context(request)
    user = ctx.principal.user
    assert user is not None  # Access.CITIZEN
    form = CalendarForm(ctx.form)
    if not form.validate():
        return settings_page(request, status_code=422, calendar_form=form)
    ctx.services.notifications.save_calendar_details(user.id, form.details.data == "details", ctx.now)
    return RedirectResponse("/indstillinger?kalender=gemt#calendar", status_code=303)


def new_calendar_link(request: Request) -> Response:
    """A new secret link, shown this once; the old one stops with this request's commit."""
    from portal.accounts.views.settings import settings_page

    ctx = context(request)
    user = ctx.principal.user
    assert user is not None  # Access.CITIZEN
    link = ctx.services.notifications.new_calendar_link(user.id, ctx.now)
    return settings_page(request, calendar_link=link)


def calendar_feed(request: Request) -> Response:
    """The feed behind the private link; an unknown or replaced link is a plain 404."""
    ctx = context(request)
    owner = ctx.services.notifications.calendar_owner(request.path_params["token"])
    view = ctx.services.plans.citizen_view(owner[0].person_id) if owner is not None and owner[0].person_id else None
    if owner is None or view is None:
        return error_response(request, 404)
    body = calendar.feed(view.efforts, view.meetings, details=owner[1], now=ctx.now, origin=request.app.state.settings.origin)
    return Response(
        body, media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "no-store", "Content-Disposition": 'inline; filename="en-plan.ics"'},
    )


def demo_mail(request: Request) -> Response:
    return render(request, "notifications/demo_mail.html", mails=caught_mail(request.app.state.settings.demo_mail_dir))


def routes() -> list[DeclaredRoute]:
    return [
        route("/indstillinger/notifikationer", save_notifications, access=Access.AUTHENTICATED, methods=("POST",), name="save_notifications"),
        route("/indstillinger/kalender", save_calendar, access=Access.CITIZEN, methods=("POST",), name="save_calendar"),
        route("/indstillinger/kalender/nyt-link", new_calendar_link, access=Access.CITIZEN, methods=("POST",), name="new_calendar_link"),
        # Public by its secret token: a phone's calendar fetches it without a login.
        route("/kalender/{token}.ics", calendar_feed, access=Access.PUBLIC, name="calendar_feed"),
        route("/demo/post", demo_mail, access=Access.DEMO, name="demo_mail"),
    ]

"""The live streams of the plan pages: ``/sag/plan/{id}/live`` (staff) and ``/min-plan/live`` (citizen side).

Opening a stream is authorised like opening the page (a 404 for a plan the viewer may not see);
it is not logged as another read of the plan: the page it belongs to was. From then on the
stream holds no database session; ``portal.live.streams`` looks again at every event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from starlette.requests import Request
from starlette.responses import Response

from portal.access import Access
from portal.audit.services import AuditTrail
from portal.i18n import gettext as _
from portal.live.bus import person_topic, plan_topic, user_topic
from portal.live.presence import Present
from portal.live.render import announcement, ended_texts, presence_lines, render_part, visible_items
from portal.live.streams import Fragments, LiveStream, resume_point, wants_stream
from portal.plans.views import citizen_plan_values, staff_plan_values
from portal.web import DeclaredRoute, StreamItem, context, not_found, parse_id, stream_route

StreamOrRefusal = Response | Callable[[], AsyncIterator[StreamItem]]

STAFF_TEMPLATE = "staff/plan.html"
CITIZEN_TEMPLATE = "citizen/plan.html"


def staff_plan_live(request: Request) -> StreamOrRefusal:
    ctx = context(request)
    user = ctx.principal.user
    assert user is not None
    plan_id = parse_id(request.path_params["plan_id"])
    if plan_id is None:
        return not_found(request)
    # A trail of its own, never written: the stream is part of the page view that was logged.
    if ctx.services.plans.staff_view(user, plan_id, ctx.now, AuditTrail()) is None:
        return not_found(request, plan_id=plan_id)
    live = ctx.services.live
    me = Present(user.id, user.display_name, user.department.name if user.department is not None else None)
    token = object()
    seen_items: dict[str, str] = {}

    def look(req: Request) -> Fragments | None:
        now_ctx = context(req)
        viewer = now_ctx.principal.user
        if viewer is None or viewer.id != me.user_id:
            return None
        view = now_ctx.services.plans.staff_view(viewer, plan_id, now_ctx.now, AuditTrail())
        if view is None:
            return None
        seen_items.clear()
        seen_items.update(visible_items(view))
        values = staff_plan_values(req, view)
        return Fragments(
            version=view.content_version,
            parts={
                "facts": render_part(req, STAFF_TEMPLATE, "plan_facts", values),
                "findings": render_part(req, STAFF_TEMPLATE, "findings", values),
                "items": render_part(req, STAFF_TEMPLATE, "plan_items", values),
            },
            labels={"facts": _label("staff"), "findings": _label("findings"), "items": _label("items")},
        )

    def presence_part() -> tuple[str, str]:
        present = presence_lines(live.presence.on_plan(plan_id), me.user_id, dict(seen_items))
        return "presence", render_part(request, STAFF_TEMPLATE, "presence", {"present": present})

    stream = LiveStream(
        # The user's own topic too: a logout or a deactivation ends the stream at once.
        request, live.bus, [plan_topic(plan_id), user_topic(user.id)], resume_point(request), look, announcement, ended_texts,
        presence_part=presence_part,
        on_open=lambda: live.presence.opened(plan_id, me, token),
        on_close=lambda: live.presence.closed(plan_id, token),
        once=not wants_stream(request),
    )
    return stream.events


def my_plan_live(request: Request) -> StreamOrRefusal:
    ctx = context(request)
    person_id = ctx.principal.subject_person_id
    assert person_id is not None  # guaranteed by Access.CITIZEN_SIDE
    view = ctx.services.plans.citizen_view(person_id)
    if view is None:
        return not_found(request)
    plan_id = view.plan.id
    user = ctx.principal.user
    assert user is not None

    def look(req: Request) -> Fragments | None:
        now_ctx = context(req)
        # The same person's plan, still: a relative who now acts for someone else sees that elsewhere.
        if now_ctx.principal.subject_person_id != person_id:
            return None
        current = now_ctx.services.plans.citizen_view(person_id)
        if current is None or current.plan.id != plan_id:
            return None
        values = citizen_plan_values(current, now_ctx.now)
        return Fragments(
            version=current.content_version,
            parts={
                "contact": render_part(req, CITIZEN_TEMPLATE, "contact", values),
                "items": render_part(req, CITIZEN_TEMPLATE, "plan_items", values),
            },
            labels={"contact": _label("contact"), "items": _label("items")},
        )

    stream = LiveStream(
        # The citizen's powers of attorney (a relative's revoked power), and the viewer's own logins.
        request, ctx.services.live.bus, [plan_topic(plan_id), person_topic(person_id), user_topic(user.id)], resume_point(request),
        look, announcement, ended_texts, once=not wants_stream(request),
    )
    return stream.events


def _label(part: str) -> str:
    return {
        "staff": _("contact persons"),
        "contact": _("contact person and meetings"),
        "findings": _("warnings"),
        "items": _("goals and efforts"),
    }[part]


def routes() -> list[DeclaredRoute]:
    return [
        stream_route("/min-plan/live", my_plan_live, access=Access.CITIZEN_SIDE, scope="read_plan", name="my_plan_live"),
        stream_route("/sag/plan/{plan_id}/live", staff_plan_live, access=Access.STAFF, name="staff_plan_live"),
    ]

"""What changed in my plan (``/min-plan/aendringer``): every revision the citizen side may see.

The citizen's own acts read "Du"; a relative's acts name the relative and say it was done for
the citizen. Reading the page moves no visit marker: only opening ``/min-plan`` does (see
``my_plan``), so the "Ny" badges here are what the plan page last counted as new.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal.access import Access
from portal.errors import error_response
from portal.plans.revision_words import describe
from portal.web import DeclaredRoute, context, render, route

# A plan may have thousands of revisions: a page holds this many, with a link to older ones.
PAGE_SIZE = 100
MAX_PAGE = 10_000


def _page(request: Request) -> int | None:
    raw = request.query_params.get("side", "1")
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        return None
    return int(raw)


def my_changes(request: Request) -> Response:
    ctx = context(request)
    person_id = ctx.principal.subject_person_id
    assert person_id is not None  # guaranteed by Access.CITIZEN_SIDE
    page = _page(request)
    if page is None:
        return error_response(request, 400)
    view = ctx.services.plans.citizen_view(person_id, ctx.today)
    if view is None:
        return render(request, "citizen/no_plan.html")
    changes = ctx.services.revisions.of_citizen(person_id, view.changes, page=page, limit=PAGE_SIZE)
    viewer_is_subject = not ctx.principal.acting_on_behalf
    user_id = ctx.principal.user.id if ctx.principal.user else None
    rows = [
        (row, describe(row, viewer_user_id=user_id, subject_first_name=view.plan.citizen.first_name,
                       viewer_is_subject=viewer_is_subject))
        for row in changes.rows
    ]
    return render(
        request, "citizen/changes.html", plan=view.plan, rows=rows, page=page,
        newer=f"/min-plan/aendringer?side={page - 1}" if page > 2 else ("/min-plan/aendringer" if page == 2 else None),
        older=f"/min-plan/aendringer?side={page + 1}" if changes.has_older else None,
    )


def routes() -> list[DeclaredRoute]:
    return [
        route("/min-plan/aendringer", my_changes, access=Access.CITIZEN_SIDE, scope="read_plan", name="my_changes"),
    ]

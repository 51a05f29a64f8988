"""The citizen's log: who looked at my plan, and what relatives did for me (``/hvem-har-set``).

Filters that are not a month, a department of the log or a page answer 400 with the page
itself: the filter form says what was wrong, and no rows are shown for a request we could not
read. Reading one's own log is not a staff read, so it adds no AccessLogEntry; a relative
reading it is recorded as an act on behalf by the route wrapper, like every citizen-side page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from portal.access import Access, consent_parts_seen
from portal.audit.forms import LogFilterForm
from portal.web import DeclaredRoute, context, render, route

# A plan may have thousands of reads: a page holds this many, with a link to older ones.
PAGE_SIZE = 200


def who_looked(request: Request) -> Response:
    ctx = context(request)
    person_id = ctx.principal.subject_person_id
    assert person_id is not None  # guaranteed by Access.CITIZEN_SIDE
    audit = ctx.services.audit
    filters = audit.plan_log_filters(person_id)
    form = LogFilterForm(request.query_params, departments=filters.departments)
    if not form.validate():
        return render(request, "citizen/who_looked.html", status_code=400, form=form, filters=filters, log=None)
    parts = consent_parts_seen(filters.members, person_id, ctx.today)
    log = audit.plan_log(
        person_id, month=form.month, department_id=form.department_id, page=form.page, limit=PAGE_SIZE,
        consent_parts=parts,
    )
    return render(
        request, "citizen/who_looked.html", form=form, filters=filters, log=log,
        newer=_page_link(form, form.page - 1) if form.page > 1 else None,
        older=_page_link(form, form.page + 1) if log.has_older else None,
    )


def _page_link(form: LogFilterForm, page: int) -> str:
    """The address of another page of the same filtered log."""
    query: dict[str, object] = {}
    if form.month is not None:
        query["maaned"] = form.month.strftime("%Y-%m")
    if form.department_id is not None:
        query["afdeling"] = form.department_id
    if page > 1:
        query["side"] = page
    return "/hvem-har-set" + (f"?{urlencode(query)}" if query else "")


def routes() -> list[DeclaredRoute]:
    return [
        route("/hvem-har-set", who_looked, access=Access.CITIZEN_SIDE, scope="read_plan", name="who_looked"),
    ]

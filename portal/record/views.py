"""The whole record (``/alt-i-min-sag``): the page, its JSON download, and the "about me" form.

Reading is for the citizen side with "read_plan"; what each viewer sees of it is decided by
``record_parts`` and ``citizen_visible_member_ids`` (portal/access.py) inside the service.
Writing the "about me" text is for the citizen themself (Access.CITIZEN): it is their story in
their own words, and staff read it as such; a relative reads it but does not write it.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.access import Access, record_parts
from portal.record.export import record_document
from portal.record.forms import AboutMeForm
from portal.record.services import Record
from portal.web import DeclaredRoute, context, not_found, render, route

# The page shows the newest entries of the access log, with a link to the rest; the download holds all.
PAGE_LOG_LIMIT = 100
DOWNLOAD_LOG_LIMIT = 100_000


def _record(request: Request, log_limit: int) -> Record | None:
    ctx = context(request)
    person_id = ctx.principal.subject_person_id
    assert person_id is not None  # guaranteed by Access.CITIZEN_SIDE
    record = ctx.services.record.record(
        person_id, record_parts(ctx.principal), ctx.now, log_limit=log_limit, reader=ctx.principal.user,
    )
    if record is not None and record.unread_messages is not None:
        request.state.unread_messages = record.unread_messages
    return record


def _page(request: Request, record: Record, form: AboutMeForm | None = None, status_code: int = 200) -> Response:
    ctx = context(request)
    parts = record_parts(ctx.principal)
    own = record.own_about_me
    if form is None:
        form = AboutMeForm(situation=own.situation if own else "", wishes=own.wishes if own else "")
    return render(
        request, "citizen/record.html", status_code=status_code, block="about_me" if status_code != 200 else None,
        record=record, plan=record.plan, form=form, may_edit=parts.edit_about_me,
        saved=request.query_params.get("gemt") == "1",
    )


def record_page(request: Request) -> Response:
    record = _record(request, PAGE_LOG_LIMIT)
    if record is None:
        return render(request, "citizen/no_plan.html")
    return _page(request, record)


def record_download(request: Request) -> Response:
    record = _record(request, DOWNLOAD_LOG_LIMIT)
    if record is None:
        return not_found(request, reason="no_plan")
    body = json.dumps(record_document(record), ensure_ascii=False, indent=2)
    filename = f"alt-i-min-sag-{record.generated_at.date().isoformat()}.json"
    return Response(
        body, media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "Vary": "Cookie",
        },
    )


def save_about_me(request: Request) -> Response:
    ctx = context(request)
    person_id = ctx.principal.subject_person_id
    assert person_id is not None and ctx.principal.user is not None  # guaranteed by Access.CITIZEN
    form = AboutMeForm(ctx.form)
    if not form.validate():
        record = _record(request, PAGE_LOG_LIMIT)
        if record is None:
            return not_found(request, reason="no_plan")
        return _page(request, record, form=form, status_code=422)
    saved = ctx.services.record.save_about_me(
        person_id, form.situation.data, form.wishes.data, by=ctx.principal.user, now=ctx.now
    )
    if saved is None:
        return not_found(request, reason="no_plan")
    return RedirectResponse("/alt-i-min-sag?gemt=1#om-mig", status_code=303)


def routes() -> list[DeclaredRoute]:
    return [
        route("/alt-i-min-sag", record_page, access=Access.CITIZEN_SIDE, scope="read_plan", name="record"),
        route("/alt-i-min-sag.json", record_download, access=Access.CITIZEN_SIDE, scope="read_plan", name="record_json"),
        route("/alt-i-min-sag/om-mig", save_about_me, access=Access.CITIZEN, methods=("POST",), name="save_about_me"),
    ]

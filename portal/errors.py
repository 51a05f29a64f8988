"""Calm, translated error pages instead of tracebacks."""

from __future__ import annotations

import logging
import traceback

from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from portal.i18n import gettext as _

log = logging.getLogger("portal")


def error_texts(status_code: int, reason: str | None = None) -> tuple[str, str]:
    if reason in REASON_TEXTS:
        return REASON_TEXTS[reason]()
    if status_code == 404:
        return _("Page not found"), _(
            "We cannot find the page. Check the address, or go to the front page."
        )
    if status_code == 401:
        return _("Please log in"), _("You need to log in to do this.")
    if status_code == 403:
        return _("We could not carry out your request"), _(
            "The form was too old or came from another site. Go back, reload the page and try again."
        )
    if status_code == 405:
        return _("We could not carry out your request"), _("This address cannot be used like that.")
    if status_code == 503:
        return _("The portal is not available right now"), _(
            "We cannot reach our data right now. Nothing you did is lost. Try again in a few minutes."
        )
    if 400 <= status_code < 500:
        return _("We could not carry out your request"), _("Go back and try again.")
    return _("Something went wrong"), _(
        "Something went wrong on our side. Nothing you did is lost. Try again in a few minutes."
    )


REASON_TEXTS = {
    "delegation_expired": lambda: (
        _("Your power of attorney has ended"),
        _("The power of attorney you used has run out. Ask the citizen to give you a new one."),
    ),
    "delegation_revoked": lambda: (
        _("Your power of attorney has been withdrawn"),
        _("The citizen has withdrawn the power of attorney. You can no longer act for them."),
    ),
    "delegation_not_accepted": lambda: (
        _("Your power of attorney has ended"),
        _("The power of attorney you used has run out. Ask the citizen to give you a new one."),
    ),
    "delegation_scope": lambda: (
        _("You may not do this"),
        _("Your power of attorney does not cover this. Ask the citizen if you need it."),
    ),
}


# Refusals of a relative's power of attorney. The front page sends a relative to the plan
# of the citizen they act for, so it would only show the same refusal again: these pages
# offer a way out instead (log out, or help another citizen).
DELEGATION_REASONS = frozenset(reason for reason in REASON_TEXTS if reason.startswith("delegation_"))


def way_out(request: Request, reason: str | None) -> dict[str, bool] | None:
    """What a refused relative can do next, or None when the front page is a way out."""
    ctx = getattr(request.state, "ctx", None)
    if reason not in DELEGATION_REASONS or ctx is None or ctx.principal.user is None:
        return None
    principal = ctx.principal
    user = principal.user
    acting_for = principal.session.acting_for_person_id if principal.session is not None else None
    in_force = (
        ctx.services.delegations.in_force_for_relative(user.person_id, ctx.today)
        if user.person_id is not None
        else []
    )
    return {
        # Choosing is worth offering only when someone else's power still holds.
        "choose_citizen": any(d.citizen_person_id != acting_for for d in in_force),
        # A power that still holds but lacks this scope may still show the plan.
        "front_page": principal.has_scope("read_plan"),
    }


def error_response(request: Request, status_code: int, reason: str | None = None) -> Response:
    title, text = error_texts(status_code, reason)
    templates = request.app.state.templates
    try:
        context = {"status_code": status_code, "error_title": title, "error_text": text, "way_out": way_out(request, reason)}
        return templates.TemplateResponse(request, "error.html", context, status_code=status_code)
    except Exception:  # the error page itself must never fail
        log.exception("could not render the error page")
        return PlainTextResponse(f"{title}\n{text}", status_code=status_code)


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(request, exc.status_code)


def describe_database_error(exc: DBAPIError) -> str:
    """What went wrong in the database, without the values involved.

    The driver's own message may quote them (PostgreSQL: "Key (name)=(Hans Hansen) already
    exists", 'invalid input syntax for type integer: "…"'), so only codes and names are
    kept; the statement comes with its parameters hidden (``build_engine``).
    """
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    parts = [f"{type(exc).__name__} ({type(orig).__name__})"]
    code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
    if code:
        parts.append(f"code {code}")
    for name in ("table_name", "column_name", "constraint_name"):
        if value := getattr(diag, name, None):
            parts.append(f"{name.removesuffix('_name')} {value}")
    if exc.statement:
        parts.append(f"in: {' '.join(exc.statement.split())[:500]}")
    frames = "".join(traceback.format_tb(exc.__traceback__))
    return "; ".join(parts) + "\n" + frames.rstrip()


async def database_unavailable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DBAPIError)
    # Connection and lock failures: the driver's first line says why and holds no values.
    lines = str(exc.orig).strip().splitlines()
    reason = lines[0] if lines else type(exc.orig).__name__
    log.error("database unavailable: %s; %s", reason, describe_database_error(exc))
    return error_response(request, 503)


async def database_error(request: Request, exc: Exception) -> Response:
    """Any other database failure: a 500, logged here and not by the server, whose traceback would quote the values."""
    assert isinstance(exc, DBAPIError)
    log.error("database error: %s", describe_database_error(exc))
    return error_response(request, 500)


async def server_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, OperationalError):
        return await database_unavailable(request, exc)
    if isinstance(exc, DBAPIError):
        return await database_error(request, exc)
    log.exception("unhandled error", exc_info=exc)
    return error_response(request, 500)

"""Rendering for live updates: one named block of a page template, presence lines, status texts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel.lists import format_list
from jinja2_fragments import render_block
from markupsafe import escape
from starlette.requests import Request

from portal import i18n
from portal.i18n import gettext as _
from portal.live.presence import Present
from portal.plans.services import StaffPlanView


@dataclass(frozen=True)
class PresenceLine:
    name: str
    department: str | None
    # What they are editing, as this viewer may know it: an item they cannot see is not named.
    editing: str | None
    editing_hidden: bool = False


def visible_items(view: StaffPlanView) -> dict[str, str]:
    """The item keys the edit forms use, with the names this viewer may see."""
    items = {f"effort:{effort.id}": effort.title for effort in view.efforts}
    items.update({f"goal:{goal.id}": goal.citizen_wording for goal in view.goals})
    return items


def presence_lines(present: list[Present], viewer_id: int, view: StaffPlanView | dict[str, str]) -> list[PresenceLine]:
    """The others on the plan (not the viewer), for the staff page's presence block."""
    items = view if isinstance(view, dict) else visible_items(view)
    lines = []
    for entry in present:
        if entry.user_id == viewer_id:
            continue
        name = items.get(entry.editing) if entry.editing else None
        lines.append(PresenceLine(entry.name, entry.department, name, entry.editing is not None and name is None))
    return lines


def render_part(request: Request, template: str, block: str, values: dict[str, Any]) -> str:
    """One named block of a page template, with the page's own context (principal, csrf token)."""
    templates = request.app.state.templates
    context: dict[str, Any] = {"request": request}
    for processor in templates.context_processors:
        context.update(processor(request))
    context.update(values)
    return str(render_block(templates.env, template, block, context))


def announcement(labels: list[str]) -> str:
    return _("The plan has been updated: %(parts)s.") % {"parts": format_list(labels, locale=i18n.babel_locale())}


def ended_texts() -> tuple[str, str]:
    """The last event's status line and the notice that replaces the plan on the page."""
    status = _("You can no longer see this plan.")
    notice = (
        '<div class="alert alert-warning"><div class="alert-body"><p class="alert-text">'
        + str(escape(_("You can no longer see this plan. It may be that a consent was withdrawn, or that you no longer work on the plan. Reload the page to see what you may see now.")))
        + "</p></div></div>"
    )
    return status, notice

"""The Jinja environment: gettext installed once, reading the locale from a context var."""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from pathlib import Path
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup, escape
from babel.dates import format_date, format_datetime, format_time, get_day_names
from babel.lists import format_list
from jinja2_fragments.starlette import Jinja2Blocks

from portal import i18n
from portal.labels import label
from portal.plans.progress import progress_chart
from portal.settings import PROJECT_ROOT

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
DANISH_TIMEZONE = ZoneInfo("Europe/Copenhagen")


@lru_cache(maxsize=256)
def _fingerprint(path: str) -> str:
    try:
        return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    except OSError:
        return "missing"


def static_url(path: str) -> str:
    # Content-hashed query so browsers may cache assets for a long time.
    return f"/static/{path}?v={_fingerprint(path)}"


def _date(value: dt.date | None, format: str = "long") -> str:
    if value is None:
        return ""
    return format_date(value, format=format, locale=i18n.babel_locale())


def _weekday(value: dt.date) -> str:
    return format_date(value, format="EEEE", locale=i18n.babel_locale())


def _weekday_name(weekday: int) -> str:
    return get_day_names("wide", locale=i18n.babel_locale())[weekday]


def slot_summary(slots: Iterable[Any]) -> list[str]:
    """Weekly time slots as short lines: the weekdays that share hours on one line."""
    by_hours: dict[tuple[dt.time, dt.time], list[int]] = {}
    for slot in slots:
        by_hours.setdefault((slot.start_time, slot.end_time), []).append(slot.weekday)
    lines = []
    for (start, end), weekdays in sorted(by_hours.items(), key=lambda item: (min(item[1]), item[0])):
        names = [_weekday_name(day) for day in sorted(set(weekdays))]
        lines.append(
            i18n.gettext("Every %(weekdays)s %(start)s–%(end)s")
            % {"weekdays": format_list(names, locale=i18n.babel_locale()), "start": _time(start), "end": _time(end)}
        )
    return lines


def _when(value: dt.datetime) -> str:
    """A moment as people say it: "tirsdag den 24. november 2026 kl. 10:00"."""
    local = value.astimezone(DANISH_TIMEZONE)
    date = format_date(local.date(), format="full", locale=i18n.babel_locale())
    return i18n.gettext("%(date)s at %(time)s") % {"date": date, "time": local.strftime("%H:%M")}


def _datetime(value: dt.datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value, format=format, tzinfo=DANISH_TIMEZONE, locale=i18n.babel_locale())


def _time(value: dt.time | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_time(value, format="HH:mm", tzinfo=DANISH_TIMEZONE, locale=i18n.babel_locale())
    return value.strftime("%H:%M")


@jinja2.pass_context
def url_for(context: Any, name: str, /, **path_params: Any) -> str:
    """The path of a named route, as links and form actions want it: Starlette's own ``url_for``
    gives an absolute URL, whose scheme behind a proxy need not be the one the browser used."""
    request = context["request"]
    root = request.scope.get("root_path", "").rstrip("/")
    return root + _route_path(request.app.router, name, path_params)


def _route_path(router: Any, name: str, params: dict[str, Any]) -> str:
    # A page links to the same few routes on every request, and finding a route by name walks
    # all of them; the answers are kept on the router, which the routes belong to.
    paths: dict[tuple[str, tuple[tuple[str, Any], ...]], str] = router.__dict__.setdefault("_portal_paths", {})
    key = (name, tuple(sorted(params.items())))
    path = paths.get(key)
    if path is None:
        if len(paths) > 10_000:  # links with ids are many; start over rather than grow for ever
            paths.clear()
        path = paths[key] = str(router.url_path_for(name, **params))
    return path


def danish_text(value: object) -> Markup:
    """Text people wrote in Danish (goals, efforts, job titles): marked as Danish on a page in
    another language, so a screen reader pronounces it as Danish (WCAG 3.1.2)."""
    if i18n.current_locale.get() == "da":
        return escape(value)
    return Markup('<span lang="da">{}</span>').format(value)


def _effort_cards(env: jinja2.Environment) -> Any:
    """``effort_card(effort, show_person, also_serves=())``: one effort as the citizen sees it, rendered once.

    An effort's card depends only on the effort's read model (frozen, so it can be a key), on
    whether names are shown, on the other goals it names as "also helps with" (goal id and
    wording, a tuple) and on the language; the same card is shown on every visit until the
    effort changes, so it is kept rather than rendered again for every request.
    """
    from portal.plans.catalogue import load_legal_bases

    @lru_cache(maxsize=4096)
    def card(effort: Any, show_person: bool, also_serves: tuple[tuple[int, str], ...], locale: str) -> Markup:
        macro = env.get_template("macros/plan.html").module.citizen_effort  # type: ignore[attr-defined]
        return Markup(macro(effort, load_legal_bases(), show_person, also_serves))

    def effort_card(effort: Any, show_person: bool, also_serves: tuple[tuple[int, str], ...] = ()) -> Markup:
        return card(effort, bool(show_person), tuple(also_serves), i18n.current_locale.get())

    return effort_card


def build_templates(
    extra_globals: dict[str, Any] | None = None,
    context_processors: list[Any] | None = None,
) -> Jinja2Blocks:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext
    )
    env.globals.update(
        static_url=static_url,
        url_for=url_for,
        current_locale=i18n.current_locale.get,
        text_direction=i18n.text_direction,
        label=label,
        weekday_name=_weekday_name,
        slot_summary=slot_summary,
        progress_chart=progress_chart,
        **(extra_globals or {}),
    )
    env.globals["effort_card"] = _effort_cards(env)
    env.filters.update(danish=danish_text, when=_when, date=_date, datetime=_datetime, time=_time, weekday=_weekday)
    env.filters["number"] = i18n.format_number
    return Jinja2Blocks(env=env, context_processors=context_processors or [])


def templates_dir_exists() -> bool:
    return Path(TEMPLATES_DIR).is_dir()

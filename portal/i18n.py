"""Translations: Danish first, English complete, locale per request via a context var.

The gettext callables are installed once on the Jinja environment and read the
current request's locale from ``current_locale``; nothing is set per request on a
shared object.
"""

from __future__ import annotations

import contextvars
import gettext as gettext_module
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.numbers import format_decimal

DEFAULT_LOCALE = "da"
SUPPORTED_LOCALES = ("da", "en")
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
# The person's explicit language choice, which beats the browser's Accept-Language.
LOCALE_COOKIE = "enplan_locale"

current_locale: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_locale", default=DEFAULT_LOCALE
)


@lru_cache(maxsize=None)
def translations_for(locale: str) -> gettext_module.NullTranslations:
    try:
        return gettext_module.translation(DOMAIN, localedir=LOCALES_DIR, languages=[locale])
    except FileNotFoundError:
        # Message ids are English, so a locale without a catalogue reads English.
        return gettext_module.NullTranslations()


def gettext(message: str) -> str:
    return translations_for(current_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations_for(current_locale.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations_for(current_locale.get()).pgettext(context, message)


_ = gettext


@lru_cache(maxsize=None)
def _parsed_locale(locale: str) -> Locale:
    return Locale.parse(locale)


def babel_locale() -> Locale:
    """The request's babel Locale; parsed once per language (Locale.parse is slow and called per date)."""
    return _parsed_locale(current_locale.get())


def format_number(value: int) -> str:
    """A whole number as the language writes it: 121.235 in Danish, 121,235 in English."""
    return format_decimal(value, locale=babel_locale())


def text_direction() -> str:
    return babel_locale().text_direction


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    token = current_locale.set(locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        current_locale.reset(token)


def negotiate(accept_language: str | None, cookie_value: str | None = None) -> str:
    """Pick the locale: an explicit choice (cookie) first, then the browser's list."""
    if cookie_value in SUPPORTED_LOCALES:
        return cookie_value
    if accept_language:
        preferred = []
        for part in accept_language.split(","):
            tag, _sep, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                continue
            preferred.append((weight, tag.strip().replace("_", "-")))
        for _weight, tag in sorted(preferred, key=lambda item: -item[0]):
            language = tag.split("-")[0].lower()
            if language in SUPPORTED_LOCALES:
                return language
    return DEFAULT_LOCALE

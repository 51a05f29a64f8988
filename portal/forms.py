"""Forms on WTForms: one class per form in its domain's ``forms.py``, on the base here.

Messages are English message ids marked with ``N_`` (so ``make translations`` finds them) and
translated when the form is built or validated, in the request's language: a form class is
made once at import, when there is no request and so no language yet. WTForms' own default
messages go through the same catalogue (``Meta.get_translations``), but every validator here
names its message, so nothing falls back to WTForms' English.

CSRF is not WTForms' business: the route wrapper checks every state change, and templates
add the hidden token with the ``csrf`` macro. Forms read ``ctx.form`` (Starlette's FormData,
which has the ``getlist`` WTForms asks for) and never write anything: views do that, through
services, only after ``validate()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from typing import Any

import wtforms
from wtforms.validators import StopValidation, ValidationError

from portal import i18n
from portal.inputs import parse_id

__all__ = [
    "Choices", "Form", "IdField", "IsoDateField", "N_", "OneOf", "Required", "StopValidation", "TRANSLATIONS", "TextLength",
    "ValidationError", "strip",
]


def N_(message: str) -> str:
    """Marks a message id for extraction; the form translates it in the request's language."""
    return message


class Translations:
    """WTForms' translations object (gettext/ngettext), on the project's catalogue and the
    request's locale: one shared instance is right, since it holds no locale of its own."""

    def gettext(self, string: str) -> str:
        return i18n.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return i18n.ngettext(singular, plural, n)


TRANSLATIONS = Translations()


def strip(value: object) -> object:
    """Spaces around typed text do not count; a field missing from the form reads as empty."""
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else value


class Form(wtforms.Form):
    """The base of every form: Danish (or the request's language) messages, labels and hints."""

    form_errors: list[str]

    class Meta:
        def get_translations(self, form: wtforms.Form) -> Translations:
            return TRANSLATIONS

    def __init__(self, formdata: Any = None, **data: Any):
        super().__init__(formdata=formdata, **data)
        for field in self:
            field.label.text = i18n.gettext(field.label.text)
            if field.description:
                field.description = i18n.gettext(field.description)

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        for field in self:
            field.errors = [i18n.gettext(str(message)) for message in field.errors]
        self.form_errors = [i18n.gettext(str(message)) for message in self.form_errors]
        return valid

    def add_error(self, name: str, message: str) -> None:
        """An error found after validation (a wrong code, too many attempts); already translated."""
        field = self[name]
        field.errors = [*field.errors, message]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    def summary(self) -> list[tuple[str | None, str]]:
        """(anchor, message) for the error summary: the field's id, or None where there is no
        field to go to (a hidden one, or the form as a whole)."""
        items: list[tuple[str | None, str]] = []
        for field in self:
            if field.errors:
                anchor = None if isinstance(field, wtforms.HiddenField) else field.id
                items.append((anchor, field.errors[0]))
        items.extend((None, message) for message in self.form_errors)
        return items


# --- fields ------------------------------------------------------------------------------------


class IsoDateField(wtforms.StringField):
    """A date typed as 2027-05-31 (what ``<input type="date">`` sends). ``data`` is the date or
    None; the typed text comes back unchanged when the form is shown again."""

    def __init__(self, label: str | None = None, validators: Any = None, *, invalid_message: str, **kwargs: Any):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message

    def process_data(self, value: object) -> None:
        self.data = value if isinstance(value, dt.date) else None

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.text = str(valuelist[0]).strip() if valuelist else ""
        try:
            self.data = dt.date.fromisoformat(self.text)
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None

    def _value(self) -> str:
        if self.raw_data:
            return self.text
        return self.data.isoformat() if isinstance(self.data, dt.date) else ""


class IdField(wtforms.HiddenField):
    """A row id from a hidden input: ``data`` is the id, or None when it is not one (see parse_id)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = parse_id(valuelist[0]) if valuelist else None

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)


# --- validators -------------------------------------------------------------------------------


class Required:
    """Something must be typed (after stripping); stops the field's other checks."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        if not field.data:
            field.errors[:] = []
            raise StopValidation(self.message)


class TextLength:
    """Between ``min`` and ``max`` characters; the message says what to do, not the numbers."""

    def __init__(self, min: int, max: int, message: str):
        self.min, self.max, self.message = min, max, message

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        length = len(field.data) if isinstance(field.data, str) else 0
        if not self.min <= length <= self.max:
            raise ValidationError(self.message)


class OneOf:
    """The value is one of ``values`` (a collection, or a callable giving one when validating)."""

    def __init__(self, values: Collection[object] | Callable[[], Collection[object]], message: str):
        self.values, self.message = values, message

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        values = self.values() if callable(self.values) else self.values
        if field.data not in values:
            raise ValidationError(self.message)


class Choices:
    """At least one value is chosen, and every chosen value is one of ``values``."""

    def __init__(self, values: Iterable[object], message: str):
        self.values, self.message = frozenset(values), message

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        chosen = field.data or []
        if not chosen or any(value not in self.values for value in chosen):
            raise ValidationError(self.message)

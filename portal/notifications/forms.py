"""The citizen's choices on /indstillinger: where to be told and about what; what the calendar shows."""

from __future__ import annotations

import re
from typing import Any

from wtforms import Field, SelectChoice, SelectField, SelectMultipleField, StringField

from portal.forms import N_, Form, OneOf, ValidationError, strip
from portal.i18n import gettext as _
from portal.notifications.models import NOTIFICATION_KINDS

MAX_EMAIL_LENGTH = 254
# Something@something.something, with no spaces and one @: enough to catch typing errors; the
# mail server is the judge of the rest.
EMAIL_PATTERN = re.compile(r"[^@\s<>\"(),;:\\\[\]]+@[^@\s<>\"(),;:\\\[\]]+\.[^@\s<>\"(),;:\\\[\].]+")

KIND_LABELS = {
    "message": N_("New messages"),
    "goal": N_("A goal is waiting for my answer"),
    "consent": N_("A consent will soon run out"),
    "delegation": N_("News about my powers of attorney"),
}
CALENDAR_CHOICES = {
    "plain": N_("Only the word “Appointment”"),
    "details": N_("What the appointment is about"),
}


class EmailAddress:
    """Empty, or one plausible e-mail address."""

    def __call__(self, form: Form, field: Field) -> None:
        value = field.data or ""
        if value and (len(value) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.fullmatch(value)):
            raise ValidationError(N_("Type an e-mail address like name@example.dk, or leave the field empty."))


class NotificationForm(Form):
    email = StringField(
        N_("E-mail address"), [EmailAddress()], filters=[strip],
        description=N_("We only write that something new is waiting. Leave it empty if you want no e-mails."),
    )
    kinds = SelectMultipleField(N_("Tell me when"), validate_choice=False)

    def __init__(self, formdata: Any = None, **data: Any):
        super().__init__(formdata, **data)
        self.kinds.choices = [SelectChoice(kind, _(KIND_LABELS[kind])) for kind in NOTIFICATION_KINDS]

    def validate_kinds(self, field: Field) -> None:
        if any(kind not in NOTIFICATION_KINDS for kind in field.data or []):
            raise ValidationError(N_("Choose from the list."))

    @property
    def chosen_kinds(self) -> list[str]:
        return [kind for kind in NOTIFICATION_KINDS if kind in (self.kinds.data or [])]


class CalendarForm(Form):
    details = SelectField(
        N_("What should your calendar show?"), [OneOf(tuple(CALENDAR_CHOICES), N_("Choose from the list."))],
        validate_choice=False, description=N_("Your phone may show the title on the lock screen."),
    )

    def __init__(self, formdata: Any = None, **data: Any):
        super().__init__(formdata, **data)
        self.details.choices = [SelectChoice(key, _(text)) for key, text in CALENDAR_CHOICES.items()]

"""The forms a citizen gives a power of attorney and a consent with, and the relative's choice of citizen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wtforms import Field, RadioField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField

from portal.consent.models import DELEGATION_SCOPES, Delegation
from portal.consent.services import (
    MAX_CONSENT_LENGTH, MAX_DELEGATION_LENGTH, MAX_PURPOSE_LENGTH, Delegations, Recipient,
)
from portal.forms import N_, Choices, Form, IdField, IsoDateField, OneOf, Required, TextLength, ValidationError, strip
from portal.i18n import gettext as _
from portal.labels import label


class InviteForm(Form):
    name = StringField(
        N_("Name of the person"), [TextLength(1, 200, N_("Type the name of the person you give power of attorney."))], filters=[strip],
    )
    scopes = SelectMultipleField(
        N_("What may the person do?"), [Choices(DELEGATION_SCOPES, N_("Choose at least one thing the person may do."))],
        validate_choice=False,
    )
    expires_on = IsoDateField(
        N_("Until which date?"), invalid_message=N_("Type a date, for example 2027-05-31."),
        description=N_("At most two years. You can withdraw it at any time."),
    )

    def __init__(self, formdata: Any = None, *, today: dt.date, **data: Any):
        self.today = today
        super().__init__(formdata, **data)
        self.scopes.choices = [SelectChoice(scope, label("scope", scope)) for scope in DELEGATION_SCOPES]

    @property
    def earliest_end(self) -> dt.date:
        return self.today + dt.timedelta(days=1)

    @property
    def latest_end(self) -> dt.date:
        return self.today + MAX_DELEGATION_LENGTH

    def validate_expires_on(self, field: Field) -> None:
        if field.data is not None and not (self.earliest_end <= field.data <= self.latest_end):
            raise ValidationError(N_("The end date must be after today and at most two years ahead."))


class ActForForm(Form):
    """The relative picks whom to help: one of the powers in force for them today."""

    delegation_id = IdField()

    def __init__(self, formdata: Any = None, *, delegations: Delegations, relative_person_id: int, today: dt.date, **data: Any):
        self._in_force = lambda: delegations.in_force_for_relative(relative_person_id, today)
        self.delegation: Delegation | None = None
        super().__init__(formdata, **data)

    def validate_delegation_id(self, field: Field) -> None:
        self.delegation = next((d for d in self._in_force() if d.id == field.data), None)
        if self.delegation is None:
            raise ValidationError(N_("Choose a person from the list."))


def recipient_name(name: str, is_municipality: bool) -> str:
    """A department by its name; a municipality as "Varde Kommune"."""
    return _("%(name)s Municipality") % {"name": name} if is_municipality else name


class ConsentForm(Form):
    """A consent: to a department or municipality that takes part in the plan, why, and until when."""

    recipient = SelectField(N_("Who may see your plan?"), validate_choice=False)
    purpose = TextAreaField(
        N_("What may they use it for?"),
        [Required(N_("Write what they may use your plan for.")),
         TextLength(1, MAX_PURPOSE_LENGTH, N_("The purpose is too long. Use at most 2,000 characters."))],
        filters=[strip], description=N_("Write it in your own words. For example: To plan my internship."),
    )
    valid_until = IsoDateField(
        N_("Until which date?"), invalid_message=N_("Type a date, for example 2027-05-31."),
        description=N_("At most two years. You can withdraw the consent at any time."),
    )

    def __init__(self, formdata: Any = None, *, today: dt.date, recipients: list[Recipient], **data: Any):
        self.today = today
        self.recipients = {r.key: r for r in recipients}
        self.chosen: Recipient | None = None
        super().__init__(formdata, **data)
        self.recipient.choices = [SelectChoice("", _("Choose"))] + [SelectChoice(r.key, recipient_name(r.name, r.municipality_id is not None)) for r in recipients]

    @property
    def latest_end(self) -> dt.date:
        return self.today + MAX_CONSENT_LENGTH

    def validate_recipient(self, field: Field) -> None:
        # Only those taking part in the plan: a typed-in id of anyone else is refused.
        self.chosen = self.recipients.get(field.data or "")
        if self.chosen is None:
            raise ValidationError(N_("Choose a department or municipality from the list."))

    def validate_valid_until(self, field: Field) -> None:
        if field.data is not None and not (self.today < field.data <= self.latest_end):
            raise ValidationError(N_("The end date must be after today and at most two years ahead."))


SHARE_CHOICES = ("ja", "nej")


class ShareForm(Form):
    """A child of 15 or older chooses whether their parent sees their part of the plan."""

    share = RadioField(
        N_("May your parent see your part of the plan?"), [OneOf(SHARE_CHOICES, N_("Choose yes or no."))],
        validate_choice=False,
    )

    def __init__(self, formdata: Any = None, *, parent: str, **data: Any):
        super().__init__(formdata, **data)
        self.share.label.text = _("May %(name)s see your part of the plan?") % {"name": parent}
        self.share.choices = [
            SelectChoice("ja", _("Yes, %(name)s may see my goals and my help") % {"name": parent}),
            SelectChoice("nej", _("No, only I see my part")),
        ]

    @property
    def shared(self) -> bool:
        return self.share.data == "ja"

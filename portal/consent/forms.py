"""The form a citizen gives a power of attorney with, and the relative's choice of citizen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wtforms import Field, SelectChoice, SelectMultipleField, StringField

from portal.consent.models import DELEGATION_SCOPES, Delegation
from portal.consent.services import MAX_DELEGATION_LENGTH, Delegations
from portal.forms import N_, Choices, Form, IdField, IsoDateField, TextLength, ValidationError, strip
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

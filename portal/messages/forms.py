"""A message, and the contact person's choice of a colleague to bring into the thread."""

from __future__ import annotations

from wtforms import Field, SelectField, TextAreaField

from portal.forms import N_, Form, Required, ValidationError, strip
from portal.inputs import parse_id
from portal.messages.services import MAX_MESSAGE_LENGTH


class MessageForm(Form):
    body = TextAreaField(
        N_("Your message"),
        [Required(N_("Write a message before you send it."))],
        description=N_("Write in your own words. You can write up to 5,000 characters."),
        filters=[strip],
    )

    def validate_body(self, field: Field) -> None:
        if len(field.data or "") > MAX_MESSAGE_LENGTH:
            raise ValidationError(N_("Your message is too long. Write at most 5,000 characters."))


class BringInForm(Form):
    user_id = SelectField(N_("Colleague"), coerce=str, validate_choice=False)

    def __init__(self, formdata: object = None, choices: list[tuple[str, str]] | None = None, **data: object):
        super().__init__(formdata, **data)
        self.user_id.choices = choices or []

    @property
    def chosen_id(self) -> int | None:
        return parse_id(self.user_id.data)

    def validate_user_id(self, field: Field) -> None:
        if field.data not in {value for value, _label in self.user_id.choices or []}:
            raise ValidationError(N_("Choose a colleague from the list."))

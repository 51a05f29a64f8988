"""The citizen's own words about themself ("fortæl din historie én gang")."""

from __future__ import annotations

from wtforms import Field, TextAreaField

from portal.forms import N_, Form, ValidationError, strip
from portal.record.services import MAX_ABOUT_ME_LENGTH


class AboutMeForm(Form):
    situation = TextAreaField(
        N_("How are things for you now?"),
        description=N_("Write about your life in your own words. You can write at most 4,000 characters."),
        filters=[strip],
    )
    wishes = TextAreaField(
        N_("What do you wish for?"),
        description=N_("Write what you want to change. You can write at most 4,000 characters."),
        filters=[strip],
    )

    def validate_situation(self, field: Field) -> None:
        _at_most(field)

    def validate_wishes(self, field: Field) -> None:
        _at_most(field)


def _at_most(field: Field) -> None:
    if len(field.data or "") > MAX_ABOUT_ME_LENGTH:
        raise ValidationError(N_("Your text is too long. Write at most 4,000 characters."))

"""The language choice in every page's footer."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField, StringField

from portal import i18n
from portal.forms import N_, Form, OneOf


class LanguageForm(Form):
    sprog = SelectField(
        N_("Language"), [OneOf(i18n.SUPPORTED_LOCALES, N_("Choose a language."))], validate_choice=False,
        # Each language is named in itself, whatever the page's language.
        choices=[SelectChoice("da", "Dansk"), SelectChoice("en", "English")],
    )
    next = StringField()

"""The citizen's answer to a goal, and their own rating of how far they have come."""

from __future__ import annotations

from typing import Any

from wtforms import Field, RadioField, SelectChoice, StringField, TextAreaField

from portal.forms import N_, Form, IdField, OneOf, ValidationError, strip
from portal.i18n import gettext as _
from portal.plans.goals import ANSWERS, HIGHEST_SCORE, LOWEST_SCORE, MAX_COMMENT_LENGTH


class GoalAnswerForm(Form):
    answer = RadioField(
        N_("What do you say to the goal?"), [OneOf(ANSWERS, N_("Choose if you agree or want a change."))],
        validate_choice=False,
    )
    comment = TextAreaField(
        N_("What do you want to change?"),
        description=N_("Write it in your own words. You must write it if you want a change."),
        filters=[strip],
    )
    # The goal's version when the form was shown: an answer to an older goal is refused.
    version = IdField()

    def __init__(self, formdata: Any = None, **data: Any):
        super().__init__(formdata, **data)
        self.answer.choices = [
            SelectChoice("agreed", _("I agree with this")),
            SelectChoice("wants_change", _("I want it changed")),
        ]

    def validate_comment(self, field: Field) -> None:
        if len(field.data or "") > MAX_COMMENT_LENGTH:
            raise ValidationError(N_("Your text is too long. Write at most 2,000 characters."))
        if self.answer.data == "wants_change" and not field.data:
            raise ValidationError(N_("Write what you want to change."))

    def validate_version(self, field: Field) -> None:
        if field.data is None:
            raise ValidationError(N_("The page was too old. Open the goal again and answer once more."))


class ProgressForm(Form):
    score = StringField(
        N_("How far have you come? Give a number from 0 to 10"),
        description=N_("0 means you have not started. 10 means you have reached the goal."),
        filters=[strip],
    )

    @property
    def value(self) -> int:
        """The score, once validated."""
        return int(self.score.data)

    def validate_score(self, field: Field) -> None:
        text = field.data or ""
        if not (text.isascii() and text.isdigit() and LOWEST_SCORE <= int(text) <= HIGHEST_SCORE):
            raise ValidationError(N_("Write a whole number from 0 to 10."))

"""Forms of a plan's setup (the plan, its children, contact person and deputy) and of its items
(meetings, outside participants, shared assessments). Choices come from the view; every message
says in plain Danish what to do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from wtforms import Field, RadioField, SelectChoice, SelectField, StringField, TextAreaField

from portal.forms import N_, Form, IdField, IsoDateField, OneOf, TextLength, ValidationError, strip
from portal.i18n import gettext as _
from portal.labels import label
from portal.plans.models import PARTICIPANT_KINDS, PLAN_KINDS

DANISH_TIME = ZoneInfo("Europe/Copenhagen")
MAX_TEXT = 2000


def _version() -> Any:
    # The row's version when the form was shown: a save based on an older one is refused (409).
    return IdField()


def _check_version(field: Field) -> None:
    if field.data is None:
        raise ValidationError(N_("The page was too old. Open it again and save once more."))


class KeepersForm(Form):
    """Contact person and deputy, chosen among the municipality's caseworkers."""

    contact = SelectField(N_("Contact person"), validate_choice=False,
                          description=N_("The caseworker who coordinates the plan."))
    deputy = SelectField(N_("Deputy"), validate_choice=False,
                         description=N_("Takes over when the contact person is away. You may leave it empty."))
    version = _version()

    def __init__(self, formdata: Any = None, *, staff: Sequence[Any], check_version: bool = True, **data: Any):
        super().__init__(formdata, **data)
        self.check_version = check_version
        self.staff_ids = {str(s.id) for s in staff}
        choices = [SelectChoice(str(s.id), f"{s.display_name} ({s.department})") for s in staff]
        self.contact.choices = choices
        self.deputy.choices = [SelectChoice("", _("No deputy")), *choices]

    def validate_contact(self, field: Field) -> None:
        if field.data not in self.staff_ids:
            raise ValidationError(N_("Choose a contact person from the list."))

    def validate_deputy(self, field: Field) -> None:
        if field.data and field.data not in self.staff_ids:
            raise ValidationError(N_("Choose a deputy from the list, or no deputy."))
        if field.data and field.data == self.contact.data:
            raise ValidationError(N_("The deputy must be someone other than the contact person."))

    def validate_version(self, field: Field) -> None:
        if self.check_version:
            _check_version(field)

    @property
    def contact_id(self) -> int:
        return int(self.contact.data)

    @property
    def deputy_id(self) -> int | None:
        return int(self.deputy.data) if self.deputy.data else None


class NewPlanForm(KeepersForm):
    kind = RadioField(N_("What kind of plan?"), [OneOf(PLAN_KINDS, N_("Choose if the plan is for one person or a family."))],
                      validate_choice=False)
    def __init__(self, formdata: Any = None, *, staff: Sequence[Any], **data: Any):
        super().__init__(formdata, staff=staff, check_version=False, **data)
        self.kind.choices = [SelectChoice(kind, label("plan_kind", kind)) for kind in PLAN_KINDS]


class ChildForm(Form):
    full_name = StringField(N_("The child's full name"), [TextLength(1, 200, N_("Type the child's full name."))], filters=[strip])
    first_name = StringField(N_("The child's first name"), [TextLength(1, 100, N_("Type the child's first name."))], filters=[strip])
    birth_year = StringField(N_("Year of birth"), filters=[strip], description=N_("For example 2014. You may leave it empty."))
    custody_holder = SelectField(N_("Who has custody?"), validate_choice=False,
                                 description=N_("This person sees the child's part of the plan."))

    def __init__(self, formdata: Any = None, *, adults: Sequence[Any], today: dt.date, **data: Any):
        super().__init__(formdata, **data)
        self.today = today
        self.adult_ids = {str(a.id) for a in adults}
        self.custody_holder.choices = [SelectChoice(str(a.id), a.full_name) for a in adults]

    def validate_birth_year(self, field: Field) -> None:
        text = field.data or ""
        if text and not (text.isascii() and text.isdigit() and len(text) == 4 and self.today.year - 25 <= int(text) <= self.today.year):
            raise ValidationError(N_("Write the year of birth with four digits, for example 2014."))

    def validate_custody_holder(self, field: Field) -> None:
        if field.data not in self.adult_ids:
            raise ValidationError(N_("Choose who has custody from the list."))

    @property
    def birth_year_or_none(self) -> int | None:
        return int(self.birth_year.data) if self.birth_year.data else None


class MeetingForm(Form):
    day = IsoDateField(N_("Date"), invalid_message=N_("Write the date like this: 2027-05-31."))
    time = StringField(N_("Time"), filters=[strip], description=N_("For example 10:00."))
    location = StringField(N_("Where"), [TextLength(1, 200, N_("Write where you meet."))], filters=[strip])
    purpose = TextAreaField(N_("What you will talk about"), [TextLength(1, MAX_TEXT, N_("Write what you will talk about."))],
                            filters=[strip], description=N_("Write it so the citizen understands it."))
    cadence = StringField(N_("Meet every how many weeks?"), filters=[strip],
                          description=N_("A number from 1 to 52. You may leave it empty."))
    version = _version()

    def __init__(self, formdata: Any = None, *, now: dt.datetime, check_version: bool = True, **data: Any):
        super().__init__(formdata, **data)
        self.now = now
        self.check_version = check_version

    def validate_time(self, field: Field) -> None:
        try:
            moment = dt.time.fromisoformat(field.data or "")
        except ValueError:
            raise ValidationError(N_("Write the time like this: 10:00.")) from None
        if self.day.data is not None and self._starts_at(moment) <= self.now:
            raise ValidationError(N_("The meeting is in the past. Choose a later time."))

    def validate_cadence(self, field: Field) -> None:
        text = field.data or ""
        if text and not (text.isascii() and text.isdigit() and 1 <= int(text) <= 52):
            raise ValidationError(N_("Write a whole number of weeks from 1 to 52."))

    def validate_version(self, field: Field) -> None:
        if self.check_version:
            _check_version(field)

    def _starts_at(self, moment: dt.time) -> dt.datetime:
        assert self.day.data is not None
        return dt.datetime.combine(self.day.data, moment, tzinfo=DANISH_TIME).astimezone(dt.timezone.utc)

    @property
    def values(self) -> dict[str, Any]:
        """The meeting's fields, once validated."""
        return {
            "starts_at": self._starts_at(dt.time.fromisoformat(self.time.data)),
            "location": self.location.data, "purpose": self.purpose.data,
            "cadence_weeks": int(self.cadence.data) if self.cadence.data else None,
        }


class ParticipantForm(Form):
    name = StringField(N_("Name"), [TextLength(1, 200, N_("Write the name of the person or place."))], filters=[strip],
                       description=N_("For example: Egen læge or Olivers skole."))
    kind = SelectField(N_("Kind"), [OneOf(PARTICIPANT_KINDS, N_("Choose a kind from the list."))], validate_choice=False)
    role_description = TextAreaField(N_("What they do in the plan"), [TextLength(0, MAX_TEXT, N_("Write at most 2,000 characters."))],
                                     filters=[strip], description=N_("You may leave it empty."))
    version = _version()

    def __init__(self, formdata: Any = None, *, check_version: bool = True, **data: Any):
        super().__init__(formdata, **data)
        self.check_version = check_version
        self.kind.choices = [SelectChoice(kind, label("participant_kind", kind)) for kind in PARTICIPANT_KINDS]

    def validate_version(self, field: Field) -> None:
        if self.check_version:
            _check_version(field)

    @property
    def values(self) -> dict[str, Any]:
        return {"name": self.name.data, "kind": self.kind.data, "role_description": self.role_description.data or None}


class AssessmentForm(Form):
    person = SelectField(N_("Who is it about?"), validate_choice=False)
    title = StringField(N_("Title"), [TextLength(1, 200, N_("Write a title."))], filters=[strip])
    # Not "summary": Form.summary() lists the errors.
    body = TextAreaField(N_("The assessment in short"), [TextLength(1, MAX_TEXT, N_("Write the assessment in short."))],
                            filters=[strip])
    assessed_on = IsoDateField(N_("Date of the assessment"), invalid_message=N_("Write the date like this: 2027-05-31."))
    version = _version()

    def __init__(self, formdata: Any = None, *, members: Sequence[Any], today: dt.date, check_version: bool = True, **data: Any):
        super().__init__(formdata, **data)
        self.today = today
        self.check_version = check_version
        self.member_ids = {str(m.id) for m in members}
        self.person.choices = [SelectChoice(str(m.id), m.full_name) for m in members]

    def validate_person(self, field: Field) -> None:
        if field.data not in self.member_ids:
            raise ValidationError(N_("Choose a person from the list."))

    def validate_assessed_on(self, field: Field) -> None:
        if field.data is None:
            raise ValidationError(N_("Write the date like this: 2027-05-31."))
        if field.data > self.today:
            raise ValidationError(N_("The date is in the future. Write the day the assessment was made."))

    def validate_version(self, field: Field) -> None:
        if self.check_version:
            _check_version(field)

    @property
    def values(self) -> dict[str, Any]:
        return {"person_id": int(self.person.data), "title": self.title.data, "summary": self.body.data,
                "assessed_on": self.assessed_on.data}

"""The caseworker's forms for a plan's efforts and goals, and how their values read in a conflict.

Each form is given the choices the caseworker may make (``portal.plans.edit_choices``) and checks
every value sent against them: an id of a department, person or effort that is not offered is a
field error, the same as a typing mistake, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import wtforms
from wtforms import BooleanField, Field, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField

from portal.forms import N_, Form, IdField, IsoDateField, OneOf, TextLength, ValidationError, strip
from portal.i18n import gettext as _
from portal.inputs import parse_id
from portal.labels import label, vocabulary
from portal.plans.catalogue import load_legal_bases
from portal.plans.edit_choices import EffortChoices, GoalChoices, loops
from portal.plans.editing import FieldSpec, Values
from portal.plans.models import EFFORT_STATUSES, GOAL_STATUSES, HORIZONS, LIFE_AREAS
from portal.plans.readmodels import EffortItem, GoalItem
from portal.plans.rules import DEMAND_LABELS, SUPPORT_KIND_LABELS, demand_label, support_kind_label

MAX_TITLE_LENGTH = 200
MAX_TEXT_LENGTH = 4000
MAX_MONTHLY_COST = 10_000_000
MAX_SLOTS = 14
SPARE_SLOTS = 2          # empty rows for new time slots (the form works without JavaScript)
HIDDEN_AFTER = "skjult"  # "keep waiting for the effort you cannot see"


class OptionalDateField(IsoDateField):
    """A date that may be left empty."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.text, self.data = "", None
            return
        super().process_formdata(valuelist)


class SlotsField(Field):
    """Weekly time slots, as rows of three inputs (``slots-weekday``, ``slots-start``, ``slots-end``).

    ``data`` is a list of (weekday, start, end); a row left empty is no slot. ``rows`` is what was
    typed, to show again.
    """

    INPUTS = ("slots-weekday", "slots-start", "slots-end")

    def process(self, formdata: Any, data: Any = wtforms.utils.unset_value, extra_filters: Any = None) -> None:
        self.process_errors: list[Any] = []
        self.rows: list[tuple[str, str, str]] = []
        self.data: list[tuple[int, dt.time, dt.time]] = []
        if formdata is not None and any(name in formdata for name in self.INPUTS):
            days, starts, ends = (list(formdata.getlist(name)) for name in self.INPUTS)
            count = max(len(days), len(starts), len(ends))
            pad = [""] * count
            self.rows = [
                (str(d).strip(), str(s).strip(), str(e).strip())
                for d, s, e in zip((days + pad)[:count], (starts + pad)[:count], (ends + pad)[:count], strict=True)
            ]
        elif data is not wtforms.utils.unset_value and data:
            self.rows = [(str(w), s.strftime("%H:%M"), e.strftime("%H:%M")) for w, s, e in data]

    def pre_validate(self, form: wtforms.Form) -> None:
        filled = [row for row in self.rows if any(row)]
        if len(filled) > MAX_SLOTS:
            raise ValidationError(N_("Give at most 14 weekly times."))
        for number, (day, start, end) in enumerate(self.rows, start=1):
            if not any((day, start, end)):
                continue
            weekday = parse_id(day) if day != "0" else 0
            begins, finishes = _time(start), _time(end)
            if weekday is None or not 0 <= weekday <= 6 or begins is None or finishes is None:
                raise ValidationError(_("Time %(number)d: choose a day and type the times as 09:00.") % {"number": number})
            if finishes <= begins:
                raise ValidationError(_("Time %(number)d: the end must be after the start.") % {"number": number})
            self.data.append((weekday, begins, finishes))

    def shown_rows(self) -> list[tuple[str, str, str]]:
        """The typed rows and a few empty ones for new times."""
        return list(self.rows) + [("", "", "")] * SPARE_SLOTS


def _time(text: str) -> dt.time | None:
    if len(text) != 5 or text[2] != ":" or not (text[:2] + text[3:]).isdigit() or not text.isascii():
        return None
    try:
        return dt.time(int(text[:2]), int(text[3:]))
    except ValueError:
        return None


def _choice(value: object) -> str:
    return "" if value is None else str(value)


class EffortForm(Form):
    title = StringField(N_("Name of the effort"), [TextLength(1, MAX_TITLE_LENGTH, N_("Type a name of at most 200 characters."))], filters=[strip])
    description = TextAreaField(
        N_("What happens, in plain words"), [TextLength(0, MAX_TEXT_LENGTH, N_("Write at most 4,000 characters."))],
        filters=[strip], description=N_("The citizen reads this. Write as you would say it."),
    )
    member_person_id = SelectField(N_("Who is it for?"), validate_choice=False)
    department_id = SelectField(N_("Department"), validate_choice=False)
    responsible_user_id = SelectField(N_("Responsible caseworker"), validate_choice=False)
    participant_id = SelectField(
        N_("Or someone from outside"), validate_choice=False,
        description=N_("Choose a department or someone from outside, or both."),
    )
    legal_basis_code = SelectField(N_("Legal basis"), validate_choice=False)
    start_date = OptionalDateField(N_("Start date"), invalid_message=N_("Type a date, for example 2027-05-31."))
    end_date = OptionalDateField(N_("End date"), invalid_message=N_("Type a date, for example 2027-05-31."))
    slots = SlotsField(N_("Weekly times"))
    goal_ids = SelectMultipleField(N_("Goals the effort helps with"), validate_choice=False)
    status = SelectField(N_("Status"), [OneOf(EFFORT_STATUSES, N_("Choose a status from the list."))], validate_choice=False)
    precondition_text = TextAreaField(
        N_("What is it waiting for?"), [TextLength(0, MAX_TEXT_LENGTH, N_("Write at most 4,000 characters."))],
        filters=[strip], description=N_("For example: When you are ready."),
    )
    after_effort_id = SelectField(N_("Starts after another effort"), validate_choice=False)
    counts_as_activation = BooleanField(N_("Counts as activation"), false_values=("", "false", "0"))
    support_kind = SelectField(N_("Kind of help"), validate_choice=False)
    physical_demands = SelectMultipleField(N_("Physical demands"), validate_choice=False)
    monthly_cost_dkk = StringField(
        N_("Cost per month in kroner"), filters=[strip], description=N_("A whole number. Leave it empty if there is no cost."),
    )
    version = IdField()

    def __init__(self, formdata: Any = None, *, choices: EffortChoices, **data: Any):
        self.choices_given = choices
        super().__init__(formdata, **data)
        none = SelectChoice("", "–")
        self.member_person_id.choices = [SelectChoice(str(i), name) for i, name in choices.members]
        self.department_id.choices = [none] + [SelectChoice(str(i), name) for i, name in choices.departments]
        self.responsible_user_id.choices = [none] + [SelectChoice(str(c.id), c.name) for c in choices.caseworkers]
        self.participant_id.choices = [none] + [SelectChoice(str(i), name) for i, name in choices.participants]
        bases = load_legal_bases()
        self.legal_basis_code.choices = [none] + [SelectChoice(code, f"{b.title} ({b.law}, {b.paragraph})") for code, b in bases.items()]
        self.goal_ids.choices = [SelectChoice(str(i), wording) for i, wording in choices.goals]
        self.status.choices = [SelectChoice(s, label("effort_status", s)) for s in EFFORT_STATUSES]
        after = [none] + [SelectChoice(str(i), title) for i, title in choices.after_efforts]
        if choices.hidden_after:
            after.append(SelectChoice(HIDDEN_AFTER, _("An effort you cannot see (keep it)")))
        self.after_effort_id.choices = after
        self.support_kind.choices = [none] + [SelectChoice(k, support_kind_label(k).capitalize()) for k in SUPPORT_KIND_LABELS]
        self.physical_demands.choices = [SelectChoice(d, demand_label(d).capitalize()) for d in DEMAND_LABELS]

    # --- values, once validated ---------------------------------------------------------------

    def id_of(self, field: Field) -> int | None:
        return parse_id(field.data) if field.data else None

    @property
    def cost(self) -> int | None:
        return int(self.monthly_cost_dkk.data) if self.monthly_cost_dkk.data else None

    @property
    def after_effort(self) -> int | None | str:
        """The id to wait for, None, or HIDDEN_AFTER (keep the one the caseworker cannot see)."""
        return HIDDEN_AFTER if self.after_effort_id.data == HIDDEN_AFTER else self.id_of(self.after_effort_id)

    # --- checks ---------------------------------------------------------------------------------

    def _offered(self, field: Field, options: list[str], message: str, *, optional: bool = True) -> None:
        value = field.data or ""
        if (value == "" and optional) or value in options:
            return
        raise ValidationError(message)

    def validate_member_person_id(self, field: Field) -> None:
        self._offered(field, [str(i) for i, _n in self.choices_given.members], N_("Choose who the effort is for."), optional=False)

    def validate_department_id(self, field: Field) -> None:
        self._offered(field, [str(i) for i, _n in self.choices_given.departments], N_("Choose a department from the list."))
        if not field.data and not self.participant_id.data:
            raise ValidationError(N_("Choose a department or someone from outside."))

    def validate_responsible_user_id(self, field: Field) -> None:
        self._offered(field, [str(c.id) for c in self.choices_given.caseworkers], N_("Choose a caseworker from the list."))
        if field.data:
            worker = next(c for c in self.choices_given.caseworkers if str(c.id) == field.data)
            if str(worker.department_id) != (self.department_id.data or ""):
                raise ValidationError(N_("The caseworker must work in the department you chose."))

    def validate_participant_id(self, field: Field) -> None:
        self._offered(field, [str(i) for i, _n in self.choices_given.participants], N_("Choose someone from the list."))

    def validate_legal_basis_code(self, field: Field) -> None:
        self._offered(field, list(load_legal_bases()), N_("Choose a legal basis from the list."))

    def validate_end_date(self, field: Field) -> None:
        if field.data is not None and self.start_date.data is not None and field.data < self.start_date.data:
            raise ValidationError(N_("The end date must be on or after the start date."))

    def validate_goal_ids(self, field: Field) -> None:
        offered = {str(i) for i, _w in self.choices_given.goals}
        if any(value not in offered for value in field.data or []):
            raise ValidationError(N_("Choose goals from the list."))

    def validate_after_effort_id(self, field: Field) -> None:
        if field.data == HIDDEN_AFTER and self.choices_given.hidden_after:
            return
        self._offered(field, [str(i) for i, _t in self.choices_given.after_efforts], N_("Choose an effort from the list."))
        after = self.id_of(field)
        if after is not None and (after == self.choices_given.effort_id or loops(self.choices_given.effort_id, after, self.choices_given.chain)):
            raise ValidationError(N_("An effort cannot wait for itself, not even through other efforts. Choose another."))

    def validate_precondition_text(self, field: Field) -> None:
        if self.status.data == "waiting" and not field.data and not self.after_effort_id.data:
            raise ValidationError(N_("Write what the effort is waiting for, or choose the effort it starts after."))

    def validate_support_kind(self, field: Field) -> None:
        self._offered(field, list(SUPPORT_KIND_LABELS), N_("Choose a kind of help from the list."))

    def validate_physical_demands(self, field: Field) -> None:
        if any(value not in DEMAND_LABELS for value in field.data or []):
            raise ValidationError(N_("Choose physical demands from the list."))

    def validate_monthly_cost_dkk(self, field: Field) -> None:
        text = field.data or ""
        if text.startswith("-") and text[1:].isdigit() and text.isascii():
            raise ValidationError(N_("The cost cannot be below 0 kroner."))
        if text and not (text.isascii() and text.isdigit() and int(text) <= MAX_MONTHLY_COST):
            raise ValidationError(N_("Type the cost as a whole number of kroner, for example 2500."))

    def validate_version(self, field: Field) -> None:
        if self.choices_given.effort_id is not None and field.data is None:
            raise ValidationError(N_("The page was too old. Open the effort again and save once more."))


def effort_form_data(effort: EffortItem, *, hidden_after: bool) -> dict[str, Any]:
    """The form's values for an effort as it is saved."""
    return {
        "title": effort.title, "description": effort.description, "member_person_id": str(effort.member_person_id),
        "department_id": _choice(effort.department_id), "responsible_user_id": _choice(effort.responsible_user_id),
        "participant_id": _choice(effort.participant_id), "legal_basis_code": effort.legal_basis_code or "",
        "start_date": effort.start_date, "end_date": effort.end_date,
        "slots": [(s.weekday, s.start_time, s.end_time) for s in effort.slots],
        "goal_ids": [str(i) for i in effort.goal_ids], "status": effort.status,
        "precondition_text": effort.precondition_text or "",
        "after_effort_id": HIDDEN_AFTER if hidden_after else _choice(effort.after_effort_id),
        "counts_as_activation": effort.counts_as_activation, "support_kind": effort.support_kind or "",
        "physical_demands": list(effort.physical_demands), "monthly_cost_dkk": _choice(effort.monthly_cost_dkk),
        "version": effort.version,
    }


def _effort_inputs(name: str) -> tuple[str, ...]:
    return SlotsField.INPUTS if name == "slots" else (name,)


EFFORT_FIELDS = (
    "title", "description", "member_person_id", "department_id", "responsible_user_id", "participant_id",
    "legal_basis_code", "start_date", "end_date", "slots", "goal_ids", "status", "precondition_text",
    "after_effort_id", "counts_as_activation", "support_kind", "physical_demands", "monthly_cost_dkk",
)


def form_specs(form: Form, names: tuple[str, ...]) -> tuple[FieldSpec, ...]:
    return tuple(FieldSpec(name, form[name].label.text, _effort_inputs(name)) for name in names)


def form_values(form: Form, names: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """What the form would post for its current data: the "theirs" side of a conflict."""
    values: dict[str, tuple[str, ...]] = {}
    for name in names:
        field = form[name]
        if isinstance(field, SlotsField):
            rows = field.rows
            for index, input_name in enumerate(SlotsField.INPUTS):
                values[input_name] = tuple(row[index] for row in rows)
        elif isinstance(field, SelectMultipleField):
            values[name] = tuple(str(v) for v in field.data or ())
        elif isinstance(field, BooleanField):
            values[name] = ("y",) if field.data else ()
        elif isinstance(field, SelectField):
            values[name] = (str(field.data),) if field.data not in (None, "") else ()
        else:
            text = field._value()
            values[name] = (text,) if text else ()
    return values


def show_value(form: Form, spec: FieldSpec, values: Values) -> str:
    """A field's values in words, as the form offers them (names, not ids)."""
    field = form[spec.name]
    if isinstance(field, SlotsField):
        days = dict(enumerate(_weekday_names()))
        rows = zip(*(values.get(name, ()) for name in SlotsField.INPUTS), strict=False)
        shown = [f"{days.get(_weekday(d), d)} {s}–{e}" for d, s, e in rows if d or s or e]
        return ", ".join(shown) or "–"
    if isinstance(field, BooleanField):
        return _("Yes") if values.get(spec.name) else _("No")
    if isinstance(field, (SelectField, SelectMultipleField)):
        names = {str(choice.value): choice.label for choice in field.iter_choices()}
        chosen = [names.get(v, v) for v in values.get(spec.name, ()) if v]
        return ", ".join(chosen) or "–"
    return " ".join(values.get(spec.name, ())) or "–"


def _weekday(text: str) -> int:
    return 0 if text == "0" else parse_id(text) or -1


def _weekday_names() -> list[str]:
    from babel.dates import get_day_names

    from portal import i18n

    names = get_day_names("wide", locale=i18n.babel_locale())
    return [names[i] for i in range(7)]


class GoalEditForm(Form):
    citizen_wording = TextAreaField(
        N_("The goal in the citizen's own words"), [TextLength(1, MAX_TEXT_LENGTH, N_("Write the goal in the citizen's words."))],
        filters=[strip],
    )
    professional_wording = TextAreaField(
        N_("Professional wording"), [TextLength(0, MAX_TEXT_LENGTH, N_("Write at most 4,000 characters."))], filters=[strip],
    )
    horizon = SelectField(N_("When"), [OneOf(HORIZONS, N_("Choose when from the list."))], validate_choice=False)
    life_area = SelectField(N_("Part of life"), [OneOf(LIFE_AREAS, N_("Choose a part of life from the list."))], validate_choice=False)
    member_person_id = SelectField(N_("Who is it for?"), validate_choice=False)
    status = SelectField(N_("Status"), [OneOf(GOAL_STATUSES, N_("Choose a status from the list."))], validate_choice=False)
    show_on_front = BooleanField(N_("Show on the citizen's front page"), false_values=("", "false", "0"))
    version = IdField()

    def __init__(self, formdata: Any = None, *, choices: GoalChoices, goal_id: int | None = None, **data: Any):
        self.choices_given, self.goal_id = choices, goal_id
        super().__init__(formdata, **data)
        self.horizon.choices = [SelectChoice(h, label("horizon", h)) for h in HORIZONS]
        self.life_area.choices = [SelectChoice(a, label("life_area", a)) for a in vocabulary("life_area")]
        self.member_person_id.choices = [SelectChoice(str(i), name) for i, name in choices.members]
        self.status.choices = [SelectChoice(s, label("goal_status", s)) for s in GOAL_STATUSES]

    def validate_member_person_id(self, field: Field) -> None:
        if (field.data or "") not in {str(i) for i, _n in self.choices_given.members}:
            raise ValidationError(N_("Choose who the goal is for."))

    def validate_version(self, field: Field) -> None:
        if self.goal_id is not None and field.data is None:
            raise ValidationError(N_("The page was too old. Open the goal again and save once more."))


GOAL_FIELDS = ("citizen_wording", "professional_wording", "horizon", "life_area", "member_person_id", "status", "show_on_front")


def goal_form_data(goal: GoalItem) -> dict[str, Any]:
    return {
        "citizen_wording": goal.citizen_wording, "professional_wording": goal.professional_wording or "",
        "horizon": goal.horizon, "life_area": goal.life_area, "member_person_id": str(goal.member_person_id),
        "status": goal.status, "show_on_front": goal.show_on_front, "version": goal.version,
    }


def goal_changes(form: GoalEditForm) -> Mapping[str, Any]:
    return {
        "citizen_wording": form.citizen_wording.data, "professional_wording": form.professional_wording.data or None,
        "horizon": form.horizon.data, "life_area": form.life_area.data,
        "member_person_id": parse_id(form.member_person_id.data or ""), "status": form.status.data,
        "show_on_front": bool(form.show_on_front.data),
    }

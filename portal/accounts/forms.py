"""The forms of accounts: recovery and activation codes, passkey names, new accounts, the demo."""

from __future__ import annotations

from typing import Any

from wtforms import Field, SelectChoice, SelectField, StringField

from portal.accounts.models import Department, User
from portal.accounts.services import Accounts
from portal.forms import N_, Form, IdField, OneOf, Required, TextLength, ValidationError, strip
from portal.i18n import gettext as _
from portal.labels import label

# The roles an admin gives; evaluators are made another way.
STAFF_ROLES = ("caseworker", "admin")


class RecoveryForm(Form):
    code = StringField(
        N_("Recovery code"), [Required(N_("Type your recovery code."))], filters=[strip],
        description=N_("For example 7K3P-Q9MX-2D4F"),
    )


class ActivationCodeForm(Form):
    code = StringField(
        N_("Code"), [Required(N_("Type the code from your letter."))], filters=[strip],
        description=N_("8 letters and numbers, for example K7Q2-9MXD"),
    )


class PasskeyNameForm(Form):
    name = StringField(N_("New name"), [TextLength(1, 100, N_("Give the passkey a name of 1 to 100 characters."))], filters=[strip])

    def for_passkey(self, passkey_id: int) -> PasskeyNameForm:
        """Each passkey on the settings page has its own rename form, so its own field id."""
        self.name.id = f"name-{passkey_id}"
        return self


class ExtendSessionForm(Form):
    # Where to go on; the view sends anything but a local path to the front page (safe_next).
    next = StringField()


def _full_name() -> Any:
    return StringField(N_("Full name"), [TextLength(1, 200, N_("Type the full name."))], filters=[strip])


def _first_name(hint: str = "") -> Any:
    return StringField(
        N_("First name"), [TextLength(1, 100, N_("Type the first name, as the person is called."))], filters=[strip],
        description=hint,
    )


class NewCitizenForm(Form):
    full_name = _full_name()
    first_name = _first_name(N_("The name we use when we write to the citizen."))


class NewStaffForm(Form):
    """A staff account; a caseworker needs a department of the admin's own municipality, which
    the form asks the accounts service for."""

    full_name = _full_name()
    first_name = _first_name()
    job_title = StringField(N_("Job title"), filters=[strip])
    role = SelectField(N_("Role"), [OneOf(STAFF_ROLES, N_("Choose a role."))], validate_choice=False)
    department_id = SelectField(N_("Department"), validate_choice=False, description=N_("Caseworkers belong to one department."))

    def __init__(self, formdata: Any = None, *, accounts: Accounts, municipality_id: int | None, **data: Any):
        super().__init__(formdata, **data)
        self.departments = {str(d.id): d for d in accounts.departments_of_municipality(municipality_id)}
        self.role.choices = [SelectChoice(role, label("user_role", role)) for role in STAFF_ROLES]
        self.department_id.choices = [SelectChoice("", _("Choose")), *(SelectChoice(key, d.name) for key, d in self.departments.items())]

    def validate_department_id(self, field: Field) -> None:
        if self.role.data == "caseworker" and field.data not in self.departments:
            raise ValidationError(N_("Choose the department the person works in."))

    @property
    def department(self) -> Department | None:
        return self.departments.get(self.department_id.data) if self.role.data == "caseworker" else None

    @property
    def job_title_or_none(self) -> str | None:
        return str(self.job_title.data)[:150] or None


class PersonaForm(Form):
    """The demo's switcher: a person who is in the database and active."""

    user_id = IdField()

    def __init__(self, formdata: Any = None, *, accounts: Accounts, **data: Any):
        self._accounts = accounts
        self.user: User | None = None
        super().__init__(formdata, **data)

    def validate_user_id(self, field: Field) -> None:
        user = self._accounts.user(field.data) if field.data is not None else None
        if user is None or not user.is_active:
            raise ValidationError(N_("Choose a person from the list."))
        self.user = user


class NewPasskeyForm(Form):
    """Shown only: the passkey script sends the name with the passkey, as JSON."""

    name = StringField(N_("Name of the new passkey"), filters=[strip], description=N_("For example: My phone"))

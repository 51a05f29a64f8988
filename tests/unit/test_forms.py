"""Every form's validation, table by table: what passes, what fails, and the Danish words it says.

Forms are built from Starlette's FormData, as the views build them from ``ctx.form``; forms that
ask a service get a small stand-in, so no database is needed here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.datastructures import FormData

from portal.accounts.forms import (
    ActivationCodeForm, ExtendSessionForm, NewCitizenForm, NewPasskeyForm, NewStaffForm, PasskeyNameForm, PersonaForm, RecoveryForm,
)
from portal.consent.forms import ActForForm, InviteForm
from portal.forms import Form
from portal.i18n import use_locale
from portal.pages.forms import LanguageForm

TODAY = dt.date(2026, 12, 3)


@pytest.fixture(autouse=True)
def danish() -> Iterator[None]:
    with use_locale("da"):
        yield


@dataclass
class FakeDepartment:
    id: int
    name: str


@dataclass
class FakeUser:
    id: int
    is_active: bool


@dataclass
class FakeDelegation:
    id: int
    citizen_person_id: int


class FakeAccounts:
    """Departments 3 and 4 are in municipality 1; user 7 is active, user 8 is not."""

    def departments_of_municipality(self, municipality_id: int | None) -> list[FakeDepartment]:
        return [FakeDepartment(3, "Jobcenter"), FakeDepartment(4, "Socialafdelingen")] if municipality_id == 1 else []

    def user(self, user_id: int) -> FakeUser | None:
        return {7: FakeUser(7, True), 8: FakeUser(8, False)}.get(user_id)


class FakeDelegations:
    """Relative person 5 holds power of attorney 11 (for citizen 2) today."""

    def in_force_for_relative(self, relative_person_id: int, today: dt.date) -> list[FakeDelegation]:
        return [FakeDelegation(11, 2)] if relative_person_id == 5 and today == TODAY else []


def form_data(**fields: str | list[str]) -> FormData:
    pairs: list[tuple[str, str]] = []
    for name, value in fields.items():
        pairs.extend((name, v) for v in (value if isinstance(value, list) else [value]))
    return FormData(pairs)


FORMS: dict[str, Callable[[FormData], Form]] = {
    "recovery": RecoveryForm,
    "activation_code": ActivationCodeForm,
    "passkey_name": PasskeyNameForm,
    "new_citizen": NewCitizenForm,
    "new_staff": lambda data: NewStaffForm(data, accounts=FakeAccounts(), municipality_id=1),  # type: ignore[arg-type]
    "persona": lambda data: PersonaForm(data, accounts=FakeAccounts()),  # type: ignore[arg-type]
    "invite": lambda data: InviteForm(data, today=TODAY),
    "act_for": lambda data: ActForForm(data, delegations=FakeDelegations(), relative_person_id=5, today=TODAY),  # type: ignore[arg-type]
    "language": LanguageForm,
    "extend_session": ExtendSessionForm,
}

STAFF = {"full_name": "Bo Ny", "first_name": "Bo", "job_title": "", "role": "caseworker", "department_id": "3"}
INVITE = {"name": "Karen Jensen", "scopes": ["read_plan"], "expires_on": "2027-06-01"}

# (form, fields posted, {field: the Danish error}); an empty dict means the form is valid.
CASES: list[tuple[str, dict[str, Any], dict[str, str]]] = [
    ("recovery", {"code": "7K3P-Q9MX-2D4F"}, {}),
    ("recovery", {"code": "   "}, {"code": "Skriv din gendannelseskode."}),
    ("recovery", {}, {"code": "Skriv din gendannelseskode."}),
    ("activation_code", {"code": " K7Q2-9MXD "}, {}),
    ("activation_code", {"code": ""}, {"code": "Skriv koden fra dit brev."}),
    ("passkey_name", {"name": "Min telefon"}, {}),
    ("passkey_name", {"name": "x" * 100}, {}),
    ("passkey_name", {"name": "  x  "}, {}),
    ("passkey_name", {"name": "   "}, {"name": "Giv adgangsnøglen et navn på 1 til 100 tegn."}),
    ("passkey_name", {"name": "x" * 101}, {"name": "Giv adgangsnøglen et navn på 1 til 100 tegn."}),
    ("new_citizen", {"full_name": "Bo Ny", "first_name": "Bo"}, {}),
    ("new_citizen", {"full_name": "", "first_name": ""},
     {"full_name": "Skriv det fulde navn.", "first_name": "Skriv fornavnet, som personen bliver kaldt."}),
    ("new_citizen", {"full_name": "x" * 201, "first_name": "x" * 101},
     {"full_name": "Skriv det fulde navn.", "first_name": "Skriv fornavnet, som personen bliver kaldt."}),
    ("new_staff", STAFF, {}),
    ("new_staff", {**STAFF, "role": "admin", "department_id": ""}, {}),
    ("new_staff", {**STAFF, "full_name": " "}, {"full_name": "Skriv det fulde navn."}),
    ("new_staff", {**STAFF, "role": "citizen"}, {"role": "Vælg en rolle."}),
    ("new_staff", {**STAFF, "role": "evaluator"}, {"role": "Vælg en rolle."}),
    ("new_staff", {k: v for k, v in STAFF.items() if k != "role"}, {"role": "Vælg en rolle."}),
    ("new_staff", {**STAFF, "department_id": ""}, {"department_id": "Vælg den afdeling, personen arbejder i."}),
    # A department of another municipality is not one the admin may choose.
    ("new_staff", {**STAFF, "department_id": "9"}, {"department_id": "Vælg den afdeling, personen arbejder i."}),
    ("persona", {"user_id": "7"}, {}),
    ("persona", {"user_id": "8"}, {"user_id": "Vælg en person på listen."}),
    ("persona", {"user_id": "999"}, {"user_id": "Vælg en person på listen."}),
    ("persona", {"user_id": "+7"}, {"user_id": "Vælg en person på listen."}),
    ("persona", {}, {"user_id": "Vælg en person på listen."}),
    ("invite", INVITE, {}),
    ("invite", {**INVITE, "scopes": ["read_plan", "write_messages"], "expires_on": "2028-12-02"}, {}),  # two years of days
    ("invite", {**INVITE, "name": ""}, {"name": "Skriv navnet på den, du giver fuldmagt."}),
    ("invite", {**INVITE, "name": "x" * 201}, {"name": "Skriv navnet på den, du giver fuldmagt."}),
    ("invite", {**INVITE, "scopes": []}, {"scopes": "Vælg mindst én ting, personen må."}),
    ("invite", {**INVITE, "scopes": ["read_plan", "everything"]}, {"scopes": "Vælg mindst én ting, personen må."}),
    ("invite", {**INVITE, "expires_on": "i morgen"}, {"expires_on": "Skriv en dato, for eksempel 2027-05-31."}),
    ("invite", {**INVITE, "expires_on": "2027-02-30"}, {"expires_on": "Skriv en dato, for eksempel 2027-05-31."}),
    ("invite", {k: v for k, v in INVITE.items() if k != "expires_on"}, {"expires_on": "Skriv en dato, for eksempel 2027-05-31."}),
    ("invite", {**INVITE, "expires_on": TODAY.isoformat()}, {"expires_on": "Slutdatoen skal ligge efter i dag og højst to år frem."}),
    ("invite", {**INVITE, "expires_on": "2028-12-03"}, {"expires_on": "Slutdatoen skal ligge efter i dag og højst to år frem."}),
    ("act_for", {"delegation_id": "11"}, {}),
    ("act_for", {"delegation_id": "12"}, {"delegation_id": "Vælg en person på listen."}),
    ("act_for", {"delegation_id": "011"}, {"delegation_id": "Vælg en person på listen."}),
    ("language", {"sprog": "en", "next": "/min-plan"}, {}),
    ("language", {"sprog": "de"}, {"sprog": "Vælg et sprog."}),
    ("language", {}, {"sprog": "Vælg et sprog."}),
    ("extend_session", {"next": "//evil.example"}, {}),  # validated later by safe_next, not refused
]


@pytest.mark.parametrize(("name", "fields", "errors"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_validation(name: str, fields: dict[str, Any], errors: dict[str, str]) -> None:
    form = FORMS[name](form_data(**fields))
    assert form.validate() is (not errors)
    assert {field: messages[0] for field, messages in form.errors.items()} == errors
    # One message per field, so the error summary has one line per field.
    assert all(len(messages) == 1 for messages in form.errors.values())


def test_text_is_stripped_and_typed_values_come_back() -> None:
    form = NewCitizenForm(form_data(full_name="  Bo Ny ", first_name=" Bo"))
    assert form.validate()
    assert (form.full_name.data, form.first_name.data) == ("Bo Ny", "Bo")
    invite = InviteForm(form_data(name="Karen", scopes=["read_plan"], expires_on=" i morgen "), today=TODAY)
    assert not invite.validate()
    assert invite.expires_on._value() == "i morgen"  # shown again as typed
    assert InviteForm(today=TODAY, expires_on=dt.date(2027, 6, 1)).expires_on._value() == "2027-06-01"


def test_validated_forms_hand_over_what_the_view_saves() -> None:
    staff = NewStaffForm(form_data(**{**STAFF, "job_title": "  " + "x" * 200}), accounts=FakeAccounts(), municipality_id=1)  # type: ignore[arg-type]
    assert staff.validate()
    assert staff.department == FakeDepartment(3, "Jobcenter")
    assert staff.job_title_or_none == "x" * 150
    admin = NewStaffForm(form_data(**{**STAFF, "role": "admin"}), accounts=FakeAccounts(), municipality_id=1)  # type: ignore[arg-type]
    assert admin.validate() and admin.department is None and admin.job_title_or_none is None
    persona = PersonaForm(form_data(user_id="7"), accounts=FakeAccounts())  # type: ignore[arg-type]
    assert persona.validate() and persona.user == FakeUser(7, True)
    act_for = ActForForm(form_data(delegation_id="11"), delegations=FakeDelegations(), relative_person_id=5, today=TODAY)  # type: ignore[arg-type]
    assert act_for.validate() and act_for.delegation == FakeDelegation(11, 2)
    invite = InviteForm(form_data(**INVITE), today=TODAY)
    assert invite.validate()
    assert (invite.name.data, invite.scopes.data, invite.expires_on.data) == ("Karen Jensen", ["read_plan"], dt.date(2027, 6, 1))


def test_summary_links_to_fields_but_not_to_hidden_ones() -> None:
    citizen = NewCitizenForm(form_data(full_name="", first_name="Bo"))
    citizen.validate()
    assert citizen.summary() == [("full_name", "Skriv det fulde navn.")]
    persona = PersonaForm(form_data(user_id="999"), accounts=FakeAccounts())  # type: ignore[arg-type]
    persona.validate()
    assert persona.summary() == [(None, "Vælg en person på listen.")]
    renamed = PasskeyNameForm(form_data(name="")).for_passkey(42)
    renamed.validate()
    assert renamed.summary() == [("name-42", "Giv adgangsnøglen et navn på 1 til 100 tegn.")]


def test_errors_found_after_validation_join_the_field() -> None:
    form = RecoveryForm(form_data(code="AAAA-AAAA-AAAA"))
    assert form.validate()
    form.add_error("code", "Koden er forkert.")
    assert form.has_errors and form.summary() == [("code", "Koden er forkert.")]


@pytest.mark.parametrize(("locale", "label", "hint"), [("da", "Gendannelseskode", "For eksempel 7K3P-Q9MX-2D4F"),
                                                       ("en", "Recovery code", "For example 7K3P-Q9MX-2D4F")])
def test_labels_and_hints_are_in_the_request_language(locale: str, label: str, hint: str) -> None:
    with use_locale(locale):
        form = RecoveryForm()
    assert (form.code.label.text, form.code.description) == (label, hint)


def test_english_messages_when_the_page_is_english() -> None:
    with use_locale("en"):
        form = RecoveryForm(form_data(code=""))
        form.validate()
    assert form.errors == {"code": ["Type your recovery code."]}


def test_shown_only_form_has_a_translated_label() -> None:
    assert NewPasskeyForm().name.label.text == "Navn på den nye adgangsnøgle"


def test_no_wtforms_csrf() -> None:
    # The route wrapper checks CSRF; a WTForms token would be a second, different one.
    assert "csrf_token" not in RecoveryForm()._fields
    assert RecoveryForm(form_data(code="x", csrf_token="anything")).validate()

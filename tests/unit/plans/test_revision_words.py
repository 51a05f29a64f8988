"""How a revision reads: who, which field, old and new value formatted for people; a field the
citizen page does not know is shown without its values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from portal import i18n
from portal.plans.revision_words import describe
from portal.plans.revisions import ChangeRow


@pytest.fixture
def danish() -> Iterator[None]:
    token = i18n.current_locale.set("da")
    yield
    i18n.current_locale.reset(token)


@pytest.fixture
def english() -> Iterator[None]:
    token = i18n.current_locale.set("en")
    yield
    i18n.current_locale.reset(token)


def row(field: str, old: str | None, new: str | None, *, entity: str = "effort", by_subject: bool = False,
        on_behalf: bool = False, by_user_id: int = 7, by_name: str = "Camilla Brandt", title: str = "Hjemmevejleder",
        old_name: str | None = None, new_name: str | None = None) -> ChangeRow:
    return ChangeRow(
        id=1, occurred_at=dt.datetime(2026, 12, 1, 9, tzinfo=dt.timezone.utc), entity=entity, field=field,
        old_value=old, new_value=new, item_title=title, by_user_id=by_user_id, by_name=by_name,
        by_subject=by_subject, on_behalf=on_behalf, is_new=False, old_name=old_name, new_name=new_name,
    )


def said(r: ChangeRow, *, viewer: int | None = 1, subject: bool = True) -> str:
    return describe(r, viewer_user_id=viewer, subject_first_name="Annette", viewer_is_subject=subject)


def test_times_dates_and_statuses_read_as_people_say_them(danish: None) -> None:
    assert said(row("start_time", "08:00", "09:00")) == "Camilla Brandt ændrede tidspunktet for Hjemmevejleder fra kl. 8 til kl. 9."
    assert said(row("end_date", None, "2027-03-31")) == "Camilla Brandt satte slutdatoen for Hjemmevejleder til 31. marts 2027."
    assert said(row("status", "planned", "paused")) == "Camilla Brandt ændrede status for Hjemmevejleder fra Planlagt til Sat på pause."
    assert said(row("description", "Før", None)) == "Camilla Brandt fjernede beskrivelsen for Hjemmevejleder."


def test_an_unknown_field_hides_its_values(danish: None) -> None:
    assert said(row("not_a_field", "6400", "7000")) == "Camilla Brandt ændrede Hjemmevejleder."


# Each effort field the citizen is not shown the value of says so, or says what changed.
INTERNAL = [
    ("monthly_cost_dkk", "6400", "7000",
     "Camilla Brandt ændrede prisen pr. måned for Hjemmevejleder. Beløbet hører til kommunens eget regnskab og vises ikke her.",
     "Camilla Brandt changed the price per month of Hjemmevejleder. The amount is for the municipality's own accounts and is not shown here."),
    ("support_kind", "mentor", "home_guidance",
     "Camilla Brandt ændrede, hvilken slags hjælp Hjemmevejleder er noteret som. Sagsbehandlerne bruger det til at se, om den samme hjælp gives to gange.",
     "Camilla Brandt changed which kind of help Hjemmevejleder is noted as. The caseworkers use it to spot the same help twice."),
    ("physical_demands", None, "lifting",
     "Camilla Brandt ændrede, hvad Hjemmevejleder kræver af kroppen. Sagsbehandlerne bruger det til at tjekke planen mod helbredet.",
     "Camilla Brandt changed what Hjemmevejleder demands of the body. The caseworkers use it to check the plan against health."),
    ("goals", "3", "3, 4",
     "Camilla Brandt ændrede, hvilke mål Hjemmevejleder hjælper med.",
     "Camilla Brandt changed which goals Hjemmevejleder helps with."),
    ("counts_as_activation", "false", "true",
     "Camilla Brandt noterede, at Hjemmevejleder tæller som aktivering.",
     "Camilla Brandt noted that Hjemmevejleder counts as activation."),
    ("legal_basis_code", None, "LAB-KAP7",
     "Camilla Brandt satte lovgrundlaget for Hjemmevejleder til “Samtaler med jobcentret”.",
     "Camilla Brandt set the legal basis for Hjemmevejleder to “Samtaler med jobcentret”."),
    ("slots", "0 09:00-10:00", "0 09:00-10:30; 2 13:00-14:00",
     "Camilla Brandt ændrede de faste tider for Hjemmevejleder fra mandag kl. 9–10 til mandag kl. 9–10.30, onsdag kl. 13–14.",
     "Camilla Brandt changed the weekly times for Hjemmevejleder from Monday 9–10 to Monday 9–10:30, Wednesday 13–14."),
]


@pytest.mark.parametrize(("field", "old", "new", "in_danish", "in_english"), INTERNAL)
def test_every_effort_field_reads_well_in_both_languages(
    field: str, old: str | None, new: str | None, in_danish: str, in_english: str
) -> None:
    for locale, expected in (("da", in_danish), ("en", in_english)):
        token = i18n.current_locale.set(locale)
        try:
            assert said(row(field, old, new)) == expected
        finally:
            i18n.current_locale.reset(token)


def test_who_is_responsible_is_named_and_an_unknown_name_is_left_out(danish: None) -> None:
    named = row("responsible_user_id", "4", "5", old_name="Sara Holm", new_name="Camilla Brandt")
    assert said(named) == "Camilla Brandt ændrede hvem der er ansvarlig for Hjemmevejleder fra Sara Holm til Camilla Brandt."
    # The provider is an outside participant the viewer does not see: no name, no id.
    hidden = row("participant_id", None, "12")
    assert said(hidden) == "Camilla Brandt ændrede hvem der giver hjælpen for Hjemmevejleder."


def test_a_moved_meeting_reads_with_both_times_in_danish_time(danish: None) -> None:
    moved = row("starts_at", "2027-03-03T09:00:00+00:00", "2027-03-05T12:00:00+00:00", entity="meeting",
                title="Opfølgning")
    assert said(moved) == "Camilla Brandt flyttede mødet “Opfølgning” fra 3. marts kl. 10 til 5. marts kl. 13."
    planned = row("starts_at", None, "2027-06-01T07:30:00+00:00", entity="meeting", title="Opfølgning")
    assert said(planned) == "Camilla Brandt planlagde mødet “Opfølgning” til 1. juni kl. 9.30."
    cadence = row("cadence_weeks", "2", "4", entity="meeting", title="Opfølgning")
    assert said(cadence) == "Camilla Brandt ændrede, hvor tit mødet “Opfølgning” holdes, fra hver 2. uge til hver 4. uge."
    assert said(row("cadence_weeks", "4", None, entity="meeting", title="Opfølgning")) == (
        "Camilla Brandt gjorde mødet “Opfølgning” til et enkelt møde.")
    place = row("location", "Jobcentret", "Biblioteket", entity="meeting", title="Opfølgning")
    assert said(place) == "Camilla Brandt ændrede stedet for mødet “Opfølgning” fra “Jobcentret” til “Biblioteket”."


def test_the_contact_person_members_assessments_and_about_me(danish: None) -> None:
    contact = row("contact_user_id", "4", "5", entity="plan", title="", old_name="Sara Holm", new_name="Camilla Brandt")
    assert said(contact) == "Camilla Brandt skiftede kontaktperson fra Sara Holm til Camilla Brandt."
    deputy = row("deputy_user_id", "4", None, entity="plan", title="", old_name="Sara Holm")
    assert said(deputy) == "Camilla Brandt fjernede Sara Holm som stedfortræder."
    assert said(row("added", None, "Mie Nielsen", entity="member", title="Mie")) == (
        "Camilla Brandt tilføjede Mie Nielsen til planen.")
    assessment = row("assessed_on", "2026-11-01", "2026-11-20", entity="assessment", title="Arbejdsevne")
    assert said(assessment) == "Camilla Brandt ændrede datoen for vurderingen “Arbejdsevne” fra 1. november 2026 til 20. november 2026."
    mine = row("wishes", "Før", "Efter", entity="about_me", title="Annette", by_subject=True)
    assert said(mine) == "Du ændrede ønskerne i “Om mig” for Annette."
    participant = row("kind", "gp", "hospital", entity="participant", title="Hanne Holm")
    assert said(participant) == "Camilla Brandt ændrede typen for Hanne Holm fra Egen læge til Hospital."


def test_the_new_kinds_in_english(english: None) -> None:
    moved = row("starts_at", "2027-03-03T09:00:00+00:00", "2027-03-05T12:00:00+00:00", entity="meeting",
                title="Follow-up")
    assert said(moved) == "Camilla Brandt moved the meeting “Follow-up” from 3 March at 10 to 5 March at 13."
    contact = row("contact_user_id", None, "5", entity="plan", title="", new_name="Camilla Brandt")
    assert said(contact) == "Camilla Brandt made Camilla Brandt the contact person."


def test_who_is_du_for_the_citizen_and_named_for_a_relative_reading(danish: None) -> None:
    mine = row("citizen_confirmation", "pending", "agreed", entity="goal", by_subject=True)
    assert said(mine).startswith("Du ændrede svaret for målet “Hjemmevejleder”")
    assert said(mine, viewer=9, subject=False).startswith("Annette ændrede svaret")
    for_her = row("status", "planned", "active", on_behalf=True, by_user_id=9, by_name="Lene Nielsen")
    assert said(for_her).startswith("Lene Nielsen ændrede") and said(for_her).endswith(" Det blev gjort for dig.")
    assert said(for_her, viewer=9, subject=False).startswith("Du ændrede")
    assert said(for_her, viewer=9, subject=False).endswith(" Det blev gjort for Annette.")


def test_english_too(english: None) -> None:
    assert said(row("start_time", "08:00", "08:30")) == "Camilla Brandt changed the time for Hjemmevejleder from 8 to 8:30."

"""How a revision reads: who, which field, old and new value formatted for people; a field the
citizen page does not know is shown without its values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from portal import i18n
from portal.plans.revisions import ChangeRow, describe


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
        on_behalf: bool = False, by_user_id: int = 7, by_name: str = "Camilla Brandt") -> ChangeRow:
    return ChangeRow(
        id=1, occurred_at=dt.datetime(2026, 12, 1, 9, tzinfo=dt.timezone.utc), entity=entity, field=field,
        old_value=old, new_value=new, item_title="Hjemmevejleder", by_user_id=by_user_id, by_name=by_name,
        by_subject=by_subject, on_behalf=on_behalf, is_new=False,
    )


def said(r: ChangeRow, *, viewer: int | None = 1, subject: bool = True) -> str:
    return describe(r, viewer_user_id=viewer, subject_first_name="Annette", viewer_is_subject=subject)


def test_times_dates_and_statuses_read_as_people_say_them(danish: None) -> None:
    assert said(row("start_time", "08:00", "09:00")) == "Camilla Brandt ændrede tidspunktet for Hjemmevejleder fra kl. 8 til kl. 9."
    assert said(row("end_date", None, "2027-03-31")) == "Camilla Brandt satte slutdatoen for Hjemmevejleder til 31. marts 2027."
    assert said(row("status", "planned", "paused")) == "Camilla Brandt ændrede status for Hjemmevejleder fra Planlagt til Sat på pause."
    assert said(row("description", "Før", None)) == "Camilla Brandt fjernede beskrivelsen for Hjemmevejleder."


def test_an_unknown_field_hides_its_values(danish: None) -> None:
    assert said(row("monthly_cost_dkk", "6400", "7000")) == "Camilla Brandt ændrede Hjemmevejleder."


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

"""The filters of the citizen's log ("Hvem har set"): a month, a department and a page, as a GET form."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from wtforms import Field, SelectField, StringField

from portal.audit.services import LogDepartment
from portal.forms import N_, Form, IdField, ValidationError, strip
from portal.i18n import gettext as _
from portal.inputs import parse_id

MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
# The calendar's ends: a month outside them cannot be a month of the portal's log.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2999
# No log is this long; a page number beyond it is a typing error, not a request.
MAX_PAGE = 10_000


def parse_month(text: str) -> dt.date | None:
    """The first day of a month typed as "2026-11", or None when it is not one."""
    match = MONTH.fullmatch(text)
    if match is None or not (EARLIEST_YEAR <= int(match[1]) <= LATEST_YEAR and 1 <= int(match[2]) <= 12):
        return None
    return dt.date(int(match[1]), int(match[2]), 1)


class LogFilterForm(Form):
    """``?maaned=2026-11&afdeling=<id>&side=2``; every field may be left out or empty.

    Only departments that appear in the citizen's log are offered, so another id is refused
    like a value that is not a month.
    """

    maaned = StringField(
        N_("Month"), filters=[strip], description=N_("Year and month, for example 2026-11."),
    )
    afdeling = SelectField(N_("Department"), validate_choice=False)
    side = IdField()

    def __init__(self, formdata: Any = None, *, departments: Sequence[LogDepartment], **data: Any):
        super().__init__(formdata, **data)
        self.departments = {d.id: d for d in departments}
        self.afdeling.choices = [("", _("All departments"))] + [
            (str(d.id), f"{d.name}, {d.municipality}") for d in departments
        ]

    @property
    def month(self) -> dt.date | None:
        return parse_month(self.maaned.data or "")

    @property
    def department_id(self) -> int | None:
        department_id = parse_id(self.afdeling.data)
        return department_id if department_id in self.departments else None

    @property
    def page(self) -> int:
        return self.side.data if isinstance(self.side.data, int) else 1

    @property
    def filtered(self) -> bool:
        return self.month is not None or self.department_id is not None

    def validate_maaned(self, field: Field) -> None:
        if field.data and parse_month(field.data) is None:
            raise ValidationError(N_("Type the month as year and month, for example 2026-11."))

    def validate_afdeling(self, field: Field) -> None:
        if field.data and self.department_id is None:
            raise ValidationError(N_("Choose a department from the list."))

    def validate_side(self, field: Field) -> None:
        if field.raw_data and field.raw_data[0] != "" and (field.data is None or field.data > MAX_PAGE):
            raise ValidationError(N_("The page does not exist. Go to the first page."))

"""TOML tables that know where they are, and the date offsets the demo files use.

Every complaint names the file and the key in one line, so that whoever swaps in
their own demo files sees at once what to fix.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Europe/Copenhagen")
# Terms are applied left to right: "-7d+16w" is 16 weeks from a week ago.
_OFFSET = re.compile(r"(?:[+-]\d{1,5}(?:wd|d|w|m|y))+")
_OFFSET_TERM = re.compile(r"([+-]\d+)(wd|d|w|m|y)")
_CLOCK = re.compile(r"(\d\d):(\d\d)")
_KEY = re.compile(r"[a-z][a-z0-9_]*")
_OFFSET_HELP = 'an offset from today such as "-30d", "+2w", "+6m", "+1y" or "+1wd" (working days)'


class DemoDataError(ValueError):
    """A demo data file is wrong; the message is one line naming the file and the key."""


def shown(value: object) -> str:
    """A value as it would be written in TOML, on one line."""
    return json.dumps(value, ensure_ascii=False, default=str)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def shift(day: dt.date, offset: str) -> dt.date:
    """``day`` moved by an offset such as "-30d", "+2w", "+6m", "+1y", "+2wd" or "-7d+16w"."""
    if not _OFFSET.fullmatch(offset):
        raise ValueError(offset)
    for amount_text, unit in _OFFSET_TERM.findall(offset):
        amount = int(amount_text)
        if unit == "d":
            day += dt.timedelta(days=amount)
        elif unit == "w":
            day += dt.timedelta(weeks=amount)
        elif unit in ("m", "y"):
            day = add_months(day, amount * (12 if unit == "y" else 1))
        else:  # working days: Monday to Friday, counted from the day after
            step = dt.timedelta(days=1 if amount > 0 else -1)
            for _ in range(abs(amount)):
                day += step
                while day.weekday() >= 5:
                    day += step
    return day


class Table:
    """A TOML table and where it is, so that every complaint names the file and the key."""

    def __init__(self, source: str, where: str, data: object, today: dt.date) -> None:
        if not isinstance(data, dict):
            raise DemoDataError(f"{source}: {where}: must be a table")
        self.source, self.where, self.data, self.today = source, where, data, today
        self.seen: set[str] = set()

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str, problem: str) -> NoReturn:
        raise DemoDataError(f"{self.source}: {self.path(key)}: {problem}")

    def raw(self, key: str, required: bool = True) -> Any:
        self.seen.add(key)
        if key not in self.data and required:
            self.fail(key, "is missing")
        return self.data.get(key)

    def done(self) -> None:
        """Refuse keys nobody read: a misspelt optional key would otherwise be silently ignored."""
        unknown = [key for key in self.data if key not in self.seen]
        if unknown:
            self.fail(unknown[0], "is not a key this table can have")

    def key(self, field: str, taken: dict[str, str]) -> str:
        """A new key, unique among those in ``taken`` (which remembers where each was defined)."""
        value = self.raw(field)
        if not isinstance(value, str) or not _KEY.fullmatch(value):
            self.fail(field, "must be lower-case letters, digits and _, starting with a letter")
        if value in taken:
            self.fail(field, f"{shown(value)} is already used in {taken[value]}")
        taken[value] = self.source
        return value

    def maybe_key(self, field: str, taken: dict[str, str]) -> str | None:
        return self.key(field, taken) if field in self.data else self.raw(field, required=False)

    def text(self, key: str, limit: int | None = None) -> str:
        value = self.raw(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "must be a non-empty string")
        if limit is not None and len(value) > limit:
            self.fail(key, f"is longer than {limit} characters")
        return value

    def maybe_text(self, key: str, limit: int | None = None) -> str | None:
        return self.text(key, limit) if key in self.data else self.raw(key, required=False)

    def number(self, key: str, low: int, high: int) -> int:
        value = self.raw(key)
        # bool is an int in Python; "= true" is a typo, not 1.
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(key, f"{shown(value)} is not a whole number from {low} to {high}")
        return value

    def maybe_number(self, key: str, low: int, high: int) -> int | None:
        return self.number(key, low, high) if key in self.data else self.raw(key, required=False)

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw(key, required=False)
        if value is not None and not isinstance(value, bool):
            self.fail(key, "must be true or false")
        return default if value is None else value

    def _one_of(self, key: str, value: object, options: Collection[str], hint: str | None) -> str:
        if not isinstance(value, str) or value not in options:
            self.fail(key, f"{shown(value)} is not {hint or 'one of ' + ', '.join(options)}")
        return value

    def choice(self, key: str, options: Collection[str], default: str | None = None, hint: str | None = None) -> str:
        value = self.raw(key, required=default is None)
        return default if value is None and default is not None else self._one_of(key, value, options, hint)

    def maybe_choice(self, key: str, options: Collection[str], hint: str | None = None) -> str | None:
        return self.choice(key, options, hint=hint) if key in self.data else self.raw(key, required=False)

    def choices(self, key: str, options: Collection[str], hint: str | None = None, required: bool = False) -> tuple[str, ...]:
        value = self.raw(key, required)
        if value is None:
            return ()
        if not isinstance(value, list) or (required and not value):
            self.fail(key, "must be a list" + (" with at least one entry" if required else ""))
        chosen = tuple(self._one_of(key, item, options, hint) for item in value)
        if len(set(chosen)) != len(chosen):
            self.fail(key, "lists an entry twice")
        return chosen

    def date(self, key: str) -> dt.date:
        return self._shifted(key, self.raw(key))

    def maybe_date(self, key: str) -> dt.date | None:
        return self.date(key) if key in self.data else self.raw(key, required=False)

    def _shifted(self, key: str, value: object) -> dt.date:
        try:
            if isinstance(value, str):
                return shift(self.today, value)
        except (ValueError, OverflowError):
            pass
        self.fail(key, f"{shown(value)} is not {_OFFSET_HELP}")

    def clock(self, key: str, value: object = None) -> dt.time:
        value = self.raw(key) if value is None else value
        match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
        if match is None or int(match[1]) > 23 or int(match[2]) > 59:
            self.fail(key, f'{shown(value)} is not a Copenhagen time "HH:MM", e.g. "09:30"')
        return dt.time(int(match[1]), int(match[2]))

    def moment(self, key: str) -> dt.datetime:
        """An offset and a Copenhagen wall-clock time, e.g. "-3d 09:30", as an aware UTC datetime."""
        value = self.raw(key)
        parts = value.split(" ") if isinstance(value, str) else []
        if len(parts) != 2:
            self.fail(key, f'{shown(value)} is not an offset from today and a Copenhagen time, e.g. "-3d 09:30"')
        local = dt.datetime.combine(self._shifted(key, parts[0]), self.clock(key, parts[1]), tzinfo=LOCAL_ZONE)
        return local.astimezone(dt.timezone.utc)

    def maybe_moment(self, key: str) -> dt.datetime | None:
        return self.moment(key) if key in self.data else self.raw(key, required=False)

    def tables(self, key: str) -> list[Table]:
        value = self.raw(key, required=False)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, f"must be an array of tables ([[{key}]] or {key} = [{{ ... }}])")
        return [Table(self.source, f"{self.path(key)} #{n}", item, self.today) for n, item in enumerate(value, 1)]

    def table(self, key: str) -> Table:
        return Table(self.source, self.path(key), self.raw(key), self.today)

    def maybe_table(self, key: str) -> Table | None:
        return self.table(key) if key in self.data else self.raw(key, required=False)

"""What a message page may show: plain frozen values, built by the Messages service."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Receipt:
    reader_name: str
    read_at: dt.datetime


@dataclass(frozen=True)
class MessageItem:
    id: int
    body: str
    sent_at: dt.datetime
    author_name: str
    from_citizen_side: bool
    # "på vegne af Annette": the citizen's first name when a relative wrote for them.
    on_behalf_of_name: str | None
    mine: bool
    # The other side's readers, first reader first.
    receipts: tuple[Receipt, ...]
    # For a message from the citizen side: the last day of the promised answer time.
    answer_by: dt.date | None


@dataclass(frozen=True)
class Candidate:
    """A caseworker on the plan the contact person may bring into the thread."""

    user_id: int
    name: str
    department: str | None


@dataclass(frozen=True)
class ThreadView:
    plan_id: int
    citizen_first_name: str
    citizen_full_name: str
    answer_within_days: int
    messages: tuple[MessageItem, ...]
    # The staff side of the thread: contact person, deputy, those brought in (names).
    staff_names: tuple[str, ...]
    candidates: tuple[Candidate, ...] = ()
    may_bring_in: bool = False

    @property
    def last_id(self) -> int:
        return self.messages[-1].id if self.messages else 0


@dataclass(frozen=True)
class ThreadRow:
    """A thread on the caseworker's list."""

    plan_id: int
    citizen_full_name: str
    my_role: str
    message_count: int
    unread: int
    last_sent_at: dt.datetime | None

"""Who has a plan open, and who is editing which item, for the staff plan page.

Each process keeps the staff whose live streams it holds, and the edit marks set by the edit
forms it served. It shares its part of each plan as one message (its whole state for that
plan, not a change), over the bus: in-process on SQLite, NOTIFY on PostgreSQL. Every process
keeps the latest message of every other process and forgets it when no heartbeat renewed it
for ``ttl_seconds``: a process that dies takes its presence with it within a minute, with
nothing to clean up and no table written for every page view (on SQLite every such write
would take the write lock). Edit marks expire by themselves too: an edit form that was
opened and then abandoned does not claim the item for ever.

Citizens are shown none of this: whether a caseworker has the plan open right now is the
staff's working knowledge; the citizen sees every read of their plan in "Hvem har set min plan".
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from portal.accounts.models import User
from portal.live.bus import PRESENCE, EventBus, LiveEvent, plan_topic

HEARTBEAT_SECONDS = 20.0
TTL_SECONDS = 60.0
EDIT_MARK_SECONDS = 300.0


@dataclass(frozen=True)
class Present:
    """One member of staff on one plan, as the page names them."""

    user_id: int
    name: str
    department: str | None
    editing: str | None = None   # the item key, e.g. "effort:12"

    def as_dict(self) -> dict[str, Any]:
        return {"u": self.user_id, "n": self.name, "d": self.department, "e": self.editing}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Present:
        return cls(int(raw["u"]), str(raw["n"]), raw.get("d"), raw.get("e"))


def _who(user: User | Present) -> tuple[int, str, str | None]:
    if isinstance(user, Present):
        return user.user_id, user.name, user.department
    return user.id, user.display_name, user.department.name if user.department is not None else None


class Presence:
    def __init__(self, bus: EventBus, *, ttl_seconds: float = TTL_SECONDS, clock: Any = time.monotonic):
        self.bus = bus
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._lock = threading.Lock()
        # plan -> stream token -> (user id, name, department) of this process's open streams
        self._open: dict[int, dict[object, tuple[int, str, str | None]]] = {}
        # (plan, user) -> (item key, until) set by edit forms served here
        self._editing: dict[tuple[int, int], tuple[str, float, str, str | None]] = {}
        # plan -> what this process last told the others of it (a second tab changes nothing)
        self._shared: dict[int, tuple[tuple[int, str, str | None, str | None], ...]] = {}
        # plan -> process -> (entries, received at) as other processes last told
        self._remote: dict[int, dict[str, tuple[tuple[Present, ...], float]]] = {}
        bus.add_listener(self._heard)

    # --- this process ------------------------------------------------------------------------

    def opened(self, plan_id: int, user: User | Present, token: object) -> None:
        """A live stream of the staff plan page opened."""
        with self._lock:
            self._open.setdefault(plan_id, {})[token] = _who(user)
        self._share(plan_id)

    def closed(self, plan_id: int, token: object) -> None:
        with self._lock:
            streams = self._open.get(plan_id, {})
            streams.pop(token, None)
            if not streams:
                self._open.pop(plan_id, None)
        self._share(plan_id)

    def editing(self, plan_id: int, user: User, item_key: str, seconds: float = EDIT_MARK_SECONDS) -> None:
        """Someone opened the edit form of an item (e.g. ``"effort:12"``); for the edit forms to call."""
        user_id, name, department = _who(user)
        with self._lock:
            self._editing[(plan_id, user_id)] = (item_key, self.clock() + seconds, name, department)
        self._share(plan_id)

    def done_editing(self, plan_id: int, user: User) -> None:
        """The edit was saved or abandoned."""
        with self._lock:
            removed = self._editing.pop((plan_id, user.id), None)
        if removed is not None:
            self._share(plan_id)

    # --- what a page shows -------------------------------------------------------------------

    def on_plan(self, plan_id: int) -> list[Present]:
        """Everyone on the plan, in every process, once each (a second tab changes nothing)."""
        now = self.clock()
        with self._lock:
            entries = list(self._local(plan_id, now))
            for process_entries, received in self._remote.get(plan_id, {}).values():
                if now - received <= self.ttl_seconds:
                    entries.extend(process_entries)
        by_user: dict[int, Present] = {}
        for entry in entries:
            known = by_user.get(entry.user_id)
            if known is None or (known.editing is None and entry.editing is not None):
                by_user[entry.user_id] = entry
        return sorted(by_user.values(), key=lambda p: (p.name, p.user_id))

    def _local(self, plan_id: int, now: float) -> list[Present]:
        # Called with the lock held.
        entries: dict[int, Present] = {}
        for user_id, name, department in self._open.get(plan_id, {}).values():
            entries[user_id] = Present(user_id, name, department)
        for (mark_plan, user_id), (item, until, name, department) in list(self._editing.items()):
            if until < now:
                del self._editing[(mark_plan, user_id)]
            elif mark_plan == plan_id:
                entries[user_id] = Present(user_id, name, department, item)
        return list(entries.values())

    # --- sharing between processes -----------------------------------------------------------

    def _message(self, plan_id: int) -> LiveEvent:
        with self._lock:
            entries = [entry.as_dict() for entry in self._local(plan_id, self.clock())]
        return LiveEvent(PRESENCE, plan_topic(plan_id), None, {"p": self.bus.process_id, "w": entries})

    def _share(self, plan_id: int) -> None:
        message = self._message(plan_id)
        assert message.data is not None
        state = tuple(sorted((e["u"], e["n"], e["d"], e["e"]) for e in message.data["w"]))
        with self._lock:
            if self._shared.get(plan_id, ()) == state:
                return
            if state:
                self._shared[plan_id] = state
            else:
                self._shared.pop(plan_id, None)
        self.bus.publish([message])

    def heartbeat(self) -> list[LiveEvent]:
        """This process's presence on every plan it has any: renewed, so others keep it."""
        with self._lock:
            plan_ids = set(self._open) | {plan_id for plan_id, _user in self._editing}
        return [self._message(plan_id) for plan_id in sorted(plan_ids)]

    def _heard(self, event: LiveEvent) -> None:
        if event.kind != PRESENCE or not event.data or not event.topic.startswith("plan:"):
            return
        process = str(event.data.get("p", ""))
        if process == self.bus.process_id:
            return  # our own, already known
        try:
            plan_id = int(event.topic.split(":", 1)[1])
            entries = tuple(Present.from_dict(raw) for raw in event.data.get("w", []))
        except (ValueError, KeyError, TypeError):
            return
        with self._lock:
            by_process = self._remote.setdefault(plan_id, {})
            if entries:
                by_process[process] = (entries, self.clock())
            else:
                by_process.pop(process, None)
                if not by_process:
                    self._remote.pop(plan_id, None)

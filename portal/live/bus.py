"""The event bus: "plan P changed, content_version N", from the commit to every open page.

Topics are short strings: ``plan:12`` (the plan's content, its consents, the staff on it),
``person:5`` (the powers of attorney the citizen gave) and ``user:7`` (the user's logins and
account: a logout, a session ended or switched to act for someone else, a deactivation).
Events carry ids only, never a session id, a name or anything else of a person. Subscribers
are the live streams of this process; each waits on an asyncio queue of its own event loop.

* SQLite: one process, so a commit is fanned out in-process (``LocalBus``).
* PostgreSQL: a commit in any process sends ``pg_notify`` right after it commits; one
  listener connection per process (psycopg's own ``notifies()``, in a thread of its own)
  fans the notifications out to this process's subscribers, and reconnects when the
  connection is lost (``PostgresBus``). A notification's own process hears it too, so there
  is one path for every event.

Delivery is at most once and may be late; a stream never trusts an event's content, it
only treats it as "look again": it reads the plan and the viewer's rights afresh.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

PLAN = "plan"          # the plan's content changed (version is its new content_version)
ACCESS = "access"      # who may see what changed: a consent, a power of attorney, a login, an account
PRESENCE = "presence"  # who has the plan open or is editing one of its items
RESYNC = "resync"      # events may have been lost (the listener reconnected): look again

CHANNEL_PREFIX = "enplan_live"
# Sent by a stopping process to its own listener; every listener on the channel ignores it.
WAKE_PAYLOAD = "wake"
# PostgreSQL refuses a notification payload of 8000 bytes or more.
MAX_PAYLOAD = 7900


def plan_topic(plan_id: int) -> str:
    return f"plan:{plan_id}"


def person_topic(person_id: int) -> str:
    return f"person:{person_id}"


def user_topic(user_id: int) -> str:
    return f"user:{user_id}"


@dataclass(frozen=True)
class LiveEvent:
    kind: str
    topic: str = ""
    version: int | None = None
    # Presence state another process shares: (process, entries as plain dicts).
    data: dict[str, Any] | None = None

    def to_payload(self) -> str:
        return json.dumps({"k": self.kind, "t": self.topic, "v": self.version, "d": self.data}, separators=(",", ":"))

    @classmethod
    def from_payload(cls, payload: str) -> LiveEvent | None:
        try:
            raw = json.loads(payload)
            version = raw.get("v")
            return cls(str(raw["k"]), str(raw["t"]), int(version) if version is not None else None, raw.get("d"))
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("live: ignored a notification that is not one of ours")
            return None


class Subscription:
    """One stream's queue of events, fed from any thread, read on the stream's own loop."""

    def __init__(self, bus: EventBus, topics: Iterable[str]):
        self.bus = bus
        self.topics = frozenset(topics)
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[LiveEvent] = asyncio.Queue()

    def offer(self, event: LiveEvent) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, event)
        except RuntimeError:  # the stream's loop has closed: it is gone
            self.bus.unsubscribe(self)

    async def next(self, timeout: float) -> list[LiveEvent]:
        """The events waiting (all of them, so a burst is handled once), or [] after ``timeout``."""
        try:
            first = await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return []
        events = [first]
        while not self.queue.empty():
            events.append(self.queue.get_nowait())
        return events

    def close(self) -> None:
        self.bus.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class EventBus:
    """In-process fan-out; the base of every bus. Thread-safe."""

    kind = "local"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: set[Subscription] = set()
        self._listeners: list[Callable[[LiveEvent], None]] = []
        # This process, as other processes know it (presence is shared per process).
        self.process_id = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"

    # --- subscribing (on a stream's event loop) --------------------------------------------

    def subscribe(self, topics: Iterable[str]) -> Subscription:
        subscription = Subscription(self, topics)
        with self._lock:
            self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscriptions)

    def add_listener(self, listener: Callable[[LiveEvent], None]) -> None:
        """A function told of every event this process receives (presence keeps its state so)."""
        self._listeners.append(listener)

    # --- delivering ------------------------------------------------------------------------

    def deliver(self, event: LiveEvent) -> None:
        """Hand an event to this process's subscribers of its topic (every one for a resync)."""
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # one listener's fault must not stop the others
                log.exception("live: a listener failed")
        with self._lock:
            targets = [s for s in self._subscriptions if event.kind == RESYNC or event.topic in s.topics]
        for subscription in targets:
            subscription.offer(event)

    def publish(self, events: list[LiveEvent]) -> None:
        """Announce events of a committed transaction (or of presence) to every process."""
        for event in events:
            self.deliver(event)

    # --- lifecycle (the app's lifespan) ----------------------------------------------------

    def start(self) -> None:
        """Nothing to start in-process."""

    def stop(self) -> None:
        with self._lock:
            self._subscriptions.clear()


class PostgresBus(EventBus):
    """LISTEN/NOTIFY: one listener connection per process, and NOTIFY after each commit."""

    kind = "postgresql"

    def __init__(self, engine: Engine, *, heartbeat: Callable[[], list[LiveEvent]] | None = None,
                 heartbeat_seconds: float = 20.0):
        super().__init__()
        self.engine = engine
        self.heartbeat = heartbeat
        self.heartbeat_seconds = heartbeat_seconds
        self._starts = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()
        self.reconnects = 0

    def publish(self, events: list[LiveEvent]) -> None:
        notify(self.engine, events)

    def start(self) -> None:
        # The app's lifespan may run more than once (tests start it per client): one listener.
        with self._lock:
            self._starts += 1
            if self._thread is not None:
                return
            self._stop.clear()
            try:
                sender_of(self.engine).open()
            except Exception as error:  # the database is not up yet: the first send opens it
                log.warning("live: could not open the sending connection (%s)", type(error).__name__)
            self._thread = threading.Thread(target=self._listen_forever, name="portal-live-listener", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._starts = max(0, self._starts - 1)
            if self._starts or self._thread is None:
                return
            thread, self._thread = self._thread, None
        self._stop.set()
        self._wake_listener()
        thread.join(timeout=5)
        super().stop()

    def _wake_listener(self) -> None:
        # The listener waits up to a second for a notification; one sent now lets it see the
        # stop at once, so a shutdown (and every test's app) does not wait out that second.
        sender = sender_of(self.engine)
        try:
            sender.send(channel_of(self.engine), [WAKE_PAYLOAD])
        except Exception as error:  # the database is gone: the listener ends within its second anyway
            log.info("live: could not wake the listener to stop (%s)", type(error).__name__)
        sender.close()

    def _listen_forever(self) -> None:
        delay = 0.1
        while not self._stop.is_set():
            try:
                self._listen_once()
                delay = 0.1
            except Exception as error:  # a lost connection, a restart of the database
                self.connected.clear()
                if self._stop.is_set():
                    break
                log.warning("live: the listener lost its connection (%s: %s); reconnecting", type(error).__name__, error)
                self.reconnects += 1
                self._stop.wait(delay)
                delay = min(delay * 2, 5.0)

    def _listen_once(self) -> None:
        # Taken out of the pool for good: the pool must not hand a listening connection to a request.
        connection = own_connection(self.engine)
        try:
            channel = channel_of(self.engine, connection)
            connection.execute(f'LISTEN "{channel}"')
            self.connected.set()
            # Whatever was sent while no listener was connected is lost: every stream looks again.
            self.deliver(LiveEvent(RESYNC))
            next_beat = time.monotonic() + self.heartbeat_seconds
            while not self._stop.is_set():
                for notice in connection.notifies(timeout=1.0):
                    if self._stop.is_set():
                        break
                    if notice.payload == WAKE_PAYLOAD:
                        continue
                    event = LiveEvent.from_payload(notice.payload)
                    if event is not None:
                        self.deliver(event)
                if self.heartbeat is not None and time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + self.heartbeat_seconds
                    for event in self.heartbeat():
                        connection.execute("SELECT pg_notify(%s, %s)", (channel, event.to_payload()))
        finally:
            self.connected.clear()
            try:
                connection.close()
            except Exception:
                pass


# One channel per schema: two portals (or two test runs) on one database server stay apart.
_CHANNELS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def channel_of(engine: Engine, connection: Any = None) -> str:
    channel = _CHANNELS.get(engine)
    if channel is None:
        if connection is not None:
            schema = connection.execute("SELECT current_schema()").fetchone()[0]
        else:
            with engine.connect() as conn:
                schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        safe = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in str(schema))
        channel = _CHANNELS[engine] = f"{CHANNEL_PREFIX}_{safe}"[:63]
    return channel


def notify(engine: Engine, events: list[LiveEvent]) -> None:
    """Send events to every listening process, on this process's sending connection."""
    payloads = []
    for event in events:
        payload = event.to_payload()
        if len(payload) > MAX_PAYLOAD:
            log.warning("live: an event too large to send was dropped (%d bytes)", len(payload))
            continue
        payloads.append(payload)
    if payloads:
        sender_of(engine).send(channel_of(engine), payloads)


class Sender:
    """One autocommit connection per process and database for NOTIFY, kept outside the pool.

    Announcements are made by requests that still hold their own pooled connection (a save
    marks presence, a commit's hook runs before the session lets go). Had each taken a second
    connection from the pool, 50 saves at once took every pooled connection and then waited
    for one another until the pool's timeout. One connection, used under a lock, never waits
    on the pool once it is open; the bus opens it when it starts, while the pool is idle."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._lock = threading.Lock()
        self._connection: Any = None

    def open(self) -> None:
        with self._lock:
            if self._connection is None:
                channel_of(self.engine, self._connect())  # known from now on, without the pool

    def send(self, channel: str, payloads: list[str]) -> None:
        with self._lock:
            for attempt in (1, 2):
                connection = self._connection if self._connection is not None else self._connect()
                try:
                    for payload in payloads:
                        connection.execute("SELECT pg_notify(%s, %s)", (channel, payload))
                    return
                except Exception:
                    # A connection lost with a restarted database: one more try on a new one.
                    self._close()
                    if attempt == 2:
                        raise

    def close(self) -> None:
        with self._lock:
            self._close()

    def _connect(self) -> Any:
        self._connection = own_connection(self.engine)
        return self._connection

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:
                pass


def own_connection(engine: Engine) -> Any:
    """A driver connection in autocommit, out of the pool for good (it is never handed back)."""
    raw = engine.raw_connection()
    connection: Any = raw.driver_connection
    raw.detach()
    connection.autocommit = True
    return connection


_SENDERS: weakref.WeakKeyDictionary[Engine, Sender] = weakref.WeakKeyDictionary()
_SENDERS_LOCK = threading.Lock()


def sender_of(engine: Engine) -> Sender:
    with _SENDERS_LOCK:
        sender = _SENDERS.get(engine)
        if sender is None:
            sender = _SENDERS[engine] = Sender(engine)
        return sender


def build_bus(engine: Engine, heartbeat: Callable[[], list[LiveEvent]] | None = None) -> EventBus:
    if engine.dialect.name == "postgresql":
        return PostgresBus(engine, heartbeat=heartbeat)
    return EventBus()

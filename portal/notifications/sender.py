"""The sender: claims due outbox rows, delivers them, marks them sent; failures wait and retry.

Each round is three short steps, so no database lock is held while a mail server answers:
1. claim (one transaction): due pending rows get a lease (``claimed_until``) and one more
   attempt. On PostgreSQL the rows are read ``FOR UPDATE SKIP LOCKED``, so senders running side
   by side never claim the same row; on SQLite the claim runs under the write lock, which
   serialises claims the same way (one sender is the intended setup there).
2. deliver, outside any transaction, through the row's channel.
3. record (one transaction): ``sent``, or back to waiting with exponential back-off up to a cap.
A sender that dies between 1 and 3 leaves the lease to run out; another sender then retries.
Delivery is at least once: a mail server that takes a mail and dies before saying so gets it
again, with the same Message-ID.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from portal.access import danish_today
from portal.accounts.models import Person
from portal.consent.models import Consent
from portal.db import Database, utcnow
from portal.notifications.channels import Channel, Outcome
from portal.notifications.mail import Note
from portal.notifications.models import NotificationSettings, OutboxMessage
from portal.notifications.outbox import Outbox

if TYPE_CHECKING:
    from portal.settings import Settings

log = logging.getLogger("portal.outbox")

CONSENT_WARNING = dt.timedelta(days=14)


@dataclass(frozen=True)
class Backoff:
    """Wait ``first`` after the first failure, twice as long after each next one, at most ``cap``."""

    first: dt.timedelta = dt.timedelta(seconds=30)
    cap: dt.timedelta = dt.timedelta(hours=1)

    def delay(self, attempts: int) -> dt.timedelta:
        factor = 2 ** min(max(attempts - 1, 0), 30)
        return min(self.first * factor, self.cap)


@dataclass
class Round:
    sent: int = 0
    failed: int = 0
    dropped: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def claimed(self) -> int:
        return self.sent + self.failed


class Sender:
    def __init__(
        self, database: Database, channels: Mapping[str, Channel], *, batch_size: int = 50,
        lease: dt.timedelta = dt.timedelta(minutes=15), backoff: Backoff = Backoff(),
        consent_warning: dt.timedelta = CONSENT_WARNING, clock: Callable[[], dt.datetime] = utcnow,
    ):
        self.database = database
        self.channels = dict(channels)
        self.batch_size = batch_size
        self.lease = lease
        self.backoff = backoff
        self.consent_warning = consent_warning
        self.clock = clock
        self._checked_on: dt.date | None = None

    @property
    def enabled_channels(self) -> list[str]:
        return [name for name, channel in self.channels.items() if channel.enabled]

    def claim(self, now: dt.datetime) -> tuple[list[tuple[str, Note]], int]:
        """Due rows of enabled channels, leased to this sender: [(channel, note)], and how many
        rows were dropped because their person no longer wants them or has no address."""
        enabled = self.enabled_channels
        if not enabled:
            return [], 0
        claimed: list[tuple[str, Note]] = []
        dropped = 0
        with self.database.session() as db:
            query = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.channel.in_(enabled),
                    OutboxMessage.next_attempt_at <= now,
                    or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(self.batch_size)
            )
            if db.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = db.scalars(query).all()
            if not rows:
                return [], 0
            settings = {
                s.user_id: s
                for s in db.scalars(select(NotificationSettings).where(
                    NotificationSettings.user_id.in_({row.recipient_user_id for row in rows})
                ))
            }
            for row in rows:
                choice = settings.get(row.recipient_user_id)
                if choice is None or not choice.email or row.kind not in (choice.kinds or []):
                    row.status = "dropped"
                    dropped += 1
                    continue
                row.claimed_until = now + self.lease
                row.attempts += 1
                claimed.append((row.channel, Note(row.id, row.kind, row.link, choice.email)))
        return claimed, dropped

    def record(self, results: Sequence[tuple[Note, Outcome]], now: dt.datetime) -> None:
        if not results:
            return
        with self.database.session() as db:
            rows = {
                row.id: row
                for row in db.scalars(select(OutboxMessage).where(OutboxMessage.id.in_([note.outbox_id for note, _ in results])))
            }
            for note, outcome in results:
                row = rows.get(note.outbox_id)
                if row is None or row.status != "pending":
                    continue
                row.claimed_until = None
                if outcome is None:
                    row.status = "sent"
                    row.sent_at = now
                    row.last_error = None
                else:
                    row.next_attempt_at = now + self.backoff.delay(row.attempts)
                    row.last_error = outcome[:200]

    async def run_once(self) -> Round:
        """One round: claim, deliver, record."""
        result = Round()
        claimed, result.dropped = self.claim(self.clock())
        by_channel: dict[str, list[Note]] = {}
        for channel, note in claimed:
            by_channel.setdefault(channel, []).append(note)
        results: list[tuple[Note, Outcome]] = []
        for channel, notes in by_channel.items():
            outcomes = await self.channels[channel].deliver(notes)
            results.extend(zip(notes, outcomes, strict=True))
        self.record(results, self.clock())
        for _note, outcome in results:
            if outcome is None:
                result.sent += 1
            else:
                result.failed += 1
                if outcome not in result.errors:
                    result.errors.append(outcome)
        return result

    def enqueue_expiring_consents(self, now: dt.datetime) -> int:
        """Once per consent (and end date): tell the citizen who gave it that it runs out within
        ``consent_warning``. Safe to run again and from several senders: the row's key is unique."""
        today = danish_today(now)
        with self.database.session() as db:
            consents = db.scalars(
                select(Consent).where(
                    Consent.withdrawn_at.is_(None),
                    Consent.valid_until >= today,
                    Consent.valid_until <= today + self.consent_warning,
                )
            ).all()
            keys = {f"consent-expiring:{c.id}:{c.valid_until.isoformat()}": c for c in consents}
            if not keys:
                return 0
            done = set(db.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))))
            outbox = Outbox(db)
            written = 0
            for key, consent in keys.items():
                if key in done:
                    continue
                if outbox.enqueue("consent", db.get(Person, consent.giver_person_id), "/samtykker", now=now, dedupe_key=key):
                    written += 1
            return written

    def daily(self, now: dt.datetime) -> None:
        today = danish_today(now)
        if self._checked_on != today:
            written = self.enqueue_expiring_consents(now)
            self._checked_on = today
            if written:
                log.info("outbox: %d consent(s) about to run out", written)

    async def run(self, stop: asyncio.Event, poll_seconds: float = 2.0) -> None:
        """Rounds until ``stop`` is set; a full batch goes on at once, otherwise it waits ``poll_seconds``."""
        while not stop.is_set():
            try:
                self.daily(self.clock())
                result = await self.run_once()
            except Exception:  # the database is away: try again next round
                log.exception("outbox: round failed")
                result = Round()
            if result.sent or result.failed:
                log.info("outbox: sent %d, failed %d%s", result.sent, result.failed,
                         f" ({', '.join(result.errors)})" if result.errors else "")
            if result.claimed + result.dropped < self.batch_size:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
                except asyncio.TimeoutError:
                    pass


def build_sender(settings: "Settings", database: Database) -> Sender:
    """The sender ``portal outbox`` runs: e-mail when PORTAL_SMTP_URL is set; SMS and Digital
    Post are named here and not enabled."""
    from portal.notifications.channels import EmailChannel, digital_post_channel, sms_channel
    from portal.settings import parse_smtp_url

    server = parse_smtp_url(settings.smtp_url) if settings.smtp_url else None
    email = EmailChannel(server, origin=settings.origin, sender=settings.sender_address, timeout=settings.smtp_timeout_seconds)
    return Sender(database, {"email": email, "sms": sms_channel(), "digital_post": digital_post_channel()})

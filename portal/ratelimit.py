"""Rate limits kept in the database, so they hold across every process and machine."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from portal.accounts.models import RateLimitEvent

# Spent events are swept a batch at a time, so one request never carries a huge delete.
SWEEP_BATCH = 500


@dataclass(frozen=True)
class Limit:
    bucket: str
    max_attempts: int
    window: dt.timedelta


LOGIN = Limit("login", 20, dt.timedelta(minutes=5))
RECOVERY = Limit("recovery", 5, dt.timedelta(minutes=15))
ACTIVATION = Limit("activation", 10, dt.timedelta(minutes=15))
# Refused CSRF checks are logged for the operator, but an anonymous flood must not fill the log.
CSRF_REFUSAL_LOG = Limit("csrf_log", 10, dt.timedelta(hours=1))


def serialise(db: Session, *parts: str) -> None:
    """Make concurrent transactions about the same thing take turns until they commit.

    SQLite needs nothing: every transaction starts with BEGIN IMMEDIATE, which already lets
    one writer in at a time. PostgreSQL runs transactions side by side, so two of them could
    both count 4 attempts and both insert the 5th; a transaction-scoped advisory lock on the
    key stops that. Two keys that share a hash only wait for each other, which is harmless.
    """
    if db.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b("\x00".join(parts).encode(), digest_size=8).digest()
    db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int.from_bytes(digest, "big", signed=True)})


def allow(db: Session, limit: Limit, key: str, now: dt.datetime) -> bool:
    """Count this attempt; False when the key has used up its attempts in the window."""
    key = key[:128]
    since = now - limit.window
    serialise(db, "ratelimit", limit.bucket, key)
    _sweep(db, limit, since)
    used = db.scalar(
        select(func.count())
        .select_from(RateLimitEvent)
        .where(RateLimitEvent.bucket == limit.bucket, RateLimitEvent.key == key, RateLimitEvent.occurred_at > since)
    )
    if (used or 0) >= limit.max_attempts:
        return False
    db.add(RateLimitEvent(bucket=limit.bucket, key=key, occurred_at=now))
    db.flush()
    return True


class RateLimits:
    """The limits as a service, built once on the request's session: views ask it, never the database."""

    def __init__(self, db: Session):
        self.db = db

    def allow(self, limit: Limit, key: str, now: dt.datetime) -> bool:
        return allow(self.db, limit, key, now)


def _sweep(db: Session, limit: Limit, since: dt.datetime) -> None:
    # Attempts older than the window no longer count; dropping them here keeps the table small
    # without a separate clean-up job. Rows another transaction is deleting are skipped rather
    # than waited for, so concurrent sweeps never queue up behind (or deadlock with) each other.
    spent = (
        select(RateLimitEvent.id)
        .where(RateLimitEvent.bucket == limit.bucket, RateLimitEvent.occurred_at <= since)
        .limit(SWEEP_BATCH)
        .with_for_update(skip_locked=True)
    )
    db.execute(delete(RateLimitEvent).where(RateLimitEvent.id.in_(spent.scalar_subquery())))

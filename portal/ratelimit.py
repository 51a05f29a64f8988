"""Rate limits kept in the database, so they hold across every process and machine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.accounts.models import RateLimitEvent


@dataclass(frozen=True)
class Limit:
    bucket: str
    max_attempts: int
    window: dt.timedelta


LOGIN = Limit("login", 20, dt.timedelta(minutes=5))
RECOVERY = Limit("recovery", 5, dt.timedelta(minutes=15))
ACTIVATION = Limit("activation", 10, dt.timedelta(minutes=15))


def allow(db: Session, limit: Limit, key: str, now: dt.datetime) -> bool:
    """Count this attempt; False when the key has used up its attempts in the window."""
    since = now - limit.window
    # Attempts older than the window no longer count; dropping them here keeps the table small
    # without a separate clean-up job.
    db.execute(delete(RateLimitEvent).where(RateLimitEvent.bucket == limit.bucket, RateLimitEvent.occurred_at <= since))
    used = db.scalar(
        select(func.count())
        .select_from(RateLimitEvent)
        .where(RateLimitEvent.bucket == limit.bucket, RateLimitEvent.key == key, RateLimitEvent.occurred_at > since)
    )
    if (used or 0) >= limit.max_attempts:
        return False
    db.add(RateLimitEvent(bucket=limit.bucket, key=key[:128], occurred_at=now))
    return True

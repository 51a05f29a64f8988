"""The outbox (one row per notification to deliver) and each user's choices about being told."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, one_of, utcnow

# What a notification is about; each can be turned on or off by the person told.
NOTIFICATION_KINDS = ("message", "goal", "consent", "delegation")
OUTBOX_STATUSES = ("pending", "sent", "dropped")
CHANNEL_NAMES = ("email", "sms", "digital_post")


class OutboxMessage(Base):
    """A notification written in the same transaction as the change it is about.

    The row holds no content: only what kind of thing is waiting and the portal path to it.
    The address is read when the sender delivers, so a changed or removed address counts.
    Rows are kept after delivery (``sent``) and when the person no longer wants them
    (``dropped``); a failed delivery stays ``pending`` with a later ``next_attempt_at``.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        one_of("kind", NOTIFICATION_KINDS),
        one_of("status", OUTBOX_STATUSES),
        one_of("channel", CHANNEL_NAMES),
        # The sender's question: which pending rows are due?
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    recipient_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20), default="email")
    # A path inside the portal, e.g. /min-plan/maal/3: never a secret, never content.
    link: Mapped[str] = mapped_column(String(300))
    # Set for notifications that must be sent once only (a consent about to run out).
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A sender that claimed the row owns it until then; after that another may take it over.
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Why the last attempt failed, in the sender's words (never the address or the mail).
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class NotificationSettings(Base):
    """Where and about what a user wants to be told, and their private calendar link.

    Only a keyed hash of the calendar link's token is kept: the link is shown once, when made.
    """

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # True: calendar titles say what the visit is; False: only "Aftale".
    calendar_details: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

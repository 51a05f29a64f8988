"""One message thread per plan, between the citizen side and the contact person."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Person, User
from portal.db import Base, UTCDateTime, utcnow


class MessageThread(Base):
    __tablename__ = "message_thread"
    __table_args__ = (
        CheckConstraint("answer_within_days BETWEEN 1 AND 30", name="answer_time_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), unique=True)
    # The answer time the citizen is promised.
    answer_within_days: Mapped[int] = mapped_column(Integer, default=3)

    messages: Mapped[list[Message]] = relationship(
        back_populates="thread", order_by="Message.sent_at", cascade="all, delete-orphan"
    )
    # Caseworkers the contact person brought into the thread, besides the contact person and deputy.
    staff: Mapped[list[MessageThreadStaff]] = relationship(
        order_by="MessageThreadStaff.added_at", cascade="all, delete-orphan"
    )


class MessageThreadStaff(Base):
    """A caseworker on the plan whom the contact person brought into the thread."""

    __tablename__ = "message_thread_staff"

    thread_id: Mapped[int] = mapped_column(
        ForeignKey("message_thread.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True, index=True)
    added_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Message(Base):
    __tablename__ = "message"
    __table_args__ = (CheckConstraint("length(body) > 0", name="body_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("message_thread.id", ondelete="CASCADE"), index=True
    )
    author_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    on_behalf_of_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    thread: Mapped[MessageThread] = relationship(back_populates="messages")
    author: Mapped[User] = relationship()
    on_behalf_of: Mapped[Person | None] = relationship()
    receipts: Mapped[list[MessageReceipt]] = relationship(cascade="all, delete-orphan")


class MessageReceipt(Base):
    """Read receipt: who read a message, when."""

    __tablename__ = "message_receipt"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("message.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    reader: Mapped[User] = relationship()

"""``Outbox.enqueue``: a notification written in the caller's transaction.

The row commits or rolls back with the change it is about, so no notification is sent for a
change that did not happen, and none is lost for one that did. Delivery is the sender's job
(``portal.notifications.sender``); a page never waits for a mail server.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.models import Person, User
from portal.db import utcnow
from portal.notifications.models import NOTIFICATION_KINDS, NotificationSettings, OutboxMessage

MAX_LINK_LENGTH = 300


class Outbox:
    def __init__(self, db: Session):
        self.db = db

    def enqueue(
        self, kind: str, recipient: User | Person | None, link: str, *, now: dt.datetime | None = None,
        dedupe_key: str | None = None,
    ) -> OutboxMessage | None:
        """Writes a notification for ``recipient`` (a login, or a person whose login is told),
        pointing at ``link`` (a path in the portal). Nothing is written when the recipient has no
        login, has not asked to be told about this kind, or has no address; or when a row with
        ``dedupe_key`` exists already. Returns the new row, or None.
        """
        if kind not in NOTIFICATION_KINDS:
            raise ValueError(f"not a kind of notification: {kind}")
        if not link.startswith("/") or link.startswith("//") or len(link) > MAX_LINK_LENGTH:
            raise ValueError("a notification links to a path in the portal")
        user = self._user_of(recipient)
        if user is None or not self.wants(user.id, kind):
            return None
        if dedupe_key is not None and self.db.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
            return None
        when = now or utcnow()
        row = OutboxMessage(
            kind=kind, recipient_user_id=user.id, channel="email", link=link, dedupe_key=dedupe_key,
            status="pending", attempts=0, next_attempt_at=when, created_at=when,
        )
        if dedupe_key is None:
            self.db.add(row)
            self.db.flush()
            return row
        # Two senders checking the same consent at once: the unique key lets one row in.
        try:
            with self.db.begin_nested():
                self.db.add(row)
        except IntegrityError:
            return None
        return row

    def wants(self, user_id: int, kind: str) -> bool:
        settings = self.db.get(NotificationSettings, user_id)
        return settings is not None and bool(settings.email) and kind in (settings.kinds or [])

    def _user_of(self, recipient: User | Person | None) -> User | None:
        if recipient is None:
            return None
        if isinstance(recipient, User):
            return recipient if recipient.is_active else None
        return self.db.scalars(
            select(User).where(User.person_id == recipient.id, User.is_active.is_(True)).order_by(User.id)
        ).first()

    def person(self, person_id: int) -> Person | None:
        return self.db.get(Person, person_id)

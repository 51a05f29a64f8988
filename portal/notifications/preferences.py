"""Each user's choices: where to be told, about what, and their private calendar link."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.accounts.tokens import keyed_hash
from portal.notifications.models import NOTIFICATION_KINDS, NotificationSettings

CALENDAR_PURPOSE = "calendar-feed"


@dataclass(frozen=True)
class Choices:
    email: str | None
    kinds: tuple[str, ...]
    calendar_details: bool
    has_calendar_link: bool


NO_CHOICES = Choices(email=None, kinds=NOTIFICATION_KINDS, calendar_details=False, has_calendar_link=False)


class NotificationPreferences:
    def __init__(self, db: Session, secret_key: str, origin: str):
        self.db = db
        self._secret_key = secret_key
        self._origin = origin

    def _hash(self, token: str) -> str:
        return keyed_hash(self._secret_key, CALENDAR_PURPOSE, token)

    def of(self, user_id: int) -> Choices:
        """What the user chose; before they choose: no address, and every kind ticked for when they add one."""
        row = self.db.get(NotificationSettings, user_id)
        if row is None:
            return NO_CHOICES
        return Choices(
            email=row.email, kinds=tuple(k for k in NOTIFICATION_KINDS if k in (row.kinds or [])),
            calendar_details=row.calendar_details, has_calendar_link=row.calendar_token_hash is not None,
        )

    def _row(self, user_id: int, now: dt.datetime) -> NotificationSettings:
        row = self.db.get(NotificationSettings, user_id)
        if row is None:
            row = NotificationSettings(user_id=user_id, email=None, kinds=list(NOTIFICATION_KINDS), calendar_details=False, updated_at=now)
            self.db.add(row)
        return row

    def save(self, user_id: int, email: str | None, kinds: list[str], now: dt.datetime) -> None:
        row = self._row(user_id, now)
        row.email = email or None
        row.kinds = [k for k in NOTIFICATION_KINDS if k in kinds]
        row.updated_at = now

    def save_calendar_details(self, user_id: int, details: bool, now: dt.datetime) -> None:
        row = self._row(user_id, now)
        row.calendar_details = details
        row.updated_at = now

    def new_calendar_link(self, user_id: int, now: dt.datetime) -> str:
        """A new secret link; the old one stops at once. Only its hash is kept, so it is shown this once."""
        token = secrets.token_urlsafe(32)
        row = self._row(user_id, now)
        row.calendar_token_hash = self._hash(token)
        row.updated_at = now
        self.db.flush()
        return f"{self._origin}/kalender/{token}.ics"

    def calendar_owner(self, token: str) -> tuple[User, bool] | None:
        """The active citizen the link belongs to and whether titles say what the visit is; None for
        an unknown or replaced link."""
        if not token or len(token) > 100:
            return None
        found = self.db.execute(
            select(User, NotificationSettings.calendar_details)
            .join(NotificationSettings, NotificationSettings.user_id == User.id)
            .where(NotificationSettings.calendar_token_hash == self._hash(token))
        ).one_or_none()
        if found is None:
            return None
        user, details = found
        if not user.is_active or user.role != Role.CITIZEN or user.person_id is None:
            return None
        return user, bool(details)

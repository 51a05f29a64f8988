"""Logging in and out: server-side sessions that can be revoked."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.accounts.models import LoginSession, User
from portal.consent.models import Delegation
from portal.security import SessionCookie


def start_session(
    db: Session, user: User, now: dt.datetime, *, via_demo: bool = False, user_agent: str | None = None
) -> LoginSession:
    # A new id at every login, so a session id planted before login is worthless.
    login = LoginSession(
        id=SessionCookie.new_session_id(),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        via_demo=via_demo,
        user_agent=(user_agent or "")[:300] or None,
    )
    if user.role == "relative" and user.person_id is not None:
        delegation = active_delegations(db, user.person_id, now)
        if len(delegation) == 1:
            login.acting_for_person_id = delegation[0].citizen_person_id
    db.add(login)
    return login


def end_session(db: Session, login: LoginSession, now: dt.datetime) -> None:
    login.revoked_at = now


def active_delegations(db: Session, relative_person_id: int, now: dt.datetime) -> list[Delegation]:
    return list(
        db.scalars(
            select(Delegation)
            .where(
                Delegation.relative_person_id == relative_person_id,
                Delegation.revoked_at.is_(None),
                Delegation.expires_on >= now.date(),
            )
            .order_by(Delegation.id)
        )
    )


def demo_personas(db: Session) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .where(User.is_active.is_(True))
            .options(selectinload(User.department), selectinload(User.person), selectinload(User.municipality))
            .order_by(User.role, User.id)
        )
    )

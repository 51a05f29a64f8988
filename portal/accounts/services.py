"""Logging in and out: server-side sessions that can be revoked."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload

from portal.access import danish_today
from portal.accounts import codes
from portal.accounts.models import LoginSession, PasskeyCredential, RecoveryCode, User
from portal.accounts.tokens import keyed_hash
from portal.audit.models import SecurityEvent
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
        in_force = active_delegations(db, user.person_id, now)
        if len(in_force) == 1:
            login.acting_for_person_id = in_force[0].citizen_person_id
        elif not in_force:
            # Point at the latest power anyway, so the relative is told it has ended rather than
            # being shown an empty choice.
            latest = db.scalars(
                select(Delegation)
                .where(Delegation.relative_person_id == user.person_id, Delegation.accepted_at.is_not(None))
                .order_by(Delegation.accepted_at.desc())
            ).first()
            if latest is not None:
                login.acting_for_person_id = latest.citizen_person_id
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
                Delegation.accepted_at.is_not(None),
                Delegation.expires_on >= danish_today(now),
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


RECOVERY_CODE_COUNT = 10


def _recovery_hash(secret_key: str, code: str) -> str:
    return keyed_hash(secret_key, "recovery-code", codes.normalise(code))


def new_recovery_codes(db: Session, user: User, secret_key: str, now: dt.datetime) -> list[str]:
    """Replace the user's recovery codes; the plain codes are returned once and never stored."""
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    plain = [codes.new_code(groups=3) for _ in range(RECOVERY_CODE_COUNT)]
    db.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(secret_key, code), created_at=now) for code in plain)
    db.flush()
    return plain


def unused_recovery_codes(db: Session, user: User) -> int:
    return int(
        db.scalar(
            select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def redeem_recovery_code(db: Session, code: str, secret_key: str, now: dt.datetime) -> User | None:
    row = db.scalars(select(RecoveryCode).where(RecoveryCode.code_hash == _recovery_hash(secret_key, code))).one_or_none()
    if row is None or row.used_at is not None:
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    # Atomic, so a code sent twice at once logs in once.
    claimed = db.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return user if getattr(claimed, "rowcount", 0) == 1 else None


def passkeys_of(db: Session, user: User) -> list[PasskeyCredential]:
    return list(db.scalars(select(PasskeyCredential).where(PasskeyCredential.user_id == user.id).order_by(PasskeyCredential.id)))


def active_sessions(db: Session, user: User, now: dt.datetime, cookie: SessionCookie) -> list[LoginSession]:
    rows = db.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)).order_by(LoginSession.created_at.desc())
    )
    return [row for row in rows if not cookie.is_expired(row.created_at, row.last_seen_at, now)]


def end_all_sessions(db: Session, user: User, now: dt.datetime) -> int:
    result = db.execute(
        update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)).values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def security_events_of(db: Session, user: User, limit: int = 20) -> list[SecurityEvent]:
    return list(
        db.scalars(select(SecurityEvent).where(SecurityEvent.user_id == user.id).order_by(SecurityEvent.occurred_at.desc(), SecurityEvent.id.desc()).limit(limit))
    )

"""Logging in and out: server-side sessions that can be revoked."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload

from portal.access import danish_today
from portal.accounts import codes
from portal.accounts.models import Department, LoginSession, PasskeyCredential, Person, RecoveryCode, User
from portal.accounts.proofing import new_user_handle
from portal.accounts.tokens import keyed_hash
from portal.consent.models import Delegation
from portal.security import SessionCookie


RECOVERY_CODE_COUNT = 10
# Everyone an admin sees on the staff list of their municipality.
MUNICIPALITY_STAFF_ROLES = ("caseworker", "admin", "evaluator")


class Accounts:
    """Logins, recovery codes, passkeys and sessions of users; built once, on the request's session."""

    def __init__(self, db: Session, secret_key: str):
        self.db = db
        self._secret_key = secret_key

    def _recovery_hash(self, code: str) -> str:
        return keyed_hash(self._secret_key, "recovery-code", codes.normalise(code))

    def start_session(
        self, user: User, now: dt.datetime, *, via_demo: bool = False, user_agent: str | None = None
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
            in_force = self.active_delegations(user.person_id, now)
            if len(in_force) == 1:
                login.acting_for_person_id = in_force[0].citizen_person_id
            elif not in_force:
                # Point at the latest power anyway, so the relative is told it has ended rather than
                # being shown an empty choice.
                latest = self.db.scalars(
                    select(Delegation)
                    .where(Delegation.relative_person_id == user.person_id, Delegation.accepted_at.is_not(None))
                    .order_by(Delegation.accepted_at.desc())
                ).first()
                if latest is not None:
                    login.acting_for_person_id = latest.citizen_person_id
        self.db.add(login)
        return login

    def end_session(self, login: LoginSession, now: dt.datetime) -> None:
        login.revoked_at = now

    def touch_session(self, login: LoginSession, now: dt.datetime) -> None:
        """The person is still here: the idle timeout counts from now."""
        login.last_seen_at = now

    def active_delegations(self, relative_person_id: int, now: dt.datetime) -> list[Delegation]:
        return list(
            self.db.scalars(
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

    def demo_personas(self) -> list[User]:
        return list(
            self.db.scalars(
                select(User)
                .where(User.is_active.is_(True))
                .options(selectinload(User.department), selectinload(User.person), selectinload(User.municipality))
                .order_by(User.role, User.id)
            )
        )

    def new_recovery_codes(self, user: User, now: dt.datetime) -> list[str]:
        """Replace the user's recovery codes; the plain codes are returned once and never stored."""
        self.db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        plain = [codes.new_code(groups=3) for _ in range(RECOVERY_CODE_COUNT)]
        self.db.add_all(RecoveryCode(user_id=user.id, code_hash=self._recovery_hash(code), created_at=now) for code in plain)
        self.db.flush()
        return plain

    def unused_recovery_codes(self, user: User) -> int:
        return int(
            self.db.scalar(
                select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
            )
            or 0
        )

    def redeem_recovery_code(self, code: str, now: dt.datetime) -> User | None:
        row = self.db.scalars(select(RecoveryCode).where(RecoveryCode.code_hash == self._recovery_hash(code))).one_or_none()
        if row is None or row.used_at is not None:
            return None
        user = self.db.get(User, row.user_id)
        if user is None or not user.is_active:
            return None
        # Atomic, so a code sent twice at once logs in once.
        claimed = self.db.execute(
            update(RecoveryCode)
            .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return user if getattr(claimed, "rowcount", 0) == 1 else None

    def passkeys_of(self, user: User) -> list[PasskeyCredential]:
        return list(self.db.scalars(select(PasskeyCredential).where(PasskeyCredential.user_id == user.id).order_by(PasskeyCredential.id)))

    def active_sessions(self, user: User, now: dt.datetime, cookie: SessionCookie) -> list[LoginSession]:
        rows = self.db.scalars(
            select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)).order_by(LoginSession.created_at.desc())
        )
        return [row for row in rows if not cookie.is_expired(row.created_at, row.last_seen_at, now)]

    def end_all_sessions(self, user: User, now: dt.datetime) -> int:
        # Each row through the unit of work, not one bulk UPDATE: portal.live.hooks sees the ended
        # sessions there, and ends the user's open live pages at once after the commit.
        open_sessions = self.db.scalars(
            select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        ).all()
        for login in open_sessions:
            login.revoked_at = now
        return len(open_sessions)

    # --- users and passkeys, by id ---------------------------------------------------------

    def user(self, user_id: int) -> User | None:
        return self.db.get(User, user_id)

    def passkey(self, passkey_id: int) -> PasskeyCredential | None:
        """Whoever's passkey it is: ``access.owns_passkey`` decides who may touch it."""
        return self.db.get(PasskeyCredential, passkey_id)

    def rename_passkey(self, passkey: PasskeyCredential, name: str) -> None:
        passkey.name = name

    def remove_passkey(self, passkey: PasskeyCredential) -> None:
        self.db.delete(passkey)

    def activate(self, user: User) -> None:
        user.is_active = True

    # --- new accounts: caseworkers make citizens, admins make staff --------------------------

    def create_citizen(self, full_name: str, first_name: str, created_by: User) -> User:
        """A citizen (person and user) in the municipality of the staff member who makes them;
        inactive until they make a passkey with their activation letter."""
        municipality_id = created_by.municipality_id or (created_by.department.municipality_id if created_by.department else None)
        person = Person(full_name=full_name, first_name=first_name, kind="citizen", municipality_id=municipality_id)
        self.db.add(person)
        self.db.flush()
        citizen = User(
            person_id=person.id, role="citizen", display_name=person.full_name, municipality_id=municipality_id,
            webauthn_user_handle=new_user_handle(), is_active=False,
        )
        self.db.add(citizen)
        self.db.flush()
        return citizen

    def create_staff(
        self, role: str, full_name: str, job_title: str | None, department: Department | None, municipality_id: int | None
    ) -> User:
        user = User(
            role=role, display_name=full_name, job_title=job_title,
            department_id=department.id if department else None, municipality_id=municipality_id,
            webauthn_user_handle=new_user_handle(), is_active=False,
        )
        self.db.add(user)
        self.db.flush()
        return user

    def staff_of_municipality(self, municipality_id: int | None) -> list[User]:
        return list(
            self.db.scalars(
                select(User).where(User.municipality_id == municipality_id, User.role.in_(MUNICIPALITY_STAFF_ROLES)).order_by(User.display_name)
            )
        )

    def departments_of_municipality(self, municipality_id: int | None) -> list[Department]:
        return list(self.db.scalars(select(Department).where(Department.municipality_id == municipality_id).order_by(Department.name)))

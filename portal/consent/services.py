"""Powers of attorney: invitations, acceptance, revocation, and what the citizen sees of them."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.access import delegation_in_force
from portal.accounts.models import Person, User
from portal.accounts.proofing import new_user_handle
from portal.accounts.tokens import LinkRefused, PurposeSigner, TokenError, delegation_invite_signer, keyed_hash
from portal.audit.models import SecurityEvent
from portal.consent.models import DELEGATION_SCOPES, Delegation

MAX_DELEGATION_LENGTH = dt.timedelta(days=2 * 365)
DELEGATION_EVENT_KINDS = (
    "delegation_given",
    "delegation_revoked",
    "delegation_accepted",
    "delegation_refused",
    "acted_on_behalf",
)


class InviteError(LinkRefused):
    """The invitation to a power of attorney cannot be used."""

    def __init__(self, reason: str, delegation: Delegation | None = None):
        super().__init__(reason)
        self.delegation = delegation


@dataclass(frozen=True)
class Invitation:
    delegation: Delegation
    link: str


class Delegations:
    def __init__(self, db: Session, secret_key: str, origin: str):
        self.db = db
        self._secret_key = secret_key
        self._origin = origin
        self._signer: PurposeSigner = delegation_invite_signer(secret_key)

    def _nonce_hash(self, nonce: str) -> str:
        return keyed_hash(self._secret_key, "delegation-invite", nonce)

    def get(self, delegation_id: int) -> Delegation | None:
        return self.db.get(Delegation, delegation_id)

    def of_citizen(self, person_id: int) -> list[Delegation]:
        return list(
            self.db.scalars(
                select(Delegation)
                .where(Delegation.citizen_person_id == person_id)
                .options(selectinload(Delegation.relative))
                .order_by(Delegation.created_at.desc(), Delegation.id.desc())
            )
        )

    def in_force_for_relative(self, relative_person_id: int, today: dt.date) -> list[Delegation]:
        rows = self.db.scalars(
            select(Delegation)
            .where(Delegation.relative_person_id == relative_person_id)
            .options(selectinload(Delegation.citizen))
            .order_by(Delegation.id)
        )
        return [row for row in rows if delegation_in_force(row, today) is None]

    def invite(
        self, citizen_person_id: int, invited_name: str, scopes: list[str], expires_on: dt.date, now: dt.datetime
    ) -> Invitation:
        nonce = secrets.token_urlsafe(24)
        delegation = Delegation(
            citizen_person_id=citizen_person_id,
            invited_name=invited_name,
            scopes=[scope for scope in DELEGATION_SCOPES if scope in scopes],
            expires_on=expires_on,
            created_at=now,
            invite_nonce_hash=self._nonce_hash(nonce),
        )
        self.db.add(delegation)
        self.db.flush()
        token = self._signer.sign({"d": delegation.id, "n": nonce})
        return Invitation(delegation, f"{self._origin}/fuldmagt/{token}")

    def from_invite(self, token: str, today: dt.date) -> Delegation:
        try:
            payload = self._signer.unsign(token)
        except TokenError as error:
            raise InviteError(error.reason) from None
        nonce, delegation_id = payload.get("n"), payload.get("d")
        if not isinstance(nonce, str) or not isinstance(delegation_id, int):
            raise InviteError("invalid")
        delegation = self.db.scalars(
            select(Delegation)
            .where(Delegation.invite_nonce_hash == self._nonce_hash(nonce))
            .options(selectinload(Delegation.citizen))
        ).one_or_none()
        if delegation is None or delegation.id != delegation_id:
            # The signature holds, so the id is ours; say why its link is spent.
            spent = self.db.get(Delegation, delegation_id)
            if spent is not None and spent.revoked_at is not None:
                raise InviteError("revoked", spent)
            if spent is not None and spent.accepted_at is not None:
                raise InviteError("used", spent)
            raise InviteError("invalid", spent)
        if delegation.revoked_at is not None:
            raise InviteError("revoked", delegation)
        if delegation.expires_on < today:
            raise InviteError("expired", delegation)
        return delegation

    def pending_relative(self, delegation: Delegation) -> User:
        """The not-yet-active account a new relative makes their passkey for."""
        if delegation.relative_person_id is not None:
            user = self.db.scalars(select(User).where(User.person_id == delegation.relative_person_id)).one_or_none()
            if user is not None and not user.is_active:
                return user
        person = Person(full_name=delegation.invited_name, first_name=delegation.invited_name.split()[0], kind="relative")
        self.db.add(person)
        self.db.flush()
        user = User(
            person_id=person.id, role="relative", display_name=person.full_name,
            webauthn_user_handle=new_user_handle(), is_active=False,
        )
        self.db.add(user)
        delegation.relative_person_id = person.id
        self.db.flush()
        return user

    def accept(self, delegation: Delegation, relative: User, now: dt.datetime) -> None:
        assert relative.person_id is not None
        delegation.relative_person_id = relative.person_id
        delegation.accepted_at = now
        # The link is spent: nobody else can accept it.
        delegation.invite_nonce_hash = None

    def revoke(self, delegation: Delegation, now: dt.datetime) -> None:
        if delegation.revoked_at is None:
            delegation.revoked_at = now
            delegation.invite_nonce_hash = None

    def history(self, citizen_person_id: int, limit: int = 30) -> list[SecurityEvent]:
        return list(
            self.db.scalars(
                select(SecurityEvent)
                .where(SecurityEvent.subject_person_id == citizen_person_id, SecurityEvent.kind.in_(DELEGATION_EVENT_KINDS))
                .order_by(SecurityEvent.occurred_at.desc(), SecurityEvent.id.desc())
                .limit(limit)
            )
        )

    def names_of_users(self, user_ids: set[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        return {u.id: u.display_name for u in self.db.scalars(select(User).where(User.id.in_(user_ids)))}


def status_of(delegation: Delegation, today: dt.date) -> str:
    if delegation.revoked_at is not None:
        return "revoked"
    if delegation.expires_on < today:
        return "expired"
    if delegation.accepted_at is None:
        return "invited"
    return "active"




"""Identity proofing: how a new user proves who they are before making a passkey.

Today that is an activation letter handed over by a caseworker (or admin). In a real
municipality MitID through NemLog-in replaces the letter: it implements the same
``IdentityProofing`` interface, and everything after it (the passkey) stays the same.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.accounts import codes
from portal.accounts.models import ActivationLetter, User
from portal.accounts.tokens import LinkRefused, PurposeSigner, TokenError, TokenInvalid, activation_signer, keyed_hash


class ActivationError(LinkRefused):
    """The letter cannot be used."""

    def __init__(self, reason: str, letter: ActivationLetter | None = None):
        super().__init__(reason)
        self.letter = letter


@dataclass(frozen=True)
class IssuedActivation:
    letter: ActivationLetter
    link: str
    short_code: str


class IdentityProofing(Protocol):
    def issue(self, user: User, issued_by: User | None, now: dt.datetime) -> IssuedActivation: ...
    def from_token(self, token: str, now: dt.datetime) -> ActivationLetter: ...
    def from_short_code(self, code: str, now: dt.datetime) -> ActivationLetter: ...
    def token_for(self, letter: ActivationLetter) -> str: ...
    def complete(self, letter: ActivationLetter, now: dt.datetime) -> bool: ...


class ActivationLetters:
    """Printable letters with a signed, expiring, single-use link and a short code; built once,
    on the request's session, like the other services."""

    def __init__(self, db: Session, secret_key: str, origin: str):
        self.db = db
        self._secret_key = secret_key
        self._origin = origin
        self._signer: PurposeSigner = activation_signer(secret_key)

    def _code_hash(self, code: str) -> str:
        return keyed_hash(self._secret_key, "activation-code", codes.normalise(code))

    def token_for(self, letter: ActivationLetter) -> str:
        return self._signer.sign({"letter": letter.id})

    def issue(self, user: User, issued_by: User | None, now: dt.datetime) -> IssuedActivation:
        # A new letter replaces any earlier one that was not used.
        self.db.execute(
            update(ActivationLetter)
            .where(ActivationLetter.user_id == user.id, ActivationLetter.used_at.is_(None), ActivationLetter.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        short_code = codes.new_code(groups=2)
        letter = ActivationLetter(
            user_id=user.id,
            issued_by_user_id=issued_by.id if issued_by else None,
            short_code_hash=self._code_hash(short_code),
            created_at=now,
            expires_at=now + self._signer.max_age,
        )
        self.db.add(letter)
        self.db.flush()
        return IssuedActivation(letter, f"{self._origin}/aktiver/{self.token_for(letter)}", short_code)

    def _check(self, letter: ActivationLetter | None, now: dt.datetime) -> ActivationLetter:
        if letter is None:
            raise ActivationError("unknown")
        if letter.used_at is not None:
            raise ActivationError("used", letter)
        if letter.revoked_at is not None:
            raise ActivationError("revoked", letter)
        if letter.expires_at <= now:
            raise ActivationError("expired", letter)
        return letter

    def from_token(self, token: str, now: dt.datetime) -> ActivationLetter:
        try:
            payload = self._signer.unsign(token)
            letter_id = payload.get("letter")
            if not isinstance(letter_id, int):
                raise TokenInvalid()
        except TokenError as error:
            raise ActivationError(error.reason) from None
        return self._check(self.db.get(ActivationLetter, letter_id), now)

    def from_short_code(self, code: str, now: dt.datetime) -> ActivationLetter:
        letter = self.db.scalars(
            select(ActivationLetter).where(ActivationLetter.short_code_hash == self._code_hash(code))
        ).one_or_none()
        return self._check(letter, now)

    def complete(self, letter: ActivationLetter, now: dt.datetime) -> bool:
        """Mark the letter used; False when a racing request used it first."""
        claimed = self.db.execute(
            update(ActivationLetter)
            .where(ActivationLetter.id == letter.id, ActivationLetter.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return False
        letter.used_at = now
        return True


def new_user_handle() -> str:
    return secrets.token_hex(32)

"""Signed, expiring tokens: one signer per purpose, each with its own salt, age and errors."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

ACTIVATION_MAX_AGE = dt.timedelta(days=14)
DELEGATION_INVITE_MAX_AGE = dt.timedelta(days=14)


class TokenError(Exception):
    """A token that cannot be used; ``reason`` is for the security log."""

    reason = "invalid"


class TokenInvalid(TokenError):
    reason = "invalid"


class TokenExpired(TokenError):
    reason = "expired"


class LinkRefused(Exception):
    """A signed link or code that cannot be used. ``reason`` goes to the security log and picks
    the message; a link that was good once (expired, used, revoked) is gone (410), any other
    is a bad request (400)."""

    GONE = frozenset({"expired", "used", "revoked"})

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    @property
    def status_code(self) -> int:
        if self.reason == "rate_limited":
            return 429
        return 410 if self.reason in self.GONE else 400


class PurposeSigner:
    def __init__(self, secret_key: str, purpose: str, max_age: dt.timedelta):
        self._serializer = URLSafeTimedSerializer(secret_key, salt=f"enplan.{purpose}")
        self.max_age = max_age

    def sign(self, payload: dict[str, Any]) -> str:
        return self._serializer.dumps(payload)

    def unsign(self, token: str) -> dict[str, Any]:
        try:
            payload = self._serializer.loads(token, max_age=int(self.max_age.total_seconds()))
        except SignatureExpired:
            raise TokenExpired() from None
        except BadSignature:
            raise TokenInvalid() from None
        if not isinstance(payload, dict):
            raise TokenInvalid()
        return payload


def activation_signer(secret_key: str) -> PurposeSigner:
    return PurposeSigner(secret_key, "activation", ACTIVATION_MAX_AGE)


def delegation_invite_signer(secret_key: str) -> PurposeSigner:
    return PurposeSigner(secret_key, "delegation-invite", DELEGATION_INVITE_MAX_AGE)


def keyed_hash(secret_key: str, purpose: str, value: str) -> str:
    """A hash that only this installation can compute, for codes we must recognise but not keep."""
    key = hashlib.sha256(f"enplan.{purpose}:{secret_key}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()

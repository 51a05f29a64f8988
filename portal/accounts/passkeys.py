"""Passkeys: thin wrappers around py_webauthn plus what it leaves to us.

py_webauthn verifies signatures, origin, RP ID, user verification and the sign
counter. We add: server-stored challenges that are single use, expire and work only
in the browser that asked; refusing a credential id that is already registered;
checking that the credential belongs to the account its user handle names; and
checking that the backup-eligible flag never changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, parse_authenticator_data, parse_client_data_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from portal import ratelimit
from portal.accounts.models import PasskeyCredential, User, WebAuthnChallenge

CHALLENGE_LIFETIME = dt.timedelta(minutes=5)
# Anyone may ask for a login challenge, so each address keeps only its newest few. As many
# as the login limit allows in its window: an office behind one address is not cut short.
MAX_CHALLENGES_PER_CLIENT = 20
CEREMONY_TIMEOUT_MS = 120_000


@dataclass(frozen=True)
class RelyingParty:
    id: str
    name: str
    origin: str


class PasskeyError(Exception):
    """A refused ceremony. ``reason`` goes to the security log; the view picks the words."""

    def __init__(self, reason: str, user_id: int | None = None):
        super().__init__(reason)
        self.reason = reason
        # Known once the credential is found, so the owner sees failed logins with their passkey.
        self.user_id = user_id


def user_handle(user: User) -> bytes:
    return user.webauthn_user_handle.encode("ascii")


def browser_binding(csrf_seed: str) -> str:
    return hashlib.sha256(("webauthn:" + csrf_seed).encode()).hexdigest()


def _b64(data: Any, field: str) -> bytes:
    if not isinstance(data, str):
        raise PasskeyError("malformed")
    try:
        return base64url_to_bytes(data)
    except (ValueError, TypeError):
        raise PasskeyError("malformed") from None


def _response_part(credential: Any, field: str) -> bytes:
    if not isinstance(credential, dict) or not isinstance(credential.get("response"), dict):
        raise PasskeyError("malformed")
    return _b64(credential["response"].get(field), field)


class PasskeyService:
    def __init__(self, db: Session, rp: RelyingParty, now: dt.datetime, binding: str, client: str | None = None):
        self.db = db
        self.rp = rp
        self.now = now
        self.binding = binding
        self.client = client[:128] if client is not None else None

    # --- challenges -----------------------------------------------------------

    def _new_challenge(self, purpose: str, user: User | None) -> bytes:
        # Challenges are worthless a day after they expire; clear them as new ones are made.
        self.db.execute(
            delete(WebAuthnChallenge).where(WebAuthnChallenge.expires_at < self.now - dt.timedelta(days=1))
        )
        if self.client is not None:
            self._make_room(self.client)
        challenge = secrets.token_bytes(32)
        self.db.add(
            WebAuthnChallenge(
                challenge=challenge,
                purpose=purpose,
                user_id=user.id if user else None,
                browser_binding=self.binding,
                client_key=self.client,
                created_at=self.now,
                expires_at=self.now + CHALLENGE_LIFETIME,
            )
        )
        self.db.flush()
        return challenge

    def _make_room(self, client: str) -> None:
        # The oldest go first: an answer to one of them is refused as an old page, while the
        # newest challenge, the one a person is using right now, stays.
        ratelimit.serialise(self.db, "challenges", client)
        keep = MAX_CHALLENGES_PER_CLIENT - 1
        newest = self.db.scalars(
            select(WebAuthnChallenge.id)
            .where(WebAuthnChallenge.client_key == client)
            .order_by(WebAuthnChallenge.id.desc())
            .limit(keep + MAX_CHALLENGES_PER_CLIENT)
        ).all()
        if len(newest) > keep:
            self.db.execute(
                delete(WebAuthnChallenge)
                .where(WebAuthnChallenge.id.in_(newest[keep:]))
                .execution_options(synchronize_session=False)
            )

    def _consume_challenge(self, credential: Any, purpose: str, user: User | None) -> bytes:
        try:
            client_data = parse_client_data_json(_response_part(credential, "clientDataJSON"))
        except PasskeyError:
            raise
        except Exception:  # py_webauthn raises several types for broken client data
            raise PasskeyError("malformed") from None
        row = self.db.scalars(
            select(WebAuthnChallenge).where(WebAuthnChallenge.challenge == client_data.challenge)
        ).one_or_none()
        if row is None or row.purpose != purpose or row.browser_binding != self.binding:
            raise PasskeyError("unknown_challenge")
        # Used up now, whatever happens next, and atomically: of two answers racing with the
        # same challenge only one gets the row.
        claimed = self.db.execute(
            update(WebAuthnChallenge)
            .where(WebAuthnChallenge.id == row.id, WebAuthnChallenge.used_at.is_(None))
            .values(used_at=self.now)
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            raise PasskeyError("challenge_reused")
        if row.expires_at <= self.now:
            raise PasskeyError("challenge_expired")
        if user is not None and row.user_id != user.id:
            raise PasskeyError("unknown_challenge")
        return row.challenge

    # --- registration -----------------------------------------------------------

    def registration_options(self, user: User) -> str:
        existing = self.db.scalars(select(PasskeyCredential.credential_id).where(PasskeyCredential.user_id == user.id)).all()
        options = generate_registration_options(
            rp_id=self.rp.id,
            rp_name=self.rp.name,
            user_id=user_handle(user),
            user_name=user.display_name,
            user_display_name=user.display_name,
            challenge=self._new_challenge("register", user),
            timeout=CEREMONY_TIMEOUT_MS,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.REQUIRED,
            ),
            exclude_credentials=[PublicKeyCredentialDescriptor(id=credential_id) for credential_id in existing],
        )
        return options_to_json(options)

    def register(self, user: User, credential: Any, name: str) -> PasskeyCredential:
        challenge = self._consume_challenge(credential, "register", user)
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=self.rp.id,
                expected_origin=self.rp.origin,
                require_user_verification=True,
            )
        except (WebAuthnException, KeyError, ValueError, TypeError):
            raise PasskeyError("registration_invalid") from None
        if self.db.scalars(
            select(PasskeyCredential.id).where(PasskeyCredential.credential_id == verified.credential_id)
        ).first() is not None:
            raise PasskeyError("credential_already_registered")
        transports = credential.get("response", {}).get("transports") or []
        passkey = PasskeyCredential(
            user_id=user.id,
            credential_id=verified.credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=[t for t in transports if isinstance(t, str)][:8],
            backup_eligible=verified.credential_device_type.value == "multi_device",
            backed_up=verified.credential_backed_up,
            name=name[:100],
            created_at=self.now,
        )
        self.db.add(passkey)
        self.db.flush()
        return passkey

    # --- login ------------------------------------------------------------------

    def login_options(self) -> str:
        options = generate_authentication_options(
            rp_id=self.rp.id,
            challenge=self._new_challenge("login", None),
            timeout=CEREMONY_TIMEOUT_MS,
            user_verification=UserVerificationRequirement.REQUIRED,
        )
        return options_to_json(options)

    def authenticate(self, credential: Any) -> tuple[User, PasskeyCredential]:
        challenge = self._consume_challenge(credential, "login", None)
        raw_id = _b64(credential.get("rawId") if isinstance(credential, dict) else None, "rawId")
        passkey = self.db.scalars(
            select(PasskeyCredential).where(PasskeyCredential.credential_id == raw_id)
        ).one_or_none()
        if passkey is None:
            raise PasskeyError("unknown_credential")
        user = self.db.get(User, passkey.user_id)
        if user is None or not user.is_active:
            raise PasskeyError("inactive_user", passkey.user_id)
        handle = credential["response"].get("userHandle")
        # A discoverable credential must name its account, and it must be this credential's account.
        if not handle or _b64(handle, "userHandle") != user_handle(user):
            raise PasskeyError("foreign_credential", user.id)
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=self.rp.id,
                expected_origin=self.rp.origin,
                credential_public_key=passkey.public_key,
                credential_current_sign_count=passkey.sign_count,
                require_user_verification=True,
            )
        except (WebAuthnException, KeyError, ValueError, TypeError):
            raise PasskeyError("authentication_invalid", user.id) from None
        try:
            flags = parse_authenticator_data(_response_part(credential, "authenticatorData")).flags
        except WebAuthnException:
            raise PasskeyError("authentication_invalid", user.id) from None
        if bool(flags.be) != passkey.backup_eligible:
            raise PasskeyError("backup_eligibility_changed", user.id)
        passkey.sign_count = verified.new_sign_count
        passkey.backed_up = verified.credential_backed_up
        passkey.last_used_at = self.now
        return user, passkey


def parse_json_body(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise PasskeyError("malformed") from None

"""A software passkey: answers WebAuthn create()/get() options the way a browser plus a
platform authenticator would, so passkey endpoints can be tested over HTTP, no browser.

It plays both roles a real ceremony involves: the *client* (the browser builds
clientDataJSON from the challenge and origin) and the *authenticator* (authenticatorData,
ES256 key pair, signature). The override_* arguments let a test lie in exactly one place,
which is how the negative cases are made; everything else stays correct, so the server's
rejection can only be due to that one lie.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

ES256 = -7  # the only COSE algorithm this authenticator implements
UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


class AuthenticatorError(Exception):
    """What a browser reports as NotAllowedError/NotSupportedError: nothing is returned."""


class CredentialExcluded(AuthenticatorError):
    """InvalidStateError: the authenticator already holds one of excludeCredentials."""


@dataclass
class StoredCredential:
    credential_id: bytes
    private_key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0


@dataclass
class SoftAuthenticator:
    user_verification: bool = field(default=True, kw_only=True)
    user_presence: bool = field(default=True, kw_only=True)
    backup_eligible: bool = field(default=False, kw_only=True)
    # BS without BE is allowed on purpose: servers must cope with inconsistent authenticators.
    backup_state: bool = field(default=False, kw_only=True)
    # 0 imitates synced passkeys (iCloud, Google), which always report a sign count of 0.
    sign_count_step: int = field(default=1, kw_only=True)
    credentials: list[StoredCredential] = field(default_factory=list, init=False)

    def create(self, options: dict[str, Any], origin: str, *, override_origin: str | None = None,
               override_challenge: bytes | None = None, override_rp_id: str | None = None) -> dict[str, Any]:
        """Answer navigator.credentials.create() for the JSON options the server sent."""
        rp_id = options["rp"].get("id") or _host(origin)  # browsers default rp.id to the origin's host
        algs = [p["alg"] for p in options.get("pubKeyCredParams", [])]
        if algs and ES256 not in algs:
            raise AuthenticatorError(f"no supported algorithm in {algs}")
        excluded = {base64url_to_bytes(c["id"]) for c in options.get("excludeCredentials", [])}
        if any(c.rp_id == rp_id and c.credential_id in excluded for c in self.credentials):
            raise CredentialExcluded(f"a credential for {rp_id} is already registered")

        user_handle = base64url_to_bytes(options["user"]["id"])
        cred = StoredCredential(os.urandom(32), ec.generate_private_key(ec.SECP256R1()), rp_id, user_handle)
        # A resident key replaces any earlier one for the same (rp, user), as CTAP2 prescribes.
        self.credentials = [c for c in self.credentials if (c.rp_id, c.user_handle) != (rp_id, user_handle)]
        self.credentials.append(cred)

        numbers = cred.private_key.public_key().public_numbers()
        # Key order 1, 3, -1, -2, -3 is CTAP2 canonical order for these keys.
        cose_key = cbor2.dumps({1: 2, 3: ES256, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                                -3: numbers.y.to_bytes(32, "big")})
        attested = bytes(16) + struct.pack(">H", len(cred.credential_id)) + cred.credential_id + cose_key
        auth_data = self._auth_data(override_rp_id or rp_id, AT, cred.sign_count) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data}, canonical=True)
        client_data = _client_data("webauthn.create", override_challenge or base64url_to_bytes(options["challenge"]),
                                   override_origin or origin)
        return {
            **_ids(cred),
            "response": {"clientDataJSON": bytes_to_base64url(client_data),
                         "attestationObject": bytes_to_base64url(attestation),
                         "transports": ["internal"]},
        }

    def get(self, options: dict[str, Any], origin: str, *, credential: StoredCredential | None = None,
            override_origin: str | None = None, override_user_handle: bytes | None = None,
            override_challenge: bytes | None = None, override_rp_id: str | None = None,
            sign_count: int | None = None) -> dict[str, Any]:
        """Answer navigator.credentials.get(). `credential` forces which key signs (even one the
        options would not allow); an explicit `sign_count` is reported once and not stored."""
        rp_id = options.get("rpId") or _host(origin)
        cred = credential or self._find(rp_id, options.get("allowCredentials") or [])
        if sign_count is None:
            cred.sign_count += self.sign_count_step
            sign_count = cred.sign_count
        auth_data = self._auth_data(override_rp_id or rp_id, 0, sign_count)
        client_data = _client_data("webauthn.get", override_challenge or base64url_to_bytes(options["challenge"]),
                                   override_origin or origin)
        # The assertion signature covers authenticatorData || SHA-256(clientDataJSON); DER-encoded.
        signature = cred.private_key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        handle = cred.user_handle if override_user_handle is None else override_user_handle
        return {
            **_ids(cred),
            "response": {"clientDataJSON": bytes_to_base64url(client_data),
                         "authenticatorData": bytes_to_base64url(auth_data),
                         "signature": bytes_to_base64url(signature),
                         "userHandle": bytes_to_base64url(handle)},
        }

    def _find(self, rp_id: str, allow: list[dict[str, Any]]) -> StoredCredential:
        allowed = {base64url_to_bytes(c["id"]) for c in allow}
        for cred in self.credentials:
            # An empty allowCredentials means "discoverable": any resident key for this RP.
            if cred.rp_id == rp_id and (not allowed or cred.credential_id in allowed):
                return cred
        raise AuthenticatorError(f"no credential for {rp_id}")  # the browser shows NotAllowedError

    def _auth_data(self, rp_id: str, extra_flags: int, sign_count: int) -> bytes:
        flags = extra_flags
        for on, bit in ((self.user_presence, UP), (self.user_verification, UV),
                        (self.backup_eligible, BE), (self.backup_state, BS)):
            flags |= bit if on else 0
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", sign_count)


def _client_data(kind: str, challenge: bytes, origin: str) -> bytes:
    return json.dumps({"type": kind, "challenge": bytes_to_base64url(challenge), "origin": origin,
                       "crossOrigin": False}, separators=(",", ":")).encode()


def _ids(cred: StoredCredential) -> dict[str, Any]:
    b64 = bytes_to_base64url(cred.credential_id)
    return {"id": b64, "rawId": b64, "type": "public-key", "clientExtensionResults": {},
            "authenticatorAttachment": "platform"}


def _host(origin: str) -> str:
    return urlsplit(origin).hostname or ""

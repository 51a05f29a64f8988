"""The software passkey against py_webauthn itself: what it makes must verify, and each
single lie it can tell must be rejected. Also pins down py_webauthn 3.0.1 behaviour that the
portal relies on (sign count 0, backup flags, userHandle not being checked)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidBackupFlags,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)
from webauthn.authentication.verify_authentication_response import VerifiedAuthentication
from webauthn.registration.verify_registration_response import VerifiedRegistration

from tests.support.soft_authenticator import AuthenticatorError, CredentialExcluded, SoftAuthenticator

RP_ID = "localhost"
ORIGIN = "http://localhost:8000"


def registration_options(user_id: bytes = b"handle-1", exclude: list[bytes] | None = None) -> dict[str, Any]:
    options = generate_registration_options(
        rp_id=RP_ID,
        rp_name="Én plan",
        user_name="annette",
        user_id=user_id,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=i) for i in exclude or []],
    )
    parsed: dict[str, Any] = json.loads(options_to_json(options))
    return parsed


def authentication_options(allow: list[bytes] | None = None) -> dict[str, Any]:
    options = generate_authentication_options(
        rp_id=RP_ID,
        user_verification=UserVerificationRequirement.REQUIRED,
        allow_credentials=[PublicKeyCredentialDescriptor(id=i) for i in allow or []],
    )
    parsed: dict[str, Any] = json.loads(options_to_json(options))
    return parsed


def verify_create(options: dict[str, Any], response: dict[str, Any]) -> VerifiedRegistration:
    return verify_registration_response(
        credential=response,
        expected_challenge=base64url_to_bytes(options["challenge"]),
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        require_user_verification=True,
    )


def verify_get(
    options: dict[str, Any], response: dict[str, Any], public_key: bytes, stored_count: int
) -> VerifiedAuthentication:
    return verify_authentication_response(
        credential=response,
        expected_challenge=base64url_to_bytes(options["challenge"]),
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        credential_public_key=public_key,
        credential_current_sign_count=stored_count,
        require_user_verification=True,
    )


@dataclass
class Registered:
    authenticator: SoftAuthenticator
    verified: VerifiedRegistration


def register(authenticator: SoftAuthenticator | None = None, user_id: bytes = b"handle-1") -> Registered:
    authenticator = authenticator or SoftAuthenticator()
    options = registration_options(user_id)
    return Registered(authenticator, verify_create(options, authenticator.create(options, ORIGIN)))


def test_register_then_log_in_twice() -> None:
    authenticator = SoftAuthenticator()
    options = registration_options()
    response = authenticator.create(options, ORIGIN)

    assert response["type"] == "public-key" and response["id"] == response["rawId"]
    assert "=" not in response["response"]["attestationObject"]
    verified = verify_create(options, response)
    assert verified.fmt == "none"
    assert verified.user_verified and verified.sign_count == 0
    assert verified.aaguid == "00000000-0000-0000-0000-000000000000"
    assert verified.credential_device_type == CredentialDeviceType.SINGLE_DEVICE
    assert not verified.credential_backed_up
    [stored] = authenticator.credentials
    assert stored.credential_id == verified.credential_id and stored.user_handle == b"handle-1"

    count = verified.sign_count
    for expected in (1, 2):
        login = authentication_options()
        assertion = authenticator.get(login, ORIGIN)
        assert base64url_to_bytes(assertion["response"]["userHandle"]) == b"handle-1"
        result = verify_get(login, assertion, verified.credential_public_key, count)
        assert result.new_sign_count == expected and result.user_verified
        assert result.credential_id == verified.credential_id
        count = result.new_sign_count


def test_allow_credentials_picks_the_listed_credential() -> None:
    authenticator = SoftAuthenticator()
    first = register(authenticator, b"handle-1").verified
    second = register(authenticator, b"handle-2").verified
    login = authentication_options(allow=[second.credential_id])
    assertion = authenticator.get(login, ORIGIN)
    assert base64url_to_bytes(assertion["rawId"]) == second.credential_id != first.credential_id
    verify_get(login, assertion, second.credential_public_key, 0)


def test_no_credential_for_the_rp_is_refused_like_a_browser() -> None:
    with pytest.raises(AuthenticatorError):
        SoftAuthenticator().get(authentication_options(), ORIGIN)


def test_registering_the_same_user_again_replaces_the_resident_key() -> None:
    authenticator = SoftAuthenticator()
    register(authenticator)
    second = register(authenticator).verified
    assert [c.credential_id for c in authenticator.credentials] == [second.credential_id]


def test_exclude_credentials_refuses_a_second_registration() -> None:
    registered = register()
    options = registration_options(b"handle-1", exclude=[registered.verified.credential_id])
    with pytest.raises(CredentialExcluded):
        registered.authenticator.create(options, ORIGIN)
    # A different authenticator holds no excluded credential and may register.
    verify_create(options, SoftAuthenticator().create(options, ORIGIN))


def test_unsupported_algorithms_are_refused() -> None:
    options = registration_options()
    options["pubKeyCredParams"] = [{"type": "public-key", "alg": -257}]
    with pytest.raises(AuthenticatorError):
        SoftAuthenticator().create(options, ORIGIN)


@pytest.mark.parametrize(
    ("authenticator", "overrides"),
    [
        pytest.param(SoftAuthenticator(), {"override_origin": "http://evil.example"}, id="origin"),
        pytest.param(SoftAuthenticator(), {"override_challenge": b"not the challenge"}, id="challenge"),
        pytest.param(SoftAuthenticator(), {"override_rp_id": "evil.example"}, id="rp-id"),
        pytest.param(SoftAuthenticator(user_verification=False), {}, id="no-uv"),
        pytest.param(SoftAuthenticator(user_presence=False), {}, id="no-up"),
    ],
)
def test_registration_lies_are_rejected(authenticator: SoftAuthenticator, overrides: dict[str, Any]) -> None:
    options = registration_options()
    with pytest.raises(InvalidRegistrationResponse):
        verify_create(options, authenticator.create(options, ORIGIN, **overrides))


def flip_signature_byte(index: int) -> Callable[[dict[str, Any]], None]:
    def tamper(assertion: dict[str, Any]) -> None:
        signature = bytearray(base64url_to_bytes(assertion["response"]["signature"]))
        signature[index] ^= 0x01
        assertion["response"]["signature"] = bytes_to_base64url(bytes(signature))

    return tamper


@pytest.mark.parametrize(
    ("authenticator_kwargs", "get_kwargs", "tamper"),
    [
        pytest.param({}, {"override_origin": "http://evil.example"}, None, id="origin"),
        pytest.param({}, {"override_challenge": b"not the challenge"}, None, id="challenge"),
        pytest.param({}, {"override_rp_id": "evil.example"}, None, id="rp-id"),
        pytest.param({"user_verification": False}, {}, None, id="no-uv"),
        pytest.param({"user_presence": False}, {}, None, id="no-up"),
        pytest.param({}, {"sign_count": 5}, None, id="sign-count-not-rising"),
        pytest.param({}, {"sign_count": 0}, None, id="sign-count-back-to-zero"),
        pytest.param({}, {}, flip_signature_byte(-1), id="signature-last-byte"),
        pytest.param({}, {}, flip_signature_byte(0), id="signature-der-header"),
    ],
)
def test_authentication_lies_are_rejected(
    authenticator_kwargs: dict[str, Any], get_kwargs: dict[str, Any], tamper: Callable[[dict[str, Any]], None] | None
) -> None:
    registered = register()
    # Registration itself must be clean, so only the lie under test differs at login.
    for name, value in authenticator_kwargs.items():
        setattr(registered.authenticator, name, value)
    stored_count = 5  # as if the server had already seen five logins
    login = authentication_options()
    assertion = registered.authenticator.get(login, ORIGIN, **get_kwargs)
    if tamper:
        tamper(assertion)
    with pytest.raises(InvalidAuthenticationResponse):
        verify_get(login, assertion, registered.verified.credential_public_key, stored_count)


def test_a_signature_by_another_credential_is_rejected() -> None:
    authenticator = SoftAuthenticator()
    first = register(authenticator, b"handle-1").verified
    register(authenticator, b"handle-2")
    login = authentication_options()
    other = authenticator.credentials[1]
    assertion = authenticator.get(login, ORIGIN, credential=other)
    with pytest.raises(InvalidAuthenticationResponse):
        verify_get(login, assertion, first.credential_public_key, 0)


def test_sign_count_zero_forever_is_accepted_like_synced_passkeys() -> None:
    registered = register(SoftAuthenticator(sign_count_step=0))
    for _ in range(2):
        login = authentication_options()
        assertion = registered.authenticator.get(login, ORIGIN)
        assert verify_get(login, assertion, registered.verified.credential_public_key, 0).new_sign_count == 0


def test_explicit_sign_count_is_reported_once_and_not_stored() -> None:
    registered = register()
    login = authentication_options()
    assertion = registered.authenticator.get(login, ORIGIN, sign_count=41)
    assert verify_get(login, assertion, registered.verified.credential_public_key, 40).new_sign_count == 41
    assert registered.authenticator.credentials[0].sign_count == 0


def test_py_webauthn_does_not_check_the_user_handle() -> None:
    # The application must compare userHandle with the credential's owner itself.
    registered = register()
    login = authentication_options()
    assertion = registered.authenticator.get(login, ORIGIN, override_user_handle=b"someone-else")
    verify_get(login, assertion, registered.verified.credential_public_key, 0)


def test_backup_flags_reach_the_verified_results() -> None:
    authenticator = SoftAuthenticator(backup_eligible=True, backup_state=True)
    verified = register(authenticator).verified
    assert verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE
    assert verified.credential_backed_up
    login = authentication_options()
    result = verify_get(login, authenticator.get(login, ORIGIN), verified.credential_public_key, 0)
    assert result.credential_device_type == CredentialDeviceType.MULTI_DEVICE
    assert result.credential_backed_up


def test_backup_eligible_but_not_backed_up() -> None:
    verified = register(SoftAuthenticator(backup_eligible=True)).verified
    assert verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE
    assert not verified.credential_backed_up


def test_backed_up_but_not_eligible_raises_a_different_exception() -> None:
    # py_webauthn raises InvalidBackupFlags here, which is *not* an InvalidRegistrationResponse:
    # a server catching only the latter would answer 500 to such an authenticator.
    authenticator = SoftAuthenticator(backup_state=True)
    options = registration_options()
    response = authenticator.create(options, ORIGIN)
    with pytest.raises(InvalidBackupFlags):
        verify_create(options, response)
    assert not issubclass(InvalidBackupFlags, InvalidRegistrationResponse)

"""Accounts over HTTP on the demo data: activation letters, passkeys, recovery codes, sessions.

A software passkey (tests/support/soft_authenticator.py) plays browser and authenticator, so
every ceremony runs through the real endpoints. Each refusal is checked four ways: the status,
the Danish words the person sees, the rows that must stay as they were, and the security log.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cbor2
import pytest
from bs4 import BeautifulSoup
from itsdangerous import TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from portal.accounts.models import (
    ActivationLetter,
    Department,
    LoginSession,
    PasskeyCredential,
    RecoveryCode,
    User,
    WebAuthnChallenge,
)
from portal.audit.models import SecurityEvent
from portal.i18n import translations_for
from portal.security import CSRF_COOKIE, SESSION_COOKIE
from portal.settings import Settings

from tests.conftest import TEST_ORIGIN, PortalClient
from tests.support.soft_authenticator import CredentialExcluded, SoftAuthenticator

ORIGIN = TEST_ORIGIN
EVIL = "https://evil.example"
_addresses = itertools.count(1)


# --- helpers ------------------------------------------------------------------------------------


def danish(msgid: str) -> str:
    """The Danish words the portal shows for an English message id; fails when there are none."""
    words = translations_for("da").gettext(msgid)
    assert words != msgid, f"no Danish translation for {msgid!r}"
    return words


def page_text(response: Any) -> str:
    return BeautifulSoup(response.text, "html.parser").get_text(" ", strip=True)


def token_in(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def new_browser(client: PortalClient, address: str | None = None) -> PortalClient:
    """Another browser on the same app, with its own cookies and (by default) its own address."""
    return PortalClient(client.app, base_url=ORIGIN, client=(address or f"10.0.0.{next(_addresses)}", 50000))


def post_json(browser: PortalClient, path: str, body: Any = None, **kwargs: Any) -> Any:
    headers = {"X-CSRF-Token": browser.csrf_token("/gendan")}
    return browser.post(path, json={} if body is None else body, headers=headers, follow_redirects=False, **kwargs)


def count(db: Session, model: type, **where: object) -> int:
    query = select(func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return int(db.scalar(query) or 0)


def events(db: Session, kind: str) -> list[SecurityEvent]:
    db.expire_all()
    return list(db.scalars(select(SecurityEvent).where(SecurityEvent.kind == kind).order_by(SecurityEvent.id)))


def last_event(db: Session, kind: str) -> SecurityEvent:
    found = events(db, kind)
    assert found, f"no security event {kind!r}"
    return found[-1]


def session_cookie(response: Any) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name == SESSION_COOKIE:
            value = rest.split(";", 1)[0]
            return value.strip('"') or None
    return None


def session_id(settings: Settings, cookie_value: str) -> str:
    value = URLSafeSerializer(settings.secret_key, salt="enplan.session").loads(cookie_value)
    assert isinstance(value, str)
    return value


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class Letter:
    link: str
    path: str
    token: str
    code: str
    user_id: int
    page: str

    @property
    def letter_id(self) -> int:
        payload = URLSafeSerializer("unused").load_payload(self.token.split(".")[0].encode())
        return int(payload["letter"])


_names = itertools.count(1)


def issue_citizen_letter(staff: PortalClient, db: Session, full_name: str | None = None) -> Letter:
    """As a logged-in caseworker, make a citizen account; returns what the letter says."""
    full_name = full_name or f"Ny Borger {next(_names)}"
    response = staff.post_form(
        "/sag/borgere/ny", {"full_name": full_name, "first_name": full_name.split()[0]}, token_from="/sag/borgere/ny"
    )
    assert response.status_code == 200, response.text
    return _letter_from(response.text, db, full_name)


def _letter_from(page: str, db: Session, full_name: str) -> Letter:
    link = html.unescape(re.search(r'class="letter-link">([^<]+)<', page).group(1))  # type: ignore[union-attr]
    code = re.search(r'class="letter-code">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    assert link.startswith(ORIGIN + "/aktiver/")
    path = link.removeprefix(ORIGIN)
    db.expire_all()
    user_id = db.scalars(select(User.id).where(User.display_name == full_name)).one()
    return Letter(link=link, path=path, token=path.removeprefix("/aktiver/"), code=code, user_id=user_id, page=page)


def activation_options(browser: PortalClient, letter: Letter) -> dict[str, Any]:
    response = post_json(browser, letter.path + "/valg")
    assert response.status_code == 200, response.text
    options: dict[str, Any] = response.json()
    return options


def activate(browser: PortalClient, letter: Letter, auth: SoftAuthenticator | None = None) -> tuple[Any, SoftAuthenticator]:
    auth = auth or SoftAuthenticator()
    credential = auth.create(activation_options(browser, letter), ORIGIN)
    return post_json(browser, letter.path, {"credential": credential}), auth


def new_citizen(client: PortalClient, db: Session, auth: SoftAuthenticator | None = None) -> tuple[PortalClient, SoftAuthenticator, Letter]:
    """A citizen made by Camilla, activated in her own browser and logged in there."""
    client.login_as("Camilla Brandt")
    letter = issue_citizen_letter(client, db)
    browser = new_browser(client)
    response, auth = activate(browser, letter, auth)
    assert response.status_code == 200, response.text
    return browser, auth, letter


def login_options(browser: PortalClient) -> dict[str, Any]:
    response = post_json(browser, "/log-ind/valg")
    assert response.status_code == 200, response.text
    options: dict[str, Any] = response.json()
    return options


def log_in(browser: PortalClient, auth: SoftAuthenticator, **get_kwargs: Any) -> Any:
    assertion = auth.get(login_options(browser), ORIGIN, **get_kwargs)
    return post_json(browser, "/log-ind", {"credential": assertion})


def log_out(browser: PortalClient) -> None:
    response = browser.post_form("/log-ud", token_from="/gendan", follow_redirects=False)
    assert response.status_code == 303
    assert browser.get("/indstillinger", follow_redirects=False).status_code == 303


def passkeys_of(db: Session, user_id: int) -> list[PasskeyCredential]:
    db.expire_all()
    return list(db.scalars(select(PasskeyCredential).where(PasskeyCredential.user_id == user_id).order_by(PasskeyCredential.id)))


def is_logged_in(browser: PortalClient) -> bool:
    return browser.get("/indstillinger", follow_redirects=False).status_code == 200


def fake_registration_options(user_handle: bytes = b"x" * 32) -> dict[str, Any]:
    return {
        "rp": {"id": "testserver", "name": "x"},
        "user": {"id": bytes_to_base64url(user_handle), "name": "x", "displayName": "x"},
        "challenge": bytes_to_base64url(b"c" * 32),
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
    }


def with_credential_id(response: dict[str, Any], credential_id: bytes) -> dict[str, Any]:
    """The same registration answer, but claiming another credential id (a 'none' attestation is unsigned)."""
    attestation = cbor2.loads(base64url_to_bytes(response["response"]["attestationObject"]))
    auth_data: bytes = attestation["authData"]
    old_length = int.from_bytes(auth_data[53:55], "big")
    attestation["authData"] = auth_data[:53] + len(credential_id).to_bytes(2, "big") + credential_id + auth_data[55 + old_length :]
    b64 = bytes_to_base64url(credential_id)
    return {
        **response,
        "id": b64,
        "rawId": b64,
        "response": {**response["response"], "attestationObject": bytes_to_base64url(cbor2.dumps(attestation, canonical=True))},
    }


# --- 1. activation: the happy path ----------------------------------------------------------------


def test_letter_activation_login_and_rising_sign_count(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Camilla Brandt")
    letter = issue_citizen_letter(client, demo_db, "Nanna Ny Borgersen")
    assert "<svg" in letter.page  # the QR code is inline
    assert letter.code in letter.page and letter.link in html.unescape(letter.page)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", letter.code)
    user = demo_db.get(User, letter.user_id)
    assert user is not None and user.role == "citizen" and user.is_active is False
    assert passkeys_of(demo_db, letter.user_id) == []

    browser = new_browser(client)
    page = browser.get(letter.path)
    assert page.status_code == 200
    assert "Nanna Ny Borgersen" in page.text
    # Opening the letter logs nobody in.
    assert browser.get("/indstillinger", follow_redirects=False).status_code == 303

    response, auth = activate(browser, letter)
    assert response.status_code == 200, response.text
    assert response.json() == {"redirect": "/indstillinger?ny=1"}
    assert session_cookie(response)

    demo_db.expire_all()
    user = demo_db.get(User, letter.user_id)
    assert user is not None and user.is_active is True
    activation_letter = demo_db.get(ActivationLetter, letter.letter_id)
    assert activation_letter is not None and activation_letter.used_at is not None
    (passkey,) = passkeys_of(demo_db, letter.user_id)
    assert passkey.credential_id == auth.credentials[0].credential_id
    assert passkey.sign_count == 0
    assert passkey.backup_eligible is False
    assert last_event(demo_db, "passkey_added").user_id == letter.user_id
    assert last_event(demo_db, "login").detail["method"] == "activation"

    settings_page = browser.get("/indstillinger?ny=1")
    assert settings_page.status_code == 200
    assert passkey.name in page_text(settings_page)

    counts = []
    for _ in range(2):
        log_out(browser)
        response = log_in(browser, auth)
        assert response.status_code == 200, response.text
        assert response.json() == {"redirect": "/min-plan"}
        assert session_cookie(response)
        my_plan = browser.get("/min-plan")
        assert my_plan.status_code == 200
        text_ = page_text(my_plan)
        assert "Min plan" in text_
        assert "Du har ikke en plan endnu" in text_
        (passkey,) = passkeys_of(demo_db, letter.user_id)
        counts.append(passkey.sign_count)
        assert passkey.last_used_at is not None
    assert counts == [1, 2]
    assert last_event(demo_db, "login").detail["method"] == "passkey"


def _department_of(db: Session, admin_name: str) -> int:
    admin = db.scalars(select(User).where(User.display_name == admin_name)).one()
    return db.scalars(select(Department.id).where(Department.municipality_id == admin.municipality_id).order_by(Department.id)).first()  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("creator", "path", "fields", "role", "home"),
    [
        ("Camilla Brandt", "/sag/borgere/ny", {"first_name": "Bo"}, "citizen", "/min-plan"),
        ("Ole Bisgaard", "/admin/medarbejdere/ny", {"first_name": "Bo", "job_title": "Sagsbehandler", "role": "caseworker"}, "caseworker", "/sag/"),
        ("Ole Bisgaard", "/admin/medarbejdere/ny", {"first_name": "Bo", "job_title": "", "role": "admin"}, "admin", "/admin/"),
    ],
    ids=["caseworker-makes-citizen", "admin-makes-caseworker", "admin-makes-admin"],
)
def test_each_kind_of_letter_activates_and_logs_in_to_its_home(
    client: PortalClient, demo_db: Session, creator: str, path: str, fields: dict[str, str], role: str, home: str
) -> None:
    client.login_as(creator)
    full_name = f"Bo {role.title()} Nielsen"
    data = {"full_name": full_name, **fields}
    if path.startswith("/admin"):
        data["department_id"] = str(_department_of(demo_db, creator))
    response = client.post_form(path, data, token_from=path)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"  # the code is shown once
    letter = _letter_from(response.text, demo_db, full_name)
    user = demo_db.get(User, letter.user_id)
    assert user is not None and user.role == role and not user.is_active
    assert last_event(demo_db, "account_created").detail == {"user_id": letter.user_id, "role": role}

    browser = new_browser(client)
    response, auth = activate(browser, letter)
    assert response.status_code == 200, response.text
    log_out(browser)
    response = log_in(browser, auth)
    assert response.status_code == 200, response.text
    assert response.json() == {"redirect": home}


def _department_elsewhere(db: Session, admin_name: str) -> int:
    admin = db.scalars(select(User).where(User.display_name == admin_name)).one()
    return db.scalars(select(Department.id).where(Department.municipality_id != admin.municipality_id).order_by(Department.id)).first()  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"full_name": "", "first_name": "Bo", "role": "admin"}, "full_name"),
        ({"full_name": "Bo Ny", "first_name": "", "role": "admin"}, "first_name"),
        ({"full_name": "Bo Ny", "first_name": "Bo", "role": "citizen"}, "role"),
        ({"full_name": "Bo Ny", "first_name": "Bo", "role": "evaluator"}, "role"),
        ({"full_name": "Bo Ny", "first_name": "Bo", "role": "caseworker", "department_id": ""}, "department_id"),
        ({"full_name": "Bo Ny", "first_name": "Bo", "role": "caseworker", "department_id": "<elsewhere>"}, "department_id"),
    ],
    ids=["no-full-name", "no-first-name", "citizen-role", "evaluator-role", "caseworker-without-department", "department-of-another-municipality"],
)
def test_admin_cannot_make_invalid_staff(client: PortalClient, demo_db: Session, fields: dict[str, str], error_field: str) -> None:
    client.login_as("Ole Bisgaard")
    if fields.get("department_id") == "<elsewhere>":
        fields = {**fields, "department_id": str(_department_elsewhere(demo_db, "Ole Bisgaard"))}
    before = count(demo_db, User), count(demo_db, ActivationLetter)
    response = client.post_form("/admin/medarbejdere/ny", {"job_title": "", **fields}, token_from="/admin/medarbejdere/ny")
    assert response.status_code == 422
    summary = [a["href"] for a in BeautifulSoup(response.text, "html.parser").select(".error-summary-list a")]
    assert summary == [f"#{error_field}"]
    demo_db.expire_all()
    assert (count(demo_db, User), count(demo_db, ActivationLetter)) == before


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("Annette Nielsen", 404)],
    ids=["anonymous", "citizen"],
)
def test_only_staff_can_make_letters(client: PortalClient, demo_db: Session, who: str | None, status: int) -> None:
    if who:
        client.login_as(who)
    before = count(demo_db, User), count(demo_db, ActivationLetter)
    response = client.post_form("/sag/borgere/ny", {"full_name": "Ikke Oprettet", "first_name": "Ikke"}, token_from="/gendan")
    assert response.status_code == status
    demo_db.expire_all()
    assert (count(demo_db, User), count(demo_db, ActivationLetter)) == before


# --- 2. activation letters that cannot be used -------------------------------------------------------


def _tampered(client: PortalClient, db: Session, letter: Letter) -> str:
    payload, timestamp, signature = letter.token.split(".")
    i = len(signature) // 2
    flipped = signature[:i] + ("A" if signature[i] != "A" else "B") + signature[i + 1 :]
    return f"{payload}.{timestamp}.{flipped}"


def _used(client: PortalClient, db: Session, letter: Letter) -> str:
    response, _ = activate(new_browser(client), letter)
    assert response.status_code == 200, response.text
    return letter.token


def _revoked(client: PortalClient, db: Session, letter: Letter) -> str:
    # A second letter for the same person replaces the first.
    user = db.get(User, letter.user_id)
    staff = db.scalars(select(User).where(User.display_name == "Camilla Brandt")).one()
    app: Any = client.app
    with app.state.database.request_session():
        app.state.services.identity_proofing.issue(user, staff, now())
    return letter.token


def _expired_row(client: PortalClient, db: Session, letter: Letter) -> str:
    row = db.get(ActivationLetter, letter.letter_id)
    assert row is not None
    row.expires_at = now() - dt.timedelta(minutes=1)
    db.flush()
    return letter.token


def _expired_signature(client: PortalClient, db: Session, letter: Letter) -> str:
    class FifteenDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 15 * 24 * 3600

    app: Any = client.app
    settings: Settings = app.state.settings
    serializer = URLSafeTimedSerializer(settings.secret_key, salt="enplan.activation", signer=FifteenDaysAgo)
    return str(serializer.dumps({"letter": letter.letter_id}))


REFUSED_LETTERS: list[tuple[str, Callable[[PortalClient, Session, Letter], str], int, str, str, bool]] = [
    # (case, arrange -> token to use, status, reason, message id, event names the user)
    ("tampered", _tampered, 400, "invalid", "We do not know this link or code. Check it and try again.", False),
    ("used", _used, 410, "used", "The letter has already been used. Log in with your passkey.", True),
    ("revoked", _revoked, 410, "revoked", "A newer letter replaces this one. Use the newest letter.", True),
    ("expired", _expired_row, 410, "expired", "The letter is too old. Ask your caseworker for a new one.", True),
    ("expired-signature", _expired_signature, 410, "expired", "The letter is too old. Ask your caseworker for a new one.", False),
]


@pytest.mark.parametrize(("case", "arrange", "status", "reason", "msgid", "names_user"), REFUSED_LETTERS, ids=[c[0] for c in REFUSED_LETTERS])
def test_a_letter_that_cannot_be_used_is_refused_everywhere(
    client: PortalClient, demo_db: Session, case: str, arrange: Callable[[PortalClient, Session, Letter], str],
    status: int, reason: str, msgid: str, names_user: bool,
) -> None:
    client.login_as("Camilla Brandt")
    letter = issue_citizen_letter(client, demo_db)
    token = arrange(client, demo_db, letter)
    demo_db.expire_all()
    was_active = demo_db.get(User, letter.user_id).is_active  # type: ignore[union-attr]
    passkeys_before = count(demo_db, PasskeyCredential)
    challenges_before = count(demo_db, WebAuthnChallenge)
    refusals_before = len(events(demo_db, "activation_refused"))

    browser = new_browser(client)
    page = browser.get(f"/aktiver/{token}")
    assert page.status_code == status
    assert danish(msgid) in page_text(page)
    options = post_json(browser, f"/aktiver/{token}/valg")
    assert options.status_code == status
    assert options.json() == {"error": danish(msgid), "reason": reason}
    credential = SoftAuthenticator().create(fake_registration_options(), ORIGIN)
    answer = post_json(browser, f"/aktiver/{token}", {"credential": credential})
    assert answer.status_code == status
    assert answer.json()["reason"] == reason
    assert session_cookie(answer) is None

    demo_db.expire_all()
    assert count(demo_db, PasskeyCredential) == passkeys_before
    assert count(demo_db, WebAuthnChallenge) == challenges_before
    assert demo_db.get(User, letter.user_id).is_active is was_active  # type: ignore[union-attr]
    refusals = events(demo_db, "activation_refused")[refusals_before:]
    assert [e.detail["reason"] for e in refusals] == [reason] * 3
    assert {e.user_id for e in refusals} == {letter.user_id if names_user else None}


@pytest.mark.parametrize("typed", [lambda c: c, lambda c: c.lower().replace("-", " "), lambda c: f"  {c}  "], ids=["as-printed", "lower-case-spaces", "padded"])
def test_short_code_leads_to_the_letter(client: PortalClient, demo_db: Session, typed: Callable[[str], str]) -> None:
    client.login_as("Camilla Brandt")
    letter = issue_citizen_letter(client, demo_db)
    browser = new_browser(client)
    assert browser.get("/aktiver").status_code == 200
    response = browser.post_form("/aktiver", {"code": typed(letter.code)}, token_from="/aktiver", follow_redirects=False)
    assert response.status_code == 303
    path = response.headers["location"]
    assert path.startswith("/aktiver/")
    same_letter = Letter(link=ORIGIN + path, path=path, token=path.removeprefix("/aktiver/"), code=letter.code, user_id=letter.user_id, page="")
    assert same_letter.letter_id == letter.letter_id
    assert browser.get(path).status_code == 200
    activated, _ = activate(browser, same_letter)
    assert activated.status_code == 200, activated.text
    demo_db.expire_all()
    assert demo_db.get(User, letter.user_id).is_active is True  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("case", "code", "msgid"),
    [
        ("unknown", "ZZZZ-ZZZZ", "We do not know this link or code. Check it and try again."),
        ("empty", "", "Type the code from your letter."),
    ],
    ids=["unknown", "empty"],
)
def test_wrong_short_code_is_422(client: PortalClient, demo_db: Session, case: str, code: str, msgid: str) -> None:
    refusals_before = len(events(demo_db, "activation_refused"))
    response = client.post_form("/aktiver", {"code": code}, token_from="/aktiver", follow_redirects=False)
    assert response.status_code == 422
    assert danish(msgid) in page_text(response)
    refusals = events(demo_db, "activation_refused")[refusals_before:]
    if case == "unknown":
        assert [(e.detail["reason"], e.detail["via"], e.user_id) for e in refusals] == [("unknown", "code", None)]
    else:
        assert refusals == []


def test_activation_is_rate_limited(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Camilla Brandt")
    letter = issue_citizen_letter(client, demo_db)
    browser = new_browser(client)
    for _ in range(10):
        assert browser.post_form("/aktiver", {"code": "ZZZZ-ZZZZ"}, token_from="/aktiver", follow_redirects=False).status_code == 422
    refused = browser.post_form("/aktiver", {"code": letter.code}, token_from="/aktiver", follow_redirects=False)
    assert refused.status_code == 429
    assert danish("Too many attempts. Wait a few minutes and try again.") in page_text(refused)
    assert last_event(demo_db, "activation_rate_limited").user_id is None
    # The signed link cannot be guessed, so it is not limited: the person can still use it.
    assert browser.get(letter.path).status_code == 200
    activated, _ = activate(browser, letter)
    assert activated.status_code == 200, activated.text
    # Another address still has all its attempts on the short code.
    other = new_browser(client)
    assert other.post_form("/aktiver", {"code": "ZZZZ-ZZZZ"}, token_from="/aktiver", follow_redirects=False).status_code == 422


def test_short_code_of_a_used_letter_is_refused(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Camilla Brandt")
    letter = issue_citizen_letter(client, demo_db)
    _used(client, demo_db, letter)
    response = client.post_form("/aktiver", {"code": letter.code}, token_from="/aktiver", follow_redirects=False)
    assert response.status_code == 422
    assert danish("The letter has already been used. Log in with your passkey.") in page_text(response)
    assert last_event(demo_db, "activation_refused").detail == {"reason": "used", "via": "code"}


# --- 3. registration answers that are refused (the letter stays unused) ----------------------------------


def _reg_wrong_origin(client: PortalClient, db: Session, browser: PortalClient, letter: Letter) -> Any:
    credential = SoftAuthenticator().create(activation_options(browser, letter), ORIGIN, override_origin=EVIL)
    return post_json(browser, letter.path, {"credential": credential})


def _reg_wrong_rp_id(client: PortalClient, db: Session, browser: PortalClient, letter: Letter) -> Any:
    credential = SoftAuthenticator().create(activation_options(browser, letter), ORIGIN, override_rp_id="evil.example")
    return post_json(browser, letter.path, {"credential": credential})


def _reg_reused_challenge(client: PortalClient, db: Session, browser: PortalClient, letter: Letter) -> Any:
    options = activation_options(browser, letter)
    # The first answer fails (and uses up the challenge); a correct answer to the same challenge is then too late.
    first = post_json(browser, letter.path, {"credential": SoftAuthenticator().create(options, ORIGIN, override_origin=EVIL)})
    assert first.json()["reason"] == "registration_invalid"
    return post_json(browser, letter.path, {"credential": SoftAuthenticator().create(options, ORIGIN)})


def _reg_other_browser(client: PortalClient, db: Session, browser: PortalClient, letter: Letter) -> Any:
    options = activation_options(browser, letter)
    other = new_browser(client)
    return post_json(other, letter.path, {"credential": SoftAuthenticator().create(options, ORIGIN)})


def _reg_invented_challenge(client: PortalClient, db: Session, browser: PortalClient, letter: Letter) -> Any:
    options = activation_options(browser, letter)
    credential = SoftAuthenticator().create(options, ORIGIN, override_challenge=b"\x01" * 32)
    return post_json(browser, letter.path, {"credential": credential})


def _reg_login_challenge(client: PortalClient, db: Session, browser: PortalClient, letter: Letter) -> Any:
    options = activation_options(browser, letter)
    login_challenge = base64url_to_bytes(login_options(browser)["challenge"])
    credential = SoftAuthenticator().create(options, ORIGIN, override_challenge=login_challenge)
    return post_json(browser, letter.path, {"credential": credential})


def _reg_challenge_of_another_letter(client: PortalClient, db: Session, browser: PortalClient, letter: Letter) -> Any:
    # Options fetched for someone else's letter, in the same browser, answered on this letter.
    other_letter = issue_citizen_letter(client, db)
    options = activation_options(browser, other_letter)
    return post_json(browser, letter.path, {"credential": SoftAuthenticator().create(options, ORIGIN)})


def _reg_no_user_verification(client: PortalClient, db: Session, browser: PortalClient, letter: Letter) -> Any:
    credential = SoftAuthenticator(user_verification=False).create(activation_options(browser, letter), ORIGIN)
    return post_json(browser, letter.path, {"credential": credential})


def _reg_expired_challenge(client: PortalClient, db: Session, browser: PortalClient, letter: Letter) -> Any:
    options = activation_options(browser, letter)
    row = db.scalars(select(WebAuthnChallenge).where(WebAuthnChallenge.challenge == base64url_to_bytes(options["challenge"]))).one()
    row.expires_at = now() - dt.timedelta(seconds=1)
    db.flush()
    return post_json(browser, letter.path, {"credential": SoftAuthenticator().create(options, ORIGIN)})


def _reg_registered_credential(client: PortalClient, db: Session, browser: PortalClient, letter: Letter) -> Any:
    # Someone else's passkey, presented again (a fresh, valid answer) to be bound to this account.
    _, first_auth, first_letter = new_citizen(client, db)
    taken = first_auth.credentials[0].credential_id
    credential = SoftAuthenticator().create(activation_options(browser, letter), ORIGIN)
    response = post_json(browser, letter.path, {"credential": with_credential_id(credential, taken)})
    db.expire_all()
    (owner,) = db.scalars(select(PasskeyCredential.user_id).where(PasskeyCredential.credential_id == taken))
    assert owner == first_letter.user_id  # the passkey still belongs to the first citizen
    return response


REGISTRATION_REFUSALS = [
    ("wrong-origin", _reg_wrong_origin, "registration_invalid", "The passkey could not be checked. Try again."),
    ("wrong-rp-id", _reg_wrong_rp_id, "registration_invalid", "The passkey could not be checked. Try again."),
    ("reused-challenge", _reg_reused_challenge, "challenge_reused", "It took too long, or the page was old. Try again."),
    ("challenge-of-another-browser", _reg_other_browser, "unknown_challenge", "It took too long, or the page was old. Try again."),
    ("invented-challenge", _reg_invented_challenge, "unknown_challenge", "It took too long, or the page was old. Try again."),
    ("login-challenge", _reg_login_challenge, "unknown_challenge", "It took too long, or the page was old. Try again."),
    ("challenge-of-another-letter", _reg_challenge_of_another_letter, "unknown_challenge", "It took too long, or the page was old. Try again."),
    ("expired-challenge", _reg_expired_challenge, "challenge_expired", "It took too long, or the page was old. Try again."),
    ("no-user-verification", _reg_no_user_verification, "registration_invalid", "The passkey could not be checked. Try again."),
    ("credential-already-registered", _reg_registered_credential, "credential_already_registered", "This passkey is already in use. Use another one."),
]


@pytest.mark.parametrize(("case", "attempt", "reason", "msgid"), REGISTRATION_REFUSALS, ids=[c[0] for c in REGISTRATION_REFUSALS])
def test_refused_registration_leaves_the_letter_unused(
    client: PortalClient, demo_db: Session, case: str, attempt: Callable[..., Any], reason: str, msgid: str
) -> None:
    client.login_as("Camilla Brandt")
    letter = issue_citizen_letter(client, demo_db)
    browser = new_browser(client)
    failures_before = len(events(demo_db, "passkey_registration_failed"))

    response = attempt(client, demo_db, browser, letter)

    assert response.status_code == 400, response.text
    assert response.json() == {"error": danish(msgid), "reason": reason}
    assert session_cookie(response) is None
    demo_db.expire_all()
    assert passkeys_of(demo_db, letter.user_id) == []
    assert demo_db.get(User, letter.user_id).is_active is False  # type: ignore[union-attr]
    assert demo_db.get(ActivationLetter, letter.letter_id).used_at is None  # type: ignore[union-attr]
    failures = events(demo_db, "passkey_registration_failed")[failures_before:]
    assert [(e.user_id, e.detail["reason"]) for e in failures][-1] == (letter.user_id, reason)
    # The letter still works afterwards.
    activated, _ = activate(new_browser(client), letter)
    assert activated.status_code == 200, activated.text


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe", b'{"credential": '],
    ids=["broken-json", "not-utf8", "truncated"],
)
@pytest.mark.parametrize("endpoint", ["activate", "login", "add-passkey"])
def test_unreadable_json_is_400_not_500(client: PortalClient, demo_db: Session, body: bytes, endpoint: str) -> None:
    client.login_as("Camilla Brandt")
    letter = issue_citizen_letter(client, demo_db)
    path = {"activate": letter.path, "login": "/log-ind", "add-passkey": "/indstillinger/adgangsnoegler"}[endpoint]
    passkeys_before = count(demo_db, PasskeyCredential)
    response = client.post(
        path, content=body, headers={"Content-Type": "application/json", "X-CSRF-Token": client.csrf_token("/gendan")}, follow_redirects=False
    )
    assert response.status_code == 400
    assert response.json()["error"] == danish("We could not read the request.")
    assert session_cookie(response) is None
    assert count(demo_db, PasskeyCredential) == passkeys_before


@pytest.mark.parametrize(
    "body",
    [
        [],
        {},
        {"credential": "abc"},
        {"credential": {"response": 5}},
        {"credential": {"id": "x", "rawId": "x", "type": "public-key", "response": {"clientDataJSON": 5}}},
        {"credential": {"id": "x", "rawId": "x", "type": "public-key", "response": {"clientDataJSON": "!!notbase64"}}},
        {"credential": {"id": "x", "rawId": "x", "type": "public-key", "response": {"clientDataJSON": "e30"}}},
    ],
    ids=["list", "empty", "string", "response-number", "client-data-number", "client-data-not-base64", "client-data-empty-object"],
)
@pytest.mark.parametrize("endpoint", ["activate", "login"])
def test_malformed_credential_is_400_malformed(client: PortalClient, demo_db: Session, body: Any, endpoint: str) -> None:
    client.login_as("Camilla Brandt")
    letter = issue_citizen_letter(client, demo_db)
    browser = new_browser(client)
    path = letter.path if endpoint == "activate" else "/log-ind"
    response = browser.post(path, content=json.dumps(body), headers={"Content-Type": "application/json", "X-CSRF-Token": browser.csrf_token("/gendan")})
    assert response.status_code == 400, response.text
    assert response.json() == {"error": danish("The passkey could not be checked. Try again."), "reason": "malformed"}
    demo_db.expire_all()
    assert demo_db.get(User, letter.user_id).is_active is False  # type: ignore[union-attr]


@pytest.mark.parametrize("endpoint", ["activate", "login", "add-passkey"])
def test_plain_form_post_explains_that_javascript_is_needed(client: PortalClient, demo_db: Session, endpoint: str) -> None:
    client.login_as("Camilla Brandt")
    letter = issue_citizen_letter(client, demo_db)
    path = {"activate": letter.path, "login": "/log-ind", "add-passkey": "/indstillinger/adgangsnoegler"}[endpoint]
    response = client.post_form(path, {"name": "x"}, token_from="/gendan", follow_redirects=False)
    assert response.status_code == 400
    assert danish("A passkey needs JavaScript") in page_text(response)
    assert session_cookie(response) is None
    demo_db.expire_all()
    assert demo_db.get(User, letter.user_id).is_active is False  # type: ignore[union-attr]


# --- 4. passkey logins that are refused ---------------------------------------------------------------


@dataclass
class LoginSetup:
    client: PortalClient
    db: Session
    browser: PortalClient
    auth: SoftAuthenticator
    letter: Letter
    # The passkey row as it was just before the refused request.
    passkey_before: tuple[object, ...] = ()

    def remember_passkey(self) -> None:
        self.passkey_before = passkey_state(passkeys_of(self.db, self.letter.user_id)[0])


def passkey_state(passkey: PasskeyCredential) -> tuple[object, ...]:
    """Every field a login writes, and the flag it checks."""
    return (passkey.sign_count, passkey.backed_up, passkey.last_used_at, passkey.backup_eligible)


def _login_replayed(s: LoginSetup) -> Any:
    seed_before = s.browser.cookies[CSRF_COOKIE]
    assertion = s.auth.get(login_options(s.browser), ORIGIN)
    assert post_json(s.browser, "/log-ind", {"credential": assertion}).status_code == 200
    log_out(s.browser)
    # Login rotates the CSRF seed the challenge is bound to; with the old seed back, only
    # the challenge's single use stands between the replay and a session.
    s.browser.cookies.jar.clear()
    s.browser.cookies.set(CSRF_COOKIE, seed_before)
    s.remember_passkey()
    return post_json(s.browser, "/log-ind", {"credential": assertion})


def _login_foreign_origin(s: LoginSetup) -> Any:
    return log_in(s.browser, s.auth, override_origin=EVIL)


def _login_wrong_rp_id(s: LoginSetup) -> Any:
    return log_in(s.browser, s.auth, override_rp_id="evil.example")


def _login_unknown_credential(s: LoginSetup) -> Any:
    stranger = SoftAuthenticator()
    stranger.create(fake_registration_options(), ORIGIN)
    return log_in(s.browser, stranger)


def _login_user_handle_of_another(s: LoginSetup) -> Any:
    annette = s.db.scalars(select(User).where(User.display_name == "Annette Nielsen")).one()
    return log_in(s.browser, s.auth, override_user_handle=annette.webauthn_user_handle.encode("ascii"))


def _login_no_user_handle(s: LoginSetup) -> Any:
    return log_in(s.browser, s.auth, override_user_handle=b"")


def _login_sign_count_not_rising(s: LoginSetup) -> Any:
    assert log_in(s.browser, s.auth).status_code == 200  # stored count is now 1
    log_out(s.browser)
    s.remember_passkey()
    return log_in(s.browser, s.auth, sign_count=0)


def _login_sign_count_repeated(s: LoginSetup) -> Any:
    assert log_in(s.browser, s.auth).status_code == 200
    assert log_in(s.browser, s.auth).status_code == 200  # stored count is now 2
    log_out(s.browser)
    s.remember_passkey()
    return log_in(s.browser, s.auth, sign_count=2)


def _login_backup_eligibility_changed(s: LoginSetup) -> Any:
    s.auth.backup_eligible = True
    return log_in(s.browser, s.auth)


def _login_no_user_verification(s: LoginSetup) -> Any:
    s.auth.user_verification = False
    return log_in(s.browser, s.auth)


def _login_expired_challenge(s: LoginSetup) -> Any:
    options = login_options(s.browser)
    row = s.db.scalars(select(WebAuthnChallenge).where(WebAuthnChallenge.challenge == base64url_to_bytes(options["challenge"]))).one()
    row.expires_at = now() - dt.timedelta(seconds=1)
    s.db.flush()
    return post_json(s.browser, "/log-ind", {"credential": s.auth.get(options, ORIGIN)})


def _login_challenge_of_another_browser(s: LoginSetup) -> Any:
    options = login_options(new_browser(s.client))
    return post_json(s.browser, "/log-ind", {"credential": s.auth.get(options, ORIGIN)})


def _login_registration_challenge(s: LoginSetup) -> Any:
    other_letter = issue_citizen_letter(s.client, s.db)
    options = activation_options(s.browser, other_letter)
    return log_in(s.browser, s.auth, override_challenge=base64url_to_bytes(options["challenge"]))


def _login_inactive_user(s: LoginSetup) -> Any:
    user = s.db.get(User, s.letter.user_id)
    assert user is not None
    user.is_active = False
    s.db.flush()
    return log_in(s.browser, s.auth)


LOGIN_REFUSALS = [
    ("replayed-assertion", _login_replayed, "challenge_reused", "It took too long, or the page was old. Try again."),
    ("foreign-origin", _login_foreign_origin, "authentication_invalid", "The passkey could not be checked. Try again."),
    ("wrong-rp-id", _login_wrong_rp_id, "authentication_invalid", "The passkey could not be checked. Try again."),
    ("unknown-credential", _login_unknown_credential, "unknown_credential", "We do not know this passkey. Use another one, or a recovery code."),
    ("user-handle-of-another-account", _login_user_handle_of_another, "foreign_credential", "We do not know this passkey. Use another one, or a recovery code."),
    ("no-user-handle", _login_no_user_handle, "foreign_credential", "We do not know this passkey. Use another one, or a recovery code."),
    ("sign-count-zero-after-one", _login_sign_count_not_rising, "authentication_invalid", "The passkey could not be checked. Try again."),
    ("sign-count-repeated", _login_sign_count_repeated, "authentication_invalid", "The passkey could not be checked. Try again."),
    ("backup-eligibility-changed", _login_backup_eligibility_changed, "backup_eligibility_changed", "The passkey could not be checked. Try again."),
    ("no-user-verification", _login_no_user_verification, "authentication_invalid", "The passkey could not be checked. Try again."),
    ("expired-challenge", _login_expired_challenge, "challenge_expired", "It took too long, or the page was old. Try again."),
    ("challenge-of-another-browser", _login_challenge_of_another_browser, "unknown_challenge", "It took too long, or the page was old. Try again."),
    ("registration-challenge", _login_registration_challenge, "unknown_challenge", "It took too long, or the page was old. Try again."),
    ("inactive-user", _login_inactive_user, "inactive_user", "We do not know this passkey. Use another one, or a recovery code."),
]


@pytest.mark.parametrize(("case", "attempt", "reason", "msgid"), LOGIN_REFUSALS, ids=[c[0] for c in LOGIN_REFUSALS])
def test_refused_login_sets_no_session(
    client: PortalClient, demo_db: Session, case: str, attempt: Callable[[LoginSetup], Any], reason: str, msgid: str
) -> None:
    browser, auth, letter = new_citizen(client, demo_db)  # registered with backup_eligible=False
    log_out(browser)
    setup = LoginSetup(client, demo_db, browser, auth, letter)
    # Attempts that log in successfully first remember the row again just before the refused request.
    setup.remember_passkey()

    response = attempt(setup)
    demo_db.expire_all()
    passkey_after_attempt = passkeys_of(demo_db, letter.user_id)[0]

    assert response.status_code == 400, response.text
    assert response.json() == {"error": danish(msgid), "reason": reason}
    assert session_cookie(response) is None
    assert not is_logged_in(browser)
    failure = last_event(demo_db, "login_failed")
    assert failure.detail == {"reason": reason}
    # Once the passkey is known, its owner sees the failed attempt on their account.
    assert failure.user_id == (None if reason in ("unknown_credential", "unknown_challenge", "challenge_reused", "challenge_expired", "malformed") else letter.user_id)
    # A refused login changes nothing on the passkey: not the count, not the flags, not "last used".
    assert passkey_state(passkey_after_attempt) == setup.passkey_before
    assert passkey_after_attempt.backup_eligible is False
    sessions = list(demo_db.scalars(select(LoginSession).where(LoginSession.user_id == letter.user_id, LoginSession.revoked_at.is_(None))))
    assert sessions == []


def test_refused_login_leaves_the_sign_count(client: PortalClient, demo_db: Session) -> None:
    browser, auth, letter = new_citizen(client, demo_db)
    log_out(browser)
    assert log_in(browser, auth).status_code == 200
    log_out(browser)
    (before,) = passkeys_of(demo_db, letter.user_id)
    count_before, used_before = before.sign_count, before.last_used_at
    for kwargs in ({"override_origin": EVIL}, {"sign_count": 0}, {"override_user_handle": b"nobody"}):
        assert log_in(browser, auth, **kwargs).status_code == 400
    (after,) = passkeys_of(demo_db, letter.user_id)
    assert (after.sign_count, after.last_used_at) == (count_before, used_before)


def test_synced_passkey_with_zero_sign_count_can_log_in_again(client: PortalClient, demo_db: Session) -> None:
    # iCloud/Google passkeys always report 0; that is allowed while the stored count is 0 too.
    browser, auth, letter = new_citizen(client, demo_db, SoftAuthenticator(sign_count_step=0, backup_eligible=True, backup_state=True))
    (passkey,) = passkeys_of(demo_db, letter.user_id)
    assert passkey.backup_eligible is True and passkey.backed_up is True
    for _ in range(2):
        log_out(browser)
        assert log_in(browser, auth).status_code == 200
    assert passkeys_of(demo_db, letter.user_id)[0].sign_count == 0


@pytest.mark.parametrize(
    ("next_", "expected"),
    [
        ("/min-plan/uge", "/min-plan/uge"),
        ("https://evil.example/", "/min-plan"),
        ("//evil.example", "/min-plan"),
        ("/\\evil.example", "/min-plan"),
        ("/\t/evil.example", "/min-plan"),
        ("/\n/evil.example", "/min-plan"),
        ("/\r/evil.example", "/min-plan"),
    ],
    ids=["local", "absolute", "scheme-relative", "backslash", "tab", "newline", "carriage-return"],
)
def test_login_next_only_goes_to_local_paths(client: PortalClient, demo_db: Session, next_: str, expected: str) -> None:
    browser, auth, _ = new_citizen(client, demo_db)
    log_out(browser)
    assertion = auth.get(login_options(browser), ORIGIN)
    response = post_json(browser, "/log-ind", {"credential": assertion, "next": next_})
    assert response.status_code == 200
    # passkeys.js does window.location.assign(redirect); browsers drop tabs and newlines from a URL
    # before parsing it, so "/\t/evil.example" would go to //evil.example.
    assert response.json() == {"redirect": expected}


def test_login_is_rate_limited_per_address(client: PortalClient, demo_db: Session) -> None:
    browser, auth, _ = new_citizen(client, demo_db)
    log_out(browser)
    for _ in range(20):
        assert post_json(browser, "/log-ind", {"credential": {}}).status_code == 400
    # The 21st attempt is refused even with a valid passkey.
    refused = log_in(browser, auth)
    assert refused.status_code == 429
    assert refused.json() == {"error": danish("Too many attempts. Wait a few minutes and try again."), "reason": "rate_limited"}
    assert session_cookie(refused) is None
    assert not is_logged_in(browser)
    assert last_event(demo_db, "login_rate_limited").user_id is None
    # Another address is not affected.
    elsewhere = new_browser(client)
    assert log_in(elsewhere, auth).status_code == 200


# --- 5. recovery codes ---------------------------------------------------------------------------------


def make_recovery_codes(browser: PortalClient) -> list[str]:
    response = browser.post_form("/indstillinger/gendannelseskoder", token_from="/indstillinger", follow_redirects=False)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"  # never kept by the browser or a proxy
    codes = [c.get_text(strip=True) for c in BeautifulSoup(response.text, "html.parser").select("code")]
    assert danish("Write the codes down or print them now. You will not see them again.") in page_text(response)
    return codes


def recover(browser: PortalClient, code: str) -> Any:
    return browser.post_form("/gendan", {"code": code}, token_from="/gendan", follow_redirects=False)


def test_recovery_codes_are_shown_once_and_stored_only_as_hashes(client: PortalClient, demo_db: Session) -> None:
    browser, _, letter = new_citizen(client, demo_db)
    codes = make_recovery_codes(browser)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}", c) for c in codes), codes
    assert last_event(demo_db, "recovery_codes_created").user_id == letter.user_id

    settings_page = browser.get("/indstillinger")
    assert settings_page.status_code == 200
    normalised = [c.replace("-", "") for c in codes]
    assert not any(c in settings_page.text or n in settings_page.text for c, n in zip(codes, normalised, strict=True))

    demo_db.expire_all()
    rows = demo_db.execute(text("SELECT * FROM recovery_code")).all()
    mine = [row for row in rows if row.user_id == letter.user_id]
    assert len(mine) == 10
    stored = " ".join(str(value) for row in rows for value in row)
    assert not any(c in stored or n in stored or n.lower() in stored for c, n in zip(codes, normalised, strict=True))
    assert all(re.fullmatch(r"[0-9a-f]{64}", row.code_hash) for row in mine)


def test_a_recovery_code_logs_in_once(client: PortalClient, demo_db: Session) -> None:
    browser, _, letter = new_citizen(client, demo_db)
    codes = make_recovery_codes(browser)
    log_out(browser)

    response = recover(browser, codes[3])
    assert response.status_code == 303
    assert response.headers["location"] == "/indstillinger?gendannet=1"
    assert session_cookie(response)
    page = browser.get("/indstillinger?gendannet=1")
    assert page.status_code == 200
    assert danish("You logged in with a recovery code. Make a new passkey now.") in page_text(page)
    assert last_event(demo_db, "recovery_code_used").user_id == letter.user_id
    assert last_event(demo_db, "login").detail == {"method": "recovery_code"}
    demo_db.expire_all()
    assert count(demo_db, RecoveryCode, user_id=letter.user_id) == 10
    used = demo_db.scalars(select(RecoveryCode).where(RecoveryCode.user_id == letter.user_id, RecoveryCode.used_at.is_not(None))).all()
    assert len(used) == 1

    log_out(browser)
    again = recover(browser, codes[3])
    assert again.status_code == 422
    assert danish("The code is wrong or has been used. Check it and try again.") in page_text(again)
    assert session_cookie(again) is None
    assert not is_logged_in(browser)
    assert last_event(demo_db, "recovery_failed").user_id is None

    # Typed sloppily (lower case, spaces instead of dashes) another code still works.
    sloppy = recover(browser, codes[4].lower().replace("-", " "))
    assert sloppy.status_code == 303
    assert is_logged_in(browser)


def test_new_recovery_codes_replace_the_old_ones(client: PortalClient, demo_db: Session) -> None:
    browser, _, letter = new_citizen(client, demo_db)
    old = make_recovery_codes(browser)
    new = make_recovery_codes(browser)
    assert not set(old) & set(new)
    demo_db.expire_all()
    assert count(demo_db, RecoveryCode, user_id=letter.user_id) == 10
    log_out(browser)
    assert recover(browser, old[0]).status_code == 422
    assert recover(browser, new[0]).status_code == 303


def test_empty_recovery_code_is_422_with_a_danish_message(client: PortalClient) -> None:
    response = recover(client, "   ")
    assert response.status_code == 422
    assert danish("Type your recovery code.") in page_text(response)


def test_recovery_is_rate_limited(client: PortalClient, demo_db: Session) -> None:
    browser, _, _ = new_citizen(client, demo_db)
    codes = make_recovery_codes(browser)
    log_out(browser)
    for _ in range(5):
        assert recover(browser, "AAAA-AAAA-AAAA").status_code == 422
    refused = recover(browser, codes[0])  # a good code, but too many attempts
    assert refused.status_code == 429
    assert danish("Too many attempts. Wait a few minutes and try again.") in page_text(refused)
    assert session_cookie(refused) is None
    assert last_event(demo_db, "recovery_rate_limited").user_id is None
    demo_db.expire_all()
    assert demo_db.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.used_at.is_not(None))) == 0
    # The unused code still works from another address.
    assert recover(new_browser(client), codes[0]).status_code == 303


# --- 6. managing passkeys ------------------------------------------------------------------------------


def add_passkey(browser: PortalClient, auth: SoftAuthenticator, name: str | None = None) -> Any:
    response = post_json(browser, "/indstillinger/adgangsnoegler/valg")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = {"credential": auth.create(response.json(), ORIGIN)}
    if name is not None:
        body["name"] = name
    return post_json(browser, "/indstillinger/adgangsnoegler", body)


def test_add_a_second_passkey_and_log_in_with_it(client: PortalClient, demo_db: Session) -> None:
    browser, first_auth, letter = new_citizen(client, demo_db)
    options = post_json(browser, "/indstillinger/adgangsnoegler/valg").json()
    assert [base64url_to_bytes(c["id"]) for c in options["excludeCredentials"]] == [first_auth.credentials[0].credential_id]
    with pytest.raises(CredentialExcluded):  # the same phone cannot register twice
        first_auth.create(options, ORIGIN)

    second_auth = SoftAuthenticator()
    response = add_passkey(browser, second_auth, "  Min arbejdstelefon  ")
    assert response.status_code == 200, response.text
    assert response.json() == {"redirect": "/indstillinger"}
    first, second = passkeys_of(demo_db, letter.user_id)
    assert second.name == "Min arbejdstelefon"
    assert second.credential_id == second_auth.credentials[0].credential_id
    assert last_event(demo_db, "passkey_added").detail == {"passkey": "Min arbejdstelefon"}
    assert "Min arbejdstelefon" in page_text(browser.get("/indstillinger"))

    log_out(browser)
    assert log_in(browser, second_auth).status_code == 200
    assert log_in(browser, first_auth).status_code == 200


def test_added_passkey_without_a_name_gets_a_numbered_one(client: PortalClient, demo_db: Session) -> None:
    browser, _, letter = new_citizen(client, demo_db)
    assert add_passkey(browser, SoftAuthenticator()).status_code == 200
    names = [p.name for p in passkeys_of(demo_db, letter.user_id)]
    assert names[1] == danish("Passkey %(number)d") % {"number": 2}


def test_adding_the_same_answer_twice_is_refused(client: PortalClient, demo_db: Session) -> None:
    browser, _, letter = new_citizen(client, demo_db)
    options = post_json(browser, "/indstillinger/adgangsnoegler/valg").json()
    credential = SoftAuthenticator().create(options, ORIGIN)
    assert post_json(browser, "/indstillinger/adgangsnoegler", {"credential": credential}).status_code == 200
    again = post_json(browser, "/indstillinger/adgangsnoegler", {"credential": credential})
    assert again.status_code == 400
    assert again.json()["reason"] == "challenge_reused"
    assert len(passkeys_of(demo_db, letter.user_id)) == 2
    assert last_event(demo_db, "passkey_registration_failed").detail == {"reason": "challenge_reused"}


def test_adding_a_passkey_with_a_challenge_of_another_account_is_refused(client: PortalClient, demo_db: Session) -> None:
    # Bob's browser fetches options for his own account; the answer is posted while Alice is logged in there.
    alice_browser, _, alice = new_citizen(client, demo_db)
    other_letter = issue_citizen_letter(client, demo_db)
    options = activation_options(alice_browser, other_letter)
    response = post_json(alice_browser, "/indstillinger/adgangsnoegler", {"credential": SoftAuthenticator().create(options, ORIGIN)})
    assert response.status_code == 400
    assert response.json()["reason"] == "unknown_challenge"
    assert len(passkeys_of(demo_db, alice.user_id)) == 1
    assert passkeys_of(demo_db, other_letter.user_id) == []


@pytest.mark.parametrize(("name", "ok"), [("Min telefon", True), ("  Telefon  ", True), ("x" * 100, True), ("", False), ("   ", False), ("x" * 101, False)],
                         ids=["plain", "padded", "100-chars", "empty", "blank", "101-chars"])
def test_rename_passkey(client: PortalClient, demo_db: Session, name: str, ok: bool) -> None:
    browser, _, letter = new_citizen(client, demo_db)
    (passkey,) = passkeys_of(demo_db, letter.user_id)
    old_name = passkey.name
    response = browser.post_form(f"/indstillinger/adgangsnoegler/{passkey.id}/navn", {"name": name}, token_from="/indstillinger", follow_redirects=False)
    (after,) = passkeys_of(demo_db, letter.user_id)
    if ok:
        assert response.status_code == 303
        assert after.name == name.strip()
    else:
        assert response.status_code == 422
        assert danish("Give the passkey a name of 1 to 100 characters.") in page_text(response)
        assert after.name == old_name


def test_remove_one_of_two_passkeys(client: PortalClient, demo_db: Session) -> None:
    browser, first_auth, letter = new_citizen(client, demo_db)
    second_auth = SoftAuthenticator()
    assert add_passkey(browser, second_auth, "Reserve").status_code == 200
    first, _ = passkeys_of(demo_db, letter.user_id)
    first_name = first.name
    response = browser.post_form(f"/indstillinger/adgangsnoegler/{first.id}/slet", token_from="/indstillinger", follow_redirects=False)
    assert response.status_code == 303
    assert [p.name for p in passkeys_of(demo_db, letter.user_id)] == ["Reserve"]
    assert last_event(demo_db, "passkey_removed").detail == {"passkey": first_name}
    log_out(browser)
    removed = log_in(browser, first_auth)
    assert removed.status_code == 400 and removed.json()["reason"] == "unknown_credential"
    assert log_in(browser, second_auth).status_code == 200


def test_last_passkey_stays_until_there_are_recovery_codes(client: PortalClient, demo_db: Session) -> None:
    browser, _, letter = new_citizen(client, demo_db)
    (passkey,) = passkeys_of(demo_db, letter.user_id)
    refused = browser.post_form(f"/indstillinger/adgangsnoegler/{passkey.id}/slet", token_from="/indstillinger", follow_redirects=False)
    assert refused.status_code == 409
    assert danish("This is your last passkey. Make recovery codes first, so you can still get in.") in page_text(refused)
    assert [p.id for p in passkeys_of(demo_db, letter.user_id)] == [passkey.id]

    make_recovery_codes(browser)
    allowed = browser.post_form(f"/indstillinger/adgangsnoegler/{passkey.id}/slet", token_from="/indstillinger", follow_redirects=False)
    assert allowed.status_code == 303
    assert passkeys_of(demo_db, letter.user_id) == []


def test_last_passkey_stays_when_all_recovery_codes_are_used(client: PortalClient, demo_db: Session) -> None:
    browser, _, letter = new_citizen(client, demo_db)
    make_recovery_codes(browser)
    demo_db.execute(update(RecoveryCode).where(RecoveryCode.user_id == letter.user_id).values(used_at=now()))
    demo_db.flush()
    (passkey,) = passkeys_of(demo_db, letter.user_id)
    refused = browser.post_form(f"/indstillinger/adgangsnoegler/{passkey.id}/slet", token_from="/indstillinger", follow_redirects=False)
    assert refused.status_code == 409
    assert len(passkeys_of(demo_db, letter.user_id)) == 1


@pytest.mark.parametrize("action", ["slet", "navn"])
def test_another_users_passkey_is_404_and_logged(client: PortalClient, demo_db: Session, action: str) -> None:
    victim_browser, _, victim = new_citizen(client, demo_db)
    make_recovery_codes(victim_browser)  # so removing would be allowed if it were hers
    attacker_browser, _, attacker = new_citizen(client, demo_db)
    (target,) = passkeys_of(demo_db, victim.user_id)
    name_before = target.name
    response = attacker_browser.post_form(
        f"/indstillinger/adgangsnoegler/{target.id}/{action}", {"name": "Stjålet"}, token_from="/indstillinger", follow_redirects=False
    )
    assert response.status_code == 404
    (after,) = passkeys_of(demo_db, victim.user_id)
    assert (after.id, after.name) == (target.id, name_before)
    refusal = last_event(demo_db, "access_refused")
    assert refusal.user_id == attacker.user_id
    assert refusal.detail["path"] == f"/indstillinger/adgangsnoegler/{target.id}/{action}"


@pytest.mark.parametrize("passkey_id", ["abc", "999999", "-1"])
def test_unknown_passkey_id_is_404(client: PortalClient, demo_db: Session, passkey_id: str) -> None:
    browser, _, letter = new_citizen(client, demo_db)
    response = browser.post_form(f"/indstillinger/adgangsnoegler/{passkey_id}/slet", token_from="/indstillinger", follow_redirects=False)
    assert response.status_code == 404
    assert len(passkeys_of(demo_db, letter.user_id)) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/indstillinger/adgangsnoegler/valg"),
        ("POST", "/indstillinger/adgangsnoegler"),
        ("POST", "/indstillinger/adgangsnoegler/1/navn"),
        ("POST", "/indstillinger/adgangsnoegler/1/slet"),
        ("POST", "/indstillinger/gendannelseskoder"),
        ("POST", "/indstillinger/log-ud-alle-steder"),
        ("POST", "/session/forlaeng"),
        ("POST", "/log-ud"),
    ],
)
def test_settings_actions_need_a_login(client: PortalClient, demo_db: Session, method: str, path: str) -> None:
    passkeys_before = count(demo_db, PasskeyCredential)
    response = client.post(path, data={"csrf_token": client.csrf_token("/gendan"), "name": "x"}, follow_redirects=False)
    assert response.status_code == 401
    demo_db.expire_all()
    assert count(demo_db, PasskeyCredential) == passkeys_before


# --- 7. sessions ---------------------------------------------------------------------------------------


def current_session(browser: PortalClient, settings: Settings) -> str:
    return session_id(settings, browser.cookies[SESSION_COOKIE])


def test_every_login_gets_a_new_session_id(client: PortalClient, demo_db: Session, settings: Settings) -> None:
    browser, auth, letter = new_citizen(client, demo_db)
    first = current_session(browser, settings)
    # Logging in again from the same browser, without logging out first.
    response = log_in(browser, auth)
    assert response.status_code == 200
    second = session_id(settings, session_cookie(response) or "")
    assert second != first
    assert current_session(browser, settings) == second
    demo_db.expire_all()
    old, new = demo_db.get(LoginSession, first), demo_db.get(LoginSession, second)
    assert old is not None and old.revoked_at is not None
    assert new is not None and new.revoked_at is None and new.user_id == letter.user_id
    # Logging out and in again: yet another id.
    log_out(browser)
    demo_db.expire_all()
    assert demo_db.get(LoginSession, second).revoked_at is not None  # type: ignore[union-attr]
    assert log_in(browser, auth).status_code == 200
    assert current_session(browser, settings) not in (first, second)


def test_a_session_id_planted_before_login_is_not_kept(client: PortalClient, demo_db: Session, settings: Settings) -> None:
    browser, auth, letter = new_citizen(client, demo_db)
    log_out(browser)
    planted = URLSafeSerializer(settings.secret_key, salt="enplan.session").dumps("planted-session-id")
    browser.cookies.set(SESSION_COOKIE, planted, domain="testserver.local")
    assert log_in(browser, auth).status_code == 200
    assert demo_db.get(LoginSession, "planted-session-id") is None
    assert current_session(browser, settings) != "planted-session-id"


def test_log_out_everywhere_ends_every_session(client: PortalClient, demo_db: Session) -> None:
    phone, auth, letter = new_citizen(client, demo_db)
    laptop = new_browser(client)
    assert log_in(laptop, auth).status_code == 200
    assert is_logged_in(phone) and is_logged_in(laptop)
    bystander = new_browser(client)
    bystander.login_as("Annette Nielsen")

    response = phone.post_form("/indstillinger/log-ud-alle-steder", token_from="/indstillinger", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/?logget-ud=1"
    assert not is_logged_in(phone)
    assert not is_logged_in(laptop)
    assert is_logged_in(bystander)  # someone else's session is untouched
    demo_db.expire_all()
    open_sessions = demo_db.scalars(select(LoginSession).where(LoginSession.user_id == letter.user_id, LoginSession.revoked_at.is_(None))).all()
    assert open_sessions == []
    assert last_event(demo_db, "logout_everywhere").detail == {"sessions": 2}


def test_log_out_clears_the_cookie_and_revokes_the_row(client: PortalClient, demo_db: Session, settings: Settings) -> None:
    browser, _, letter = new_citizen(client, demo_db)
    sid = current_session(browser, settings)
    cookie = browser.cookies[SESSION_COOKIE]
    copy = new_browser(client)
    copy.cookies.set(SESSION_COOKIE, cookie)
    assert is_logged_in(copy)  # the cookie alone is the session, until it is revoked
    response = browser.post_form("/log-ud", token_from="/indstillinger", follow_redirects=False)
    assert response.status_code == 303
    cleared = [h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "=")]
    assert cleared and ("max-age=0" in cleared[0].lower() or "expires=thu, 01 jan 1970" in cleared[0].lower())
    demo_db.expire_all()
    assert demo_db.get(LoginSession, sid).revoked_at is not None  # type: ignore[union-attr]
    # The old cookie, replayed in another browser, no longer works.
    replay = new_browser(client)
    replay.cookies.set(SESSION_COOKIE, cookie)
    assert not is_logged_in(replay)
    assert last_event(demo_db, "logout").user_id == letter.user_id


@pytest.mark.parametrize(
    ("created_ago", "seen_ago", "still_in"),
    [
        (dt.timedelta(minutes=31), dt.timedelta(minutes=31), False),
        (dt.timedelta(minutes=29), dt.timedelta(minutes=29), True),
        (dt.timedelta(hours=12, minutes=1), dt.timedelta(seconds=10), False),
        (dt.timedelta(hours=11, minutes=59), dt.timedelta(seconds=10), True),
    ],
    ids=["idle-31-min", "idle-29-min", "absolute-12h01", "absolute-11h59"],
)
def test_session_timeouts(
    client: PortalClient, demo_db: Session, settings: Settings, created_ago: dt.timedelta, seen_ago: dt.timedelta, still_in: bool
) -> None:
    browser, _, _ = new_citizen(client, demo_db)
    sid = current_session(browser, settings)
    row = demo_db.get(LoginSession, sid)
    assert row is not None
    row.created_at = now() - created_ago
    row.last_seen_at = now() - seen_ago
    demo_db.flush()
    response = browser.get("/indstillinger", follow_redirects=False)
    demo_db.expire_all()
    row = demo_db.get(LoginSession, sid)
    assert row is not None
    if still_in:
        assert response.status_code == 200
        assert row.revoked_at is None
    else:
        assert response.status_code == 303
        assert response.headers["location"] == "/?next=/indstillinger"
        assert row.revoked_at is not None
        # Once revoked it stays revoked, even if the clock were turned back.
        row.created_at = row.last_seen_at = now()
        demo_db.flush()
        assert not is_logged_in(browser)


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "form"])
def test_extend_session_moves_last_seen(client: PortalClient, demo_db: Session, settings: Settings, as_json: bool) -> None:
    browser, _, _ = new_citizen(client, demo_db)
    sid = current_session(browser, settings)
    row = demo_db.get(LoginSession, sid)
    assert row is not None
    # Less than a minute back, so an ordinary request would not touch it; only the extension does.
    before = row.last_seen_at = now() - dt.timedelta(seconds=40)
    demo_db.flush()
    if as_json:
        response = post_json(browser, "/session/forlaeng")
        assert response.status_code == 200
        assert response.json() == {"extended": True}
    else:
        response = browser.post_form("/session/forlaeng", {"next": "/min-plan"}, token_from="/gendan", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/min-plan"
    demo_db.expire_all()
    after = demo_db.get(LoginSession, sid)
    assert after is not None and after.last_seen_at > before + dt.timedelta(seconds=30)


@pytest.mark.parametrize("next_", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_extend_session_stays_on_the_site(client: PortalClient, demo_db: Session, next_: str) -> None:
    browser, _, _ = new_citizen(client, demo_db)
    response = browser.post_form("/session/forlaeng", {"next": next_}, token_from="/gendan", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def _cookie_attributes(header: str) -> dict[str, str]:
    parts = [p.strip() for p in header.split(";")]
    return {p.partition("=")[0].lower(): p.partition("=")[2] for p in parts[1:]}


@pytest.mark.parametrize("how", ["activation", "passkey", "recovery-code"])
def test_session_cookie_is_httponly_and_samesite_lax(client: PortalClient, demo_db: Session, how: str) -> None:
    browser, auth, _ = new_citizen(client, demo_db)
    if how == "activation":
        client.login_as("Camilla Brandt")
        response, _ = activate(new_browser(client), issue_citizen_letter(client, demo_db))
    elif how == "passkey":
        log_out(browser)
        response = log_in(browser, auth)
    else:
        codes = make_recovery_codes(browser)
        log_out(browser)
        response = recover(browser, codes[0])
    assert response.status_code in (200, 303)
    (header,) = [h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "=")]
    attributes = _cookie_attributes(header)
    assert "httponly" in attributes
    assert attributes.get("samesite", "").lower() == "lax"
    assert attributes.get("path") == "/"
    assert attributes.get("max-age") == str(12 * 3600)
    assert "domain" not in attributes


def test_csrf_cookie_is_httponly_and_samesite_lax(client: PortalClient) -> None:
    response = new_browser(client).get("/")
    (header,) = [h for h in response.headers.get_list("set-cookie") if h.startswith(CSRF_COOKIE + "=")]
    attributes = _cookie_attributes(header)
    assert "httponly" in attributes
    assert attributes.get("samesite", "").lower() == "lax"


# --- 8. CSRF on the JSON endpoints ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({}, False),
        ({"X-CSRF-Token": "0" * 64}, False),
        ({"Origin": EVIL}, False),
        ({"Origin": "null"}, False),
        ({"Origin": EVIL, "X-CSRF-Token": "<valid>"}, False),
        ({"Sec-Fetch-Site": "cross-site", "X-CSRF-Token": "<valid>"}, False),
        ({"Sec-Fetch-Site": "same-site", "X-CSRF-Token": "<valid>"}, False),
        ({"X-CSRF-Token": "<valid>"}, True),
        ({"Origin": ORIGIN}, True),
        ({"Sec-Fetch-Site": "same-origin"}, True),
    ],
    ids=["no-token", "forged-token", "evil-origin", "null-origin", "evil-origin-with-token", "cross-site-with-token",
         "same-site-with-token", "valid-token", "own-origin", "same-origin-fetch"],
)
@pytest.mark.parametrize("endpoint", ["login-options", "activation-options"])
def test_csrf_on_json_endpoints(client: PortalClient, demo_db: Session, headers: dict[str, str], allowed: bool, endpoint: str) -> None:
    client.login_as("Camilla Brandt")
    letter = issue_citizen_letter(client, demo_db)
    browser = new_browser(client)
    valid = browser.csrf_token("/gendan")
    headers = {k: (valid if v == "<valid>" else v) for k, v in headers.items()}
    path = "/log-ind/valg" if endpoint == "login-options" else letter.path + "/valg"
    challenges_before = count(demo_db, WebAuthnChallenge)
    refusals_before = len(events(demo_db, "csrf_refused"))
    response = browser.post(path, json={}, headers=headers, follow_redirects=False)
    demo_db.expire_all()
    if allowed:
        assert response.status_code == 200
        assert "challenge" in response.json()
        assert count(demo_db, WebAuthnChallenge) == challenges_before + 1
    else:
        assert response.status_code == 403
        assert count(demo_db, WebAuthnChallenge) == challenges_before
        assert len(events(demo_db, "csrf_refused")) == refusals_before + 1


@pytest.mark.parametrize("path", ["/log-ind", "/indstillinger/adgangsnoegler", "/session/forlaeng"])
def test_csrf_on_json_posts_with_a_valid_body(client: PortalClient, demo_db: Session, path: str) -> None:
    browser, auth, letter = new_citizen(client, demo_db)
    body: dict[str, Any] = {}
    if path == "/log-ind":
        body = {"credential": auth.get(login_options(browser), ORIGIN)}
    elif path == "/indstillinger/adgangsnoegler":
        options = post_json(browser, "/indstillinger/adgangsnoegler/valg").json()
        body = {"credential": SoftAuthenticator().create(options, ORIGIN)}
    sessions_before = count(demo_db, LoginSession, user_id=letter.user_id)
    response = browser.post(path, json=body, headers={"Origin": EVIL}, follow_redirects=False)
    assert response.status_code == 403
    assert session_cookie(response) is None
    demo_db.expire_all()
    assert len(passkeys_of(demo_db, letter.user_id)) == 1
    assert count(demo_db, LoginSession, user_id=letter.user_id) == sessions_before


# --- 9. single use under concurrency ---------------------------------------------------------------------
# The second request is run while the first is between its check and its commit: the interleaving two
# requests arriving together get on PostgreSQL (READ COMMITTED) and SQLite alike. "Used once" must be
# decided by one atomic write (UPDATE ... WHERE used_at IS NULL), not by reading and then writing.


def _twin_of(browser: PortalClient) -> PortalClient:
    """The same browser (same CSRF cookie, so the same challenge binding), sending a second request."""
    twin = new_browser(browser)
    twin.cookies.set(CSRF_COOKIE, browser.cookies[CSRF_COOKIE])
    return twin


@pytest.mark.parametrize(
    "authenticator",
    [lambda: SoftAuthenticator(), lambda: SoftAuthenticator(sign_count_step=0, backup_eligible=True, backup_state=True)],
    ids=["counting-passkey", "synced-passkey-without-counter"],
)
def test_one_login_answer_sent_twice_at_once_logs_in_once(
    client: PortalClient, demo_db: Session, monkeypatch: pytest.MonkeyPatch, authenticator: Callable[[], SoftAuthenticator]
) -> None:
    from portal.accounts.passkeys import PasskeyService

    browser, auth, letter = new_citizen(client, demo_db, authenticator())
    log_out(browser)
    twin = _twin_of(browser)
    headers = {"X-CSRF-Token": browser.csrf_token("/gendan")}
    assertion = auth.get(login_options(browser), ORIGIN)
    original = PasskeyService._consume_challenge
    seconds: list[Any] = []

    def consume_then_let_the_twin_in(self: PasskeyService, credential: Any, purpose: str, user: User | None) -> bytes:
        challenge = original(self, credential, purpose, user)
        if not seconds:
            seconds.append(None)
            seconds.append(twin.post("/log-ind", json={"credential": assertion}, headers=headers, follow_redirects=False))
        return challenge

    monkeypatch.setattr(PasskeyService, "_consume_challenge", consume_then_let_the_twin_in)
    first = browser.post("/log-ind", json={"credential": assertion}, headers=headers, follow_redirects=False)
    second = seconds[1]
    assert sorted([first.status_code, second.status_code]) == [200, 400]
    demo_db.expire_all()
    logins = demo_db.scalars(select(LoginSession).where(LoginSession.user_id == letter.user_id, LoginSession.revoked_at.is_(None))).all()
    assert len(logins) == 1


def test_one_recovery_code_used_twice_at_once_logs_in_once(client: PortalClient, demo_db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    from portal.accounts.services import Accounts

    browser, _, letter = new_citizen(client, demo_db)
    code = make_recovery_codes(browser)[0]
    log_out(browser)
    other = new_browser(client)
    other_token = other.csrf_token("/gendan")
    original = Accounts.redeem_recovery_code
    seconds: list[Any] = []

    def redeem_then_let_the_other_in(self: Accounts, code_: str, at: dt.datetime) -> User | None:
        user = original(self, code_, at)
        if not seconds:
            seconds.append(None)
            seconds.append(other.post("/gendan", data={"csrf_token": other_token, "code": code}, follow_redirects=False))
        return user

    monkeypatch.setattr(Accounts, "redeem_recovery_code", redeem_then_let_the_other_in)
    first = recover(browser, code)
    second = seconds[1]
    assert sorted([first.status_code, second.status_code]) == [303, 422]
    demo_db.expire_all()
    logins = demo_db.scalars(select(LoginSession).where(LoginSession.user_id == letter.user_id, LoginSession.revoked_at.is_(None))).all()
    assert len(logins) == 1


def test_one_letter_activated_twice_at_once_makes_one_passkey(
    client: PortalClient, demo_db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.accounts.passkeys import PasskeyService

    client.login_as("Camilla Brandt")
    letter = issue_citizen_letter(client, demo_db)
    first_phone, second_phone = new_browser(client), new_browser(client)
    first_answer = SoftAuthenticator().create(activation_options(first_phone, letter), ORIGIN)
    second_answer = SoftAuthenticator().create(activation_options(second_phone, letter), ORIGIN)
    original = PasskeyService.register
    seconds: list[Any] = []

    def register_then_let_the_other_phone_in(self: PasskeyService, user: User, credential: Any, name: str) -> PasskeyCredential:
        passkey = original(self, user, credential, name)
        if not seconds:
            seconds.append(None)
            seconds.append(post_json(second_phone, letter.path, {"credential": second_answer}))
        return passkey

    monkeypatch.setattr(PasskeyService, "register", register_then_let_the_other_phone_in)
    first = post_json(first_phone, letter.path, {"credential": first_answer})
    second = seconds[1]
    assert sorted([first.status_code, second.status_code]) == [200, 410]
    demo_db.expire_all()
    assert len(passkeys_of(demo_db, letter.user_id)) == 1


def test_a_failed_login_with_a_known_passkey_is_shown_to_its_owner(client: PortalClient, demo_db: Session) -> None:
    browser, auth, letter = new_citizen(client, demo_db)
    log_out(browser)
    response = log_in(browser, auth, override_origin="https://evil.example")
    assert response.status_code == 400
    failure = last_event(demo_db, "login_failed")
    assert failure.user_id == letter.user_id


def test_old_rate_limit_events_and_challenges_are_cleared(client: PortalClient, demo_db: Session) -> None:
    from portal.accounts.models import RateLimitEvent, WebAuthnChallenge

    long_ago = now() - dt.timedelta(days=3)
    demo_db.add(RateLimitEvent(bucket="login", key="203.0.113.9", occurred_at=long_ago))
    demo_db.add(
        WebAuthnChallenge(challenge=b"o" * 32, purpose="login", browser_binding="x", created_at=long_ago, expires_at=long_ago)
    )
    demo_db.flush()
    browser = new_browser(client)
    login_options(browser)
    post_json(browser, "/log-ind", {"credential": {}})
    demo_db.expire_all()
    assert count(demo_db, RateLimitEvent, key="203.0.113.9") == 0
    assert count(demo_db, WebAuthnChallenge, challenge=b"o" * 32) == 0

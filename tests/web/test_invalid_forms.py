"""An invalid form: 422 with the whole page, or for htmx just the form's block; nothing is written.

The whole page carries the DKFDS pattern: "Fejl: " in the title, the error summary above the h1
linking to each field, and each field pointing at its error with aria-describedby.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import ActivationLetter, PasskeyCredential, Person, User
from portal.consent.models import Delegation
from tests.conftest import PortalClient

# (persona, page with the form, fields that fail, the field the summary links to, the block's first tag)
CASES = [
    (None, "/gendan", {"code": "  "}, "code", "form"),
    (None, "/aktiver", {"code": ""}, "code", "form"),
    (None, "/demo", {"user_id": "999999"}, None, "h2"),
    ("Camilla Brandt", "/sag/borgere/ny", {"full_name": "", "first_name": "Bo"}, "full_name", "form"),
    ("Ole Bisgaard", "/admin/medarbejdere/ny", {"full_name": "Bo Ny", "first_name": "Bo", "role": "caseworker", "department_id": ""},
     "department_id", "form"),
    ("Annette Nielsen", "/fuldmagter", {"name": "Karen", "scopes": "read_plan", "expires_on": "i morgen"}, "expires_on", "form"),
]
IDS = ["recover", "activation-code", "demo", "new-citizen", "new-staff", "invite"]


def rows(db: Session) -> tuple[int, ...]:
    db.expire_all()
    return tuple(int(db.scalar(select(func.count()).select_from(model)) or 0) for model in (User, Person, ActivationLetter, Delegation))


def post(client: PortalClient, path: str, fields: dict[str, str], htmx: bool) -> Any:
    token = client.csrf_token(path)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(path, data={"csrf_token": token, **fields}, headers=headers, follow_redirects=False)


@pytest.mark.parametrize(("persona", "path", "fields", "anchor", "first_tag"), CASES, ids=IDS)
def test_htmx_gets_only_the_form_block_and_a_browser_the_whole_page(
    client: PortalClient, demo_db: Session, persona: str | None, path: str, fields: dict[str, str], anchor: str | None, first_tag: str,
) -> None:
    if persona is not None:
        client.login_as(persona)
    before = rows(demo_db)

    fragment = post(client, path, fields, htmx=True)
    assert fragment.status_code == 422
    assert "<html" not in fragment.text and "<title" not in fragment.text and "<h1" not in fragment.text
    soup = BeautifulSoup(fragment.text, "html.parser")
    assert soup.find().name == first_tag
    assert soup.find("form", method="post") is not None
    assert "HX-Request" in fragment.headers["vary"]

    page = post(client, path, fields, htmx=False)
    assert page.status_code == 422
    assert page.text.lstrip().startswith("<!DOCTYPE html>")
    full = BeautifulSoup(page.text, "html.parser")
    assert full.title is not None and full.title.get_text().startswith("Fejl: ")
    summary = full.select_one("main .error-summary-list")
    assert summary is not None
    # The summary comes before the h1 and is focused when the page loads.
    assert summary.find_next("h1") is not None
    assert full.select_one("main [role=alert]")["tabindex"] == "-1"  # type: ignore[index]
    links = [a["href"] for a in summary.select("a")]
    if anchor is None:
        assert links == []  # nothing to go to: the persona buttons are the choice
    else:
        assert links == [f"#{anchor}"]
        field = full.find(id=anchor)
        assert field is not None
        assert f"{anchor}-error" in field["aria-describedby"]  # type: ignore[operator]
        error = full.find(id=f"{anchor}-error")
        assert error is not None and error.get_text().startswith("Fejl: ")
    # The block the htmx request got is the page's own form, errors and all.
    assert str(soup.find("form")) in [str(form) for form in full.find_all("form")]

    assert rows(demo_db) == before


def _passkey_of(db: Session, display_name: str) -> PasskeyCredential:
    user = db.scalars(select(User).where(User.display_name == display_name)).one()
    passkey = PasskeyCredential(user_id=user.id, credential_id=secrets.token_bytes(16), public_key=b"key", name="Min telefon")
    db.add(passkey)
    db.flush()
    return passkey


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "browser"])
def test_settings_answers_htmx_with_the_passkeys_section(client: PortalClient, demo_db: Session, htmx: bool) -> None:
    passkey = _passkey_of(demo_db, "Annette Nielsen")
    client.login_as("Annette Nielsen")
    token = client.csrf_token("/indstillinger")
    headers = {"HX-Request": "true"} if htmx else {}
    renamed = client.post(f"/indstillinger/adgangsnoegler/{passkey.id}/navn", data={"csrf_token": token, "name": " "}, headers=headers)
    removed = client.post(f"/indstillinger/adgangsnoegler/{passkey.id}/slet", data={"csrf_token": token}, headers=headers)
    assert (renamed.status_code, removed.status_code) == (422, 409)
    for response, anchor in ((renamed, f"name-{passkey.id}"), (removed, f"remove-{passkey.id}")):
        soup = BeautifulSoup(response.text, "html.parser")
        assert soup.find(id=anchor) is not None
        if htmx:
            assert "<html" not in response.text
            assert soup.find().name == "section" and soup.find().get("id") == "passkeys"
        else:
            assert [a["href"] for a in soup.select(".error-summary-list a")] == [f"#{anchor}"]
    demo_db.expire_all()
    assert demo_db.get(PasskeyCredential, passkey.id).name == "Min telefon"  # type: ignore[union-attr]

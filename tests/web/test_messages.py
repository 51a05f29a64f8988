"""Messages: the citizen side writes, the contact person answers, both see receipts."""

from __future__ import annotations

from tests.conftest import PortalClient


def test_smoke(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    page = client.get("/beskeder")
    assert page.status_code == 200, page.text
    print(page.text[page.text.find("<main"):])
    client.login_as("Camilla Brandt")
    page = client.get("/sag/beskeder")
    assert page.status_code == 200, page.text
    print(page.text[page.text.find("<main"):])

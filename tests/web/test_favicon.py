"""/favicon.ico: browsers ask for it by themselves, so it answers with the icon, not a 404."""

from __future__ import annotations

import struct

from portal.templating import STATIC_DIR

from tests.conftest import PortalClient


def test_the_favicon_is_an_icon_anyone_may_fetch(client: PortalClient) -> None:
    response = client.get("/favicon.ico", follow_redirects=False)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/vnd.microsoft.icon"
    assert response.content == (STATIC_DIR / "favicon.ico").read_bytes()
    # A real .ico: reserved 0, type 1 (icon), with a 16 and a 32 pixel image.
    reserved, kind, count = struct.unpack("<HHH", response.content[:6])
    assert (reserved, kind, count) == (0, 1, 2)
    sizes = {response.content[6 + 16 * i] for i in range(count)}
    assert sizes == {16, 32}
    # Kept a day, not for ever: the address has no version to change when the icon does.
    assert response.headers["cache-control"] == "public, max-age=86400"
    assert len(response.content) < 2000


def test_the_favicon_is_the_same_logged_in(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    assert client.get("/favicon.ico").status_code == 200
    assert client.head("/favicon.ico").status_code == 200

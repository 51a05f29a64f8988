"""Small pieces of the request plumbing that the web tests pass through without looking at."""

from __future__ import annotations

import pytest
from starlette.requests import Request
from starlette.responses import Response

from portal.security import SessionCookie
from portal.web import client_key, safe_next

from tests.conftest import make_settings


@pytest.mark.parametrize(
    ("origin", "secure"), [("http://localhost:8000", False), ("https://plan.example.dk", True)]
)
def test_logging_out_clears_the_cookie_it_set(origin: str, secure: bool) -> None:
    # A deletion only reaches the browser's cookie if path and flags match the one it replaces.
    response = Response()
    SessionCookie(make_settings(origin=origin)).clear(response)
    header = response.headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in header.split(";")[1:]}
    assert attributes["path"] == "Path=/"
    assert attributes["max-age"] == "Max-Age=0"
    assert attributes["samesite"] == "SameSite=lax"
    assert "httponly" in attributes
    assert ("secure" in attributes) is secure


@pytest.mark.parametrize(
    "target",
    [
        "/a\x7fb",  # DEL
        "/a\x01b",  # a control character
        "/a b",  # a plain space
        "/a\u2028b",  # a line separator: whitespace above 0x20
        "/a\u00a0b",  # a no-break space
    ],
)
def test_a_next_path_with_control_or_space_characters_is_refused(target: str) -> None:
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/min-plan", "/min-plan/uge?uge=2026-03-02", "/sag/plan/7#effort-3", "/a!b~c"])
def test_an_ordinary_local_path_is_kept(target: str) -> None:
    assert safe_next(target, "/home") == target


def _request(client: tuple[str, int] | None) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [], "client": client})


def test_the_client_key_is_the_address_or_unknown() -> None:
    assert client_key(_request(("198.51.100.7", 5000))) == "198.51.100.7"
    assert client_key(_request(None)) == "unknown"

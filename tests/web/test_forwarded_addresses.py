"""Rate limits key on the real client: X-Forwarded-For counts only when a configured proxy sent it.

The server is real (uvicorn on an ephemeral localhost port, with the proxy options that
``portal serve`` passes), because the forwarded header is read by uvicorn, not by the app.
"""

from __future__ import annotations

import http.cookiejar
import itertools
import json
import re
import urllib.error
import urllib.request
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select
from starlette.requests import Request

from portal import cli, migrate
from portal.app import create_app
from portal.audit.models import SecurityEvent
from portal.db import Database, build_engine
from portal.ratelimit import LOGIN
from portal.settings import Settings, SettingsError
from portal.web import client_key

from tests.conftest import make_settings


def serve_options(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The proxy options `portal serve` hands to uvicorn for these settings."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    assert cli.serve(settings, "127.0.0.1", 8000, 1) == 0
    return {"proxy_headers": seen["proxy_headers"], "forwarded_allow_ips": seen["forwarded_allow_ips"]}


@contextmanager
def running_portal(tmp_path: Path, trusted_proxies: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Browser, Database]]:
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    engine = build_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    settings = make_settings(database_url=url, origin=f"http://127.0.0.1:{port}", trusted_proxies=trusted_proxies)
    database = Database.from_url(url)
    config = uvicorn.Config(
        create_app(settings, database=database), log_level="warning", lifespan="off", **serve_options(settings, monkeypatch)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            time.sleep(0.01)
        assert server.started, "uvicorn did not start"
        yield Browser(f"http://127.0.0.1:{port}"), database
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
        database.dispose()


class Browser:
    """A plain HTTP client with cookies, talking to the real server."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token: str | None = None

    def request(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers or {})
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def attempt_login(browser: Browser, forwarded_for: str) -> int:
    """A passkey login with an empty answer: counted by the limit, then refused (400) or limited (429)."""
    if browser.token is None:
        match = re.search(r'name="csrf_token" value="([^"]+)"', browser.request("/gendan")[1])
        assert match, "no CSRF token on /gendan"
        browser.token = match.group(1)
    status, _ = browser.request(
        "/log-ind", {"credential": {}}, headers={"X-CSRF-Token": browser.token, "X-Forwarded-For": forwarded_for}
    )
    return status


def logged_addresses(database: Database) -> list[str | None]:
    with database.session() as db:
        return list(db.scalars(select(SecurityEvent.client_address).where(SecurityEvent.kind.in_(("login_failed", "login_rate_limited"))).order_by(SecurityEvent.id)))


_octets = itertools.count(1)


def rotating() -> str:
    return f"203.0.113.{next(_octets) % 250 + 1}"


def test_a_forged_forwarded_for_from_an_untrusted_peer_does_not_dodge_the_login_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_portal(tmp_path, (), monkeypatch) as (http, database):
        statuses = [attempt_login(http, rotating()) for _ in range(LOGIN.max_attempts + 1)]
        assert statuses == [400] * LOGIN.max_attempts + [429]
        # The log names the peer, not the address it claimed.
        assert set(logged_addresses(database)) == {"127.0.0.1"}


def test_a_configured_proxy_names_the_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with running_portal(tmp_path, ("127.0.0.1",), monkeypatch) as (http, database):
        # Each client behind the proxy has its own count ...
        assert [attempt_login(http, f"198.51.100.{n}") for n in range(1, 26)] == [400] * 25
        assert logged_addresses(database) == [f"198.51.100.{n}" for n in range(1, 26)]
        # ... and one client still runs out of attempts.
        statuses = [attempt_login(http, "192.0.2.44") for _ in range(LOGIN.max_attempts + 1)]
        assert statuses == [400] * LOGIN.max_attempts + [429]


def test_behind_a_proxy_a_client_cannot_choose_its_address_by_adding_its_own_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The proxy appends the address it saw to whatever the client sent; only that last entry counts.
    with running_portal(tmp_path, ("127.0.0.0/8",), monkeypatch) as (http, database):
        statuses = [attempt_login(http, f"{rotating()}, 192.0.2.45") for _ in range(LOGIN.max_attempts + 1)]
        assert statuses == [400] * LOGIN.max_attempts + [429]
        assert set(logged_addresses(database)) == {"192.0.2.45"}


def test_serve_trusts_no_proxy_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    assert serve_options(make_settings(), monkeypatch) == {"proxy_headers": False, "forwarded_allow_ips": []}
    told = make_settings(trusted_proxies=("10.0.0.5", "10.1.0.0/16"))
    assert serve_options(told, monkeypatch) == {"proxy_headers": True, "forwarded_allow_ips": ["10.0.0.5", "10.1.0.0/16"]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ()),
        ("10.0.0.5", ("10.0.0.5",)),
        (" 10.0.0.5 , 10.1.0.0/16,,2001:db8::/32 ", ("10.0.0.5", "10.1.0.0/16", "2001:db8::/32")),
    ],
)
def test_trusted_proxies_setting(value: str, expected: tuple[str, ...]) -> None:
    assert Settings.from_env({"PORTAL_ENV": "demo", "PORTAL_TRUSTED_PROXIES": value}).trusted_proxies == expected


@pytest.mark.parametrize("value", ["proxy.example.dk", "10.0.0.300", "10.0.0.0/33", "*"])
def test_a_bad_trusted_proxy_is_a_one_line_error(value: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"PORTAL_ENV": "demo", "PORTAL_TRUSTED_PROXIES": f"10.0.0.5,{value}"})
    message = str(error.value)
    assert "PORTAL_TRUSTED_PROXIES" in message and repr(value) in message and "\n" not in message


def _request_from(host: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [], "client": (host, 50000)})


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        # One IPv6 machine holds a whole /64: every address in it is one client.
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb:cccc:dddd:eeee", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("testclient", "testclient"),
    ],
)
def test_client_key(host: str, key: str) -> None:
    assert client_key(_request_from(host)) == key

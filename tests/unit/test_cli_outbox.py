"""`portal outbox`, and `portal serve --catch-mail`: the demo's mail caught and listed at /demo/post."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from portal.settings import Settings, SettingsError, parse_smtp_url
from tests.support.portal_process import request, run_portal, serving_demo


def test_the_outbox_without_a_mail_server_sends_nothing_and_says_so(tmp_path: Path) -> None:
    env = {"PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'o.sqlite3'}", "PORTAL_SECRET_KEY": "k" * 40, "PORTAL_ENV": "demo"}
    assert run_portal("migrate", env=env).returncode == 0
    result = run_portal("outbox", "--once", env=env)
    assert result.returncode == 0, result.stderr
    assert "portal: outbox sent 0, failed 0, dropped 0" in result.stdout
    assert "PORTAL_SMTP_URL is not set" in result.stderr


def test_the_outbox_needs_a_migrated_database(tmp_path: Path) -> None:
    env = {"PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "PORTAL_SECRET_KEY": "k" * 40, "PORTAL_ENV": "demo"}
    result = run_portal("outbox", "--once", env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == "portal: the database has no schema yet: run `portal migrate` first"


def test_catching_mail_is_for_the_demo_only() -> None:
    env = {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "k" * 40, "PORTAL_ORIGIN": "https://plan.example.dk"}
    result = run_portal("serve", "--catch-mail", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == "portal: --catch-mail is for the demo only (PORTAL_ENV=demo)"


@pytest.mark.parametrize(
    ("url", "host", "port", "tls", "starttls", "user"),
    [
        ("smtp://mail.example.dk", "mail.example.dk", 25, False, False, None),
        ("smtp://mail.example.dk:587?starttls=1", "mail.example.dk", 587, False, True, None),
        ("smtps://us%40er:p%3Ass@mail.example.dk", "mail.example.dk", 465, True, False, "us@er"),
    ],
)
def test_smtp_urls(url: str, host: str, port: int, tls: bool, starttls: bool, user: str | None) -> None:
    server = parse_smtp_url(url)
    assert (server.host, server.port, server.use_tls, server.start_tls, server.username) == (host, port, tls, starttls, user)
    assert "p:ss" not in repr(server)


@pytest.mark.parametrize("url", ["http://mail.example.dk", "smtp://", "smtp://mail.example.dk:notaport", "smtp://h/path", "mail.example.dk"])
def test_a_bad_smtp_url_is_one_clear_line(url: str) -> None:
    with pytest.raises(SettingsError, match="PORTAL_SMTP_URL must look like"):
        Settings.from_env({"PORTAL_ENV": "demo", "PORTAL_SMTP_URL": url})


def test_without_a_smtp_url_nothing_is_sent() -> None:
    settings = Settings.from_env({"PORTAL_ENV": "demo"})
    assert settings.smtp_url is None
    assert "secret" not in repr(Settings.from_env({"PORTAL_ENV": "demo", "PORTAL_SMTP_URL": "smtp://u:secret@h"}))


def _cookies(headers: dict[str, list[str]], jar: dict[str, str]) -> str:
    for cookie in headers.get("set-cookie", []):
        name, _, rest = cookie.split(";", 1)[0].partition("=")
        jar[name] = rest
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def test_serve_catches_the_demos_mail_and_lists_it(tmp_path: Path) -> None:
    env = {
        "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}", "PORTAL_SECRET_KEY": "k" * 40,
        "PORTAL_ENV": "demo", "PYTHONIOENCODING": "utf-8", "PORTAL_DEMO_MAIL_DIR": str(tmp_path / "mail"),
    }
    jar: dict[str, str] = {}
    with serving_demo(env, "--catch-mail") as served:
        port = served.port
        origin = {"Origin": f"http://localhost:{port}", "Content-Type": "application/x-www-form-urlencoded"}
        status, headers, page = request(port, "GET", "/demo")
        cookie = _cookies(headers, jar)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        annette = re.search(r'name="user_id" value="(\d+)">\s*<button[^>]*>[^<]*Annette Nielsen<', page)
        assert csrf and annette
        status, headers, _ = request(port, "POST", "/demo", urlencode({"csrf_token": csrf.group(1), "user_id": annette.group(1)}),
                                     {**origin, "Cookie": cookie})
        assert status == 303
        cookie = _cookies(headers, jar)
        status, headers, page = request(port, "GET", "/indstillinger", headers={"Cookie": cookie})
        cookie = _cookies(headers, jar)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert status == 200 and csrf
        form = urlencode({"csrf_token": csrf.group(1), "email": "annette@example.dk", "kinds": "delegation"})
        assert request(port, "POST", "/indstillinger/notifikationer", form, {**origin, "Cookie": cookie})[0] == 303
        expires = (dt.date.today() + dt.timedelta(days=30)).isoformat()
        form = urlencode({"csrf_token": csrf.group(1), "name": "Kim Hemmeligsen", "scopes": "read_plan", "expires_on": expires})
        assert request(port, "POST", "/fuldmagter", form, {**origin, "Cookie": cookie})[0] == 200
        deadline = time.monotonic() + 30
        while True:
            status, _, page = request(port, "GET", "/demo/post")
            if "Der er nyt om dine fuldmagter" in page:
                break
            assert time.monotonic() < deadline, "the mail was not caught"
            time.sleep(0.3)
        assert "annette@example.dk" in page and f"http://localhost:{port}/fuldmagter" in page
        assert "Hemmeligsen" not in page
    out = served.out
    assert "catching mail on smtp://127.0.0.1:" in out

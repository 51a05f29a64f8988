from __future__ import annotations

import pytest

from portal.settings import Settings, SettingsError

GOOD_SECRET = "s" * 40
PRODUCTION = {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": GOOD_SECRET, "PORTAL_ORIGIN": "https://plan.example.dk"}


@pytest.mark.parametrize(
    ("environ", "fragment"),
    [
        pytest.param({"PORTAL_ENV": "staging"}, "PORTAL_ENV must be one of", id="unknown-env"),
        pytest.param({"PORTAL_ENV": "production"}, "PORTAL_SECRET_KEY must be set", id="prod-no-secret"),
        pytest.param({"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "short"}, "at least 32", id="prod-short-secret"),
        pytest.param({"PORTAL_ENV": "demo", "PORTAL_DATABASE_URL": "not a url"}, "not a database URL", id="garbage-url"),
        pytest.param({"PORTAL_ENV": "demo", "PORTAL_DATABASE_URL": "mysql://x@h/db"}, "must start with sqlite", id="unsupported-engine"),
        pytest.param({"PORTAL_ENV": "demo", "PORTAL_DATABASE_URL": "postgresql+psycopg://u@h"}, "names no database", id="pg-no-db"),
        pytest.param({"PORTAL_ENV": "demo", "PORTAL_ORIGIN": "localhost:8000"}, "PORTAL_ORIGIN must look like", id="origin-no-scheme"),
        pytest.param({"PORTAL_ENV": "demo", "PORTAL_ORIGIN": "http://x.dk/sub"}, "PORTAL_ORIGIN must look like", id="origin-with-path"),
        pytest.param(
            {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": GOOD_SECRET, "PORTAL_ORIGIN": "http://plan.example.dk"},
            "must use https",
            id="prod-plain-http",
        ),
        # Cookies over http travel in clear on any network, localhost's name is no exception.
        pytest.param({**PRODUCTION, "PORTAL_ORIGIN": "http://localhost:8000"}, "must use https", id="prod-http-localhost"),
        pytest.param({**PRODUCTION, "PORTAL_ORIGIN": "http://127.0.0.1:8000"}, "must use https", id="prod-http-loopback"),
        pytest.param({**PRODUCTION, "PORTAL_ORIGIN": ""}, "PORTAL_ORIGIN must be set", id="prod-no-origin"),
        # Nothing set is production, and the message says what to set.
        pytest.param({}, "PORTAL_ENV is not set", id="nothing-set"),
        pytest.param({"PORTAL_SECRET_KEY": GOOD_SECRET}, "PORTAL_ENV=demo for the demo", id="only-a-secret"),
        pytest.param(
            {"PORTAL_SECRET_KEY": GOOD_SECRET, "PORTAL_ORIGIN": "http://localhost:8000"},
            "must use https when PORTAL_ENV=production (PORTAL_ENV is not set",
            id="no-env-http-origin",
        ),
    ],
)
def test_bad_settings_are_refused_with_one_line(environ: dict[str, str], fragment: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(environ)
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message


def test_nothing_set_names_every_setting_production_needs() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({})
    for needed in ("PORTAL_SECRET_KEY", "https PORTAL_ORIGIN", "PORTAL_ENV=demo"):
        assert needed in str(caught.value)


def test_without_portal_env_the_portal_is_production() -> None:
    settings = Settings.from_env({k: v for k, v in PRODUCTION.items() if k != "PORTAL_ENV"})
    assert settings.is_production
    assert not settings.demo_enabled
    # The dataclass's own default is just as safe, for code that builds settings by hand.
    assert not Settings().demo_enabled


def test_demo_defaults_are_safe_and_complete() -> None:
    settings = Settings.from_env({"PORTAL_ENV": "demo"})
    assert settings.env == "demo"
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("var/portal.sqlite3")
    assert settings.origin == "http://localhost:8000"
    assert settings.rp_id == "localhost"
    assert len(settings.secret_key) >= 32
    assert settings.demo_enabled


def test_demo_origin_follows_the_port() -> None:
    assert Settings.from_env({"PORTAL_ENV": "demo"}, port=18100).origin == "http://localhost:18100"
    # A chosen origin wins: behind a proxy the public address is not the local port.
    chosen = Settings.from_env({"PORTAL_ENV": "demo", "PORTAL_ORIGIN": "http://localhost:9000"}, port=18100)
    assert chosen.origin == "http://localhost:9000"


def test_production_takes_https_even_on_localhost() -> None:
    settings = Settings.from_env({**PRODUCTION, "PORTAL_ORIGIN": "https://localhost:8443"}, port=18100)
    assert settings.origin == "https://localhost:8443"
    assert settings.secure_cookies


def test_production_never_enables_the_demo() -> None:
    settings = Settings.from_env(PRODUCTION)
    assert not settings.demo_enabled
    assert settings.secure_cookies
    assert settings.rp_id == "plan.example.dk"


def test_secret_key_is_not_shown_in_repr() -> None:
    settings = Settings.from_env(PRODUCTION)
    assert GOOD_SECRET not in repr(settings)

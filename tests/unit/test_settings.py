from __future__ import annotations

import pytest

from portal.settings import Settings, SettingsError

GOOD_SECRET = "s" * 40


@pytest.mark.parametrize(
    ("environ", "fragment"),
    [
        pytest.param({"PORTAL_ENV": "staging"}, "PORTAL_ENV must be one of", id="unknown-env"),
        pytest.param({"PORTAL_ENV": "production"}, "PORTAL_SECRET_KEY must be set", id="prod-no-secret"),
        pytest.param({"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "short"}, "at least 32", id="prod-short-secret"),
        pytest.param({"PORTAL_DATABASE_URL": "not a url"}, "not a database URL", id="garbage-url"),
        pytest.param({"PORTAL_DATABASE_URL": "mysql://x@h/db"}, "must start with sqlite", id="unsupported-engine"),
        pytest.param({"PORTAL_DATABASE_URL": "postgresql+psycopg://u@h"}, "names no database", id="pg-no-db"),
        pytest.param({"PORTAL_ORIGIN": "localhost:8000"}, "PORTAL_ORIGIN must look like", id="origin-no-scheme"),
        pytest.param({"PORTAL_ORIGIN": "http://x.dk/sub"}, "PORTAL_ORIGIN must look like", id="origin-with-path"),
        pytest.param(
            {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": GOOD_SECRET, "PORTAL_ORIGIN": "http://plan.example.dk"},
            "must use https",
            id="prod-plain-http",
        ),
    ],
)
def test_bad_settings_are_refused_with_one_line(environ: dict[str, str], fragment: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(environ)
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message


def test_demo_defaults_are_safe_and_complete() -> None:
    settings = Settings.from_env({})
    assert settings.env == "demo"
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("var/portal.sqlite3")
    assert settings.origin == "http://localhost:8000"
    assert settings.rp_id == "localhost"
    assert len(settings.secret_key) >= 32
    assert settings.demo_enabled


def test_production_never_enables_the_demo() -> None:
    settings = Settings.from_env(
        {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": GOOD_SECRET, "PORTAL_ORIGIN": "https://plan.example.dk"}
    )
    assert not settings.demo_enabled
    assert settings.secure_cookies
    assert settings.rp_id == "plan.example.dk"


def test_secret_key_is_not_shown_in_repr() -> None:
    settings = Settings.from_env({"PORTAL_SECRET_KEY": GOOD_SECRET})
    assert GOOD_SECRET not in repr(settings)

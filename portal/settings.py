"""Settings from ``PORTAL_*`` environment variables, validated once at start-up."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "portal.sqlite3"
ENVIRONMENTS = ("demo", "test", "production")
SUPPORTED_DRIVERS = ("sqlite", "postgresql", "postgresql+psycopg")
DEFAULT_PORT = 8000


class SettingsError(ValueError):
    """A setting is wrong; the message is one line meant for the operator."""


@dataclass(frozen=True)
class Settings:
    # Safe unless told otherwise: the demo lets anyone in as anyone, so it must be asked for.
    env: str = "production"
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    origin: str = "http://localhost:8000"
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    # Reverse proxies whose X-Forwarded-For is believed; anyone else could forge it.
    trusted_proxies: tuple[str, ...] = ()
    # Where notification mail goes (smtp://host:port, smtps://user:password@host:465,
    # smtp://host:587?starttls=1). None: nothing is sent, and the outbox keeps every message.
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = ""
    smtp_timeout_seconds: float = 10.0
    # The demo's mail catcher writes what it catches here, and /demo/post lists it.
    demo_mail_dir: Path = PROJECT_ROOT / "var" / "demo-mail"

    @property
    def sender_address(self) -> str:
        return self.mail_from or f"Én plan <noreply@{self.rp_id}>"

    @property
    def demo_enabled(self) -> bool:
        # The persona switcher must never exist in production, whatever else is set.
        return self.env == "demo"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def rp_id(self) -> str:
        return urlsplit(self.origin).hostname or "localhost"

    @property
    def secure_cookies(self) -> bool:
        return urlsplit(self.origin).scheme == "https"

    @classmethod
    def from_env(cls, environ: Mapping[str, str], port: int = DEFAULT_PORT) -> "Settings":
        """``port`` is where the portal will listen: outside production the origin follows it."""
        env_given = environ.get("PORTAL_ENV", "").strip()
        env = env_given or "production"

        def in_production(problem: str) -> str:
            # Someone who set nothing should learn why production applies and how to get the demo.
            hint = "" if env_given else " (PORTAL_ENV is not set, so production applies; PORTAL_ENV=demo is the demo)"
            return f"{problem} when PORTAL_ENV=production{hint}"

        secret_key = environ.get("PORTAL_SECRET_KEY", "").strip()
        given_origin = environ.get("PORTAL_ORIGIN", "").strip()
        if not env_given and not (secret_key and given_origin):
            raise SettingsError(
                "PORTAL_ENV is not set, so the portal runs in production and needs PORTAL_SECRET_KEY "
                "(32+ characters) and an https PORTAL_ORIGIN; set PORTAL_ENV=demo for the demo"
            )

        if env not in ENVIRONMENTS:
            raise SettingsError(
                f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}"
            )
        database_url = environ.get("PORTAL_DATABASE_URL", "").strip() or cls.database_url
        validate_database_url(database_url)

        if env == "production":
            if not secret_key:
                raise SettingsError(in_production("PORTAL_SECRET_KEY must be set"))
            if len(secret_key) < 32:
                raise SettingsError(in_production("PORTAL_SECRET_KEY must be at least 32 characters long"))
        if not secret_key:
            secret_key = local_secret_key()

        if env == "production" and not given_origin:
            raise SettingsError(in_production("PORTAL_ORIGIN must be set to the portal's https address"))
        origin = (given_origin or f"http://localhost:{port}").rstrip("/")
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
            raise SettingsError(
                f"PORTAL_ORIGIN must look like https://plan.example.dk, not {origin!r}"
            )
        # No exception for localhost: a production portal on http would send its cookies in clear.
        if env == "production" and parts.scheme != "https":
            raise SettingsError(in_production("PORTAL_ORIGIN must use https"))

        trusted_proxies = parse_trusted_proxies(environ.get("PORTAL_TRUSTED_PROXIES", ""))
        smtp_url = environ.get("PORTAL_SMTP_URL", "").strip() or None
        if smtp_url is not None:
            parse_smtp_url(smtp_url)
        mail_from = environ.get("PORTAL_MAIL_FROM", "").strip()
        if mail_from and ("@" not in mail_from or any(ch in mail_from for ch in "\r\n")):
            raise SettingsError(f"PORTAL_MAIL_FROM must be an address such as Én plan <noreply@plan.example.dk>, not {mail_from!r}")

        demo_mail_dir = environ.get("PORTAL_DEMO_MAIL_DIR", "").strip()

        return cls(
            env=env, database_url=database_url, secret_key=secret_key, origin=origin, trusted_proxies=trusted_proxies,
            smtp_url=smtp_url, mail_from=mail_from, demo_mail_dir=Path(demo_mail_dir) if demo_mail_dir else cls.demo_mail_dir,
        )


def parse_trusted_proxies(value: str) -> tuple[str, ...]:
    """Comma-separated IP addresses and networks; empty means no proxy is trusted."""
    proxies: list[str] = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            proxies.append(str(ipaddress.ip_network(item, strict=False) if "/" in item else ipaddress.ip_address(item)))
        except ValueError:
            raise SettingsError(
                f"PORTAL_TRUSTED_PROXIES must list IP addresses or networks such as 10.0.0.5 or 10.0.0.0/24, not {item!r}"
            ) from None
    return tuple(proxies)


def local_secret_key(path: Path = PROJECT_ROOT / "var" / "secret_key") -> str:
    """Outside production: a key kept under var/, so every worker and restart shares it."""
    try:
        key = path.read_text().strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


def validate_database_url(url: str) -> None:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SettingsError(f"PORTAL_DATABASE_URL is not a database URL: {url!r}") from None
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise SettingsError(
            "PORTAL_DATABASE_URL must start with sqlite:/// or postgresql+psycopg://, "
            f"not {parsed.drivername}://"
        )
    if parsed.drivername.startswith("postgresql") and not parsed.database:
        raise SettingsError("PORTAL_DATABASE_URL names no database")


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    use_tls: bool
    start_tls: bool
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)


def parse_smtp_url(url: str) -> SmtpServer:
    """smtp://host[:port] (25), smtps://host[:port] (465, TLS from the start); ``?starttls=1``
    upgrades a plain connection; user and password go before the host, %-encoded."""
    from urllib.parse import parse_qs, unquote

    problem = SettingsError("PORTAL_SMTP_URL must look like smtp://mail.example.dk:587?starttls=1 or smtps://user:password@mail.example.dk")
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname or parts.path not in ("", "/"):
        raise problem
    try:
        port = parts.port
    except ValueError:
        raise problem from None
    query = parse_qs(parts.query)
    start_tls = query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes")
    use_tls = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname, port=port or (465 if use_tls else 25), use_tls=use_tls, start_tls=start_tls and not use_tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )

"""``portal``: serve, migrate and load demo data. Errors are one line, never a traceback."""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from portal.settings import DEFAULT_PORT, Settings, SettingsError

if TYPE_CHECKING:
    from portal.db import Database

EXIT_BAD_SETTING = 2
EXIT_FAILURE = 1


def _fail(message: str, code: int) -> int:
    print(f"portal: {message}", file=sys.stderr)
    return code


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be between 1 and 65535, not {port}")
    return port


def _workers(value: str) -> int:
    try:
        workers = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 1 <= workers <= 64:
        raise argparse.ArgumentTypeError(f"workers must be between 1 and 64, not {workers}")
    return workers


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portal",
        description="Én plan: the citizen portal. Settings come from PORTAL_* environment variables.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the portal over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help="port to listen on (default 8000)")
    serve.add_argument("--workers", type=_workers, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--catch-mail", action="store_true",
        help="demo only: catch the portal's mail on a local SMTP server and list it at /demo/post",
    )
    serve.add_argument(
        "--no-outbox", action="store_true", help="do not start the outbox sender (when `portal outbox` runs elsewhere)",
    )

    outbox = commands.add_parser(
        "outbox", help="deliver notifications from the outbox to PORTAL_SMTP_URL (runs until stopped)"
    )
    outbox.add_argument("--once", action="store_true", help="one round, then exit")

    commands.add_parser("migrate", help="bring the database schema up to date")
    demo = commands.add_parser("demo", help="load the demo data (a second run changes nothing)")
    demo.add_argument(
        "--port", type=_port, default=DEFAULT_PORT,
        help="the port `portal serve` will use, for the address printed (default 8000)",
    )

    admin = commands.add_parser(
        "create-admin", help="create a municipal admin and print their activation link and code"
    )
    admin.add_argument("--name", required=True, help="the admin's full name")
    admin.add_argument("--municipality", required=True, help="the municipality's 3-digit code, e.g. 183")
    return parser


def app_factory() -> object:
    """Entry point for uvicorn workers, which build the app in each process."""
    from portal.app import create_app

    return create_app(Settings.from_env(os.environ))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        # Without PORTAL_ORIGIN the demo's origin is http://localhost:<port>, so browsers' Origin matches it.
        settings = Settings.from_env(os.environ, port=getattr(args, "port", DEFAULT_PORT))
    except SettingsError as error:
        return _fail(str(error), EXIT_BAD_SETTING)
    try:
        if args.command == "migrate":
            return migrate(settings)
        if args.command == "demo":
            return demo(settings)
        if args.command == "create-admin":
            return create_admin(settings, args.name, args.municipality)
        if args.command == "outbox":
            return outbox(settings, args.once)
        if args.command == "serve":
            return serve(settings, args.host, args.port, args.workers, catch_mail=args.catch_mail, with_outbox=not args.no_outbox)
    except NoSchema:
        return _fail("the database has no schema yet: run `portal migrate` first", EXIT_FAILURE)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return _fail(f"the database cannot be used: {reason}", EXIT_FAILURE)
    raise AssertionError(args.command)


def migrate(settings: Settings) -> int:
    from portal import migrate as migrations
    from portal.db import build_engine

    engine = build_engine(settings.database_url)
    try:
        migrations.upgrade(engine)
        print(f"portal: database at revision {migrations.current_revision(engine)}")
    finally:
        engine.dispose()
    return 0


class NoSchema(Exception):
    pass


def _migrated_database(settings: Settings) -> "Database":
    from portal import migrate as migrations
    from portal.db import Database

    database = Database.from_url(settings.database_url)
    if migrations.current_revision(database.engine) is None:
        database.dispose()
        raise NoSchema()
    return database


def demo(settings: Settings) -> int:
    if settings.is_production:
        return _fail("demo data cannot be loaded when PORTAL_ENV=production", EXIT_BAD_SETTING)
    from portal.accounts.services import Accounts
    from portal.demo import DemoDataError, load_demo

    database = _migrated_database(settings)
    try:
        with database.session() as db:
            summary = load_demo(db, dt.date.today())
            print("portal: demo data loaded" if summary.created else "portal: demo data already there; nothing changed")
            print(f"portal: open {settings.origin}/demo and enter as one of these people:")
            for user in Accounts(db, settings.secret_key).demo_personas():
                where = user.department.name if user.department else (user.municipality.name if user.municipality else "")
                print(f"  - {user.display_name} ({user.role}{', ' + where if where else ''})")
    except DemoDataError as error:
        # A broken data file is a setting to fix, like a bad environment variable: its message names the file and key.
        return _fail(f"the demo data cannot be loaded: {error}", EXIT_BAD_SETTING)
    finally:
        database.dispose()
    return 0


def create_admin(settings: Settings, name: str, municipality_code: str) -> int:
    from sqlalchemy import select

    from portal.accounts.models import Municipality, User
    from portal.accounts.proofing import ActivationLetters, new_user_handle
    from portal.db import utcnow

    name = name.strip()
    if not 1 <= len(name) <= 200:
        return _fail("--name must be 1 to 200 characters", EXIT_BAD_SETTING)
    database = _migrated_database(settings)
    try:
        with database.session() as db:
            municipality = db.scalars(select(Municipality).where(Municipality.code == municipality_code.strip())).one_or_none()
            if municipality is None:
                return _fail(f"no municipality with code {municipality_code!r} in the database", EXIT_BAD_SETTING)
            admin = User(
                role="admin", display_name=name, municipality_id=municipality.id,
                webauthn_user_handle=new_user_handle(), is_active=False,
            )
            db.add(admin)
            db.flush()
            issued = ActivationLetters(db, settings.secret_key, settings.origin).issue(admin, None, utcnow())
            print(f"portal: admin {name} created for {municipality.name}")
            print(f"portal: activation link (valid until {issued.letter.expires_at:%Y-%m-%d}, single use): {issued.link}")
            print(f"portal: or go to {settings.origin}/aktiver and type the code {issued.short_code}")
    finally:
        database.dispose()
    return 0


def outbox(settings: Settings, once: bool) -> int:
    import asyncio
    import logging
    import signal

    from portal.notifications.sender import build_sender

    # The sender's own lines only: what it sent and why something failed.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("portal: %(message)s"))
    outbox_log = logging.getLogger("portal.outbox")
    outbox_log.addHandler(handler)
    outbox_log.setLevel(logging.INFO)
    database = _migrated_database(settings)
    sender = build_sender(settings, database)
    if not settings.smtp_url:
        print("portal: PORTAL_SMTP_URL is not set: nothing is sent, every message is kept", file=sys.stderr)
    try:
        if once:
            sender.daily(sender.clock())
            result = asyncio.run(sender.run_once())
            print(f"portal: outbox sent {result.sent}, failed {result.failed}, dropped {result.dropped}")
            return 0

        async def run() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            parent = os.environ.get(OUTBOX_PARENT_ENV, "")
            if parent.isdigit():
                # Started by `portal serve`: go when it goes, however it ended.
                async def watch_parent() -> None:
                    while not stop.is_set():
                        if os.getppid() != int(parent):
                            stop.set()
                        await asyncio.sleep(1)

                watcher = asyncio.create_task(watch_parent())
            print("portal: outbox sender running", flush=True)
            await sender.run(stop)
            if parent.isdigit():
                await watcher

        asyncio.run(run())
    finally:
        database.dispose()
    return 0


OUTBOX_PARENT_ENV = "PORTAL_OUTBOX_PARENT_PID"


def serve(settings: Settings, host: str, port: int, workers: int, *, catch_mail: bool = False, with_outbox: bool = True) -> int:
    import signal
    import subprocess

    import uvicorn

    if catch_mail and not settings.demo_enabled:
        return _fail("--catch-mail is for the demo only (PORTAL_ENV=demo)", EXIT_BAD_SETTING)
    # Every worker builds its own settings from the environment, so they must see the same origin.
    if not os.environ.get("PORTAL_ORIGIN", "").strip():
        os.environ["PORTAL_ORIGIN"] = settings.origin
    catcher = None
    if catch_mail:
        from portal.notifications.catcher import MailCatcher

        catcher = MailCatcher(maildir=settings.demo_mail_dir).start()
        os.environ["PORTAL_SMTP_URL"] = catcher.url
        print(f"portal: catching mail on {catcher.url}; see {settings.origin}/demo/post")
    # One sender beside the workers, however many there are: a process of its own.
    sender = (
        subprocess.Popen([sys.executable, "-m", "portal", "outbox"], env={**os.environ, OUTBOX_PARENT_ENV: str(os.getpid())})
        if with_outbox else None
    )
    # uvicorn ends by raising the signal that stopped it again; as an exit, the clean-up below runs.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"portal: serving {settings.origin} ({settings.env}) on {host}:{port} with {workers} worker(s)")
    if settings.demo_enabled:
        print(f"portal: open {settings.origin}/demo and choose a demo person")
    try:
        _run_uvicorn(uvicorn, settings, host, port, workers)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if sender is not None:
            sender.terminate()
            try:
                sender.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sender.kill()
        if catcher is not None:
            catcher.stop()
    return 0


def _run_uvicorn(uvicorn: Any, settings: Settings, host: str, port: int, workers: int) -> None:
    uvicorn.run(
        "portal.cli:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # Only a configured proxy may name the client: uvicorn would otherwise believe
        # X-Forwarded-For from any local process, and rate limits key on the address.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies),
        log_level="info",
        log_config=access_log_config(),
    )


def access_log_config() -> dict[str, Any]:
    """uvicorn's logging, with activation and invitation tokens cut out of logged paths."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_tokens"] = {"()": "portal.logredact.RedactTokens"}
    config["loggers"]["uvicorn.access"].setdefault("filters", []).append("redact_tokens")
    return config


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

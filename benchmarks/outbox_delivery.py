"""The outbox under a mail server that stops and comes back: delivered, duplicates, lost, time to drain.

A fresh database (a temporary SQLite file; with --engine postgresql or both also a fresh
PostgreSQL schema, dropped at the end) gets N notifications for one citizen. A real SMTP
server (aiosmtpd on 127.0.0.1, an ephemeral port) catches mail; the sender (``Sender.run``,
as ``portal outbox`` runs it; on PostgreSQL two of them side by side) delivers. After a third
of the mail has arrived the SMTP server is stopped mid-batch, kept down for --down seconds,
and started again on the same port. The benchmark waits until no row is pending (at most
--timeout seconds) and counts what the server received by Message-ID (one per outbox row).

The back-off here is short (first retry after 0.2 s, at most 2 s) so that the run is short;
the portal's default is 30 s doubling up to an hour.

Run: .venv/bin/python benchmarks/outbox_delivery.py [--engine sqlite|postgresql|both] [--count 500] [--down 3]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def run(engine_kind: str, count: int, down_seconds: float, timeout: float, senders: int) -> dict[str, object]:
    from sqlalchemy import func, select, text

    from portal import migrate
    from portal.accounts.models import Person, User
    from portal.db import Database, build_engine
    from portal.notifications.catcher import MailCatcher
    from portal.notifications.channels import EmailChannel
    from portal.notifications.models import NotificationSettings, OutboxMessage
    from portal.notifications.outbox import Outbox
    from portal.notifications.sender import Backoff, Sender
    from portal.settings import parse_smtp_url

    schema = None
    tmp = tempfile.TemporaryDirectory()
    if engine_kind == "sqlite":
        engine = build_engine(f"sqlite:///{Path(tmp.name) / 'outbox.sqlite3'}")
    else:
        url = os.environ.get("PORTAL_TEST_POSTGRES_URL", "").strip() or DEFAULT_POSTGRES_URL
        schema = f"bench_outbox_{secrets.token_hex(4)}"
        admin = build_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        engine = build_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    catcher = MailCatcher().start()
    try:
        migrate.upgrade(engine)
        database = Database(engine)
        with database.session() as db:
            person = Person(full_name="Bench Borger", first_name="Bench", kind="citizen")
            db.add(person)
            db.flush()
            user = User(person_id=person.id, role="citizen", display_name="Bench Borger", webauthn_user_handle=secrets.token_hex(16))
            db.add(user)
            db.flush()
            db.add(NotificationSettings(user_id=user.id, email="borger@example.dk", kinds=["goal"], calendar_details=False))
            db.flush()
            outbox = Outbox(db)
            for n in range(count):
                outbox.enqueue("goal", user, f"/min-plan/maal/{n}")

        backoff = Backoff(first=dt.timedelta(milliseconds=200), cap=dt.timedelta(seconds=2))
        channel = EmailChannel(parse_smtp_url(catcher.url), origin="https://plan.example.dk", sender="noreply@plan.example.dk", timeout=5)
        loops: list[asyncio.AbstractEventLoop] = []
        stops: list[asyncio.Event] = []

        def sender_thread() -> None:
            async def main() -> None:
                stop = asyncio.Event()
                loops.append(asyncio.get_running_loop())
                stops.append(stop)
                await Sender(database, {"email": channel}, batch_size=25, backoff=backoff).run(stop, poll_seconds=0.05)
            asyncio.run(main())

        stopped_at: list[float] = []

        def stop_mid_batch(caught: int) -> None:
            if caught == count // 3 and not stopped_at:
                stopped_at.append(time.monotonic())
                threading.Thread(target=catcher.stop).start()

        catcher.handler.on_caught = stop_mid_batch
        started = time.monotonic()
        threads = [threading.Thread(target=sender_thread) for _ in range(senders)]
        for thread in threads:
            thread.start()

        def pending() -> int:
            with database.session() as db:
                return int(db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")) or 0)

        while not stopped_at and time.monotonic() - started < timeout:
            time.sleep(0.01)
        time.sleep(down_seconds)
        received_while_down = len(catcher.messages)
        pending_while_down = pending()
        catcher.handler.on_caught = None
        catcher.start()
        restarted = time.monotonic()
        while pending() and time.monotonic() - started < timeout:
            time.sleep(0.05)
        drained = time.monotonic()
        for loop, stop in zip(loops, stops):
            loop.call_soon_threadsafe(stop.set)
        for thread in threads:
            thread.join()
        with database.session() as db:
            statuses = Counter(db.scalars(select(OutboxMessage.status)))
            attempts = int(db.scalar(select(func.sum(OutboxMessage.attempts))) or 0)
        ids = [str(m["Message-ID"]) for m in catcher.messages]
        unique = set(ids)
        return {
            "engine": engine_kind, "senders": senders, "enqueued": count,
            "delivered": len(unique), "duplicates": len(ids) - len(unique), "lost": count - len(unique),
            "rows sent": statuses["sent"], "rows pending": statuses["pending"],
            "received before stop": received_while_down, "kept while down": pending_while_down,
            "attempts": attempts, "down (s)": round(restarted - stopped_at[0], 2) if stopped_at else None,
            "drain after restart (s)": round(drained - restarted, 2), "total (s)": round(drained - started, 2),
        }
    finally:
        catcher.stop()
        engine.dispose()
        if schema is not None:
            admin = build_engine(os.environ.get("PORTAL_TEST_POSTGRES_URL", "").strip() or DEFAULT_POSTGRES_URL)
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        tmp.cleanup()


def postgres_reachable() -> bool:
    from portal.db import build_engine

    engine = build_engine(os.environ.get("PORTAL_TEST_POSTGRES_URL", "").strip() or DEFAULT_POSTGRES_URL)
    try:
        with engine.connect():
            return True
    except Exception:
        return False
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--down", type=float, default=3.0, help="seconds the SMTP server stays down")
    parser.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    failed = False
    for engine in engines:
        if engine == "postgresql" and not postgres_reachable():
            print("outbox_delivery: PostgreSQL is not reachable; skipped")
            continue
        figures = run(engine, args.count, args.down, args.timeout, senders=2 if engine == "postgresql" else 1)
        print(" | ".join(f"{key}: {value}" for key, value in figures.items()))
        failed |= figures["duplicates"] != 0 or figures["lost"] != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The outbox against a real SMTP server (aiosmtpd on a loopback port), on both engines.

Rows are committed for real here (the sender works in its own transactions), so the module
has its own migrated database and empties its tables after each test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from portal import migrate
from portal.accounts.models import Person, User
from portal.db import Database, utcnow
from portal.notifications.catcher import MailCatcher, free_port
from portal.notifications.channels import EmailChannel, digital_post_channel, sms_channel
from portal.notifications.models import NotificationSettings, OutboxMessage
from portal.notifications.outbox import Outbox
from portal.notifications.sender import Backoff, Sender
from portal.settings import parse_smtp_url

from tests.conftest import EngineHandle, _drop, _new_engine
from tests.support.own_loop import run_in_own_loop

ORIGIN = "https://plan.example.dk"
QUICK = Backoff(first=dt.timedelta(milliseconds=5), cap=dt.timedelta(milliseconds=40))


@pytest.fixture(scope="module")
def outbox_engine(engine_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineHandle]:
    handle, schema = _new_engine(engine_kind, "outbox", tmp_path_factory.mktemp("db"))
    migrate.upgrade(handle.engine)
    yield handle
    _drop(handle, schema)


@pytest.fixture
def database(outbox_engine: EngineHandle) -> Iterator[Database]:
    database = Database(outbox_engine.engine)
    yield database
    with outbox_engine.engine.begin() as connection:
        for table in (OutboxMessage, NotificationSettings, User, Person):
            connection.execute(delete(table))


@pytest.fixture
def catcher() -> Iterator[MailCatcher]:
    server = MailCatcher().start()
    yield server
    server.stop()


def _citizen(database: Database, name: str = "Hemmelig Borgersen", email: str | None = "borger@example.dk") -> int:
    with database.session() as db:
        person = Person(full_name=name, first_name=name.split()[0], kind="citizen")
        db.add(person)
        db.flush()
        user = User(person_id=person.id, role="citizen", display_name=name, webauthn_user_handle=secrets.token_hex(16))
        db.add(user)
        db.flush()
        db.add(NotificationSettings(user_id=user.id, email=email, kinds=["message", "goal", "consent", "delegation"], calendar_details=False))
        return user.id


def _enqueue(database: Database, user_id: int, count: int, kind: str = "goal") -> list[int]:
    with database.session() as db:
        user = db.get(User, user_id)
        outbox = Outbox(db)
        rows = [outbox.enqueue(kind, user, f"/min-plan/maal/{n}") for n in range(count)]
        assert all(rows)
        return [row.id for row in rows if row is not None]


def _sender(database: Database, url: str | None, *, timeout: float = 5.0, batch_size: int = 10, **kwargs: object) -> Sender:
    channel = EmailChannel(parse_smtp_url(url) if url else None, origin=ORIGIN, sender="Én plan <noreply@plan.example.dk>", timeout=timeout)
    return Sender(database, {"email": channel, "sms": sms_channel(), "digital_post": digital_post_channel()},
                  batch_size=batch_size, backoff=QUICK, **kwargs)  # type: ignore[arg-type]


def _statuses(database: Database) -> Counter[str]:
    with database.session() as db:
        return Counter(db.scalars(select(OutboxMessage.status)))


def _received_ids(catcher: MailCatcher) -> list[str]:
    return [str(message["Message-ID"]) for message in catcher.messages]


def _drain(sender: Sender, rounds: int = 400) -> None:
    """Rounds until nothing is pending; waits the (few-millisecond) back-off between failed rounds."""
    for _ in range(rounds):
        result = run_in_own_loop(sender.run_once())
        if result.claimed == 0:
            if _statuses(sender.database)["pending"] == 0:
                return
            threading.Event().wait(0.01)
    raise AssertionError("the outbox did not drain")


def test_the_mail_says_only_that_something_waits_and_links_to_the_portal(database: Database, catcher: MailCatcher) -> None:
    user_id = _citizen(database, name="Hemmelig Borgersen")
    for kind in ("message", "goal", "consent", "delegation"):
        _enqueue(database, user_id, 1, kind)
    _drain(_sender(database, catcher.url))
    assert len(catcher.messages) == 4
    for message in catcher.messages:
        text = message.as_string()
        assert "Hemmelig" not in text and "Borgersen" not in text
        assert message["To"] == "borger@example.dk"
        assert message["Subject"] == "Der er nyt til dig i Én plan"
        body = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        assert f"{ORIGIN}/min-plan/maal/0" in body
        assert "Log ind i Én plan for at se det" in body
    assert _statuses(database) == Counter({"sent": 4})


def test_a_server_stopped_mid_run_loses_nothing_and_sends_nothing_twice(database: Database, catcher: MailCatcher) -> None:
    user_id = _citizen(database)
    ids = _enqueue(database, user_id, 60)
    stopped = threading.Event()
    stopper: list[threading.Thread] = []

    def stop_mid_batch(count: int) -> None:
        # From inside the server, after the 25th mail: the sender is halfway through a batch.
        if count == 25 and not stopper:
            stopper.append(threading.Thread(target=lambda: (catcher.stop(), stopped.set())))
            stopper[0].start()

    catcher.handler.on_caught = stop_mid_batch
    sender = _sender(database, catcher.url)
    for _ in range(10):
        run_in_own_loop(sender.run_once())
        if stopped.is_set():
            break
    stopper[0].join()
    caught_while_up = len(catcher.messages)
    assert 25 <= caught_while_up < 60
    # While it is down: rounds fail, every row is kept, waiting to be tried again.
    for _ in range(5):
        run_in_own_loop(sender.run_once())
        threading.Event().wait(0.05)
    assert len(catcher.messages) == caught_while_up
    statuses = _statuses(database)
    assert statuses["sent"] == caught_while_up and statuses["pending"] == 60 - caught_while_up
    with database.session() as db:
        waiting = db.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")).all()
        assert all(row.attempts >= 1 and row.last_error for row in waiting)
    # It comes back on the same port: everything arrives, once.
    catcher.handler.on_caught = None
    catcher.start()
    _drain(sender)
    received = _received_ids(catcher)
    assert len(received) == len(set(received)) == 60
    assert set(received) == {f"<outbox-{i}@plan.example.dk>" for i in ids}
    assert _statuses(database) == Counter({"sent": 60})


def test_two_senders_side_by_side_never_send_one_row_twice(database: Database, catcher: MailCatcher) -> None:
    user_id = _citizen(database)
    _enqueue(database, user_id, 120)
    senders = [_sender(database, catcher.url, batch_size=7) for _ in range(2)]
    failures: list[BaseException] = []

    def work(sender: Sender) -> None:
        try:
            _drain(sender)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=work, args=(sender,)) for sender in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    received = _received_ids(catcher)
    assert len(received) == len(set(received)) == 120


def test_a_refusing_server_keeps_the_message_and_retries_with_growing_waits(database: Database, catcher: MailCatcher) -> None:
    user_id = _citizen(database)
    _enqueue(database, user_id, 2)
    clock = [utcnow() + dt.timedelta(seconds=1)]
    sender = _sender(database, catcher.url, clock=lambda: clock[0])
    sender.backoff = Backoff(first=dt.timedelta(seconds=30), cap=dt.timedelta(minutes=2))
    catcher.handler.mode = "refuse"
    waits = []
    for _ in range(4):
        result = run_in_own_loop(sender.run_once())
        assert result.failed == 2 and result.sent == 0
        with database.session() as db:
            row = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
            assert row is not None and row.status == "pending" and "451" in (row.last_error or "")
            waits.append(row.next_attempt_at - clock[0])
        # A moment before it is due, nothing is tried.
        clock[0] = waits[-1] + clock[0] - dt.timedelta(seconds=1)
        assert run_in_own_loop(sender.run_once()).claimed == 0
        clock[0] += dt.timedelta(seconds=1)
    assert waits == [dt.timedelta(seconds=30), dt.timedelta(seconds=60), dt.timedelta(seconds=120), dt.timedelta(seconds=120)]
    assert catcher.messages == []
    catcher.handler.mode = "accept"
    assert run_in_own_loop(sender.run_once()).sent == 2
    assert _statuses(database) == Counter({"sent": 2})


def test_a_server_that_times_out_keeps_the_message(database: Database, catcher: MailCatcher) -> None:
    user_id = _citizen(database)
    _enqueue(database, user_id, 1)
    catcher.handler.mode = "slow"
    catcher.handler.slow_seconds = 3
    result = run_in_own_loop(_sender(database, catcher.url, timeout=0.3).run_once())
    assert result.failed == 1
    assert _statuses(database) == Counter({"pending": 1})


def test_a_server_that_is_down_keeps_the_message(database: Database) -> None:
    user_id = _citizen(database)
    _enqueue(database, user_id, 3)
    result = run_in_own_loop(_sender(database, f"smtp://127.0.0.1:{free_port()}").run_once())
    assert result.failed == 3
    assert _statuses(database) == Counter({"pending": 3})


def test_without_a_server_nothing_is_sent_and_everything_is_kept(database: Database) -> None:
    user_id = _citizen(database)
    _enqueue(database, user_id, 3)
    sender = _sender(database, None)
    assert sender.enabled_channels == []
    result = run_in_own_loop(sender.run_once())
    assert (result.sent, result.failed) == (0, 0)
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.attempts == 0)) == 3


def test_a_kind_turned_off_after_it_was_written_is_dropped_not_sent(database: Database, catcher: MailCatcher) -> None:
    user_id = _citizen(database)
    _enqueue(database, user_id, 1, "goal")
    _enqueue(database, user_id, 1, "message")
    with database.session() as db:
        settings = db.get(NotificationSettings, user_id)
        assert settings is not None
        settings.kinds = ["message"]
    result = run_in_own_loop(_sender(database, catcher.url).run_once())
    assert (result.sent, result.dropped) == (1, 1)
    assert _statuses(database) == Counter({"sent": 1, "dropped": 1})
    assert len(catcher.messages) == 1


def test_nothing_is_written_for_someone_without_an_address_or_the_kind(database: Database) -> None:
    no_address = _citizen(database, email=None)
    with database.session() as db:
        outbox = Outbox(db)
        assert outbox.enqueue("goal", db.get(User, no_address), "/min-plan") is None
        assert outbox.enqueue("goal", None, "/min-plan") is None
        with pytest.raises(ValueError):
            outbox.enqueue("everything", db.get(User, no_address), "/min-plan")
        with pytest.raises(ValueError):
            outbox.enqueue("goal", db.get(User, no_address), "https://evil.example/")
    assert _statuses(database) == Counter()


def test_the_back_off_doubles_up_to_its_cap() -> None:
    backoff = Backoff(first=dt.timedelta(seconds=30), cap=dt.timedelta(hours=1))
    assert [backoff.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff.delay(10) == backoff.delay(1000) == dt.timedelta(hours=1)


def test_sms_and_digital_post_are_named_but_not_enabled() -> None:
    assert not sms_channel().enabled and not digital_post_channel().enabled
    assert run_in_own_loop(sms_channel().deliver([])) == []


def test_caught_mail_is_listed_for_the_demo(tmp_path: Path) -> None:
    from portal.notifications.catcher import caught_mail

    assert caught_mail(tmp_path / "none") == []
    server = MailCatcher(maildir=tmp_path / "mail").start()
    try:
        from portal.notifications.mail import Note, compose
        import aiosmtplib

        message = compose(Note(7, "goal", "/min-plan/maal/7", "a@example.dk"), origin=ORIGIN, sender="x@example.dk")
        run_in_own_loop(aiosmtplib.send(message, hostname=server.host, port=server.port, timeout=5))
    finally:
        server.stop()
    [mail] = caught_mail(tmp_path / "mail")
    assert mail.to == "a@example.dk" and "/min-plan/maal/7" in mail.body

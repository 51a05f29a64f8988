"""The live event bus: a commit that changed a plan is announced with its new content_version; a
rollback announces nothing. In-process on SQLite, LISTEN/NOTIFY on PostgreSQL (a real listener
connection and real commits, so the notification crosses the server as between processes)."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from portal.accounts.models import LoginSession, Municipality, Person, User
from portal.consent.models import Consent
from portal.live import Live
from portal.live.bus import (
    ACCESS, PLAN, PRESENCE, RESYNC, LiveEvent, PostgresBus, Subscription, channel_of, own_connection, plan_topic,
    user_topic,
)
from portal.plans.models import Plan

from tests.conftest import EngineHandle
from tests.support.own_loop import run_in_own_loop

WAIT = 10.0  # seconds before a missing event fails the test (never a timing assertion)


@pytest.fixture
def live(migrated_engine: EngineHandle) -> Iterator[Live]:
    live = Live(migrated_engine.engine)
    live.start()
    if isinstance(live.bus, PostgresBus):
        assert live.bus.connected.wait(WAIT), "the listener did not connect"
    yield live
    live.stop()


@pytest.fixture
def plan_row(migrated_engine: EngineHandle) -> Iterator[tuple[int, int]]:
    """A plan of its own, committed (and removed afterwards): (plan id, its citizen's person id)."""
    token = secrets.token_hex(4)
    with Session(migrated_engine.engine) as session, session.begin():
        municipality = Municipality(code=str(secrets.randbelow(900) + 100), name=f"Testkommune {token}")
        person = Person(full_name=f"Test {token}", first_name="Test", kind="citizen", municipality=municipality)
        session.add_all([municipality, person])
        session.flush()
        plan = Plan(kind="citizen", citizen=person, municipality_id=municipality.id)
        session.add(plan)
        session.flush()
        ids = (plan.id, person.id, municipality.id)
    yield ids[0], ids[1]
    with Session(migrated_engine.engine) as session, session.begin():
        session.execute(delete(Consent).where(Consent.plan_id == ids[0]))
        session.execute(delete(Plan).where(Plan.id == ids[0]))
        session.execute(delete(Person).where(Person.id == ids[1]))
        session.execute(delete(Municipality).where(Municipality.id == ids[2]))


@pytest.fixture
def login_row(migrated_engine: EngineHandle) -> Iterator[tuple[int, str]]:
    """A user with one open login, committed (and removed afterwards): (user id, session id)."""
    token = secrets.token_hex(8)
    with Session(migrated_engine.engine) as session, session.begin():
        user = User(role="admin", display_name=f"Test {token}", webauthn_user_handle=f"test-{token}")
        session.add(user)
        session.flush()
        login = LoginSession(id=f"test-{token}", user_id=user.id)
        session.add(login)
        ids = (user.id, login.id)
    yield ids
    with Session(migrated_engine.engine) as session, session.begin():
        session.execute(delete(LoginSession).where(LoginSession.user_id == ids[0]))
        session.execute(delete(User).where(User.id == ids[0]))


async def _next_of_kind(subscription: Subscription, kinds: set[str], wait: float = WAIT) -> LiveEvent | None:
    """The next event of these kinds. Skipped: the listener's resync, and the announcement of the
    plan's creation (version 1), which on PostgreSQL may arrive after the test subscribed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while (left := deadline - loop.time()) > 0:
        for event in await subscription.next(left):
            if event.kind in kinds and not (event.kind == PLAN and event.version == 1):
                return event
    return None


def _change_plan(engine: Engine, plan_id: int, *, commit: bool) -> int:
    with Session(engine) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        plan.kind = "family" if plan.kind == "citizen" else "citizen"
        session.flush()
        version = session.scalar(select(Plan.content_version).where(Plan.id == plan_id))
        if commit:
            session.commit()
        else:
            session.rollback()
        return int(version or 0)


def test_a_commit_announces_the_plan_and_its_new_version(live: Live, plan_row: tuple[int, int], migrated_engine: EngineHandle) -> None:
    plan_id, _municipality = plan_row

    async def scenario() -> LiveEvent | None:
        with live.bus.subscribe([plan_topic(plan_id)]) as subscription:
            version = await asyncio.to_thread(_change_plan, migrated_engine.engine, plan_id, commit=True)
            event = await _next_of_kind(subscription, {PLAN})
            assert event is not None, f"no event after the commit ({live.bus.kind})"
            assert event.version == version
            return event

    event = run_in_own_loop(scenario())
    assert event is not None and event.topic == plan_topic(plan_id)


def test_a_rollback_announces_nothing_and_the_next_commit_only_itself(
    live: Live, plan_row: tuple[int, int], migrated_engine: EngineHandle
) -> None:
    plan_id, _municipality = plan_row

    async def scenario() -> list[LiveEvent]:
        with live.bus.subscribe([plan_topic(plan_id)]) as subscription:
            await asyncio.to_thread(_change_plan, migrated_engine.engine, plan_id, commit=False)
            # A commit after the rollback: its event is the first (and only) one to arrive, so the
            # rolled-back change was never announced, not even late.
            version = await asyncio.to_thread(_change_plan, migrated_engine.engine, plan_id, commit=True)
            seen: list[LiveEvent] = []
            loop = asyncio.get_running_loop()
            deadline = loop.time() + WAIT
            # Everything that arrives until the commit's event, and for half a second after it.
            while (left := deadline - loop.time()) > 0:
                seen += [e for e in await subscription.next(left) if e.kind in (PLAN, ACCESS) and e.version != 1]
                if seen and deadline - loop.time() > 0.5:
                    deadline = loop.time() + 0.5
            assert [e.version for e in seen] == [version]
            return seen

    assert len(run_in_own_loop(scenario())) == 1


def test_a_consent_change_is_announced_as_a_change_of_access(
    live: Live, plan_row: tuple[int, int], migrated_engine: EngineHandle
) -> None:
    plan_id, person_id = plan_row

    def give_consent() -> None:
        now = dt.datetime.now(dt.timezone.utc)
        with Session(migrated_engine.engine) as session, session.begin():
            session.add(Consent(
                plan_id=plan_id, giver_person_id=person_id, purpose="Test",
                recipient_municipality_id=session.scalar(select(Plan.municipality_id).where(Plan.id == plan_id)),
                valid_from=now.date(), valid_until=now.date() + dt.timedelta(days=30), given_at=now,
            ))

    async def scenario() -> LiveEvent | None:
        with live.bus.subscribe([plan_topic(plan_id)]) as subscription:
            await asyncio.to_thread(give_consent)
            return await _next_of_kind(subscription, {ACCESS})

    event = run_in_own_loop(scenario())
    assert event is not None and event.topic == plan_topic(plan_id)


def test_subscribers_of_other_plans_hear_nothing(live: Live, plan_row: tuple[int, int], migrated_engine: EngineHandle) -> None:
    plan_id, _municipality = plan_row

    async def scenario() -> LiveEvent | None:
        with live.bus.subscribe([plan_topic(plan_id + 100_000)]) as subscription:
            await asyncio.to_thread(_change_plan, migrated_engine.engine, plan_id, commit=True)
            return await _next_of_kind(subscription, {PLAN, ACCESS}, wait=1.0)

    assert run_in_own_loop(scenario()) is None


def test_presence_is_shared_through_the_bus(live: Live, plan_row: tuple[int, int]) -> None:
    """What one process says of who is on a plan reaches the subscribers (and, on PostgreSQL,
    arrives through the listener like a message from another process would)."""
    plan_id, _municipality = plan_row
    from portal.live.presence import Present

    async def scenario() -> LiveEvent | None:
        with live.bus.subscribe([plan_topic(plan_id)]) as subscription:
            token = object()
            await asyncio.to_thread(live.presence.opened, plan_id, Present(1, "Sara Holm", "Jobcenter"), token)
            event = await _next_of_kind(subscription, {PRESENCE})
            await asyncio.to_thread(live.presence.closed, plan_id, token)
            return event

    event = run_in_own_loop(scenario())
    assert event is not None and event.data is not None
    assert event.data["w"] == [{"u": 1, "n": "Sara Holm", "d": "Jobcenter", "e": None}]


def test_the_listener_reconnects_and_tells_every_stream_to_look_again(live: Live, migrated_engine: EngineHandle) -> None:
    if not isinstance(live.bus, PostgresBus):
        pytest.skip("SQLite has no listener connection to lose")
    bus = live.bus

    async def scenario() -> LiveEvent | None:
        with bus.subscribe(["plan:0"]) as subscription:
            # End this listener's connection (no one else's) from the server's side, as a restart would.
            def kill() -> None:
                with migrated_engine.engine.connect() as connection:
                    connection.execute(
                        text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = :listen"),
                        {"listen": f'LISTEN "{channel_of(migrated_engine.engine)}"'},
                    )
                    connection.commit()

            before = bus.reconnects
            await asyncio.to_thread(kill)
            event = await _next_of_kind(subscription, {RESYNC}, wait=30)
            assert bus.reconnects > before
            return event

    assert run_in_own_loop(scenario()) is not None


def _change_login(engine: Engine, session_id: str, *, commit: bool, **values: object) -> None:
    with Session(engine) as session:
        login = session.get(LoginSession, session_id)
        assert login is not None
        for name, value in values.items():
            setattr(login if hasattr(LoginSession, name) else login.user, name, value)
        session.flush()
        if commit:
            session.commit()
        else:
            session.rollback()


@pytest.mark.parametrize("change", [
    {"revoked_at": "now"},   # a logout, a session ended by its user or by the idle timeout
    {"is_active": False},    # the user deactivated
    {"role": "evaluator"},   # another role: what they may see changes
])
def test_a_login_or_account_that_loses_rights_is_announced_on_the_users_topic_by_id_only(
    live: Live, login_row: tuple[int, str], migrated_engine: EngineHandle, change: dict[str, object]
) -> None:
    user_id, session_id = login_row
    values = {name: dt.datetime.now(dt.timezone.utc) if value == "now" else value for name, value in change.items()}

    async def scenario() -> LiveEvent | None:
        with live.bus.subscribe([user_topic(user_id)]) as subscription:
            await asyncio.to_thread(_change_login, migrated_engine.engine, session_id, commit=True, **values)
            return await _next_of_kind(subscription, {ACCESS})

    event = run_in_own_loop(scenario())
    assert event is not None, f"no event after the commit ({live.bus.kind})"
    assert event.topic == user_topic(user_id) and event.version is None and event.data is None
    # The session id is a credential: it never travels, not in the topic nor anywhere in the payload.
    assert session_id not in event.to_payload()


def test_a_touched_login_or_a_rolled_back_logout_announces_nothing(
    live: Live, login_row: tuple[int, str], plan_row: tuple[int, int], migrated_engine: EngineHandle
) -> None:
    """Requests touch a login every minute: streams must not look again for that. A commit on a
    plan after both is the first event to arrive, so neither was announced, not even late."""
    user_id, session_id = login_row
    plan_id, _person = plan_row

    async def scenario() -> LiveEvent | None:
        with live.bus.subscribe([user_topic(user_id), plan_topic(plan_id)]) as subscription:
            now = dt.datetime.now(dt.timezone.utc)
            await asyncio.to_thread(_change_login, migrated_engine.engine, session_id, commit=True, last_seen_at=now)
            await asyncio.to_thread(_change_login, migrated_engine.engine, session_id, commit=False, revoked_at=now)
            await asyncio.to_thread(_change_login, migrated_engine.engine, session_id, commit=False, is_active=False)
            await asyncio.to_thread(_change_plan, migrated_engine.engine, plan_id, commit=True)
            return await _next_of_kind(subscription, {PLAN, ACCESS})

    event = run_in_own_loop(scenario())
    assert event is not None and event.kind == PLAN and event.topic == plan_topic(plan_id)



def test_stopping_wakes_the_listener_and_a_wake_is_no_event(
    migrated_engine: EngineHandle, caplog: pytest.LogCaptureFixture
) -> None:
    """stop() sends the wake on the channel (a second listener hears it); a wake from another
    process's stop is passed over without a word, and the next real event still arrives.

    Without the wake, every stop (each test's app, each shutdown) waits out the listener's
    one-second poll for notifications."""
    if migrated_engine.kind != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    from portal.live.bus import WAKE_PAYLOAD

    engine = migrated_engine.engine
    channel = channel_of(engine)
    live = Live(engine)
    live.start()
    assert isinstance(live.bus, PostgresBus)
    assert live.bus.connected.wait(WAIT), "the listener did not connect"

    async def wake_then_change() -> LiveEvent | None:
        with live.bus.subscribe(["plan:wake-test"]) as subscription:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                for payload in (WAKE_PAYLOAD, LiveEvent(PLAN, "plan:wake-test", 7).to_payload()):
                    connection.execute(text("SELECT pg_notify(:c, :p)"), {"c": channel, "p": payload})
            return await _next_of_kind(subscription, {PLAN})

    watcher: Any = own_connection(engine)
    try:
        watcher.execute(f'LISTEN "{channel}"')
        with caplog.at_level("WARNING", logger="portal.live.bus"):
            event = run_in_own_loop(wake_then_change())
        assert event is not None and event.version == 7
        assert "not one of ours" not in caplog.text
        list(watcher.notifies(timeout=0.1))  # what the scenario itself sent
        live.stop()
        heard = [notice.payload for notice in watcher.notifies(timeout=WAIT, stop_after=1)]
        assert heard == [WAKE_PAYLOAD]
    finally:
        watcher.close()


def test_announcing_never_waits_for_a_second_pooled_connection(migrated_engine: EngineHandle) -> None:
    """A request announces (a save marks presence, a commit's hook) while it still holds its own
    pooled connection. With a pool of one, that connection taken, both kinds of announcement still
    go out and arrive. Taking a second pooled connection for them made 50 saves at once wait for
    one another until the pool's timeout (benchmarks/racing_saves.py, 50 different efforts)."""
    if migrated_engine.kind != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    from portal.db import build_engine
    from portal.live.bus import notify

    with migrated_engine.engine.connect() as probe:
        schema = probe.execute(text("SELECT current_schema()")).scalar_one()
    engine = build_engine(migrated_engine.url, connect_args={"options": f"-csearch_path={schema}"},
                          pool_size=1, max_overflow=0, pool_timeout=1)
    live = Live(engine)
    live.start()
    try:
        assert isinstance(live.bus, PostgresBus)
        assert live.bus.connected.wait(WAIT), "the listener did not connect"
        editor = User(id=424242, display_name="Pool Test", role="caseworker")

        async def announce_while_holding_the_pool() -> tuple[LiveEvent | None, LiveEvent | None]:
            with live.bus.subscribe(["plan:9191"]) as subscription, engine.connect() as held:
                held.execute(text("SELECT 1"))  # the pool's only connection, in use
                live.presence.editing(9191, editor, "effort:1")
                heard_presence = await _next_of_kind(subscription, {PRESENCE})
                notify(engine, [LiveEvent(PLAN, "plan:9191", 5)])
                heard_change = await _next_of_kind(subscription, {PLAN})
            return heard_presence, heard_change

        heard_presence, heard_change = run_in_own_loop(announce_while_holding_the_pool())
        assert heard_presence is not None and heard_presence.data is not None
        assert heard_change is not None and heard_change.version == 5
    finally:
        live.stop()
        engine.dispose()

"""Rate limits count every attempt exactly once, even when attempts race (both engines)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import migrate, ratelimit
from portal.accounts.models import RateLimitEvent
from portal.db import Database

from tests.conftest import EngineHandle, _drop, _new_engine

T0 = dt.datetime(2026, 3, 11, 9, 0, tzinfo=dt.timezone.utc)
THREADS = 12


@pytest.fixture(scope="module")
def committing_engine(engine_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineHandle]:
    """An engine of its own whose sessions really commit: a race needs separate transactions."""
    handle, schema = _new_engine(engine_kind, "ratelimit", Path(tmp_path_factory.mktemp("db")))
    migrate.upgrade(handle.engine)
    yield handle
    _drop(handle, schema)


def _race(database: Database, limit: ratelimit.Limit, key: str, now: dt.datetime) -> list[bool]:
    start = threading.Barrier(THREADS)
    verdicts: list[bool] = []
    failures: list[BaseException] = []

    def attempt() -> None:
        try:
            with database.session() as db:
                start.wait()
                verdicts.append(ratelimit.allow(db, limit, key, now))
        except BaseException as error:  # collected: an error in a thread must fail the test
            failures.append(error)

    threads = [threading.Thread(target=attempt) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    return verdicts


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_attempts_get_exactly_the_limit(committing_engine: EngineHandle, round_: int) -> None:
    database = Database(committing_engine.engine)
    key = f"198.51.100.{round_}"
    verdicts = _race(database, ratelimit.RECOVERY, key, T0)
    assert len(verdicts) == THREADS
    assert verdicts.count(True) == ratelimit.RECOVERY.max_attempts == 5
    with database.session() as db:
        stored = db.scalar(select(func.count()).select_from(RateLimitEvent).where(RateLimitEvent.key == key))
    assert stored == 5


# The windows are written out here, not read from the limits: a window typed in seconds
# instead of minutes must fail these tests.
WINDOWS = [
    pytest.param(ratelimit.LOGIN, dt.timedelta(minutes=5), id="login"),
    pytest.param(ratelimit.RECOVERY, dt.timedelta(minutes=15), id="recovery"),
    pytest.param(ratelimit.ACTIVATION, dt.timedelta(minutes=15), id="activation"),
    pytest.param(ratelimit.CSRF_REFUSAL_LOG, dt.timedelta(hours=1), id="csrf-log"),
]


@pytest.mark.parametrize(("limit", "window"), WINDOWS)
def test_attempts_count_for_the_whole_window_and_not_after(db: Session, limit: ratelimit.Limit, window: dt.timedelta) -> None:
    for _ in range(limit.max_attempts):
        assert ratelimit.allow(db, limit, "203.0.113.7", T0)
    assert not ratelimit.allow(db, limit, "203.0.113.7", T0 + window - dt.timedelta(minutes=1))
    # Another address has its own count.
    assert ratelimit.allow(db, limit, "203.0.113.8", T0 + window - dt.timedelta(minutes=1))
    assert ratelimit.allow(db, limit, "203.0.113.7", T0 + window + dt.timedelta(seconds=1))


def test_spent_attempts_of_other_keys_are_swept(db: Session) -> None:
    for address in ("192.0.2.1", "192.0.2.2"):
        assert ratelimit.allow(db, ratelimit.LOGIN, address, T0)
    assert ratelimit.allow(db, ratelimit.RECOVERY, "192.0.2.1", T0)
    ratelimit.allow(db, ratelimit.LOGIN, "192.0.2.3", T0 + dt.timedelta(minutes=6))
    left = db.scalars(select(RateLimitEvent.key).where(RateLimitEvent.bucket == "login")).all()
    assert left == ["192.0.2.3"]
    # Another bucket's attempts are counted over its own window.
    assert db.scalar(select(func.count()).select_from(RateLimitEvent).where(RateLimitEvent.bucket == "recovery")) == 1

"""Shared fixtures: databases on both engines, the app, logged-in clients.

Every database test runs on SQLite and, when PORTAL_TEST_POSTGRES_URL is set, on
PostgreSQL too. Each run gets its own SQLite files and its own PostgreSQL schemas,
so two runs never collide. Migrations (and the demo data) are applied once per
engine; each test then runs inside a transaction that is rolled back.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from portal import migrate
from portal.app import create_app
from portal.db import Database, build_engine
from portal.settings import Settings

POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "").strip()
ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(not POSTGRES_URL, reason="skipped: PostgreSQL (PORTAL_TEST_POSTGRES_URL is not set)"),
    ),
]
RUN_ID = f"{os.getpid()}_{secrets.token_hex(3)}"
TEST_ORIGIN = "http://testserver"


@dataclass
class EngineHandle:
    kind: str
    url: str
    engine: Engine


def _new_engine(kind: str, name: str, tmp_dir: Path) -> tuple[EngineHandle, object]:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_dir / (name + '.sqlite3')}"
        return EngineHandle(kind, url, build_engine(url)), None
    schema = f"t_{name}_{RUN_ID}"
    admin = build_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = POSTGRES_URL
    engine = build_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    return EngineHandle(kind, url, engine), schema


def _drop(handle: EngineHandle, schema: object) -> None:
    handle.engine.dispose()
    if schema is not None:
        admin = build_engine(POSTGRES_URL)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session", params=ENGINES)
def engine_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def migrated_engine(engine_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineHandle]:
    handle, schema = _new_engine(engine_kind, "empty", tmp_path_factory.mktemp("db"))
    migrate.upgrade(handle.engine)
    yield handle
    _drop(handle, schema)


DEMO_TODAY = dt.date.today()


@pytest.fixture(scope="session")
def demo_engine(engine_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineHandle]:
    from portal.demo import load_demo

    handle, schema = _new_engine(engine_kind, "demo", tmp_path_factory.mktemp("db"))
    migrate.upgrade(handle.engine)
    with Session(handle.engine) as session, session.begin():
        load_demo(session, DEMO_TODAY)
    yield handle
    _drop(handle, schema)


def _rolled_back_connection(engine: Engine) -> Iterator[Connection]:
    connection = engine.connect()
    transaction = connection.begin()
    try:
        yield connection
    finally:
        transaction.rollback()
        connection.close()


def _session_factory(connection: Connection) -> sessionmaker[Session]:
    # Commits inside the code under test become savepoints of the outer transaction.
    return sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")


@pytest.fixture
def db(migrated_engine: EngineHandle) -> Iterator[Session]:
    """A session on an empty, migrated database; everything is rolled back afterwards."""
    for connection in _rolled_back_connection(migrated_engine.engine):
        with _session_factory(connection)() as session:
            yield session


@pytest.fixture
def demo_connection(demo_engine: EngineHandle) -> Iterator[Connection]:
    yield from _rolled_back_connection(demo_engine.engine)


@pytest.fixture
def demo_db(demo_connection: Connection) -> Iterator[Session]:
    """A session on the demo data; everything is rolled back afterwards."""
    with _session_factory(demo_connection)() as session:
        yield session


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "demo",
        "database_url": "sqlite://",
        "secret_key": "test-secret-key-" + "x" * 32,
        "origin": TEST_ORIGIN,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def app(settings: Settings, demo_connection: Connection):  # type: ignore[no-untyped-def]
    database = Database(demo_connection.engine, _session_factory(demo_connection))
    return create_app(settings, database=database)


class PortalClient(TestClient):
    """A test client that knows how to fetch a CSRF token and log in as a demo persona."""

    def csrf_token(self, path: str = "/") -> str:
        page = self.get(path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post_form(self, path: str, data: dict[str, str] | None = None, token_from: str = "/", **kwargs):  # type: ignore[no-untyped-def]
        fields = {"csrf_token": self.csrf_token(token_from), **(data or {})}
        return self.post(path, data=fields, **kwargs)

    def login_as(self, display_name: str) -> None:
        page = self.get("/demo")
        pattern = rf'name="user_id" value="(\d+)">\s*<button[^>]*>[^<]*{re.escape(display_name)}<'
        match = re.search(pattern, page.text)
        assert match, f"no demo persona called {display_name!r}"
        response = self.post_form("/demo", {"user_id": match.group(1)}, token_from="/demo", follow_redirects=False)
        assert response.status_code == 303, response.text


@pytest.fixture
def client(app) -> Iterator[PortalClient]:  # type: ignore[no-untyped-def]
    with PortalClient(app, base_url=TEST_ORIGIN) as test_client:
        yield test_client

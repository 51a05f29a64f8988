"""Database plumbing shared by every domain: the declarative base, engines, sessions."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both engines (SQLite would drop the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def normalise_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def build_engine(url: str, **kwargs: Any) -> Engine:
    # A failed statement's message would otherwise carry its values (session ids, names
    # typed into forms) into the log.
    kwargs.setdefault("hide_parameters", True)
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.drivername == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args = kwargs.pop("connect_args", {})
        connect_args.setdefault("check_same_thread", False)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        event.listen(engine, "handle_error", _sqlite_on_error)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; we emit BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


# Set while a request that should only read runs (GET, HEAD): its transaction may start without
# SQLite's write lock, so reads of many requests run side by side.
_READ_FIRST: ContextVar[bool] = ContextVar("sqlite_read_first", default=False)


def _sqlite_on_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front. A deferred transaction that reads and then
    # writes fails at once (SQLITE_BUSY_SNAPSHOT) when another writer got in between;
    # this way concurrent writers wait their turn instead. Reads start deferred, and the few
    # that write after all are run again with the lock (see ``is_sqlite_conflict``).
    connection.exec_driver_sql("BEGIN" if _READ_FIRST.get() else "BEGIN IMMEDIATE")


SQLITE_BUSY = 5
SQLITE_READONLY = 8


def _sqlite_on_error(context: Any) -> None:
    # A connection opened while the file could not be written stays read-only for good, even
    # once the file is writable again. Calling it a disconnect makes the pool drop it (and
    # every connection opened before it), so the portal recovers without a restart.
    if is_sqlite_read_only(context.original_exception):
        context.is_disconnect = True


def is_sqlite_read_only(error: BaseException | None) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == SQLITE_READONLY


def is_sqlite_conflict(error: BaseException | None) -> bool:
    """A read transaction that tried to write after another writer got in (SQLITE_BUSY_SNAPSHOT)."""
    code = getattr(getattr(error, "orig", error), "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == SQLITE_BUSY


class Database:
    """One engine and its session factory; built by ``create_app`` or by tests."""

    def __init__(self, engine: Engine, session_factory: sessionmaker[Session] | None = None):
        self.engine = engine
        self.session_factory = session_factory or sessionmaker(
            bind=engine, expire_on_commit=False
        )
        # Services are built once, with ``current`` as their session: it stands for the
        # session of the request being served (one per ``request_session``).
        self._scope: ContextVar[object | None] = ContextVar(f"request_session_{id(self)}", default=None)
        self.current: scoped_session[Session] = scoped_session(self.session_factory, scopefunc=self._current_scope)

    def _current_scope(self) -> object:
        key = self._scope.get()
        if key is None:
            raise RuntimeError("services need a request session: use Database.request_session()")
        return key

    @contextmanager
    def request_session(self, *, read_first: bool = False) -> Iterator[Session]:
        """The session the services use until the block ends; committed when it ends well.

        ``read_first``: on SQLite, start without the write lock (for requests that only read).
        """
        scope_token = self._scope.set(object())
        read_token = _READ_FIRST.set(read_first)
        try:
            session = self.current()
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                self.current.remove()
        finally:
            _READ_FIRST.reset(read_token)
            self._scope.reset(scope_token)

    @classmethod
    def from_url(cls, url: str) -> "Database":
        return cls(build_engine(url))

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def readiness(self) -> str:
        """``ready``, or what stops requests: unreachable, read_only, no_schema or old_schema.

        Checks what every request needs, cheaply: a connection, a write transaction (on SQLite
        the write lock, held for two short statements) and a migrated schema.
        """
        # A session like a request's, so the check takes the same path (and, in tests, the same connection).
        session = self.session_factory()
        try:
            connection = session.connection()
            if not inspect(connection).has_table("alembic_version"):
                return "no_schema"
            revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            if connection.dialect.name == "sqlite":
                # Refused on a read-only connection, and writes nothing otherwise.
                connection.exec_driver_sql("UPDATE alembic_version SET version_num = version_num WHERE 0")
            elif connection.exec_driver_sql("SHOW transaction_read_only").scalar() == "on":
                return "read_only"
        except DBAPIError as error:
            return "read_only" if is_sqlite_read_only(error.orig) else "unreachable"
        except Exception:  # the driver's own errors, e.g. while connecting
            return "unreachable"
        finally:
            session.close()
        if revision is None:
            return "no_schema"
        if revision != _head_revision() and revision in _known_revisions():
            return "old_schema"
        # A revision this code does not know is a newer deploy that migrated first: still usable.
        return "ready"

    def is_reachable(self) -> bool:
        return self.readiness() == "ready"

    def dispose(self) -> None:
        self.engine.dispose()


@functools.cache
def _known_revisions() -> frozenset[str]:
    from alembic.script import ScriptDirectory

    from portal.migrate import alembic_config

    return frozenset(script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions())


@functools.cache
def _head_revision() -> str | None:
    from portal.migrate import head_revision

    return head_revision()


def one_of(column: str, values: tuple[str, ...], name: str | None = None) -> Any:
    """A CHECK constraint keeping an enum-like text column inside its vocabulary."""
    from sqlalchemy import CheckConstraint

    quoted = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")

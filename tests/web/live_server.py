"""A portal served over real HTTP (uvicorn in a thread) on a committed demo database of its own.

For tests that hold a live stream open while another connection commits a change: the usual
fixtures roll every test back inside one shared connection, which no event could cross. The
database is made per use (a copy of a migrated demo file on SQLite, a fresh schema on
PostgreSQL) and thrown away afterwards.
"""

from __future__ import annotations

import datetime as dt
import queue
import re
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import uvicorn
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from portal import migrate
from portal.app import create_app
from portal.db import Database, build_engine
from portal.demo import load_demo

from tests.conftest import POSTGRES_URL, RUN_ID, make_settings

WAIT = 15.0  # seconds before a missing event fails a test (a guard, never a measurement)


@dataclass
class LiveServer:
    origin: str
    engine: Engine
    app: Any

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.origin, timeout=WAIT)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_SQLITE_TEMPLATE: dict[str, Path] = {}


def _sqlite_engine(tmp: Path) -> tuple[Engine, str]:
    if "path" not in _SQLITE_TEMPLATE:
        template = tmp.parent / f"live-template-{RUN_ID}.sqlite3"
        engine = build_engine(f"sqlite:///{template}")
        migrate.upgrade(engine)
        with Session(engine) as session, session.begin():
            load_demo(session, dt.date.today())
        engine.dispose()
        _SQLITE_TEMPLATE["path"] = template
    path = tmp / "live.sqlite3"
    shutil.copy(_SQLITE_TEMPLATE["path"], path)
    url = f"sqlite:///{path}"
    return build_engine(url), url


@contextmanager
def live_server(kind: str, tmp: Path) -> Iterator[LiveServer]:
    schema = None
    if kind == "sqlite":
        engine, url = _sqlite_engine(tmp)
    else:
        schema = f"t_live_{RUN_ID}_{secrets.token_hex(3)}"
        admin = build_engine(POSTGRES_URL)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = POSTGRES_URL
        engine = build_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        migrate.upgrade(engine)
        with Session(engine) as session, session.begin():
            load_demo(session, dt.date.today())
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    app = create_app(make_settings(database_url=url, origin=origin), database=Database(engine))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                                          timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield LiveServer(origin, engine, app)
    finally:
        server.should_exit = True
        thread.join(timeout=WAIT)
        engine.dispose()
        if schema is not None:
            admin = build_engine(POSTGRES_URL)
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def log_in(client: httpx.Client, display_name: str) -> None:
    page = client.get("/demo")
    pattern = rf'name="user_id" value="(\d+)">\s*<button[^>]*>[^<]*{re.escape(display_name)}<'
    match = re.search(pattern, page.text)
    assert match, f"no demo persona called {display_name!r}"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = client.post("/demo", data={"csrf_token": token.group(1), "user_id": match.group(1)},
                           headers={"Origin": str(client.base_url).rstrip("/")})
    assert response.status_code == 303, response.text


class EventReader:
    """Reads a stream's events in a thread of its own; ``next()`` waits for the next one."""

    def __init__(self, client: httpx.Client, path: str, headers: dict[str, str] | None = None):
        self.events: queue.Queue[dict[str, str] | None] = queue.Queue()
        self.status: int | None = None
        self._client = client
        self._path = path
        self._headers = {"Accept": "text/event-stream", **(headers or {})}
        self._opened = threading.Event()
        self._response: Any = None
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self._opened.wait(WAIT), "the stream did not open"

    def _read(self) -> None:
        try:
            with self._client.stream("GET", self._path, headers=self._headers, timeout=httpx.Timeout(WAIT, read=None)) as response:
                self.status = response.status_code
                self._response = response
                self._opened.set()
                event: dict[str, str] = {}
                for line in response.iter_lines():
                    if line == "":
                        if event:
                            self.events.put(event)
                        event = {}
                    elif not line.startswith(":"):
                        name, _sep, value = line.partition(":")
                        value = value[1:] if value.startswith(" ") else value
                        event[name] = event[name] + "\n" + value if name in event else value
        except Exception:
            pass
        finally:
            self._opened.set()
            self.events.put(None)  # the stream ended

    def next(self, wait: float = WAIT) -> dict[str, str] | None:
        """The next event; None when the stream ended. A missing event fails the test."""
        try:
            return self.events.get(timeout=wait)
        except queue.Empty:
            raise AssertionError(f"no event within {wait} s") from None

    def until(self, name: str, wait: float = WAIT) -> tuple[dict[str, str], list[dict[str, str]]]:
        """Events up to and including the first called ``name``; the ones before it too."""
        before = []
        while True:
            event = self.next(wait)
            assert event is not None, f"the stream ended before a {name!r} event; got {before}"
            if event.get("event") == name:
                return event, before
            before.append(event)

    def close(self) -> None:
        """Hang up, as a browser leaving the page does (the server notices, and ends the stream)."""
        if self._response is not None:
            stream = self._response.extensions.get("network_stream")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                # shutdown, not close: it also wakes the reader thread blocked in recv().
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            else:
                self._response.close()
        self._thread.join(timeout=WAIT)

"""A live server (uvicorn in a thread) with demo data, and a real headless Chromium.

Browse to http://localhost:PORT, not 127.0.0.1: localhost is a secure context over
plain http, which WebAuthn needs.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from sqlalchemy.orm import Session

from portal import migrate
from portal.app import create_app
from portal.db import Database

from tests.conftest import DEMO_TODAY, EngineHandle, _drop, _new_engine, make_settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class LiveServer:
    url: str
    database: Database


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(engine_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from portal.demo import load_demo

    handle: EngineHandle
    handle, schema = _new_engine(engine_kind, "live", tmp_path_factory.mktemp("live"))
    migrate.upgrade(handle.engine)
    with Session(handle.engine) as session, session.begin():
        load_demo(session, DEMO_TODAY)
    port = _free_port()
    origin = f"http://localhost:{port}"
    database = Database(handle.engine)
    app = create_app(make_settings(origin=origin), database=database)
    # The lifespan starts the live event bus (on PostgreSQL, its listener); open live streams are
    # cut after two seconds when the server stops.
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield LiveServer(origin, database)
    server.should_exit = True
    thread.join(timeout=10)
    _drop(handle, schema)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium") and not shutil.os.path.exists(CHROMIUM):  # type: ignore[attr-defined]
        pytest.skip("skipped: Chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(params=[pytest.param(PHONE, id="360px"), pytest.param(DESKTOP, id="desktop")])
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return dict(request.param)


@pytest.fixture
def page(browser, viewport):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, locale="da-DK")
    page = context.new_page()
    yield page
    context.close()

"""No access-log line carries a usable activation or invitation token, nor a query string."""

from __future__ import annotations

import logging
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
import uvicorn

from portal.cli import access_log_config
from portal.logredact import redact_path

ACTIVATION_TOKEN = "ACTIVATIONtoken0123456789abcdefghij"
INVITATION_TOKEN = "INVITATIONtoken0123456789abcdefghij"


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (f"/aktiver/{ACTIVATION_TOKEN}", "/aktiver/…"),
        (f"/aktiver/{ACTIVATION_TOKEN}/valg", "/aktiver/…/valg"),
        (f"/fuldmagt/{INVITATION_TOKEN}", "/fuldmagt/…"),
        (f"/fuldmagt/{INVITATION_TOKEN}/ny", "/fuldmagt/…/ny"),
        # Near misses may still hold a real token.
        (f"/AKTIVER//{ACTIVATION_TOKEN}/", "/AKTIVER//…/"),
        (f"/aktiver/{ACTIVATION_TOKEN}?kode=1", "/aktiver/…"),
        # What is no secret is logged as it is, apart from the query string.
        ("/aktiver", "/aktiver"),
        ("/sag/plan/12", "/sag/plan/12"),
        ("/fuldmagter/3/tilbagekald", "/fuldmagter/3/tilbagekald"),
        ("/min-plan/uge?uge=2026-01-05", "/min-plan/uge"),
    ],
)
def test_redact_path(path: str, logged: str) -> None:
    assert redact_path(path) == logged


async def hello(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def uvicorn_loggers() -> Iterator[None]:
    # uvicorn configures these process-wide; put them back for the tests that follow.
    names = ("uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).filters[:], logging.getLogger(n).level, logging.getLogger(n).propagate) for n in names}
    yield
    for name, (handlers, filters, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers, logger.filters, logger.level, logger.propagate = handlers, filters, level, propagate


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_uvicorn_access_log_of_portal_serve_carries_no_token(uvicorn_loggers: None) -> None:
    port = free_port()
    # The very configuration `portal serve` hands to uvicorn; uvicorn applies it here.
    config = uvicorn.Config(hello, host="127.0.0.1", port=port, log_config=access_log_config(), lifespan="off")
    collect = Collect()
    access_logger = logging.getLogger("uvicorn.access")
    access_logger.addHandler(collect)
    formatter = access_logger.handlers[0].formatter
    assert formatter is not None
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.05)
        paths = [
            f"/aktiver/{ACTIVATION_TOKEN}/valg?kode={ACTIVATION_TOKEN}",
            f"/fuldmagt/{INVITATION_TOKEN}",
            "/sag/plan/12",
        ]
        for path in paths:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
                assert answer.status == 200
        deadline = time.monotonic() + 10
        while len(collect.records) < len(paths) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        access_logger.removeHandler(collect)
    lines = [formatter.format(record) for record in collect.records]
    assert len(lines) == len(paths)
    assert '"GET /aktiver/…/valg HTTP/1.1" 200' in lines[0]
    assert '"GET /fuldmagt/… HTTP/1.1" 200' in lines[1]
    assert '"GET /sag/plan/12 HTTP/1.1" 200' in lines[2]
    for line in lines:
        assert ACTIVATION_TOKEN not in line and INVITATION_TOKEN not in line
        assert "?" not in line

"""The ``portal`` command run as its own process, as a user runs it: one-off commands, and
``portal serve`` on a migrated demo database, waited for until it answers and stopped afterwards.

For the command-line tests (tests/unit/test_cli.py, tests/unit/test_cli_outbox.py). The
environment is the test's own, without any ``PORTAL_`` setting of the machine it runs on.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 30  # a guard: how long ``portal serve`` may take to answer before the test fails


def _environ(env: dict[str, str] | None) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")} | (env or {})


def run_portal(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portal", *args], capture_output=True, text=True, env=_environ(env), cwd=ROOT, timeout=60
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(port: int, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, list[str]], str]:
    """One HTTP request: the status, the headers (lower-case names, every value) and the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        received: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            received.setdefault(name.lower(), []).append(value)
        return response.status, received, response.read().decode()
    finally:
        connection.close()


@dataclass
class ServedPortal:
    port: int
    # What the server printed, once it has stopped (after the ``with`` block).
    out: str = ""
    err: str = ""


@contextmanager
def serving_demo(env: dict[str, str], *serve_args: str) -> Iterator[ServedPortal]:
    """``portal migrate``, ``portal demo``, then ``portal serve --port N *serve_args`` until it
    answers /healthz; stopped when the block ends, its output then in ``out`` and ``err``."""
    assert run_portal("migrate", env=env).returncode == 0
    assert run_portal("demo", env=env).returncode == 0
    served = ServedPortal(free_port())
    server = subprocess.Popen(
        [sys.executable, "-m", "portal", "serve", "--port", str(served.port), *serve_args],
        env=_environ(env), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if request(served.port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "portal serve did not start"
            time.sleep(0.2)
        yield served
    finally:
        server.terminate()
        served.out, served.err = server.communicate(timeout=30)

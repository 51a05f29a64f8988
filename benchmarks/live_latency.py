"""Live latency: from a commit to the event arriving on a plan page's stream held open through the
server; and how many open streams one worker holds, with its memory.

* PostgreSQL: ``portal serve --workers 4`` on a database of its own; Camilla's stream of Annette's
  plan is held open through the server (on whichever worker took it), and this process, another
  process altogether, commits 200 changes (a self-rating of a goal). Each change crosses by
  NOTIFY to the worker's listener and comes back as the stream's next event: commit → event.
* SQLite: one process (``--workers 1``; events are in-process on SQLite), the changes made
  through the server (Annette's self-rating POST): POST sent → event.
* Streams per worker: ``portal serve --workers 1``, 100, 500 and 1000 streams opened (as raw
  connections, so this process stays small) and the worker's RSS read from /proc.

Run: .venv/bin/python benchmarks/live_latency.py   (PORTAL_BENCH_POSTGRES_URL to choose the server,
default postgresql+psycopg://postgres@127.0.0.1:5432/postgres; PostgreSQL is skipped when unreachable).
Prints figures; exits non-zero only when something failed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import queue
import re
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx  # the httpx fork the test extra installs (same API)
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from portal import migrate
from portal.accounts.models import Person
from portal.db import build_engine
from portal.live import hooks as _live_hooks  # noqa: F401  (commits here are announced, like the server's)
from portal.demo import load_demo
from portal.plans.models import Goal, GoalProgress, Plan

CHANGES = 200
STREAM_COUNTS = (100, 500, 1000)
WAIT = 20.0
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``portal serve`` in a process of its own."""

    def __init__(self, url: str, workers: int):
        self.port = _free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PORTAL_ENV": "demo", "PORTAL_DATABASE_URL": url, "PORTAL_ORIGIN": self.origin,
               "PORTAL_SECRET_KEY": "bench-" + "k" * 40, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "portal.cli", "serve", "--port", str(self.port), "--workers", str(workers)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.origin}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"portal serve did not start: {self.process.stderr.read().decode()[-2000:] if self.process.stderr else ''}")
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def rss_kib(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]


def log_in(client: httpx.Client, display_name: str) -> None:
    page = client.get("/demo")
    match = re.search(rf'name="user_id" value="(\d+)">\s*<button[^>]*>[^<]*{re.escape(display_name)}<', page.text)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if not match or not token:
        raise RuntimeError(f"no demo persona {display_name}")
    response = client.post("/demo", data={"csrf_token": token.group(1), "user_id": match.group(1)},
                           headers={"Origin": str(client.base_url).rstrip("/")})
    if response.status_code != 303:
        raise RuntimeError(f"log-in as {display_name} failed: {response.status_code}")


class Stream:
    """A stream read in a thread: (arrival time, event id) of every event with an id."""

    def __init__(self, client: httpx.Client, path: str):
        self.arrivals: queue.Queue[tuple[float, int]] = queue.Queue()
        self.opened = threading.Event()
        threading.Thread(target=self._read, args=(client, path), daemon=True).start()
        if not self.opened.wait(WAIT):
            raise RuntimeError("the stream did not open")

    def _read(self, client: httpx.Client, path: str) -> None:
        try:
            self._read_events(client, path)
        except httpx.HTTPError:
            pass  # the client hung up at the end of the run

    def _read_events(self, client: httpx.Client, path: str) -> None:
        with client.stream("GET", path, headers={"Accept": "text/event-stream"}, timeout=httpx.Timeout(WAIT, read=None)) as response:
            if response.status_code != 200:
                raise RuntimeError(f"stream refused: {response.status_code}")
            for line in response.iter_lines():
                if line.startswith("event: presence"):
                    self.opened.set()  # the stream has subscribed: it says who is on the plan
                if line.startswith("id: "):
                    self.arrivals.put((time.perf_counter(), int(line[4:])))

    def wait_for(self, version: int) -> float:
        deadline = time.monotonic() + WAIT
        while True:
            arrived, event_id = self.arrivals.get(timeout=max(0.01, deadline - time.monotonic()))
            if event_id >= version:
                return arrived


def _ids(engine: Any) -> tuple[int, int, int]:
    with Session(engine) as session:
        plan_id = session.scalars(select(Plan.id).join(Person, Plan.citizen_id == Person.id).where(Person.first_name == "Annette")).one()
        goal = session.scalars(select(Goal).where(Goal.plan_id == plan_id).order_by(Goal.id)).first()
        assert goal is not None
        version = session.scalar(select(Plan.content_version).where(Plan.id == plan_id))
        return plan_id, goal.id, int(version or 0)


def _quantiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[max(0, int(round(0.95 * len(ms))) - 1)]
    return f"p50 {statistics.median(ms):6.1f} ms   p95 {p95:6.1f} ms   max {ms[-1]:6.1f} ms   (n={len(ms)})"


def latency_postgresql(url: str) -> None:
    engine = build_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session, session.begin():
        load_demo(session, dt.date.today())
    plan_id, goal_id, version = _ids(engine)
    server = Server(url, workers=4)
    try:
        with httpx.Client(base_url=server.origin, timeout=WAIT) as camilla:
            log_in(camilla, "Camilla Brandt")
            stream = Stream(camilla, f"/sag/plan/{plan_id}/live?v={version}")
            samples = []
            for number in range(CHANGES):
                with Session(engine) as session:
                    session.add(GoalProgress(goal_id=goal_id, score=number % 11, recorded_at=dt.datetime.now(dt.timezone.utc)))
                    session.flush()
                    new_version = int(session.scalar(select(Plan.content_version).where(Plan.id == plan_id)) or 0)
                    session.commit()
                committed = time.perf_counter()
                samples.append(stream.wait_for(new_version) - committed)
            print(f"PostgreSQL, portal serve --workers 4, commit in another process → event:  {_quantiles(samples)}")
    finally:
        server.stop()
        engine.dispose()


def latency_sqlite(url: str) -> None:
    engine = build_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session, session.begin():
        load_demo(session, dt.date.today())
    plan_id, goal_id, version = _ids(engine)
    server = Server(url, workers=1)
    try:
        with httpx.Client(base_url=server.origin, timeout=WAIT) as camilla, httpx.Client(base_url=server.origin, timeout=WAIT) as annette:
            log_in(camilla, "Camilla Brandt")
            log_in(annette, "Annette Nielsen")
            stream = Stream(camilla, f"/sag/plan/{plan_id}/live?v={version}")
            page = annette.get(f"/min-plan/maal/{goal_id}")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token
            samples = []
            for number in range(CHANGES):
                sent = time.perf_counter()
                response = annette.post(f"/min-plan/maal/{goal_id}/fremskridt",
                                        data={"csrf_token": token.group(1), "score": str(number % 11)},
                                        headers={"Origin": server.origin})
                if response.status_code not in (200, 303):
                    raise RuntimeError(f"the self-rating was refused: {response.status_code}")
                with Session(engine) as session:
                    new_version = int(session.scalar(select(Plan.content_version).where(Plan.id == plan_id)) or 0)
                samples.append(stream.wait_for(new_version) - sent)
            print(f"SQLite, portal serve --workers 1, POST sent → event on another stream:      {_quantiles(samples)}")
    finally:
        server.stop()
        engine.dispose()


async def _open_streams(origin: str, path: str, cookie: str, count: int, sockets: list[Any]) -> None:
    host, port = origin.removeprefix("http://").split(":")
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
               f"Cookie: {cookie}\r\n\r\n").encode()

    async def one() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(request)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT * 3)
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"a stream was refused: {head[:40]!r}")
        sockets.append((reader, writer))

    for start in range(0, count, 50):  # fifty at a time, as a crowd arriving, not one burst
        await asyncio.gather(*(one() for _ in range(min(50, count - start))))


def streams_per_worker(url: str) -> None:
    engine = build_engine(url)
    plan_id, _goal_id, _version = _ids(engine)
    engine.dispose()
    server = Server(url, workers=1)
    sockets: list[Any] = []
    try:
        with httpx.Client(base_url=server.origin, timeout=WAIT) as camilla:
            log_in(camilla, "Camilla Brandt")
            cookie = "; ".join(f"{name}={value}" for name, value in camilla.cookies.items())
        idle = server.rss_kib()
        print(f"one worker (SQLite), RSS with no stream open: {idle / 1024:6.1f} MiB")
        loop = asyncio.new_event_loop()
        opened = 0
        for count in STREAM_COUNTS:
            started = time.perf_counter()
            loop.run_until_complete(_open_streams(server.origin, f"/sag/plan/{plan_id}/live?v=0", cookie, count - opened, sockets))
            took = time.perf_counter() - started
            opened = count
            time.sleep(1.0)
            rss = server.rss_kib()
            print(f"  {count:5d} open streams: RSS {rss / 1024:6.1f} MiB  ({(rss - idle) / count:5.1f} KiB per stream; "
                  f"the last {count - (STREAM_COUNTS[STREAM_COUNTS.index(count) - 1] if count != STREAM_COUNTS[0] else 0)} opened in {took:4.1f} s)")
        for _reader, writer in sockets:
            writer.close()
        loop.close()
    finally:
        server.stop()


def main() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    failed = False
    postgres = os.environ.get("PORTAL_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    database = f"enplan_bench_live_{os.getpid()}_{secrets.token_hex(2)}"
    admin = None
    try:
        admin = build_engine(postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}"'))
    except Exception as error:
        print(f"PostgreSQL: skipped, not reachable at {postgres} ({type(error).__name__})")
        admin = None
    if admin is not None:
        try:
            latency_postgresql(make_url(postgres).set(database=database).render_as_string(hide_password=False))
        except Exception as error:
            failed = True
            print(f"PostgreSQL: FAILED: {type(error).__name__}: {error}")
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            admin.dispose()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/live.sqlite3"
        for step in (latency_sqlite, streams_per_worker):
            try:
                step(url)
            except Exception as error:
                failed = True
                print(f"{step.__name__}: FAILED: {type(error).__name__}: {error}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

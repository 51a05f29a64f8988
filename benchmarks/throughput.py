"""Requests per second and latency of Annette's /min-plan against the public /tilgaengelighed.

The portal runs in a process of its own (one uvicorn worker, PORTAL_ENV=demo, demo data
loaded) on 127.0.0.1 with an ephemeral port. This process logs in as Annette through the
demo persona switcher and then is the load client: N concurrent keep-alive connections
(asyncio, raw HTTP/1.1, gzip accepted like a browser), each sending its next request as soon
as the last one is answered. The phases alternate A B A B, each of a fixed duration after a
short warm-up that is not counted:

    A  GET /min-plan          with Annette's session cookie
    B  GET /tilgaengelighed   anonymous, the baseline: the same server's cheapest page

Requests are started only within a phase's duration, and every request started is waited
for (at most REQUEST_TIMEOUT) and counted: a phase's time runs from its start to its last
answer, and requests per second are the good answers over that time. Only 200 responses whose
body is the expected page are good; anything else (a redirect to the login, a 500 or 503, a
refused connection, a timeout, a 200 without the page's content) is an error. Latencies are
those of the good answers. On PostgreSQL the database is a fresh schema, dropped at the end;
on SQLite a temporary file. What the server logs goes to a file and is summed up after the run.

Run: .venv/bin/python benchmarks/throughput.py [--engine sqlite|postgresql|both] [--seconds N] [--clients N]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import http.client
import math
import multiprocessing
import os
import re
import secrets
import socket
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HOST = "127.0.0.1"  # the only address this benchmark ever sends to
PERSONA = "Annette Nielsen"
SECRET_KEY = "benchmark-secret-key-" + "x" * 32
REQUEST_TIMEOUT = 30.0
MAX_REQUESTS_PER_PHASE = 1_000_000
TARGET_RATIO = 0.5
TARGET_P95_MS = 100.0
# A load client busier than this (share of one core) may be what limits the figures.
CLIENT_SATURATED = 0.85


@dataclass(frozen=True)
class Target:
    label: str
    path: str
    cookie: str | None
    # Bytes the decompressed body must contain: the page itself, not a login form or an error.
    markers: tuple[bytes, ...]


@dataclass
class Phase:
    name: str
    target: Target
    seconds: float  # requests are started during this long
    elapsed: float = 0.0  # from the start to the last answer
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)


# --- the server, in its own process -----------------------------------------------------------


def serve(database_url: str, log_path: str, pipe: Connection) -> None:
    """The child process: the portal as `portal serve` builds it, with one worker, on an ephemeral port."""
    # The server's log (a traceback per failed request) would drown the figures: it goes to a file.
    with open(log_path, "ab", buffering=0) as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    import uvicorn

    from portal.app import create_app
    from portal.settings import Settings

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.listen(2048)  # connections queue here until uvicorn accepts them
    port = int(sock.getsockname()[1])
    origin = f"http://localhost:{port}"
    environ = {
        "PORTAL_ENV": "demo",
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_ORIGIN": origin,
        "PORTAL_SECRET_KEY": SECRET_KEY,
    }
    os.environ.update(environ)
    app = create_app(Settings.from_env(environ, port=port))
    # The access log is off: writing a line per request would be measured along with the portal.
    config = uvicorn.Config(app, host=HOST, port=port, workers=1, log_level="warning", access_log=False)
    pipe.send(port)
    pipe.close()
    uvicorn.Server(config).run(sockets=[sock])


@contextmanager
def running_server(database_url: str, log_path: str) -> Iterator[tuple[int, int]]:
    """Starts the server process and yields (port, pid); stops it afterwards, whatever happened."""
    spawn = multiprocessing.get_context("spawn")
    parent_end, child_end = spawn.Pipe(duplex=False)
    process = spawn.Process(target=serve, args=(database_url, log_path, child_end), name="portal-server", daemon=True)
    process.start()
    child_end.close()
    try:
        if not parent_end.poll(60):
            raise RuntimeError(f"the portal's server process did not start within 60 s; its log:\n{read_log(log_path)}")
        port = int(parent_end.recv())
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, _ = fetch(port, "GET", "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or not process.is_alive():
                raise RuntimeError(f"the portal's server did not answer /healthz; its log:\n{read_log(log_path)}")
            time.sleep(0.1)
        assert process.pid is not None
        yield port, process.pid
    finally:
        process.terminate()
        process.join(15)
        if process.is_alive():
            process.kill()
            process.join(5)


def read_log(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as log:
            return log.read()
    except FileNotFoundError:
        return ""


def log_summary(text: str) -> list[str]:
    """Each distinct message the server logged, with how often: the first line of each record."""
    messages: Counter[str] = Counter(
        line.strip() for line in text.splitlines()
        if line.strip() and not line[0].isspace() and not line.startswith("Traceback (most recent call last)")
    )
    return [f"{count} x {message[:160]}" for message, count in messages.most_common()]


# --- logging in (plain blocking HTTP, before the load) ------------------------------------------


def fetch(port: int, method: str, path: str, body: str | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        all_headers = {"Host": f"localhost:{port}", **(headers or {})}
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def log_in(port: int, persona: str) -> str:
    """Enters as ``persona`` through POST /demo; returns the Cookie header that carries the session."""
    origin = f"http://localhost:{port}"
    status, _, page = fetch(port, "GET", "/demo")
    if status != 200:
        raise RuntimeError(f"GET /demo answered {status}: is the portal running with PORTAL_ENV=demo?")
    pattern = rf'name="user_id" value="(\d+)">\s*<button[^>]*>[^<]*{re.escape(persona)}<'
    match = re.search(pattern, page.decode())
    if match is None:
        raise RuntimeError(f"no demo persona called {persona!r} on /demo")
    # A same-origin Origin header is what the CSRF check wants from a form post.
    status, headers, _ = fetch(
        port, "POST", "/demo", body=f"user_id={match.group(1)}",
        headers={"Origin": origin, "Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != 303:
        raise RuntimeError(f"POST /demo answered {status}, not 303")
    cookies = [value.split(";", 1)[0].strip() for value in headers.get_all("Set-Cookie") or []]
    if not cookies:
        raise RuntimeError("POST /demo set no cookie")
    return "; ".join(cookies)


def check_logged_in(port: int, target: Target, persona: str) -> None:
    """Before the load: /min-plan with the cookie is Annette's plan, not the login or another page."""
    status, headers, body = fetch(port, "GET", target.path, headers={"Cookie": target.cookie or ""})
    if status != 200:
        raise RuntimeError(f"GET {target.path} with the session cookie answered {status} (location {headers.get('Location')})")
    missing = [m.decode() for m in target.markers if m not in body]
    if missing or persona.split()[0].encode() not in body:
        raise RuntimeError(f"GET {target.path} is not {persona}'s plan (missing {missing or persona})")


# --- the load client ----------------------------------------------------------------------------


def request_bytes(port: int, target: Target) -> bytes:
    lines = [
        f"GET {target.path} HTTP/1.1",
        f"Host: localhost:{port}",
        "User-Agent: en-plan-throughput",
        "Accept: text/html",
        "Accept-Encoding: gzip",
        "Accept-Language: da",
        "Connection: keep-alive",
    ]
    if target.cookie:
        lines.append(f"Cookie: {target.cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """One HTTP/1.1 response: (status, decoded body, whether the server will close the connection)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length: int | None = None
    chunked = gzipped = close = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        value = value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"content-encoding":
            gzipped = value == b"gzip"
        elif name == b"connection":
            close = value == b"close"
    if chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, if any
                    pass
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    elif length is not None:
        body = await reader.readexactly(length)
    else:
        body = await reader.read()
        close = True
    if gzipped:
        body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
    return status, body, close


class KeepAlive:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def one_client(request: bytes, phase: Phase, end: float, connection: KeepAlive) -> None:
    started = 0
    while started < MAX_REQUESTS_PER_PHASE:
        if time.perf_counter() >= end:
            break
        started += 1
        t0 = time.perf_counter()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                if connection.writer is None:
                    await connection.open()
                assert connection.reader is not None and connection.writer is not None
                connection.writer.write(request)
                await connection.writer.drain()
                status, body, close = await read_response(connection.reader)
        except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as error:
            connection.close()
            phase.errors[f"connection: {type(error).__name__}"] += 1
            await asyncio.sleep(0.01)  # a refused connection must not spin
            continue
        t1 = time.perf_counter()
        if close:
            connection.close()
        if status != 200:
            phase.errors[f"status {status}"] += 1
        elif not all(marker in body for marker in phase.target.markers):
            phase.errors["200 without the page's content"] += 1
        else:
            phase.latencies.append(t1 - t0)
    connection.close()


def cpu_snapshot(server_pid: int) -> dict[str, float]:
    """CPU seconds so far: the server process, this process (the client), and the whole machine busy."""
    ticks = os.sysconf("SC_CLK_TCK")
    snapshot = {"client": time.process_time(), "wall": time.perf_counter()}
    try:
        with open(f"/proc/{server_pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        snapshot["server"] = (int(fields[11]) + int(fields[12])) / ticks
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        snapshot["machine"] = (sum(values) - values[3] - values[4]) / ticks  # all but idle and iowait
    except (OSError, IndexError, ValueError):
        pass  # not Linux: CPU figures are left out
    return snapshot


def cpu_shares(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Share of one core each used over the interval (the machine's can reach the number of cores)."""
    wall = after["wall"] - before["wall"]
    return {key: (after[key] - before[key]) / wall for key in before if key != "wall" and key in after}


async def run_phase(port: int, server_pid: int, phase: Phase, clients: int) -> None:
    request = request_bytes(port, phase.target)
    connections = [KeepAlive(port) for _ in range(clients)]
    # Every connection is open before the clock starts: the phase measures requests, not handshakes.
    await asyncio.gather(*(c.open() for c in connections))
    before = cpu_snapshot(server_pid)
    end = before["wall"] + phase.seconds
    # No request starts after `end`; those in flight then are awaited and counted, so a slow
    # answer (or an error that takes long to come) is never lost, and the next phase starts
    # on an idle server.
    await asyncio.gather(*(one_client(request, phase, end, c) for c in connections))
    after = cpu_snapshot(server_pid)
    phase.elapsed = after["wall"] - before["wall"]
    phase.cpu = cpu_shares(before, after)


# --- reporting ----------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return math.nan
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def row(name: str, label: str, seconds: float, latencies: list[float], errors: Counter[str],
        cpu: dict[str, float] | None) -> str:
    ordered = sorted(latencies)
    p50, p95, p99 = (percentile(ordered, p) * 1000 for p in (50, 95, 99))
    count = len(latencies)
    text = (f"  {name:6} {label:28} {seconds:6.1f} {count:7d} {count / seconds:8.1f} {p50:8.1f} {p95:8.1f} {p99:8.1f} "
            f"{sum(errors.values()):7d}")
    if cpu:
        machine = cpu.get("machine")
        server = cpu.get("server")
        parts = [f"server {server:4.0%}" if server is not None else "",
                 f"client {cpu['client']:4.0%}",
                 f"rest {max(0.0, machine - (server or 0) - cpu['client']):4.0%}" if machine is not None else ""]
        text += "   " + " ".join(p for p in parts if p)
    return text


HEADER = (f"  {'phase':6} {'route':28} {'time s':>6} {'ok':>7} {'rps':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'errors':>7}   CPU, share of one core")


@dataclass
class EngineResult:
    engine: str
    plan_rps: float
    baseline_rps: float
    plan_p95_ms: float
    baseline_p95_ms: float
    errors: int


def report(engine: str, phases: list[Phase]) -> EngineResult:
    print(HEADER)
    for phase in phases:
        print(row(phase.name, phase.target.label, phase.elapsed, phase.latencies, phase.errors, phase.cpu))
        for reason, count in sorted(phase.errors.items()):
            print(f"         error: {reason} x{count}")
    totals: dict[str, tuple[float, float]] = {}
    errors_total = 0
    for label in dict.fromkeys(p.target.label for p in phases):
        mine = [p for p in phases if p.target.label == label]
        latencies = [x for p in mine for x in p.latencies]
        errors: Counter[str] = sum((p.errors for p in mine), Counter())
        seconds = sum(p.elapsed for p in mine)
        errors_total += sum(errors.values())
        print(row("total", label, seconds, latencies, errors, None))
        totals[label] = (len(latencies) / seconds, percentile(sorted(latencies), 95) * 1000)
    (plan_rps, plan_p95), (baseline_rps, baseline_p95) = totals.values()
    ratio = plan_rps / baseline_rps if baseline_rps else math.nan
    print(f"  ratio /min-plan rps / baseline rps: {ratio:.3f}   (target >= {TARGET_RATIO}: {'met' if ratio >= TARGET_RATIO else 'NOT met'})")
    print(f"  p95 of /min-plan: {plan_p95:.1f} ms   (target < {TARGET_P95_MS:.0f} ms: {'met' if plan_p95 < TARGET_P95_MS else 'NOT met'})")
    busy = [p for p in phases if p.cpu.get("client", 0.0) >= CLIENT_SATURATED]
    if busy:
        print(f"  note: the load client used >= {CLIENT_SATURATED:.0%} of a core in phase(s) "
              f"{', '.join(p.name for p in busy)}: there the client, not the portal, may be the limit")
    noisy = [p for p in phases if p.cpu.get("machine", 0.0) - p.cpu.get("server", 0.0) - p.cpu.get("client", 0.0) > 0.5]
    if noisy:
        print(f"  note: other processes used over half a core in phase(s) {', '.join(p.name for p in noisy)} "
              "(the database server, or someone else's work): figures are noisy")
    return EngineResult(engine, plan_rps, baseline_rps, plan_p95, baseline_p95, errors_total)


# --- databases ----------------------------------------------------------------------------------


def load_demo_data(database_url: str) -> None:
    """What `portal migrate` and `portal demo` do, on the URL the server will use."""
    from sqlalchemy.orm import Session

    from portal import migrate
    from portal.db import build_engine
    from portal.demo import load_demo

    engine = build_engine(database_url)
    try:
        migrate.upgrade(engine)
        with Session(engine) as session, session.begin():
            load_demo(session, dt.date.today())
    finally:
        engine.dispose()


@contextmanager
def sqlite_database() -> Iterator[tuple[str, str, str]]:
    """(URL, what it is, a temporary folder for the server's log)."""
    with tempfile.TemporaryDirectory(prefix="enplan-bench-") as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        yield url, f"a temporary file, {tmp}/bench.sqlite3", tmp


@contextmanager
def postgresql_database(admin_url: str) -> Iterator[tuple[str, str, str]]:
    """A fresh schema, as the tests make one per run; the portal reaches it through search_path."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from portal.db import build_engine

    schema = f"bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = build_engine(admin_url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            with tempfile.TemporaryDirectory(prefix="enplan-bench-") as tmp:
                yield url.render_as_string(hide_password=False), f"schema {schema} (dropped at the end)", tmp
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def postgres_reachable(url: str) -> str | None:
    """None when PostgreSQL answers, else why not (one line)."""
    from portal.db import build_engine

    engine = build_engine(url)
    try:
        with engine.connect():
            return None
    except Exception as error:  # the driver's errors, whatever they are
        return str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    finally:
        engine.dispose()


# --- the run ------------------------------------------------------------------------------------


def bench_engine(engine: str, database: tuple[str, str, str], args: argparse.Namespace) -> EngineResult:
    url, where, tmp = database
    print(f"\n{engine}: {where}")
    load_demo_data(url)
    log_path = os.path.join(tmp, "server.log")
    with running_server(url, log_path) as (port, server_pid):
        cookie = log_in(port, PERSONA)
        plan = Target("/min-plan (Annette)", "/min-plan", cookie, (b'id="contact-heading"', b'href="/min-plan/uge"'))
        baseline = Target("/tilgaengelighed (public)", "/tilgaengelighed", None, (b"WCAG 2.1",))
        check_logged_in(port, plan, PERSONA)
        print(f"  server: pid {server_pid}, 1 uvicorn worker on {HOST}:{port}; logged in as {PERSONA} (citizen)")

        async def run() -> list[Phase]:
            warm = args.warmup / 2
            for target in (plan, baseline):
                warmup = Phase("warm", target, warm)
                await run_phase(port, server_pid, warmup, args.clients)
                if warmup.errors:
                    print(f"  warm-up {target.path}: errors {dict(warmup.errors)}")
            phases = [Phase(name, target, args.seconds)
                      for name, target in (("A1", plan), ("B1", baseline), ("A2", plan), ("B2", baseline))]
            for phase in phases:
                await run_phase(port, server_pid, phase, args.clients)
            return phases

        phases = asyncio.run(run())
        # The session must still be Annette's at the end, or the last phases measured something else.
        check_logged_in(port, plan, PERSONA)
    result = report(engine, phases)
    logged = log_summary(read_log(log_path))
    print("  the server logged " + ("nothing (warnings and worse only; no access log)" if not logged else "(the warm-up included):"))
    for line in logged:
        print(f"    {line}")
    return result


def positive(limit: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
        if not 1 <= number <= limit:
            raise argparse.ArgumentTypeError(f"must be between 1 and {limit}, not {number}")
        return number
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="throughput", description="Requests per second of /min-plan against the public /tilgaengelighed."
    )
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seconds", type=positive(120), default=5, help="length of each of the 4 phases (default 5)")
    parser.add_argument("--clients", type=positive(500), default=50, help="concurrent keep-alive connections (default 50)")
    parser.add_argument("--warmup", type=positive(60), default=2, help="warm-up seconds, not counted (default 2)")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("PORTAL_BENCH_POSTGRES_URL") or DEFAULT_POSTGRES_URL,
        help=f"PostgreSQL to make a schema in (default $PORTAL_BENCH_POSTGRES_URL or {DEFAULT_POSTGRES_URL})",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    print(f"throughput: 1 uvicorn worker; {args.clients} keep-alive clients in one asyncio process; "
          f"phases A B A B of {args.seconds} s after {args.warmup} s of warm-up")
    print("  A = GET /min-plan as Annette, B = GET /tilgaengelighed anonymous (the baseline); gzip accepted;")
    print("  requests start for the phase's length and all are awaited: time = start to last answer;")
    print("  ok = 200 with the page's content; rps = ok / time; latency of the ok ones, request to last byte;")
    print(f"  {os.cpu_count()} cores shared by the server, the client and the database, so figures are noisy")
    results: list[EngineResult] = []
    engines = ["postgresql", "sqlite"] if args.engine == "both" else [args.engine]
    for engine in engines:
        if engine == "postgresql":
            problem = postgres_reachable(args.postgres_url)
            if problem is not None:
                print(f"\npostgresql: skipped, cannot connect ({problem})")
                if args.engine == "postgresql":
                    return 1
                continue
            with postgresql_database(args.postgres_url) as database:
                results.append(bench_engine(engine, database, args))
        else:
            with sqlite_database() as database:
                results.append(bench_engine(engine, database, args))
    print("\nsummary (targets from the issue: ratio >= 0.5, p95 of /min-plan < 100 ms; not asserted)")
    print(f"  {'engine':10} {'/min-plan rps':>14} {'baseline rps':>13} {'ratio':>7} {'p95 min-plan':>13} {'p95 baseline':>13} {'errors':>7}")
    for r in results:
        ratio = r.plan_rps / r.baseline_rps if r.baseline_rps else math.nan
        print(f"  {r.engine:10} {r.plan_rps:14.1f} {r.baseline_rps:13.1f} {ratio:7.3f} "
              f"{r.plan_p95_ms:10.1f} ms {r.baseline_p95_ms:10.1f} ms {r.errors:7d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Racing saves: no lost update when many caseworkers save at once (issue 9).

The portal runs in a process of its own (as benchmarks/throughput.py starts it: one uvicorn
worker, PORTAL_ENV=demo, demo data) or, with --workers N on PostgreSQL, as `portal serve
--workers N`. WRITERS sessions log in as Camilla Brandt (Annette's contact person), each in its
own login. Two rounds, each started at once by a barrier:

    same       every writer opens the same effort's form (so all hold the same version), then all
               save it with their own title at once: exactly one save may succeed (303), every
               other one must get the conflict view (409) showing that writer's own title, and the
               effort must hold the winner's title with its version raised by exactly one and one
               title revision: nothing lost, nothing written twice.
    different  every writer opens the form of an effort of their own (efforts added to the plan for
               the run) and all save at once: every save must succeed and every effort hold its
               writer's title.

Prints the counts, ratios and latencies per round and engine; exits 1 if an invariant breaks.

Run: .venv/bin/python benchmarks/racing_saves.py [--engine sqlite|postgresql|both] [--writers N] [--workers N]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name: str, path: str) -> Any:
    """A sibling file as a module, without touching sys.path (the suite imports every benchmark)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


tp = _load("_bench_throughput", os.path.join(HERE, "throughput.py"))  # server, login, databases
read_form = _load("_bench_html_forms", os.path.join(os.path.dirname(HERE), "tests", "support", "html_forms.py")).read_form

PERSONA = "Camilla Brandt"
CITIZEN = "Annette"
CONFLICT_MARKER = "Nogen gemte før dig".encode()


@dataclass
class Round:
    name: str
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    problems: list[str] = field(default_factory=list)


# --- the database, before and after --------------------------------------------------------------


def prepare(url: str, extra_efforts: int) -> tuple[int, int, list[int]]:
    """(plan id, the effort all race for, the efforts each writer gets): efforts added to Annette's plan."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from portal.accounts.models import Person
    from portal.db import build_engine
    from portal.plans.models import Effort, Plan

    engine = build_engine(url)
    try:
        with Session(engine) as db, db.begin():
            plan = db.scalars(select(Plan).join(Person, Plan.citizen_id == Person.id).where(Person.first_name == CITIZEN)).one()
            model = next(e for e in plan.efforts if e.department_id is not None)
            added = [
                Effort(plan_id=plan.id, member_person_id=model.member_person_id, title=f"Løb {n}", description="",
                       department_id=model.department_id, status="planned", physical_demands=[])
                for n in range(extra_efforts)
            ]
            db.add_all(added)
            db.flush()
            return plan.id, model.id, [e.id for e in added]
    finally:
        engine.dispose()


def effort_state(url: str, effort_ids: list[int]) -> dict[int, tuple[str, int, int]]:
    """Per effort: (title, version, number of title revisions)."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from portal.db import build_engine
    from portal.plans.models import Effort, Revision

    engine = build_engine(url)
    try:
        with Session(engine) as db:
            revisions: dict[int, int] = dict(db.execute(  # type: ignore[arg-type]
                select(Revision.entity_id, func.count()).where(
                    Revision.entity == "effort", Revision.field == "title", Revision.entity_id.in_(effort_ids))
                .group_by(Revision.entity_id)
            ).all())
            return {
                e.id: (e.title, e.version, int(revisions.get(e.id, 0)))
                for e in db.scalars(select(Effort).where(Effort.id.in_(effort_ids)))
            }
    finally:
        engine.dispose()


# --- servers -------------------------------------------------------------------------------------


@contextmanager
def many_workers(url: str, workers: int, log_path: str) -> Iterator[tuple[int, int]]:
    """`portal serve --workers N` on a free port; yields (port, pid)."""
    with socket.socket() as sock:
        sock.bind((tp.HOST, 0))
        port = int(sock.getsockname()[1])
    env = {
        **os.environ, "PORTAL_ENV": "demo", "PORTAL_DATABASE_URL": url, "PORTAL_SECRET_KEY": tp.SECRET_KEY,
        "PORTAL_ORIGIN": f"http://localhost:{port}",
    }
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "portal", "serve", "--host", tp.HOST, "--port", str(port), "--workers", str(workers)],
            env=env, stdout=log, stderr=log, cwd=os.path.dirname(HERE),
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if tp.fetch(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"`portal serve --workers {workers}` did not start; its log:\n{tp.read_log(log_path)}")
            time.sleep(0.2)
        time.sleep(1.0)  # every worker up, not just the first
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


# --- the writers ---------------------------------------------------------------------------------


def open_form(port: int, cookie: str, path: str) -> list[tuple[str, str]]:
    status, _, body = tp.fetch(port, "GET", path, headers={"Cookie": cookie})
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}")
    return read_form(body.decode(), path)


def race(port: int, name: str, jobs: list[tuple[str, str, list[tuple[str, str]]]]) -> tuple[Round, list[bytes]]:
    """Every (cookie, path, fields) posted at once, from its own thread; the answers in order."""
    result = Round(name)
    bodies: list[bytes] = [b""] * len(jobs)
    barrier = threading.Barrier(len(jobs) + 1)
    lock = threading.Lock()

    def write(index: int, cookie: str, path: str, fields: list[tuple[str, str]]) -> None:
        body = urllib.parse.urlencode(fields)
        headers = {"Cookie": cookie, "Origin": f"http://localhost:{port}", "Content-Type": "application/x-www-form-urlencoded"}
        barrier.wait()
        started = time.perf_counter()
        try:
            status, _, answer = tp.fetch(port, "POST", path, body=body, headers=headers)
        except OSError as error:
            status, answer = 0, str(error).encode()
        took = time.perf_counter() - started
        with lock:
            result.statuses[status] += 1
            result.latencies.append(took)
            bodies[index] = answer

    threads = [threading.Thread(target=write, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - started
    return result, bodies


def run(engine: str, url: str, tmp: str, writers: int, workers: int) -> list[Round]:
    tp.load_demo_data(url)
    plan_id, shared, own = prepare(url, writers)
    log_path = os.path.join(tmp, "server.log")
    server = many_workers(url, workers, log_path) if workers > 1 else tp.running_server(url, log_path)
    with server as (port, _pid):
        cookies = [tp.log_in(port, PERSONA) for _ in range(writers)]
        before = effort_state(url, [shared])[shared]

        # Round 1: the same effort, from the same version.
        path = f"/sag/plan/{plan_id}/indsats/{shared}"
        forms = [open_form(port, cookie, path) for cookie in cookies]
        titles = [f"Skriver {n} gemmer" for n in range(writers)]
        jobs = [(cookie, path, [(k, v) for k, v in form if k != "title"] + [("title", title)])
                for cookie, form, title in zip(cookies, forms, titles, strict=True)]
        same, bodies = race(port, "same effort", jobs)
        after = effort_state(url, [shared])[shared]
        if same.statuses[303] != 1:
            same.problems.append(f"{same.statuses[303]} saves succeeded, not exactly 1")
        if same.statuses[409] != writers - 1:
            same.problems.append(f"{same.statuses[409]} conflicts, not {writers - 1}")
        if after[1] != before[1] + 1 or after[2] != before[2] + 1:
            same.problems.append(f"version {before[1]}→{after[1]}, title revisions {before[2]}→{after[2]}: not one write")
        if after[0] not in titles:
            same.problems.append(f"the effort holds {after[0]!r}, no writer's title")
        for title, body in zip(titles, bodies, strict=True):
            if title != after[0] and not (CONFLICT_MARKER in body and title.encode() in body):
                same.problems.append(f"{title!r} lost: its answer is not a conflict view holding it")
                break

        # Round 2: an effort each.
        paths = [f"/sag/plan/{plan_id}/indsats/{effort_id}" for effort_id in own]
        forms = [open_form(port, cookie, p) for cookie, p in zip(cookies, paths, strict=True)]
        jobs = [(cookie, p, [(k, v) for k, v in form if k != "title"] + [("title", f"Egen {n}")])
                for n, (cookie, p, form) in enumerate(zip(cookies, paths, forms, strict=True))]
        different, _bodies = race(port, "different efforts", jobs)
        state = effort_state(url, own)
        if different.statuses[303] != writers:
            different.problems.append(f"{different.statuses[303]} of {writers} saves succeeded")
        wrong = [effort_id for n, effort_id in enumerate(own) if state[effort_id][0] != f"Egen {n}"]
        if wrong:
            different.problems.append(f"{len(wrong)} efforts do not hold their writer's title")
        summary = tp.log_summary(tp.read_log(log_path))
    rounds = [same, different]
    for round_ in rounds:
        report(engine, workers, writers, round_)
    if summary:
        print("  server log: " + "; ".join(summary[:5]))
    return rounds


def _ms(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def report(engine: str, workers: int, writers: int, round_: Round) -> None:
    ok, conflicts = round_.statuses[303], round_.statuses[409]
    others = {status: n for status, n in round_.statuses.items() if status not in (303, 409)}
    verdict = "OK" if not round_.problems else "BROKEN: " + "; ".join(round_.problems)
    print(
        f"  {engine:10} workers={workers} {round_.name:17} writers={writers:3}  saved={ok:3} ({ok / writers:6.1%})  "
        f"conflict={conflicts:3} ({conflicts / writers:6.1%})  other={others or 0}  "
        f"wall={round_.elapsed * 1000:7.1f} ms  p50={_ms(round_.latencies, 0.5):6.1f} ms  "
        f"p95={_ms(round_.latencies, 0.95):6.1f} ms  mean={statistics.fmean(round_.latencies) * 1000 if round_.latencies else 0:6.1f} ms  "
        f"{verdict}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4, help="worker processes for the extra PostgreSQL run (1: none)")
    parser.add_argument("--postgres-url", default=os.environ.get("PORTAL_BENCH_POSTGRES_URL", tp.DEFAULT_POSTGRES_URL))
    args = parser.parse_args(argv)
    broken = False
    runs: list[tuple[str, int]] = []
    if args.engine in ("sqlite", "both"):
        runs.append(("sqlite", 1))
    if args.engine in ("postgresql", "both"):
        problem = tp.postgres_reachable(args.postgres_url)
        if problem:
            print(f"postgresql: skipped, not reachable ({problem})")
        else:
            runs.append(("postgresql", 1))
            if args.workers > 1:
                runs.append(("postgresql", args.workers))
    for engine, workers in runs:
        database = tp.sqlite_database() if engine == "sqlite" else tp.postgresql_database(args.postgres_url)
        with database as (url, where, tmp):
            print(f"\n{engine} ({where}), {workers} worker process(es):")
            rounds = run(engine, url, tmp, args.writers, workers)
            broken = broken or any(r.problems for r in rounds)
    print("\ninvariant: " + ("BROKEN" if broken else "held (one save per version, every other writer shown the conflict, nothing lost)"))
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())

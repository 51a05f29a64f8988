"""Anonymous floods leave a bounded number of rows; readiness tells the truth about the database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import migrate
from portal.accounts.models import RateLimitEvent, WebAuthnChallenge
from portal.accounts.passkeys import MAX_CHALLENGES_PER_CLIENT
from portal.app import create_app
from portal.audit.models import SecurityEvent
from portal.db import Database, build_engine
from portal.demo import load_demo
from portal.ratelimit import CSRF_REFUSAL_LOG

from tests.conftest import DEMO_TODAY, TEST_ORIGIN, PortalClient, make_settings
from tests.support.soft_authenticator import SoftAuthenticator
from tests.web.test_accounts import activate, is_logged_in, issue_citizen_letter, log_in, log_out, post_json

FLOOD = 1000
FLOODER = "203.0.113.66"


def _count(db: Session, model: type, *where: object) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _citizen_at(address: str, client: PortalClient, db: Session) -> tuple[PortalClient, SoftAuthenticator]:
    """A new citizen, activated in a browser at this address and logged out again."""
    client.login_as("Camilla Brandt")
    letter = issue_citizen_letter(client, db)
    browser = PortalClient(client.app, base_url=TEST_ORIGIN, client=(address, 50000))
    response, auth = activate(browser, letter)
    assert response.status_code == 200, response.text
    log_out(browser)
    return browser, auth


def test_a_flood_of_login_challenges_keeps_only_the_newest_per_address(client: PortalClient, demo_db: Session) -> None:
    address = "198.51.100.10"
    browser, auth = _citizen_at(address, client, demo_db)
    bystander = PortalClient(client.app, base_url=TEST_ORIGIN, client=("198.51.100.20", 50000))
    assert post_json(bystander, "/log-ind/valg").status_code == 200
    flooder = PortalClient(client.app, base_url=TEST_ORIGIN, client=(address, 50001))
    token = flooder.csrf_token("/gendan")
    total_before = _count(demo_db, WebAuthnChallenge)
    for _ in range(FLOOD):
        response = flooder.post("/log-ind/valg", json={}, headers={"X-CSRF-Token": token})
        assert response.status_code == 200
    assert _count(demo_db, WebAuthnChallenge, WebAuthnChallenge.client_key == address) == MAX_CHALLENGES_PER_CLIENT == 20
    assert _count(demo_db, WebAuthnChallenge) <= total_before + MAX_CHALLENGES_PER_CLIENT
    # Someone at another address keeps their challenge.
    assert _count(demo_db, WebAuthnChallenge, WebAuthnChallenge.client_key == "198.51.100.20") == 1
    # The citizen at the flooded address still logs in: their challenge is the newest.
    assert log_in(browser, auth).status_code == 200
    assert is_logged_in(browser)


def test_the_oldest_challenge_of_an_address_is_the_one_replaced(client: PortalClient, demo_db: Session) -> None:
    browser, auth = _citizen_at("198.51.100.11", client, demo_db)
    stale = auth.get(post_json(browser, "/log-ind/valg").json(), TEST_ORIGIN)
    for _ in range(MAX_CHALLENGES_PER_CLIENT - 1):
        post_json(browser, "/log-ind/valg")
    # Still among the newest 20: it works.
    assert post_json(browser, "/log-ind", {"credential": stale}).status_code == 200
    log_out(browser)
    stale = auth.get(post_json(browser, "/log-ind/valg").json(), TEST_ORIGIN)
    for _ in range(MAX_CHALLENGES_PER_CLIENT):
        post_json(browser, "/log-ind/valg")
    refused = post_json(browser, "/log-ind", {"credential": stale})
    assert refused.status_code == 400
    assert refused.json()["reason"] == "unknown_challenge"


def test_activation_challenges_are_capped_too(client: PortalClient, demo_db: Session) -> None:
    client.login_as("Camilla Brandt")
    letter = issue_citizen_letter(client, demo_db)
    flooder = PortalClient(client.app, base_url=TEST_ORIGIN, client=(FLOODER, 50000))
    for _ in range(MAX_CHALLENGES_PER_CLIENT * 3):
        assert post_json(flooder, letter.path + "/valg").status_code == 200
    assert _count(demo_db, WebAuthnChallenge, WebAuthnChallenge.client_key == FLOODER) == MAX_CHALLENGES_PER_CLIENT
    response, _auth = activate(flooder, letter)
    assert response.status_code == 200, response.text


def test_a_flood_of_refused_forms_logs_only_the_first_few_per_address(client: PortalClient, demo_db: Session) -> None:
    flooder = PortalClient(client.app, base_url=TEST_ORIGIN, client=(FLOODER, 50000))
    other = PortalClient(client.app, base_url=TEST_ORIGIN, client=("198.51.100.21", 50000))
    is_flooder = SecurityEvent.client_address == FLOODER
    before = _count(demo_db, SecurityEvent)
    for _ in range(FLOOD):
        assert flooder.post("/demo", data={"user_id": "1"}, follow_redirects=False).status_code == 403
    assert _count(demo_db, SecurityEvent, SecurityEvent.kind == "csrf_refused", is_flooder) == CSRF_REFUSAL_LOG.max_attempts == 10
    assert _count(demo_db, SecurityEvent) == before + 10
    assert _count(demo_db, RateLimitEvent, RateLimitEvent.key == FLOODER) == 10
    # A refusal from another address is still logged.
    assert other.post("/demo", data={"user_id": "1"}, follow_redirects=False).status_code == 403
    assert _count(demo_db, SecurityEvent, SecurityEvent.kind == "csrf_refused", SecurityEvent.client_address == "198.51.100.21") == 1
    # Whoever sits at the flooded address can still log in.
    response = flooder.post_form("/demo", {"user_id": "1"}, token_from="/demo", follow_redirects=False)
    assert response.status_code == 303
    assert flooder.get("/indstillinger", follow_redirects=False).status_code == 200


# --- readiness, and recovering from a read-only SQLite file ------------------------------------------


def _writable(path: Path) -> bool:
    """Whether this process can write the SQLite file, as a fresh connection finds it."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("UPDATE alembic_version SET version_num = version_num WHERE 0")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()


class ReadOnlyFile:
    """Makes a file read-only for real. Root ignores permission bits, so as root the file is
    made immutable (chattr +i), which the kernel enforces for root too; anyone else gets chmod."""

    def __init__(self, path: Path):
        self.path = path
        self.mode = path.stat().st_mode

    def __enter__(self) -> "ReadOnlyFile":
        if os.geteuid() == 0:
            done = subprocess.run(["chattr", "+i", str(self.path)], capture_output=True, check=False)
            if done.returncode != 0:
                pytest.skip(f"cannot make a file read-only as root here: {done.stderr.decode().strip()}")
        else:
            self.path.chmod(0o444)
        if _writable(self.path):
            self.undo()
            pytest.skip("the file stayed writable")
        return self

    def undo(self) -> None:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(self.path)], check=True)
        self.path.chmod(self.mode)

    def __exit__(self, *exc: object) -> None:
        if not _writable(self.path):
            self.undo()


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "portal.sqlite3"
    engine = build_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with Session(engine) as session, session.begin():
        load_demo(session, DEMO_TODAY)
    engine.dispose()
    yield path


def _portal_on(path: Path) -> tuple[Database, PortalClient]:
    settings = make_settings(database_url=f"sqlite:///{path}")
    database = Database.from_url(settings.database_url)
    app = create_app(settings, database=database)
    return database, PortalClient(app, base_url=TEST_ORIGIN, raise_server_exceptions=False)


def _demo_login(browser: PortalClient) -> int:
    browser.cookies.clear()
    return int(browser.post_form("/demo", {"user_id": "1"}, token_from="/demo", follow_redirects=False).status_code)


def test_read_only_database_is_not_ready_and_recovers_without_a_restart(sqlite_file: Path) -> None:
    database, browser = _portal_on(sqlite_file)
    with browser:
        assert browser.get("/readyz").json() == {"status": "ok", "database": "reachable"}
        assert _demo_login(browser) == 303
        with ReadOnlyFile(sqlite_file) as read_only:
            # The pooled connections were opened while the file was writable; a new worker,
            # or a pool that had to reconnect, opens them now, while it is not.
            database.engine.dispose()
            ready = browser.get("/readyz")
            assert ready.status_code == 503
            assert ready.json() == {"status": "unavailable", "database": "read_only"}
            browser.cookies.clear()
            token = browser.csrf_token("/demo")
            refused = browser.post("/demo", data={"user_id": "1", "csrf_token": token}, follow_redirects=False)
            assert refused.status_code == 503
            assert "Portalen virker ikke lige nu" in refused.text
            assert "Traceback" not in refused.text and "readonly" not in refused.text
            read_only.undo()
        # Writable again: the same app, with no restart, takes writes and says it is ready.
        assert _demo_login(browser) == 303
        assert browser.get("/indstillinger", follow_redirects=False).status_code == 200
        assert browser.get("/readyz").json() == {"status": "ok", "database": "reachable"}
    database.dispose()


def test_readiness_recovers_too_when_it_was_the_first_to_notice(sqlite_file: Path) -> None:
    database, browser = _portal_on(sqlite_file)
    with browser:
        with ReadOnlyFile(sqlite_file) as read_only:
            assert browser.get("/readyz").json()["database"] == "read_only"
            read_only.undo()
        assert browser.get("/readyz").json() == {"status": "ok", "database": "reachable"}
    database.dispose()


def test_a_database_without_the_schema_is_not_ready(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    database, browser = _portal_on(empty)
    with browser:
        ready = browser.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"status": "unavailable", "database": "no_schema"}
    database.dispose()


def test_a_database_behind_the_code_is_not_ready(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    engine = build_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, "0001")
    engine.dispose()
    database, browser = _portal_on(path)
    with browser:
        assert browser.get("/readyz").json() == {"status": "unavailable", "database": "old_schema"}
        engine = build_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        engine.dispose()
        assert browser.get("/readyz").json() == {"status": "ok", "database": "reachable"}
    database.dispose()

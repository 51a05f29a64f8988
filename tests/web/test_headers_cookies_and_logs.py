"""What every response carries (security headers, no-store, HSTS), the session and CSRF
cookies around login, and what a database failure leaves in the log."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.testclient import TestClient

from portal.access import Access
from portal.accounts.services import Accounts
from portal.accounts.models import User
from portal.app import create_app
from portal.db import Database, utcnow
from portal.security import CSRF_COOKIE, SESSION_COOKIE, CsrfProtection, SessionCookie
from portal.settings import Settings
from portal.web import context, route

from tests.conftest import TEST_ORIGIN, PortalClient, _drop, _new_engine, _session_factory, make_settings

PRODUCTION_ORIGIN = "https://plan.example.dk"
HSTS = "max-age=63072000; includeSubDomains"
SECRET_NAME = "Hemmelig Hansen 4711"


def security_headers_present(response: Response) -> None:
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert response.headers.get("x-frame-options") == "DENY"


def boom(request: Request) -> Response:
    raise RuntimeError("a bug in a view")


def with_route(app, path: str, view, methods=("GET",)):  # type: ignore[no-untyped-def]
    app.router.routes.append(route(path, view, access=Access.PUBLIC, methods=methods))
    return app


@pytest.fixture
def production_app(demo_connection):  # type: ignore[no-untyped-def]
    settings = make_settings(env="production", origin=PRODUCTION_ORIGIN)
    # The test's own connection, so the app sees what the test wrote (and rolls it back with it).
    return create_app(settings, database=Database(demo_connection.engine, _session_factory(demo_connection)))


# --- headers ------------------------------------------------------------------------


def test_a_500_carries_the_security_headers_and_no_store(app) -> None:  # type: ignore[no-untyped-def]
    with PortalClient(with_route(app, "/test/boom", boom), base_url=TEST_ORIGIN, raise_server_exceptions=False) as client:
        response = client.get("/test/boom")
    assert response.status_code == 500
    assert "a bug in a view" not in response.text and "Traceback" not in response.text
    security_headers_present(response)
    assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in response.headers


@pytest.mark.parametrize("path", ["/", "/findes-ikke", "/healthz", "/min-plan"])
def test_pages_errors_json_and_redirects_are_not_stored(client: PortalClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code in (200, 303, 404)
    security_headers_present(response)
    assert response.headers["cache-control"] == "no-store"


def test_a_personal_page_and_a_json_answer_are_not_stored(client: PortalClient) -> None:
    client.login_as("Annette Nielsen")
    page = client.get("/min-plan")
    assert page.status_code == 200 and "Annette" in page.text
    assert page.headers["cache-control"] == "no-store"
    answer = client.post("/log-ind/valg", headers={"X-CSRF-Token": client.csrf_token("/gendan")}, json={})
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["cache-control"] == "no-store"


def test_static_files_keep_their_long_caching(client: PortalClient) -> None:
    css = re.search(r'href="(/static/css/portal\.css\?v=[0-9a-f]+)"', client.get("/").text)
    assert css
    response = client.get(css.group(1))
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    security_headers_present(response)
    # Without a version the browser may still keep it and revalidate by ETag.
    unversioned = client.get(css.group(1).split("?", 1)[0])
    assert unversioned.status_code == 200 and "etag" in unversioned.headers
    assert "no-store" not in unversioned.headers.get("cache-control", "")


def test_hsts_in_production_on_every_response_500s_included(production_app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(with_route(production_app, "/test/boom", boom), base_url=PRODUCTION_ORIGIN, raise_server_exceptions=False) as client:
        for path in ("/", "/findes-ikke", "/healthz", "/test/boom"):
            response = client.get(path, follow_redirects=False)
            assert response.headers.get("strict-transport-security") == HSTS, path
            security_headers_present(response)


def test_no_hsts_outside_production(client: PortalClient) -> None:
    for path in ("/", "/findes-ikke", "/healthz"):
        assert "strict-transport-security" not in client.get(path).headers


# --- cookies ------------------------------------------------------------------------


def set_cookies(response: object, name: str) -> list[str]:
    headers = getattr(response, "headers")
    # httpx (client side) and Starlette (server side) spell the multi-value getter differently.
    values = headers.get_list("set-cookie") if hasattr(headers, "get_list") else headers.getlist("set-cookie")
    return [h for h in values if h.startswith(name + "=")]


def test_https_session_cookie_is_host_prefixed_secure_and_without_domain() -> None:
    cookies = SessionCookie(make_settings(env="production", origin=PRODUCTION_ORIGIN))
    response = PlainTextResponse("")
    cookies.attach(response, "a-session-id")
    (header,) = set_cookies(response, "__Host-" + SESSION_COOKIE)
    attributes = [part.strip().lower() for part in header.split(";")[1:]]
    assert "secure" in attributes and "path=/" in attributes and "httponly" in attributes
    assert not any(part.startswith("domain") for part in attributes)
    assert set_cookies(response, SESSION_COOKIE) == []


def test_http_demo_keeps_the_plain_cookie_names(client: PortalClient) -> None:
    client.get("/demo")
    page = client.get("/demo")
    user_id = re.search(r'name="user_id" value="(\d+)"', page.text)
    assert user_id
    response = client.post_form("/demo", {"user_id": user_id.group(1)}, token_from="/demo", follow_redirects=False)
    (header,) = set_cookies(response, SESSION_COOKIE)
    assert "secure" not in header.lower()
    assert set_cookies(response, "__Host-" + SESSION_COOKIE) == []


def annette_session(demo_db, settings: Settings) -> str:  # type: ignore[no-untyped-def]
    annette = demo_db.scalars(select(User).where(User.display_name == "Annette Nielsen")).one()
    login = Accounts(demo_db, settings.secret_key).start_session(annette, utcnow())
    demo_db.flush()
    signed = PlainTextResponse("")
    SessionCookie(settings).attach(signed, login.id)
    return signed.headers["set-cookie"].split(";", 1)[0].split("=", 1)[1]


def test_production_reads_the_session_only_from_the_host_cookie(demo_db, production_app) -> None:  # type: ignore[no-untyped-def]
    cookie = annette_session(demo_db, production_app.state.settings)
    with TestClient(production_app, base_url=PRODUCTION_ORIGIN) as browser:
        browser.cookies.set("__Host-" + SESSION_COOKIE, cookie)
        assert browser.get("/min-plan", follow_redirects=False).status_code == 200
    # The same value under the plain name could be planted by a sibling subdomain: ignored.
    with TestClient(production_app, base_url=PRODUCTION_ORIGIN) as browser:
        browser.cookies.set(SESSION_COOKIE, cookie)
        assert browser.get("/min-plan", follow_redirects=False).status_code == 303


def test_a_csrf_token_from_before_login_is_refused_after_it(client: PortalClient) -> None:
    before = client.csrf_token("/demo")
    client.login_as("Annette Nielsen")
    stale = client.post("/sprog", data={"csrf_token": before, "sprog": "en", "next": "/"}, follow_redirects=False)
    assert stale.status_code == 403
    fresh = client.post("/sprog", data={"csrf_token": client.csrf_token("/"), "sprog": "en", "next": "/"}, follow_redirects=False)
    assert fresh.status_code == 303
    assert client.csrf_token("/") != before


def test_login_sets_one_new_csrf_seed_even_for_a_browser_without_one(app, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    with PortalClient(app, base_url=TEST_ORIGIN) as other:
        user_id = re.search(r'name="user_id" value="(\d+)"', other.get("/demo").text)
    assert user_id
    with PortalClient(app, base_url=TEST_ORIGIN) as fresh:
        # Same-origin by header, so no cookie is needed to pass CSRF; the request has no seed yet.
        response = fresh.post("/demo", data={"user_id": user_id.group(1)}, headers={"Origin": TEST_ORIGIN}, follow_redirects=False)
        assert response.status_code == 303
        (header,) = set_cookies(response, CSRF_COOKIE)
        seed = header.split(";", 1)[0].split("=", 1)[1]
        token = CsrfProtection(settings).token(seed)
        after = fresh.post("/sprog", data={"csrf_token": token, "sprog": "da", "next": "/"}, follow_redirects=False)
        assert after.status_code == 303


# --- what a database failure leaves in the log ---------------------------------------


def logged_text(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter("%(name)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


@pytest.fixture
def schemaless_database(engine_kind: str, tmp_path: Path) -> Iterator[Database]:
    handle, schema = _new_engine(engine_kind, "noschema", tmp_path)
    yield Database(handle.engine)
    _drop(handle, schema)


def test_a_failed_session_lookup_logs_no_session_id(schemaless_database: Database, caplog: pytest.LogCaptureFixture) -> None:
    settings = make_settings()
    app = create_app(settings, database=schemaless_database)
    session_id = "SESSIONID" + "q" * 40
    signed = PlainTextResponse("")
    SessionCookie(settings).attach(signed, session_id)
    with caplog.at_level(logging.INFO), PortalClient(app, base_url=TEST_ORIGIN) as browser:
        browser.cookies.set(SESSION_COOKIE, signed.headers["set-cookie"].split(";", 1)[0].split("=", 1)[1])
        response = browser.get("/min-plan")
    assert response.status_code in (500, 503)
    security_headers_present(response)
    logged = logged_text(caplog)
    assert "database" in logged and "SELECT" in logged  # the failure is logged, with its statement
    assert session_id not in logged


def insert_a_nameless_municipality(request: Request) -> Response:
    ctx = context(request)
    # No code: a NOT NULL violation, whose PostgreSQL message quotes the whole row.
    db = request.app.state.database.current
    db.execute(text("INSERT INTO municipality (code, name) VALUES (NULL, :name)"), {"name": ctx.form.get("name")})
    return PlainTextResponse("not reached")


def test_a_database_error_logs_no_value_typed_into_a_form(app, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    with_route(app, "/test/municipality", insert_a_nameless_municipality, methods=("POST",))
    # Server exceptions are raised here: the error must be answered inside the app, since the
    # server would log its traceback, driver message and all.
    with caplog.at_level(logging.INFO), PortalClient(app, base_url=TEST_ORIGIN) as browser:
        response = browser.post_form("/test/municipality", {"name": SECRET_NAME})
    assert response.status_code == 500
    assert "Traceback" not in response.text and SECRET_NAME not in response.text
    logged = logged_text(caplog)
    assert "IntegrityError" in logged and "INSERT INTO municipality" in logged
    assert SECRET_NAME not in logged

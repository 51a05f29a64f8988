"""Routes declare who may use them; CSRF guards every state change; errors are calm pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from starlette.routing import Mount
from starlette.testclient import TestClient

from portal.access import Access
from portal.app import create_app
from portal.audit.models import SecurityEvent
from portal.db import Database
from portal.web import DeclaredRoute

from tests.conftest import PortalClient, make_settings


def test_every_route_declares_its_access(settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings, database=Database.from_url("sqlite://"))
    undeclared = [
        getattr(r, "path", r)
        for r in app.routes
        if not (isinstance(r, DeclaredRoute) and isinstance(r.access, Access)) and not (isinstance(r, Mount) and r.path == "/static")
    ]
    assert undeclared == []


# Routes whose whole purpose is a cross-site POST (an identity provider's answer). Each one
# here is a decision, written down: none yet.
ROUTES_WITHOUT_CSRF: set[str] = set()


def test_only_the_listed_routes_skip_csrf(settings) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings, database=Database.from_url("sqlite://"))
    skipping = {r.path for r in app.routes if isinstance(r, DeclaredRoute) and not r.csrf}
    assert skipping == ROUTES_WITHOUT_CSRF


def test_a_route_that_skips_csrf_takes_a_cross_site_post(app, client: PortalClient) -> None:  # type: ignore[no-untyped-def]
    """The other side: csrf=False really lets a foreign Origin in, so the list above means something."""
    from starlette.responses import PlainTextResponse

    from portal.web import route

    app.router.routes.append(route("/test/answer", lambda request: PlainTextResponse("ok"), access=Access.PUBLIC, methods=("POST",), csrf=False))
    app.router.routes.append(route("/test/guarded", lambda request: PlainTextResponse("ok"), access=Access.PUBLIC, methods=("POST",)))
    foreign = {"Origin": "https://idp.example", "Sec-Fetch-Site": "cross-site"}
    assert client.post("/test/answer", data={"SAMLResponse": "x"}, headers=foreign).status_code == 200
    assert client.post("/test/guarded", data={"SAMLResponse": "x"}, headers=foreign).status_code == 403


def test_security_headers_on_every_page(client: PortalClient) -> None:
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_post_without_csrf_token_is_refused_and_logged(client: PortalClient, demo_db) -> None:  # type: ignore[no-untyped-def]
    before = demo_db.scalar(select(func.count()).select_from(SecurityEvent).where(SecurityEvent.kind == "csrf_refused"))
    response = client.post("/demo", data={"user_id": "1"}, follow_redirects=False)
    assert response.status_code == 403
    assert "enplan_session" not in response.cookies
    assert "Formularen var for gammel" in response.text or "too old" in response.text
    after = demo_db.scalar(select(func.count()).select_from(SecurityEvent).where(SecurityEvent.kind == "csrf_refused"))
    assert after == before + 1


def test_post_with_a_forged_token_is_refused(client: PortalClient) -> None:
    client.get("/")
    response = client.post("/demo", data={"user_id": "1", "csrf_token": "0" * 64}, follow_redirects=False)
    assert response.status_code == 403


def test_cross_site_post_is_refused_even_with_a_valid_token(client: PortalClient) -> None:
    token = client.csrf_token("/demo")
    response = client.post(
        "/demo", data={"user_id": "1", "csrf_token": token}, headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False
    )
    assert response.status_code == 403
    response = client.post(
        "/demo", data={"user_id": "1", "csrf_token": token}, headers={"Origin": "https://evil.example"}, follow_redirects=False
    )
    assert response.status_code == 403


def test_same_origin_htmx_post_with_header_token_is_accepted(client: PortalClient) -> None:
    token = client.csrf_token("/demo")
    response = client.post("/demo", data={"user_id": "999999"}, headers={"X-CSRF-Token": token}, follow_redirects=False)
    # Past CSRF: an unknown persona is a form error (422), not a refusal (403).
    assert response.status_code == 422


def test_pages_need_login(client: PortalClient) -> None:
    for path in ("/min-plan", "/min-plan/uge", "/sag/", "/sag/plan/1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/?next={path}"


def test_unknown_page_is_a_danish_404(client: PortalClient) -> None:
    response = client.get("/findes-ikke")
    assert response.status_code == 404
    assert "Siden findes ikke" in response.text
    assert 'lang="da"' in response.text


def test_english_when_the_browser_asks_for_it(client: PortalClient) -> None:
    response = client.get("/findes-ikke", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Page not found" in response.text
    assert 'lang="en"' in response.text


def test_language_choice_is_remembered(client: PortalClient) -> None:
    response = client.post_form("/sprog", {"sprog": "en", "next": "/tilgaengelighed"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/tilgaengelighed"
    assert 'lang="en"' in client.get("/tilgaengelighed").text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/"])
def test_language_choice_does_not_redirect_off_site(client: PortalClient, target: str) -> None:
    response = client.post_form("/sprog", {"sprog": "da", "next": target}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_unknown_language_is_a_400(client: PortalClient) -> None:
    assert client.post_form("/sprog", {"sprog": "xx"}).status_code == 400


def test_demo_is_gone_in_production(demo_connection) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(env="production", origin="https://plan.example.dk")
    app = create_app(settings, database=Database(demo_connection.engine))
    with TestClient(app, base_url="https://plan.example.dk") as production:
        page = production.get("/demo")
        assert page.status_code == 404
        assert "demo-banner" not in page.text
        assert "demo-banner" not in production.get("/").text
        token_page = production.get("/")
        assert production.post("/demo", data={"user_id": "1"}, headers={"Origin": "https://plan.example.dk"}).status_code == 404
        assert token_page.status_code == 200


def test_healthz_and_readyz(client: PortalClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["database"] == "reachable"


def test_unreachable_database_gives_503_and_a_calm_page() -> None:
    settings = make_settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    app = create_app(settings, database=Database.from_url(settings.database_url))
    with PortalClient(app, base_url="http://testserver", raise_server_exceptions=False) as broken:
        ready = broken.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["database"] == "unreachable"
        page = broken.get("/demo")
        assert page.status_code == 503
        assert "Traceback" not in page.text
        assert "Portalen virker ikke lige nu" in page.text


def test_static_assets_are_compressed_and_cached(client: PortalClient) -> None:
    page = client.get("/")
    css_url = re.search(r'href="(/static/css/portal\.css\?v=[0-9a-f]+)"', page.text)
    assert css_url
    response = client.get(css_url.group(1), headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "immutable" in response.headers["cache-control"]

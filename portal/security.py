"""Session cookies and CSRF tokens.

A session cookie holds only a signed, random server-side session id, so a session
can be revoked at once. CSRF protection is a same-origin check on Sec-Fetch-Site or
Origin, plus a signed double-submit token for browsers that send neither.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

from portal.settings import Settings

SESSION_COOKIE = "enplan_session"
CSRF_COOKIE = "enplan_csrf"
CSRF_FORM_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# On https a cookie named __Host-… is only accepted when Secure, on Path=/ and without
# Domain, so a sibling subdomain or a plain-http page cannot plant or overwrite it.
HOST_PREFIX = "__Host-"


def cookie_name(name: str, secure: bool) -> str:
    return HOST_PREFIX + name if secure else name


class SessionCookie:
    """Signs and reads the session id; one salt for this purpose only."""

    def __init__(self, settings: Settings):
        self._serializer = URLSafeSerializer(settings.secret_key, salt="enplan.session")
        self._secure = settings.secure_cookies
        self.name = cookie_name(SESSION_COOKIE, self._secure)
        self.absolute_lifetime = dt.timedelta(hours=settings.session_absolute_hours)
        self.idle_lifetime = dt.timedelta(minutes=settings.session_idle_minutes)

    @staticmethod
    def new_session_id() -> str:
        return secrets.token_urlsafe(32)

    def read(self, request: Request) -> str | None:
        raw = request.cookies.get(self.name)
        if not raw:
            return None
        try:
            value = self._serializer.loads(raw)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def attach(self, response: Response, session_id: str) -> None:
        response.set_cookie(
            self.name,
            self._serializer.dumps(session_id),
            max_age=int(self.absolute_lifetime.total_seconds()),
            httponly=True,
            secure=self._secure,
            samesite="lax",
            path="/",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(self.name, path="/", httponly=True, secure=self._secure, samesite="lax")

    def is_expired(self, created_at: dt.datetime, last_seen_at: dt.datetime, now: dt.datetime) -> bool:
        return now - created_at > self.absolute_lifetime or now - last_seen_at > self.idle_lifetime


@dataclass(frozen=True)
class CsrfVerdict:
    ok: bool
    reason: str


class CsrfProtection:
    def __init__(self, settings: Settings):
        self._key = hashlib.sha256(("enplan.csrf:" + settings.secret_key).encode()).digest()
        self._origin = settings.origin
        self._secure = settings.secure_cookies
        self.name = cookie_name(CSRF_COOKIE, self._secure)

    def _token_for(self, seed: str) -> str:
        return hmac.new(self._key, seed.encode(), hashlib.sha256).hexdigest()

    def seed(self, request: Request) -> tuple[str, bool]:
        """The request's CSRF seed, and whether it is new and must be set as a cookie."""
        seed = request.cookies.get(self.name, "")
        if len(seed) >= 32:
            return seed, False
        return secrets.token_urlsafe(32), True

    def token(self, seed: str) -> str:
        return self._token_for(seed)

    def attach(self, response: Response, seed: str) -> None:
        # A seed already set on this response is a rotation at login: the request's old seed must not replace it.
        prefix = f"{self.name}=".encode("latin-1")
        if any(name == b"set-cookie" and value.startswith(prefix) for name, value in response.raw_headers):
            return
        response.set_cookie(
            self.name, seed, httponly=True, secure=self._secure, samesite="lax", path="/"
        )

    def rotate(self, response: Response) -> None:
        """A new seed at login, so a token someone learnt before it (say, on a shared PC) is worthless after."""
        self.attach(response, secrets.token_urlsafe(32))

    async def verify(self, request: Request) -> CsrfVerdict:
        fetch_site = request.headers.get("sec-fetch-site")
        if fetch_site is not None and fetch_site not in ("same-origin", "none"):
            return CsrfVerdict(False, f"sec-fetch-site:{fetch_site}")
        origin = request.headers.get("origin")
        if origin is not None and origin != self._origin:
            return CsrfVerdict(False, "origin")
        if fetch_site is not None or origin is not None:
            return CsrfVerdict(True, "same-origin")
        # Neither header: fall back to the signed double-submit token.
        seed = request.cookies.get(self.name, "")
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            form = await request.form()
            field = form.get(CSRF_FORM_FIELD)
            sent = field if isinstance(field, str) else None
        if not seed or not sent or not hmac.compare_digest(sent, self._token_for(seed)):
            return CsrfVerdict(False, "token")
        return CsrfVerdict(True, "token")

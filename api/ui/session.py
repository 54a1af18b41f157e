"""Sign-in for the manager page (and the Temporal UI's codec calls): browsers cannot send bearer
headers when following links.

The login form takes an ops or manager token and sets an HttpOnly, SameSite=Strict, Secure
(outside development) cookie holding a session id signed with itsdangerous, never the token.
The session itself lives on the server (`SessionRegistry`): signing out ends it for good, and
removing the token from JOURNEYS_API_TOKENS ends its sessions. Sessions are per API process:
a restart signs everyone out (fail closed).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request, Response
from itsdangerous import BadData, URLSafeTimedSerializer

from api.deps import Principal, lookup
from journeys.settings import Settings

COOKIE = "journeys_session"
UI_ROLES = ("ops", "manager")
MAX_SESSIONS = 10_000


@dataclass
class _Session:
    tag: str
    expires: float


class SessionRegistry:
    def __init__(self, lifetime_s: float) -> None:
        self.lifetime_s = lifetime_s
        self._live: dict[str, _Session] = {}

    def open(self, tag: str) -> str:
        now = time.time()
        if len(self._live) >= MAX_SESSIONS:
            self._live = {k: s for k, s in self._live.items() if s.expires > now}
            while len(self._live) >= MAX_SESSIONS:  # still full: drop the oldest
                self._live.pop(next(iter(self._live)))
        sid = secrets.token_urlsafe(24)
        self._live[sid] = _Session(tag, now + self.lifetime_s)
        return sid

    def tag(self, sid: str) -> str | None:
        session = self._live.get(sid)
        if session is None:
            return None
        if session.expires < time.time():
            self._live.pop(sid, None)
            return None
        return session.tag

    def close(self, sid: str) -> None:
        self._live.pop(sid, None)


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    secret = hashlib.sha256(b"ui-session:" + settings.id_secret()).hexdigest()
    return URLSafeTimedSerializer(secret, salt="journeys-ui-session")


def _sid(request: Request) -> str | None:
    raw = request.cookies.get(COOKIE)
    registry: SessionRegistry | None = getattr(request.app.state, "sessions", None)
    if not raw or registry is None or len(raw) > 512:
        return None
    try:
        data = _serializer(request.app.state.settings).loads(raw, max_age=int(registry.lifetime_s))
    except (BadData, UnicodeError, ValueError):
        return None
    return data.get("sid") if isinstance(data, dict) and isinstance(data.get("sid"), str) else None


def sign_in(request: Request, response: Response, principal: Principal) -> None:
    registry: SessionRegistry = request.app.state.sessions
    settings: Settings = request.app.state.settings
    sid = registry.open(principal.tag)
    response.set_cookie(
        COOKIE,
        _serializer(settings).dumps({"sid": sid}),
        max_age=int(registry.lifetime_s),
        path="/",
        httponly=True,
        samesite="strict",
        # Not from the request's scheme: behind a TLS proxy the API sees plain http.
        secure=settings.secure_cookies,
    )


def sign_out(request: Request, response: Response) -> None:
    sid = _sid(request)
    if sid is not None:
        request.app.state.sessions.close(sid)
    settings: Settings = request.app.state.settings
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=settings.secure_cookies)


def token_principal(request: Request, token: str) -> Principal | None:
    return lookup(request.app.state.principals, token)


def cookie_principal(request: Request) -> Principal | None:
    sid = _sid(request)
    tag = request.app.state.sessions.tag(sid) if sid is not None else None
    if tag is None:
        return None
    for principal in request.app.state.principals.values():
        if principal.tag == tag:
            return principal  # type: ignore[no-any-return]
    return None


def session_principal(request: Request) -> Principal | None:
    """The signed-in user, from the session cookie or (for scripts) a bearer header."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return token_principal(request, header[7:].strip())
    return cookie_principal(request)


def cross_site(request: Request) -> bool:
    """A form post from another site (login CSRF, forced sign-out)? Browsers send Origin on every
    POST; only the host is compared, since behind a TLS proxy the API sees http."""
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False  # not a browser form (curl, scripts): no ambient cookie to abuse
    host = request.headers.get("host", "")
    return origin == "null" or urlsplit(origin).netloc != host

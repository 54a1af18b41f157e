"""Sign-in for the manager page: browsers cannot send bearer headers when following links.

The login form takes an ops or manager token and sets an HttpOnly, SameSite=Strict
cookie holding a signed session (token tag + expiry), never the token itself, so
the cookie cannot be replayed as a bearer token and removing the token from
JOURNEYS_API_TOKENS ends its sessions.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from fastapi import Request, Response

from api.deps import Principal, lookup

COOKIE = "journeys_session"
LIFETIME_S = 8 * 3600
UI_ROLES = ("ops", "manager")


def _secret(request: Request) -> bytes:
    return hashlib.sha256(b"ui-session:" + request.app.state.settings.id_key.encode()).digest()


def _sign(request: Request, body: str) -> str:
    return hmac.new(_secret(request), body.encode(), hashlib.sha256).hexdigest()[:32]


def sign_in(request: Request, response: Response, principal: Principal) -> None:
    body = f"{principal.tag}.{int(time.time()) + LIFETIME_S}"
    response.set_cookie(
        COOKIE,
        f"{body}.{_sign(request, body)}",
        max_age=LIFETIME_S,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def sign_out(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


def token_principal(request: Request, token: str) -> Principal | None:
    return lookup(request.app.state.principals, token)


def session_principal(request: Request) -> Principal | None:
    """The signed-in user, from the session cookie or (for scripts) a bearer header."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return token_principal(request, header[7:].strip())
    tag, _, rest = request.cookies.get(COOKIE, "").partition(".")
    expires, _, signature = rest.partition(".")
    if not (tag and expires.isdigit() and signature):
        return None
    if (
        not hmac.compare_digest(signature, _sign(request, f"{tag}.{expires}"))
        or int(expires) < time.time()
    ):
        return None
    for principal in request.app.state.principals.values():
        if principal.tag == tag:
            return principal  # type: ignore[no-any-return]
    return None

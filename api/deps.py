"""What routes declare they need, by type: the caller, the client layer, the reader.

Dependencies are `async def` on purpose: FastAPI runs plain `def` ones in a thread pool,
a thread hop per dependency per request.

Roles come from `JOURNEYS_API_TOKENS` (bearer token -> `ops` | `manager` |
`centre:<id>`). Authorisation happens here and in `api.access`, never in routes.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import ApiError
from domain.actors import Actor
from journeys import reference_data
from journeys.client import JourneyClient
from journeys.settings import Settings
from store.base import JourneyReader

Role = Literal["ops", "manager", "centre"]


@dataclass(frozen=True)
class Principal:
    role: Role
    centre_id: str | None
    # Who the event log names: `centre:<id>`, or `ops:tok-<12 hex of a keyed hash of the token>`,
    # parsed once here from the token's role and used as a value from then on.
    actor: Actor
    # Names the token without revealing it (sessions of the manager page refer to it).
    tag: str

    def can_see(self, centre_id: str) -> bool:
        return self.role != "centre" or self.centre_id == centre_id


def actor_tag(token: str, key: bytes) -> str:
    """Names a token without revealing it. Keyed (JOURNEYS_ID_KEY): a plain hash in the event log
    would let anyone who reads it test guesses of a weak token offline."""
    return hmac.new(key, b"actor-tag:" + token.encode(), hashlib.sha256).hexdigest()[:12]


def parse_tokens(tokens: dict[str, str], key: bytes) -> dict[str, Principal]:
    """Validated once at start: a typo in a role must stop the API, not lock a centre out later."""
    out: dict[str, Principal] = {}
    for token, role in tokens.items():
        if not token.strip():
            raise ValueError("JOURNEYS_API_TOKENS: an empty token is refused")
        tag = actor_tag(token, key)
        if role in ("ops", "manager"):
            out[token] = Principal(role, None, Actor(role=role, user=f"tok-{tag}"), tag)  # type: ignore[arg-type]
        elif role.startswith("centre:") and role.removeprefix("centre:") in reference_data.centres():
            centre = role.removeprefix("centre:")
            out[token] = Principal("centre", centre, Actor.of_centre(centre), tag)
        else:
            raise ValueError(
                f"JOURNEYS_API_TOKENS: unknown role {role!r} (expected ops, manager or centre:<centre id>)"
            )
    return out


def lookup(principals: dict[str, Principal], token: str) -> Principal | None:
    if not token:
        return None
    # Compare against every token so the time taken does not hint at a near miss.
    found = None
    presented = token.encode()
    for known, principal in principals.items():
        if hmac.compare_digest(known.encode(), presented):
            found = principal
    return found


bearer = HTTPBearer(auto_error=False, description="A token from JOURNEYS_API_TOKENS")


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None:
        raise ApiError(
            401,
            "unauthenticated",
            "send Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = lookup(request.app.state.principals, credentials.credentials)
    if principal is None:
        raise ApiError(
            401,
            "unauthenticated",
            "unknown or revoked token",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    request.state.actor = str(principal.actor)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(*roles: Role) -> object:
    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise ApiError(403, "forbidden", f"this call is for {' or '.join(roles)} tokens")
        return principal

    return Depends(check)


OpsPrincipal = Annotated[Principal, require("ops")]
ReaderPrincipal = Annotated[Principal, require("ops", "manager")]
WriterPrincipal = Annotated[Principal, require("ops", "centre")]


async def journeys_client(request: Request) -> JourneyClient:
    return request.app.state.journeys  # type: ignore[no-any-return]


async def journey_reader(request: Request) -> JourneyReader:
    return request.app.state.reader  # type: ignore[no-any-return]


async def settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


Journeys = Annotated[JourneyClient, Depends(journeys_client)]
Reader = Annotated[JourneyReader, Depends(journey_reader)]
AppSettings = Annotated[Settings, Depends(settings)]

"""Remote codec endpoint for the Temporal Web UI (Temporal's codec-server protocol).

The UI posts encoded payloads from the browser. Who gets plaintext back:

- a signed-in ops or manager user: the manager page's session cookie, which the UI sends
  when it is configured with `TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true` (UI and API on one
  site), or an ops/manager bearer token (the UI's "pass access token");
- in development only, a caller on the loopback interface with no credentials at all,
  so the dev stack's UI decodes out of the box.

Every decode is logged with its actor. Only ops may encode (the UI's write actions are
off; nobody else needs to seal payloads). CORS with credentials covers /codec only, for
the Temporal UI's origin (see `path_cors`).
"""

from __future__ import annotations

import base64
import binascii
from ipaddress import ip_address
from typing import Annotated

import structlog
from fastapi import APIRouter, FastAPI, Header, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from temporalio.api.common.v1 import Payload

from api.deps import Principal, lookup, parse_tokens
from api.errors import ApiError
from journeys.codec import EncryptionCodec, KeyringError, PayloadRefused, parse_keyring
from journeys.settings import Settings

log = structlog.get_logger("codec")

READERS = ("ops", "manager")
ENCODERS = ("ops",)
MAX_PAYLOADS = 1000


# Standard base64 with padding, as proto3 JSON writes bytes: the schema says what the server takes.
B64 = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
Base64 = Annotated[str, Field(pattern=B64, max_length=4 * 1024 * 1024)]


class PayloadIn(BaseModel):
    """One `temporal.api.common.v1.Payload` in proto3 JSON: metadata values and data are base64."""

    model_config = ConfigDict(extra="forbid")
    metadata: dict[str, Base64] = Field(default_factory=dict, max_length=64)
    data: Base64 = ""


class PayloadsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    payloads: list[PayloadIn] = Field(default_factory=list, max_length=MAX_PAYLOADS)


class PayloadsOut(BaseModel):
    payloads: list[PayloadIn]


def _b64(value: str, where: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "invalid_request", f"{where} is not valid base64") from None


def to_proto(body: PayloadsIn) -> list[Payload]:
    return [
        Payload(
            metadata={k: _b64(v, f"payloads.{i}.metadata.{k}") for k, v in p.metadata.items()},
            data=_b64(p.data, f"payloads.{i}.data"),
        )
        for i, p in enumerate(body.payloads)
    ]


def to_json(payloads: list[Payload]) -> PayloadsOut:
    return PayloadsOut(
        payloads=[
            PayloadIn(
                metadata={k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
                data=base64.b64encode(p.data).decode(),
            )
            for p in payloads
        ]
    )


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def codec_router(settings: Settings) -> APIRouter:
    # Not strict: the UI may show payloads that are not ours; it only displays what it gets back.
    codec = EncryptionCodec(parse_keyring(settings.codec_key.get_secret_value()), strict=False)
    router = APIRouter(prefix="/codec", tags=["codec"])

    def caller(request: Request, authorization: str | None, roles: tuple[str, ...]) -> str:
        principals: dict[str, Principal] = request.app.state.principals
        principal: Principal | None = None
        scheme, _, token = (authorization or "").partition(" ")
        if authorization is not None:
            if scheme.lower() != "bearer" or not token.strip():
                raise ApiError(
                    401, "unauthenticated", "send Authorization: Bearer <token>", headers={"WWW-Authenticate": "Bearer"}
                )
            principal = lookup(principals, token.strip())
            if principal is None:
                raise ApiError(
                    401,
                    "unauthenticated",
                    "unknown or revoked token",
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
        else:
            from api.ui.session import cookie_principal

            principal = cookie_principal(request)
        if principal is None:
            if settings.development and _loopback(request) and roles == READERS:
                request.state.actor = "dev:loopback"
                return "dev:loopback"
            raise ApiError(
                401,
                "unauthenticated",
                "sign in to the manager page (/ui/login) as ops or manager, or send a bearer token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        request.state.actor = str(principal.actor)
        if principal.role not in roles:
            raise ApiError(
                403,
                "forbidden",
                f"only {' and '.join(roles)} may use /codec/{'decode' if roles == READERS else 'encode'}",
            )
        return str(principal.actor)

    @router.post("/encode", response_model=PayloadsOut)
    async def encode(
        request: Request, body: PayloadsIn, authorization: Annotated[str | None, Header()] = None
    ) -> PayloadsOut:
        """Encrypt payloads (ops only; the Temporal UI's write actions are off)."""
        actor = caller(request, authorization, ENCODERS)
        log.info("codec encode", actor=actor, payloads=len(body.payloads))
        return to_json(await codec.encode(to_proto(body)))

    @router.post("/decode", response_model=PayloadsOut)
    async def decode(
        request: Request,
        body: PayloadsIn,
        authorization: Annotated[str | None, Header()] = None,
        x_namespace: Annotated[str | None, Header(max_length=200)] = None,
    ) -> PayloadsOut:
        """Decrypt payloads for display to a signed-in ops or manager user (each decode is logged)."""
        actor = caller(request, authorization, READERS)
        try:
            decoded = await codec.decode(to_proto(body))
        except (KeyringError, PayloadRefused) as err:
            raise ApiError(422, "cannot_decode", f"cannot decode: {err}") from None
        log.info("codec decode", actor=actor, payloads=len(body.payloads), namespace=x_namespace)
        return to_json(decoded)

    return router


def cors_origins(settings: Settings) -> list[str]:
    origins = [settings.ui_origin]
    if settings.development:
        # The dev server's UI answers on both names of the loopback interface.
        for a, b in (("://127.0.0.1", "://localhost"), ("://localhost", "://127.0.0.1")):
            if a in settings.ui_origin:
                origins.append(settings.ui_origin.replace(a, b))
    return origins


class PathCORS:
    """CORS for one path prefix only: a script on the Temporal UI's origin may call /codec with
    the user's cookie, and nothing else (it cannot read /v1 or /ui)."""

    def __init__(self, app: ASGIApp, prefix: str, settings: Settings) -> None:
        self.app, self.prefix = app, prefix
        self.cors = CORSMiddleware(
            app,
            allow_origins=cors_origins(settings),
            allow_credentials=True,
            allow_methods=["POST"],
            allow_headers=["Authorization", "Content-Type", "X-Namespace"],
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def add_cors(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(PathCORS, prefix="/codec/", settings=settings)


def create_codec_app(settings: Settings) -> FastAPI:
    """`journeys codec-server`: the codec endpoint alone (bearer tokens; sessions live in the API)."""
    from api import errors

    app = FastAPI(title="CAR-T journeys codec server", docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.principals = parse_tokens(settings.tokens(), settings.id_secret())
    app.state.sessions = None
    errors.install(app)
    add_cors(app, settings)
    app.include_router(codec_router(settings))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app

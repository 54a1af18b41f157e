"""Remote codec endpoint for the Temporal Web UI (Temporal's codec-server protocol).

The UI posts encoded payloads from the browser; only ops and manager tokens get
plaintext back, so the Temporal server and UI never hold patient data at rest.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Header, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from journeys.codec import EncryptionCodec, KeyringError, parse_keyring
from journeys.settings import Settings

READERS = {"ops", "manager"}


def codec_router(settings: Settings) -> APIRouter:
    codec = EncryptionCodec(parse_keyring(settings.codec_key))
    router = APIRouter(prefix="/codec", tags=["codec"])

    def authorise(authorization: str | None) -> None:
        scheme, _, token = (authorization or "").partition(" ")
        role = settings.api_tokens.get(token) if scheme.lower() == "bearer" else None
        if role is None:
            raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
        if role not in READERS:
            raise HTTPException(403, "only ops and manager tokens may use the codec")

    def parse(body: dict[str, Any]) -> Payloads:
        try:
            return json_format.ParseDict(body, Payloads())
        except json_format.ParseError as err:
            raise HTTPException(422, f"body is not a Payloads message: {err}") from None

    @router.post("/encode")
    async def encode(body: Annotated[dict[str, Any], Body()],
                     authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        """Encrypt payloads (used by the UI when it sends signals or updates)."""
        authorise(authorization)
        encoded = await codec.encode(list(parse(body).payloads))
        return json_format.MessageToDict(Payloads(payloads=encoded))

    @router.post("/decode")
    async def decode(body: Annotated[dict[str, Any], Body()],
                     authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        """Decrypt payloads for display to an authorised ops or manager user."""
        authorise(authorization)
        try:
            decoded = await codec.decode(list(parse(body).payloads))
        except (KeyringError, ValueError) as err:
            raise HTTPException(422, f"cannot decode: {err}") from None
        return json_format.MessageToDict(Payloads(payloads=decoded))

    return router


def add_cors(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[settings.ui_origin],
        allow_credentials=True,
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace"],
    )


def create_codec_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="CAR-T journeys codec server", docs_url=None, redoc_url=None)
    add_cors(app, settings)
    app.include_router(codec_router(settings))

    @app.get("/healthz")
    async def healthz(request: Request) -> dict[str, str]:
        return {"status": "ok"}

    return app

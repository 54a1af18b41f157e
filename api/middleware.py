"""Pure ASGI middleware: a body guard in front of every parser, and one log line per request.

The guard reads the body itself (at most `limit` bytes, whether or not the client
sent Content-Length) so an oversized or chunked upload is refused with 413 before
JSON parsing, and a body that is not UTF-8 gets a reason instead of a parser error.
"""

from __future__ import annotations

import json
import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("api")

BODY_LIMIT = 64 * 1024
QUIET_PATHS = {"/healthz", "/livez", "/readyz"}


async def _refuse(send: Send, status: int, code: str, reason: str) -> None:
    body = json.dumps({"code": code, "reason": reason}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyGuard:
    def __init__(self, app: ASGIApp, limit: int = BODY_LIMIT) -> None:
        self.app, self.limit = app, limit
        self.too_large = f"the body is larger than the limit of {limit // 1024} KiB ({limit} bytes)"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _refuse(send, 400, "bad_request", "Content-Length is not a number")
                return
            if int(declared) > self.limit:
                await _refuse(send, 413, "payload_too_large", self.too_large)
                return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _refuse(send, 413, "payload_too_large", self.too_large)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as err:
            await _refuse(
                send,
                422,
                "invalid_encoding",
                f"the body is not valid UTF-8 (first bad byte at offset {err.start}); send JSON encoded as UTF-8",
            )
            return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class AccessLog:
    """Actor, route, journey id, status, time; never bodies or query strings (no patient data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", None)
            state: dict[str, Any] = scope.get("state") or {}
            fields = {
                "method": scope["method"],
                "route": route or scope["path"],
                "status": status,
                "actor": state.get("actor", "anonymous"),
                "journey_id": (scope.get("path_params") or {}).get("journey_id"),
                "ms": round((time.perf_counter() - started) * 1000, 1),
            }
            if scope["path"] in QUIET_PATHS:
                log.debug("request", **fields)
            else:
                log.info("request", **fields)


# The manager page needs nothing but its own stylesheet; JSON needs nothing at all.
UI_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI (/docs, /redoc) loads its own scripts; it gets the other headers but no CSP.
NO_CSP = ("/docs", "/redoc", "/openapi.json")


class SecurityHeaders:
    """nosniff, no framing, no referrer, no caching of patient data, and a CSP per kind of page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        extra = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            # Not no-referrer: with it Chromium sends `Origin: null` on our own form posts (see cross_site).
            (b"referrer-policy", b"same-origin"),
        ]
        if not path.startswith("/static/"):
            extra.append((b"cache-control", b"no-store"))
        if not path.startswith(NO_CSP):
            csp = UI_CSP if path.startswith(("/ui", "/static/")) or path == "/" else API_CSP
            extra.append((b"content-security-policy", csp.encode()))

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, add_headers)

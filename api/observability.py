"""Request ids, traces and /metrics for the API: `install(app)` adds all three.

Each request gets an id (the caller's `X-Request-ID` if it is a sane one, else a new
one), answered in `X-Request-ID`, bound to every log line of the request, and put in
OpenTelemetry baggage so the workflow's activities log it too. The FastAPI
instrumentation opens the request's server span (the root of a milestone's trace)
and continues a caller's `traceparent`.
"""

from __future__ import annotations

import re
import uuid

import structlog
from fastapi import FastAPI
from opentelemetry import baggage, context
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import metrics
from journeys.activity_context import REQUEST_ID

HEADER = b"x-request-id"
SANE_ID = re.compile(rb"^[A-Za-z0-9._:\-]{1,64}$")
# Health checks and scrapes would fill a trace backend with nothing worth reading.
UNTRACED = "healthz,metrics,livez,readyz,static"


def install(app: FastAPI) -> None:
    app.include_router(metrics.router)
    app.add_middleware(RequestContext)
    FastAPIInstrumentor.instrument_app(app, excluded_urls=UNTRACED, exclude_spans=["receive", "send"])


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(HEADER, b"")
        request_id = given.decode() if SANE_ID.match(given) else uuid.uuid4().hex

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (HEADER, request_id.encode())]
            await send(message)

        # A kept-alive connection serves many requests in one task: start each one clean.
        structlog.contextvars.clear_contextvars()
        token = context.attach(baggage.set_baggage(REQUEST_ID, request_id))
        try:
            with structlog.contextvars.bound_contextvars(request_id=request_id):
                await self.app(scope, receive, send_with_id)
        finally:
            context.detach(token)

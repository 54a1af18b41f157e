"""One error shape for every refusal, and the one place that maps failures to HTTP statuses.

Routes never catch: the client layer's errors, validation errors and anything
unexpected all end up here, so a caller never sees a stack trace.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import Category, category_of
from journeys.client import (
    ActiveJourneyExists,
    ClientError,
    JourneyNotFound,
    Refused,
    Unavailable,
    UnknownReference,
)
from store.base import BadCursor, SchemaMissing, StoreError, StoreUnavailable
from store.base import JourneyNotFound as NotInStore

log = structlog.get_logger("api")

# The domain says what kind of refusal a code is; DESIGN §4 says which status each kind gets.
REFUSAL_STATUS: dict[Category, int] = {"conflict": 409, "forbidden": 403, "invalid": 422, "not_found": 404}
HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    503: "unavailable",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        reason: str,
        *,
        headers: dict[str, str] | None = None,
        journey_id: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.status, self.code, self.reason = status, code, reason
        self.headers, self.journey_id = headers, journey_id


def error_body(code: str, reason: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "reason": reason, **{k: v for k, v in extra.items() if v is not None}}


def error_response(
    status: int, code: str, reason: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(error_body(code, reason, **extra), status_code=status, headers=headers)


def client_error_status(err: ClientError) -> int:
    match err:
        case JourneyNotFound():
            return 404
        case ActiveJourneyExists():
            return 409
        case UnknownReference():
            return 422
        case Unavailable():
            return 503
        case Refused():
            return REFUSAL_STATUS[category_of(err.code)]
    return 503


def validation_items(errors: Any) -> list[dict[str, Any]]:
    # Never echo the input back: it may carry patient data, and it can be large.
    return [
        {
            "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "invalid")),
            "type": str(e.get("type", "invalid")),
        }
        for e in errors
    ]


def summarise(items: list[dict[str, Any]]) -> str:
    if not items:
        return "the request is invalid"
    first = items[0]
    where = ".".join(str(p) for p in first["loc"] if p != "body") or "body"
    if first["type"] == "json_invalid":
        return "the body is not valid JSON"
    if first["type"] == "union_tag_invalid":
        return f"unknown milestone kind; {first['msg']}"
    more = f" (and {len(items) - 1} more)" if len(items) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, err: ApiError) -> JSONResponse:
        return error_response(err.status, err.code, err.reason, err.headers, journey_id=err.journey_id)

    @app.exception_handler(ClientError)
    async def client_error(request: Request, err: ClientError) -> JSONResponse:
        extra = {"journey_id": err.journey_id} if isinstance(err, ActiveJourneyExists) else {}
        headers = {"Retry-After": "5"} if isinstance(err, Unavailable) else None
        return error_response(client_error_status(err), err.code, err.reason, headers, **extra)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        items = validation_items(err.errors())
        return error_response(422, "invalid_request", summarise(items), errors=items)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(err.status_code, "error")
        reason = err.detail if isinstance(err.detail, str) else code.replace("_", " ")
        if err.status_code == 404 and reason == "Not Found":
            reason = "no such path; see /docs"
        headers = getattr(err, "headers", None)
        if err.status_code == 405:
            from api.openapi import allowed_methods

            allowed = allowed_methods(request.app, request.url.path)
            if allowed:
                headers = {**(headers or {}), "Allow": ", ".join(allowed)}
                reason = f"{request.method} is not allowed here; use {' or '.join(allowed)}"
        return error_response(err.status_code, code, reason, headers)

    @app.exception_handler(StoreError)
    async def store_error(request: Request, err: StoreError) -> JSONResponse:
        if isinstance(err, BadCursor):
            # Any string is a schema-valid cursor, so one that names no page is "not found"
            # (404), not a malformed request (422).
            return error_response(
                404,
                "invalid_cursor",
                "cursor names no page this API handed out; start again without it",
            )
        if isinstance(err, NotInStore):
            return error_response(404, "not_found", "no such journey in the event log")
        if not isinstance(err, StoreUnavailable | SchemaMissing):
            log.warning("event store error", error=type(err).__name__)
        return error_response(
            503,
            "unavailable",
            "the event store is unavailable; retry shortly",
            {"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, err: Exception) -> JSONResponse:
        if _is_store_outage(err):
            log.warning("event store unavailable", error=type(err).__name__)
            return error_response(
                503,
                "unavailable",
                "the event store is unavailable; retry shortly",
                {"Retry-After": "5"},
            )
        log.exception("unhandled error", error=type(err).__name__)
        return error_response(500, "internal", "internal error; the operators have been told")


def _is_store_outage(err: Exception) -> bool:
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(err, OSError | TimeoutError | OperationalError | InterfaceError)

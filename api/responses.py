"""OpenAPI documentation of the error answers each kind of route can give."""

from __future__ import annotations

from typing import Any

from api.models import ErrorOut


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        400: "Unreadable request",
        401: "Missing or unknown bearer token",
        403: "Not allowed for this token (role, centre or milestone kind)",
        404: "No such journey",
        409: "Refused by the journey's rules (`code`, `reason`)",
        413: "Body larger than 64 KiB",
        422: "Invalid body or parameters",
        503: "Temporal or the event store is unreachable; retry",
    }
    return {c: {"model": ErrorOut, "description": text[c]} for c in codes}


READ = _errors(401, 403, 404, 422, 503)
WRITE = _errors(400, 401, 403, 404, 409, 413, 422, 503)
CODEC_ERRORS = _errors(400, 401, 403, 413, 422)

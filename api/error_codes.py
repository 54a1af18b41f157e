"""Every error `code` the API answers with, its HTTP status and its meaning.

Refusals by a pathway rule come from the domain's `JourneyRuleError` family and the
client layer's `ClientError` family, so a new rule or error class is listed (with the
status `api.errors` gives it) without an edit here. Only the codes the HTTP layer
itself answers with are named below.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import TypeVar

import domain
from api.errors import HTTP_CODES, client_error_status
from domain.errors import JourneyRuleError
from journeys.client import ClientError, Refused

# The codes the HTTP layer and routes answer with themselves (not from a domain or client
# class): status and meaning. A route raising ApiError with a new code adds it here
# (tests/api/test_openapi.py finds the literal codes in api/ and asks).
HTTP_LAYER: dict[str, tuple[int, str]] = {
    "bad_request": (400, "the request is malformed (e.g. Content-Length is not a number)"),
    "unauthenticated": (401, "no bearer token, or an unknown or revoked one"),
    "forbidden": (403, "the token's role may not make this call, or not for this journey or centre"),
    "not_found": (404, "no such journey, alert or path"),
    "method_not_allowed": (405, "the path exists but not with this method"),
    "not_acceptable": (406, "the Accept header rules out JSON"),
    "payload_too_large": (413, "the body is larger than the limit (64 KiB)"),
    "unsupported_media_type": (415, "the body is not application/json"),
    "invalid_request": (422, "the body, path or query does not match the schema; `errors` lists where"),
    "invalid_encoding": (422, "the body is not UTF-8"),
    "invalid_cursor": (404, "`cursor` names no page this API handed out; start again without it"),
    "cannot_decode": (422, "/codec/decode: a payload this service's keys cannot decrypt (unknown key id or altered)"),
    "unknown_reference": (422, "an unknown centre or product id; see GET /v1/centres and /v1/products"),
    # Answered by routes of their own (api/routes/surveillance.py).
    "not_under_surveillance": (409, "the journey is not under long-term surveillance (yet)"),
    "surveillance_ended": (409, "long-term surveillance of this journey has ended"),
    "unavailable": (503, "Temporal or the event store is unreachable; retry after `Retry-After` seconds"),
    "internal": (500, "a bug; the operators have been told (never expected)"),
}


T = TypeVar("T")


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    meaning: str
    source: str  # "http", "client" or "rule"


def _subclasses(root: type[T]) -> list[type[T]]:
    found: list[type[T]] = []
    pending = [root]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def _meaning(cls: type, code: str) -> str:
    # A class without its own docstring inherits its parent's, which would be misleading.
    doc = (cls.__dict__.get("__doc__") or "").strip().splitlines()
    first = doc[0].rstrip(".") if doc else code.replace("_", " ")
    return first[:1].lower() + first[1:]


def _import_rules() -> None:
    """Subclasses are found only once imported: import every domain module, so the list does
    not depend on what happened to be imported before (a rule module of its own included)."""
    for module in pkgutil.walk_packages(domain.__path__, "domain."):
        importlib.import_module(module.name)


def error_codes() -> list[ErrorCode]:
    _import_rules()
    codes: dict[str, ErrorCode] = {
        code: ErrorCode(code, status, meaning, "http") for code, (status, meaning) in HTTP_LAYER.items()
    }
    for status, code in HTTP_CODES.items():
        codes.setdefault(code, ErrorCode(code, status, code.replace("_", " "), "http"))
    for cls in _subclasses(ClientError):
        if cls in (ClientError, Refused) or cls.code in codes:
            continue
        instance = cls.__new__(cls)
        codes[cls.code] = ErrorCode(cls.code, client_error_status(instance), _meaning(cls, cls.code), "client")
    for rule in _subclasses(JourneyRuleError):
        code = str(getattr(rule, "code", ""))
        if not code or code in codes:
            continue
        status = client_error_status(Refused(code, ""))
        codes[code] = ErrorCode(code, status, _meaning(rule, code), "rule")
    return sorted(codes.values(), key=lambda c: (c.status, c.code))


def error_codes_markdown() -> str:
    rows = "\n".join(f"| `{c.code}` | {c.status} | {c.meaning} |" for c in error_codes())
    return (
        "### Error codes\n\nPrograms switch on `code`; `reason` is for people and may change.\n\n"
        "| code | status | meaning |\n|---|---|---|\n" + rows
    )

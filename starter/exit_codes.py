"""The CLI's exit codes: one per kind of failure, so scripts can tell a refusal from an outage."""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    ERROR = 1  # anything else: a server error, an unexpected failure
    BAD_INPUT = 2  # bad arguments, an invalid milestone body, a 422 from the API
    BROKEN_CHAIN = 3  # `verify`: a hash chain does not verify
    REFUSED = 4  # refused by a rule: wrong stage, COI mismatch, journey ended (HTTP 409)
    NOT_FOUND = 5  # no such journey (or alert) (HTTP 404)
    UNREACHABLE = 6  # the API, Temporal or the database did not answer (or answered 503)
    FORBIDDEN = 7  # no token, an unknown token, or a role that may not do this (HTTP 401/403)
    MISCONFIGURED = 8  # a JOURNEYS_* setting or the profile file is invalid
    INTERRUPTED = 130  # Ctrl-C


def describe() -> str:
    """The table printed under `journeys --help` (one line each, Click keeps them with \\b)."""
    lines = [f"  {int(code):>3}  {doc}" for code, doc in _DOCS.items()]
    return "Exit codes:\n\n\b\n" + "\n".join(lines)


_DOCS = {
    Exit.OK: "done",
    Exit.ERROR: "other error (server error, unexpected failure)",
    Exit.BAD_INPUT: "bad input: arguments, milestone fields, a body the API rejects (422)",
    Exit.BROKEN_CHAIN: "verify: a hash chain is broken",
    Exit.REFUSED: "refused by a rule: wrong stage, COI mismatch, journey ended, ... (409)",
    Exit.NOT_FOUND: "not found: no such journey or alert (404)",
    Exit.UNREACHABLE: "unreachable: API, Temporal or database down (or 503); safe to retry",
    Exit.FORBIDDEN: "no token, unknown token, or not allowed for this role (401/403)",
    Exit.MISCONFIGURED: "invalid JOURNEYS_* setting or profile file",
    Exit.INTERRUPTED: "interrupted (Ctrl-C)",
}

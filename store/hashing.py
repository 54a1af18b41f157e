"""The tamper-evident chain: each event's hash covers its content and its predecessor's hash."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def _iso(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(journey_id: str, seq: int, kind: str, actor: str, occurred_at: datetime, payload: dict[str, Any]) -> str:
    body = {
        "journey_id": journey_id,
        "seq": seq,
        "kind": kind,
        "actor": actor,
        "occurred_at": _iso(occurred_at),
        "payload": payload,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, canonical_body: str) -> str:
    return hashlib.sha256((prev_hash + canonical_body).encode()).hexdigest()

"""The published OpenAPI document, made exact for partners' generators and fuzzers.

Everything added here is derived from the models and routes, so a milestone kind,
a refusal code or a route added later appears without an edit in this module:

- operation ids are the route functions' names (`report_milestone`), unless a route sets one;
- a discriminated union's tag (`kind`) is required in every member, as the server requires it
  (pydantic reports a defaulted `Literal` as optional);
- a request body that is a discriminated union gets one example per member, built from the
  member's own schema, with `occurred_at` set to the time the document is served;
- the description lists every error `code` with its HTTP status and meaning (`api.error_codes`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from api.error_codes import error_codes_markdown
from journeys import reference_data

Schema = dict[str, Any]

# Realistic values for fields whose schema alone would give a meaningless example.
# Keys are property names; a value that does not satisfy the property's schema is not used.
HINTS: dict[str, Callable[[], Any]] = {
    "coi": lambda: "COI-7F3A9C",
    "lot": lambda: "LOT-2026-0042",
    "product": lambda: sorted(reference_data.products())[0],
    "centre_id": lambda: sorted(reference_data.centres())[0],
    "reason": lambda: "vein access failed; patient rescheduled",
    "cause": lambda: "progressive disease",
    "term": lambda: "febrile neutropenia",
    "override_reason": lambda: "discharged to a hotel next to the centre, reviewed daily",
    "estimate_usd": lambda: 120_000,
    "visit_day": lambda: 30,
    "documents": lambda: ["pathology", "imaging", "prior_treatments"],
}


def install(app: FastAPI) -> None:
    """Serve the exact document at /openapi.json (and in /docs)."""

    def openapi() -> Schema:
        if app.openapi_schema is None:
            # Rules and routes are all imported by now, so the list is complete.
            app.description = f"{app.description or ''}\n\n{error_codes_markdown()}"
            schema = FastAPI.openapi(app)
            name_operations(schema)
            require_discriminators(schema)
        assert app.openapi_schema is not None
        # Examples carry "now", so they are refreshed on every read of the cached document.
        served = copy.deepcopy(app.openapi_schema)
        add_union_examples(served, datetime.now(UTC).replace(microsecond=0))
        return served

    app.openapi = openapi  # type: ignore[method-assign]


def allowed_methods(app: FastAPI, path: str) -> list[str] | None:
    """The methods the document lists for `path`, for a 405's `Allow` (Starlette names only the
    first route matching the path, so GET and POST on /v1/journeys answered `Allow: POST`)."""
    if app.openapi_schema is None:
        app.openapi()
    assert app.openapi_schema is not None
    for template, operations in app.openapi_schema.get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path):
            return sorted(m.upper() for m in operations)
    return None


def name_operations(schema: Schema) -> None:
    """`report_milestone`, not `report_milestone_v1_journeys__journey_id__milestones_post`.

    FastAPI's generated id is the function's name plus the path and method; a route that
    sets `operation_id` itself keeps it.
    """
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            suffix = re.sub(r"\W", "_", path) + "_" + method
            generated = operation.get("operationId", "")
            if generated.endswith(suffix) and len(generated) > len(suffix):
                operation["operationId"] = generated.removesuffix(suffix)


def _walk(node: Any) -> list[Schema]:
    found: list[Schema] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _resolve(schema: Schema, ref: str) -> Schema:
    node: Any = schema
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node  # type: ignore[no-any-return]


def require_discriminators(schema: Schema) -> None:
    """A union's tag is required in each member: the server cannot pick a member without it."""
    for node in _walk(schema):
        disc = node.get("discriminator")
        if not isinstance(disc, dict) or "propertyName" not in disc:
            continue
        tag = disc["propertyName"]
        for ref in disc.get("mapping", {}).values():
            member = _resolve(schema, ref)
            required = member.setdefault("required", [])
            if tag not in required:
                required.insert(0, tag)
            member.get("properties", {}).get(tag, {}).pop("default", None)


def add_union_examples(schema: Schema, now: datetime) -> None:
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            content = (operation.get("requestBody") or {}).get("content", {})
            for media in content.values():
                disc = (media.get("schema") or {}).get("discriminator")
                if not isinstance(disc, dict):
                    continue
                media["examples"] = {
                    tag: {"summary": tag.replace("_", " "), "value": example_of(schema, _resolve(schema, ref), now)}
                    for tag, ref in disc.get("mapping", {}).items()
                }


def example_of(root: Schema, node: Schema, now: datetime, name: str = "") -> Any:
    """A valid value for `node`: its const or first enum value, a hint, or a value by type."""
    if "$ref" in node:
        return example_of(root, _resolve(root, node["$ref"]), now, name)
    if "const" in node:
        return node["const"]
    if node.get("enum"):
        return node["enum"][0]
    if "examples" in node and node["examples"]:
        return node["examples"][0]
    for key in ("anyOf", "oneOf"):
        if key in node:
            options = [o for o in node[key] if o.get("type") != "null"]
            return example_of(root, options[0], now, name) if options else None
    hint = HINTS.get(name)
    if hint is not None and _fits(node, hint()):
        return hint()
    kind = node.get("type")
    if kind == "object":
        props = node.get("properties", {})
        wanted = set(node.get("required", [])) | {p for p in props if p in HINTS}
        return {p: example_of(root, props[p], now, p) for p in props if p in wanted}
    if kind == "array":
        count = max(1, node.get("minItems", 0))
        return [example_of(root, node.get("items", {}), now, name) for _ in range(count)]
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        low = node.get("minimum", node.get("exclusiveMinimum", -1) + 1)
        value = max(low, min(1, node.get("maximum", 1)))
        return int(value) if kind == "integer" else value
    if node.get("format") == "date-time":
        return now.isoformat().replace("+00:00", "Z")
    return _text(node, name)


def _fits(node: Schema, value: Any) -> bool:
    if isinstance(value, str):
        pattern = node.get("pattern")
        return (
            node.get("type") in (None, "string")
            and node.get("minLength", 0) <= len(value) <= node.get("maxLength", 10**6)
            and (pattern is None or re.search(pattern, value) is not None)
        )
    if isinstance(value, bool):
        return node.get("type") == "boolean"
    if isinstance(value, int):
        return node.get("type") in ("integer", "number") and node.get("minimum", value) <= value <= node.get(
            "maximum", value
        )
    if isinstance(value, list):
        return node.get("type") == "array" and len(value) <= node.get("maxItems", len(value))
    return False


def _text(node: Schema, name: str) -> str:
    for candidate in (f"{name or 'value'}-0001".replace("_", "-"), "A0001", "example"):
        if _fits({**node, "type": "string"}, candidate):
            return candidate
    return "x" * max(1, int(node.get("minLength", 1)))

"""The published schema is exact, and follows the models without hand-kept lists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest

from api import create_app
from api.error_codes import error_codes
from domain.errors import JourneyRuleError
from domain.milestones import MILESTONE_ADAPTER, Milestone
from journeys import reference_data
from journeys.settings import Settings
from tests.api.conftest import Api

README = Path(__file__).parents[2] / "README.md"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return create_app(Settings(), MagicMock(), MagicMock()).openapi()


def operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for path in schema["paths"].values() for op in path.values()]


def milestone_body(schema: dict[str, Any]) -> dict[str, Any]:
    op = schema["paths"]["/v1/journeys/{journey_id}/milestones"]["post"]
    return op["requestBody"]["content"]["application/json"]  # type: ignore[no-any-return]


def milestone_kinds() -> set[str]:
    return set(MILESTONE_ADAPTER.json_schema()["discriminator"]["mapping"])


def test_every_operation_has_a_unique_readable_id(schema: dict[str, Any]) -> None:
    ids = [op["operationId"] for op in operations(schema)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), ids
    assert "report_milestone" in ids and "start_journey" in ids


def test_the_milestone_kind_is_required_in_every_member(schema: dict[str, Any]) -> None:
    mapping = milestone_body(schema)["schema"]["discriminator"]["mapping"]
    assert set(mapping) == milestone_kinds()
    for ref in mapping.values():
        member = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert "kind" in member["required"]
        assert "default" not in member["properties"]["kind"]


def test_there_is_one_valid_example_per_milestone_kind(schema: dict[str, Any]) -> None:
    examples = milestone_body(schema)["examples"]
    assert set(examples) == milestone_kinds()
    for kind, example in examples.items():
        parsed: Milestone = MILESTONE_ADAPTER.validate_python(example["value"])
        assert parsed.kind == kind


def test_centre_and_product_ids_are_enumerated_from_the_reference_data(schema: dict[str, Any]) -> None:
    start = schema["components"]["schemas"]["StartJourneyIn"]["properties"]
    assert start["centre_id"]["enum"] == sorted(reference_data.centres())
    product = next(s for s in start["product"]["anyOf"] if s.get("type") == "string")
    assert product["enum"] == sorted(reference_data.products())
    listing = schema["paths"]["/v1/journeys"]["get"]["parameters"]
    centre = next(p for p in listing if p["name"] == "centre")["schema"]
    assert next(s for s in centre["anyOf"] if s.get("type") == "string")["enum"] == sorted(reference_data.centres())


def test_every_refusal_code_is_listed_with_its_status(schema: dict[str, Any]) -> None:
    listed = {c.code: c.status for c in error_codes()}
    pending: list[type[JourneyRuleError]] = [JourneyRuleError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        assert cls.code in listed
    assert listed["not_found"] == 404 and listed["invalid_request"] == 422
    for code in listed:
        assert f"`{code}`" in schema["info"]["description"]


def test_every_code_the_api_layer_answers_with_is_listed() -> None:
    """A literal code in api/ (ApiError, error_response, the body guard) must be documented."""
    listed = {c.code for c in error_codes()}
    api = Path(__file__).parents[2] / "api"
    literal = re.compile(r"(?:ApiError|error_response|_refuse)\(\s*(?:send,\s*)?\d{3},\s*\"([a-z_]+)\"")
    used = {m for f in api.rglob("*.py") for m in literal.findall(f.read_text())}
    assert used and used <= listed, used - listed


def test_the_readme_lists_every_error_code() -> None:
    text = README.read_text()
    missing = [c.code for c in error_codes() if f"`{c.code}`" not in text]
    assert not missing, f"add to the README's error code table: {missing}"


async def test_a_wrong_method_names_every_documented_method_in_allow(api: Api) -> None:
    r = await api.call("DELETE", "/v1/journeys", "ops")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, POST"
    assert r.json()["code"] == "method_not_allowed"

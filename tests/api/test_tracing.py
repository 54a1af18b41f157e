"""One milestone is one trace: HTTP request, update, activity and store append, in order.

Spans go to an in-memory exporter; the client carries the tracing interceptors the
way `journeys.temporal.connect` builds it, so the worker built on it has them too.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
import structlog
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client

from activities.recording import RecordingActivities
from api import create_app
from journeys import tracing
from journeys.client import JourneyClient
from store.base import JourneyStore
from tests.api.conftest import TOKENS, api_settings, now_iso
from tests.helpers import servers
from tests.helpers.fakes import FakeOutsideWorld
from worker import build_worker

EXPORTER = InMemorySpanExporter()


def provider() -> None:
    """The process's tracer provider can be set once; the first test module to ask sets it."""
    current = trace.get_tracer_provider()
    if not isinstance(current, TracerProvider):
        sdk = TracerProvider()
        sdk.add_span_processor(SimpleSpanProcessor(EXPORTER))
        trace.set_tracer_provider(sdk)
    else:
        current.add_span_processor(SimpleSpanProcessor(EXPORTER))


@dataclass
class Traced:
    http: httpx.AsyncClient

    async def post(self, path: str, body: dict[str, Any], as_: str, **headers: str) -> httpx.Response:
        return await self.http.post(path, json=body, headers={"Authorization": f"Bearer {TOKENS[as_]}", **headers})


@pytest_asyncio.fixture(scope="module")
async def traced(api_store: JourneyStore) -> AsyncIterator[Traced]:
    """A time-skipping server of its own for the module's traced client and worker."""
    provider()
    async with await servers.start_time_skipping() as env:
        client = Client(**{**env.client.config(), "interceptors": tracing.interceptors()})
        settings = api_settings(f"traced-{uuid.uuid4().hex[:8]}")
        worker = build_worker(
            client,
            settings,
            api_store,
            task_queue=settings.task_queue,
            activities=[RecordingActivities(api_store).record_events, *FakeOutsideWorld().activities()],
        )
        async with worker:
            app = create_app(settings, JourneyClient(client, settings), api_store)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http:
                yield Traced(http)


async def spans_of(trace_id: int, wanted: str) -> list[ReadableSpan]:
    for _ in range(200):
        spans = [s for s in EXPORTER.get_finished_spans() if s.context and s.context.trace_id == trace_id]
        if any(s.name == wanted for s in spans):
            return sorted(spans, key=lambda s: s.start_time or 0)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {wanted} span in trace {trace_id:032x}")


def describe(spans: list[ReadableSpan]) -> str:
    start = min(s.start_time or 0 for s in spans)
    return "\n".join(
        f"{((s.start_time or 0) - start) / 1e6:8.1f} ms  {((s.end_time or 0) - (s.start_time or 0)) / 1e6:7.1f} ms  "
        f"{s.name}"
        for s in spans
    )


async def test_a_milestone_is_one_trace_from_request_to_store_append(traced: Traced) -> None:
    started = await traced.post(
        "/v1/journeys", {"patient_ref": f"t-{uuid.uuid4().hex[:12]}", "centre_id": "pku"}, "ops"
    )
    assert started.status_code == 201, started.text
    journey = started.json()["journey_id"]
    EXPORTER.clear()

    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        r = await traced.post(
            f"/v1/journeys/{journey}/milestones",
            {"kind": "records_received", "milestone_id": uuid.uuid4().hex, "occurred_at": now_iso()},
            "pku",
            **{"X-Request-ID": "req-42"},
        )
    assert r.status_code == 200, r.text
    assert r.headers["x-request-id"] == "req-42"

    server = next(s for s in EXPORTER.get_finished_spans() if s.name.startswith("POST /v1/journeys/{journey_id}"))
    assert server.context is not None
    spans = await spans_of(server.context.trace_id, "store.append")
    names = [s.name for s in spans]
    print("\n" + describe(spans))
    for name in (
        "POST /v1/journeys/{journey_id}/milestones",
        "StartWorkflowUpdate:report_milestone",
        "ValidateUpdate:report_milestone",
        "HandleUpdate:report_milestone",
        "StartActivity:record_events",
        "RunActivity:record_events",
        "store.append",
    ):
        assert name in names, names
    by_id = {s.context.span_id: s for s in spans if s.context}
    append = next(s for s in spans if s.name == "store.append")
    assert append.parent and by_id[append.parent.span_id].name == "RunActivity:record_events"
    # The API's own lines carry the request id and the journey's workflow id.
    request_lines = [e for e in logs if e.get("request_id") == "req-42"]
    assert any(e.get("workflow_id") == f"journey-{journey}" for e in request_lines), logs

"""OpenTelemetry tracing: one milestone is one trace, from the HTTP request to the store append.

`temporalio.contrib.opentelemetry.TracingInterceptor` carries the trace context through
Temporal headers (client -> workflow -> activities), with W3C baggage (the request id)
alongside. Stock, it parents an update's handler and every activity on the workflow's
*start* trace and only links the update: a journey lasts a year, so each milestone would
disappear into one year-long trace. `JourneyTracing` parents the update's validator and
handler on the update's own request instead, and an activity scheduled while an update is
in flight (the events it recorded, whose append the update waits for) on that update.
Workflow spans are zero-length marks (workflows replay; a span cannot stay open across
that); the client, HTTP and activity spans carry real durations.
"""

from __future__ import annotations

import atexit
from typing import Any

import opentelemetry.trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from temporalio import workflow
from temporalio.contrib.opentelemetry import TracingInterceptor, TracingWorkflowInboundInterceptor

# Pinned temporalio: its own safe attach (a workflow evicted mid-handler is finalised in
# another context) and the tracing outbound interceptor we wrap.
from temporalio.contrib.opentelemetry._context import attached_context as _attached
from temporalio.contrib.opentelemetry._interceptor import _TracingWorkflowOutboundInterceptor
from temporalio.worker import (
    HandleUpdateInput,
    StartActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)

from journeys.activity_context import LogContext
from journeys.settings import Settings

tracer = opentelemetry.trace.get_tracer("cart-journeys")


def configure(settings: Settings, service: str) -> TracerProvider | None:
    """Install the process's tracer provider as the settings say (`off` keeps the no-op one)."""
    if settings.tracing == "off":
        return None
    exporter: SpanExporter
    if settings.tracing == "console":
        exporter = ConsoleSpanExporter()
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=settings.otlp_endpoint)
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    # The console is read as it happens; OTLP is batched (flushed at exit).
    console = settings.tracing == "console"
    provider.add_span_processor(SimpleSpanProcessor(exporter) if console else BatchSpanProcessor(exporter))
    opentelemetry.trace.set_tracer_provider(provider)
    atexit.register(provider.shutdown)
    return provider


def interceptors() -> list[Any]:
    """For `Client.connect(interceptors=...)`; workers built on that client inherit them.
    Tracing first: it attaches the context (and baggage) that `LogContext` reads."""
    return [JourneyTracing(), LogContext()]


class JourneyTracing(TracingInterceptor):
    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[TracingWorkflowInboundInterceptor]:
        super().workflow_interceptor_class(input)  # registers the span extern function
        return _UpdateTracing


class _UpdateTracing(TracingWorkflowInboundInterceptor):
    def __init__(self, next: WorkflowInboundInterceptor) -> None:
        super().__init__(next)
        # Contexts of the update handlers in flight, oldest first.
        self.in_flight: list[Context] = []

    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        traced = _TracingWorkflowOutboundInterceptor(outbound, self)
        WorkflowInboundInterceptor.init(self, _UpdateActivities(traced, self))

    def _update_context(self, input: HandleUpdateInput) -> Context | None:
        header = input.headers.get(self.header_key)
        if not header:
            return None
        carrier = self.payload_converter.from_payloads([header])[0]
        return self._set_on_context(self.text_map_propagator.extract(carrier)) if carrier else None

    def handle_update_validator(self, input: HandleUpdateInput) -> None:
        context = self._update_context(input)
        if context is None:
            return super().handle_update_validator(input)
        with _attached(context):
            self._completed_span(f"ValidateUpdate:{input.update}", kind=opentelemetry.trace.SpanKind.SERVER)
            return self.next.handle_update_validator(input)

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        context = self._update_context(input)
        if context is None:
            return await super().handle_update_handler(input)
        self.in_flight.append(context)
        try:
            with _attached(context):
                self._completed_span(f"HandleUpdate:{input.update}", kind=opentelemetry.trace.SpanKind.SERVER)
                return await self.next.handle_update_handler(input)
        finally:
            self.in_flight.remove(context)

    def activity_context(self) -> Context | None:
        """The in-flight update an activity started outside its handler belongs to, if any."""
        if not self.in_flight:
            return None
        current = opentelemetry.trace.get_current_span().get_span_context().trace_id
        traces = {opentelemetry.trace.get_current_span(c).get_span_context().trace_id for c in self.in_flight}
        return None if current in traces else self.in_flight[-1]


class _UpdateActivities(WorkflowOutboundInterceptor):
    """Schedules an activity inside the newest in-flight update's context (the record pump
    runs in the workflow's own task, so by itself it would be on the start trace)."""

    def __init__(self, next: WorkflowOutboundInterceptor, root: _UpdateTracing) -> None:
        super().__init__(next)
        self.root = root

    def start_activity(self, input: StartActivityInput) -> workflow.ActivityHandle[Any]:
        with _attached(self.root.activity_context()):
            return super().start_activity(input)

"""Every activity's log lines name their journey, workflow, run, attempt and request.

An interceptor, so no activity has to remember it: the ids go into structlog's context
variables for the activity's task (activity tasks do not share contexts). The request
id arrives as OpenTelemetry baggage in the activity's Temporal headers, put there by the
API (`api.observability`) and carried by the tracing interceptor. A failed attempt that
Temporal will retry counts in `journeys_activity_retries` (the worker's Prometheus port).
"""

from __future__ import annotations

from typing import Any

import structlog
from opentelemetry import baggage
from temporalio import activity, client, worker
from temporalio.exceptions import ApplicationError

REQUEST_ID = "request_id"
JOURNEY_PREFIX = "journey-"


class LogContext(client.Interceptor, worker.Interceptor):
    def intercept_activity(self, next: worker.ActivityInboundInterceptor) -> worker.ActivityInboundInterceptor:
        return _BindIds(next)


class _BindIds(worker.ActivityInboundInterceptor):
    async def execute_activity(self, input: worker.ExecuteActivityInput) -> Any:
        info = activity.info()
        ids: dict[str, Any] = {
            "workflow_id": info.workflow_id,
            "run_id": info.workflow_run_id,
            "activity_type": info.activity_type,
            "attempt": info.attempt,
        }
        if info.workflow_id and info.workflow_id.startswith(JOURNEY_PREFIX):
            ids["journey_id"] = info.workflow_id.removeprefix(JOURNEY_PREFIX)
        request_id = baggage.get_baggage(REQUEST_ID)
        if request_id is not None:
            ids[REQUEST_ID] = str(request_id)
        with structlog.contextvars.bound_contextvars(**ids):
            try:
                return await self.next.execute_activity(input)
            except Exception as err:
                if not (isinstance(err, ApplicationError) and err.non_retryable):
                    _retries().add(1, {"activity_type": info.activity_type})
                raise


def _retries() -> Any:
    # The SDK's meter: exported with its own metrics, on the worker's JOURNEYS_METRICS_PORT.
    return activity.metric_meter().create_counter(
        "journeys_activity_retries", "failed activity attempts that Temporal retries"
    )

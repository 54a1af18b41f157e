"""Business counters (prometheus-client), shared by whatever process counts them.

Gauges computed from the projections live with the API's /metrics route
(`api.metrics`); the worker's counters go through the Temporal SDK's meter
(`journeys.activity_context`), on the worker's own metrics port.
"""

from __future__ import annotations

from prometheus_client import Counter, disable_created_metrics

# A `_created` timestamp series per counter doubles the page and no dashboard reads it.
disable_created_metrics()  # type: ignore[no-untyped-call]

MILESTONE_REFUSALS = Counter(
    "journeys_milestone_refusals",
    "Milestones refused by a pathway rule, by refusal code and milestone kind",
    ["code", "kind"],
)

"""The Grafana dashboard in deploy/ imports as is and only plots metrics the service exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import REGISTRY, generate_latest

import api.metrics  # noqa: F401 - registers the API's gauges
import journeys.metrics  # noqa: F401 - registers the refusal counter

DEPLOY = Path(__file__).parents[2] / "deploy"
# Exported by the worker through the Temporal SDK's meter (journeys.activity_context).
WORKER_METRICS = {"journeys_activity_retries"}


def test_the_dashboard_asks_for_its_data_source_on_import() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "cart-journeys-dashboard.json").read_text())
    assert [i["name"] for i in dashboard["__inputs"]] == ["DS_PROMETHEUS"]
    assert dashboard["panels"] and all(p["targets"] for p in dashboard["panels"])


def test_every_plotted_metric_is_one_the_service_exports() -> None:
    text = (DEPLOY / "grafana" / "cart-journeys-dashboard.json").read_text()
    plotted = set(re.findall(r"\bjourneys_[a-z_]+", text))
    exported = set(re.findall(r"^# TYPE (journeys_\w+)", generate_latest(REGISTRY).decode(), re.M))
    exported |= {f"{name}_total" for name in exported} | WORKER_METRICS
    assert plotted and plotted <= exported, plotted - exported

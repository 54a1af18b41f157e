"""GET /metrics: journeys per stage and centre, overdue, open alerts by severity, refusals by code."""

from __future__ import annotations

import re

import pytest

from api import metrics
from tests.api.conftest import Api


def value(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def scrape(api: Api, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(metrics, "_fresh_until", 0.0)
    r = await api.call("GET", "/metrics", "manager")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return r.text


async def test_metrics_count_journeys_by_stage_and_centre_and_refusals_by_code(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await scrape(api, monkeypatch)
    journey = await api.start("fuda")
    refused = await api.milestone(journey, "discharged", "fuda")
    assert refused.status_code == 409, refused.text
    after = await scrape(api, monkeypatch)

    stage = {"stage": "records", "centre": "fuda"}
    assert value(after, "journeys_active", **stage) == value(before, "journeys_active", **stage) + 1
    code = refused.json()["code"]
    refusals = {"code": code, "kind": "discharged"}
    assert value(after, "journeys_milestone_refusals_total", **refusals) == (
        value(before, "journeys_milestone_refusals_total", **refusals) + 1
    )
    for severity in ("critical", "high", "warning"):
        assert f'journeys_open_alerts{{severity="{severity}"}}' in after
    assert "journeys_overdue" in after


async def test_metrics_are_for_ops_and_managers_only(api: Api) -> None:
    assert (await api.call("GET", "/metrics", None)).status_code == 401
    assert (await api.call("GET", "/metrics", "pku")).status_code == 403

"""The demo simulator plays a centre the way the README tells one to: a refusal that says
what to do first (report today's grades) is followed, then the step is sent again."""

from __future__ import annotations

import json

import httpx

from starter.scenarios import Step
from starter.simulator import Run, Simulator


def fake_api(stale_once: bool) -> tuple[httpx.MockTransport, list[str]]:
    sent: list[str] = []
    refused = [False]

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/journeys":
            return httpx.Response(201, json={"journey_id": "Jdemo"})
        kind = json.loads(request.content)["kind"]
        sent.append(kind)
        if kind == "discharged" and stale_once and not refused[0]:
            refused[0] = True
            return httpx.Response(409, json={"code": "monitoring_stale", "reason": "report CRS and ICANS grades first"})
        return httpx.Response(200, json={"stage": "follow_up"})

    return httpx.MockTransport(handle), sent


def simulator(transport: httpx.MockTransport) -> Simulator:
    sim = Simulator("http://api", {"dev-ops": "ops", "dev-pku": "centre:pku"}, day_seconds=0.001)
    sim.http = httpx.AsyncClient(transport=transport)
    return sim


STEPS = [Step(0.2, "monitoring_reported", {"crs_grade": 0, "icans_grade": 0}), Step(0.5, "discharged")]


async def test_a_stale_discharge_reports_todays_grades_then_discharges() -> None:
    transport, sent = fake_api(stale_once=True)
    run = Run("happy path", "pku", STEPS)
    await simulator(transport).drive(run, "t")
    assert sent == ["monitoring_reported", "discharged", "monitoring_reported", "discharged"]
    assert run.surprises == [] and run.done_steps == 2


async def test_a_discharge_that_goes_through_is_sent_once() -> None:
    transport, sent = fake_api(stale_once=False)
    run = Run("happy path", "pku", STEPS)
    await simulator(transport).drive(run, "t")
    assert sent == ["monitoring_reported", "discharged"] and run.surprises == []

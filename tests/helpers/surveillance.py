"""A completed journey handed to long-term surveillance, for workflow and API tests.

The journey is built with the pure pathway (fast), stored as the journey's log, and
the surveillance workflow is started from its state, as the journey itself does.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from temporalio.client import Client, WorkflowHandle

from domain import surveillance_rules as sr
from domain.events import EventRecord, to_record
from domain.policy import PathwayPolicy
from domain.surveillance import SurveillancePolicy
from domain.surveillance_rules import SurveillanceView
from store.base import EventStore
from tests.helpers import pathway
from workflows.surveillance import SurveillanceWorkflow
from workflows.surveillance_messages import StartSurveillance, surveillance_workflow_id


def completed_journey(
    ending_at: datetime, monkeypatch: pytest.MonkeyPatch, day_seconds: float, centre: str = "pku"
) -> pathway.Pathway:
    """A journey (pure) with a fresh id that recorded its 365-day visit at `ending_at`."""

    def run() -> pathway.Pathway:
        p = pathway.Pathway(PathwayPolicy(day_seconds=day_seconds), centre=centre).to_follow_up()
        assert p.state.infused_at
        for day in p.policy.follow_up_visit_days:
            p.now = p.state.infused_at + p.policy.days(day)
            p.report("follow_up_recorded", visit_day=day, response="CR")
        return p

    took = run().now - pathway.T0
    monkeypatch.setattr(pathway, "T0", ending_at - took)
    p = run()
    journey_id = f"J{uuid.uuid4().hex[:16]}"
    p.state = p.state.model_copy(update={"journey_id": journey_id})
    p.events[0] = p.events[0].model_copy(update={"journey_id": journey_id})
    return p


def records(p: pathway.Pathway) -> list[EventRecord]:
    return [to_record(e, seq) for seq, e in enumerate(p.events, start=1)]


async def hand_over(
    client: Client,
    store: EventStore,
    p: pathway.Pathway,
    task_queue: str,
    policy: SurveillancePolicy,
    history_limit: int = 10_000,
) -> WorkflowHandle[SurveillanceWorkflow, SurveillanceView]:
    await store.append(p.state.journey_id, records(p))
    return await client.start_workflow(
        SurveillanceWorkflow.run,
        StartSurveillance(journey=p.state, policy=policy, history_limit=history_limit),
        id=surveillance_workflow_id(p.state.journey_id),
        task_queue=task_queue,
        # The lifetime is a backstop; a compressed policy on a real-time dev server needs a
        # floor, or a busy machine hits it before the last yearly timer fires.
        execution_timeout=max(policy.lifetime(), timedelta(minutes=5)),
    )


def under_surveillance(journey_id: str, missed: bool) -> tuple[pathway.Pathway, datetime]:
    """A completed journey (pure) handed over, clocked to just before its year-2 check is due,
    or past that check's window (`missed`)."""
    p = pathway.Pathway().to_follow_up()
    assert p.state.infused_at
    for day in p.policy.follow_up_visit_days:
        p.now = p.state.infused_at + p.policy.days(day)
        p.report("follow_up_recorded", visit_day=day, response="CR")
    p.state = p.state.model_copy(update={"journey_id": journey_id})
    p.events[0] = p.events[0].model_copy(update={"journey_id": journey_id})
    p.apply(sr.handover(p.state, SurveillancePolicy(), p.now))
    sv = p.state.surveillance
    assert sv
    until = sv.due(2) + sv.policy.days(sv.policy.window_days + 1 if missed else -40)
    return clock(p, until), until


def clock(p: pathway.Pathway, until: datetime) -> pathway.Pathway:
    """Fire every surveillance deadline due by `until`, at its due time."""
    while (due := sr.next_deadline(p.state)) is not None and due.due_at <= until:
        p.now = max(p.now, due.due_at)
        p.apply(sr.fire(p.state, due, p.now))
    p.now = max(p.now, until)
    return p

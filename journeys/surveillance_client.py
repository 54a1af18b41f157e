"""The client side of long-term surveillance: checks go to the journey's surveillance workflow.

It reuses the journey client's update path (update ids, refusals, outages), only
aimed at another workflow id.
"""

from __future__ import annotations

from typing import Any, cast

from temporalio.client import WorkflowHandle

from domain.actors import Actor
from domain.surveillance import SurveillanceCheck
from domain.surveillance_rules import SurveillanceView
from journeys.client import JourneyClient
from workflows.surveillance import SurveillanceWorkflow
from workflows.surveillance_messages import CheckRequest, surveillance_workflow_id


class SurveillanceClient(JourneyClient):
    def __init__(self, journeys: JourneyClient) -> None:
        # Shares the journey client's connection and settings (no second policy book load).
        self.client, self.settings, self.policies = journeys.client, journeys.settings, journeys.policies

    def handle(self, journey_id: str) -> WorkflowHandle[Any, Any]:
        return self.client.get_workflow_handle(surveillance_workflow_id(journey_id))

    async def report_check(self, journey_id: str, check: SurveillanceCheck, actor: Actor) -> SurveillanceView:
        view: Any = await self._update(
            journey_id,
            SurveillanceWorkflow.report_check,
            CheckRequest(actor=actor, check=check),
            update_id=check_update_id(check),
        )
        return cast(SurveillanceView, view)


def check_update_id(check: SurveillanceCheck) -> str:
    """As for milestones: a resubmission gets the first answer; another body reaches the rules."""
    return f"check-{check.milestone_id}-{check.digest()[:16]}"

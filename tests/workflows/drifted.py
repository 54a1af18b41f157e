"""Variants of the journey workflow for the replay tests, under the same workflow type name.

A module of its own, importing only what a workflow may, so the sandbox can load it.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.view import JourneyView
    from workflows.journey import JourneyWorkflow
    from workflows.messages import StartJourney


@workflow.defn(name="JourneyWorkflow")
class ExtraTimerFirst(JourneyWorkflow):
    """A careless change: wait a minute before anything else. Journeys in flight did not."""

    @workflow.run
    async def run(self, start: StartJourney) -> JourneyView:
        await workflow.sleep(timedelta(minutes=1))
        return await super().run(start)


@workflow.defn(name="JourneyWorkflow")
class ExtraTimerPatched(JourneyWorkflow):
    """The same change behind `workflow.patched`: new journeys wait, old ones replay as before."""

    @workflow.run
    async def run(self, start: StartJourney) -> JourneyView:
        if workflow.patched("wait-a-minute-first"):
            await workflow.sleep(timedelta(minutes=1))
        return await super().run(start)

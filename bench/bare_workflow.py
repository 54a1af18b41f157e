"""A workflow with no domain, no store and no activities: the floor for an update round trip."""

from __future__ import annotations

from temporalio import workflow


@workflow.defn
class BareWorkflow:
    def __init__(self) -> None:
        self.stop = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.stop)

    @workflow.update
    async def ping(self, n: int) -> int:
        return n

    @workflow.signal
    def finish(self) -> None:
        self.stop = True

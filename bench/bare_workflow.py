"""A workflow with no domain and no store: the floor for an update round trip.

`ping` answers at once; `ping_recorded` first runs one activity that does nothing, which
is the floor for a milestone, whose answer waits for the event store's activity.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def bare_noop(n: int) -> int:
    return n


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

    @workflow.update
    async def ping_recorded(self, n: int) -> int:
        return await workflow.execute_activity(bare_noop, n, start_to_close_timeout=timedelta(seconds=15))

    @workflow.signal
    def finish(self) -> None:
        self.stop = True

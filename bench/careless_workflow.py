"""A workflow file with the mistake DESIGN §8 warns about, for the sandbox memory figure only.

It imports the event store's module (and with it SQLAlchemy) at module level, outside
`workflow.unsafe.imports_passed_through()`. Whether that costs a module import per
workflow depends only on the worker's pass-through list: this file is how the benchmark
shows what `worker.PASSTHROUGH` saves. Never registered by the real worker.
"""

from __future__ import annotations

from temporalio import workflow

# Deliberately not inside imports_passed_through().
from activities import recording  # noqa: F401
from store import sql  # noqa: F401


@workflow.defn
class CarelessWorkflow:
    def __init__(self) -> None:
        self.stop = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.stop)

    @workflow.signal
    def finish(self) -> None:
        self.stop = True

    @workflow.query
    def waiting(self) -> bool:
        return not self.stop

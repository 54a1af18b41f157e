"""What every fault test shares: a whole pathway to walk, patient retries, and the no-loss checks.

Milestone ids are fixed per journey and step, so a report that failed because
something was down is simply sent again: the journey answers it once.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from domain.milestones import MILESTONE_KINDS, parse_milestone
from domain.view import JourneyView
from journeys.client import ClientError, JourneyClient, Refused
from store.base import JourneyReader, StoredEvent

T = TypeVar("T")

# Default day length, so no reminder or escalation fires while a fault is on; a zero
# minimum stay lets the journey be discharged without waiting (nobody waits on timers here).
NO_TIMERS = {"min_stay_days": 0}
# These journeys are started with rules_edition=1: they prove the plumbing under faults and walk
# the whole pathway at once, which the second edition's clinical clock (visits on their own
# days, bedside check, monitoring before discharge) rightly refuses.

COI = "COI-FAULT-1"
PATHWAY: list[tuple[str, dict[str, Any]]] = [
    ("records_received", {}),
    ("teleconsult_completed", {"outcome": "proceed"}),
    ("eligibility_decided", {"eligible": True, "product": "axi-cel", "estimate_usd": 95000}),
    ("estimate_accepted", {}),
    ("patient_admitted", {"interpreter": True}),
    ("apheresis_completed", {"coi": COI}),
    ("product_released", {"coi": COI, "lot": "LOT-F1"}),
    ("infusion_completed", {"coi": COI}),
    ("monitoring_reported", {"crs_grade": 1, "icans_grade": 0}),
    ("monitoring_reported", {"crs_grade": 0, "icans_grade": 0}),
    ("discharged", {}),
    *[("follow_up_recorded", {"visit_day": d, "response": "CR"}) for d in (30, 90, 180, 365)],
]
OPS_KINDS = {"estimate_accepted"}


def actor_for(kind: str, centre: str) -> str:
    return "ops:fault-test" if kind in OPS_KINDS else f"centre:{centre}"


def milestone(journey_id: str, step: int, *, occurred_at: datetime | None = None) -> Any:
    kind, fields = PATHWAY[step]
    return parse_milestone(
        {
            "kind": kind,
            "milestone_id": f"{journey_id}-s{step}",
            "occurred_at": occurred_at or datetime.now(UTC),
            **fields,
        }
    )


async def until(
    check: Callable[[], Awaitable[T | None]],
    *,
    what: str,
    within: float = 60,
    interval: float = 0.2,
) -> T:
    """Poll until `check` returns something truthy; errors while polling count as 'not yet'."""
    deadline = time.monotonic() + within
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            result = await check()
            if result:
                return result
        except Exception as err:  # noqa: BLE001 - a server on its way back up answers with errors
            last = err
        await asyncio.sleep(interval)
    raise AssertionError(
        f"timed out after {within:.0f}s waiting for {what}" + (f" (last error: {last!r})" if last else "")
    )


async def report_step(
    jc: JourneyClient,
    journey_id: str,
    step: int,
    centre: str = "pku",
    *,
    occurred_at: datetime | None = None,
    within: float = 90,
) -> JourneyView:
    """Send step `step`, again and again while the service is unreachable; a refusal is final."""
    m = milestone(journey_id, step, occurred_at=occurred_at)
    kind = PATHWAY[step][0]
    deadline = time.monotonic() + within
    while True:
        try:
            return await asyncio.wait_for(
                jc.report(journey_id, m, actor_for(kind, centre)),
                timeout=max(1.0, deadline - time.monotonic()),
            )
        except Refused:
            raise
        except (ClientError, RuntimeError, TimeoutError) as err:
            if time.monotonic() > deadline:
                raise AssertionError(f"{journey_id} step {step} ({kind}) never got through: {err!r}") from err
            await asyncio.sleep(0.3)


async def start_journey(jc: JourneyClient, patient_ref: str, *, actor: str = "ops:test") -> str:
    """A first-edition journey at pku with no minimum stay: the pathway the fault tests walk."""
    view = await jc.start(
        patient_ref=patient_ref,
        centre_id="pku",
        product=None,
        actor=actor,
        policy_overrides=NO_TIMERS,
        rules_edition=1,
    )
    return view.journey_id


async def walk(jc: JourneyClient, journey_id: str, steps: range, centre: str = "pku") -> JourneyView:
    view: JourneyView | None = None
    for step in steps:
        view = await report_step(jc, journey_id, step, centre)
    assert view is not None
    return view


async def assert_intact(store: JourneyReader, journey_id: str) -> list[StoredEvent]:
    """Log is 1..n without gap or duplicate, its chain verifies, no milestone is in twice."""
    events = await store.read(journey_id)
    seqs = [e.seq for e in events]
    assert seqs == list(range(1, len(events) + 1)), f"{journey_id}: gap or duplicate in {seqs}"
    verdict = await store.verify(journey_id)
    assert verdict.ok, f"{journey_id}: chain broken at {verdict.first_broken_seq}: {verdict.problem}"
    ids = milestone_ids(events)
    assert not [i for i, n in ids.items() if n > 1], f"{journey_id}: milestone recorded twice: {ids}"
    return events


def milestone_ids(events: list[StoredEvent]) -> Counter[str]:
    """Milestones are recorded under their own kind, with their id in the payload."""
    return Counter(e.payload["milestone_id"] for e in events if e.kind in MILESTONE_KINDS)


def kinds(events: list[StoredEvent]) -> list[str]:
    return [e.kind for e in events]


@dataclass
class Figures:
    """What a fault did, printed (never asserted as a time) for the issue note."""

    fault: str
    in_flight: int = 0
    lost: int = 0
    duplicated: int = 0
    recover_seconds: float | None = None
    notes: dict[str, object] = field(default_factory=dict)

    def count(self, events_by_journey: dict[str, list[StoredEvent]], expected_steps: int) -> None:
        for events in events_by_journey.values():
            accepted = milestone_ids(events)
            self.lost += max(0, expected_steps - len(accepted))
            self.duplicated += sum(n - 1 for n in accepted.values())
            self.duplicated += len(events) - len({e.seq for e in events})

    def show(self) -> str:
        recover = f"{self.recover_seconds:.1f}s" if self.recover_seconds is not None else "n/a"
        extra = "".join(f", {k}={v}" for k, v in self.notes.items())
        line = (
            f"FAULT FIGURES [{self.fault}]: journeys in flight={self.in_flight}, lost={self.lost}, "
            f"duplicated={self.duplicated}, time to recover={recover}{extra}"
        )
        print("\n" + line)
        return line


class Walkers:
    """Journeys walked down the pathway concurrently, remembering when each step got through."""

    def __init__(self, jc: JourneyClient, journey_ids: list[str], *, within: float = 120) -> None:
        self.jc, self.ids, self.within = jc, journey_ids, within
        self.accepted: list[tuple[str, float]] = []
        self.fault_at: float | None = None
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> Walkers:
        self._tasks = [asyncio.create_task(self._walk(j)) for j in self.ids]
        return self

    async def _walk(self, journey_id: str) -> None:
        for step in range(len(PATHWAY)):
            await report_step(self.jc, journey_id, step, within=self.within)
            self.accepted.append((journey_id, time.monotonic()))
            if self.fault_at is None:
                await asyncio.sleep(0.05)  # keep pace with each other, so all are mid-way

    async def until_steps(self, n: int) -> None:
        async def enough() -> bool:
            return len(self.accepted) >= n

        await until(enough, what=f"{n} steps to get through")

    def fault(self) -> int:
        """Mark the fault; returns how many journeys were still in flight."""
        self.fault_at = time.monotonic()
        return len(self.ids) - len(self._finished())

    async def finish(self) -> None:
        await asyncio.wait_for(asyncio.gather(*self._tasks), timeout=self.within + 30)

    def recover_seconds(self) -> float:
        """Until every journey in flight at the fault had a step through again."""
        assert self.fault_at is not None
        t0, finished = self.fault_at, self._finished(before=self.fault_at)
        return (
            max(min(t for j, t in self.accepted if j == jid and t > t0) for jid in self.ids if jid not in finished) - t0
        )

    def _finished(self, before: float | None = None) -> set[str]:
        steps = Counter(j for j, t in self.accepted if before is None or t <= before)
        return {j for j, n in steps.items() if n == len(PATHWAY)}

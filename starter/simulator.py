"""Partner-centre simulator: plays the four centres (and the ops desk) over the public HTTP API.

It uses only what a real centre has: its own bearer token and the /v1 API, so
the demo exercises authorisation, validation and idempotency end to end.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from domain.stages import Stage
from starter.scenarios import CENTRE_OF, CENTRE_ROTATION, SCENARIOS, Step, language_of


@dataclass
class Run:
    scenario: str
    centre: str
    steps: list[Step]
    journey_id: str | None = None
    stage: str = "-"
    outcome: str | None = None
    done_steps: int = 0
    surprises: list[str] = field(default_factory=list)
    language: str = "en"
    events: int = 0
    chain_ok: bool | None = None
    # From the history: hand-offs of the cells, and excursions quality assurance released.
    hand_offs: int = 0
    released_by_qa: int = 0


class Simulator:
    def __init__(
        self, api_url: str, tokens: dict[str, str], day_seconds: float, console: Console | None = None
    ) -> None:
        self.api = api_url.rstrip("/")
        self.by_role = {role: token for token, role in tokens.items()}
        self.day_seconds = day_seconds
        self.console = console or Console()
        self.runs: list[Run] = []
        self.http = httpx.AsyncClient(timeout=30)
        # Longest waiting list seen per centre while the cohort ran (GET .../capacity).
        self.waiting_peak: dict[str, int] = {}

    def _auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.by_role[role]}"}

    async def _at(self, planned: datetime) -> datetime:
        """Waits until `planned` and returns when the step happened (its `occurred_at`).

        Steps keep to one schedule per journey, so the clinical clock sees the intended
        gaps (a discharge half a day after the last monitoring report) however long the
        API takes to answer; only a run that fell far behind starts the schedule anew,
        since a report may not be older than the policy allows.
        """
        now = datetime.now(UTC)
        if now - planned > timedelta(seconds=5 * self.day_seconds):
            return now
        await asyncio.sleep(max(0.0, (planned - now).total_seconds()))
        return planned

    async def drive(self, run: Run, tag: str) -> None:
        r = await self.http.post(
            f"{self.api}/v1/journeys",
            headers=self._auth("ops"),
            json={
                "patient_ref": f"DEMO-{tag}-{run.scenario.replace(' ', '-')}",
                "centre_id": run.centre,
                "language": run.language,
                "interpreter_needed": run.language != "en",
            },
        )
        if r.status_code != 201:
            run.surprises.append(f"start: {r.status_code} {r.text[:120]}")
            return
        run.journey_id = r.json()["journey_id"]
        happened = datetime.now(UTC)
        infused: datetime | None = None
        for step in run.steps:
            if step.on_day is not None and infused is not None:
                planned = infused + timedelta(seconds=step.on_day * self.day_seconds)
            else:
                planned = happened + timedelta(seconds=step.after * self.day_seconds)
            happened = await self._at(max(planned, happened))
            role = "ops" if step.by_ops else f"centre:{run.centre}"
            r = await self._act(run, step, role, happened)
            if step.expect == 200 and _refusal_code(r) == "monitoring_stale":
                # The run fell behind (a loaded machine answers slower than a demo day), so its
                # last grades are too old to discharge on. What the refusal asks a centre to do:
                # report today's grades, then discharge.
                happened = datetime.now(UTC)
                grades = {"kind": "monitoring_reported", "crs_grade": 0, "icans_grade": 0}
                if (await self._report(run, role, grades, happened)).status_code == 200:
                    happened += timedelta(seconds=0.1 * self.day_seconds)
                    r = await self._act(run, step, role, happened)
            if r.status_code != step.expect:
                run.surprises.append(f"{step.kind}: {r.status_code} {r.text[:160]}")
                return
            if step.kind == "infusion_completed" and r.status_code == 200:
                infused = happened
            run.done_steps += 1

    async def _act(self, run: Run, step: Step, role: str, happened: datetime) -> httpx.Response:
        if step.action == "withdraw":
            return await self.http.post(
                f"{self.api}/v1/journeys/{run.journey_id}/withdraw", headers=self._auth(role), json=step.fields
            )
        return await self._report(run, role, {"kind": step.kind, **step.fields}, happened)

    async def _report(self, run: Run, role: str, milestone: dict[str, Any], happened: datetime) -> httpx.Response:
        body = {**milestone, "milestone_id": uuid.uuid4().hex, "occurred_at": happened.isoformat()}
        return await self.http.post(
            f"{self.api}/v1/journeys/{run.journey_id}/milestones", headers=self._auth(role), json=body
        )

    async def poll(self) -> None:
        for run in self.runs:
            if run.journey_id is None:
                continue
            r = await self.http.get(f"{self.api}/v1/journeys/{run.journey_id}", headers=self._auth("manager"))
            if r.status_code == 200:
                body = r.json()
                run.stage, run.outcome = body["stage"], body.get("outcome")

    def table(self) -> Group:
        counts = Table(title="Journeys per stage", expand=False)
        for stage in Stage:
            counts.add_column(stage.value, justify="center")
        counts.add_row(*[str(sum(r.stage == s.value for r in self.runs)) for s in Stage])
        detail = Table(show_lines=False)
        for col in ("scenario", "centre", "language", "journey", "stage", "outcome", "steps"):
            detail.add_column(col)
        for r in self.runs:
            detail.add_row(
                r.scenario,
                r.centre,
                r.language,
                r.journey_id or "-",
                r.stage,
                r.outcome or "",
                f"{r.done_steps}/{len(r.steps)}" + (" [red]![/red]" if r.surprises else ""),
            )
        return Group(counts, detail)

    async def verify(self) -> None:
        for run in self.runs:
            if run.journey_id is None:
                continue
            r = await self.http.get(f"{self.api}/v1/journeys/{run.journey_id}/history", headers=self._auth("manager"))
            if r.status_code != 200:
                continue
            body = r.json()
            events = body["events"] if isinstance(body, dict) else body
            run.events = len(events)
            run.chain_ok = all(b["prev_hash"] == a["hash"] for a, b in zip(events, events[1:], strict=False)) and [
                e["seq"] for e in events
            ] == list(range(1, len(events) + 1))
            run.hand_offs = sum(e["kind"] == "custody_transferred" for e in events)
            run.released_by_qa = sum(
                e["kind"] == "quality_release" and e["payload"].get("decision") == "release" for e in events
            )

    async def poll_capacity(self) -> None:
        for centre in sorted({r.centre for r in self.runs}):
            r = await self.http.get(f"{self.api}/v1/centres/{centre}/capacity?weeks=4", headers=self._auth("manager"))
            if r.status_code == 200:
                waiting = len(r.json()["waiting_list"])
                self.waiting_peak[centre] = max(self.waiting_peak.get(centre, 0), waiting)

    async def run_cohort(self, scenarios: list[str] | None = None, within: float = 1800) -> bool:
        tag = uuid.uuid4().hex[:6]
        names = scenarios or list(SCENARIOS)
        self.runs = [
            Run(
                n,
                CENTRE_OF.get(n) or CENTRE_ROTATION[i % len(CENTRE_ROTATION)],
                SCENARIOS[n],
                language=language_of(n, i),
            )
            for i, n in enumerate(names)
        ]
        drivers = [asyncio.create_task(self.drive(r, tag)) for r in self.runs]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        with Live(self.table(), console=self.console, refresh_per_second=2, transient=False) as live:
            while loop.time() < deadline:
                await self.poll()
                await self.poll_capacity()
                live.update(self.table())
                # A run that met a surprise has stopped driving its journey: it will not end by itself.
                if all(d.done() for d in drivers) and all(
                    r.outcome or r.surprises or not r.journey_id for r in self.runs
                ):
                    break
                await asyncio.sleep(1)
        for d in drivers:
            d.cancel()
        await self.verify()
        self.console.print()  # a piped Live leaves the cursor at the end of its last line
        self.console.print(self.summary())
        self.console.print(self.logistics())
        await self.http.aclose()
        return all(r.outcome and not r.surprises and r.chain_ok for r in self.runs)

    def summary(self) -> Table:
        t = Table(title="Demo summary")
        for col in ("scenario", "centre", "journey", "outcome", "events", "hash chain", "notes"):
            t.add_column(col)
        for r in self.runs:
            chain = {True: "[green]verified[/green]", False: "[red]BROKEN[/red]", None: "-"}[r.chain_ok]
            t.add_row(
                r.scenario,
                r.centre,
                r.journey_id or "-",
                r.outcome or f"[yellow]{r.stage}[/yellow]",
                str(r.events),
                chain,
                "; ".join(r.surprises)[:80],
            )
        return t

    def logistics(self) -> str:
        """Chain of custody and capacity, in two lines a person reads after the table."""
        hand_offs = sum(r.hand_offs for r in self.runs)
        released = sum(r.released_by_qa for r in self.runs)
        peaks = ", ".join(f"{c} {n}" for c, n in sorted(self.waiting_peak.items()) if n) or "none"
        return (
            f"custody: {hand_offs} hand-offs recorded, {released} excursion(s) released by QA "
            f"before infusion\ncapacity: longest waiting list per centre: {peaks} "
            "(see /ui/capacity)"
        )


def _refusal_code(r: httpx.Response) -> str | None:
    if r.status_code != 409:
        return None
    try:
        code = r.json().get("code")
    except ValueError:
        return None
    return code if isinstance(code, str) else None

"""Record the Temporal histories that `test_replay.py` replays on every run.

    .venv/bin/python -m tests.workflows.record_histories          # all of them
    .venv/bin/python -m tests.workflows.record_histories relapse  # just one

Each scenario drives one journey down a distinct path of the pathway and writes
`tests/histories/<name>.json` (`WorkflowHistory.to_json()`). When the workflow
changes behind `workflow.patched`, first move the current files into a
sub-folder named for the old behaviour (journeys in flight still have those
histories, and they keep being replayed), then record anew (see the README).
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from temporalio.client import WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from domain.policy import PathwayPolicy
from domain.surveillance import SurveillanceCheck
from journeys.search_attributes import SEARCH_ATTRIBUTES
from tests.helpers.driver import JourneyDriver, running_journey
from tests.helpers.servers import dev_server_path, start_time_skipping
from workflows.surveillance import SurveillanceWorkflow
from workflows.surveillance_messages import CheckRequest, surveillance_workflow_id

HISTORIES = Path(__file__).resolve().parent.parent / "histories"
# As under pytest (tests/conftest.py): development settings, strict sandbox.
os.environ.setdefault("JOURNEYS_ENVIRONMENT", "development")
os.environ.setdefault("JOURNEYS_STRICT_SANDBOX", "1")
COI = "COI-0001"

Scenario = Callable[[JourneyDriver], Awaitable[None]]


async def happy_path(d: JourneyDriver) -> None:
    await d.to_follow_up()
    await d.visits({30: "CR", 90: "CR", 180: "PR", 365: "CR"})


async def records_loop_back_then_lapse(d: JourneyDriver) -> None:
    await d.sleep_days(8)
    await d.report("records_received")
    await d.report("teleconsult_completed", outcome="more_records")
    await d.sleep_days(31)


async def not_a_candidate(d: JourneyDriver) -> None:
    await d.report("records_received")
    await d.report("teleconsult_completed", outcome="not_candidate")


async def estimate_lapse(d: JourneyDriver) -> None:
    await d.to_screening()
    await d.report("eligibility_decided", eligible=True, product="axi-cel", estimate_usd=95000)
    await d.sleep_days(22)


async def manufacturing_failure_and_reapheresis(d: JourneyDriver) -> None:
    await d.to_manufacturing(COI)
    await d.sleep_days(29)  # warned at 28 days
    await d.report("manufacturing_failed", reason="low transduction", next="reapheresis")
    await d.report("apheresis_completed", coi=COI)
    await d.sleep_days(36)  # warned and escalated
    await _refused(d.report("manufacturing_failed", reason="again", next="reapheresis"))
    await d.report("manufacturing_failed", reason="no expansion", next="stop")


async def out_of_spec_coi_mismatch_then_withdrawn(d: JourneyDriver) -> None:
    await d.to_manufacturing(COI)
    await d.report("manufacturing_failed", reason="viability 68%", next="out_of_spec")
    await d.report("product_released", coi=COI, lot="LOT-OOS")
    await _refused(d.report("infusion_completed", coi="COI-9999"))  # wrong bag: critical alert
    await d.settle()
    await d.acknowledge("A3")
    await d.withdraw("wrong-patient product suspected; patient returns home")


async def toxicity_early_discharge_then_relapse(d: JourneyDriver) -> None:
    await d.to_stay(COI)
    await d.report("monitoring_reported", crs_grade=3, icans_grade=1)
    await d.sleep_days(5)
    await _refused(d.report("discharged"))
    await d.report("discharged", override_reason="stable; daily outpatient checks")
    infused = (await d.view()).infused_at
    assert infused is not None
    await d.skip_to(infused + d.policy.days(50))  # day-30 visit missed
    await d.visits({30: "PR", 90: "PD"})


async def death_after_infusion(d: JourneyDriver) -> None:
    await d.to_stay(COI)
    await d.sleep_days(29)  # stay past maximum
    await d.report("adverse_event_reported", term="HLH", grade=5)
    await d.report("death_reported", cause="HLH")


# Second edition of the clinical rules (DESIGN §1a): new journeys since the patch.
async def second_edition_toxicity_refused_discharge_then_completed(d: JourneyDriver) -> None:
    await d.to_stay(COI)
    for grade in (3, 3, 4, 1, 0):  # one alert for the episode, again when it rose to 4
        await d.sleep_days(1)
        await d.report("monitoring_reported", crs_grade=grade, icans_grade=0)
    await d.sleep_days(9)
    await d.report("monitoring_reported", crs_grade=2, icans_grade=0)
    await _refused(d.report("discharged"))  # CRS grade 2 still active
    await d.sleep_days(1)
    await d.report("monitoring_reported", crs_grade=0, icans_grade=0)
    await d.report("discharged")
    await d.visits({30: "CR", 90: "CR", 180: "CR", 365: "CR"})


async def second_edition_missed_visits_then_lost(d: JourneyDriver) -> None:
    await d.to_follow_up()
    await d.visits({30: "PR"})
    await d.sleep_days(400)  # the day 90, 180 and 365 windows pass


async def second_edition_death_during_reapheresis(d: JourneyDriver) -> None:
    await d.to_manufacturing(COI)
    await d.report("manufacturing_failed", reason="no expansion", next="reapheresis")
    await d.report("adverse_event_reported", term="cardiac arrest", grade=5)


async def second_edition_screening_escalates_then_withdrawn_in_travel(d: JourneyDriver) -> None:
    await d.report("records_received")
    await d.report("teleconsult_completed", outcome="proceed")
    await d.sleep_days(15)  # eligibility not decided: escalates
    await d.report("eligibility_decided", eligible=True, product="axi-cel", estimate_usd=95000)
    await d.report("estimate_accepted")
    await d.sleep_days(1)
    await d.withdraw("patient chose treatment at home")  # cancels the unused travel bookings


SECOND_EDITION: dict[str, Scenario] = {
    scenario.__name__: scenario
    for scenario in (
        second_edition_toxicity_refused_discharge_then_completed,
        second_edition_missed_visits_then_lost,
        second_edition_death_during_reapheresis,
        second_edition_screening_escalates_then_withdrawn_in_travel,
    )
}


async def _hand(d: JourneyDriver, frm: str, to: str, condition: str = "intact", **extra: object) -> None:
    await d.report("custody_transferred", coi=COI, from_party=frm, to_party=to, condition=condition, **extra)


async def custody_excursion_released(d: JourneyDriver) -> None:
    """Reserved on acceptance, moved by the facts; a cold-chain excursion held until QA released it."""
    await d.to_manufacturing(COI)
    await _hand(d, "collection site", "courier", temperature_c=4.5, seal_id="S-1")
    await _hand(d, "courier", "manufacturing site", temperature_c=5.0, seal_id="S-1")
    await d.sleep_days(17)
    await d.report("product_released", coi=COI, lot="LOT-1")
    await _hand(d, "manufacturing site", "courier", temperature_c=-185.0)
    await _hand(d, "courier", "centre pharmacy", "excursion", temperature_c=-120.0, excursion_minutes=35)
    await _refused(d.report("infusion_completed", coi=COI))  # quality hold
    await d.report("quality_release", coi=COI, approved_by="qp-wang", decision="release")
    await d.report("infusion_completed", coi=COI)
    await d.report("death_reported", cause="cardiac arrest")  # releases the bed


async def custody_rejected_then_reapheresis(d: JourneyDriver) -> None:
    """Damage in transit, QA rejects: re-apheresis rebooks; a second rejection ends the journey."""
    await d.to_manufacturing(COI)
    await _hand(d, "collection site", "courier", "damaged", seal_id="S-1")
    await _refused(_hand(d, "somebody else", "manufacturing site"))  # a gap in the chain
    await d.report("quality_release", coi=COI, approved_by="qp-wang", decision="reject")
    await d.sleep_days(3)
    await d.report("apheresis_completed", coi=COI)
    await _hand(d, "collection site", "courier", "excursion", temperature_c=12.0)
    await d.report("quality_release", coi=COI, approved_by="qp-wang", decision="reject")


async def patient_services_deposit(d: JourneyDriver) -> None:
    """A journey with a language: travel waits for the deposit (reminded, escalated), paid in RMB,
    flights and accommodation follow; charges are posted; the interpreter is booked as needed."""
    await d.to_screening()
    await d.report("eligibility_decided", eligible=True, product="axi-cel", estimate_usd=98000)
    await d.report("estimate_accepted")
    await d.sleep_days(8)
    await d.report("payment_received", amount="211680.00", currency="RMB", reference="WIRE-1")
    await d.report("patient_admitted")
    await d.report("charge_posted", item="apheresis", amount="86400.00", currency="CNY")
    await d.withdraw("patient chose treatment at home")


SKIPPING: dict[str, Scenario] = {
    "happy_path": happy_path,
    "records_loop_back_then_lapse": records_loop_back_then_lapse,
    "not_a_candidate": not_a_candidate,
    "estimate_lapse": estimate_lapse,
    "manufacturing_failure_and_reapheresis": manufacturing_failure_and_reapheresis,
    "out_of_spec_coi_mismatch_then_withdrawn": out_of_spec_coi_mismatch_then_withdrawn,
    "toxicity_early_discharge_then_relapse": toxicity_early_discharge_then_relapse,
    "death_after_infusion": death_after_infusion,
    "custody_excursion_released": custody_excursion_released,
    "custody_rejected_then_reapheresis": custody_rejected_then_reapheresis,
    "patient_services_deposit": patient_services_deposit,
}
# Journeys started with more than the defaults (patient services: language, interpreter).
STARTS: dict[str, dict[str, object]] = {"patient_services_deposit": {"language": "zh-CN", "interpreter_needed": True}}
# Continue-as-new needs the real dev server; both runs of the chain are recorded.
CONTINUED = "continue_as_new"
# The journey that hands over to long-term surveillance, and the surveillance child's own
# history. Recorded on a server of their own: after a parent starts a child, the Java
# test server no longer skips time for anything else.
SURVEILLED = "happy_path_then_surveillance"
SURVEILLANCE = "surveillance_relapse_then_death"


async def _refused(call: Awaitable[object]) -> None:
    try:
        await call
    except WorkflowUpdateFailedError:
        return
    raise AssertionError("the scenario expected a refusal")


async def record_skipping(env: WorkflowEnvironment, name: str, scenario: Scenario) -> None:
    edition = 2 if name in SECOND_EDITION else 1
    async with running_journey(env, f"record-{uuid.uuid4()}", edition=edition, **STARTS.get(name, {})) as (
        d,
        _store,
        _world,
    ):  # type: ignore[arg-type]
        await scenario(d)
        assert d.handle is not None
        await d.result()
        history = await d.handle.fetch_history()
    (HISTORIES / f"{name}.json").write_text(history.to_json())
    print(f"{name}: {len(history.events)} events")


async def record_surveilled(env: WorkflowEnvironment) -> None:
    async with running_journey(env, f"record-{uuid.uuid4()}", surveillance=True) as (d, _store, _world):
        await happy_path(d)
        assert d.handle is not None
        journey = await d.result()
        parent = await d.handle.fetch_history()
        child = env.client.get_workflow_handle_for(SurveillanceWorkflow.run, surveillance_workflow_id(d.journey_id))
        d.handle = child  # the driver's clock now watches the child's timers
        assert journey.infused_at is not None
        for year, status in ((2, "remission"), (3, "relapsed")):
            await d.skip_to(journey.infused_at + d.policy.days(365 * year))
            await child.execute_update(
                SurveillanceWorkflow.report_check,
                CheckRequest(
                    actor="centre:pku",
                    check=SurveillanceCheck(
                        milestone_id=f"y{year}",
                        occurred_at=await env.get_current_time(),
                        year=year,
                        alive=True,
                        disease_status=status,
                    ),
                ),
            )
        await d.sleep_days(400)  # the year-4 check is missed
        await child.execute_update(
            SurveillanceWorkflow.report_check,
            CheckRequest(
                actor="ops:followup",
                check=SurveillanceCheck(
                    milestone_id="death",
                    occurred_at=await env.get_current_time(),
                    alive=False,
                    cause_of_death="secondary malignancy",
                ),
            ),
        )
        await child.result()
        history = await child.fetch_history()
    for name, recorded in ((SURVEILLED, parent), (SURVEILLANCE, history)):
        (HISTORIES / f"{name}.json").write_text(recorded.to_json())
        print(f"{name}: {len(recorded.events)} events")


async def record_continued(env: WorkflowEnvironment) -> None:
    # Real time here: nothing sleeps, and no deadline (days away) falls due.
    policy = PathwayPolicy(min_stay_days=0)
    async with running_journey(
        env, f"record-{uuid.uuid4()}", policy=policy, history_limit=120, search_attributes=True
    ) as (d, _store, _world):
        await d.to_manufacturing(COI)
        await d.report("product_released", coi=COI, lot="LOT-1")
        await d.report("infusion_completed", coi=COI)
        await d.report("monitoring_reported", crs_grade=3, icans_grade=0)
        for _ in range(30):
            await d.report("monitoring_reported", crs_grade=1, icans_grade=0)
        await d.report("discharged")
        for day in (30, 90, 180, 365):
            await d.report("follow_up_recorded", visit_day=day, response="CR")
        await d.result()
        assert d.handle is not None
        runs = [w async for w in env.client.list_workflows(f"WorkflowId = '{d.handle.id}'")]
        runs.sort(key=lambda w: w.start_time)
        assert len(runs) >= 2, "the journey was expected to continue as new"
        for stale in HISTORIES.glob(f"{CONTINUED}.run*.json"):
            stale.unlink()
        for i, run in enumerate(runs, 1):
            handle = env.client.get_workflow_handle(run.id, run_id=run.run_id)
            history = await handle.fetch_history()
            (HISTORIES / f"{CONTINUED}.run{i}.json").write_text(history.to_json())
            print(f"{CONTINUED}.run{i}: {len(history.events)} events")


async def main(only: list[str]) -> int:
    HISTORIES.mkdir(exist_ok=True)
    chosen = {n: s for n, s in {**SKIPPING, **SECOND_EDITION}.items() if not only or n in only}
    if chosen:
        async with await start_time_skipping() as env:
            for name, scenario in chosen.items():
                await record_skipping(env, name, scenario)
    if not only or SURVEILLED in only:
        async with await start_time_skipping() as env:
            await record_surveilled(env)
    if not only or CONTINUED in only:
        async with await WorkflowEnvironment.start_local(
            data_converter=pydantic_data_converter,
            dev_server_existing_path=dev_server_path(),
            search_attributes=SEARCH_ATTRIBUTES,
            dev_server_log_level="error",
        ) as env:
            await record_continued(env)
    return 0


if __name__ == "__main__":
    code = 1
    try:
        code = asyncio.run(main(sys.argv[1:]))
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        # The SDK's Rust bridge can abort the interpreter at exit (DESIGN §8).
        os._exit(code)

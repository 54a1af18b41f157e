"""The ops CLI as ops staff and a centre use it: a client of the HTTP API, tokens only, no keys.

A real worker on the dev server, the real app on a real port, `journeys` as a subprocess.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client

from activities.recording import RecordingActivities
from api import create_app
from domain.surveillance import SurveillancePolicy
from journeys.client import JourneyClient
from journeys.settings import Settings
from starter.exit_codes import Exit
from store.memory import InMemoryEventStore
from tests.helpers.cli import Ran, journeys, served
from tests.helpers.fakes import FakeOutsideWorld
from tests.helpers.surveillance import completed_journey, hand_over
from worker import build_worker


@dataclass
class Stack:
    url: str
    store: InMemoryEventStore
    client: Client
    task_queue: str


@pytest_asyncio.fixture(scope="module")
async def stack(local_env: Any) -> AsyncIterator[Stack]:
    settings = Settings(task_queue=f"cli-{uuid.uuid4().hex[:8]}", codec_enabled=False)
    store = InMemoryEventStore()
    worker = build_worker(
        local_env.client,
        settings,
        store,
        task_queue=settings.task_queue,
        activities=[RecordingActivities(store).record_events, *FakeOutsideWorld().activities()],
    )
    async with worker, served(create_app(settings, JourneyClient(local_env.client, settings), store)) as url:
        yield Stack(url, store, local_env.client, settings.task_queue)


@pytest_asyncio.fixture(scope="module")
async def api_url(stack: Stack) -> str:
    return stack.url


async def cli(url: str, *args: str, token: str = "dev-ops") -> Ran:
    # No JOURNEYS_* keys at all: the CLI needs only where the API is and a token.
    return await journeys(
        *args,
        env={"JOURNEYS_API_URL": url, "JOURNEYS_API_TOKEN": token, "JOURNEYS_CODEC_KEY": "", "JOURNEYS_ID_KEY": ""},
    )


async def ok(url: str, *args: str, token: str = "dev-pku") -> dict[str, Any]:
    ran = await cli(url, *args, "--json", token=token)
    assert ran.code == 0, ran.err
    return json.loads(ran.out)  # type: ignore[no-any-return]


async def started(url: str) -> str:
    view = await ok(url, "start", f"cli-{uuid.uuid4().hex[:10]}", "--centre", "pku", token="dev-ops")
    return str(view["journey_id"])


async def test_a_wrong_stage_milestone_is_refused_with_exit_4_and_one_line_on_stderr(api_url: str) -> None:
    journey = await started(api_url)
    ran = await cli(api_url, "milestone", journey, "apheresis_completed", "coi=COI-1", token="dev-pku")
    assert ran.code == Exit.REFUSED == 4
    assert ran.out == ""
    assert ran.err.count("\n") == 1 and ran.err.startswith("error: wrong_stage: ")
    as_json = await cli(api_url, "milestone", journey, "apheresis_completed", "coi=COI-1", "--json", token="dev-pku")
    assert as_json.code == 4 and json.loads(as_json.err)["code"] == "wrong_stage"


async def test_a_journey_driven_from_the_cli_keeps_typed_values_and_acknowledges_its_alert(api_url: str) -> None:
    journey = await started(api_url)
    for args, token in [
        (["records_received", "documents=pathology", "documents=imaging"], "dev-ops"),
        (["teleconsult_completed", "outcome=proceed"], "dev-pku"),
        (["eligibility_decided", "eligible=true", "product=axi-cel", "estimate_usd=98000"], "dev-pku"),
        (["estimate_accepted"], "dev-ops"),
        # The deposit before admission (else the admission is recorded with a warning alert).
        (["payment_received", "amount=29400.00", "currency=USD", "reference=WIRE-1"], "dev-ops"),
        (["patient_admitted", "--at", "NOW+08:00"], "dev-pku"),
        (["apheresis_completed", "coi=COI-7F3A"], "dev-pku"),
        (["product_released", "coi=COI-7F3A", "lot=12345"], "dev-pku"),
    ]:
        # An explicit time with an offset, no earlier than the milestone before (the clinical clock).
        now = datetime.now(UTC).astimezone(timezone(timedelta(hours=8))).isoformat()
        args = [now if a == "NOW+08:00" else a for a in args]
        view = await ok(api_url, "milestone", journey, *args, token=token)
    assert view["stage"] == "infusion" and view["lot"] == "12345"

    refused = await cli(api_url, "milestone", journey, "infusion_completed", "coi=COI-WRONG", token="dev-pku")
    assert refused.code == Exit.REFUSED and "coi_mismatch" in refused.err
    alerts = (await ok(api_url, "status", journey, token="dev-manager"))["open_alerts"]
    assert [a["severity"] for a in alerts] == ["critical"]

    after = await ok(
        api_url, "acknowledge", journey, alerts[0]["alert_id"], "--note", "bag quarantined", token="dev-ops"
    )
    assert after["open_alerts"] == []
    events = await ok(api_url, "history", journey, token="dev-manager")
    acknowledged = [e for e in events if e["kind"] == "alert_acknowledged"]
    assert acknowledged and acknowledged[0]["actor"].startswith("ops:tok-")


async def test_each_kind_of_failure_has_its_own_exit_code(api_url: str) -> None:
    journey = await started(api_url)
    cases = [
        (["status", "Jnope"], "dev-ops", Exit.NOT_FOUND),
        (["milestone", journey, "monitoring_reported", "crs_grade=9", "icans_grade=0"], "dev-pku", Exit.BAD_INPUT),
        (["milestone", journey, "product_released", "colour=red"], "dev-pku", Exit.BAD_INPUT),
        (["list", "--stage", "bogus"], "dev-ops", Exit.BAD_INPUT),
        (["status", journey], "not-a-token", Exit.FORBIDDEN),
        (["withdraw", journey, "--reason", "x"], "dev-pku", Exit.FORBIDDEN),
        (["start", "p-1", "--centre", "pku", "--actor", "ops:alice"], "dev-ops", Exit.BAD_INPUT),
    ]
    for args, token, expected in cases:
        ran = await cli(api_url, *args, token=token)
        assert ran.code == expected, (args, ran.code, ran.err)
        assert "Traceback" not in ran.err and ran.err.count("\n") <= 2, ran.err
    down = await journeys(
        "status", journey, env={"JOURNEYS_API_URL": "http://127.0.0.1:9", "JOURNEYS_API_TOKEN": "dev-ops"}
    )
    assert down.code == Exit.UNREACHABLE and down.err.startswith("error: unreachable: cannot reach the API")


async def test_a_profile_names_the_api_and_the_token_file(api_url: str, tmp_path: Any) -> None:
    journey = await started(api_url)
    (tmp_path / "ops.token").write_text("dev-manager\n")
    config = tmp_path / "config.toml"
    config.write_text(
        f'default_profile = "hub"\n[profiles.hub]\napi = "{api_url}"\ntoken_file = "{tmp_path / "ops.token"}"\n'
    )
    ran = await journeys("status", journey, "--json", env={"JOURNEYS_CONFIG": str(config)})
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["journey_id"] == journey
    missing = await journeys("status", journey, "--profile", "nope", env={"JOURNEYS_CONFIG": str(config)})
    assert missing.code == Exit.MISCONFIGURED and "no profile 'nope'" in missing.err


async def test_start_takes_the_patients_language_and_whether_an_interpreter_is_needed(api_url: str) -> None:
    view = await ok(
        api_url,
        "start",
        f"cli-{uuid.uuid4().hex[:10]}",
        "--centre",
        "pku",
        "--language",
        "zh-CN",
        "--interpreter",
        token="dev-ops",
    )
    assert view["language"] == "zh-CN" and view["interpreter_needed"] is True


async def test_a_surveillance_check_goes_to_the_journeys_surveillance_and_the_list_shows_who_is_under_it(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A journey completed a moment ago (built by the pure pathway), handed over as the journey does.
    p = completed_journey(datetime.now(UTC), monkeypatch, day_seconds=86400)
    await hand_over(stack.client, stack.store, p, stack.task_queue, SurveillancePolicy())
    journey = p.state.journey_id

    async def listed() -> list[str]:
        page = await ok(stack.url, "list", "--surveillance", "active", token="dev-ops")
        return [row["journey_id"] for row in page["journeys"]]

    for _ in range(100):
        if journey in await listed():
            break
        await asyncio.sleep(0.1)
    assert journey in await listed()

    # Year 2 is not open yet: refused by the surveillance rules, exit 4, one line.
    early = await cli(
        stack.url,
        "milestone",
        journey,
        "surveillance_check_recorded",
        "year=2",
        "alive=true",
        "disease_status=remission",
        token="dev-pku",
    )
    assert early.code == Exit.REFUSED and early.err.startswith("error: wrong_stage: "), early.err
    incomplete = await cli(
        stack.url, "milestone", journey, "surveillance_check_recorded", "alive=false", token="dev-pku"
    )
    assert incomplete.code == Exit.BAD_INPUT and "cause_of_death is required" in incomplete.err, incomplete.err

    # A relapse between checks (no year): typed by the check's model, recorded and shown.
    relapse = await cli(
        stack.url,
        "milestone",
        journey,
        "surveillance_check_recorded",
        "alive=true",
        "disease_status=relapsed",
        token="dev-pku",
    )
    assert relapse.code == 0, relapse.err
    assert "surveillance" in relapse.out and "active" in relapse.out
    view = await ok(
        stack.url,
        "milestone",
        journey,
        "surveillance_check_recorded",
        "alive=true",
        "disease_status=relapsed",
        "--milestone-id",
        "ltfu-relapse-1",
        token="dev-pku",
    )
    assert view["relapsed"] is True and view["status"] == "active"
    assert any(a["severity"] == "high" for a in view["open_alerts"])
    table = await cli(stack.url, "list", "--surveillance", "active", token="dev-ops")
    assert table.code == 0 and "surveillance active" in table.out.replace("\n", " "), table.out

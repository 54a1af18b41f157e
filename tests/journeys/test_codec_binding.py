"""Only our codec may feed a journey: unencrypted or replayed payloads are refused, failures are sealed."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import os
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.api.failure.v1 import Failure
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import SerializationContext, WorkflowSerializationContext
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.recording import RecordingActivities
from journeys.codec import EncryptionCodec, PayloadRefused, parse_keyring
from journeys.settings import Settings
from journeys.temporal import data_converter
from store.memory import InMemoryEventStore
from tests.helpers.fakes import FakeOutsideWorld
from tests.helpers.servers import dev_server_path
from worker import build_worker
from workflows.journey import JourneyWorkflow
from workflows.messages import StartJourney

KEYRING = parse_keyring(f"k1:{base64.b64encode(os.urandom(32)).decode()}")


def bound(workflow_id: str, **kw: bool) -> EncryptionCodec:
    return EncryptionCodec(KEYRING, **kw).with_context(WorkflowSerializationContext("default", workflow_id))


async def test_a_payload_decodes_for_its_own_workflow() -> None:
    [sealed] = await bound("journey-A").encode([Payload(data=b"x")])
    assert sealed.metadata["encryption-binding"] == b"default/journey-A"
    assert (await bound("journey-A").decode([sealed]))[0].data == b"x"
    # The UI's codec endpoint has no workflow context: the binding in the metadata is authenticated.
    assert (await EncryptionCodec(KEYRING, strict=False).decode([sealed]))[0].data == b"x"


async def test_a_payload_replayed_into_another_workflow_is_refused() -> None:
    [sealed] = await bound("journey-A").encode([Payload(data=b"x")])
    with pytest.raises(PayloadRefused, match="another workflow"):
        await bound("journey-B").decode([sealed])


async def test_rewriting_the_binding_in_the_metadata_breaks_authentication() -> None:
    [sealed] = await bound("journey-A").encode([Payload(data=b"x")])
    sealed.metadata["encryption-binding"] = b"default/journey-B"
    with pytest.raises(PayloadRefused, match="authentication"):
        await bound("journey-B").decode([sealed])


async def test_an_unencrypted_payload_is_refused() -> None:
    with pytest.raises(PayloadRefused, match="unencrypted"):
        await bound("journey-A").decode([Payload(metadata={"encoding": b"json/plain"}, data=b'"forged"')])


async def test_unbound_ciphertexts_are_accepted_only_in_the_upgrade_window() -> None:
    [legacy] = await EncryptionCodec(KEYRING).encode([Payload(data=b"old")])
    with pytest.raises(PayloadRefused, match="not bound"):
        await bound("journey-A").decode([legacy])
    assert (await bound("journey-A", allow_unbound=True).decode([legacy]))[0].data == b"old"


async def test_failure_messages_are_sealed_like_payloads() -> None:
    converter = data_converter(Settings(environment="development"))
    failure = Failure()
    await converter.encode_failure(
        ApplicationError("bag COI-SECRET-42 does not match the patient", type="coi_mismatch"), failure
    )
    assert b"COI-SECRET-42" not in failure.SerializeToString()
    assert failure.application_failure_info.type == "coi_mismatch"  # the code stays readable
    assert "COI-SECRET-42" in str(await converter.decode_failure(failure))


class PinnedCodec(EncryptionCodec):
    """An attacker's replay: every payload sealed for journey-victim, whatever workflow it is sent to."""

    def with_context(self, context: SerializationContext) -> EncryptionCodec:
        return self


async def first_task_failure(handle: WorkflowHandle, patience: float = 30.0) -> str:  # type: ignore[type-arg]
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        async for event in handle.fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                failure = event.workflow_task_failed_event_attributes.failure
                # The message itself is sealed (failures go through the codec too); the type is not.
                return failure.application_failure_info.type
        await asyncio.sleep(0.1)
    raise AssertionError("the worker accepted the workflow task")


@pytest_asyncio.fixture(scope="module")
async def own_env() -> AsyncIterator[WorkflowEnvironment]:
    """A server of its own: a workflow task that keeps failing stalls time skipping for everyone
    else on a shared time-skipping server, so these journeys never meet the other tests'."""
    async with await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=dev_server_path(),
        dev_server_log_level="error",
    ) as e:
        yield e


@pytest.mark.parametrize("attacker", ["plain", "replayed"])
async def test_the_worker_refuses_a_journey_fed_by_anyone_without_our_codec(own_env, task_queue, attacker) -> None:
    env = own_env
    settings = Settings(environment="development", codec_key="k1:" + base64.b64encode(KEYRING["k1"]).decode())
    secure = Client(env.client.service_client, namespace=env.client.namespace, data_converter=data_converter(settings))
    if attacker == "plain":
        converter = pydantic_data_converter
    else:
        pinned = PinnedCodec(KEYRING, binding=f"{env.client.namespace}/journey-victim")
        converter = dataclasses.replace(pydantic_data_converter, payload_codec=pinned)
    forger = Client(env.client.service_client, namespace=env.client.namespace, data_converter=converter)
    store = InMemoryEventStore()
    worker = build_worker(
        secure,
        settings,
        store,
        task_queue=task_queue,
        activities=[RecordingActivities(store).record_events, *FakeOutsideWorld().activities()],
    )
    async with worker:
        handle = await forger.start_workflow(
            JourneyWorkflow.run,
            StartJourney(
                journey_id="Jforged",
                patient_ref="p-forged",
                centre_id="pku",
                actor="ops:forger",
                upsert_search_attributes=False,
            ),
            id=f"journey-forged-{task_queue}",
            task_queue=task_queue,
        )
        message = await first_task_failure(handle)
        await handle.terminate("test over")
    assert message == "PayloadRefused"

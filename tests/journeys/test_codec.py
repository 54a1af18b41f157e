"""The payload codec: the Temporal server must never see a patient reference in plain text."""

from __future__ import annotations

import base64
import json
import os

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from activities.recording import RecordingActivities
from journeys.codec import EncryptionCodec, KeyringError, parse_keyring
from journeys.settings import Settings
from journeys.temporal import data_converter
from store.memory import InMemoryEventStore
from tests.helpers.fakes import FakeOutsideWorld
from worker import build_worker
from workflows.journey import JourneyWorkflow
from workflows.messages import StartJourney

PATIENT = "PATIENT-ZHANG-WEI-1985-PASSPORT-E1234"


def key(n: int = 32) -> str:
    return base64.b64encode(os.urandom(n)).decode()


async def test_a_payload_round_trips_and_carries_its_key_id():
    codec = EncryptionCodec(parse_keyring(f"k1:{key()}"))
    plain = Payload(metadata={"encoding": b"json/plain"}, data=json.dumps({"p": PATIENT}).encode())
    [sealed] = await codec.encode([plain])
    assert sealed.metadata["encryption-key-id"] == b"k1"
    assert PATIENT.encode() not in sealed.SerializeToString()
    assert (await codec.decode([sealed]))[0] == plain


async def test_rotating_keys_keeps_old_payloads_readable():
    old, new = key(), key()
    [sealed_old] = await EncryptionCodec(parse_keyring(f"2025:{old}")).encode([Payload(data=b"x")])
    rotated = EncryptionCodec(parse_keyring(f"2026:{new},2025:{old}"))
    [sealed_new] = await rotated.encode([Payload(data=b"y")])
    assert sealed_new.metadata["encryption-key-id"] == b"2026"
    assert [p.data for p in await rotated.decode([sealed_old, sealed_new])] == [b"x", b"y"]


async def test_a_payload_under_an_unknown_key_is_refused_with_its_key_id():
    [sealed] = await EncryptionCodec(parse_keyring(f"gone:{key()}")).encode([Payload(data=b"x")])
    with pytest.raises(KeyringError, match="gone"):
        await EncryptionCodec(parse_keyring(f"k2:{key()}")).decode([sealed])


@pytest.mark.parametrize(
    "spec,reason",
    [("", "no codec key"), ("nokid", "kid:base64key"), ("k:!!!", "not valid base64"), (f"k:{key(10)}", "16, 24 or 32")],
)
def test_bad_key_configuration_is_refused_with_a_reason(spec, reason):
    with pytest.raises(KeyringError, match=reason):
        parse_keyring(spec)


async def test_temporal_history_holds_no_plaintext_patient_reference(env, task_queue):
    settings = Settings(codec_key=f"k1:{key()}")
    converter = data_converter(settings)
    secure = Client(env.client.service_client, namespace=env.client.namespace, data_converter=converter)
    store = InMemoryEventStore()
    worker = build_worker(
        secure,
        settings,
        store,
        task_queue=task_queue,
        activities=[RecordingActivities(store).record_events, *FakeOutsideWorld().activities()],
    )
    async with worker:
        handle = await secure.start_workflow(
            JourneyWorkflow.run,
            StartJourney(
                journey_id="Jcodec",
                patient_ref=PATIENT,
                centre_id="pku",
                actor="ops:test",
                upsert_search_attributes=False,
            ),
            id=f"journey-codec-{task_queue}",
            task_queue=task_queue,
        )
        await handle.query(JourneyWorkflow.current)
        raw = (
            await Client(
                env.client.service_client, namespace=env.client.namespace, data_converter=pydantic_data_converter
            )
            .get_workflow_handle(handle.id)
            .fetch_history()
        )
        assert PATIENT not in raw.to_json()
        decoded = await secure.get_workflow_handle(handle.id).fetch_history()
        first = decoded.events[0].workflow_execution_started_event_attributes.input.payloads[0]
        [plain] = await converter.payload_codec.decode([first])  # type: ignore[union-attr]
        assert PATIENT in plain.data.decode()
        await handle.terminate("test over")

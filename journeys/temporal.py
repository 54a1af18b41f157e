"""The one place that knows how to reach Temporal: converter, client, ids, search attributes."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac

from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

from journeys.codec import EncryptionCodec, parse_keyring
from journeys.search_attributes import SEARCH_ATTRIBUTES as SEARCH_ATTRIBUTES
from journeys.settings import Settings



def workflow_id(journey_id: str) -> str:
    return f"journey-{journey_id}"


def journey_id_for(patient_ref: str, key: str, ordinal: int = 1) -> str:
    """Opaque, stable id: a keyed hash of the patient reference, never the reference itself."""
    digest = hmac.new(key.encode(), patient_ref.encode(), hashlib.sha256).hexdigest()[:16]
    return f"J{digest}" if ordinal == 1 else f"J{digest}-{ordinal}"


def data_converter(settings: Settings) -> DataConverter:
    if not settings.codec_enabled:
        return pydantic_data_converter
    codec = EncryptionCodec(parse_keyring(settings.codec_key))
    return dataclasses.replace(pydantic_data_converter, payload_codec=codec)


def metrics_runtime(settings: Settings) -> Runtime | None:
    """The SDK's own metrics (task latencies, slots, polls) for Prometheus, if a port is set."""
    if settings.metrics_port is None:
        return None
    bind = f"{settings.metrics_host}:{settings.metrics_port}"
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=bind)))


async def connect(settings: Settings, runtime: Runtime | None = None, *, lazy: bool = False) -> Client:
    # lazy: connect on first use, so the API can start (and answer 503) while Temporal is down.
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        runtime=runtime,
        lazy=lazy,
    )

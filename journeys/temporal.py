"""The one place that knows how to reach Temporal: converter, client, ids, search attributes."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.envconfig import ClientConfigProfile, ClientConfigTLS, ClientConnectConfig
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RPCError

from journeys import tracing
from journeys.codec import EncryptionCodec, parse_keyring
from journeys.search_attributes import SEARCH_ATTRIBUTES as SEARCH_ATTRIBUTES
from journeys.settings import Settings

# A run that continues as new while an update is on its way fails the update with
# WorkflowNotReady. It was never accepted, so sending it again (same update id) reaches
# the new run and cannot apply twice.
UPDATE_ATTEMPTS = 6


def _not_ready(err: RPCError) -> bool:
    return any(d.type_url.endswith("WorkflowNotReadyFailure") for d in err.grpc_status.details)


async def execute_update(handle: WorkflowHandle[Any, Any], update: Any, arg: Any, *, id: str | None = None) -> Any:
    """`handle.execute_update`, sent again if the run continued as new under it."""
    for attempt in range(UPDATE_ATTEMPTS):
        try:
            return await handle.execute_update(update, arg, id=id)
        except RPCError as err:
            if attempt + 1 >= UPDATE_ATTEMPTS or not _not_ready(err):
                raise
        await asyncio.sleep(0.05 * 2**attempt)


def workflow_id(journey_id: str) -> str:
    return f"journey-{journey_id}"


def journey_id_for(patient_ref: str, key: str, ordinal: int = 1) -> str:
    """Opaque, stable id: a keyed hash of the patient reference, never the reference itself."""
    digest = hmac.new(key.encode(), patient_ref.encode(), hashlib.sha256).hexdigest()[:16]
    return f"J{digest}" if ordinal == 1 else f"J{digest}-{ordinal}"


def data_converter(settings: Settings) -> DataConverter:
    if not settings.codec_enabled:
        return pydantic_data_converter
    codec = EncryptionCodec(
        parse_keyring(settings.codec_key.get_secret_value()), allow_unbound=settings.codec_allow_unbound
    )
    # Failure messages and stack traces go through the codec too: a refusal can name a COI,
    # and an activity failure can quote a centre's reply.
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def metrics_runtime(settings: Settings) -> Runtime | None:
    """The SDK's own metrics (task latencies, slots, polls) for Prometheus, if a port is set."""
    if settings.metrics_port is None:
        return None
    bind = f"{settings.metrics_host}:{settings.metrics_port}"
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=bind)))


def connect_config(settings: Settings) -> ClientConnectConfig:
    """Address, namespace, mTLS and API key for `Client.connect`, through `temporalio.envconfig`.

    Starts from a profile of Temporal's own client config when JOURNEYS_TEMPORAL_PROFILE names
    one (TOML file, TEMPORAL_* variables); the JOURNEYS_TEMPORAL_* settings override it.
    """
    base = ClientConfigProfile.load(profile=settings.temporal_profile) if settings.temporal_profile else None
    tls = base.tls if base else None
    if settings.temporal_tls_cert or settings.temporal_tls_ca or settings.temporal_tls_server_name:
        tls = ClientConfigTLS(
            disabled=False,
            server_name=settings.temporal_tls_server_name or (tls.server_name if tls else None),
            server_root_ca_cert=settings.temporal_tls_ca or (tls.server_root_ca_cert if tls else None),
            client_cert=settings.temporal_tls_cert or (tls.client_cert if tls else None),
            client_private_key=settings.temporal_tls_key or (tls.client_private_key if tls else None),
        )
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    profile = ClientConfigProfile(
        address=settings.temporal_address
        if base is None or "temporal_address" in settings.model_fields_set
        else base.address,
        namespace=settings.temporal_namespace
        if base is None or "temporal_namespace" in settings.model_fields_set
        else base.namespace,
        api_key=api_key or (base.api_key if base else None),
        tls=tls,
        grpc_meta=base.grpc_meta if base else {},
    )
    return profile.to_client_connect_config()


async def connect(settings: Settings, runtime: Runtime | None = None, *, lazy: bool = False) -> Client:
    # lazy: connect on first use, so the API can start (and answer 503) while Temporal is down.
    config = connect_config(settings)
    return await Client.connect(
        **config,
        data_converter=data_converter(settings),
        runtime=runtime,
        lazy=lazy,
        # Traces and the request id travel with every call into the workflow and its activities.
        interceptors=tracing.interceptors(),
    )

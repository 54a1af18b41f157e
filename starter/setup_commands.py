"""`journeys setup`: idempotent one-shot preparation of a fresh deployment."""

from __future__ import annotations

import json

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client

from journeys.search_attributes import SEARCH_ATTRIBUTES
from journeys.settings import get_settings
from starter.remote import JsonOpt
from starter.runner import run


async def register_search_attributes(client: Client, namespace: str) -> list[str]:
    """Registers the journey search attributes that are missing; returns their names."""
    existing = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
    missing = {
        k.name: IndexedValueType.ValueType(int(k.indexed_value_type))
        for k in SEARCH_ATTRIBUTES
        if k.name not in existing.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(search_attributes=missing, namespace=namespace)
        )
    return sorted(missing)


async def _setup(as_json: bool) -> int:
    from journeys.temporal import connect

    settings = get_settings()
    client = await connect(settings)
    added = await register_search_attributes(client, settings.temporal_namespace)
    from store.factory import upgrade_database  # the schema is the store's business

    revision = await upgrade_database(settings.database_url)
    if as_json:
        print(json.dumps({"search_attributes_added": added, "schema_revision": revision}))
    else:
        print(f"search attributes: {'registered ' + ', '.join(added) if added else 'already registered'}")
        print("event store schema: up to date")
    return 0


def setup(as_json: JsonOpt = False) -> None:
    """Prepare a deployment: register search attributes and migrate the event store (idempotent)."""
    run(_setup(as_json), as_json=as_json)

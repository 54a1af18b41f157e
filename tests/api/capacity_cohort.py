"""A capacity book with one full centre and a waiting list, behind an app with no Temporal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from fastapi import FastAPI
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from api import create_app
from domain import capacity as cap
from domain.capacity import APHERESIS, BED, Need
from journeys import reference_data
from journeys.client import JourneyClient
from journeys.settings import Settings
from store.capacity import capacity_store_for
from store.memory import InMemoryEventStore
from tests.api.test_outages import dead_address

# Wednesday of ISO week 2026-W49, 09:00 UTC.
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
# jiahui: 2 apheresis chairs a week for 8 weeks, so 16 fit and the rest wait.
FULL_CENTRE = "jiahui"
BOOKED = 19


def need(product: str = "axi-cel", lead_days: int = 0) -> Need:
    return Need(
        earliest=NOW + timedelta(days=lead_days),
        offsets={APHERESIS: timedelta(), cap.manufacturing(product): timedelta(days=1), BED: timedelta(days=24)},
    )


PRODUCTS = ("axi-cel", "relma-cel", "eque-cel", "inati-cel", "zevor-cel", "cilta-cel")


async def seeded_app(**kw: object) -> FastAPI:
    store = InMemoryEventStore()
    book = capacity_store_for(store, reference_data.capacities())
    for i in range(BOOKED):
        # Spread over products so apheresis chairs, not one product's slots, are what fills up.
        j, n = f"J{FULL_CENTRE}{i:02d}", need(PRODUCTS[i % len(PRODUCTS)])
        await book.apply(FULL_CENTRE, partial(cap.reserve, journey_id=j, need=n, now=NOW))
    for i in range(3):
        await book.apply("pku", partial(cap.reserve, journey_id=f"Jpku{i:02d}", need=need(lead_days=21), now=NOW))
    settings = Settings()
    client = await Client.connect(dead_address(), lazy=True, data_converter=pydantic_data_converter)
    return create_app(settings, JourneyClient(client, settings), store, clock=lambda: NOW, **kw)  # type: ignore[arg-type]

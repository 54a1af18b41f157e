"""The journey page's cells-and-slots panel: holder, hand-offs with condition and temperature,
time out of the cold chain and the reservation; as HTML and screenshotted by headless Chromium."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import uvicorn
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from api import create_app
from domain.actors import SYSTEM
from domain.capacity_events import ReservationUpdated
from domain.capacity_view import Placement
from journeys.client import JourneyClient
from journeys.settings import Settings
from store.memory import InMemoryEventStore
from tests.api.scenarios import SyntheticJourney, save
from tests.api.test_manager_page_in_chromium import OUTPUT, PNG, chromium, screenshot
from tests.api.test_outages import dead_address
from tests.api.test_schemathesis import free_port

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
JID, COI = "J9c0d1e2f3a4b5c68", "COI-9C0D"


def custody_journey() -> SyntheticJourney:
    j = (
        SyntheticJourney(JID, "pku", NOW - timedelta(days=62), product="axi-cel")
        .report("records_received", 3, documents=["pathology", "imaging"])
        .report("teleconsult_completed", 4, outcome="proceed")
        .report("eligibility_decided", 5, eligible=True, product="axi-cel", estimate_usd=98000)
        .report("estimate_accepted", 2)
    )
    placement = Placement(
        journey_id=JID,
        status="reserved",
        ticket=7,
        weeks={"apheresis": "2026-W45", "manufacturing:axi-cel": "2026-W45", "bed": "2026-W49"},
    )
    j._apply(
        [
            ReservationUpdated(
                placement=placement, reason="reserved on estimate acceptance", occurred_at=j.clock, actor=SYSTEM
            )
        ]
    )

    def hand(after: float, frm: str, to: str, temp: float, condition: str = "intact", **kw: object) -> None:
        j.report(
            "custody_transferred",
            after,
            coi=COI,
            from_party=frm,
            to_party=to,
            condition=condition,
            temperature_c=temp,
            **kw,
        )

    j.report("patient_admitted", 12, interpreter=True).report("apheresis_completed", 3, coi=COI)
    hand(0.2, "collection site", "courier (cold box)", 4.6, seal_id="SEAL-A1")
    hand(1, "courier (cold box)", "manufacturing site", 5.1, seal_id="SEAL-A1")
    j.report("product_released", 17, coi=COI, lot="LOT-9C0D-1")
    hand(0.5, "manufacturing site", "courier (dry shipper)", -186.0, seal_id="SEAL-P1")
    hand(1, "courier (dry shipper)", "centre pharmacy", -121.5, "excursion", seal_id="SEAL-P1", excursion_minutes=40)
    j.report(
        "quality_release",
        0.5,
        coi=COI,
        approved_by="qp-zhang",
        decision="release",
        reason="40 min above -150 °C; viability 92 %",
    )
    j.report("infusion_completed", 0.5, coi=COI)
    return j.advance((NOW - j.clock).total_seconds() / 86400)


async def app_with_custody(**kw: object) -> object:
    store = InMemoryEventStore()
    await save(store, [custody_journey()])
    settings = Settings()
    client = await Client.connect(dead_address(), lazy=True, data_converter=pydantic_data_converter)
    return create_app(settings, JourneyClient(client, settings), store, clock=lambda: NOW, **kw)  # type: ignore[arg-type]


async def test_the_journey_page_shows_the_holder_every_hand_off_and_the_reservation() -> None:
    app = await app_with_custody()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://ui",
    ) as http:
        page = await http.get(f"/ui/journeys/{JID}", headers={"Authorization": "Bearer dev-manager"})
    assert page.status_code == 200, page.text[:500]
    html = page.text
    assert "held by centre pharmacy" in html and "40 min out of the cold chain" in html
    assert html.count("<td>courier (dry shipper)</td>") == 2 and "-121.5" in html and "SEAL-P1" in html
    assert "quality assurance (qp-zhang)" in html
    assert "Reserved" in html and "2026-W45" in html


async def test_chromium_renders_the_custody_panel() -> None:
    browser = chromium()
    app = await app_with_custody(ui_token_query=True)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_config=None,  # type: ignore[arg-type]
            access_log=False,
            lifespan="off",
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no started event
        await asyncio.sleep(0.02)
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / "manager-journey-custody.png"
    try:
        await screenshot(browser, f"http://127.0.0.1:{port}/ui/journeys/{JID}?token=dev-manager", path, "1400,2200")
    finally:
        server.should_exit = True
        await task
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 20_000

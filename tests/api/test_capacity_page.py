"""The manager page's capacity view: as HTML, and screenshotted by headless Chromium."""

from __future__ import annotations

import asyncio

import httpx
import uvicorn

from tests.api.capacity_cohort import FULL_CENTRE, seeded_app
from tests.api.test_manager_page_in_chromium import OUTPUT, PNG, chromium, screenshot
from tests.api.test_schemathesis import free_port


async def test_the_capacity_view_shows_weeks_across_resources_down_and_full_weeks_in_red() -> None:
    app = await seeded_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ui") as http:
        signed_in = await http.post(
            "/ui/login",
            content="token=dev-manager&next=/ui/capacity",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert signed_in.status_code == 303
        page = await http.get("/ui/capacity")
        one = await http.get(f"/ui/capacity?centre={FULL_CENTRE}&weeks=4")
    assert page.status_code == 200
    html = page.text
    for name in ("Peking University Cancer Hospital", "Shanghai Jiahui International Hospital"):
        assert name in html
    assert "Apheresis chairs" in html and "Inpatient beds" in html and "Manufacturing · " in html
    assert html.count('class="cap-cell full"') >= 8
    assert "3 waiting" in html and "no week in sight" not in html
    assert one.text.count('<th class="wk">') == 4 and "Peking" not in one.text


async def test_a_centre_token_cannot_open_the_capacity_view() -> None:
    app = await seeded_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ui") as http:
        await http.post(
            "/ui/login",
            content="token=dev-jiahui&next=/ui/capacity",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert (await http.get("/ui/capacity")).status_code in (303, 403)


async def test_chromium_renders_the_capacity_view() -> None:
    browser = chromium()
    app = await seeded_app(ui_token_query=True)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no started event
        await asyncio.sleep(0.02)
    OUTPUT.mkdir(exist_ok=True)
    shots = {
        "manager-capacity.png": (f"http://127.0.0.1:{port}/ui/capacity?token=dev-manager", "1400,2600"),
        "manager-capacity-full-centre.png": (
            f"http://127.0.0.1:{port}/ui/capacity?centre={FULL_CENTRE}&weeks=12&token=dev-manager",
            "1400,900",
        ),
    }
    try:
        for name, (url, size) in shots.items():
            await screenshot(browser, url, OUTPUT / name, size)
    finally:
        server.should_exit = True
        await task
    for name in shots:
        data = (OUTPUT / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 20_000, name

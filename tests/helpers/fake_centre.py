"""A real HTTP partner centre, travel desk and notification webhook for fault tests.

It speaks the calls `activities/centres.py` and `activities/notifications.py`
make (under any path prefix, so `http://.../centres/pku` works as a base URL),
records every request with its Idempotency-Key, books each key once (a repeat
gets the same reference), and can be told to fail: answer an error status, or
hang past the client's timeout, for the next N calls or for a period.

It runs uvicorn in a background thread, so it keeps answering while the test's
own event loop is busy driving journeys.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CANCEL = re.compile(r"^(?P<prefix>.*)/bookings/(?P<ref>[^/]+)/cancel$")


@dataclass(frozen=True)
class Seen:
    path: str
    key: str | None
    body: dict[str, Any]
    status: int  # what we answered; 0 when we hung past the client's patience


@dataclass
class _Fault:
    path: str  # applies to requests whose path contains this
    status: int | None = 503  # None: hang instead of answering
    hang_seconds: float = 0.0
    # A hang after processing is the nasty case: the booking is made, the reply is lost.
    process_first: bool = False
    remaining: int | None = None  # None: until `until`
    until: float | None = None

    def active(self, path: str, now: float) -> bool:
        if self.path not in path:
            return False
        if self.remaining is not None:
            return self.remaining > 0
        return self.until is not None and now < self.until


@dataclass
class _Books:
    bookings: dict[str, str] = field(default_factory=dict)  # key -> reference
    booking_items: dict[str, str] = field(default_factory=dict)  # reference -> item
    cancels: dict[str, str] = field(default_factory=dict)  # key -> reference
    notifications: dict[str, dict[str, Any]] = field(default_factory=dict)
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)
    made: Counter[str] = field(default_factory=Counter)  # key -> bookings created (must stay 1)


class FakeCentre:
    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.books = _Books()
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- lifecycle ----------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeCentre:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["POST"])])
        config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="fake-centre", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake centre did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server and self._thread:
            self._server.should_exit = True
            self._server.force_exit = True
            self._thread.join(10)

    def __enter__(self) -> FakeCentre:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- telling it to misbehave -------------------------------------------

    def fail_next(self, n: int, *, status: int = 503, path: str = "/") -> None:
        self._add(_Fault(path=path, status=status, remaining=n))

    def fail_for(self, seconds: float, *, status: int = 503, path: str = "/") -> None:
        self._add(_Fault(path=path, status=status, until=time.monotonic() + seconds))

    def hang_next(self, n: int, *, seconds: float, process_first: bool = True, path: str = "/") -> None:
        self._add(
            _Fault(
                path=path,
                status=None,
                hang_seconds=seconds,
                process_first=process_first,
                remaining=n,
            )
        )

    def heal(self) -> None:
        with self._lock:
            self._faults.clear()

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            now = time.monotonic()
            for fault in self._faults:
                if fault.active(path, now):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    # -- what it saw --------------------------------------------------------

    def requests(self, path_part: str = "") -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if path_part in s.path]

    def attempts_per_key(self, path_part: str = "") -> Counter[str]:
        return Counter(s.key for s in self.requests(path_part) if s.key)

    def booked(self) -> dict[str, str]:
        with self._lock:
            return dict(self.books.bookings)

    # -- the HTTP side ------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        key = request.headers.get("Idempotency-Key")
        try:
            body = await request.json()
        except ValueError:
            body = {}
        fault = self._take_fault(path)
        if fault and fault.status is not None:
            self._note(path, key, body, fault.status)
            return JSONResponse({"detail": "fake centre told to fail"}, status_code=fault.status)
        if fault and not fault.process_first:
            self._note(path, key, body, 0)
            await asyncio.sleep(fault.hang_seconds)
            return JSONResponse({"detail": "too late"}, status_code=504)
        status, answer = self._process(path, key, body)
        if fault:
            self._note(path, key, body, 0)
            await asyncio.sleep(fault.hang_seconds)
        else:
            self._note(path, key, body, status)
        return JSONResponse(answer, status_code=status)

    def _note(self, path: str, key: str | None, body: dict[str, Any], status: int) -> None:
        with self._lock:
            self.seen.append(Seen(path=path, key=key, body=body, status=status))

    def _process(self, path: str, key: str | None, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if not key:
            return 400, {"detail": "Idempotency-Key header is required"}
        with self._lock:
            b = self.books
            if path.endswith("/bookings"):
                if key not in b.bookings:
                    ref = f"BK-{len(b.bookings) + 1:04d}"
                    b.bookings[key] = ref
                    b.booking_items[ref] = str(body.get("item"))
                    b.made[key] += 1
                return 200, {"reference": b.bookings[key]}
            if m := CANCEL.match(path):
                if m["ref"] not in b.booking_items:
                    return 404, {"detail": f"no booking {m['ref']}"}
                b.cancels.setdefault(key, m["ref"])
                return 200, {"cancelled": m["ref"]}
            if path.endswith("/notifications"):
                b.notifications.setdefault(key, body)
                return 200, {}
            if path.endswith("/safety-alerts"):
                b.alerts.setdefault(key, body)
                return 200, {}
        return 404, {"detail": f"no such call {path}"}

"""`journeys dev` as a user runs it: real dev server, worker, API and SQLite store, stopped and restarted.

Outcomes are asserted, never wall time: waits poll with a generous deadline.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from journeys.settings import DEV_TOKENS

OPS, MANAGER, PKU = "dev-ops", "dev-manager", "dev-pku"
assert {OPS, MANAGER, PKU} <= set(DEV_TOKENS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DevStack:
    def __init__(self, data_dir: Path, policy: Path) -> None:
        self.data_dir, self.policy = data_dir, policy
        self.ports = {k: free_port() for k in ("api", "temporal", "ui", "metrics")}
        self.url = f"http://127.0.0.1:{self.ports['api']}"
        self.proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        """`journeys dev` on this stack's data directory and ports."""
        ports = [a for name in ("api", "temporal", "ui", "metrics") for a in (f"--{name}-port", str(self.ports[name]))]
        return [sys.executable, "-m", "starter.cli", "dev", "--data-dir", str(self.data_dir), *ports]

    def start(self, *, wait: bool = True) -> None:
        env = {**os.environ, "JOURNEYS_POLICY_FILE": str(self.policy)}
        self.proc = subprocess.Popen(self.command(), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if wait:
            poll_until(lambda: self._healthy(), what="the API to answer")

    def _healthy(self) -> bool:
        assert self.proc
        if self.proc.poll() is not None:
            raise AssertionError(f"journeys dev exited: {self.proc.stdout.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def interrupt(self) -> tuple[int, str]:
        assert self.proc
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=60)
        return self.proc.returncode, out.decode()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.interrupt()


def poll_until(check, *, what: str, timeout: float = 120.0, interval: float = 0.3, show=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}" + (f": {show()}" if show else ""))


@pytest.fixture
def stack(tmp_path):
    policy = tmp_path / "policy.json"
    # Compressed days; reports may lag a loaded machine by many compressed days, and visit windows
    # are wide enough for sleep jitter (the second edition counts visits on their own day).
    policy.write_text(
        json.dumps(
            {
                "defaults": {
                    "day_seconds": 0.02,
                    "max_report_delay_days": 1000,
                    "monitoring_fresh_days": 1000,
                    "follow_up_window_days": 10000,
                }
            }
        )
    )
    s = DevStack(tmp_path / "data", policy)
    yield s
    s.kill()


def milestone(stack: DevStack, journey: str, kind: str, token: str = PKU, **fields) -> dict:
    body = {"kind": kind, "milestone_id": uuid.uuid4().hex, "occurred_at": datetime.now(UTC).isoformat(), **fields}
    r = httpx.post(
        f"{stack.url}/v1/journeys/{journey}/milestones",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return r.json()


def get(stack: DevStack, path: str) -> dict:
    r = httpx.get(f"{stack.url}{path}", headers={"Authorization": f"Bearer {MANAGER}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_journey_survives_a_stack_restart_and_completes_with_a_verifiable_log(stack):
    stack.start()
    r = httpx.post(
        f"{stack.url}/v1/journeys",
        json={"patient_ref": "e2e-patient", "centre_id": "pku"},
        headers={"Authorization": f"Bearer {OPS}"},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    journey = r.json()["journey_id"]
    milestone(stack, journey, "records_received")
    milestone(stack, journey, "teleconsult_completed", outcome="proceed")
    milestone(stack, journey, "eligibility_decided", eligible=True, product="axi-cel", estimate_usd=90000)
    milestone(stack, journey, "estimate_accepted", token=OPS)
    milestone(stack, journey, "patient_admitted")
    milestone(stack, journey, "apheresis_completed", coi="COI-E2E")

    code, output = stack.interrupt()
    assert code == 0, output[-2000:]
    assert "stopped cleanly" in output

    stack.start()
    assert get(stack, f"/v1/journeys/{journey}")["stage"] == "manufacturing"
    milestone(stack, journey, "product_released", coi="COI-E2E", lot="LOT-E2E")
    # The bedside check: the bag's lot, read by two different staff.
    milestone(stack, journey, "infusion_completed", coi="COI-E2E", lot="LOT-E2E", verified_by=["rn-1", "rn-2"])
    infused = datetime.fromisoformat(get(stack, f"/v1/journeys/{journey}")["infused_at"])

    def on_day(day: float) -> None:  # wait until that compressed day after the infusion has begun
        time.sleep(max(0.0, (infused + timedelta(seconds=day * 0.02) - datetime.now(UTC)).total_seconds()))

    on_day(14.2)  # the policy's minimum stay, then a monitoring report before discharge
    milestone(stack, journey, "monitoring_reported", crs_grade=0, icans_grade=0)
    milestone(stack, journey, "discharged")
    for day in (30, 90, 180, 365):
        on_day(day + 0.2)
        # A compressed day is shorter than an HTTP round trip, so say which day it really is;
        # the wide policy window maps each visit to the next scheduled one.
        today = int((datetime.now(UTC) - infused).total_seconds() // 0.02)
        milestone(
            stack,
            journey,
            "follow_up_recorded",
            visit_day=today,
            response="CR",
            occurred_at=(infused + timedelta(seconds=(today + 0.5) * 0.02)).isoformat(),
        )
    final = poll_until(
        lambda: (v := get(stack, f"/v1/journeys/{journey}"))["outcome"] and v,
        what="the journey to end",
        show=lambda: get(stack, f"/v1/journeys/{journey}"),
    )
    assert final["stage"] == "ended" and final["outcome"] == "completed"

    history = get(stack, f"/v1/journeys/{journey}/history")
    events = history["events"] if isinstance(history, dict) else history
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(events, events[1:], strict=False))
    kinds = [e["kind"] for e in events]
    # What an ending sets off (the slot freed, the hand-over to surveillance) is recorded after it.
    assert kinds.count("journey_ended") == 1
    assert set(kinds[kinds.index("journey_ended") + 1 :]) <= {"reservation_released", "surveillance_started"}

    db = f"sqlite+aiosqlite:///{(stack.data_dir / 'events.db').resolve()}"
    verify = subprocess.run(
        [sys.executable, "-m", "starter.cli", "verify", journey],
        env={**os.environ, "JOURNEYS_DATABASE_URL": db},
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr

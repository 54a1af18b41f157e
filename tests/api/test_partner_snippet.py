"""The README's client for partner hospitals, copied as a user would, against the real API on a port."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import Api
from tests.helpers.cli import served

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def snippet() -> dict[str, Any]:
    """The python block of "For partner hospitals", without its example call at the end."""
    section = README.split("### For partner hospitals", 1)[1].split("\n### ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code, "the partner section has no python snippet"
    definitions = code.group(1).split("\nbeijing = ", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(definitions, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace


async def test_the_readme_client_reports_once_however_often_it_is_sent(api: Api) -> None:
    journey = await api.start()
    for kind, who, fields in [
        ("records_received", "pku", {}),
        ("teleconsult_completed", "pku", {"outcome": "proceed"}),
        ("eligibility_decided", "pku", {"eligible": True, "product": "axi-cel", "estimate_usd": 90000}),
        ("estimate_accepted", "ops", {}),
        ("patient_admitted", "pku", {}),
    ]:
        await api.ok(journey, kind, who, **fields)
    client = snippet()
    async with served(api.app) as url:
        client["API"], client["TOKEN"] = url, "dev-pku"
        beijing = dt.timezone(dt.timedelta(hours=8))
        at = dt.datetime.now(beijing)  # not before the previous milestone (the clinical clock)
        mid = f"pku-aph-{uuid.uuid4().hex[:8]}"
        before = await api.count(journey)
        first = await asyncio.to_thread(client["report"], journey, "apheresis_completed", mid, at, coi="COI-SNIP")
        again = await asyncio.to_thread(client["report"], journey, "apheresis_completed", mid, at, coi="COI-SNIP")
        assert first["stage"] == again["stage"] == "manufacturing"
        await api.settle(journey)
        assert [e.kind for e in (await api.events(journey))[before:]].count("apheresis_completed") == 1

        with pytest.raises(RuntimeError, match=r"^409 wrong_stage: "):
            await asyncio.to_thread(client["report"], journey, "infusion_completed", "pku-inf-1", at, coi="COI-SNIP")
        # The section's time-zone rule: a time without an offset is refused, never guessed.
        naive = {"kind": "discharged", "milestone_id": "pku-naive", "occurred_at": "2026-06-10T09:30:00"}
        async with httpx.AsyncClient(base_url=url, headers={"Authorization": "Bearer dev-pku"}) as http:
            answer = await http.post(f"/v1/journeys/{journey}/milestones", json=naive)
        assert answer.status_code == 422

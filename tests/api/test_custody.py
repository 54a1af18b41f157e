"""Custody and the reservation over HTTP: hand-offs, the quality hold, the journey view and history."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

COI = "COI-API-CU"
BEDSIDE = {"verified_by": ["nurse-li", "nurse-zhang"]}


async def hand(api: Api, jid: str, frm: str, to: str, condition: str = "intact", **extra: Any) -> Any:
    return await api.milestone(
        jid, "custody_transferred", coi=COI, from_party=frm, to_party=to, condition=condition, **extra
    )


async def test_custody_hand_offs_a_quality_hold_and_the_reservation_show_on_the_journey(api: Api) -> None:
    jid = await api.start()
    await api.to_infusion(jid, coi=COI)
    r = await hand(api, jid, "manufacturing site", "courier (dry shipper)", temperature_c=-185.0, seal_id="S-9")
    assert r.status_code == 200, r.text
    r = await hand(
        api, jid, "courier (dry shipper)", "centre pharmacy", "excursion", temperature_c=-121.5, excursion_minutes=40
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["custody"]["holder"] == "centre pharmacy" and body["custody"]["on_hold"] is True
    assert body["custody"]["minutes_out_of_cold_chain"] == 40
    assert any(a["code"] == "custody_excursion" and a["severity"] == "critical" for a in body["open_alerts"])

    r = await api.milestone(jid, "infusion_completed", coi=COI, lot="LOT-1", **BEDSIDE)
    assert r.status_code == 409 and r.json()["code"] == "quality_hold"
    r = await api.milestone(jid, "quality_release", coi=COI, approved_by="qp-zhang", decision="release")
    assert r.status_code == 200 and r.json()["custody"]["on_hold"] is False
    r = await api.milestone(jid, "infusion_completed", coi=COI, lot="LOT-1", **BEDSIDE)
    assert r.status_code == 200 and r.json()["stage"] == "stay"
    await api.settle(jid)

    view = (await api.call("GET", f"/v1/journeys/{jid}", "manager")).json()
    assert [h["to_party"] for h in view["custody"]["hand_offs"]] == ["courier (dry shipper)", "centre pharmacy"]
    assert view["reservation"]["status"] == "reserved" and "apheresis" in view["reservation"]["weeks"]
    history = (await api.call("GET", f"/v1/journeys/{jid}/history", "manager")).json()["events"]
    kinds = {e["kind"]: e["actor"] for e in history}
    assert kinds["custody_transferred"] == "centre:pku" and kinds["quality_release"] == "centre:pku"
    assert kinds["reservation_updated"] == "system"


async def test_a_gap_is_409_with_the_holder_and_bad_bodies_are_422(api: Api) -> None:
    jid = await api.start()
    await api.to_infusion(jid, coi=COI)
    assert (await hand(api, jid, "manufacturing site", "courier")).status_code == 200
    r = await hand(api, jid, "somebody else", "centre pharmacy")
    assert r.status_code == 409 and r.json()["code"] == "custody_gap" and "'courier'" in r.json()["reason"]
    r = await hand(api, jid, "courier", "centre pharmacy", "warm")
    assert r.status_code == 422
    r = await api.milestone(jid, "quality_release", coi=COI, approved_by="qp-zhang", decision="release")
    assert r.status_code == 409 and r.json()["code"] == "no_quality_hold"
    r = await hand(api, jid, "courier", "centre pharmacy", as_="fuda")
    assert r.status_code == 403

"""GET /v1/journeys/{id}/ledger: the money as the event log knows it (ops, managers)."""

from __future__ import annotations

from tests.api.conftest import Api


async def done(api: Api, journey: str) -> None:
    """Withdraw the test's journey: left open, its timers add work to every later time skip of the session."""
    r = await api.call("POST", f"/v1/journeys/{journey}/withdraw", json={"reason": "test finished"})
    assert r.status_code == 200, r.text


async def screened(api: Api, estimate_usd: int) -> str:
    journey = await api.start()
    await api.ok(journey, "records_received")
    await api.ok(journey, "teleconsult_completed", outcome="proceed")
    await api.ok(journey, "eligibility_decided", eligible=True, product="axi-cel", estimate_usd=estimate_usd)
    return journey


async def test_the_ledger_shows_the_estimate_in_both_currencies_and_the_deposit_due(api: Api) -> None:
    journey = await screened(api, 98000)
    r = await api.call("GET", f"/v1/journeys/{journey}/ledger", "manager")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["estimate"]["usd"] == "98000.00" and body["estimate"]["rmb"] == "705600.00"
    assert body["rate"] == "7.20" and body["estimate"]["in_range"] is True and body["warnings"] == []
    assert body["deposit"]["status"] == "awaiting" and body["deposit"]["required"]["usd"] == "29400.00"
    assert body["balance"] == {"usd": "0.00", "rmb": "0.00"}
    await done(api, journey)


async def test_an_estimate_outside_the_china_range_is_flagged(api: Api) -> None:
    journey = await screened(api, 400000)
    body = (await api.call("GET", f"/v1/journeys/{journey}/ledger")).json()
    assert body["estimate"]["in_range"] is False
    assert any("above the product's range" in w for w in body["warnings"])
    await done(api, journey)


async def test_centres_do_not_read_ledgers_and_unknown_journeys_are_404(api: Api) -> None:
    journey = await api.start()
    assert (await api.call("GET", f"/v1/journeys/{journey}/ledger", "pku")).status_code == 403
    assert (await api.call("GET", "/v1/journeys/J0000000000000000/ledger")).status_code == 404
    await done(api, journey)


async def test_the_journey_page_has_a_ledger_panel(api: Api) -> None:
    journey = await screened(api, 98000)
    r = await api.call("GET", f"/ui/journeys/{journey}")
    assert r.status_code == 200
    assert "Ledger" in r.text and "98,000.00" in r.text and "awaiting deposit" in r.text
    await done(api, journey)


async def test_a_journey_awaiting_its_deposit_says_so_and_a_payment_releases_travel(api: Api) -> None:
    journey = await screened(api, 98000)
    body = await api.ok(journey, "estimate_accepted", "ops")
    assert body["awaiting_deposit"] is True and body["language"] == "en"
    assert "Awaiting deposit" in (await api.call("GET", f"/ui/journeys/{journey}")).text
    refused = await api.milestone(journey, "payment_received", "pku", amount="29400.00", currency="USD")
    assert refused.status_code == 403  # payments are recorded by ops
    bad = await api.milestone(journey, "payment_received", "ops", amount=29400.5, currency="USD")
    assert bad.status_code == 422  # amounts are decimal strings
    body = await api.ok(journey, "payment_received", "ops", amount="29400.00", currency="USD", reference="W-1")
    assert body["awaiting_deposit"] is False
    ledger = (await api.call("GET", f"/v1/journeys/{journey}/ledger")).json()
    assert ledger["deposit"]["status"] == "paid" and ledger["balance"]["usd"] == "-29400.00"
    assert ledger["lines"][0]["reference"] == "W-1" and ledger["lines"][0]["amount"] == "29400.00"
    await done(api, journey)


async def test_a_start_body_with_a_malformed_language_is_422(api: Api) -> None:
    r = await api.call(
        "POST", "/v1/journeys", json={"patient_ref": "p-lang-1", "centre_id": "pku", "language": "english please"}
    )
    assert r.status_code == 422

"""GET /v1/journeys/{id}/fhir: who may read it, and that what it serves is a valid R4 Bundle."""

from __future__ import annotations

from collections import Counter

from fhir.resources.R4B.bundle import Bundle

from tests.api.conftest import Api


async def test_ops_managers_and_its_centre_get_a_valid_bundle_other_centres_403(api: Api) -> None:
    journey_id = await api.start(centre="pku")
    await api.to_infusion(journey_id)
    for who in ("ops", "manager", "pku"):
        r = await api.call("GET", f"/v1/journeys/{journey_id}/fhir", who)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/fhir+json")
        bundle = Bundle.model_validate_json(r.text)
        counts = Counter(e.resource.get_resource_type() for e in bundle.entry or [] if e.resource is not None)
        # Seven pathway milestones and the deposit payment (tests/api/conftest.py to_infusion).
        assert counts["CarePlan"] == 1 and counts["Task"] == 8
        assert counts["Appointment"] >= 1  # the teleconsult slot and travel bookings
    other = await api.call("GET", f"/v1/journeys/{journey_id}/fhir", "fuda")
    assert other.status_code == 403 and other.json()["code"] == "forbidden"


async def test_the_bundle_never_carries_the_patient_reference(api: Api) -> None:
    r = await api.call("POST", "/v1/journeys", json={"patient_ref": "secret-ref-77", "centre_id": "pku"})
    journey_id = r.json()["journey_id"]
    await api.settle(journey_id)
    body = (await api.call("GET", f"/v1/journeys/{journey_id}/fhir")).text
    assert "secret-ref-77" not in body and journey_id in body


async def test_an_unknown_journey_is_404_and_no_token_401(api: Api) -> None:
    assert (await api.call("GET", "/v1/journeys/J0000000000000000/fhir")).status_code == 404
    assert (await api.call("GET", "/v1/journeys/J0000000000000000/fhir", None)).status_code == 401

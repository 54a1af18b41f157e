"""The UI's codec endpoint decrypts for ops and managers only, and answers the UI's CORS preflight."""

from __future__ import annotations

import base64

import httpx
import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from api.codec_routes import create_codec_app
from journeys.codec import EncryptionCodec, parse_keyring
from journeys.settings import Settings

SETTINGS = Settings()
TOKENS = {role: token for token, role in SETTINGS.api_tokens.items()}


@pytest.fixture
async def http():
    transport = httpx.ASGITransport(app=create_codec_app(SETTINGS))
    async with httpx.AsyncClient(transport=transport, base_url="http://codec") as client:
        yield client


async def sealed_body() -> dict:
    codec = EncryptionCodec(parse_keyring(SETTINGS.codec_key))
    sealed = await codec.encode([Payload(metadata={"encoding": b"json/plain"}, data=b'"PATIENT-X"')])
    return json_format.MessageToDict(Payloads(payloads=sealed))


@pytest.mark.parametrize("role", ["ops", "manager"])
async def test_ops_and_managers_get_plaintext(http, role):
    r = await http.post("/codec/decode", json=await sealed_body(),
                        headers={"Authorization": f"Bearer {TOKENS[role]}"})
    assert r.status_code == 200
    assert base64.b64decode(r.json()["payloads"][0]["data"]) == b'"PATIENT-X"'


@pytest.mark.parametrize("headers,status", [({}, 401), ({"Authorization": "Bearer nope"}, 401),
                                            ({"Authorization": f"Bearer {TOKENS['centre:pku']}"}, 403)])
async def test_everyone_else_is_refused(http, headers, status):
    r = await http.post("/codec/decode", json=await sealed_body(), headers=headers)
    assert r.status_code == status
    assert "detail" in r.json()


async def test_encode_then_decode_round_trips(http):
    auth = {"Authorization": f"Bearer {TOKENS['ops']}"}
    plain = json_format.MessageToDict(Payloads(payloads=[Payload(data=b"hello")]))
    sealed = (await http.post("/codec/encode", json=plain, headers=auth)).json()
    assert sealed != plain
    assert (await http.post("/codec/decode", json=sealed, headers=auth)).json() == plain


async def test_a_malformed_body_is_a_422_with_a_reason(http):
    r = await http.post("/codec/decode", json={"payloads": "nope"},
                        headers={"Authorization": f"Bearer {TOKENS['ops']}"})
    assert r.status_code == 422 and "Payloads" in r.json()["detail"]


async def test_the_temporal_ui_origin_passes_the_cors_preflight(http):
    r = await http.options("/codec/decode", headers={
        "Origin": SETTINGS.ui_origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == SETTINGS.ui_origin


async def test_other_origins_get_no_cors_grant(http):
    r = await http.options("/codec/decode", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers

"""The UI's codec endpoint: plaintext for signed-in ops and managers only, every decode logged.

Production settings (strong keys, no loopback shortcut) unless a test says development.
"""

from __future__ import annotations

import base64
import secrets

import httpx
import pytest
from google.protobuf import json_format
from structlog.testing import capture_logs
from temporalio.api.common.v1 import Payload, Payloads

from api.codec_routes import create_codec_app
from journeys.codec import EncryptionCodec, parse_keyring
from journeys.settings import Settings
from tests.journeys.test_settings import production

SETTINGS = Settings(**production())  # type: ignore[arg-type]
TOKENS = {role: token for token, role in SETTINGS.tokens().items()}
DEV = Settings(environment="development")


def client(settings: Settings, peer: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_codec_app(settings), client=(peer, 5555))
    return httpx.AsyncClient(transport=transport, base_url="http://codec")


@pytest.fixture
async def http():
    async with client(SETTINGS) as c:
        yield c


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


async def sealed_body(settings: Settings = SETTINGS) -> dict:
    codec = EncryptionCodec(parse_keyring(settings.codec_key.get_secret_value()))
    sealed = await codec.encode([Payload(metadata={"encoding": b"json/plain"}, data=b'"PATIENT-X"')])
    return json_format.MessageToDict(Payloads(payloads=sealed))


@pytest.mark.parametrize("role", ["ops", "manager"])
async def test_ops_and_managers_get_plaintext_and_each_decode_is_logged_with_its_actor(http, role):
    with capture_logs() as logs:
        r = await http.post("/codec/decode", json=await sealed_body(), headers=auth(role))
    assert r.status_code == 200
    assert base64.b64decode(r.json()["payloads"][0]["data"]) == b'"PATIENT-X"'
    decodes = [e for e in logs if e["event"] == "codec decode"]
    assert decodes and decodes[0]["actor"].startswith(f"{role}:tok-")


@pytest.mark.parametrize(
    "headers,status",
    [
        ({}, 401),
        ({"Authorization": "Bearer nope"}, 401),
        ({"Authorization": "Bearer "}, 401),
        ({"Authorization": "Bearer"}, 401),
        ({"Authorization": "Basic Zm9vOmJhcg=="}, 401),
    ],
)
async def test_no_or_bad_credentials_are_a_401_in_the_error_shape(http, headers, status):
    r = await http.post("/codec/decode", json=await sealed_body(), headers=headers)
    assert r.status_code == status
    assert r.json()["code"] == "unauthenticated" and r.json()["reason"]


async def test_a_centre_token_is_refused():
    settings = Settings(**production(api_tokens={"c" * 40: "centre:pku", "o" * 40: "ops"}))  # type: ignore[arg-type]
    async with client(settings) as http:
        r = await http.post(
            "/codec/decode", json=await sealed_body(settings), headers={"Authorization": f"Bearer {'c' * 40}"}
        )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


async def test_an_empty_token_in_development_cannot_open_the_codec():
    # Settings refuse it, and even a hand-built principal table never matches an empty bearer.
    with pytest.raises(ValueError):
        Settings(environment="development", api_tokens={"": "ops"})


async def test_managers_may_not_encode(http):
    plain = json_format.MessageToDict(Payloads(payloads=[Payload(data=b"hello")]))
    r = await http.post("/codec/encode", json=plain, headers=auth("manager"))
    assert r.status_code == 403


async def test_ops_encode_then_decode_round_trips(http):
    plain = json_format.MessageToDict(Payloads(payloads=[Payload(data=b"hello")]))
    sealed = (await http.post("/codec/encode", json=plain, headers=auth("ops"))).json()
    assert sealed != plain
    decoded = (await http.post("/codec/decode", json=sealed, headers=auth("ops"))).json()
    assert decoded["payloads"][0]["data"] == plain["payloads"][0]["data"]


@pytest.mark.parametrize(
    "body",
    [
        {"payloads": "nope"},
        {"payloads": [], "extra": 1},
        {"payloads": [{"data": "aGk=", "surprise": True}]},
        {"payloads": [{"data": "not base64!"}]},
    ],
)
async def test_a_malformed_body_or_extra_property_is_a_422_with_a_reason(http, body):
    r = await http.post("/codec/decode", json=body, headers=auth("ops"))
    assert r.status_code == 422 and r.json()["reason"]


async def test_tampered_ciphertext_is_a_422_not_a_500(http):
    body = await sealed_body()
    data = bytearray(base64.b64decode(body["payloads"][0]["data"]))
    data[-1] ^= 1
    body["payloads"][0]["data"] = base64.b64encode(bytes(data)).decode()
    r = await http.post("/codec/decode", json=body, headers=auth("ops"))
    assert r.status_code == 422 and r.json()["code"] == "cannot_decode"


async def test_development_decodes_for_loopback_callers_without_credentials_and_logs_it():
    async with client(DEV) as http:
        with capture_logs() as logs:
            r = await http.post("/codec/decode", json=await sealed_body(DEV))
    assert r.status_code == 200
    assert [e["actor"] for e in logs if e["event"] == "codec decode"] == ["dev:loopback"]


async def test_development_still_refuses_callers_off_the_loopback_interface():
    async with client(DEV, peer="10.1.2.3") as http:
        r = await http.post("/codec/decode", json=await sealed_body(DEV))
    assert r.status_code == 401


async def test_production_gives_loopback_callers_nothing_without_credentials(http):
    assert (await http.post("/codec/decode", json=await sealed_body())).status_code == 401


async def test_the_temporal_ui_origin_passes_the_credentialed_cors_preflight(http):
    r = await http.options(
        "/codec/decode",
        headers={
            "Origin": SETTINGS.ui_origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
        },
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == SETTINGS.ui_origin
    assert r.headers["access-control-allow-credentials"] == "true"


async def test_other_origins_get_no_cors_grant(http):
    r = await http.options(
        "/codec/decode", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in r.headers


def test_tokens_are_compared_in_constant_time_not_by_dict_lookup():
    import inspect

    from api import codec_routes

    assert ".get(token)" not in inspect.getsource(codec_routes)
    assert secrets  # keeps the import honest for readers: tokens come from secrets in production()

"""A weak or careless configuration stops the process at start, with one line naming the variable."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from journeys.settings import DEV_CODEC_KEY, Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def production(**overrides: object) -> dict[str, object]:
    """Everything a production start needs, each value strong."""
    values: dict[str, object] = {
        "environment": "production",
        "codec_key": f"k1:{key()}",
        "id_key": secrets.token_urlsafe(32),
        "api_tokens": {secrets.token_urlsafe(32): "ops", secrets.token_urlsafe(32): "manager"},
        "centre_urls": {"*": "https://centres.example.org"},
        "notify_url": "https://alerts.example.org",
        "temporal_api_key": "tc-key",
        "ui_origin": "https://temporal.example.org",
    }
    return {**values, **overrides}


def refusal(**values: object) -> str:
    with pytest.raises(ValidationError) as err:
        Settings(**values)  # type: ignore[arg-type]
    return str(err.value)


def test_a_strong_production_configuration_is_accepted() -> None:
    s = Settings(**production())  # type: ignore[arg-type]
    assert not s.development and s.secure_cookies


@pytest.mark.parametrize("token", ["", "x", " dev-ops", "has space-inside"])
def test_empty_short_or_spaced_tokens_are_refused_even_in_development(token: str) -> None:
    assert "at least" in refusal(environment="development", api_tokens={token: "ops"})


def test_short_tokens_are_refused_in_production() -> None:
    assert "32 characters" in refusal(**production(api_tokens={"only-twenty-chars-xx": "ops"}))


def test_an_unknown_role_is_refused() -> None:
    assert "unknown role" in refusal(environment="development", api_tokens={"abcdefgh": "admin"})


def test_the_codec_cannot_be_switched_off_in_production() -> None:
    assert "JOURNEYS_CODEC_ENABLED" in refusal(**production(codec_enabled=False))


@pytest.mark.parametrize(
    "spec",
    [
        f"dev:{DEV_CODEC_KEY}",
        f"dev:{DEV_CODEC_KEY},prod:{key()}",
        f"dev:{DEV_CODEC_KEY}, ",
        f"prod:{key()},old:{DEV_CODEC_KEY}",
    ],
)
def test_the_development_key_is_refused_anywhere_in_a_production_keyring(spec: str) -> None:
    assert "JOURNEYS_CODEC_KEY: the development key" in refusal(**production(codec_key=spec))


@pytest.mark.parametrize("origin", ["*", "https://*.example.org", "null", "https://ui.example.org/path"])
def test_a_wildcard_or_non_origin_ui_origin_is_refused(origin: str) -> None:
    assert "ui_origin" in refusal(environment="development", ui_origin=origin)


def test_the_environment_defaults_to_production_so_a_forgotten_variable_serves_no_dev_tokens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JOURNEYS_ENVIRONMENT", raising=False)
    text = refusal()
    assert "JOURNEYS_API_TOKENS: the development tokens are refused" in text
    assert "JOURNEYS_CODEC_KEY" in text and "JOURNEYS_ID_KEY" in text


def test_empty_centre_urls_and_no_notification_channel_are_refused_in_production() -> None:
    text = refusal(**production(centre_urls={}, notify_url=None))
    assert "JOURNEYS_CENTRE_URLS" in text and "JOURNEYS_NOTIFY_URL" in text


def test_a_missing_centre_url_is_named() -> None:
    assert "no URL for ludaopei" in refusal(
        **production(centre_urls={"pku": "https://a", "fuda": "https://b", "jiahui": "https://c"})
    )


def test_production_needs_an_authenticated_temporal_connection() -> None:
    assert "JOURNEYS_TEMPORAL_TLS_CERT" in refusal(**production(temporal_api_key=None))
    Settings(**production(temporal_api_key=None, temporal_insecure=True))  # type: ignore[arg-type]


def test_secrets_never_show_in_a_repr() -> None:
    values = production()
    s = Settings(**values)  # type: ignore[arg-type]
    shown = repr(s) + str(s.model_dump())
    for token in values["api_tokens"]:  # type: ignore[attr-defined]
        assert token not in shown
    assert str(values["codec_key"]).split(":")[1] not in shown
    assert str(values["id_key"]) not in shown


def test_load_settings_says_which_variable_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOURNEYS_ENVIRONMENT", "production")
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert "\n" not in err.value.message and "JOURNEYS_CODEC_KEY" in err.value.message


def test_a_misconfigured_worker_stops_at_start_with_one_line_and_no_traceback() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYS_")}
    env |= {"JOURNEYS_ENVIRONMENT": "production", "JOURNEYS_API_TOKENS": '{"": "ops"}'}
    proc = subprocess.run(
        [sys.executable, "-m", "starter.cli", "worker"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "JOURNEYS_API_TOKENS" in lines[0]

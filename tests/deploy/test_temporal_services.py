"""Temporal in the compose file is not left open: schema by a one-shot job, mTLS, a read-only UI behind sign-in."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_no_deprecated_auto_setup_image_and_the_schema_is_a_one_shot_admin_tools_job() -> None:
    assert not any("auto-setup" in s.get("image", "") for s in SERVICES.values())
    schema = SERVICES["temporal-schema"]
    assert schema["image"].startswith("temporalio/admin-tools:") and schema["restart"] == "no"
    script = "\n".join(schema["command"])
    assert "setup-schema" in script and "update-schema" in script and "visibility" in script
    assert SERVICES["temporal"]["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"


def test_the_frontend_requires_client_certificates_from_our_ca() -> None:
    env = SERVICES["temporal"]["environment"]
    assert SERVICES["temporal"]["image"].startswith("temporalio/server:")
    assert env["TEMPORAL_TLS_REQUIRE_CLIENT_AUTH"] == "true"
    assert env["TEMPORAL_TLS_CLIENT1_CA_CERT"] == "/certs/ca.pem"
    assert env["TEMPORAL_TLS_FRONTEND_CERT"] and env["TEMPORAL_TLS_FRONTEND_KEY"]
    assert SERVICES["temporal"]["depends_on"]["temporal-certs"]["condition"] == "service_completed_successfully"
    assert SERVICES["temporal-certs"]["command"][0] == "dev-certs"


def test_every_client_of_temporal_connects_with_mtls() -> None:
    for name in ("worker", "api", "setup"):
        env = SERVICES[name]["environment"]
        assert env["JOURNEYS_TEMPORAL_TLS_CERT"] and env["JOURNEYS_TEMPORAL_TLS_KEY"]
        assert env["JOURNEYS_TEMPORAL_TLS_CA"]
        assert "temporal-certs:/certs:ro" in SERVICES[name]["volumes"]
    ui = SERVICES["temporal-ui"]["environment"]
    assert ui["TEMPORAL_TLS_CERT"] and ui["TEMPORAL_TLS_KEY"] and ui["TEMPORAL_TLS_CA"]
    assert "--tls-cert-path" in "\n".join(SERVICES["temporal-namespace"]["command"])


def test_the_web_ui_is_read_only_decodes_with_the_session_and_is_reached_only_through_the_proxy() -> None:
    ui = SERVICES["temporal-ui"]
    assert ui["environment"]["TEMPORAL_DISABLE_WRITE_ACTIONS"] == "true"
    assert ui["environment"]["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"
    assert ui["environment"]["TEMPORAL_CODEC_ENDPOINT"].endswith("/codec")
    assert "ports" not in ui
    caddy = (ROOT / "deploy" / "proxy" / "Caddyfile").read_text()
    assert "forward_auth api:8000" in caddy and "uri /ui/session-check" in caddy
    assert "reverse_proxy temporal-ui:8080" in caddy


def test_only_the_frontend_port_is_published_and_only_on_loopback() -> None:
    assert SERVICES["temporal"]["ports"] == ["127.0.0.1:7233:7233"]
    assert "ports" not in SERVICES["temporal-db"]

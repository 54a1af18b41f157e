"""One settings object, read from JOURNEYS_* environment variables.

Fail closed: `environment` defaults to production, where every development default
(keys, tokens, an empty centre or notification channel, plain Temporal) is refused,
so a forgotten variable stops the process at start instead of serving dev secrets.
`./run` and `journeys dev`/`demo` say `development` explicitly. `get_settings()`
turns a refusal into one line naming the variable (no traceback).
"""

from __future__ import annotations

import base64
import binascii
import json
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, FilePath, Secret, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "JOURNEYS_"
DEV_CODEC_KEY = "ZGV2LW9ubHktY29kZWMta2V5LWRvLW5vdC11c2UtISE="  # base64 of a 32-byte dev key
DEV_ID_KEY = "dev-journey-id-key"
DEV_TOKENS = {
    "dev-ops": "ops",
    "dev-manager": "manager",
    "dev-pku": "centre:pku",
    "dev-ludaopei": "centre:ludaopei",
    "dev-fuda": "centre:fuda",
    "dev-jiahui": "centre:jiahui",
}
# Outside development: long enough that guessing is hopeless (`secrets.token_urlsafe(32)` is 43).
MIN_TOKEN_LENGTH = 32
MIN_ID_KEY_LENGTH = 32
# Everywhere: a bare `Authorization: Bearer ` must never match anything.
MIN_DEV_TOKEN_LENGTH = 6

Tokens = Secret[dict[str, str]]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore")

    environment: Literal["development", "production"] = "production"
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "cart-journeys"
    database_url: str = "sqlite+aiosqlite:///.data/events.db"
    # Comma-separated "kid:base64key" pairs; the first encrypts, all decrypt (rotation).
    codec_key: SecretStr = SecretStr(f"dev:{DEV_CODEC_KEY}")
    codec_enabled: bool = True
    # Accept ciphertexts written before payloads were bound to their workflow (upgrade window only).
    codec_allow_unbound: bool = False
    id_key: SecretStr = SecretStr(DEV_ID_KEY)
    api_tokens: Tokens = Field(default_factory=lambda: Secret(dict(DEV_TOKENS)))
    policy_file: Path | None = None
    # {"pku": "http://127.0.0.1:9000/centres/pku"}; a centre without a URL is simulated in-process.
    centre_urls: dict[str, str] = Field(default_factory=dict)
    notify_url: str | None = None
    # Per-call limit for centres and the notification webhook; a slower answer is retried.
    http_timeout_seconds: float = 10.0
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # The Temporal Web UI's origin: the only one CORS lets call /codec with credentials.
    ui_origin: str = "http://localhost:8233"
    # Where the journey page links to the journey in the Temporal Web UI (defaults to ui_origin).
    temporal_ui_url: str | None = None
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
    # Addresses whose X-Forwarded-For/-Proto the API believes: the TLS-terminating proxy's
    # (comma-separated IPs or networks, or "*" where only the proxy can reach the API).
    forwarded_allow_ips: str = "127.0.0.1"

    # -- patient services: email over SMTP and the dev mailbox (issue 13) --
    # No host: no email channel (the webhook and log lines remain).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_start_tls: bool = False
    mail_from: str = "CAR-T patient services <journeys@localhost>"
    # A pseudonymous address per journey; the hub's mail relay maps it to the patient's contact.
    mail_patient_to: str | None = "patient+{journey_id}@patients.localhost"
    mail_ops_to: str | None = None
    mail_centre_to: str | None = None
    # The Maildir the dev stack's SMTP sink writes; set only by `journeys dev`/`demo`,
    # it turns on the ops-only mailbox page /ui/mailbox.
    dev_mailbox: Path | None = None

    # -- Temporal connection (journeys.temporal.connect_config) --------------------------------
    # A profile of Temporal's own client config (TOML file / TEMPORAL_* variables) to start from;
    # the JOURNEYS_TEMPORAL_* values below override it.
    temporal_profile: str | None = None
    temporal_tls_cert: FilePath | None = None
    temporal_tls_key: FilePath | None = None
    temporal_tls_ca: FilePath | None = None
    temporal_tls_server_name: str | None = None
    temporal_api_key: SecretStr | None = None
    # Plain gRPC to Temporal outside development, e.g. behind a mesh that does the mTLS.
    temporal_insecure: bool = False

    # -- Manager page sessions ------------------------------------------------------------------
    # Secure cookies need HTTPS (a TLS proxy in front counts); development serves plain http.
    cookie_secure: bool | None = None
    session_hours: float = 8.0

    # -- Worker capacity (perf, issue 15) -------------------------------------------------------
    # Workflow tasks one worker runs at once. They all run Python under one GIL, so more in
    # flight only makes each one wait longer, and a task waiting inside the worker counts
    # against its 10 s timeout while one waiting in Temporal's queue does not (bench/ measures
    # the timeouts with 10,000 open journeys: 34 of 2,000 journeys had one at 100, the SDK's
    # default, 1 at 10, on a loaded 2-core machine).
    max_concurrent_workflow_tasks: int = Field(default=10, ge=1)

    # -- observability (traces, business metrics) --
    # Where traces go: off, console (stderr) or otlp (OTLP over HTTP to otlp_endpoint).
    tracing: Literal["off", "console", "otlp"] = "off"
    otlp_endpoint: str = "http://127.0.0.1:4318/v1/traces"
    # How long the API's /metrics answer is reused (each one reads the projections).
    metrics_cache_seconds: float = 15.0

    @field_validator("api_tokens", "centre_urls", mode="before")
    @classmethod
    def _json(cls, v: object) -> object:
        if isinstance(v, str):
            try:
                return json.loads(v)
            except json.JSONDecodeError as err:
                raise ValueError(f"not valid JSON ({err.msg} at character {err.pos})") from None
        return v

    @field_validator("api_tokens")
    @classmethod
    def _token_shapes(cls, v: Tokens) -> Tokens:
        from journeys import reference_data

        for token, role in v.get_secret_value().items():
            if len(token) < MIN_DEV_TOKEN_LENGTH or token != token.strip() or any(c.isspace() for c in token):
                raise ValueError(
                    f"every token needs at least {MIN_DEV_TOKEN_LENGTH} characters and no spaces "
                    f"(the token for role {role!r} does not)"
                )
            centre = role.removeprefix("centre:")
            if role not in ("ops", "manager") and not (
                role.startswith("centre:") and centre in reference_data.centres()
            ):
                raise ValueError(f"unknown role {role!r} (expected ops, manager or centre:<centre id>)")
        return v

    @field_validator("ui_origin")
    @classmethod
    def _origin(cls, v: str) -> str:
        parts = urlsplit(v)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path not in ("", "/")
            or parts.query
            or "*" in v
        ):
            raise ValueError(f"{v!r} is not one origin like https://temporal-ui.example.org (no wildcard, no path)")
        return v.rstrip("/")

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        problems = [p for p in (*self._everywhere(), *self._production_only()) if p]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _everywhere(self) -> list[str]:
        from journeys.codec import KeyringError, parse_keyring

        out = []
        try:
            parse_keyring(self.codec_key.get_secret_value())
        except KeyringError as err:
            out.append(f"{PREFIX}CODEC_KEY: {err}")
        if bool(self.temporal_tls_cert) != bool(self.temporal_tls_key):
            out.append(
                f"{PREFIX}TEMPORAL_TLS_CERT and {PREFIX}TEMPORAL_TLS_KEY go together (mTLS client "
                "certificate and its key)"
            )
        return out

    def _production_only(self) -> list[str]:
        if self.development:
            return []
        from journeys import reference_data

        out: list[str] = []
        keys = self.codec_key.get_secret_value()
        if not self.codec_enabled:
            out.append(
                f"{PREFIX}CODEC_ENABLED: the payload codec cannot be off outside development "
                "(Temporal would store patient data in plain text)"
            )
        if _decoded_keys(keys) & {base64.b64decode(DEV_CODEC_KEY)}:
            out.append(f"{PREFIX}CODEC_KEY: the development key is refused outside development")
        id_key = self.id_key.get_secret_value()
        if id_key == DEV_ID_KEY or len(id_key) < MIN_ID_KEY_LENGTH:
            out.append(f"{PREFIX}ID_KEY: set a random key of at least {MIN_ID_KEY_LENGTH} characters")
        tokens = self.tokens()
        if set(tokens) & set(DEV_TOKENS):
            out.append(f"{PREFIX}API_TOKENS: the development tokens are refused outside development")
        elif any(len(t) < MIN_TOKEN_LENGTH for t in tokens):
            out.append(
                f"{PREFIX}API_TOKENS: every token needs at least {MIN_TOKEN_LENGTH} characters outside "
                "development (python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        missing = [c for c in reference_data.centres() if c not in self.centre_urls and "*" not in self.centre_urls]
        if missing:
            out.append(f"{PREFIX}CENTRE_URLS: no URL for {', '.join(missing)} (bookings would only be simulated)")
        if not self.notify_url:
            out.append(f"{PREFIX}NOTIFY_URL: set the notification webhook (safety alerts would only be logged)")
        if not (self.temporal_tls_cert or self.temporal_api_key or self.temporal_profile or self.temporal_insecure):
            out.append(
                f"{PREFIX}TEMPORAL_TLS_CERT: set mTLS ({PREFIX}TEMPORAL_TLS_CERT/KEY/CA) or "
                f"{PREFIX}TEMPORAL_API_KEY; {PREFIX}TEMPORAL_INSECURE=true only behind a mesh that encrypts"
            )
        if self.cookie_secure is False:
            out.append(f"{PREFIX}COOKIE_SECURE: session cookies must be Secure outside development")
        return out

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure if self.cookie_secure is not None else not self.development

    def tokens(self) -> dict[str, str]:
        """Bearer token -> role (`ops`, `manager`, `centre:<id>`)."""
        return self.api_tokens.get_secret_value()

    def id_secret(self) -> bytes:
        return self.id_key.get_secret_value().encode()


def _decoded_keys(spec: str) -> set[bytes]:
    out = set()
    for part in spec.split(","):
        try:
            out.add(base64.b64decode(part.partition(":")[2].strip(), validate=True))
        except (binascii.Error, ValueError):
            continue
    return out


class SettingsError(ValueError):
    """A refused configuration, as one line naming each variable (the CLI prints it, no traceback)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"invalid settings: {message}")
        self.message = f"invalid settings: {message}"


def describe(err: ValidationError) -> str:
    """One line naming each variable at fault."""
    parts = []
    for e in err.errors(include_url=False, include_input=False):
        msg = str(e["msg"]).removeprefix("Value error, ")
        loc = [str(p) for p in e["loc"]]
        parts.append(f"{PREFIX}{loc[0].upper()}: {msg}" if loc else msg)
    return "; ".join(parts).replace("\n", " ")


def load_settings() -> Settings:
    from pydantic_settings.exceptions import SettingsError as Unparsable

    try:
        return Settings()
    except ValidationError as err:
        raise SettingsError(describe(err)) from None
    except Unparsable as err:  # a complex field's value is not JSON
        field = str(err).split('"')[1] if str(err).count('"') >= 2 else "?"
        raise SettingsError(f"{PREFIX}{field.upper()}: not valid JSON") from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()


def development_by_default() -> None:
    """For the local stack's own commands (`journeys dev`/`demo`, `./run`): development unless told."""
    import os

    os.environ.setdefault(f"{PREFIX}ENVIRONMENT", "development")
    get_settings.cache_clear()

"""The ops CLI as a client of the HTTP API: where it is, which token, and what its answers mean.

Ops staff need a URL and their own token, never the codec or id keys: the API
holds those, and it takes the actor from the token, so nobody types who they are.
The endpoint comes from `--api`/`--token`, else JOURNEYS_API_URL/JOURNEYS_API_TOKEN,
else a named profile in the config file, else the local stack's address.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from starter.exit_codes import Exit
from starter.runner import CliError

LOCAL_API = "http://127.0.0.1:8000"
TIMEOUT = httpx.Timeout(30.0, connect=5.0)

ApiOpt = Annotated[
    str | None,
    typer.Option(
        "--api",
        envvar="JOURNEYS_API_URL",
        show_envvar=True,
        help=f"Base URL of the journeys API (default: the profile's, else {LOCAL_API})",
    ),
]
TokenOpt = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="JOURNEYS_API_TOKEN",
        show_envvar=True,
        help="Your bearer token; the API records you as its actor",
    ),
]
ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        envvar="JOURNEYS_PROFILE",
        show_envvar=True,
        help="A named profile from the config file (JOURNEYS_CONFIG, default ~/.config/journeys/config.toml)",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the answer (and errors, on stderr) as JSON")]


def config_path() -> Path:
    if explicit := os.environ.get("JOURNEYS_CONFIG"):
        return Path(explicit).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "journeys" / "config.toml"


def _profile(name: str | None) -> dict[str, Any]:
    path = config_path()
    if not path.exists():
        if name:
            raise CliError(
                f"profile {name!r} asked for, but there is no config file at {path}",
                Exit.MISCONFIGURED,
                "misconfigured",
            )
        return {}
    try:
        config = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise CliError(f"cannot read {path}: {err}", Exit.MISCONFIGURED, "misconfigured") from None
    profiles = config.get("profiles", {})
    chosen = name or config.get("default_profile")
    if chosen is None:
        return {}
    if chosen not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise CliError(f"no profile {chosen!r} in {path} (profiles: {known})", Exit.MISCONFIGURED, "misconfigured")
    return dict(profiles[chosen])


@dataclass(frozen=True)
class Endpoint:
    url: str
    token: str

    @classmethod
    def resolve(cls, api: str | None, token: str | None, profile: str | None) -> Endpoint:
        p = _profile(profile) if profile or not (api and token) else {}
        url = api or p.get("api") or LOCAL_API
        if not token and (token_file := p.get("token_file")):
            try:
                token = Path(token_file).expanduser().read_text().strip()
            except OSError as err:
                raise CliError(
                    f"cannot read the profile's token_file: {err}", Exit.MISCONFIGURED, "misconfigured"
                ) from None
        token = token or p.get("token")
        if not token:
            raise CliError(
                "no token: pass --token, set JOURNEYS_API_TOKEN, or use a profile "
                f"(see `journeys --help`); the API at {url} records you by your token",
                Exit.FORBIDDEN,
                "unauthenticated",
            )
        return cls(url.rstrip("/"), token)


STATUS_EXIT = {
    400: Exit.BAD_INPUT,
    401: Exit.FORBIDDEN,
    403: Exit.FORBIDDEN,
    404: Exit.NOT_FOUND,
    409: Exit.REFUSED,
    413: Exit.BAD_INPUT,
    415: Exit.BAD_INPUT,
    422: Exit.BAD_INPUT,
    503: Exit.UNREACHABLE,
}


class Api:
    """A few calls to the journeys API, each answer either JSON or a CliError with its exit code."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.http = httpx.Client(
            base_url=endpoint.url,
            timeout=TIMEOUT,
            headers={"Authorization": f"Bearer {endpoint.token}", "User-Agent": "journeys-cli"},
        )

    def call(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        try:
            r = self.http.request(method, path, json=json, params=params)
        except httpx.HTTPError as err:
            raise CliError(
                f"cannot reach the API at {self.endpoint.url}: {err or type(err).__name__}",
                Exit.UNREACHABLE,
                "unreachable",
            ) from None
        if not r.is_success:
            raise answer_error(r)
        try:
            return r.json()
        except ValueError:  # e.g. a proxy's HTML page at the wrong URL
            raise CliError(
                f"{self.endpoint.url} answered {r.status_code} without JSON; is --api the journeys API?",
                Exit.ERROR,
                "not_json",
            ) from None


def answer_error(r: httpx.Response) -> CliError:
    try:
        body = r.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code = str(body.get("code") or f"http_{r.status_code}")
    reason = str(body.get("reason") or r.text[:200] or r.reason_phrase)
    if details := body.get("errors"):
        fields = {".".join(str(p) for p in e.get("loc", []) if p != "body") for e in details}
        reason = f"{reason} ({', '.join(sorted(f for f in fields if f))})" if fields - {""} else reason
    return CliError(reason, STATUS_EXIT.get(r.status_code, Exit.ERROR), code)


def api_client(api: str | None, token: str | None, profile: str | None) -> Api:
    return Api(Endpoint.resolve(api, token, profile))

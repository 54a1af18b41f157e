"""`journeys dev-certs` (a private PKI for Temporal's mTLS) and `journeys erase-patient` (ops, via the API)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from starter.remote import ApiOpt, JsonOpt, ProfileOpt, TokenOpt, api_client
from starter.runner import run


def dev_certs(
    out: Annotated[Path, typer.Option("--out", help="Directory for ca.pem, server.pem/.key, client.pem/.key")] = Path(
        "certs"
    ),
    server_name: Annotated[
        list[str] | None,
        typer.Option("--server-name", help="DNS name or IP of the Temporal frontend (repeat; first is the CN)"),
    ] = None,
    days: Annotated[int, typer.Option(help="Validity of the server and client certificates")] = 365,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing set")] = False,
    key_mode: Annotated[
        str,
        typer.Option(
            "--key-mode",
            help="Octal mode of server.key/client.key (compose: readable by the Temporal containers' own user)",
        ),
    ] = "600",
    as_json: JsonOpt = False,
) -> None:
    """Generate a CA and a server/client certificate pair for mTLS to the Temporal frontend."""
    from journeys.pki import issue

    def main() -> int:
        names = server_name or ["temporal", "localhost", "127.0.0.1"]
        done = issue(out, names, days=days, force=force, key_mode=int(key_mode, 8))
        if as_json:
            print(json.dumps({"created": done.created, "directory": str(done.directory), "server_names": names}))
        else:
            print(
                f"{'wrote' if done.created else 'kept existing'} certificates in {done.directory} "
                f"(server names: {', '.join(names)})"
            )
        return 0

    run(main, as_json=as_json)


def erase_patient(
    patient_ref: Annotated[str, typer.Argument(help="The patient reference whose personal data to erase")],
    api: ApiOpt = None,
    token: TokenOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Erase a patient's personal data (ops): destroys the keys of all their journeys; the clinical
    history stays, pseudonymous, and its hash chains still verify. The erasure is an event with you as actor."""

    def main() -> int:
        # In the body, not the URL: URLs end up in proxy logs.
        answer = api_client(api, token, profile).call(
            "POST", "/v1/personal-data/erasures", json={"patient_ref": patient_ref}
        )
        if as_json:
            print(json.dumps(answer))
        else:
            erased = answer.get("journeys", [])
            print(f"erased the personal data of {len(erased)} journey(s): {', '.join(erased) or '-'}")
        return 0

    run(main, as_json=as_json)


def register(app: typer.Typer) -> None:
    app.command("dev-certs")(dev_certs)
    app.command("erase-patient")(erase_patient)


# Global flags (`journeys --temporal-tls-cert ... worker`): the same as the JOURNEYS_TEMPORAL_*
# variables, for the admin commands and processes that dial Temporal (worker, api, setup, db, dev).
TlsCert = Annotated[Path | None, typer.Option("--temporal-tls-cert", help="mTLS client certificate (PEM) for Temporal")]
TlsKey = Annotated[Path | None, typer.Option("--temporal-tls-key", help="Its private key (PEM)")]
TlsCa = Annotated[Path | None, typer.Option("--temporal-tls-ca", help="CA of the Temporal frontend's certificate")]
TlsServerName = Annotated[str | None, typer.Option("--temporal-tls-server-name", help="Expected frontend name (SNI)")]
ApiKey = Annotated[str | None, typer.Option("--temporal-api-key", help="Temporal Cloud API key (prefer the variable)")]


def temporal_connection(
    cert: Path | None, key: Path | None, ca: Path | None, server_name: str | None, api_key: str | None
) -> None:
    import os

    from journeys.settings import get_settings

    given = {"TLS_CERT": cert, "TLS_KEY": key, "TLS_CA": ca, "TLS_SERVER_NAME": server_name, "API_KEY": api_key}
    for name, value in given.items():
        if value is not None:
            os.environ[f"JOURNEYS_TEMPORAL_{name}"] = str(value)
    get_settings.cache_clear()

"""mTLS to the Temporal frontend: `journeys dev-certs` makes a PKI, and every client we build presents it."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from journeys.pki import issue
from journeys.settings import Settings
from journeys.temporal import connect, connect_config


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("certs")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "starter.cli",
            "dev-certs",
            "--out",
            str(out),
            "--server-name",
            "localhost",
            "--server-name",
            "127.0.0.1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "wrote certificates" in result.stdout, result.stderr
    return out


def test_dev_certs_issues_a_chain_the_ca_signed(certs: Path) -> None:
    ca = x509.load_pem_x509_certificate((certs / "ca.pem").read_bytes())
    for leaf in ("server", "client"):
        cert = x509.load_pem_x509_certificate((certs / f"{leaf}.pem").read_bytes())
        cert.verify_directly_issued_by(ca)
        assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert oct((certs / "ca.key").stat().st_mode & 0o777) == "0o600"


def test_dev_certs_keeps_an_existing_set(certs: Path) -> None:
    before = (certs / "ca.pem").read_bytes()
    assert not issue(certs, ["localhost"]).created
    assert (certs / "ca.pem").read_bytes() == before


def test_the_connection_carries_the_client_certificate_ca_and_server_name(certs: Path) -> None:
    s = Settings(
        environment="development",
        temporal_tls_cert=certs / "client.pem",
        temporal_tls_key=certs / "client.key",
        temporal_tls_ca=certs / "ca.pem",
        temporal_tls_server_name="localhost",
    )
    tls = connect_config(s)["tls"]
    assert not isinstance(tls, bool)
    assert tls.client_cert == (certs / "client.pem").read_bytes() and tls.domain == "localhost"
    assert tls.server_root_ca_cert == (certs / "ca.pem").read_bytes()


def test_an_api_key_turns_tls_on() -> None:
    cfg = connect_config(Settings(environment="development", temporal_api_key="cloud-key"))
    assert cfg["api_key"] == "cloud-key" and cfg["tls"] is True


def test_a_certificate_without_its_key_is_refused(certs: Path) -> None:
    with pytest.raises(ValueError, match="JOURNEYS_TEMPORAL_TLS_CERT and JOURNEYS_TEMPORAL_TLS_KEY"):
        Settings(environment="development", temporal_tls_cert=certs / "client.pem")


async def test_our_client_presents_its_certificate_to_a_frontend_that_requires_one(certs: Path) -> None:
    """A TLS listener standing in for the frontend: it requires a client certificate from our CA."""
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(certs / "ca.pem"))
    server_ctx.load_cert_chain(certs / "server.pem", certs / "server.key")
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    server_ctx.set_alpn_protocols(["h2"])
    peers: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        cert = writer.get_extra_info("peercert") or {}
        peers.extend(v for rdn in cert.get("subject", ()) for k, v in rdn if k == "commonName")
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    s = Settings(
        environment="development",
        temporal_address=f"127.0.0.1:{port}",
        temporal_tls_cert=certs / "client.pem",
        temporal_tls_key=certs / "client.key",
        temporal_tls_ca=certs / "ca.pem",
        temporal_tls_server_name="localhost",
    )
    async with server:
        with pytest.raises(RuntimeError):  # not a real frontend: the handshake is what we check
            await asyncio.wait_for(connect(s), timeout=30)
    assert "journeys-client" in peers


def test_cli_flags_reach_the_settings_of_the_processes(tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYS_")}
    env["JOURNEYS_ENVIRONMENT"] = "development"
    missing = tmp_path / "nowhere" / "client.pem"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "starter.cli",
            "--temporal-tls-cert",
            str(missing),
            "--temporal-tls-key",
            str(missing),
            "worker",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 8, proc.stderr
    assert "JOURNEYS_TEMPORAL_TLS_CERT" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1

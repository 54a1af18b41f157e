"""A small private PKI for Temporal's mTLS in the compose stack: one CA, a server and a client pair.

For a deployment that has no PKI of its own yet; one that has replaces these files.
Keys are EC P-256. The server certificate serves both ways (Temporal's internode TLS
uses it as a client too); the client certificate is what our worker, API, setup and
the Temporal UI present to the frontend.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

FILES = ("ca.pem", "ca.key", "server.pem", "server.key", "client.pem", "client.key")


@dataclass(frozen=True)
class Issued:
    directory: Path
    created: bool


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CAR-T journeys"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    signer: ec.EllipticCurvePrivateKey,
    days: int,
    *,
    ca: bool = False,
    sans: list[str] | None = None,
    usages: list[x509.ObjectIdentifier] | None = None,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    if sans:
        names: list[x509.GeneralName] = []
        for san in sans:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(san)))
            except ValueError:
                names.append(x509.DNSName(san))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    return builder.sign(signer, hashes.SHA256())


def issue(
    directory: Path, server_names: list[str], *, days: int = 365, force: bool = False, key_mode: int = 0o600
) -> Issued:
    """Writes FILES into `directory`; keeps an existing set unless `force` (idempotent for compose)."""
    directory.mkdir(parents=True, exist_ok=True)
    if not force and all((directory / f).exists() for f in FILES):
        return Issued(directory, created=False)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("CAR-T journeys Temporal CA")
    ca = _cert("CAR-T journeys Temporal CA", ca_key, ca_name, ca_key, days * 5, ca=True)
    server_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    server = _cert(
        server_names[0],
        server_key,
        ca_name,
        ca_key,
        days,
        sans=server_names,
        usages=[ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
    )
    client = _cert("journeys-client", client_key, ca_name, ca_key, days, usages=[ExtendedKeyUsageOID.CLIENT_AUTH])
    for name, cert, key in (("ca", ca, ca_key), ("server", server, server_key), ("client", client, client_key)):
        (directory / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        path = directory / f"{name}.key"
        path.write_bytes(_key_pem(key))
        os.chmod(path, 0o600 if name == "ca" else key_mode)  # the CA key never leaves this host
    return Issued(directory, created=True)

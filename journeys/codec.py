"""AES-GCM payload codec: the Temporal server stores only ciphertext.

The key id travels in each payload's metadata, so rotating keys means adding a
new key first in JOURNEYS_CODEC_KEY; payloads written under older keys still decrypt.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
NONCE_BYTES = 12


class KeyringError(ValueError):
    pass


def parse_keyring(spec: str) -> dict[str, bytes]:
    """`kid:base64key[,kid:base64key...]`; the first entry is the one that encrypts."""
    keys: dict[str, bytes] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kid, sep, b64 = part.partition(":")
        if not sep or not kid:
            raise KeyringError("each codec key must look like 'kid:base64key'")
        try:
            key = base64.b64decode(b64, validate=True)
        except ValueError as e:
            raise KeyringError(f"codec key {kid!r} is not valid base64") from e
        if len(key) not in (16, 24, 32):
            raise KeyringError(f"codec key {kid!r} must be 16, 24 or 32 bytes, got {len(key)}")
        keys[kid] = key
    if not keys:
        raise KeyringError("no codec key configured")
    return keys


class EncryptionCodec(PayloadCodec):
    def __init__(self, keyring: dict[str, bytes]) -> None:
        self._ciphers = {kid: AESGCM(key) for kid, key in keyring.items()}
        self._active = next(iter(keyring))

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encode_one(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decode_one(p) for p in payloads]

    def encode_one(self, payload: Payload) -> Payload:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self._active].encrypt(nonce, payload.SerializeToString(), None)
        return Payload(
            metadata={"encoding": ENCODING, "encryption-key-id": self._active.encode()},
            data=nonce + sealed,
        )

    def decode_one(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        kid = payload.metadata.get("encryption-key-id", b"").decode()
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise KeyringError(f"payload was encrypted with unknown key id {kid!r}")
        data = payload.data
        return Payload.FromString(cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], None))

    def key_ids(self) -> Iterable[str]:
        return self._ciphers.keys()

"""AES-GCM payload codec: the Temporal server stores only ciphertext.

The key id travels in each payload's metadata, so rotating keys means adding a
new key first in JOURNEYS_CODEC_KEY; payloads written under older keys still decrypt.

Each ciphertext is bound to its workflow: the SDK hands the codec a serialization
context (namespace + workflow id), which goes into the payload's metadata and into
AES-GCM's associated data. A worker decoding for workflow B refuses a payload sealed
for workflow A (replayed or copied), and refuses any payload that is not encrypted at
all (forged in plain text), so only holders of the key can feed a journey.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec, SerializationContext, WithSerializationContext

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
BINDING = "encryption-binding"
NONCE_BYTES = 12


class KeyringError(ValueError):
    pass


class PayloadRefused(ValueError):
    """A payload this codec will not turn into plaintext: unencrypted, bound elsewhere, or tampered."""


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
        if kid in keys:
            raise KeyringError(f"codec key id {kid!r} appears twice")
        keys[kid] = key
    if not keys:
        raise KeyringError("no codec key configured")
    return keys


def binding_for(context: SerializationContext) -> str | None:
    workflow_id = getattr(context, "workflow_id", None)
    namespace = getattr(context, "namespace", None)
    return f"{namespace}/{workflow_id}" if workflow_id else None


class EncryptionCodec(PayloadCodec, WithSerializationContext):
    """`strict`: refuse payloads that are not ours (workers, clients); off for the UI's codec endpoint,
    which only displays. `allow_unbound`: accept ciphertexts sealed before binding existed."""

    def __init__(
        self, keyring: dict[str, bytes], *, strict: bool = True, allow_unbound: bool = False, binding: str | None = None
    ) -> None:
        self._keyring = keyring
        self._ciphers = {kid: AESGCM(key) for kid, key in keyring.items()}
        self._active = next(iter(keyring))
        self.strict, self.allow_unbound, self.binding = strict, allow_unbound, binding

    def with_context(self, context: SerializationContext) -> EncryptionCodec:
        binding = binding_for(context)
        if binding is None:
            return self
        return EncryptionCodec(self._keyring, strict=self.strict, allow_unbound=self.allow_unbound, binding=binding)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encode_one(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decode_one(p) for p in payloads]

    def encode_one(self, payload: Payload) -> Payload:
        nonce = os.urandom(NONCE_BYTES)
        aad = self.binding.encode() if self.binding else None
        sealed = self._ciphers[self._active].encrypt(nonce, payload.SerializeToString(), aad)
        metadata = {"encoding": ENCODING, KEY_ID: self._active.encode()}
        if aad:
            metadata[BINDING] = aad
        return Payload(metadata=metadata, data=nonce + sealed)

    def decode_one(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            if self.strict:
                raise PayloadRefused("refusing an unencrypted payload (every payload must be sealed by our codec)")
            return payload
        kid = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise KeyringError(f"payload was encrypted with unknown key id {kid!r}")
        bound = payload.metadata.get(BINDING)
        if self.binding is not None:
            if bound is None and not self.allow_unbound:
                raise PayloadRefused("refusing a payload not bound to any workflow")
            if bound is not None and bound != self.binding.encode():
                raise PayloadRefused("refusing a payload sealed for another workflow")
        data = payload.data
        if len(data) <= NONCE_BYTES:
            raise PayloadRefused("payload is too short to be a ciphertext")
        try:
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], bound or None)
        except InvalidTag:
            raise PayloadRefused("payload failed authentication (tampered, or sealed with another key)") from None
        try:
            return Payload.FromString(plain)
        except DecodeError:
            raise PayloadRefused("decrypted bytes are not a payload") from None

    def key_ids(self) -> Iterable[str]:
        return self._ciphers.keys()

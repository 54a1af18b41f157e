"""The patient reference at rest: sealed with a per-journey data key, so erasure is destroying a key.

Envelope encryption: each journey gets a random AES-256 data key, stored wrapped (AES-GCM) under
the active codec key (`JOURNEYS_CODEC_KEY`, so rotation works as for payloads: the key id travels
with the wrapped key, older keys still unwrap). The `journey_started` event stores
`sealed:v1:<base64>` in place of the reference. The seal is deterministic per journey and
sequence number (nonce derived from the data key), so a retried append writes the very same
bytes and the store's idempotent append still recognises it. Erasing nulls the wrapped key:
the ciphertext stays in the log, its hash chain still verifies, and nobody can read it again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.events import EventRecord
from journeys.codec import KeyringError, parse_keyring
from journeys.settings import Settings
from store.personal import KeyStore, key_store_for

SEALED = "sealed:v1:"
ERASED = "[erased]"
PERSONAL_FIELDS = ("patient_ref",)
NONCE = 12


def _aad(journey_id: str, what: str) -> bytes:
    return f"{what}:{journey_id}".encode()


class PatientDataVault:
    def __init__(self, keys: KeyStore, keyring: dict[str, bytes]) -> None:
        self.keys, self.keyring = keys, keyring
        self._active = next(iter(keyring))

    async def _data_key(self, journey_id: str, *, create: bool) -> bytes | None:
        stored = await self.keys.get(journey_id)
        if stored is None:
            if not create:
                return None
            nonce = os.urandom(NONCE)
            wrapped = nonce + AESGCM(self.keyring[self._active]).encrypt(
                nonce, os.urandom(32), _aad(journey_id, "journey-key")
            )
            stored = await self.keys.put_if_absent(journey_id, self._active, wrapped)
        if stored.wrapped is None:
            return None
        kek = self.keyring.get(stored.kid)
        if kek is None:
            raise KeyringError(f"journey key of {journey_id} is wrapped under unknown codec key {stored.kid!r}")
        blob = stored.wrapped
        return AESGCM(kek).decrypt(blob[:NONCE], blob[NONCE:], _aad(journey_id, "journey-key"))

    async def seal(self, journey_id: str, records: list[EventRecord]) -> list[EventRecord]:
        """The records with every personal field sealed (called before the append)."""
        out = []
        for r in records:
            fields = {
                k: v
                for k, v in r.payload.items()
                if k in PERSONAL_FIELDS and isinstance(v, str) and not v.startswith(SEALED)
            }
            if fields:
                key = await self._data_key(journey_id, create=True)
                sealed = {k: self._seal_one(key, journey_id, r.seq, k, v) for k, v in fields.items()}
                r = r.model_copy(update={"payload": {**r.payload, **sealed}})
            out.append(r)
        return out

    @staticmethod
    def _seal_one(key: bytes | None, journey_id: str, seq: int, field: str, value: str) -> str:
        if key is None:  # erased before its start was even recorded: keep nothing
            return ERASED
        nonce = hmac.new(key, f"{journey_id}:{seq}:{field}".encode(), hashlib.sha256).digest()[:NONCE]
        sealed = AESGCM(key).encrypt(nonce, value.encode(), _aad(journey_id, field))
        return SEALED + base64.b64encode(nonce + sealed).decode()

    async def reveal(self, journey_id: str, payload: dict[str, object]) -> dict[str, object]:
        """The payload with personal fields readable again, or `[erased]` once the key is gone."""
        fields = [k for k in PERSONAL_FIELDS if isinstance(payload.get(k), str)]
        if not fields:
            return payload
        stored = await self.keys.get(journey_id)
        if stored is not None and stored.wrapped is None:
            return {**payload, **{k: ERASED for k in fields}}
        key = await self._data_key(journey_id, create=False)
        out = dict(payload)
        for k in fields:
            value = str(payload[k])
            if not value.startswith(SEALED):
                continue  # recorded before sealing existed
            if key is None:
                out[k] = ERASED
                continue
            blob = base64.b64decode(value.removeprefix(SEALED))
            try:
                out[k] = AESGCM(key).decrypt(blob[:NONCE], blob[NONCE:], _aad(journey_id, k)).decode()
            except InvalidTag:
                out[k] = ERASED
        return out

    async def erase(self, journey_id: str, actor: str) -> None:
        await self.keys.erase(journey_id, actor)


def patient_data_vault(settings: Settings, event_store: object) -> PatientDataVault:
    """The vault beside an event store, its keys wrapped under the codec keyring."""
    return PatientDataVault(key_store_for(event_store), parse_keyring(settings.codec_key.get_secret_value()))

"""Encryption at rest of personal data: a mapper that seals every `Personal` value in an event with
the youth's own data key (AES-GCM, the event's identity as associated data) and opens it on the way
back. A destroyed key (crypto-shredding) gives erased values, never an exception."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from eventsourcing.persistence import Mapper, StoredEvent, Transcoding
from eventsourcing.utils import get_topic

from ledger.crypto import DecryptionError, open_sealed, seal
from ledger.personal import ERASED, Personal, walk


class Keyring(Protocol):
    def key_for(self, owner_id: str, *, create: bool) -> bytes | None:
        """The owner's data key; None once destroyed (or never made, when not creating)."""

    def erased(self, owner_id: str) -> None:
        """The owner is erased: drop any cached copy of the key and keep none from now on."""


@dataclass(frozen=True)
class Sealed:
    blob: bytes


class SealedAsBase64(Transcoding):
    type = Sealed
    name = "sealed"

    def encode(self, obj: Sealed) -> str:
        return base64.b64encode(obj.blob).decode()

    def decode(self, data: str) -> Sealed:
        return Sealed(base64.b64decode(data))


class SealingMapper(Mapper[Any]):
    keyring: Keyring | None = None
    on_erased: Callable[[str], None] | None = None

    def _aad(self, originator_id: object, version: int, topic: str, path: str) -> bytes:
        return f"{originator_id}|{version}|{topic}|{path}".encode()

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        topic = get_topic(domain_event.__class__)
        state = dict(vars(domain_event))
        owner = str(state["originator_id"])
        version = state["originator_version"]

        def sealed(item: Personal, path: str) -> object:
            if item.value is None:
                return None
            assert self.keyring is not None, "the mapper needs a keyring before it stores events"
            key = self.keyring.key_for(owner, create=True)
            if key is None:
                msg = (
                    "the youth's personal data has been erased; no new personal data can be stored"
                )
                raise ValueError(msg)
            return Sealed(seal(key, item.value, self._aad(owner, version, topic, path)))

        sealed_state = {k: walk(v, sealed, k) for k, v in state.items()}
        clone = object.__new__(type(domain_event))
        object.__setattr__(clone, "__dict__", sealed_state)
        return super().to_stored_event(clone)

    def restamped(self, stored_event: StoredEvent, timestamp: datetime) -> StoredEvent:
        """The same stored event with another recorded time, for the recorder to give an event the
        time of its place in the log. Sealed values are carried over as they are: their associated
        data does not include the time, and no key is needed."""
        state = stored_event.state
        if self.cipher:
            state = self.cipher.decrypt(state)
        if self.compressor:
            state = self.compressor.decompress(state)
        event_state = self.transcoder.decode(state)
        event_state["timestamp"] = timestamp
        state = self.transcoder.encode(event_state)
        if self.compressor:
            state = self.compressor.compress(state)
        if self.cipher:
            state = self.cipher.encrypt(state)
        return StoredEvent(
            originator_id=stored_event.originator_id,
            originator_version=stored_event.originator_version,
            topic=stored_event.topic,
            state=state,
        )

    def to_sealed_domain_event(self, stored_event: StoredEvent) -> Any:
        """The domain event with its personal values left sealed (`Sealed`), for a reader that
        needs none of them: no data key is read and nothing is decrypted."""
        return super().to_domain_event(stored_event)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        event = self.to_sealed_domain_event(stored_event)
        owner = str(stored_event.originator_id)
        state = event.__dict__
        if type(event).__qualname__ == "Youth.Erased" and self.keyring is not None:
            self.keyring.erased(owner)
        keys: list[bytes | None] = []  # looked up at the first sealed value only

        def opened(value: Sealed, path: str) -> object:
            if not keys:
                keys.append(
                    self.keyring.key_for(owner, create=False) if self.keyring is not None else None
                )
            key = keys[0]
            if key is None:
                return ERASED
            aad = self._aad(owner, stored_event.originator_version, stored_event.topic, path)
            try:
                return Personal(open_sealed(key, value.blob, aad))
            except DecryptionError:
                # A payload moved to another row or tampered with: never show it as genuine.
                return ERASED

        for name in list(state):
            state[name] = walk(state[name], opened, name, Sealed)
        return event

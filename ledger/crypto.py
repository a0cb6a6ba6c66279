"""Cryptographic primitives for field encryption at rest and the personnummer blind index.

Owns envelope encryption (AES-256-GCM data keys wrapped under a master key with RFC 3394),
per-purpose key derivation (HKDF-SHA256) and keyed lookup tokens (HMAC-SHA256). No I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

__all__ = [
    "KEY_SIZE",
    "NONCE_SIZE",
    "TAG_SIZE",
    "DecryptionError",
    "derive_key",
    "lookup_token",
    "new_data_key",
    "open_sealed",
    "seal",
    "unwrap_key",
    "wrap_key",
]

KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16


class DecryptionError(Exception):
    """Wrong key, tampered ciphertext or wrong associated data; deliberately says no more."""


def new_data_key() -> bytes:
    """A fresh random 256-bit data key (DEK)."""
    return secrets.token_bytes(KEY_SIZE)


def wrap_key(master_key: bytes, data_key: bytes) -> bytes:
    """Wrap ``data_key`` under ``master_key`` with RFC 3394 AES key wrap (40 bytes out)."""
    _require_key(master_key, "master_key")
    _require_key(data_key, "data_key")
    return aes_key_wrap(master_key, data_key)


def unwrap_key(master_key: bytes, wrapped: bytes) -> bytes:
    """Unwrap a data key; raises DecryptionError if the master key or the blob is wrong."""
    _require_key(master_key, "master_key")
    try:
        data_key = aes_key_unwrap(master_key, wrapped)
    except (InvalidUnwrap, ValueError):
        msg = "wrapped key: integrity check failed (wrong master key or corrupted data)"
        raise DecryptionError(msg) from None
    if len(data_key) != KEY_SIZE:
        msg = "wrapped key: unwrapped key has the wrong length"
        raise DecryptionError(msg)
    return data_key


def seal(data_key: bytes, plaintext: str, associated_data: bytes) -> bytes:
    """Encrypt with AES-256-GCM under a random 96-bit nonce; returns nonce || ciphertext || tag.

    ``associated_data`` binds the ciphertext to its context (event id, version, key id, …):
    opening it under any other associated data fails.
    """
    _require_key(data_key, "data_key")
    nonce = secrets.token_bytes(NONCE_SIZE)
    return nonce + AESGCM(data_key).encrypt(nonce, plaintext.encode("utf-8"), associated_data)


def open_sealed(data_key: bytes, sealed: bytes, associated_data: bytes) -> str:
    """Decrypt the output of :func:`seal`; raises DecryptionError on any mismatch."""
    _require_key(data_key, "data_key")
    if len(sealed) < NONCE_SIZE + TAG_SIZE:
        msg = "sealed value: too short to hold a nonce and a tag"
        raise DecryptionError(msg)
    nonce, body = sealed[:NONCE_SIZE], sealed[NONCE_SIZE:]
    try:
        plaintext = AESGCM(data_key).decrypt(nonce, body, associated_data)
    except InvalidTag:
        msg = "sealed value: authentication failed (wrong key, associated data or tampered)"
        raise DecryptionError(msg) from None
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:
        msg = "sealed value: plaintext is not UTF-8"
        raise DecryptionError(msg) from None


def derive_key(master_key: bytes, purpose: str) -> bytes:
    """A 32-byte subkey for one purpose (HKDF-SHA256, no salt, info = purpose in UTF-8).

    Deterministic for the same inputs; different purposes give independent keys, e.g.
    ``"lookup-hmac"`` for the blind index and ``"key-wrap"`` for wrapping data keys.
    """
    _require_key(master_key, "master_key")
    if not purpose:
        msg = "purpose: must not be empty"
        raise ValueError(msg)
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None, info=purpose.encode())
    return hkdf.derive(master_key)


def lookup_token(lookup_key: bytes, value: str) -> str:
    """Keyed blind index: HMAC-SHA256 of ``value`` (UTF-8) as lowercase hex.

    Pass the canonical form (e.g. ``PersonalNumber.digits``) so that every spelling of the
    same number yields the same token. Without the key the token cannot be brute-forced.
    """
    _require_key(lookup_key, "lookup_key")
    return hmac.new(lookup_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _require_key(key: bytes, name: str) -> None:
    if len(key) != KEY_SIZE:
        msg = f"{name}: must be exactly {KEY_SIZE} bytes"
        raise ValueError(msg)

"""Signed tree heads as C2SP checkpoints in signed-note form (Ed25519, signature type 0x01),
and the offline evidence bundle that ties one leaf to such a checkpoint.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.merkle import HASH_SIZE, ProofError, hash_leaf, verify_inclusion

BUNDLE_FORMAT = "consent-ledger-bundle/v1"

_SIG_TYPE_ED25519 = 0x01
_SIG_PREFIX = "\u2014 "  # em dash, space
_ED25519_KEY_SIZE = 32
_ED25519_SIG_SIZE = 64
# c2sp.org/signed-note: verifiers must accept at least 16; Go's x/mod/sumdb/note stops at 100.
_MAX_SIGNATURES = 100
_MAX_U64 = 2**64 - 1
_SIZE_RE = re.compile(r"0|[1-9][0-9]*", re.ASCII)
_HEX_RE = re.compile(r"(?:[0-9a-f]{2})*", re.ASCII)

_BUNDLE_FIELDS = frozenset(
    {
        "format",
        "position",
        "leaf",
        "leaf_hash",
        "tree_size",
        "audit_path",
        "checkpoint",
        "key_name",
        "public_key",
        "verifier_key",
    }
)


class NoteError(ValueError):
    """A signed note or checkpoint is malformed or does not verify; the message says which."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin or _has_control_chars(self.origin):
            msg = f"checkpoint origin must be one non-empty line without controls: {self.origin!r}"
            raise NoteError(msg)
        if isinstance(self.size, bool) or not 0 <= self.size <= _MAX_U64:
            msg = f"checkpoint size must be an integer in [0, 2**64), got {self.size!r}"
            raise NoteError(msg)
        if len(self.root_hash) != HASH_SIZE:
            msg = f"checkpoint root hash must be {HASH_SIZE} bytes, got {len(self.root_hash)}"
            raise NoteError(msg)

    def body(self) -> str:
        root = base64.b64encode(self.root_hash).decode("ascii")
        return f"{self.origin}\n{self.size}\n{root}\n"


def _has_control_chars(text: str) -> bool:
    return any(ord(ch) < 0x20 and ch != "\n" for ch in text)


def _check_key_name(key_name: str) -> None:
    # Names sit between "+" separators in vkeys and before a space in signature lines.
    if not key_name or "+" in key_name or any(ch.isspace() for ch in key_name):
        msg = f"key name must be non-empty, without spaces or '+': {key_name!r}"
        raise NoteError(msg)
    if _has_control_chars(key_name):
        msg = f"key name contains control characters: {key_name!r}"
        raise NoteError(msg)


def _check_public_key(public_key: bytes) -> None:
    if len(public_key) != _ED25519_KEY_SIZE:
        msg = f"Ed25519 public key must be {_ED25519_KEY_SIZE} bytes, got {len(public_key)}"
        raise NoteError(msg)


def key_id(key_name: str, public_key: bytes) -> bytes:
    _check_key_name(key_name)
    _check_public_key(public_key)
    material = key_name.encode("utf-8") + b"\n" + bytes([_SIG_TYPE_ED25519]) + public_key
    return hashlib.sha256(material).digest()[:4]


def verifier_key(key_name: str, public_key: bytes) -> str:
    encoded = base64.b64encode(bytes([_SIG_TYPE_ED25519]) + public_key).decode("ascii")
    return f"{key_name}+{key_id(key_name, public_key).hex()}+{encoded}"


def parse_verifier_key(vkey: str) -> tuple[str, bytes]:
    """Split a vkey into (key name, raw Ed25519 public key), checking its key ID."""
    # Only the first two '+' separate: the base64 key material may contain '+' itself.
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        msg = f"verifier key must be name+keyid+key: {vkey!r}"
        raise NoteError(msg)
    name, hex_id, encoded = parts
    material = _b64decode(encoded, "verifier key material")
    if len(material) != 1 + _ED25519_KEY_SIZE or material[0] != _SIG_TYPE_ED25519:
        msg = "verifier key is not an Ed25519 (type 0x01) key"
        raise NoteError(msg)
    public_key = material[1:]
    if hex_id != key_id(name, public_key).hex():
        msg = f"verifier key ID {hex_id} does not match its name and key"
        raise NoteError(msg)
    return name, public_key


def public_key_bytes(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        msg = f"{what} is not standard base64"
        raise NoteError(msg) from exc


# --------------------------------------------------------------------------------------------
# Signed notes (c2sp.org/signed-note)
# --------------------------------------------------------------------------------------------


def sign_note(text: str, key_name: str, private_key: Ed25519PrivateKey) -> str:
    if not text.endswith("\n") or _has_control_chars(text):
        msg = "note text must end in a newline and have no control characters but newlines"
        raise NoteError(msg)
    kid = key_id(key_name, public_key_bytes(private_key))
    signature = private_key.sign(text.encode("utf-8"))
    encoded = base64.b64encode(kid + signature).decode("ascii")
    return f"{text}\n{_SIG_PREFIX}{key_name} {encoded}\n"


@dataclass(frozen=True)
class _Signature:
    name: str
    key_id: bytes
    signature: bytes


def _split_note(note: str) -> tuple[str, list[_Signature]]:
    if _has_control_chars(note):
        msg = "note contains control characters other than newline"
        raise NoteError(msg)
    try:
        note.encode("utf-8")
    except UnicodeEncodeError as exc:
        msg = "note is not valid UTF-8"
        raise NoteError(msg) from exc
    # The text may itself contain empty lines; the last blank line separates the signatures.
    split = note.rfind("\n\n")
    if split < 0:
        msg = "note has no blank line before its signatures"
        raise NoteError(msg)
    text, block = note[: split + 1], note[split + 2 :]
    if not block or not block.endswith("\n"):
        msg = "note has no signature lines, or they do not end in a newline"
        raise NoteError(msg)
    lines = block[:-1].split("\n")
    if len(lines) > _MAX_SIGNATURES:
        msg = f"note has {len(lines)} signature lines; at most {_MAX_SIGNATURES} are accepted"
        raise NoteError(msg)
    signatures: list[_Signature] = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith(_SIG_PREFIX):
            msg = f"signature line {number} does not start with an em dash and a space"
            raise NoteError(msg)
        name, _, encoded = line[len(_SIG_PREFIX) :].partition(" ")
        try:
            _check_key_name(name)
        except NoteError as exc:
            msg = f"signature line {number}: {exc}"
            raise NoteError(msg) from exc
        raw = _b64decode(encoded, f"signature line {number}")
        if len(raw) < 5:
            msg = f"signature line {number} is too short to hold a key ID and signature"
            raise NoteError(msg)
        signatures.append(_Signature(name=name, key_id=raw[:4], signature=raw[4:]))
    return text, signatures


def _ed25519_valid(verifier: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    if len(signature) != _ED25519_SIG_SIZE:
        return False
    try:
        verifier.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def verify_note(note: str, key_name: str, public_key: bytes) -> str:
    """Return the note text if the given key signed it; signatures by other keys are ignored."""
    kid = key_id(key_name, public_key)
    text, signatures = _split_note(note)
    verifier = Ed25519PublicKey.from_public_bytes(public_key)
    message = text.encode("utf-8")
    verified = False
    for sig in signatures:
        # Same name or same ID alone is another key (C2SP): skip it, do not fail on it.
        if sig.name != key_name or sig.key_id != kid:
            continue
        if not _ed25519_valid(verifier, sig.signature, message):
            # A bad signature from the trusted key means tampering, not a foreign witness.
            msg = f"signature by {key_name} ({kid.hex()}) does not verify"
            raise NoteError(msg)
        verified = True
    if not verified:
        msg = f"note carries no signature by {key_name} ({kid.hex()})"
        raise NoteError(msg)
    return text


# --------------------------------------------------------------------------------------------
# Checkpoints (c2sp.org/tlog-checkpoint)
# --------------------------------------------------------------------------------------------


def sign_checkpoint(checkpoint: Checkpoint, key_name: str, private_key: Ed25519PrivateKey) -> str:
    return sign_note(checkpoint.body(), key_name, private_key)


def _parse_body(text: str) -> Checkpoint:
    if not text.endswith("\n"):
        msg = "checkpoint text must end in a newline"
        raise NoteError(msg)
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        msg = f"checkpoint needs origin, size and root lines; got {len(lines)} line(s)"
        raise NoteError(msg)
    if len(lines) > 3:
        # Checkpoint cannot carry them, and silently dropping signed lines would be worse.
        msg = "checkpoint extension lines are not supported"
        raise NoteError(msg)
    origin, size_text, root_text = lines
    if not origin:
        msg = "checkpoint origin is empty"
        raise NoteError(msg)
    if not _SIZE_RE.fullmatch(size_text):
        msg = f"checkpoint size {size_text!r} is not a decimal without leading zeros"
        raise NoteError(msg)
    root = _b64decode(root_text, "checkpoint root hash")
    # Re-encoding pins one textual form per root, so equal checkpoints have equal bodies.
    if base64.b64encode(root).decode("ascii") != root_text:
        msg = "checkpoint root hash is not canonical base64"
        raise NoteError(msg)
    return Checkpoint(origin=origin, size=int(size_text), root_hash=root)


def parse_checkpoint(note: str) -> Checkpoint:
    """Parse a checkpoint from a signed note or a bare body. Does NOT check any signature."""
    text = _split_note(note)[0] if "\n\n" in note else note
    if _has_control_chars(text):
        msg = "checkpoint contains control characters other than newline"
        raise NoteError(msg)
    return _parse_body(text)


def verify_checkpoint(note: str, key_name: str, public_key: bytes) -> Checkpoint:
    return _parse_body(verify_note(note, key_name, public_key))


def verify_checkpoint_by_any(
    note: str, trusted: Sequence[tuple[str, bytes]]
) -> tuple[Checkpoint, tuple[str, bytes]]:
    """Verify a checkpoint with whichever trusted (key name, public key) signed it, and return
    that key too. The key is picked by the name and key ID of a signature line, so a log whose
    key was rotated verifies each checkpoint with its own key; a note that none of them signed
    is refused."""
    by_id = {(name, key_id(name, public_key)): (name, public_key) for name, public_key in trusted}
    for sig in _split_note(note)[1]:
        signer = by_id.get((sig.name, sig.key_id))
        if signer is not None:
            return verify_checkpoint(note, *signer), signer
    known = ", ".join(f"{name} ({kid.hex()})" for name, kid in by_id)
    msg = f"note carries no signature by a trusted key: {known or 'none is trusted'}"
    raise NoteError(msg)


# --------------------------------------------------------------------------------------------
# Evidence bundle
# --------------------------------------------------------------------------------------------


def make_bundle(
    *,
    position: int,
    leaf: bytes,
    tree_size: int,
    audit_path: Sequence[bytes],
    note: str,
    key_name: str,
    public_key: bytes,
) -> dict[str, object]:
    """Build the bundle and verify it before returning, so a broken one never leaves the log."""
    bundle: dict[str, object] = {
        "format": BUNDLE_FORMAT,
        "position": position,
        "leaf": bytes(leaf).hex(),
        "leaf_hash": hash_leaf(leaf).hex(),
        "tree_size": tree_size,
        "audit_path": [bytes(h).hex() for h in audit_path],
        "checkpoint": note,
        "key_name": key_name,
        "public_key": bytes(public_key).hex(),
        "verifier_key": verifier_key(key_name, public_key),
    }
    verify_bundle(bundle)
    return bundle


def _field(bundle: Mapping[str, object], name: str) -> object:
    if name not in bundle:
        msg = f"bundle lacks field {name!r}"
        raise NoteError(msg)
    return bundle[name]


def _str_field(bundle: Mapping[str, object], name: str) -> str:
    value = _field(bundle, name)
    if not isinstance(value, str):
        msg = f"bundle field {name!r} must be a string"
        raise NoteError(msg)
    return value


def _int_field(bundle: Mapping[str, object], name: str) -> int:
    value = _field(bundle, name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"bundle field {name!r} must be a non-negative integer"
        raise NoteError(msg)
    return value


def _hex(value: object, what: str, size: int | None = None) -> bytes:
    if not isinstance(value, str) or not _HEX_RE.fullmatch(value):
        msg = f"bundle {what} must be lowercase hex"
        raise NoteError(msg)
    raw = bytes.fromhex(value)
    if size is not None and len(raw) != size:
        msg = f"bundle {what} must be {size} bytes, got {len(raw)}"
        raise NoteError(msg)
    return raw


def verify_bundle(
    bundle: Mapping[str, object], *, trusted_verifier_keys: Collection[str] = ()
) -> Checkpoint:
    """Check one bundle offline and return the signed checkpoint it is proven against.

    The bundle carries its own public key, so on its own this shows internal consistency only;
    pass `trusted_verifier_keys` (the log's published vkeys) to pin whose signature it is.
    """
    unknown = sorted(set(bundle) - _BUNDLE_FIELDS)
    if unknown:
        msg = f"bundle has unknown field(s): {', '.join(map(str, unknown))}"
        raise NoteError(msg)
    fmt = _field(bundle, "format")
    if fmt != BUNDLE_FORMAT:
        msg = f"bundle format is {fmt!r}, expected {BUNDLE_FORMAT!r}"
        raise NoteError(msg)
    position = _int_field(bundle, "position")
    tree_size = _int_field(bundle, "tree_size")
    leaf = _hex(_field(bundle, "leaf"), "leaf")
    leaf_hash = _hex(_field(bundle, "leaf_hash"), "leaf_hash", HASH_SIZE)
    path_value = _field(bundle, "audit_path")
    if not isinstance(path_value, list):
        msg = "bundle field 'audit_path' must be a list"
        raise NoteError(msg)
    audit_path = [_hex(h, f"audit_path[{i}]", HASH_SIZE) for i, h in enumerate(path_value)]
    note = _str_field(bundle, "checkpoint")
    key_name = _str_field(bundle, "key_name")
    public_key = _hex(_field(bundle, "public_key"), "public_key", _ED25519_KEY_SIZE)
    vkey = _str_field(bundle, "verifier_key")

    if vkey != verifier_key(key_name, public_key):
        msg = "bundle verifier_key does not match its key_name and public_key"
        raise NoteError(msg)
    if trusted_verifier_keys and vkey not in trusted_verifier_keys:
        msg = f"bundle is signed by {vkey}, not the expected {' or '.join(trusted_verifier_keys)}"
        raise NoteError(msg)
    if hash_leaf(leaf) != leaf_hash:
        msg = "bundle leaf_hash is not the RFC 6962 hash of its leaf"
        raise ProofError(msg)
    checkpoint = verify_checkpoint(note, key_name, public_key)
    if tree_size != checkpoint.size:
        msg = f"bundle tree_size {tree_size} differs from the signed checkpoint's {checkpoint.size}"
        raise NoteError(msg)
    try:
        verify_inclusion(position, checkpoint.size, leaf_hash, audit_path, checkpoint.root_hash)
    except ProofError as exc:
        msg = f"leaf at position {position} is not proven in the signed checkpoint: {exc}"
        raise ProofError(msg) from exc
    return checkpoint

"""Key material on disk (LEDGER_KEY_DIR) or from the environment.

Owns the master key (for wrapping data keys) and the Ed25519 checkpoint signing key: loading,
first-use creation that is race-safe across processes, and refusing loosely-permissioned files;
rotating the signing key, whose public key then stays trusted for verification only.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoint import NoteError, parse_verifier_key, verifier_key

__all__ = [
    "DEFAULT_SIGNING_KEY_NAME",
    "MASTER_KEY_SIZE",
    "KeyDirectory",
    "KeyMaterialError",
    "public_key_bytes",
]

MASTER_KEY_SIZE = 32
DEFAULT_SIGNING_KEY_NAME = "consent-ledger"

ENV_MASTER_KEY = "LEDGER_MASTER_KEY"
ENV_SIGNING_KEY_FILE = "LEDGER_SIGNING_KEY_FILE"
ENV_SIGNING_KEY_NAME = "LEDGER_CHECKPOINT_KEY_NAME"
ENV_RETIRED_KEYS = "LEDGER_RETIRED_CHECKPOINT_KEYS"

MASTER_KEY_FILE = "master.key"
SIGNING_KEY_FILE = "checkpoint-signing.pem"
PUBLIC_KEY_FILE = "checkpoint-signing.pub"
RETIRED_KEYS_FILE = "retired-checkpoint-keys"

_PRIVATE_MODE = 0o600
_PUBLIC_MODE = 0o644
_DIR_MODE = 0o700
# C2SP signed-note key names: non-empty, no whitespace, no '+'.
_KEY_NAME = re.compile(r"[^\s+]+")


class KeyMaterialError(Exception):
    """Key material is missing, malformed or insecurely stored. Never carries key bytes."""


@dataclass
class KeyDirectory:
    """A directory holding key files; environment variables take precedence over it."""

    path: Path

    def master_key(self, env: Mapping[str, str]) -> bytes:
        """The 32-byte master key.

        From ``LEDGER_MASTER_KEY`` (base64 of exactly 32 bytes) if set, else from
        ``<path>/master.key`` (base64 text), created with 32 random bytes on first use.
        """
        if ENV_MASTER_KEY in env:
            return _decode_master_key(env[ENV_MASTER_KEY], source=ENV_MASTER_KEY)
        key_file = self.path / MASTER_KEY_FILE
        content = _read_or_create_private(key_file, _new_master_key_file)
        try:
            text = content.decode("ascii")
        except UnicodeDecodeError:
            msg = f"{key_file}: not base64 text"
            raise KeyMaterialError(msg) from None
        return _decode_master_key(text, source=str(key_file))

    def signing_key(self, env: Mapping[str, str]) -> tuple[str, Ed25519PrivateKey]:
        """The checkpoint key name and Ed25519 private key.

        The name comes from ``LEDGER_CHECKPOINT_KEY_NAME`` (default ``consent-ledger``); the key
        from the PEM file named by ``LEDGER_SIGNING_KEY_FILE``, else from
        ``<path>/checkpoint-signing.pem``, created on first use together with
        ``<path>/checkpoint-signing.pub`` (raw public key as lowercase hex).
        """
        name = env.get(ENV_SIGNING_KEY_NAME, DEFAULT_SIGNING_KEY_NAME)
        if not _KEY_NAME.fullmatch(name):
            msg = f"{ENV_SIGNING_KEY_NAME}: must be non-empty without whitespace or '+'"
            raise KeyMaterialError(msg)

        override = env.get(ENV_SIGNING_KEY_FILE)
        if override is not None:
            if not override:
                msg = f"{ENV_SIGNING_KEY_FILE}: must not be empty"
                raise KeyMaterialError(msg)
            pem_file = Path(override)
            try:
                pem = _read_private(pem_file)
            except FileNotFoundError:
                msg = f"{ENV_SIGNING_KEY_FILE}: {pem_file} does not exist"
                raise KeyMaterialError(msg) from None
            return name, _load_ed25519(pem, source=str(pem_file))

        pem_file = self.path / SIGNING_KEY_FILE
        pem = _read_or_create_private(pem_file, _new_signing_pem)
        private_key = _load_ed25519(pem, source=str(pem_file))
        self._ensure_public_key_file(private_key)
        return name, private_key

    def retired_keys(self, env: Mapping[str, str]) -> list[tuple[str, bytes]]:
        """The (key name, public key) of each retired checkpoint key: trusted to verify old
        checkpoints, never to sign. From ``<path>/retired-checkpoint-keys``, one C2SP verifier key
        (``name+keyid+base64``) per line, blank lines and ``#`` comments ignored, then from
        ``LEDGER_RETIRED_CHECKPOINT_KEYS`` (verifier keys separated by commas)."""
        retired_file = self.path / RETIRED_KEYS_FILE
        text = _read_public(retired_file)
        keys = [
            _parse_vkey(line.strip(), source=f"{retired_file}: line {number}")
            for number, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")
        ]
        items = env.get(ENV_RETIRED_KEYS, "").split(",")
        keys += [
            _parse_vkey(item.strip(), source=f"{ENV_RETIRED_KEYS}: entry {number}")
            for number, item in enumerate(items, start=1)
            if item.strip()
        ]
        return keys

    def verifier_keys(self, env: Mapping[str, str]) -> list[str]:
        """The trusted C2SP verifier keys: the current signing key's first, then the retired."""
        name, private_key = self.signing_key(env)
        current = verifier_key(name, public_key_bytes(private_key))
        return [current, *(verifier_key(n, k) for n, k in self.retired_keys(env))]

    def rotate_signing_key(self, env: Mapping[str, str]) -> tuple[str, str]:
        """Retire the current checkpoint signing key and make a new one; return the verifier keys
        (retired, new).

        The old public key is added to ``retired-checkpoint-keys`` first, then the private key
        file is replaced (the old private key is gone) and ``checkpoint-signing.pub`` rewritten,
        each file atomically. A crash in between leaves one usable key whose ``.pub`` file is
        re-derived on load. The key name is today's ``LEDGER_CHECKPOINT_KEY_NAME``. A key from
        ``LEDGER_SIGNING_KEY_FILE`` is managed elsewhere and is not rotated here.
        """
        if env.get(ENV_SIGNING_KEY_FILE) is not None:
            msg = (
                f"{ENV_SIGNING_KEY_FILE} is set: that key is managed outside {self.path}; "
                f"replace it there and list the old verifier key in {ENV_RETIRED_KEYS}"
            )
            raise KeyMaterialError(msg)
        pem_file = self.path / SIGNING_KEY_FILE
        if not pem_file.exists():
            msg = f"{pem_file}: no checkpoint signing key to rotate (one is made on first use)"
            raise KeyMaterialError(msg)
        with self._rotation_lock():
            name, old_key = self.signing_key(env)
            retired = verifier_key(name, public_key_bytes(old_key))
            self._retire(retired)
            new_pem = _new_signing_pem()
            public_hex = public_key_bytes(_load_ed25519(new_pem, source="the new key")).hex()
            pub_file = self.path / PUBLIC_KEY_FILE
            try:
                # Without a .pub file a crash before the last step leaves nothing that disagrees.
                pub_file.unlink(missing_ok=True)
                _replace_file(pem_file, new_pem, _PRIVATE_MODE)
                _replace_file(pub_file, f"{public_hex}\n".encode("ascii"), _PUBLIC_MODE)
            except OSError as exc:
                msg = f"{pem_file}: cannot be replaced"
                raise KeyMaterialError(msg) from exc
            _, new_key = self.signing_key(env)
        return retired, verifier_key(name, public_key_bytes(new_key))

    @contextlib.contextmanager
    def _rotation_lock(self) -> Iterator[None]:
        """One rotation at a time, across processes: two at once could each rewrite the retired
        keys from a stale copy and drop a key that signed checkpoints."""
        try:
            handle = open(self.path / ".rotation.lock", "a")  # noqa: SIM115
        except OSError as exc:
            msg = f"{self.path}: cannot take the rotation lock"
            raise KeyMaterialError(msg) from exc
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def _retire(self, vkey: str) -> None:
        retired_file = self.path / RETIRED_KEYS_FILE
        text = _read_public(retired_file)
        lines = [line.strip() for line in text.splitlines()]
        if vkey in lines:
            return  # retired by an earlier rotation that stopped before replacing the key
        if text and not text.endswith("\n"):
            text += "\n"
        try:
            _replace_file(retired_file, f"{text}{vkey}\n".encode(), _PUBLIC_MODE)
        except OSError as exc:
            msg = f"{retired_file}: cannot be written"
            raise KeyMaterialError(msg) from exc

    def _ensure_public_key_file(self, private_key: Ed25519PrivateKey) -> None:
        pub_file = self.path / PUBLIC_KEY_FILE
        expected = public_key_bytes(private_key).hex() + "\n"
        if not pub_file.exists():
            try:
                _create_exclusive(pub_file, expected.encode("ascii"), _PUBLIC_MODE)
            except OSError as exc:
                msg = f"{pub_file}: cannot be created"
                raise KeyMaterialError(msg) from exc
        try:
            actual = pub_file.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            msg = f"{pub_file}: cannot be read"
            raise KeyMaterialError(msg) from exc
        if actual.strip() != expected.strip():
            msg = f"{pub_file}: does not match {SIGNING_KEY_FILE}"
            raise KeyMaterialError(msg)


def public_key_bytes(private_key: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte Ed25519 public key."""
    return private_key.public_key().public_bytes(
        encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
    )


def _read_public(path: Path) -> str:
    """A text file of public keys, or "" if there is none."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{path}: cannot be read"
        raise KeyMaterialError(msg) from exc


def _parse_vkey(text: str, *, source: str) -> tuple[str, bytes]:
    try:
        return parse_verifier_key(text)
    except NoteError:
        # The reason may quote the line; say where it is instead.
        msg = f"{source}: not a C2SP Ed25519 verifier key (name+keyid+base64)"
        raise KeyMaterialError(msg) from None


def _decode_master_key(text: str, *, source: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        msg = f"{source}: not valid base64"
        raise KeyMaterialError(msg) from None
    if len(key) != MASTER_KEY_SIZE:
        msg = f"{source}: must decode to exactly {MASTER_KEY_SIZE} bytes"
        raise KeyMaterialError(msg)
    return key


def _new_master_key_file() -> bytes:
    return base64.b64encode(secrets.token_bytes(MASTER_KEY_SIZE)) + b"\n"


def _new_signing_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def _load_ed25519(pem: bytes, *, source: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        msg = f"{source}: not an unencrypted PEM private key"
        raise KeyMaterialError(msg) from None
    if not isinstance(key, Ed25519PrivateKey):
        msg = f"{source}: not an Ed25519 private key"
        raise KeyMaterialError(msg)
    return key


def _read_or_create_private(path: Path, make: Callable[[], bytes]) -> bytes:
    """Read a private key file, creating it first if absent; all racers read the same winner."""
    try:
        return _read_private(path)
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        _create_exclusive(path, make(), _PRIVATE_MODE)
        return _read_private(path)
    except FileNotFoundError as exc:
        msg = f"{path}: vanished while being created"
        raise KeyMaterialError(msg) from exc
    except OSError as exc:
        msg = f"{path}: cannot be created"
        raise KeyMaterialError(msg) from exc


def _read_private(path: Path) -> bytes:
    """Read a file that must be a regular file with no group or other permissions.

    Raises FileNotFoundError if absent (callers decide), KeyMaterialError otherwise.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        msg = f"{path}: cannot be opened"
        raise KeyMaterialError(msg) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            msg = f"{path}: not a regular file"
            raise KeyMaterialError(msg)
        if info.st_mode & 0o077:
            msg = f"{path}: accessible by group or other (mode {stat.filemode(info.st_mode)})"
            raise KeyMaterialError(msg)
        chunks: list[bytes] = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        msg = f"{path}: cannot be read"
        raise KeyMaterialError(msg) from exc
    finally:
        os.close(fd)


def _create_exclusive(path: Path, content: bytes, mode: int) -> bool:
    """Create ``path`` with ``content`` atomically unless it exists; True if this call won.

    The content is written and fsynced to a temporary file in the same directory, which is then
    hard-linked into place: ``link`` fails if the name exists, so concurrent creators never see
    a partial file and exactly one of them wins.
    """
    temp_name = _write_temporary(path, content, mode)
    try:
        try:
            os.link(temp_name, path)
        except FileExistsError:
            return False
        _fsync_directory(path.parent)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)


def _replace_file(path: Path, content: bytes, mode: int) -> None:
    """Replace (or create) ``path`` atomically: readers see the old file or the new, whole."""
    temp_name = _write_temporary(path, content, mode)
    try:
        os.replace(temp_name, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
    _fsync_directory(path.parent)


def _write_temporary(path: Path, content: bytes, mode: int) -> str:
    """A new temporary file next to ``path``, holding ``content`` with ``mode``, fsynced."""
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    return temp_name


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

"""Key material on disk and from the environment."""

from __future__ import annotations

import base64
import os
import stat
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TypeVar

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ledger.checkpoint import verifier_key
from ledger.keys import KeyDirectory, KeyMaterialError, public_key_bytes

NO_ENV: dict[str, str] = {}
T = TypeVar("T")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _write_private(path: Path, content: bytes, mode: int = 0o600) -> Path:
    path.write_bytes(content)
    path.chmod(mode)
    return path


def _pem(private_key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def _all_at_once(count: int, call: Callable[[], T]) -> list[T]:
    """Run ``call`` in ``count`` threads released together; re-raises any thread's error."""
    barrier = threading.Barrier(count)

    def run() -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(run) for _ in range(count)]
        return [future.result() for future in futures]


def _master_key_of(path: Path) -> bytes:
    """A fresh KeyDirectory per caller, as separate processes would have."""
    return KeyDirectory(path).master_key(NO_ENV)


def _signing_key_of(path: Path) -> tuple[str, Ed25519PrivateKey]:
    return KeyDirectory(path).signing_key(NO_ENV)


# --- master key ---------------------------------------------------------------------------


def test_the_master_key_is_created_on_first_use_and_reused(tmp_path: Path) -> None:
    directory = KeyDirectory(tmp_path / "keys")

    first = directory.master_key(NO_ENV)
    second = directory.master_key(NO_ENV)
    from_a_fresh_instance = KeyDirectory(tmp_path / "keys").master_key(NO_ENV)

    assert len(first) == 32
    assert first == second == from_a_fresh_instance


def test_the_master_key_file_holds_base64_text_of_the_key(tmp_path: Path) -> None:
    key = KeyDirectory(tmp_path).master_key(NO_ENV)

    text = (tmp_path / "master.key").read_text(encoding="ascii")

    assert base64.b64decode(text.strip(), validate=True) == key


def test_a_created_master_key_file_is_private_and_its_directory_too(tmp_path: Path) -> None:
    KeyDirectory(tmp_path / "keys").master_key(NO_ENV)

    assert _mode(tmp_path / "keys" / "master.key") == 0o600
    assert _mode(tmp_path / "keys") & 0o077 == 0


def test_creating_a_master_key_leaves_no_temporary_files(tmp_path: Path) -> None:
    KeyDirectory(tmp_path).master_key(NO_ENV)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key"]


def test_the_environment_master_key_wins_and_no_file_is_created(tmp_path: Path) -> None:
    key = os.urandom(32)
    env = {"LEDGER_MASTER_KEY": base64.b64encode(key).decode()}

    assert KeyDirectory(tmp_path / "keys").master_key(env) == key
    assert not (tmp_path / "keys").exists()


def test_the_environment_master_key_may_carry_surrounding_whitespace(tmp_path: Path) -> None:
    key = os.urandom(32)
    env = {"LEDGER_MASTER_KEY": f"  {base64.b64encode(key).decode()}\n"}

    assert KeyDirectory(tmp_path).master_key(env) == key


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "exactly 32 bytes"),
        ("not base64 at all!", "not valid base64"),
        (base64.b64encode(b"k" * 32).decode()[:-2], "not valid base64"),
        (base64.b64encode(b"k" * 31).decode(), "exactly 32 bytes"),
        (base64.b64encode(b"k" * 33).decode(), "exactly 32 bytes"),
        (base64.b64encode(b"k" * 16).decode(), "exactly 32 bytes"),
        (b"k".hex() * 32, "exactly 32 bytes"),
    ],
)
def test_a_bad_environment_master_key_is_refused_without_echoing_it(
    tmp_path: Path, value: str, fragment: str
) -> None:
    with pytest.raises(KeyMaterialError, match=fragment) as caught:
        KeyDirectory(tmp_path).master_key({"LEDGER_MASTER_KEY": value})

    if value:
        assert value not in f"{caught.value} {caught.value!r}"
    assert not (tmp_path / "master.key").exists()


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o620, 0o602, 0o610, 0o601])
def test_a_master_key_file_accessible_by_group_or_other_is_refused(
    tmp_path: Path, mode: int
) -> None:
    directory = KeyDirectory(tmp_path)
    directory.master_key(NO_ENV)
    (tmp_path / "master.key").chmod(mode)

    with pytest.raises(KeyMaterialError, match="accessible by group or other"):
        directory.master_key(NO_ENV)


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_a_master_key_file_private_to_its_owner_is_accepted(tmp_path: Path, mode: int) -> None:
    key = os.urandom(32)
    _write_private(tmp_path / "master.key", base64.b64encode(key) + b"\n", mode)

    assert KeyDirectory(tmp_path).master_key(NO_ENV) == key


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "exactly 32 bytes"),
        (b"not base64!\n", "not valid base64"),
        (base64.b64encode(b"k" * 24), "exactly 32 bytes"),
        (b"\xff\xfe", "not base64 text"),
    ],
)
def test_a_corrupt_master_key_file_is_refused_rather_than_replaced(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    _write_private(tmp_path / "master.key", content)

    with pytest.raises(KeyMaterialError, match=fragment):
        KeyDirectory(tmp_path).master_key(NO_ENV)
    assert (tmp_path / "master.key").read_bytes() == content


def test_a_directory_in_place_of_the_master_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "master.key").mkdir(mode=0o700)

    with pytest.raises(KeyMaterialError):
        KeyDirectory(tmp_path).master_key(NO_ENV)


def test_concurrent_creators_of_the_master_key_agree_on_one_key(tmp_path: Path) -> None:
    for attempt in range(10):
        path = tmp_path / f"attempt-{attempt}"

        results = _all_at_once(8, partial(_master_key_of, path))

        assert len(set(results)) == 1
        assert sorted(p.name for p in path.iterdir()) == ["master.key"]


def test_a_creator_that_loses_the_race_returns_the_winners_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = os.urandom(32)
    real_link = os.link

    def another_process_links_first(source: str, target: str) -> None:
        _write_private(Path(target), base64.b64encode(winner) + b"\n")
        real_link(source, target)

    monkeypatch.setattr(os, "link", another_process_links_first)

    assert KeyDirectory(tmp_path).master_key(NO_ENV) == winner
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key"]


# --- checkpoint signing key ---------------------------------------------------------------


def test_the_signing_key_is_created_on_first_use_and_reused(tmp_path: Path) -> None:
    directory = KeyDirectory(tmp_path / "keys")

    name, first = directory.signing_key(NO_ENV)
    _, second = directory.signing_key(NO_ENV)
    _, from_a_fresh_instance = KeyDirectory(tmp_path / "keys").signing_key(NO_ENV)

    assert name == "consent-ledger"
    assert public_key_bytes(first) == public_key_bytes(second)
    assert public_key_bytes(first) == public_key_bytes(from_a_fresh_instance)


def test_the_created_signing_key_is_a_private_pkcs8_pem_file(tmp_path: Path) -> None:
    _, private_key = KeyDirectory(tmp_path).signing_key(NO_ENV)

    pem_file = tmp_path / "checkpoint-signing.pem"
    assert _mode(pem_file) == 0o600
    assert pem_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----\n")
    loaded = serialization.load_pem_private_key(pem_file.read_bytes(), password=None)
    assert isinstance(loaded, Ed25519PrivateKey)
    assert public_key_bytes(loaded) == public_key_bytes(private_key)


def test_the_public_key_file_holds_the_raw_key_in_lowercase_hex(tmp_path: Path) -> None:
    _, private_key = KeyDirectory(tmp_path).signing_key(NO_ENV)

    text = (tmp_path / "checkpoint-signing.pub").read_text(encoding="ascii")

    assert text == public_key_bytes(private_key).hex() + "\n"
    assert text == text.lower()
    assert len(text) == 65


def test_a_checkpoint_signed_with_the_key_verifies_against_the_public_key_file(
    tmp_path: Path,
) -> None:
    _, private_key = KeyDirectory(tmp_path).signing_key(NO_ENV)
    raw = bytes.fromhex((tmp_path / "checkpoint-signing.pub").read_text(encoding="ascii"))
    note = b"consent-ledger\n3\nAAAA\n"

    Ed25519PublicKey.from_public_bytes(raw).verify(private_key.sign(note), note)


def test_a_missing_public_key_file_is_recreated_from_the_private_key(tmp_path: Path) -> None:
    directory = KeyDirectory(tmp_path)
    _, private_key = directory.signing_key(NO_ENV)
    (tmp_path / "checkpoint-signing.pub").unlink()

    directory.signing_key(NO_ENV)

    text = (tmp_path / "checkpoint-signing.pub").read_text(encoding="ascii")
    assert text == public_key_bytes(private_key).hex() + "\n"


def test_a_public_key_file_that_does_not_match_the_private_key_is_refused(
    tmp_path: Path,
) -> None:
    directory = KeyDirectory(tmp_path)
    directory.signing_key(NO_ENV)
    other = public_key_bytes(Ed25519PrivateKey.generate()).hex() + "\n"
    (tmp_path / "checkpoint-signing.pub").write_text(other, encoding="ascii")

    with pytest.raises(KeyMaterialError, match="does not match"):
        directory.signing_key(NO_ENV)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "consent-ledger"),
        ({"LEDGER_CHECKPOINT_KEY_NAME": "ledger.example.se/sig"}, "ledger.example.se/sig"),
    ],
)
def test_the_key_name_comes_from_the_environment_or_defaults(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    name, _ = KeyDirectory(tmp_path).signing_key(env)

    assert name == expected


@pytest.mark.parametrize("name", ["", "two words", "name+suffix", "tab\tname", "line\n"])
def test_a_key_name_unusable_in_a_signed_note_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(KeyMaterialError, match="LEDGER_CHECKPOINT_KEY_NAME"):
        KeyDirectory(tmp_path).signing_key({"LEDGER_CHECKPOINT_KEY_NAME": name})


def test_the_signing_key_file_from_the_environment_is_used_and_nothing_is_created(
    tmp_path: Path,
) -> None:
    expected = Ed25519PrivateKey.generate()
    pem_file = _write_private(tmp_path / "elsewhere.pem", _pem(expected))
    env = {"LEDGER_SIGNING_KEY_FILE": str(pem_file)}

    _, private_key = KeyDirectory(tmp_path / "keys").signing_key(env)

    assert public_key_bytes(private_key) == public_key_bytes(expected)
    assert not (tmp_path / "keys").exists()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "not an unencrypted PEM private key"),
        (b"-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n", "not an unen"),
        (_pem(X25519PrivateKey.generate()), "not an Ed25519 private key"),
        (
            Ed25519PrivateKey.generate().private_bytes(
                encoding=serialization.Encoding.PEM,
                format=serialization.PrivateFormat.PKCS8,
                encryption_algorithm=serialization.BestAvailableEncryption(b"secret"),
            ),
            "not an unencrypted PEM private key",
        ),
    ],
    ids=["empty", "garbage", "x25519", "encrypted"],
)
def test_a_signing_key_file_that_is_not_an_ed25519_pem_is_refused(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    pem_file = _write_private(tmp_path / "signing.pem", content)

    with pytest.raises(KeyMaterialError, match=fragment):
        KeyDirectory(tmp_path).signing_key({"LEDGER_SIGNING_KEY_FILE": str(pem_file)})


@pytest.mark.parametrize("value", ["", "missing.pem"])
def test_an_empty_or_missing_signing_key_file_setting_is_refused(
    tmp_path: Path, value: str
) -> None:
    env = {"LEDGER_SIGNING_KEY_FILE": str(tmp_path / value) if value else ""}

    with pytest.raises(KeyMaterialError, match="LEDGER_SIGNING_KEY_FILE"):
        KeyDirectory(tmp_path).signing_key(env)


@pytest.mark.parametrize("in_key_dir", [True, False], ids=["key-dir", "env-file"])
def test_a_signing_key_file_readable_by_group_or_other_is_refused(
    tmp_path: Path, in_key_dir: bool
) -> None:
    pem_file = _write_private(
        tmp_path / "checkpoint-signing.pem", _pem(Ed25519PrivateKey.generate())
    )
    pem_file.chmod(0o644)
    env = {} if in_key_dir else {"LEDGER_SIGNING_KEY_FILE": str(pem_file)}

    with pytest.raises(KeyMaterialError, match="accessible by group or other"):
        KeyDirectory(tmp_path).signing_key(env)


def test_concurrent_creators_of_the_signing_key_agree_on_one_key(tmp_path: Path) -> None:
    for attempt in range(10):
        path = tmp_path / f"attempt-{attempt}"

        results = _all_at_once(8, partial(_signing_key_of, path))

        public_keys = {public_key_bytes(key) for _, key in results}
        assert len(public_keys) == 1
        assert (path / "checkpoint-signing.pub").read_text() == public_keys.pop().hex() + "\n"
        names = sorted(p.name for p in path.iterdir())
        assert names == ["checkpoint-signing.pem", "checkpoint-signing.pub"]


def test_public_key_bytes_are_the_raw_32_byte_ed25519_key() -> None:
    private_key = Ed25519PrivateKey.generate()

    raw = public_key_bytes(private_key)

    assert len(raw) == 32
    assert Ed25519PublicKey.from_public_bytes(raw) == private_key.public_key()


# --- rotating the checkpoint signing key ---------------------------------------------------


def _vkey(name: str, private_key: Ed25519PrivateKey) -> str:
    return verifier_key(name, public_key_bytes(private_key))


def test_rotating_makes_a_new_signing_key_and_retires_the_old_public_key(tmp_path: Path) -> None:
    directory = KeyDirectory(tmp_path)
    name, old = directory.signing_key(NO_ENV)

    retired, current = directory.rotate_signing_key(NO_ENV)

    _, new = KeyDirectory(tmp_path).signing_key(NO_ENV)
    assert public_key_bytes(new) != public_key_bytes(old)
    assert (retired, current) == (_vkey(name, old), _vkey(name, new))
    assert (tmp_path / "checkpoint-signing.pub").read_text() == public_key_bytes(new).hex() + "\n"
    assert (tmp_path / "retired-checkpoint-keys").read_text() == retired + "\n"
    assert directory.retired_keys(NO_ENV) == [(name, public_key_bytes(old))]


def test_rotated_key_files_keep_their_modes_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    directory = KeyDirectory(tmp_path)
    directory.signing_key(NO_ENV)

    directory.rotate_signing_key(NO_ENV)

    assert _mode(tmp_path / "checkpoint-signing.pem") == 0o600
    assert _mode(tmp_path / "checkpoint-signing.pub") == 0o644
    assert _mode(tmp_path / "retired-checkpoint-keys") == 0o644
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        ".rotation.lock",
        "checkpoint-signing.pem",
        "checkpoint-signing.pub",
        "retired-checkpoint-keys",
    ]


def test_each_rotation_appends_the_key_it_retires_and_keeps_comments(tmp_path: Path) -> None:
    directory = KeyDirectory(tmp_path)
    (tmp_path / "retired-checkpoint-keys").write_text("# retired by hand\n", encoding="utf-8")
    name, first = directory.signing_key(NO_ENV)
    directory.rotate_signing_key(NO_ENV)
    _, second = directory.signing_key(NO_ENV)

    directory.rotate_signing_key(NO_ENV)

    text = (tmp_path / "retired-checkpoint-keys").read_text()
    assert text == f"# retired by hand\n{_vkey(name, first)}\n{_vkey(name, second)}\n"
    assert directory.verifier_keys(NO_ENV)[1:] == [_vkey(name, first), _vkey(name, second)]


def test_a_rotation_that_fails_keeps_the_old_key_and_retires_it_once_on_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = KeyDirectory(tmp_path)
    name, old = directory.signing_key(NO_ENV)
    real_replace = os.replace

    def the_disk_fails_on_the_private_key(source: str, target: str) -> None:
        if Path(target).name == "checkpoint-signing.pem":
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", the_disk_fails_on_the_private_key)
    with pytest.raises(KeyMaterialError, match="cannot be replaced"):
        directory.rotate_signing_key(NO_ENV)
    _, still = directory.signing_key(NO_ENV)
    assert public_key_bytes(still) == public_key_bytes(old)

    monkeypatch.setattr(os, "replace", real_replace)
    retired, _ = directory.rotate_signing_key(NO_ENV)

    assert retired == _vkey(name, old)
    assert (tmp_path / "retired-checkpoint-keys").read_text() == retired + "\n"


def test_rotations_at_the_same_moment_retire_every_key_that_was_ever_current(
    tmp_path: Path,
) -> None:
    """Each rotation runs alone (a file lock): none rewrites the retired keys from a stale copy."""
    first = KeyDirectory(tmp_path)
    first.signing_key(NO_ENV)
    barrier = threading.Barrier(6)
    answers: list[tuple[str, str]] = []

    def rotate() -> None:
        barrier.wait()
        answers.append(KeyDirectory(tmp_path).rotate_signing_key(NO_ENV))

    threads = [threading.Thread(target=rotate) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    current, *retired = first.verifier_keys(NO_ENV)
    assert len(answers) == 6
    assert sorted(retired) == sorted(old for old, _ in answers)  # six different keys retired
    assert len(set(retired)) == 6 and current not in retired
    assert {new for _, new in answers} - {current} <= set(retired)


def test_rotating_is_refused_when_the_key_comes_from_the_environment(tmp_path: Path) -> None:
    pem_file = _write_private(tmp_path / "elsewhere.pem", _pem(Ed25519PrivateKey.generate()))
    directory = KeyDirectory(tmp_path / "keys")
    directory.signing_key(NO_ENV)
    before = {p.name: p.read_bytes() for p in (tmp_path / "keys").iterdir()}
    outside = pem_file.read_bytes()

    with pytest.raises(KeyMaterialError, match="LEDGER_SIGNING_KEY_FILE is set") as caught:
        directory.rotate_signing_key({"LEDGER_SIGNING_KEY_FILE": str(pem_file)})

    assert "LEDGER_RETIRED_CHECKPOINT_KEYS" in str(caught.value)
    assert {p.name: p.read_bytes() for p in (tmp_path / "keys").iterdir()} == before
    assert pem_file.read_bytes() == outside


def test_rotating_before_any_key_exists_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(KeyMaterialError, match="no checkpoint signing key to rotate"):
        KeyDirectory(tmp_path).rotate_signing_key(NO_ENV)

    assert list(tmp_path.iterdir()) == []


def test_retired_keys_come_from_the_file_and_the_environment(tmp_path: Path) -> None:
    keys = [Ed25519PrivateKey.generate() for _ in range(3)]
    (tmp_path / "retired-checkpoint-keys").write_text(
        f"# first key, 2026\n{_vkey('old-ledger', keys[0])}\n\n  {_vkey('consent-ledger', keys[1])}\n",
        encoding="utf-8",
    )
    env = {"LEDGER_RETIRED_CHECKPOINT_KEYS": f" {_vkey('hsm-ledger', keys[2])} ,"}

    retired = KeyDirectory(tmp_path).retired_keys(env)

    names = ["old-ledger", "consent-ledger", "hsm-ledger"]
    assert retired == [(n, public_key_bytes(k)) for n, k in zip(names, keys, strict=True)]


def test_no_retired_keys_is_an_empty_list_and_creates_nothing(tmp_path: Path) -> None:
    assert KeyDirectory(tmp_path / "keys").retired_keys(NO_ENV) == []
    assert not (tmp_path / "keys").exists()


def test_the_verifier_keys_are_the_current_one_first_then_the_retired(tmp_path: Path) -> None:
    directory = KeyDirectory(tmp_path)
    name, old = directory.signing_key(NO_ENV)
    _, current = directory.rotate_signing_key(NO_ENV)

    assert directory.verifier_keys(NO_ENV) == [current, _vkey(name, old)]


@pytest.mark.parametrize(
    "line",
    [
        "consent-ledger+00000000+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "consent-ledger",
    ],
    ids=["wrong-key-id", "raw-hex", "name-only"],
)
def test_a_malformed_retired_key_is_refused_by_line_without_echoing_it(
    tmp_path: Path, line: str
) -> None:
    good = _vkey("consent-ledger", Ed25519PrivateKey.generate())
    (tmp_path / "retired-checkpoint-keys").write_text(f"{good}\n{line}\n", encoding="utf-8")

    with pytest.raises(KeyMaterialError, match="line 2: not a C2SP Ed25519 verifier key") as caught:
        KeyDirectory(tmp_path).retired_keys(NO_ENV)
    assert line not in str(caught.value)

    with pytest.raises(KeyMaterialError, match="LEDGER_RETIRED_CHECKPOINT_KEYS: entry 2"):
        KeyDirectory(tmp_path / "none").retired_keys(
            {"LEDGER_RETIRED_CHECKPOINT_KEYS": f"{good},{line}"}
        )

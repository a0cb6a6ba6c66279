"""Tests for ledger.checkpoint: C2SP signed notes and checkpoints (including the spec's own
example), and the offline evidence bundle with each kind of tampering.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoint import (
    BUNDLE_FORMAT,
    Checkpoint,
    NoteError,
    key_id,
    make_bundle,
    parse_checkpoint,
    parse_verifier_key,
    public_key_bytes,
    sign_checkpoint,
    sign_note,
    verifier_key,
    verify_bundle,
    verify_checkpoint,
    verify_checkpoint_by_any,
    verify_note,
)
from ledger.merkle import ProofError, encode_leaf, hash_leaf, inclusion_path_of, root_of

# c2sp.org/signed-note, "Verifier keys" > "Example" (C2SP/C2SP at 5ba5ee83).
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n"
    "\n"
    "\u2014 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)
# c2sp.org/tlog-checkpoint opening example (no verifier key is published for it).
SPEC_CHECKPOINT = (
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "\u2014 example.com/behind-the-sofa "
    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)

LOG_NAME = "ledger.example/consent-log"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"log key seed").digest())
LOG_PUB = public_key_bytes(LOG_KEY)
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"other key seed").digest())
OTHER_PUB = public_key_bytes(OTHER_KEY)

ROOT = hashlib.sha256(b"some root").digest()
CHECKPOINT = Checkpoint(origin=LOG_NAME, size=42, root_hash=ROOT)


def _signature_line(text: str, name: str, key: Ed25519PrivateKey) -> str:
    return sign_note(text, name, key).rsplit("\n\n", 1)[1]


# --------------------------------------------------------------------------------------------
# The C2SP examples
# --------------------------------------------------------------------------------------------


def test_spec_verifier_key_parses_and_reencodes_byte_for_byte() -> None:
    name, public_key = parse_verifier_key(SPEC_VKEY)
    assert name == "example.com/foo"
    assert key_id(name, public_key).hex() == "530d903a"
    assert verifier_key(name, public_key) == SPEC_VKEY


def test_spec_signed_note_example_verifies() -> None:
    name, public_key = parse_verifier_key(SPEC_VKEY)
    assert verify_note(SPEC_NOTE, name, public_key) == "This is an example message.\n"


def test_spec_signed_note_example_fails_when_its_text_changes() -> None:
    name, public_key = parse_verifier_key(SPEC_VKEY)
    with pytest.raises(NoteError, match="does not verify"):
        verify_note(SPEC_NOTE.replace("example message", "example massage"), name, public_key)


def test_spec_checkpoint_example_parses() -> None:
    checkpoint = parse_checkpoint(SPEC_CHECKPOINT)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert base64.b64encode(checkpoint.root_hash) == b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
    assert SPEC_CHECKPOINT.startswith(checkpoint.body())


# --------------------------------------------------------------------------------------------
# Signing and verifying checkpoints
# --------------------------------------------------------------------------------------------


def test_checkpoint_body_has_origin_size_and_base64_root_lines() -> None:
    root_b64 = base64.b64encode(ROOT).decode()
    assert CHECKPOINT.body() == f"{LOG_NAME}\n42\n{root_b64}\n"


def test_signed_checkpoint_has_the_c2sp_layout() -> None:
    note = sign_checkpoint(CHECKPOINT, LOG_NAME, LOG_KEY)
    body, signatures = note.split("\n\n")
    assert body + "\n" == CHECKPOINT.body()
    prefix = f"\u2014 {LOG_NAME} "
    assert signatures.startswith(prefix)
    assert signatures.endswith("\n")
    raw = base64.b64decode(signatures[len(prefix) : -1], validate=True)
    assert raw[:4] == key_id(LOG_NAME, LOG_PUB)
    assert len(raw) == 4 + 64


def test_key_id_is_the_sha256_prefix_of_name_newline_type_and_key() -> None:
    expected = hashlib.sha256(LOG_NAME.encode() + b"\n\x01" + LOG_PUB).digest()[:4]
    assert key_id(LOG_NAME, LOG_PUB) == expected
    encoded = base64.b64encode(b"\x01" + LOG_PUB).decode()
    assert verifier_key(LOG_NAME, LOG_PUB) == f"{LOG_NAME}+{expected.hex()}+{encoded}"


@pytest.mark.parametrize("size", [0, 1, 42, 2**64 - 1])
def test_checkpoint_round_trips_through_sign_and_verify(size: int) -> None:
    checkpoint = Checkpoint(origin=LOG_NAME, size=size, root_hash=ROOT)
    note = sign_checkpoint(checkpoint, LOG_NAME, LOG_KEY)
    assert verify_checkpoint(note, LOG_NAME, LOG_PUB) == checkpoint
    assert parse_checkpoint(note) == checkpoint
    assert parse_checkpoint(checkpoint.body()) == checkpoint


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("\n42\n", "\n43\n"),
        (f"{LOG_NAME}\n", f"{LOG_NAME}2\n"),
        (base64.b64encode(ROOT).decode(), base64.b64encode(bytes(32)).decode()),
    ],
)
def test_tampered_checkpoint_body_fails_verification(old: str, new: str) -> None:
    note = sign_checkpoint(CHECKPOINT, LOG_NAME, LOG_KEY)
    tampered = note.replace(old, new, 1)
    assert tampered != note
    with pytest.raises(NoteError, match="does not verify"):
        verify_checkpoint(tampered, LOG_NAME, LOG_PUB)


def test_tampered_signature_fails_verification() -> None:
    note = sign_checkpoint(CHECKPOINT, LOG_NAME, LOG_KEY)
    body, line = note.split("\n\n")
    prefix, encoded = line.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 0x40
    tampered = f"{body}\n\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        verify_checkpoint(tampered, LOG_NAME, LOG_PUB)


def test_checkpoint_signed_by_another_key_fails_verification() -> None:
    note = sign_checkpoint(CHECKPOINT, LOG_NAME, OTHER_KEY)
    with pytest.raises(NoteError, match="no signature"):
        verify_checkpoint(note, LOG_NAME, LOG_PUB)


def test_checkpoint_verified_under_a_wrong_key_name_fails() -> None:
    note = sign_checkpoint(CHECKPOINT, LOG_NAME, LOG_KEY)
    with pytest.raises(NoteError, match="no signature"):
        verify_checkpoint(note, "ledger.example/other-log", LOG_PUB)


def test_signature_line_renamed_to_claim_the_trusted_name_is_ignored_not_trusted() -> None:
    # Same name but the key ID of another key: a different key per C2SP, so it cannot count.
    note = sign_checkpoint(CHECKPOINT, "impostor", OTHER_KEY).replace("impostor", LOG_NAME)
    with pytest.raises(NoteError, match="no signature"):
        verify_checkpoint(note, LOG_NAME, LOG_PUB)


def test_trusted_signature_line_renamed_to_another_name_no_longer_counts() -> None:
    # Name and key ID together identify a key; a matching ID under another name is a stranger.
    note = sign_checkpoint(CHECKPOINT, LOG_NAME, LOG_KEY)
    renamed = note.replace(f"\u2014 {LOG_NAME} ", "\u2014 impostor ")
    with pytest.raises(NoteError, match="no signature"):
        verify_checkpoint(renamed, LOG_NAME, LOG_PUB)


def test_forged_signature_carrying_the_trusted_key_id_is_rejected() -> None:
    note = sign_checkpoint(CHECKPOINT, LOG_NAME, LOG_KEY)
    body = note.split("\n\n")[0]
    forged = base64.b64encode(key_id(LOG_NAME, LOG_PUB) + OTHER_KEY.sign(body.encode() + b"\n"))
    tampered = f"{body}\n\n\u2014 {LOG_NAME} {forged.decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        verify_checkpoint(tampered, LOG_NAME, LOG_PUB)


def test_unknown_extra_signature_lines_are_ignored() -> None:
    note = sign_checkpoint(CHECKPOINT, LOG_NAME, LOG_KEY)
    witness = _signature_line(CHECKPOINT.body(), "witness.example/w1", OTHER_KEY)
    # An unknown type of line (a made-up cosignature blob) must not matter either.
    blob = base64.b64encode(b"\x04" * 80).decode()
    opaque = f"\u2014 witness.example/w2 {blob}\n"
    for extended in (note + witness + opaque, note.replace("\n\n", "\n\n" + opaque + witness)):
        assert verify_checkpoint(extended, LOG_NAME, LOG_PUB) == CHECKPOINT
        assert verify_checkpoint(extended, "witness.example/w1", OTHER_PUB) == CHECKPOINT


def test_notes_whose_text_has_blank_lines_split_at_the_last_one() -> None:
    text = "first paragraph\n\nsecond paragraph\n"
    note = sign_note(text, LOG_NAME, LOG_KEY)
    assert verify_note(note, LOG_NAME, LOG_PUB) == text


# A rotated log: the same key name, a new key; the old public key is still trusted.
RETIRED = (LOG_NAME, OTHER_PUB)
CURRENT = (LOG_NAME, LOG_PUB)


@pytest.mark.parametrize(
    ("key", "signer"), [(LOG_KEY, CURRENT), (OTHER_KEY, RETIRED)], ids=["current", "retired"]
)
def test_a_checkpoint_verifies_with_whichever_trusted_key_signed_it(
    key: Ed25519PrivateKey, signer: tuple[str, bytes]
) -> None:
    note = sign_checkpoint(CHECKPOINT, LOG_NAME, key)
    for trusted in ([CURRENT, RETIRED], [RETIRED, CURRENT]):
        assert verify_checkpoint_by_any(note, trusted) == (CHECKPOINT, signer)


def test_a_checkpoint_signed_by_no_trusted_key_is_refused_naming_the_trusted_ones() -> None:
    stranger = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"stranger").digest())
    note = sign_checkpoint(CHECKPOINT, LOG_NAME, stranger)
    expected = f"no signature by a trusted key: {LOG_NAME} \\({key_id(*CURRENT).hex()}\\)"
    with pytest.raises(NoteError, match=expected):
        verify_checkpoint_by_any(note, [CURRENT, RETIRED])
    with pytest.raises(NoteError, match="none is trusted"):
        verify_checkpoint_by_any(note, [])


def test_a_forged_signature_carrying_a_retired_key_id_is_rejected() -> None:
    body = CHECKPOINT.body()
    forged = base64.b64encode(key_id(*RETIRED) + LOG_KEY.sign(body.encode()))
    with pytest.raises(NoteError, match="does not verify"):
        verify_checkpoint_by_any(
            f"{body}\n\u2014 {LOG_NAME} {forged.decode()}\n", [CURRENT, RETIRED]
        )


def test_a_witness_cosignature_before_the_log_signature_does_not_hide_it() -> None:
    note = sign_checkpoint(CHECKPOINT, LOG_NAME, OTHER_KEY)
    witness = _signature_line(CHECKPOINT.body(), "witness.example/w1", LOG_KEY)
    cosigned = note.replace("\n\n", "\n\n" + witness)
    assert verify_checkpoint_by_any(cosigned, [CURRENT, RETIRED]) == (CHECKPOINT, RETIRED)


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "no blank line"),
        (CHECKPOINT.body(), "no blank line"),
        (CHECKPOINT.body() + "\n", "no signature lines"),
        (CHECKPOINT.body() + "\n\u2014 name AAAAAAAA", "newline"),
        (CHECKPOINT.body() + "\n- name AAAAAAAA\n", "em dash"),
        (CHECKPOINT.body() + "\n\u2014 name not-base64!\n", "base64"),
        (CHECKPOINT.body() + "\n\u2014 name AAAA\n", "too short"),
        (CHECKPOINT.body() + "\n\u2014 na+me AAAAAAAA\n", "key name"),
        (CHECKPOINT.body() + "\n\u2014  AAAAAAAA\n", "key name"),
        (CHECKPOINT.body().replace("\n", "\r\n") + "\n\u2014 name AAAAAAAA\n", "control"),
        (CHECKPOINT.body() + "\n" + "\u2014 name AAAAAAAA\n" * 101, "at most"),
    ],
)
def test_malformed_notes_are_rejected(note: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        verify_note(note, LOG_NAME, LOG_PUB)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("origin\n42\n", "origin, size and root"),
        ("origin\n042\n" + base64.b64encode(ROOT).decode() + "\n", "leading zeros"),
        ("origin\n+42\n" + base64.b64encode(ROOT).decode() + "\n", "decimal"),
        ("origin\n4_2\n" + base64.b64encode(ROOT).decode() + "\n", "decimal"),
        ("origin\n\u0664\u0662\n" + base64.b64encode(ROOT).decode() + "\n", "decimal"),
        ("origin\n42\n" + base64.b64encode(ROOT[:31]).decode() + "\n", "32 bytes"),
        ("origin\n42\n" + base64.b64encode(ROOT).decode().rstrip("=") + "\n", "base64"),
        ("origin\n42\n" + base64.b64encode(ROOT).decode() + "\next\n", "extension"),
        ("\n42\n" + base64.b64encode(ROOT).decode() + "\n", "origin"),
        ("origin\n42\n" + base64.b64encode(ROOT).decode(), "newline"),
        (f"origin\n{2**64}\n" + base64.b64encode(ROOT).decode() + "\n", "2\\*\\*64"),
    ],
)
def test_malformed_checkpoint_bodies_are_rejected_even_when_signed(body: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        parse_checkpoint(body)
    if body.endswith("\n"):
        note = sign_note(body, LOG_NAME, LOG_KEY)
        with pytest.raises(NoteError, match=message):
            verify_checkpoint(note, LOG_NAME, LOG_PUB)


def test_non_canonical_base64_root_is_rejected() -> None:
    encoded = base64.b64encode(ROOT).decode()
    # The final base64 digit carries 4 unused bits; setting one keeps the bytes, changes text.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet[alphabet.index(encoded[-2]) ^ 1]
    body = f"origin\n1\n{encoded[:-2]}{last}=\n"
    assert base64.b64decode(body.split("\n")[2]) == ROOT
    with pytest.raises(NoteError, match="canonical"):
        parse_checkpoint(body)


@pytest.mark.parametrize(
    ("origin", "size", "root"),
    [("", 1, ROOT), ("a\nb", 1, ROOT), ("o", -1, ROOT), ("o", 2**64, ROOT), ("o", 1, ROOT[:31])],
)
def test_checkpoint_refuses_values_it_cannot_write(origin: str, size: int, root: bytes) -> None:
    with pytest.raises(NoteError):
        Checkpoint(origin=origin, size=size, root_hash=root)


@pytest.mark.parametrize("name", ["", "has space", "has+plus", "tab\there"])
def test_key_names_that_would_break_the_note_grammar_are_refused(name: str) -> None:
    with pytest.raises(NoteError, match="key name"):
        key_id(name, LOG_PUB)
    with pytest.raises(NoteError, match="key name"):
        sign_checkpoint(CHECKPOINT, name, LOG_KEY)


def test_a_verifier_key_whose_base64_holds_plus_signs_round_trips() -> None:
    # Base64 uses '+' too: only the first two separate the fields, as in Go's note package.
    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"plus 1").digest())
    vkey = verifier_key(LOG_NAME, public_key_bytes(key))
    assert vkey.count("+") > 2
    assert parse_verifier_key(vkey) == (LOG_NAME, public_key_bytes(key))


@pytest.mark.parametrize(
    "vkey",
    [
        "example.com/foo+530d903a",
        "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        "example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        "example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2",
    ],
)
def test_malformed_or_inconsistent_verifier_keys_are_rejected(vkey: str) -> None:
    with pytest.raises(NoteError):
        parse_verifier_key(vkey)


# --------------------------------------------------------------------------------------------
# Evidence bundles
# --------------------------------------------------------------------------------------------

TREE_SIZE = 13
POSITION = 6
LEAVES = [
    encode_leaf(
        stream_id=f"stream-{i}",
        version=i + 1,
        topic="consent.Granted",
        recorded_at=f"2026-01-{i + 1:02d}T00:00:00+00:00",
        payload_sha256=hashlib.sha256(f"payload {i}".encode()).digest(),
    )
    for i in range(TREE_SIZE)
]
LEAF_HASHES = [hash_leaf(leaf) for leaf in LEAVES]
TREE_CHECKPOINT = Checkpoint(origin=LOG_NAME, size=TREE_SIZE, root_hash=root_of(LEAF_HASHES))
TREE_NOTE = sign_checkpoint(TREE_CHECKPOINT, LOG_NAME, LOG_KEY)


def _bundle(position: int = POSITION) -> dict[str, object]:
    return make_bundle(
        position=position,
        leaf=LEAVES[position],
        tree_size=TREE_SIZE,
        audit_path=inclusion_path_of(position, LEAF_HASHES),
        note=TREE_NOTE,
        key_name=LOG_NAME,
        public_key=LOG_PUB,
    )


def _flip_hex(value: object) -> str:
    assert isinstance(value, str)
    raw = bytearray(bytes.fromhex(value))
    raw[0] ^= 1
    return raw.hex()


@pytest.mark.parametrize("position", range(TREE_SIZE))
def test_bundle_round_trips_through_json_for_every_position(position: int) -> None:
    bundle = json.loads(json.dumps(_bundle(position)))
    assert bundle["format"] == BUNDLE_FORMAT
    assert bundle["verifier_key"] == verifier_key(LOG_NAME, LOG_PUB)
    assert verify_bundle(bundle) == TREE_CHECKPOINT
    assert verify_bundle(bundle, trusted_verifier_keys=[verifier_key(LOG_NAME, LOG_PUB)])


def test_bundle_has_exactly_the_documented_fields() -> None:
    assert set(_bundle()) == {
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


def _tamper_leaf(b: dict[str, Any]) -> None:
    b["leaf"] = LEAVES[POSITION + 1].hex()


def _tamper_leaf_and_hash(b: dict[str, Any]) -> None:
    b["leaf"] = LEAVES[POSITION + 1].hex()
    b["leaf_hash"] = LEAF_HASHES[POSITION + 1].hex()


def _tamper_path_element(b: dict[str, Any]) -> None:
    b["audit_path"][1] = _flip_hex(b["audit_path"][1])


def _drop_path_element(b: dict[str, Any]) -> None:
    b["audit_path"].pop()


def _tamper_position(b: dict[str, Any]) -> None:
    b["position"] = POSITION + 1


def _tamper_note_size(b: dict[str, Any]) -> None:
    b["checkpoint"] = b["checkpoint"].replace(f"\n{TREE_SIZE}\n", f"\n{TREE_SIZE + 1}\n")
    b["tree_size"] = TREE_SIZE + 1


def _tamper_tree_size(b: dict[str, Any]) -> None:
    b["tree_size"] = TREE_SIZE + 1


def _resign_with_other_key(b: dict[str, Any]) -> None:
    b["checkpoint"] = sign_checkpoint(TREE_CHECKPOINT, LOG_NAME, OTHER_KEY)


def _swap_in_other_key(b: dict[str, Any]) -> None:
    b["public_key"] = OTHER_PUB.hex()
    b["verifier_key"] = verifier_key(LOG_NAME, OTHER_PUB)


def _swap_public_key_only(b: dict[str, Any]) -> None:
    b["public_key"] = OTHER_PUB.hex()


def _tamper_key_name(b: dict[str, Any]) -> None:
    b["key_name"] = "ledger.example/other"
    b["verifier_key"] = verifier_key("ledger.example/other", LOG_PUB)


def _tamper_format(b: dict[str, Any]) -> None:
    b["format"] = "consent-ledger-bundle/v2"


def _add_field(b: dict[str, Any]) -> None:
    b["note"] = "trust me"


def _uppercase_hex(b: dict[str, Any]) -> None:
    b["leaf_hash"] = b["leaf_hash"].upper()


def _bool_position(b: dict[str, Any]) -> None:
    b["position"] = True


def _drop_checkpoint(b: dict[str, Any]) -> None:
    del b["checkpoint"]


@pytest.mark.parametrize(
    ("tamper", "error", "message"),
    [
        (_tamper_leaf, ProofError, "leaf_hash"),
        (_tamper_leaf_and_hash, ProofError, "not proven"),
        (_tamper_path_element, ProofError, "not proven"),
        (_drop_path_element, ProofError, "not proven"),
        (_tamper_position, ProofError, "not proven"),
        (_tamper_note_size, NoteError, "does not verify"),
        (_tamper_tree_size, NoteError, "tree_size"),
        (_resign_with_other_key, NoteError, "no signature"),
        (_swap_in_other_key, NoteError, "no signature"),
        (_swap_public_key_only, NoteError, "verifier_key"),
        (_tamper_key_name, NoteError, "no signature"),
        (_tamper_format, NoteError, "format"),
        (_add_field, NoteError, "unknown field"),
        (_uppercase_hex, NoteError, "lowercase hex"),
        (_bool_position, NoteError, "position"),
        (_drop_checkpoint, NoteError, "checkpoint"),
    ],
)
def test_tampered_bundle_is_rejected(tamper: Any, error: type[Exception], message: str) -> None:
    bundle = copy.deepcopy(_bundle())
    tamper(bundle)
    with pytest.raises(error, match=message):
        verify_bundle(bundle)


def test_bundle_signed_by_an_unexpected_log_key_is_rejected_when_the_key_is_pinned() -> None:
    bundle = make_bundle(
        position=POSITION,
        leaf=LEAVES[POSITION],
        tree_size=TREE_SIZE,
        audit_path=inclusion_path_of(POSITION, LEAF_HASHES),
        note=sign_checkpoint(TREE_CHECKPOINT, LOG_NAME, OTHER_KEY),
        key_name=LOG_NAME,
        public_key=OTHER_PUB,
    )
    assert verify_bundle(bundle) == TREE_CHECKPOINT
    with pytest.raises(NoteError, match="expected"):
        verify_bundle(bundle, trusted_verifier_keys=[verifier_key(LOG_NAME, LOG_PUB)])


def test_make_bundle_refuses_to_produce_an_unverifiable_bundle() -> None:
    with pytest.raises(ProofError):
        make_bundle(
            position=POSITION,
            leaf=LEAVES[POSITION],
            tree_size=TREE_SIZE,
            audit_path=inclusion_path_of(POSITION + 1, LEAF_HASHES),
            note=TREE_NOTE,
            key_name=LOG_NAME,
            public_key=LOG_PUB,
        )

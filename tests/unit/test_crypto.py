"""Envelope encryption, key derivation and the blind index."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from ledger.crypto import (
    DecryptionError,
    derive_key,
    lookup_token,
    new_data_key,
    open_sealed,
    seal,
    unwrap_key,
    wrap_key,
)

MASTER = bytes(range(32))
OTHER_MASTER = bytes(range(1, 33))
AAD = b"event:7f3e|version:3|key:subject-42"


def _hkdf_sha256(ikm: bytes, info: bytes, length: int = 32) -> bytes:
    """RFC 5869 HKDF with an absent salt (HashLen zero bytes), written out independently."""
    prk = hmac.new(b"\x00" * 32, ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


def _flip_bit(data: bytes, index: int) -> bytes:
    mutable = bytearray(data)
    mutable[index] ^= 0x01
    return bytes(mutable)


def test_a_new_data_key_is_32_random_bytes() -> None:
    keys = {new_data_key() for _ in range(16)}

    assert len(keys) == 16
    assert all(len(key) == 32 for key in keys)


@pytest.mark.parametrize(
    "plaintext",
    ["", "198112189876", "Åsa Öberg-Ängström", "名前 🧒", "x" * 10_000],
)
def test_sealed_plaintext_opens_to_the_same_text(plaintext: str) -> None:
    key = new_data_key()

    sealed = seal(key, plaintext, AAD)

    assert open_sealed(key, sealed, AAD) == plaintext
    assert len(sealed) == 12 + len(plaintext.encode("utf-8")) + 16


def test_sealing_twice_uses_fresh_nonces() -> None:
    key = new_data_key()

    first, second = seal(key, "198112189876", AAD), seal(key, "198112189876", AAD)

    assert first[:12] != second[:12]
    assert first != second


def test_the_sealed_value_does_not_contain_the_plaintext() -> None:
    assert b"198112189876" not in seal(new_data_key(), "198112189876", AAD)


def test_opening_with_other_associated_data_fails() -> None:
    key = new_data_key()
    sealed = seal(key, "Åsa", AAD)

    with pytest.raises(DecryptionError):
        open_sealed(key, sealed, AAD + b"x")
    with pytest.raises(DecryptionError):
        open_sealed(key, sealed, b"")


def test_opening_with_another_key_fails() -> None:
    sealed = seal(new_data_key(), "Åsa", AAD)

    with pytest.raises(DecryptionError):
        open_sealed(new_data_key(), sealed, AAD)


@pytest.mark.parametrize(
    "index",
    [
        pytest.param(0, id="nonce-first"),
        pytest.param(11, id="nonce-last"),
        pytest.param(12, id="body-first"),
        pytest.param(14, id="body-middle"),
        pytest.param(-17, id="body-last"),
        pytest.param(-16, id="tag-first"),
        pytest.param(-1, id="tag-last"),
    ],
)
def test_opening_a_value_with_one_flipped_bit_fails(index: int) -> None:
    key = new_data_key()
    sealed = seal(key, "Åsa Öberg", AAD)

    with pytest.raises(DecryptionError):
        open_sealed(key, _flip_bit(sealed, index), AAD)


@pytest.mark.parametrize("length", [0, 1, 12, 27])
def test_opening_a_value_too_short_for_nonce_and_tag_fails(length: int) -> None:
    with pytest.raises(DecryptionError, match="too short"):
        open_sealed(new_data_key(), b"\x00" * length, AAD)


def test_a_decryption_error_does_not_say_what_the_plaintext_was() -> None:
    key = new_data_key()
    sealed = seal(key, "198112189876", AAD)

    with pytest.raises(DecryptionError) as caught:
        open_sealed(new_data_key(), sealed, AAD)

    assert "198112189876" not in f"{caught.value} {caught.value!r}"
    assert caught.value.__suppress_context__


def test_a_wrapped_data_key_unwraps_to_the_same_key() -> None:
    data_key = new_data_key()

    wrapped = wrap_key(MASTER, data_key)

    assert unwrap_key(MASTER, wrapped) == data_key
    assert len(wrapped) == 40
    assert data_key not in wrapped


def test_key_wrap_matches_the_rfc_3394_test_vector_for_a_256_bit_key() -> None:
    # RFC 3394 §4.6: 256-bit key data wrapped with a 256-bit KEK.
    kek = bytes.fromhex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
    key_data = bytes.fromhex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
    expected = bytes.fromhex(
        "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"
    )

    assert wrap_key(kek, key_data) == expected
    assert unwrap_key(kek, expected) == key_data


def test_unwrapping_with_another_master_key_fails() -> None:
    wrapped = wrap_key(MASTER, new_data_key())

    with pytest.raises(DecryptionError):
        unwrap_key(OTHER_MASTER, wrapped)


@pytest.mark.parametrize("index", [0, 7, 8, 39])
def test_unwrapping_a_tampered_wrapped_key_fails(index: int) -> None:
    wrapped = wrap_key(MASTER, new_data_key())

    with pytest.raises(DecryptionError):
        unwrap_key(MASTER, _flip_bit(wrapped, index))


@pytest.mark.parametrize("length", [0, 8, 23, 39, 41])
def test_unwrapping_a_blob_of_the_wrong_length_fails(length: int) -> None:
    with pytest.raises(DecryptionError):
        unwrap_key(MASTER, b"\x00" * length)


@pytest.mark.parametrize("bad_key", [b"", b"\x00" * 16, b"\x00" * 31, b"\x00" * 33])
def test_keys_that_are_not_256_bits_are_refused(bad_key: bytes) -> None:
    with pytest.raises(ValueError, match="exactly 32 bytes"):
        wrap_key(bad_key, new_data_key())
    with pytest.raises(ValueError, match="exactly 32 bytes"):
        wrap_key(MASTER, bad_key)
    with pytest.raises(ValueError, match="exactly 32 bytes"):
        seal(bad_key, "x", AAD)
    with pytest.raises(ValueError, match="exactly 32 bytes"):
        open_sealed(bad_key, b"\x00" * 40, AAD)
    with pytest.raises(ValueError, match="exactly 32 bytes"):
        derive_key(bad_key, "lookup-hmac")
    with pytest.raises(ValueError, match="exactly 32 bytes"):
        lookup_token(bad_key, "198112189876")


@pytest.mark.parametrize("purpose", ["lookup-hmac", "key-wrap", "ÅÄÖ"])
def test_derive_key_is_hkdf_sha256_with_the_purpose_as_info(purpose: str) -> None:
    derived = derive_key(MASTER, purpose)

    assert derived == _hkdf_sha256(MASTER, purpose.encode("utf-8"))
    assert derived == derive_key(MASTER, purpose)
    assert len(derived) == 32
    assert derived != MASTER


def test_derived_keys_differ_between_purposes_and_between_master_keys() -> None:
    derived = {
        derive_key(MASTER, "lookup-hmac"),
        derive_key(MASTER, "key-wrap"),
        derive_key(OTHER_MASTER, "lookup-hmac"),
        derive_key(OTHER_MASTER, "key-wrap"),
    }

    assert len(derived) == 4


def test_derive_key_refuses_an_empty_purpose() -> None:
    with pytest.raises(ValueError, match="purpose"):
        derive_key(MASTER, "")


def test_a_lookup_token_is_hmac_sha256_in_lowercase_hex() -> None:
    key = derive_key(MASTER, "lookup-hmac")

    token = lookup_token(key, "198112189876")

    assert token == hmac.new(key, b"198112189876", hashlib.sha256).hexdigest()
    assert len(token) == 64
    assert token == token.lower()
    assert token == lookup_token(key, "198112189876")


def test_a_lookup_token_is_not_the_plain_sha256_of_the_value() -> None:
    token = lookup_token(derive_key(MASTER, "lookup-hmac"), "198112189876")

    assert token != hashlib.sha256(b"198112189876").hexdigest()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((MASTER, "198112189876"), (OTHER_MASTER, "198112189876")),
        ((MASTER, "198112189876"), (MASTER, "198112189877")),
    ],
    ids=["different-keys", "different-values"],
)
def test_lookup_tokens_differ_between_keys_and_between_values(
    first: tuple[bytes, str], second: tuple[bytes, str]
) -> None:
    assert lookup_token(*first) != lookup_token(*second)

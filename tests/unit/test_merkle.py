"""Tests for ledger.merkle: published RFC 6962 vectors, the RFC test tree, exhaustive round trips
of the stored-node prover against the recursive oracle, and rejection of corrupted proofs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from ledger.merkle import (
    EMPTY_ROOT,
    MemoryNodeStore,
    MissingNodeError,
    ProofError,
    TreeBuilder,
    consistency_proof,
    consistency_proof_of,
    decode_leaf,
    encode_leaf,
    hash_children,
    hash_leaf,
    inclusion_path_of,
    inclusion_proof,
    nodes_to_append,
    nodes_to_append_many,
    root_at,
    root_from_inclusion,
    root_of,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "rfc6962"
MISSING_VECTORS = "shared/testdata/rfc6962 not found beside the repo: vector tests skipped"

# The RFC 6962 test tree, as published in transparency-dev/merkle testonly/constants.go.
RFC_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
RFC_ROOTS = [
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
RFC_LEAF_HASHES = [hash_leaf(leaf) for leaf in RFC_LEAVES]

MAX_EXHAUSTIVE = 128


def _leaf_hashes(n: int) -> list[bytes]:
    return [hash_leaf(i.to_bytes(4, "big")) for i in range(n)]


ALL_LEAF_HASHES = _leaf_hashes(MAX_EXHAUSTIVE)


def _store_of(leaf_hashes: Sequence[bytes]) -> MemoryNodeStore:
    store = MemoryNodeStore()
    store.put(nodes_to_append_many(0, leaf_hashes, store))
    store.reset_counts()
    return store


@pytest.fixture(scope="module")
def store128() -> MemoryNodeStore:
    return _store_of(ALL_LEAF_HASHES)


@cache
def _oracle_root(n: int) -> bytes:
    return root_of(ALL_LEAF_HASHES[:n])


# --------------------------------------------------------------------------------------------
# Published vectors (transparency-dev/merkle testdata)
# --------------------------------------------------------------------------------------------


def _vector_files(kind: str) -> list[Any]:
    if not VECTORS.is_dir():
        return [pytest.param(None, id=f"{kind}-vectors-absent")]
    files = sorted((VECTORS / kind).rglob("*.json"))
    return [pytest.param(f, id=str(f.relative_to(VECTORS))) for f in files]


def _load(path: Path | None) -> dict[str, Any]:
    if path is None:
        pytest.skip(MISSING_VECTORS)
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _b64_list(values: list[str] | None) -> list[bytes]:
    return [_b64(v) for v in values or []]


def test_the_vector_corpus_is_complete_when_present() -> None:
    if not VECTORS.is_dir():
        pytest.skip(MISSING_VECTORS)
    assert len(list(VECTORS.rglob("*.json"))) == 196


@pytest.mark.parametrize("path", _vector_files("inclusion"))
def test_inclusion_vector_is_accepted_or_rejected_as_published(path: Path | None) -> None:
    v = _load(path)
    args = (v["leafIdx"], v["treeSize"], _b64(v["leafHash"]), _b64_list(v["proof"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args, _b64(v["root"]))
    else:
        verify_inclusion(*args, _b64(v["root"]))


@pytest.mark.parametrize("path", _vector_files("consistency"))
def test_consistency_vector_is_accepted_or_rejected_as_published(path: Path | None) -> None:
    v = _load(path)
    args = (v["size1"], v["size2"], _b64(v["root1"]), _b64(v["root2"]), _b64_list(v["proof"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def _happy_rfc_tree_vectors(kind: str, size_key: str, root_key: str) -> list[Any]:
    """Accepted vectors whose root is an RFC test tree root: the prover must emit their proof."""
    params = _vector_files(kind)
    if params[0].values[0] is None:
        return params
    happy = []
    for param in params:
        v = json.loads(param.values[0].read_text())
        size = v[size_key]
        if not v["wantErr"] and 0 < size < len(RFC_ROOTS) and _b64(v[root_key]) == RFC_ROOTS[size]:
            happy.append(param)
    return happy


@pytest.mark.parametrize("path", _happy_rfc_tree_vectors("inclusion", "treeSize", "root"))
def test_stored_prover_reproduces_every_happy_inclusion_vector(path: Path | None) -> None:
    v = _load(path)
    store = _store_of(RFC_LEAF_HASHES)
    assert inclusion_proof(v["leafIdx"], v["treeSize"], store) == _b64_list(v["proof"])


@pytest.mark.parametrize("path", _happy_rfc_tree_vectors("consistency", "size2", "root2"))
def test_stored_prover_reproduces_every_happy_consistency_vector(path: Path | None) -> None:
    v = _load(path)
    store = _store_of(RFC_LEAF_HASHES)
    assert consistency_proof(v["size1"], v["size2"], store) == _b64_list(v["proof"])


# --------------------------------------------------------------------------------------------
# The RFC test tree
# --------------------------------------------------------------------------------------------


def test_empty_root_is_the_sha256_of_nothing() -> None:
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT == RFC_ROOTS[0]


def test_leaf_and_node_hashes_use_distinct_prefixes() -> None:
    assert hash_leaf(b"x") == hashlib.sha256(b"\x00x").digest()
    assert hash_children(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


@pytest.mark.parametrize("size", range(len(RFC_ROOTS)))
def test_rfc_test_tree_roots_match_the_oracle_the_store_and_the_builder(size: int) -> None:
    leaf_hashes = RFC_LEAF_HASHES[:size]
    assert root_of(leaf_hashes) == RFC_ROOTS[size]
    assert root_at(size, _store_of(leaf_hashes)) == RFC_ROOTS[size]
    builder = TreeBuilder()
    for leaf_hash in leaf_hashes:
        builder.append(leaf_hash)
    assert builder.size == size
    assert builder.root() == RFC_ROOTS[size]


def test_rfc_6962_section_2_1_3_example_proofs_over_seven_leaves() -> None:
    leaves = RFC_LEAF_HASHES[:7]

    def mth(lo: int, hi: int) -> bytes:
        return root_of(leaves[lo:hi])

    a, b, c, d, e, f, j = leaves
    g, h, i = mth(0, 2), mth(2, 4), mth(4, 6)
    k, l_ = mth(0, 4), mth(4, 7)
    store = _store_of(leaves)
    assert inclusion_proof(0, 7, store) == [b, h, l_]
    assert inclusion_proof(3, 7, store) == [c, g, l_]
    assert inclusion_proof(4, 7, store) == [f, j, k]
    assert inclusion_proof(6, 7, store) == [i, k]
    assert consistency_proof(3, 7, store) == [c, d, g, l_]
    assert consistency_proof(4, 7, store) == [l_]
    assert consistency_proof(6, 7, store) == [i, j, k]
    assert (a, e) == (leaves[0], leaves[4])


# --------------------------------------------------------------------------------------------
# Exhaustive round trips against the recursive oracle
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", range(MAX_EXHAUSTIVE + 1))
def test_stored_root_equals_oracle_root(size: int, store128: MemoryNodeStore) -> None:
    assert root_at(size, store128) == _oracle_root(size)


@pytest.mark.parametrize("size", range(1, MAX_EXHAUSTIVE + 1))
def test_every_stored_inclusion_proof_equals_the_oracle_path_and_verifies(
    size: int, store128: MemoryNodeStore
) -> None:
    leaf_hashes = ALL_LEAF_HASHES[:size]
    root = _oracle_root(size)
    for index in range(size):
        proof = inclusion_proof(index, size, store128)
        assert proof == inclusion_path_of(index, leaf_hashes), index
        verify_inclusion(index, size, leaf_hashes[index], proof, root)
        assert root_from_inclusion(index, size, leaf_hashes[index], proof) == root


@pytest.mark.parametrize("second", range(1, MAX_EXHAUSTIVE + 1))
def test_every_stored_consistency_proof_equals_the_oracle_proof_and_verifies(
    second: int, store128: MemoryNodeStore
) -> None:
    leaf_hashes = ALL_LEAF_HASHES[:second]
    second_root = _oracle_root(second)
    for first in range(1, second + 1):
        proof = consistency_proof(first, second, store128)
        assert proof == consistency_proof_of(first, leaf_hashes), first
        verify_consistency(first, second, _oracle_root(first), second_root, proof)


def test_appending_one_by_one_builds_every_perfect_node_and_nothing_else() -> None:
    store = MemoryNodeStore()
    for size, leaf_hash in enumerate(ALL_LEAF_HASHES[:37]):
        store.put(nodes_to_append(size, leaf_hash, store))
    expected = {}
    for level in range(6):
        width = 1 << level
        for index in range(37 // width):
            expected[(level, index)] = root_of(ALL_LEAF_HASHES[index * width : (index + 1) * width])
    assert store.snapshot() == expected


@pytest.mark.parametrize("seed", range(8))
def test_appending_in_random_batches_builds_the_same_store_as_one_by_one(seed: int) -> None:
    one_by_one = MemoryNodeStore()
    for size, leaf_hash in enumerate(ALL_LEAF_HASHES):
        one_by_one.put(nodes_to_append(size, leaf_hash, one_by_one))

    rng = random.Random(seed)
    batched = MemoryNodeStore()
    size = 0
    while size < MAX_EXHAUSTIVE:
        count = min(rng.randint(1, 20), MAX_EXHAUSTIVE - size)
        calls_before = batched.count_calls
        batched.put(nodes_to_append_many(size, ALL_LEAF_HASHES[size : size + count], batched))
        assert batched.count_calls - calls_before <= 1
        size += count
    assert batched.snapshot() == one_by_one.snapshot()


def test_appending_an_empty_batch_creates_nothing_and_reads_nothing() -> None:
    store = _store_of(ALL_LEAF_HASHES[:5])
    assert nodes_to_append_many(5, [], store) == []
    assert store.count_calls == 0


def test_appending_reads_only_the_siblings_it_completes() -> None:
    store = _store_of(ALL_LEAF_HASHES[:7])
    created = nodes_to_append(7, ALL_LEAF_HASHES[7], store)
    assert store.count_calls == 1
    assert store.count_reads == 3
    assert [key for key, _ in created] == [(0, 7), (1, 3), (2, 1), (3, 0)]
    store = _store_of(ALL_LEAF_HASHES[:8])
    assert [key for key, _ in nodes_to_append(8, ALL_LEAF_HASHES[8], store)] == [(0, 8)]
    assert store.count_calls == 0


def test_appending_over_a_store_missing_a_sibling_is_refused() -> None:
    with pytest.raises(MissingNodeError):
        nodes_to_append(1, ALL_LEAF_HASHES[1], MemoryNodeStore())


def test_store_refuses_to_rewrite_a_node_with_a_different_hash() -> None:
    store = _store_of(ALL_LEAF_HASHES[:2])
    with pytest.raises(ValueError, match="already stored"):
        store.put([((0, 0), ALL_LEAF_HASHES[5])])


def test_proofs_over_a_store_without_the_tree_raise_missing_node() -> None:
    store = _store_of(ALL_LEAF_HASHES[:4])
    with pytest.raises(MissingNodeError):
        inclusion_proof(0, 8, store)
    with pytest.raises(MissingNodeError):
        root_at(5, store)


def test_tree_builder_matches_the_oracle_at_every_size() -> None:
    builder = TreeBuilder()
    assert builder.root() == EMPTY_ROOT
    for size, leaf_hash in enumerate(ALL_LEAF_HASHES, start=1):
        builder.append(leaf_hash)
        assert builder.root() == _oracle_root(size)


@pytest.mark.parametrize("seed", range(5))
def test_tree_builder_extended_in_batches_completes_the_nodes_the_write_path_stores(
    seed: int,
) -> None:
    rng = random.Random(seed)
    store, in_batches = MemoryNodeStore(), TreeBuilder()
    size = 0
    while size < len(ALL_LEAF_HASHES):
        batch = ALL_LEAF_HASHES[size : size + rng.choice([0, 1, 2, 3, 7, 16, 33])]
        expected = sorted(nodes_to_append_many(size, batch, store))
        store.put(expected)
        levels = in_batches.extend(batch)
        completed = [
            ((level, first + i), h) for level, first, hs in levels for i, h in enumerate(hs)
        ]
        assert sorted(completed) == expected
        size += len(batch)
        assert in_batches.size == size and in_batches.root() == _oracle_root(size)


def test_tree_builder_rejects_a_short_leaf_hash() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        TreeBuilder().append(b"\x00" * 31)


# --------------------------------------------------------------------------------------------
# O(log n) reads on a large tree
# --------------------------------------------------------------------------------------------

LARGE = 100_000


@pytest.fixture(scope="module")
def large_store() -> MemoryNodeStore:
    return _store_of([hash_leaf(i.to_bytes(4, "big")) for i in range(LARGE)])


@pytest.mark.parametrize("index", [0, 1, 31_337, 65_535, 65_536, 99_998, 99_999])
def test_inclusion_proof_at_size_100000_reads_logarithmically_many_nodes(
    index: int, large_store: MemoryNodeStore
) -> None:
    large_store.reset_counts()
    proof = inclusion_proof(index, LARGE, large_store)
    assert large_store.count_calls == 1
    assert large_store.count_reads <= 64
    large_store.reset_counts()
    root = root_at(LARGE, large_store)
    assert large_store.count_calls == 1
    assert large_store.count_reads <= 17
    verify_inclusion(index, LARGE, hash_leaf(index.to_bytes(4, "big")), proof, root)


@pytest.mark.parametrize("first", [1, 2, 3, 1_000, 65_536, 77_777, 99_999])
def test_consistency_proof_at_size_100000_reads_logarithmically_many_nodes(
    first: int, large_store: MemoryNodeStore
) -> None:
    first_root = root_at(first, large_store)
    second_root = root_at(LARGE, large_store)
    large_store.reset_counts()
    proof = consistency_proof(first, LARGE, large_store)
    assert large_store.count_calls == 1
    assert large_store.count_reads <= 64
    verify_consistency(first, LARGE, first_root, second_root, proof)


def test_appending_to_a_large_tree_reads_at_most_one_node_per_level(
    large_store: MemoryNodeStore,
) -> None:
    large_store.reset_counts()
    nodes_to_append_many(LARGE, _leaf_hashes(300), large_store)
    assert large_store.count_calls == 1
    assert large_store.count_reads <= LARGE.bit_length()


# --------------------------------------------------------------------------------------------
# Corrupted proofs and bad arguments
# --------------------------------------------------------------------------------------------

N = 21
LEAVES_N = ALL_LEAF_HASHES[:N]
ROOT_N = root_of(LEAVES_N)


def _flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


@pytest.mark.parametrize("index", range(N))
def test_inclusion_proof_fails_for_a_flipped_bit(index: int) -> None:
    proof = inclusion_path_of(index, LEAVES_N)
    for i in range(len(proof)):
        corrupted = [*proof]
        corrupted[i] = _flip(proof[i], 7 * i + 3)
        with pytest.raises(ProofError):
            verify_inclusion(index, N, LEAVES_N[index], corrupted, ROOT_N)
    with pytest.raises(ProofError):
        verify_inclusion(index, N, _flip(LEAVES_N[index], 0), proof, ROOT_N)
    with pytest.raises(ProofError):
        verify_inclusion(index, N, LEAVES_N[index], proof, _flip(ROOT_N, 255))


@pytest.mark.parametrize("index", range(N))
def test_inclusion_proof_fails_for_a_wrong_index(index: int) -> None:
    proof = inclusion_path_of(index, LEAVES_N)
    for other in range(N + 2):
        if other != index:
            with pytest.raises(ProofError):
                verify_inclusion(other, N, LEAVES_N[index], proof, ROOT_N)


def _path_length(index: int, size: int) -> int:
    return len(inclusion_path_of(index, ALL_LEAF_HASHES[:size]))


@pytest.mark.parametrize("index", range(N))
def test_inclusion_proof_fails_for_a_wrong_size(index: int) -> None:
    proof = inclusion_path_of(index, LEAVES_N)
    wrong_sizes = [s for s in range(index + 1, 4 * N) if _path_length(index, s) != len(proof)]
    assert wrong_sizes
    for size in [*wrong_sizes, *range(index + 1)]:
        with pytest.raises(ProofError):
            verify_inclusion(index, size, LEAVES_N[index], proof, ROOT_N)


def test_inclusion_proof_binds_the_size_only_through_the_shape_of_the_path() -> None:
    # Leaf 0 has the same all-left path in every tree of 17..32 leaves, so the root alone ties
    # the proof to a size: callers must take size and root together from a signed checkpoint.
    proof = inclusion_path_of(0, LEAVES_N)
    for size in range(17, 33):
        verify_inclusion(0, size, LEAVES_N[0], proof, ROOT_N)


@pytest.mark.parametrize("index", range(N))
def test_inclusion_proof_fails_when_truncated_or_extended(index: int) -> None:
    proof = inclusion_path_of(index, LEAVES_N)
    with pytest.raises(ProofError):
        verify_inclusion(index, N, LEAVES_N[index], proof[:-1], ROOT_N)
    with pytest.raises(ProofError, match="needs"):
        verify_inclusion(index, N, LEAVES_N[index], [*proof, proof[0]], ROOT_N)
    with pytest.raises(ProofError, match="needs"):
        verify_inclusion(index, N, LEAVES_N[index], [EMPTY_ROOT, *proof], ROOT_N)


def test_inclusion_proof_fails_for_a_31_byte_hash() -> None:
    proof = inclusion_path_of(5, LEAVES_N)
    with pytest.raises(ProofError, match="leaf hash"):
        verify_inclusion(5, N, LEAVES_N[5][:31], proof, ROOT_N)
    with pytest.raises(ProofError, match="proof element 1"):
        verify_inclusion(5, N, LEAVES_N[5], [proof[0], proof[1][:31], *proof[2:]], ROOT_N)
    with pytest.raises(ProofError):
        verify_inclusion(5, N, LEAVES_N[5], proof, ROOT_N[:31])


def test_inclusion_proof_for_a_single_leaf_tree_is_empty_and_binds_the_leaf() -> None:
    verify_inclusion(0, 1, LEAVES_N[0], [], LEAVES_N[0])
    with pytest.raises(ProofError):
        verify_inclusion(0, 1, LEAVES_N[1], [], LEAVES_N[0])
    with pytest.raises(ProofError):
        verify_inclusion(0, 1, b"", [], b"")


def test_inclusion_proof_for_an_index_equal_to_the_size_is_refused() -> None:
    # Shaped like leaf 1's proof in a 2-leaf tree, so only the range check stops it.
    verify_inclusion(1, 2, LEAVES_N[1], [LEAVES_N[0]], root_of(LEAVES_N[:2]))
    with pytest.raises(ProofError, match="beyond"):
        verify_inclusion(1, 1, LEAVES_N[1], [LEAVES_N[0]], root_of(LEAVES_N[:2]))


def test_inclusion_verifier_rejects_out_of_range_and_negative_arguments() -> None:
    for index, size in ((0, 0), (3, 3), (-1, 3), (0, -1)):
        with pytest.raises(ProofError):
            verify_inclusion(index, size, LEAVES_N[0], [], ROOT_N)


@pytest.mark.parametrize("first", range(1, N))
def test_consistency_proof_fails_for_a_flipped_bit(first: int) -> None:
    proof = consistency_proof_of(first, LEAVES_N)
    first_root = root_of(LEAVES_N[:first])
    for i in range(len(proof)):
        corrupted = [*proof]
        corrupted[i] = _flip(proof[i], 11 * i + 5)
        with pytest.raises(ProofError):
            verify_consistency(first, N, first_root, ROOT_N, corrupted)
    with pytest.raises(ProofError):
        verify_consistency(first, N, _flip(first_root, 1), ROOT_N, proof)
    with pytest.raises(ProofError):
        verify_consistency(first, N, first_root, _flip(ROOT_N, 1), proof)


@pytest.mark.parametrize("first", range(1, N))
def test_consistency_proof_fails_for_wrong_sizes(first: int) -> None:
    proof = consistency_proof_of(first, LEAVES_N)
    first_root = root_of(LEAVES_N[:first])

    def proof_length(m: int, n: int) -> int:
        return len(consistency_proof_of(m, ALL_LEAF_HASHES[:n]))

    wrong_firsts = [m for m in range(1, N) if proof_length(m, N) != len(proof)]
    wrong_seconds = [n for n in range(first + 1, 4 * N) if proof_length(first, n) != len(proof)]
    assert wrong_firsts
    assert wrong_seconds
    for other in [0, *wrong_firsts, N + 1]:
        with pytest.raises(ProofError):
            verify_consistency(other, N, first_root, ROOT_N, proof)
    for other in [0, first, *wrong_seconds]:
        with pytest.raises(ProofError):
            verify_consistency(first, other, first_root, ROOT_N, proof)


@pytest.mark.parametrize("first", range(1, N))
def test_consistency_proof_fails_when_truncated_or_extended(first: int) -> None:
    proof = consistency_proof_of(first, LEAVES_N)
    first_root = root_of(LEAVES_N[:first])
    with pytest.raises(ProofError):
        verify_consistency(first, N, first_root, ROOT_N, proof[:-1])
    with pytest.raises(ProofError):
        verify_consistency(first, N, first_root, ROOT_N, [*proof, proof[0]])
    with pytest.raises(ProofError):
        verify_consistency(first, N, first_root, ROOT_N, [first_root, *proof])


def test_consistency_proof_fails_for_a_31_byte_hash() -> None:
    proof = consistency_proof_of(6, LEAVES_N)
    first_root = root_of(LEAVES_N[:6])
    with pytest.raises(ProofError, match="first root"):
        verify_consistency(6, N, first_root[:31], ROOT_N, proof)
    with pytest.raises(ProofError, match="second root"):
        verify_consistency(6, N, first_root, ROOT_N[:31], proof)
    with pytest.raises(ProofError, match="proof element 0"):
        verify_consistency(6, N, first_root, ROOT_N, [proof[0][:31], *proof[1:]])


def test_consistency_edge_cases_follow_the_transparency_dev_policy() -> None:
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, N, EMPTY_ROOT, ROOT_N, [])
    with pytest.raises(ProofError, match="smaller"):
        verify_consistency(N, 1, ROOT_N, LEAVES_N[0], [])
    with pytest.raises(ProofError, match="empty consistency proof"):
        verify_consistency(1, N, LEAVES_N[0], ROOT_N, [])
    verify_consistency(N, N, ROOT_N, ROOT_N, [])
    with pytest.raises(ProofError, match="roots differ"):
        verify_consistency(N, N, ROOT_N, _flip(ROOT_N, 0), [])
    with pytest.raises(ProofError, match="sizes are equal"):
        verify_consistency(N, N, ROOT_N, ROOT_N, [ROOT_N])


def test_provers_reject_impossible_arguments(store128: MemoryNodeStore) -> None:
    for index, size in ((0, 0), (5, 5), (-1, 5)):
        with pytest.raises(ValueError, match="outside"):
            inclusion_proof(index, size, store128)
        with pytest.raises(ValueError, match="outside"):
            inclusion_path_of(index, ALL_LEAF_HASHES[: max(size, 0)])
    for first, second in ((0, 0), (0, 5), (6, 5), (-1, 5)):
        with pytest.raises(ValueError, match="first"):
            consistency_proof(first, second, store128)
    with pytest.raises(ValueError):
        consistency_proof_of(0, ALL_LEAF_HASHES[:5])
    with pytest.raises(ValueError):
        consistency_proof_of(6, ALL_LEAF_HASHES[:5])
    with pytest.raises(ValueError, match="negative"):
        root_at(-1, store128)
    with pytest.raises(ValueError, match="32 bytes"):
        nodes_to_append(0, b"short", MemoryNodeStore())


def test_consistency_proof_between_equal_sizes_is_empty(store128: MemoryNodeStore) -> None:
    assert consistency_proof(9, 9, store128) == []
    assert consistency_proof_of(9, ALL_LEAF_HASHES[:9]) == []


# --------------------------------------------------------------------------------------------
# Canonical leaf bytes
# --------------------------------------------------------------------------------------------

PAYLOAD = hashlib.sha256(b"payload").digest()


def _leaf(**overrides: Any) -> bytes:
    fields: dict[str, Any] = {
        "stream_id": "3f2a8c1e-0000-4000-8000-000000000001",
        "version": 7,
        "topic": "consent.Granted",
        "recorded_at": "2026-01-02T03:04:05.123456+00:00",
        "payload_sha256": PAYLOAD,
    }
    fields.update(overrides)
    return encode_leaf(**fields)


def test_leaf_bytes_have_the_documented_layout() -> None:
    leaf = encode_leaf(
        stream_id="s", version=258, topic="t", recorded_at="r", payload_sha256=PAYLOAD
    )
    assert leaf == b"".join(
        [
            b"\x01",  # format version
            b"\x00\x01s",
            (258).to_bytes(8, "big"),
            b"\x00\x01t",
            b"\x00\x01r",
            PAYLOAD,
        ]
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"stream_id": "", "topic": "", "recorded_at": ""},
        {"version": 0},
        {"version": 2**64 - 1},
        {"topic": "samtycke.Återkallat ✓"},
        {"stream_id": "x" * 0xFFFF},
    ],
)
def test_leaf_round_trips_through_encode_and_decode(overrides: dict[str, Any]) -> None:
    leaf = _leaf(**overrides)
    fields = decode_leaf(leaf)
    assert _leaf(**vars(fields)) == leaf
    for name, value in overrides.items():
        assert getattr(fields, name) == value


def test_distinct_field_splits_give_distinct_leaves() -> None:
    assert _leaf(stream_id="ab", topic="c") != _leaf(stream_id="a", topic="bc")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"payload_sha256": PAYLOAD[:31]}, "payload_sha256"),
        ({"payload_sha256": PAYLOAD + b"\x00"}, "payload_sha256"),
        ({"stream_id": "x" * 0x10000}, "stream_id"),
        ({"topic": "é" * 0x8000}, "topic"),
        ({"recorded_at": "\ud800"}, "recorded_at"),
        ({"version": -1}, "version"),
        ({"version": 2**64}, "version"),
        ({"version": True}, "version"),
    ],
)
def test_encode_leaf_rejects_values_that_do_not_fit(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _leaf(**overrides)


GOOD_LEAF = _leaf()


@pytest.mark.parametrize(
    ("leaf", "message"),
    [
        (b"", "truncated"),
        (b"\x02" + GOOD_LEAF[1:], "format version"),
        (GOOD_LEAF[:-1], "truncated"),
        (GOOD_LEAF[:3], "truncated"),
        (GOOD_LEAF + b"\x00", "trailing"),
        (b"\x01\x00\x02\xff\xfe" + GOOD_LEAF[5:], "UTF-8"),
        (b"\x01\xff\xff" + GOOD_LEAF[3:], "truncated"),
    ],
)
def test_decode_leaf_rejects_malformed_bytes(leaf: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decode_leaf(leaf)

"""RFC 6962 / RFC 9162 Merkle log: leaf bytes, hashing, proof generation and verification.
Owns the tree arithmetic only; storage is reached through the `NodeStore` protocol (no I/O here).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

LEAF_FORMAT_VERSION = 1
_MAX_STR_BYTES = 0xFFFF
_MAX_U64 = 2**64 - 1

NodeKey = tuple[int, int]


class ProofError(ValueError):
    """A proof (or its inputs) failed verification; the message says what failed."""


class MissingNodeError(LookupError):
    """The node store lacks a node that a tree of the requested size must have."""


def hash_leaf(leaf: bytes) -> bytes:
    return hashlib.sha256(_LEAF_PREFIX + leaf).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


# --------------------------------------------------------------------------------------------
# Canonical leaf bytes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeafFields:
    stream_id: str
    version: int
    topic: str
    recorded_at: str
    payload_sha256: bytes


def _encode_str(name: str, value: str) -> bytes:
    try:
        raw = value.encode("utf-8")
    except UnicodeEncodeError as exc:
        msg = f"{name} is not encodable as UTF-8: {exc}"
        raise ValueError(msg) from exc
    if len(raw) > _MAX_STR_BYTES:
        msg = f"{name} is {len(raw)} bytes of UTF-8; at most {_MAX_STR_BYTES} fit a leaf"
        raise ValueError(msg)
    return len(raw).to_bytes(2, "big") + raw


def encode_leaf(
    *, stream_id: str, version: int, topic: str, recorded_at: str, payload_sha256: bytes
) -> bytes:
    """Length-prefixed fields, so no two distinct events can share leaf bytes."""
    if isinstance(version, bool) or not 0 <= version <= _MAX_U64:
        msg = f"version must be an integer in [0, 2**64), got {version!r}"
        raise ValueError(msg)
    if len(payload_sha256) != HASH_SIZE:
        msg = f"payload_sha256 must be {HASH_SIZE} bytes, got {len(payload_sha256)}"
        raise ValueError(msg)
    return b"".join(
        (
            bytes([LEAF_FORMAT_VERSION]),
            _encode_str("stream_id", stream_id),
            version.to_bytes(8, "big"),
            _encode_str("topic", topic),
            _encode_str("recorded_at", recorded_at),
            bytes(payload_sha256),
        )
    )


class _LeafReader:
    def __init__(self, leaf: bytes) -> None:
        self._leaf = leaf
        self._pos = 0

    def take(self, count: int, what: str) -> bytes:
        end = self._pos + count
        if end > len(self._leaf):
            msg = f"leaf is truncated in {what}: needs {end} bytes, has {len(self._leaf)}"
            raise ValueError(msg)
        chunk = self._leaf[self._pos : end]
        self._pos = end
        return chunk

    def text(self, what: str) -> str:
        length = int.from_bytes(self.take(2, f"{what} length"), "big")
        raw = self.take(length, what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            msg = f"leaf {what} is not valid UTF-8: {exc}"
            raise ValueError(msg) from exc

    def finish(self) -> None:
        if self._pos != len(self._leaf):
            msg = f"leaf has {len(self._leaf) - self._pos} trailing bytes"
            raise ValueError(msg)


def decode_leaf(leaf: bytes) -> LeafFields:
    reader = _LeafReader(bytes(leaf))
    (fmt,) = reader.take(1, "format version")
    if fmt != LEAF_FORMAT_VERSION:
        msg = f"unknown leaf format version {fmt}, expected {LEAF_FORMAT_VERSION}"
        raise ValueError(msg)
    stream_id = reader.text("stream_id")
    version = int.from_bytes(reader.take(8, "version"), "big")
    topic = reader.text("topic")
    recorded_at = reader.text("recorded_at")
    payload_sha256 = reader.take(HASH_SIZE, "payload_sha256")
    reader.finish()
    return LeafFields(
        stream_id=stream_id,
        version=version,
        topic=topic,
        recorded_at=recorded_at,
        payload_sha256=payload_sha256,
    )


# --------------------------------------------------------------------------------------------
# Reference (oracle) definitions, RFC 6962 §2.1: O(n) per call, used by tests and audits
# --------------------------------------------------------------------------------------------


def _split_point(n: int) -> int:
    """Largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _mth(leaf_hashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    n = hi - lo
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[lo]
    k = _split_point(n)
    return hash_children(_mth(leaf_hashes, lo, lo + k), _mth(leaf_hashes, lo + k, hi))


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    return _mth(leaf_hashes, 0, len(leaf_hashes))


def inclusion_path_of(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """RFC 6962 PATH(m, D[n])."""
    n = len(leaf_hashes)
    if not 0 <= index < n:
        msg = f"index {index} is outside a tree of size {n}"
        raise ValueError(msg)

    def path(m: int, lo: int, hi: int) -> list[bytes]:
        if hi - lo == 1:
            return []
        k = _split_point(hi - lo)
        if m < k:
            return [*path(m, lo, lo + k), _mth(leaf_hashes, lo + k, hi)]
        return [*path(m - k, lo + k, hi), _mth(leaf_hashes, lo, lo + k)]

    return path(index, 0, n)


def consistency_proof_of(first: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """RFC 6962 PROOF(m, D[n]); first == n gives the empty proof."""
    n = len(leaf_hashes)
    if not 0 < first <= n:
        msg = f"first size {first} must be in [1, {n}]"
        raise ValueError(msg)

    def subproof(m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
        if m == hi - lo:
            return [] if whole else [_mth(leaf_hashes, lo, hi)]
        k = _split_point(hi - lo)
        if m <= k:
            return [*subproof(m, lo, lo + k, whole), _mth(leaf_hashes, lo + k, hi)]
        return [*subproof(m - k, lo + k, hi, False), _mth(leaf_hashes, lo, lo + k)]

    return subproof(first, 0, n, True)


# --------------------------------------------------------------------------------------------
# Verification (RFC 9162 §2.1.3.2 / §2.1.4.2, in the transparency-dev decomposition)
# --------------------------------------------------------------------------------------------


def _check_hash(what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        msg = f"{what} must be {HASH_SIZE} bytes, got {len(value)}"
        raise ProofError(msg)


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for i, element in enumerate(proof):
        _check_hash(f"proof element {i}", element)


def _decomp_inclusion(index: int, size: int) -> tuple[int, int]:
    """Split an inclusion path into the part below the right border and the part along it."""
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner, border


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, element in enumerate(proof):
        # A set bit means this level's node is a right child, so the sibling goes left.
        left, right = (element, seed) if (index >> i) & 1 else (seed, element)
        seed = hash_children(left, right)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, element in enumerate(proof):
        if (index >> i) & 1:
            seed = hash_children(element, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for element in proof:
        seed = hash_children(element, seed)
    return seed


def root_from_inclusion(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]) -> bytes:
    if index < 0 or size < 0:
        msg = f"index ({index}) and size ({size}) must not be negative"
        raise ProofError(msg)
    if index >= size:
        msg = f"index {index} is beyond tree size {size}"
        raise ProofError(msg)
    _check_hash("leaf hash", leaf_hash)
    inner, border = _decomp_inclusion(index, size)
    if len(proof) != inner + border:
        msg = (
            f"inclusion proof has {len(proof)} hashes; index {index} of size {size} "
            f"needs {inner + border}"
        )
        raise ProofError(msg)
    _check_proof_hashes(proof)
    seed = _chain_inner(leaf_hash, proof[:inner], index)
    return _chain_border_right(seed, proof[inner:])


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    calculated = root_from_inclusion(index, size, leaf_hash, proof)
    if calculated != root:
        msg = (
            f"inclusion proof for index {index} of size {size} gives root {calculated.hex()}, "
            f"expected {root.hex()}"
        )
        raise ProofError(msg)


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ProofError unless `proof` shows the tree of size `second` extends that of `first`.

    Edge cases follow transparency-dev/merkle (and so the published vectors): first == 0 is an
    error even for 0 -> 0, because an empty tree is trivially a prefix and a caller asking is
    confused; first == second needs an empty proof and byte-equal roots, with no length check.
    """
    if first < 0 or second < 0:
        msg = f"sizes ({first}, {second}) must not be negative"
        raise ProofError(msg)
    if second < first:
        msg = f"second size {second} is smaller than first size {first}"
        raise ProofError(msg)
    if first == 0:
        msg = "a consistency proof from the empty tree is meaningless"
        raise ProofError(msg)
    if first == second:
        if proof:
            msg = f"sizes are equal ({first}) but the proof has {len(proof)} hashes"
            raise ProofError(msg)
        if first_root != second_root:
            msg = f"sizes are equal ({first}) but the roots differ"
            raise ProofError(msg)
        return
    if not proof:
        msg = f"empty consistency proof from size {first} to {second}"
        raise ProofError(msg)
    _check_hash("first root", first_root)
    _check_hash("second root", second_root)
    _check_proof_hashes(proof)

    inner, border = _decomp_inclusion(first - 1, second)
    shift = (first & -first).bit_length() - 1
    inner -= shift
    # The first tree's rightmost perfect subtree (size 2**shift) is the proof's seed, except
    # when the first tree is itself perfect: then the seed is its root and is left out.
    start = 0 if first == 1 << shift else 1
    if len(proof) != start + inner + border:
        msg = (
            f"consistency proof from {first} to {second} has {len(proof)} hashes; "
            f"expected {start + inner + border}"
        )
        raise ProofError(msg)
    seed = proof[0] if start else first_root
    rest = proof[start:]
    mask = (first - 1) >> shift
    inner_path, border_path = rest[:inner], rest[inner:]
    calculated_first = _chain_border_right(_chain_inner_right(seed, inner_path, mask), border_path)
    if calculated_first != first_root:
        msg = f"consistency proof does not reproduce the root of size {first}"
        raise ProofError(msg)
    calculated_second = _chain_border_right(_chain_inner(seed, inner_path, mask), border_path)
    if calculated_second != second_root:
        msg = f"consistency proof does not reproduce the root of size {second}"
        raise ProofError(msg)


# --------------------------------------------------------------------------------------------
# Stored tree: perfect-subtree nodes keyed (level, index)
# --------------------------------------------------------------------------------------------


class NodeStore(Protocol):
    def nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]: ...


def _perfect_cover(start: int, end: int) -> list[NodeKey]:
    """The fewest aligned perfect nodes covering leaves [start, end), left to right."""
    keys: list[NodeKey] = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while (1 << level) > end - start:
            level -= 1
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def _fetch(store: NodeStore, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    found = store.nodes(wanted)
    missing = [key for key in wanted if key not in found]
    if missing:
        shown = ", ".join(map(str, missing[:4]))
        msg = f"node store lacks {len(missing)} required node(s): {shown}"
        raise MissingNodeError(msg)
    return {key: found[key] for key in wanted}


def _range_hash(cover: Sequence[NodeKey], nodes: Mapping[NodeKey, bytes]) -> bytes:
    """MTH of a range that the RFC tree treats as one subtree, folded from its perfect cover.

    Such ranges are perfect or a right edge, so their cover shrinks left to right and the RFC
    split makes the rightmost nodes the deepest: fold from the right.
    """
    if not cover:
        return EMPTY_ROOT
    result = nodes[cover[-1]]
    for key in reversed(cover[:-1]):
        result = hash_children(nodes[key], result)
    return result


def _check_size(size: int) -> None:
    if size < 0:
        msg = f"tree size must not be negative, got {size}"
        raise ValueError(msg)


def _check_leaf_hashes(leaf_hashes: Sequence[bytes]) -> None:
    for i, leaf_hash in enumerate(leaf_hashes):
        if len(leaf_hash) != HASH_SIZE:
            msg = f"leaf hash {i} must be {HASH_SIZE} bytes, got {len(leaf_hash)}"
            raise ValueError(msg)


def nodes_to_append_many(
    size: int, leaf_hashes: Sequence[bytes], store: NodeStore
) -> list[tuple[NodeKey, bytes]]:
    _check_size(size)
    _check_leaf_hashes(leaf_hashes)
    if not leaf_hashes:
        return []
    end = size + len(leaf_hashes)
    # Only stored frontier nodes whose parent this batch completes are ever needed as siblings.
    wanted = [
        (level, (size >> level) - 1)
        for level in range(size.bit_length())
        if (size >> level) & 1 and (end >> (level + 1)) > (size >> (level + 1))
    ]
    known = _fetch(store, wanted)
    created: list[tuple[NodeKey, bytes]] = []
    for offset, leaf_hash in enumerate(leaf_hashes):
        level, index, node = 0, size + offset, bytes(leaf_hash)
        created.append(((level, index), node))
        while index & 1:
            node = hash_children(known.pop((level, index - 1)), node)
            level, index = level + 1, index >> 1
            created.append(((level, index), node))
        known[(level, index)] = node
    return created


def nodes_to_append(size: int, leaf_hash: bytes, store: NodeStore) -> list[tuple[NodeKey, bytes]]:
    return nodes_to_append_many(size, [leaf_hash], store)


def root_at(size: int, store: NodeStore) -> bytes:
    _check_size(size)
    cover = _perfect_cover(0, size)
    return _range_hash(cover, _fetch(store, cover))


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose hashes form PATH(index, D[size]), deepest first."""
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split_point(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def _consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """Leaf ranges whose hashes form PROOF(first, D[second]), in proof order."""
    siblings: list[tuple[int, int]] = []
    lo, hi, whole = 0, second, True
    while first - lo != hi - lo:
        k = _split_point(hi - lo)
        if first - lo <= k:
            siblings.append((lo + k, hi))
            hi = lo + k
        else:
            siblings.append((lo, lo + k))
            lo += k
            whole = False
    siblings.reverse()
    return siblings if whole else [(lo, hi), *siblings]


def _proof_from_ranges(ranges: Sequence[tuple[int, int]], store: NodeStore) -> list[bytes]:
    covers = [_perfect_cover(lo, hi) for lo, hi in ranges]
    nodes = _fetch(store, (key for cover in covers for key in cover))
    return [_range_hash(cover, nodes) for cover in covers]


def inclusion_proof(index: int, size: int, store: NodeStore) -> list[bytes]:
    if not 0 <= index < size:
        msg = f"index {index} is outside a tree of size {size}"
        raise ValueError(msg)
    return _proof_from_ranges(_inclusion_ranges(index, size), store)


def consistency_proof(first: int, second: int, store: NodeStore) -> list[bytes]:
    if not 0 < first <= second:
        msg = f"consistency proof needs 0 < first <= second, got first={first}, second={second}"
        raise ValueError(msg)
    return _proof_from_ranges(_consistency_ranges(first, second), store)


class MemoryNodeStore:
    """Dict-backed NodeStore for tests; counts every node key asked for in `count_reads`."""

    def __init__(self) -> None:
        self._nodes: dict[NodeKey, bytes] = {}
        self.count_reads = 0
        self.count_calls = 0

    def nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        self.count_calls += 1
        self.count_reads += len(keys)
        return {key: self._nodes[key] for key in keys if key in self._nodes}

    def put(self, items: Iterable[tuple[NodeKey, bytes]]) -> None:
        """Store nodes; rewriting a node with a different hash is refused (append-only)."""
        for key, value in items:
            old = self._nodes.get(key)
            if old is not None and old != value:
                msg = f"node {key} is already stored with a different hash"
                raise ValueError(msg)
            self._nodes[key] = bytes(value)

    def snapshot(self) -> dict[NodeKey, bytes]:
        return dict(self._nodes)

    def reset_counts(self) -> None:
        self.count_reads = 0
        self.count_calls = 0


Level = tuple[int, int, list[bytes]]  # a level, the index of its first node, the nodes' hashes


class TreeBuilder:
    """Streaming root computation over leaf hashes in order, holding only the compact range."""

    def __init__(self) -> None:
        # The compact range of [0, size): at each level, the root of the perfect subtree that
        # waits for its right sibling (where the size has a one bit), else None.
        self._waiting: list[bytes | None] = []
        self._size = 0

    @property
    def size(self) -> int:
        return self._size

    def extend(self, leaf_hashes: Sequence[bytes]) -> list[Level]:
        """Adds leaves; returns the perfect-subtree nodes they complete, a level at a time from
        the leaves' own up, so that a level is hashed (and can be compared) in one loop."""
        _check_leaf_hashes(leaf_hashes)
        completed: list[Level] = []
        level, index, nodes = 0, self._size, [bytes(leaf_hash) for leaf_hash in leaf_hashes]
        while nodes:
            completed.append((level, index, nodes))
            if level == len(self._waiting):
                self._waiting.append(None)
            if index & 1:  # the first node is a right child: its left sibling waited
                left = self._waiting[level]
                assert left is not None
                nodes, index = [left, *nodes], index - 1
            paired = len(nodes) & ~1  # an odd last node waits for its right sibling
            self._waiting[level] = nodes[-1] if paired < len(nodes) else None
            lefts, rights = nodes[0:paired:2], nodes[1:paired:2]
            level, index = level + 1, index >> 1
            nodes = [hash_children(a, b) for a, b in zip(lefts, rights, strict=True)]
        self._size += len(leaf_hashes)
        return completed

    def append(self, leaf_hash: bytes) -> list[tuple[NodeKey, bytes]]:
        """Adds a leaf; returns the perfect-subtree nodes it completes, the leaf's own first."""
        return [((level, index), nodes[0]) for level, index, nodes in self.extend([leaf_hash])]

    def root(self) -> bytes:
        result: bytes | None = None
        for node in self._waiting:  # the smallest subtree first: it is the rightmost
            if node is not None:
                result = node if result is None else hash_children(node, result)
        return EMPTY_ROOT if result is None else result

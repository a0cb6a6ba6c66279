"""The integrity service over the ledger's Merkle log: signed C2SP checkpoints that never contradict
an earlier one, leaves, inclusion and consistency proofs, offline evidence bundles, and `verify`,
a full re-audit of the store that streams every event in bounded memory."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoint import (
    Checkpoint,
    NoteError,
    key_id,
    make_bundle,
    public_key_bytes,
    sign_checkpoint,
    verify_checkpoint_by_any,
)
from ledger.merkle import (
    EMPTY_ROOT,
    Level,
    MissingNodeError,
    ProofError,
    TreeBuilder,
    consistency_proof,
    hash_leaf,
    inclusion_proof,
    root_at,
    verify_consistency,
)
from ledger.store.database import Database
from ledger.store.integrity_sql import CheckpointRow, Counts, EntryRow, IntegritySql, node_count
from ledger.store.tables import leaf_bytes
from ledger.timeutil import iso

DEFAULT_CHUNK_SIZE = 8192

Progress = Callable[[int, int], None]


class InconsistentLog(Exception):
    """The stored log contradicts itself or a checkpoint signed before; nothing new was signed."""


class DamagedLeaf(InconsistentLog):
    """A stored event no longer reproduces the leaf that its log position committed to."""


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of a full audit. On failure, `first_bad_position` names the first log position
    that does not match (None when the problem has no position, e.g. a forged checkpoint), and
    `bad_checkpoint` the tree size of the first stored checkpoint that fails, if one does."""

    ok: bool
    tree_size: int
    checkpoints_checked: int
    first_bad_position: int | None = None
    problem: str | None = None
    bad_checkpoint: int | None = None


def topic_class(topic: str) -> str:
    """The short class qualname in an event topic: `ledger.youth:Youth.Registered` gives
    `Youth.Registered`."""
    return topic.rpartition(":")[2]


def recompute_leaf(row: EntryRow) -> bytes:
    """The leaf bytes from the stored event row; DamagedLeaf unless they hash to the stored leaf."""
    where = f"position {row.position}"
    if row.stream_id is None or row.topic is None or row.state is None:
        msg = f"{where}: the stored event it commits to is missing"
        raise DamagedLeaf(msg)
    try:
        leaf = leaf_bytes(row.stream_id, row.version, row.topic, row.recorded_at, row.state)
    except ValueError as e:
        msg = f"{where}: the stored event cannot be encoded as a leaf ({e})"
        raise DamagedLeaf(msg) from None
    if hash_leaf(leaf) != row.leaf_hash:
        msg = (
            f"{where}: the stored event no longer reproduces its leaf hash "
            "(its content, type or recorded time was changed)"
        )
        raise DamagedLeaf(msg)
    if row.log_topic != row.topic:
        msg = f"{where}: the log's event type differs from the stored event's"
        raise DamagedLeaf(msg)
    return leaf


class _Failure(Exception):
    def __init__(
        self, problem: str, *, position: int | None = None, checkpoint: int | None = None
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.position = position
        self.checkpoint = checkpoint


class BadArgument(ValueError):
    """An argument out of range; `argument` names which one."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


def _require_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadArgument(name, f"{name} must be an integer")
    return value


class IntegrityService:
    """Checkpoints, proofs and audits over one ledger store. New checkpoints are signed with one
    Ed25519 key; stored ones verify with that key or a retired one (`retired_keys`, key name and
    public key pairs), each with the key that signed it, so rotating the key keeps old ones valid."""

    def __init__(
        self,
        database: Database,
        *,
        origin: str,
        key_name: str,
        private_key: Ed25519PrivateKey,
        clock: Callable[[], datetime],
        retired_keys: Iterable[tuple[str, bytes]] = (),
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        if chunk_size < 1:
            msg = "chunk_size must be at least 1"
            raise ValueError(msg)
        self.database = database
        self.origin = origin
        self.key_name = key_name
        self.public_key = public_key_bytes(private_key)
        self.trusted_keys = ((key_name, self.public_key), *retired_keys)
        self._private_key = private_key
        self._clock = clock
        self._chunk_size = chunk_size
        self._sql = IntegritySql(database)
        self._lock = threading.Lock()
        # Fail at start-up, not at the first signature, on an unusable origin or key.
        Checkpoint(origin=origin, size=0, root_hash=EMPTY_ROOT)
        for name, public_key in self.trusted_keys:
            key_id(name, public_key)

    # -- checkpoints ---------------------------------------------------------------------------
    def checkpoint(self, *, sign_new: bool = True) -> dict[str, Any]:
        """The latest checkpoint, first signing one for the current tree if it grew since."""
        with self._lock:
            latest = self._sql.latest_checkpoint()
            if not sign_new:
                if latest is None:
                    msg = "no checkpoint has been signed yet"
                    raise LookupError(msg)
                return self._checkpoint_json(latest)
            size = self._sql.tree_size()
            if latest is not None:
                if latest.tree_size == size:
                    return self._checkpoint_json(latest)
                if latest.tree_size > size:
                    msg = (
                        f"a checkpoint is signed for tree size {latest.tree_size} but the log "
                        f"ends at {size}: refusing to sign a shorter tree"
                    )
                    raise InconsistentLog(msg)
            root = self._root(size)
            if latest is not None:
                self._require_extension(latest, size, root)
            note = sign_checkpoint(
                Checkpoint(origin=self.origin, size=size, root_hash=root),
                self.key_name,
                self._private_key,
            )
            row = CheckpointRow(size, root, note, iso(self._clock()))
            if not self._sql.put_checkpoint(row):
                # Another process signed this size first: theirs must commit to the same root.
                stored = self._sql.checkpoint_at(size)
                if stored is None or stored.root_hash != root:
                    msg = f"a different checkpoint is stored for tree size {size}"
                    raise InconsistentLog(msg)
                row = stored
            return self._checkpoint_json(row)

    def maybe_checkpoint(self, min_interval: timedelta) -> None:
        """Sign a new checkpoint if the tree grew and the last one is older than `min_interval`."""
        latest = self._sql.latest_checkpoint()
        if latest is not None:
            if self._sql.tree_size() <= latest.tree_size:
                return
            try:
                signed_at = datetime.fromisoformat(latest.signed_at)
            except ValueError:
                signed_at = None  # unreadable: treat as old, and sign
            if signed_at is not None and self._clock() - signed_at < min_interval:
                return
        self.checkpoint()

    def verify_note(self, note: str) -> tuple[Checkpoint, tuple[str, bytes]]:
        """The checkpoint in a signed note, and the trusted key (current or retired) that signed
        it; NoteError if none of them did."""
        return verify_checkpoint_by_any(note, self.trusted_keys)

    def _verified(self, row: CheckpointRow) -> tuple[Checkpoint, tuple[str, bytes]]:
        try:
            checkpoint, signer = self.verify_note(row.note)
        except NoteError as e:
            msg = f"the stored checkpoint at tree size {row.tree_size} does not verify: {e}"
            raise InconsistentLog(msg) from None
        if checkpoint.size != row.tree_size or checkpoint.root_hash != row.root_hash:
            msg = (
                f"the stored checkpoint at tree size {row.tree_size} differs from its signed "
                "note in size or root"
            )
            raise InconsistentLog(msg)
        return checkpoint, signer

    def _checkpoint_json(self, row: CheckpointRow) -> dict[str, Any]:
        checkpoint, (key_name, public_key) = self._verified(row)
        return {
            "origin": checkpoint.origin,
            "tree_size": checkpoint.size,
            "root_hash": checkpoint.root_hash.hex(),
            "signed_at": row.signed_at,
            "note": row.note,
            "key_name": key_name,
            "public_key": public_key.hex(),
        }

    def _root(self, size: int) -> bytes:
        try:
            return root_at(size, self.database)
        except MissingNodeError as e:
            msg = f"the stored tree of size {size} is incomplete: {e}"
            raise InconsistentLog(msg) from None

    def _require_extension(self, previous: CheckpointRow, size: int, root: bytes) -> None:
        """Refuse (InconsistentLog) unless the tree (size, root) extends `previous`."""
        earlier, _ = self._verified(previous)
        if earlier.size == 0:
            if earlier.root_hash != EMPTY_ROOT:
                msg = "the stored checkpoint of the empty tree has a non-empty root"
                raise InconsistentLog(msg)
            return
        try:
            proof = consistency_proof(earlier.size, size, self.database)
            verify_consistency(earlier.size, size, earlier.root_hash, root, proof)
        except (ProofError, MissingNodeError) as e:
            msg = (
                f"refusing to sign tree size {size}: it is not consistent with the checkpoint "
                f"signed at tree size {earlier.size} ({e})"
            )
            raise InconsistentLog(msg) from None

    # -- leaves and proofs ---------------------------------------------------------------------
    def _entry(self, position: int) -> EntryRow:
        rows = self._sql.entries(position, position + 1)
        if not rows:
            msg = f"position {position} is missing from the log"
            raise InconsistentLog(msg)
        return rows[0]

    def _existing_position(self, position: int) -> int:
        position = _require_int("position", position)
        size = self._sql.tree_size()
        if not 0 <= position < size:
            msg = f"no leaf at position {position}: the tree has {size} leaves"
            raise LookupError(msg)
        return size

    def leaf(self, position: int) -> dict[str, Any]:
        """The exact leaf bytes at `position`, recomputed from the stored event."""
        self._existing_position(position)
        row = self._entry(position)
        leaf = recompute_leaf(row)
        return {
            "position": position,
            "leaf": leaf.hex(),
            "leaf_hash": hash_leaf(leaf).hex(),
            "type": topic_class(row.log_topic),
            "recorded_at": row.recorded_at,
        }

    def inclusion(self, position: int, tree_size: int) -> dict[str, Any]:
        position = _require_int("position", position)
        tree_size = _require_int("tree_size", tree_size)
        if tree_size < 1:
            raise BadArgument("tree_size", f"tree_size must be at least 1, got {tree_size}")
        if position < 0:
            raise BadArgument("position", f"position must not be negative, got {position}")
        if position >= tree_size:
            msg = f"position {position} is not inside a tree of size {tree_size}"
            raise BadArgument("position", msg)
        current = self._sql.tree_size()
        if tree_size > current:
            msg = f"tree_size {tree_size} is beyond the current tree size {current}"
            raise BadArgument("tree_size", msg)
        log_row = self.database.read(self.database.tables.log_row, position)
        if log_row is None:
            msg = f"position {position} is missing from the log"
            raise InconsistentLog(msg)
        try:
            path = inclusion_proof(position, tree_size, self.database)
        except MissingNodeError as e:
            msg = f"the stored tree of size {tree_size} is incomplete: {e}"
            raise InconsistentLog(msg) from None
        return {
            "position": position,
            "tree_size": tree_size,
            "leaf_hash": bytes(log_row.leaf_hash).hex(),
            "audit_path": [node.hex() for node in path],
        }

    def consistency(self, first: int, second: int) -> dict[str, Any]:
        first = _require_int("first", first)
        second = _require_int("second", second)
        if first < 1:
            msg = f"first must be at least 1 (every tree extends the empty one), got {first}"
            raise BadArgument("first", msg)
        if first > second:
            raise BadArgument("first", f"first ({first}) must not exceed second ({second})")
        current = self._sql.tree_size()
        if second > current:
            msg = f"second ({second}) is beyond the current tree size {current}"
            raise BadArgument("second", msg)
        try:
            proof = consistency_proof(first, second, self.database)
        except MissingNodeError as e:
            msg = f"the stored tree of size {second} is incomplete: {e}"
            raise InconsistentLog(msg) from None
        return {"first": first, "second": second, "proof": [node.hex() for node in proof]}

    def bundle(self, position: int) -> dict[str, Any]:
        """An offline-verifiable bundle proving the leaf at `position` in the latest checkpoint."""
        self._existing_position(position)
        latest = self._sql.latest_checkpoint()
        if latest is None or latest.tree_size <= position:
            self.checkpoint()
            latest = self._sql.latest_checkpoint()
            if latest is None or latest.tree_size <= position:
                msg = f"no checkpoint covers position {position}"
                raise InconsistentLog(msg)
        # Until the tree grows, the latest checkpoint may be signed by a key retired since.
        checkpoint, (key_name, public_key) = self._verified(latest)
        leaf = recompute_leaf(self._entry(position))
        try:
            path = inclusion_proof(position, checkpoint.size, self.database)
            return make_bundle(
                position=position,
                leaf=leaf,
                tree_size=checkpoint.size,
                audit_path=path,
                note=latest.note,
                key_name=key_name,
                public_key=public_key,
            )
        except (MissingNodeError, ProofError, NoteError) as e:
            size = checkpoint.size
            msg = f"position {position} cannot be proven in the checkpoint of size {size}"
            raise InconsistentLog(f"{msg}: {e}") from None

    # -- the full audit ------------------------------------------------------------------------
    def verify(self, progress: Progress | None = None) -> VerifyReport:
        """Re-read the whole store in position order and check every leaf, node and checkpoint.

        Memory stays bounded by the chunk size: rows are read a chunk per transaction, the tree
        is folded with a compact range, and checkpoints are read a page at a time. Entries
        appended while the audit runs are left for the next one.
        """
        counts = self._sql.counts()
        audit = _Audit(self, counts)
        try:
            audit.run(progress)
        except _Failure as failure:
            return VerifyReport(
                ok=False,
                tree_size=counts.tree_size,
                checkpoints_checked=audit.checked,
                first_bad_position=failure.position,
                problem=failure.problem,
                bad_checkpoint=failure.checkpoint,
            )
        return VerifyReport(ok=True, tree_size=counts.tree_size, checkpoints_checked=audit.checked)


class _Audit:
    """One run of `IntegrityService.verify`; raises _Failure at the first problem."""

    def __init__(self, service: IntegrityService, counts: Counts) -> None:
        self.service = service
        self.sql = service._sql
        self.counts = counts
        self.size = counts.tree_size
        self.builder = TreeBuilder()  # recomputes every node, to compare with the stored ones
        self.checked = 0
        self.previous: tuple[int, bytes] | None = None  # the last checkpoint that matched
        self.checkpoints: Iterator[CheckpointRow] = self.sql.checkpoints()
        self.pending: CheckpointRow | None = next(self.checkpoints, None)
        self.last_recorded = ""  # the recorded time of the position before

    def run(self, progress: Progress | None) -> None:
        if self.counts.lowest_position < 0:
            problem = f"the log holds a row at negative position {self.counts.lowest_position}"
            raise _Failure(problem, position=self.counts.lowest_position)
        chunk = self.service._chunk_size
        for start in range(0, self.size, chunk):
            stop = min(start + chunk, self.size)
            self._chunk(start, stop)
            if progress is not None:
                progress(stop, self.size)
        signed: list[tuple[int, bytes]] = []
        self._checkpoints_at(self.size, signed)
        self._consistency(signed)
        self._beyond_the_tree()
        self._totals()

    def _chunk(self, start: int, stop: int) -> None:
        levels: list[Level] = []
        signed: list[tuple[int, bytes]] = []
        leaf_hashes: list[bytes] = []  # of the rows checked since the builder last grew
        expected = start
        for row in self.sql.entries(start, stop):
            if self.pending is not None and self.pending.tree_size <= expected:
                levels += self.builder.extend(leaf_hashes)
                leaf_hashes = []
                self._checkpoints_at(expected, signed)
            if row.position != expected:
                raise _Failure(f"position {expected} is missing from the log", position=expected)
            try:
                recompute_leaf(row)
            except DamagedLeaf as e:
                raise _Failure(str(e), position=row.position) from None
            self._in_time_order(row)
            leaf_hashes.append(row.leaf_hash)
            expected += 1
        if expected != stop:
            raise _Failure(f"position {expected} is missing from the log", position=expected)
        levels += self.builder.extend(leaf_hashes)
        self._nodes(levels)
        self._consistency(signed)

    def _in_time_order(self, row: EntryRow) -> None:
        """Recorded time never runs back along the log (tables.Tables.append gives each event
        the time of its place), so "the ledger as it knew it at K" is a prefix of the log; an
        earlier time after a later one is back-dating or a rewritten row. The times are the
        fixed-width text of timeutil.stamp, whose text order is time order."""
        if row.recorded_at < self.last_recorded:
            problem = (
                f"position {row.position} was recorded at {row.recorded_at}, before position "
                f"{row.position - 1} ({self.last_recorded}): recorded time runs back in the log"
            )
            raise _Failure(problem, position=row.position)
        self.last_recorded = row.recorded_at

    def _checkpoints_at(self, size: int, signed: list[tuple[int, bytes]]) -> None:
        """Check every stored checkpoint of tree size `size` (and fail on any skipped size)."""
        while self.pending is not None and self.pending.tree_size <= size:
            row = self.pending
            where = f"the checkpoint at tree size {row.tree_size}"
            if row.tree_size != size:
                raise _Failure(f"{where} cannot be placed in the log", checkpoint=row.tree_size)
            try:
                checkpoint, _ = self.service.verify_note(row.note)
            except NoteError as e:
                raise _Failure(f"{where} does not verify: {e}", checkpoint=size) from None
            if checkpoint.size != size or checkpoint.root_hash != row.root_hash:
                problem = f"{where} differs from its signed note in size or root"
                raise _Failure(problem, checkpoint=size)
            if checkpoint.root_hash != self.builder.root():
                since = 0 if self.previous is None else self.previous[0]
                problem = (
                    f"the log's root at tree size {size} differs from {where}: an entry at a "
                    f"position from {since} to {size - 1} was rewritten together with its leaf"
                )
                raise _Failure(problem, checkpoint=size)
            signed.append((size, checkpoint.root_hash))
            self.checked += 1
            self.pending = next(self.checkpoints, None)

    def _nodes(self, levels: list[Level]) -> None:
        """Compare the nodes completed by this chunk's leaves with the stored ones, a level at a
        time (a level's nodes in a chunk have consecutive indexes)."""
        computed: dict[int, list[tuple[int, bytes]]] = {}
        for level, first, hashes in levels:
            computed.setdefault(level, []).extend(zip(count(first), hashes))
        ranges = {level: (nodes[0][0], nodes[-1][0]) for level, nodes in computed.items()}
        stored = self.sql.node_levels(ranges)
        for level, nodes in computed.items():
            if stored[level] != nodes:
                self._first_bad_node(level, nodes, dict(stored[level]))

    def _first_bad_node(
        self, level: int, computed: list[tuple[int, bytes]], stored: dict[int, bytes]
    ) -> None:
        for index, digest in computed:
            found = stored.get(index)
            if found != digest:
                first, last = index << level, ((index + 1) << level) - 1
                state = "missing" if found is None else "wrong"
                problem = (
                    f"the stored Merkle node at level {level}, index {index} "
                    f"(positions {first} to {last}) is {state}"
                )
                raise _Failure(problem, position=first)

    def _consistency(self, signed: list[tuple[int, bytes]]) -> None:
        """Each checkpoint must be provably consistent with the one before, from stored nodes."""
        for size, root in signed:
            if self.previous is not None and self.previous[0] > 0:
                first, first_root = self.previous
                try:
                    proof = consistency_proof(first, size, self.service.database)
                    verify_consistency(first, size, first_root, root, proof)
                except (ProofError, MissingNodeError) as e:
                    problem = (
                        f"the checkpoint at tree size {size} is not provably consistent with "
                        f"the one at tree size {first}: {e}"
                    )
                    raise _Failure(problem, checkpoint=size) from None
            self.previous = (size, root)

    def _beyond_the_tree(self) -> None:
        if self.pending is None:
            return
        # Checkpoints signed while the audit ran may cover newer entries; compare with now.
        latest = self.sql.latest_checkpoint()
        current = self.sql.tree_size()
        if latest is not None and latest.tree_size > current:
            problem = (
                f"a checkpoint is signed for tree size {latest.tree_size} but the log ends at "
                f"{current}: the entries from position {current} on are gone"
            )
            raise _Failure(problem, position=current, checkpoint=latest.tree_size)

    def _totals(self) -> None:
        try:
            stored_root = root_at(self.size, self.service.database)
        except MissingNodeError as e:
            raise _Failure(f"the stored tree is incomplete: {e}") from None
        if stored_root != self.builder.root():
            raise _Failure(f"the stored tree's root at size {self.size} differs from the leaves'")
        expected_nodes = node_count(self.size)
        if self.counts.nodes != expected_nodes:
            problem = (
                f"the node table holds {self.counts.nodes} nodes; a tree of {self.size} leaves "
                f"has {expected_nodes}"
            )
            raise _Failure(problem)
        if self.counts.logged != self.size:
            problem = f"the log holds {self.counts.logged} rows for {self.size} positions"
            raise _Failure(problem)
        if self.counts.events != self.counts.logged:
            unlogged = self.sql.unlogged_event()
            if unlogged is not None:
                stream, version = unlogged
                problem = (
                    f"the stored event (stream {stream}, version {version}) has no position in "
                    "the log"
                )
            else:
                problem = (
                    f"the store holds {self.counts.events} events but the log "
                    f"{self.counts.logged} positions"
                )
            raise _Failure(problem)

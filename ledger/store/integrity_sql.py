"""SQL for the integrity layer beyond tables.py: stored events joined to their log positions, the
counts a full audit compares, ranges of Merkle nodes, and checkpoints read in pages. Written once
with `?` placeholders; PostgreSQL gets `%s` and its schema, as in tables.py."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from eventsourcing.persistence import IntegrityError

from ledger.store.database import Database
from ledger.store.tables import stream_text

SQLITE_EVENTS_TABLE = "stored_events"
POSTGRES_EVENTS_TABLE = "ledger_events"


class EntryRow(NamedTuple):
    """One ledger_log row and, when it still exists, the stored event it points at: a tuple, so
    that the rows of a full read are made by the driver alone (columns in this order)."""

    position: int
    log_stream_id: str
    version: int
    log_topic: str
    recorded_at: str
    leaf_hash: bytes
    stream_id: str | None  # None: no stored event has this (stream, version)
    topic: str | None
    state: bytes | None


@dataclass(frozen=True)
class Counts:
    """Taken in one statement, so the numbers agree with each other under concurrent appends."""

    events: int
    logged: int
    tree_size: int
    lowest_position: int
    nodes: int


@dataclass(frozen=True)
class CheckpointRow:
    tree_size: int
    root_hash: bytes
    note: str
    signed_at: str


class IntegritySql:
    """Reads and writes of the integrity layer, for the dialect of one `Database`."""

    def __init__(self, database: Database, events_table: str | None = None) -> None:
        self.database = database
        self.tables = database.tables
        default = POSTGRES_EVENTS_TABLE if database.is_postgres else SQLITE_EVENTS_TABLE
        self.events = f'{self.tables.qualify}"{events_table or default}"'

    def q(self, statement: str) -> str:
        return self.tables.q(statement.replace("{events}", self.events))

    # -- events joined to the log ----------------------------------------------------------
    def _join(self) -> str:
        if self.database.is_postgres:
            # A malformed id in the log must read as "no such event", not abort the query.
            return (
                "e.originator_id = CASE WHEN l.originator_id ~ '^[0-9a-f]{32}$' "
                "THEN CAST(l.originator_id AS uuid) END"
            )
        return "e.originator_id = l.originator_id"

    def _stream_text(self) -> str:
        """The event's stream id as the log writes it (tables.stream_text): PostgreSQL stores a
        uuid, and its text has dashes."""
        if self.database.is_postgres:
            return "replace(CAST(e.originator_id AS text), '-', '')"
        return "e.originator_id"

    def entries(self, start: int, stop: int) -> list[EntryRow]:
        """Log rows with positions in [start, stop), in position order, with their events."""
        with self.database.tuple_cursor() as cur:
            cur.execute(
                self.q(
                    "SELECT l.position, l.originator_id, l.originator_version, l.topic, "
                    f"l.recorded_at, l.leaf_hash, {self._stream_text()}, e.topic, e.state "
                    "FROM {p}ledger_log l LEFT JOIN {events} e ON "
                    + self._join()
                    + " AND e.originator_version = l.originator_version "
                    "WHERE l.position >= ? AND l.position < ? ORDER BY l.position"
                ),
                (start, stop),
            )
            return list(map(EntryRow._make, cur.fetchall()))

    def counts(self) -> Counts:
        with self.database.cursor() as cur:
            cur.execute(
                self.q(
                    "SELECT (SELECT COUNT(*) FROM {events}) AS events, "
                    "(SELECT COUNT(*) FROM {p}ledger_log) AS logged, "
                    "(SELECT COALESCE(MAX(position) + 1, 0) FROM {p}ledger_log) AS size, "
                    "(SELECT COALESCE(MIN(position), 0) FROM {p}ledger_log) AS low, "
                    "(SELECT COUNT(*) FROM {p}ledger_nodes) AS nodes"
                )
            )
            row = cur.fetchone()
            return Counts(
                events=int(row["events"]),
                logged=int(row["logged"]),
                tree_size=int(row["size"]),
                lowest_position=int(row["low"]),
                nodes=int(row["nodes"]),
            )

    def tree_size(self) -> int:
        size: int = self.database.read(self.tables.tree_size)
        return size

    def unlogged_event(self) -> tuple[str, int] | None:
        """One stored event without a log row, as (stream id, version), or None."""
        with self.database.cursor() as cur:
            cur.execute(
                self.q(
                    "SELECT e.originator_id AS stream, e.originator_version AS version "
                    "FROM {events} e WHERE NOT EXISTS (SELECT 1 FROM {p}ledger_log l "
                    f"WHERE l.originator_id = {self._stream_text()} "
                    "AND l.originator_version = e.originator_version) LIMIT 1"
                )
            )
            row = cur.fetchone()
            if row is None:
                return None
            return stream_text(row["stream"]), int(row["version"])

    # -- Merkle nodes ------------------------------------------------------------------------
    def node_levels(
        self, ranges: Mapping[int, tuple[int, int]]
    ) -> dict[int, list[tuple[int, bytes]]]:
        """Stored nodes of each level `level -> [first, last]` index range, in one query: per
        level, (index, hash) pairs in index order."""
        found: dict[int, list[tuple[int, bytes]]] = {level: [] for level in ranges}
        if not ranges:
            return found
        clause = " OR ".join("(level = ? AND idx >= ? AND idx <= ?)" for _ in ranges)
        params = [v for level, (lo, hi) in ranges.items() for v in (level, lo, hi)]
        with self.database.tuple_cursor() as cur:
            cur.execute(
                self.q(
                    f"SELECT level, idx, hash FROM {{p}}ledger_nodes WHERE {clause} "
                    "ORDER BY level, idx"
                ),
                params,
            )
            for level, index, digest in cur.fetchall():
                found[level].append((index, digest))
        return found

    # -- checkpoints -------------------------------------------------------------------------
    def latest_checkpoint(self) -> CheckpointRow | None:
        with self.database.cursor() as cur:
            cur.execute(
                self.q(
                    "SELECT tree_size, root_hash, note, signed_at FROM {p}ledger_checkpoints "
                    "ORDER BY tree_size DESC LIMIT 1"
                )
            )
            row = cur.fetchone()
            return None if row is None else _checkpoint(row)

    def checkpoint_at(self, tree_size: int) -> CheckpointRow | None:
        with self.database.cursor() as cur:
            cur.execute(
                self.q(
                    "SELECT tree_size, root_hash, note, signed_at FROM {p}ledger_checkpoints "
                    "WHERE tree_size = ?"
                ),
                (tree_size,),
            )
            row = cur.fetchone()
            return None if row is None else _checkpoint(row)

    def checkpoints(self, page: int = 1000) -> Iterator[CheckpointRow]:
        """Every stored checkpoint by tree size, read a page per transaction."""
        after = -1
        while True:
            with self.database.cursor() as cur:
                cur.execute(
                    self.q(
                        "SELECT tree_size, root_hash, note, signed_at FROM {p}ledger_checkpoints "
                        "WHERE tree_size > ? ORDER BY tree_size LIMIT ?"
                    ),
                    (after, page),
                )
                rows = [_checkpoint(row) for row in cur.fetchall()]
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].tree_size

    def put_checkpoint(self, row: CheckpointRow) -> bool:
        """Store a checkpoint; False if one of that size is already stored (a concurrent signer)."""
        try:
            self.database.write(
                self.tables.put_checkpoint, row.tree_size, row.root_hash, row.note, row.signed_at
            )
        except IntegrityError:  # the event store maps both drivers' errors to its own
            return False
        return True


def _checkpoint(row: Any) -> CheckpointRow:
    return CheckpointRow(
        tree_size=int(row["tree_size"]),
        root_hash=bytes(row["root_hash"]),
        note=str(row["note"]),
        signed_at=str(row["signed_at"]),
    )


def node_count(tree_size: int) -> int:
    """How many perfect-subtree nodes a tree of `tree_size` leaves stores."""
    return 2 * tree_size - bin(tree_size).count("1")

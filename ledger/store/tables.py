"""The ledger's own tables beside the event store, written in the same transaction as the events:
the dense position log with Merkle leaves and perfect-subtree nodes, the audit index, the lookup
index (keyed personnummer hash, entity id -> youth), data keys, idempotency records, checkpoints.
SQL is written once with `?` placeholders; PostgreSQL gets `%s` and its schema."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any, NamedTuple

from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger.entries import EntryMeta
from ledger.merkle import NodeKey, encode_leaf, hash_leaf, nodes_to_append_many
from ledger.timeutil import stamp, unstamp


@dataclass(frozen=True)
class LogRow:
    position: int
    originator_id: str
    originator_version: int
    topic: str
    recorded_at: str
    leaf_hash: bytes


@dataclass(frozen=True)
class AuditRow:
    position: int
    type: str
    recorded_at: str
    occurred_at: str | None
    actor_id: str
    agency_id: str
    youth_id: str | None
    parties: tuple[str, ...]
    originator_id: str
    originator_version: int


@dataclass(frozen=True)
class Dialect:
    name: str
    blob: str
    text_pk: str = "TEXT"

    def sql(self, statement: str, qualify: str) -> str:
        statement = statement.replace("{p}", qualify)
        return statement.replace("?", "%s") if self.name == "postgres" else statement


SQLITE = Dialect("sqlite", "BLOB")
POSTGRES = Dialect("postgres", "BYTEA")

CREATE = [
    """CREATE TABLE IF NOT EXISTS {p}ledger_log (
        position BIGINT PRIMARY KEY, originator_id TEXT NOT NULL, originator_version BIGINT NOT NULL,
        topic TEXT NOT NULL, recorded_at TEXT NOT NULL, leaf_hash {blob} NOT NULL,
        UNIQUE (originator_id, originator_version))""",
    """CREATE TABLE IF NOT EXISTS {p}ledger_nodes (
        level INTEGER NOT NULL, idx BIGINT NOT NULL, hash {blob} NOT NULL, PRIMARY KEY (level, idx))""",
    """CREATE TABLE IF NOT EXISTS {p}ledger_audit (
        position BIGINT PRIMARY KEY, type TEXT NOT NULL, recorded_at TEXT NOT NULL, occurred_at TEXT,
        actor_id TEXT NOT NULL, agency_id TEXT NOT NULL, youth_id TEXT, parties TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ledger_audit_actor ON {p}ledger_audit (actor_id, position)",
    "CREATE INDEX IF NOT EXISTS ledger_audit_agency ON {p}ledger_audit (agency_id, position)",
    "CREATE INDEX IF NOT EXISTS ledger_audit_youth ON {p}ledger_audit (youth_id, position)",
    "CREATE INDEX IF NOT EXISTS ledger_audit_type ON {p}ledger_audit (type, position)",
    """CREATE TABLE IF NOT EXISTS {p}ledger_audit_parties (
        agency_id TEXT NOT NULL, position BIGINT NOT NULL, PRIMARY KEY (agency_id, position))""",
    """CREATE TABLE IF NOT EXISTS {p}ledger_lookup (key TEXT PRIMARY KEY, youth_id TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS {p}ledger_data_keys (
        owner_id TEXT PRIMARY KEY, wrapped {blob} NOT NULL, created_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS {p}ledger_idempotency (
        scope_key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
        body TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS {p}ledger_checkpoints (
        tree_size BIGINT PRIMARY KEY, root_hash {blob} NOT NULL, note TEXT NOT NULL,
        signed_at TEXT NOT NULL)""",
]


def leaf_bytes(stream_id: str, version: int, topic: str, recorded_at: str, state: bytes) -> bytes:
    """What a leaf commits to: the stored event's identity, type, recorded time and a digest of
    its stored (sealed) payload. Written on append and recomputed by verify from the same rule."""
    return encode_leaf(
        stream_id=stream_id,
        version=version,
        topic=topic,
        recorded_at=recorded_at,
        payload_sha256=hashlib.sha256(state).digest(),
    )


def stream_text(originator_id: object) -> str:
    hex_ = getattr(originator_id, "hex", None)
    return hex_ if isinstance(hex_, str) else str(originator_id)


INSERT_CHUNK_ROWS = 500  # rows of one multi-row INSERT: 500 x 8 columns stays under SQLite's limit
PG_MAX_PARAMS = 60_000  # under PostgreSQL's 65,535 parameters of one statement

Restamp = Callable[[StoredEvent, datetime], StoredEvent]


class PointKey(NamedTuple):
    """A lookup change: the key points at the youth (whichever youth it pointed at before)."""

    key: str
    youth_id: str


class DropKeys(NamedTuple):
    """A lookup change: the youth's keys that start with the prefix are removed."""

    youth_id: str
    prefix: str


# Changes to the lookup index, applied in order by `Tables.reindex`.
LookupChange = PointKey | DropKeys


@dataclass(frozen=True)
class Idempotency:
    scope_key: str
    fingerprint: str
    status: int
    body: Any


class Tables:
    """Every SQL statement of the ledger's own tables, for one dialect."""

    def __init__(
        self, dialect: Dialect, schema: str | None = None, *, events_table: str = "stored_events"
    ) -> None:
        self.dialect = dialect
        self.qualify = f'"{schema}".' if schema else ""
        self.events_table = f'{self.qualify}"{events_table}"'

    def q(self, statement: str) -> str:
        return self.dialect.sql(statement, self.qualify)

    def create_statements(self) -> list[str]:
        return [self.q(s.replace("{blob}", self.dialect.blob)) for s in CREATE]

    # -- the write path, inside the event store's transaction ------------------------------
    def append(
        self,
        cur: Any,
        stored_events: Sequence[StoredEvent],
        *,
        entries: Sequence[EntryMeta] = (),
        lookups: Sequence[tuple[str, str]] = (),
        unlookups: Sequence[str] = (),
        idempotency: Idempotency | None = None,
        restamp: Restamp | None = None,
        restamped: list[StoredEvent] | None = None,
        **_: Any,
    ) -> None:
        """Runs after the events are inserted, under the store's write lock (SQLite's, or the
        event table's lock that PostgreSQL's recorder takes), so the positions taken here and
        the times they carry follow commit order, whichever process or server writes."""
        if len(entries) != len(stored_events):
            msg = "every stored event needs its entry metadata"
            raise ValueError(msg)
        size, floor = self._end_of_log(cur)
        leaf_hashes = []
        log_rows: list[tuple[Any, ...]] = []
        audit_rows: list[tuple[Any, ...]] = []
        party_rows: list[tuple[Any, ...]] = []
        for offset, (event, entry) in enumerate(zip(stored_events, entries, strict=True)):
            position = size + offset
            stored, meta = event, entry
            if entry.recorded_at < floor and restamp is not None:
                stored, meta = self._restamp(cur, event, entry, floor, restamp)
                if restamped is not None:
                    restamped.append(stored)
            floor = max(floor, meta.recorded_at)
            stream = stream_text(stored.originator_id)
            leaf = leaf_bytes(
                stream, stored.originator_version, stored.topic, meta.recorded_at, stored.state
            )
            leaf_hash = hash_leaf(leaf)
            leaf_hashes.append(leaf_hash)
            log_rows.append(
                (position, stream, stored.originator_version, stored.topic, meta.recorded_at,
                 leaf_hash)
            )  # fmt: skip
            audit_rows.append(_audit_row(position, meta))
            party_rows.extend((party, position) for party in meta.parties)
        node_rows = [
            (level, idx, digest)
            for (level, idx), digest in nodes_to_append_many(
                size, leaf_hashes, _NodeReader(self, cur)
            )
        ]
        # The rows of the four tables in as few statements as the dialect allows: on PostgreSQL,
        # where each statement is a round trip, one (data-modifying CTEs); on SQLite one a table.
        self._insert_rows(
            cur,
            [
                ("ledger_log", 6, log_rows),
                ("ledger_audit", 8, audit_rows),
                ("ledger_audit_parties", 2, party_rows),
                ("ledger_nodes", 3, node_rows),
            ],
        )
        for key in unlookups:
            cur.execute(self.q("DELETE FROM {p}ledger_lookup WHERE key = ?"), (key,))
        for key, youth_id in lookups:
            self._insert_unique(cur, "INSERT INTO {p}ledger_lookup VALUES (?, ?)", (key, youth_id))
        if idempotency is not None:
            self._insert_unique(
                cur,
                "INSERT INTO {p}ledger_idempotency VALUES (?, ?, ?, ?)",
                (
                    idempotency.scope_key,
                    idempotency.fingerprint,
                    idempotency.status,
                    json.dumps(idempotency.body),
                ),
            )

    def _end_of_log(self, cur: Any) -> tuple[int, str]:
        """The next position, and the recorded time of the last one ("" for an empty log)."""
        cur.execute(
            self.q("SELECT position, recorded_at FROM {p}ledger_log ORDER BY position DESC LIMIT 1")
        )
        row = cur.fetchone()
        if row is None:
            return 0, ""
        return int(row["position"]) + 1, str(row["recorded_at"])

    def _restamp(
        self, cur: Any, stored: StoredEvent, meta: EntryMeta, floor: str, restamp: Restamp
    ) -> tuple[StoredEvent, EntryMeta]:
        """Recorded time never runs back along the log: an event that read the clock before one
        committed ahead of it takes that one's time, in its stored state as in the log."""
        fresh = restamp(stored, unstamp(floor))
        originator: object = (
            stored.originator_id if self.dialect is POSTGRES else stream_text(stored.originator_id)
        )
        cur.execute(
            self.q(
                f"UPDATE {self.events_table} SET state = ? "
                "WHERE originator_id = ? AND originator_version = ?"
            ),
            (fresh.state, originator, stored.originator_version),
        )
        return fresh, dataclasses.replace(meta, recorded_at=floor)

    def _insert_rows(
        self, cur: Any, tables: Sequence[tuple[str, int, Sequence[tuple[Any, ...]]]]
    ) -> None:
        """Multi-row INSERTs of the given rows (table, columns, rows), in chunks that stay under
        the drivers' limits on parameters (SQLite's 32,766; PostgreSQL's 65,535)."""
        parts: list[tuple[str, list[Any]]] = []
        for table, width, rows in tables:
            for start in range(0, len(rows), INSERT_CHUNK_ROWS):
                chunk = rows[start : start + INSERT_CHUNK_ROWS]
                one = "(" + ", ".join("?" * width) + ")"
                values = ", ".join(one for _ in chunk)
                parts.append(
                    (f"INSERT INTO {{p}}{table} VALUES {values}", [v for r in chunk for v in r])
                )
        if self.dialect is POSTGRES and len(parts) > 1:
            # One round trip: every INSERT but the last as a data-modifying CTE (PostgreSQL runs
            # each exactly once, whether or not the main statement reads it). A batch too large
            # for one statement's parameters goes in groups.
            group: list[tuple[str, list[Any]]] = []
            count = 0
            for part in [*parts, ("", [])]:
                if part[0] and count + len(part[1]) <= PG_MAX_PARAMS:
                    group.append(part)
                    count += len(part[1])
                    continue
                *ctes, last = group
                head = ", ".join(f"w{i} AS ({sql})" for i, (sql, _) in enumerate(ctes))
                statement = (f"WITH {head} " if ctes else "") + last[0]
                cur.execute(self.q(statement), [v for _, params in group for v in params])
                group, count = ([part], len(part[1])) if part[0] else ([], 0)
            return
        for statement, params in parts:
            cur.execute(self.q(statement), params)

    def _insert_unique(self, cur: Any, statement: str, params: tuple[Any, ...]) -> None:
        # The event store maps its own driver errors; ours must become the same IntegrityError,
        # so that a collision on a lookup key is a clean conflict and nothing is written.
        try:
            cur.execute(self.q(statement), params)
        except Exception as e:
            if type(e).__name__ in ("IntegrityError", "UniqueViolation"):
                raise IntegrityError(str(e)) from e
            raise

    # -- reads ------------------------------------------------------------------------------
    def nodes(self, cur: Any, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        found: dict[NodeKey, bytes] = {}
        if not keys:
            return found
        # One query for the O(log n) nodes a proof needs.
        clause = " OR ".join("(level = ? AND idx = ?)" for _ in keys)
        params = [v for key in keys for v in key]
        cur.execute(
            self.q(f"SELECT level, idx, hash FROM {{p}}ledger_nodes WHERE {clause}"), params
        )
        for row in cur.fetchall():
            found[(int(row["level"]), int(row["idx"]))] = bytes(row["hash"])
        return found

    def indexed_size(self, cur: Any) -> int:
        """One past the last log position the audit index holds: the tree size when the index
        is current (it is written in the events' own transaction)."""
        cur.execute(self.q("SELECT MAX(position) FROM {p}ledger_audit"))
        row = cur.fetchone()
        value = row[0] if not isinstance(row, dict) else next(iter(row.values()))
        return 0 if value is None else int(value) + 1

    def tree_size(self, cur: Any) -> int:
        return self._end_of_log(cur)[0]

    def size_and_lag(self, cur: Any) -> tuple[int, int]:
        """The tree size and how many of its positions the audit index lacks (0 when current)."""
        size = self.tree_size(cur)
        return size, max(size - self.indexed_size(cur), 0)

    def log_rows(self, cur: Any, start: int, limit: int) -> list[LogRow]:
        cur.execute(
            self.q(
                "SELECT position, originator_id, originator_version, topic, recorded_at, leaf_hash "
                "FROM {p}ledger_log WHERE position >= ? ORDER BY position LIMIT ?"
            ),
            (start, limit),
        )
        return [
            LogRow(
                int(r["position"]),
                r["originator_id"],
                int(r["originator_version"]),
                r["topic"],
                r["recorded_at"],
                bytes(r["leaf_hash"]),
            )
            for r in cur.fetchall()
        ]

    def log_row(self, cur: Any, position: int) -> LogRow | None:
        rows = self.log_rows(cur, position, 1)
        return rows[0] if rows and rows[0].position == position else None

    def positions_of(self, cur: Any, stream: str) -> dict[int, int]:
        cur.execute(
            self.q(
                "SELECT originator_version, position FROM {p}ledger_log WHERE originator_id = ?"
            ),
            (stream,),
        )
        return {int(r["originator_version"]): int(r["position"]) for r in cur.fetchall()}

    def audit(
        self,
        cur: Any,
        *,
        actor_id: str | None = None,
        agency_id: str | None = None,
        youth_id: str | None = None,
        types: Sequence[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        after: int = -1,
        limit: int = 100,
    ) -> list[AuditRow]:
        where = ["a.position > ?"]
        params: list[Any] = [after]
        if actor_id is not None:
            where.append("a.actor_id = ?")
            params.append(actor_id)
        if agency_id is not None:
            where.append(
                "(a.agency_id = ? OR a.position IN "
                "(SELECT position FROM {p}ledger_audit_parties WHERE agency_id = ?))"
            )
            params += [agency_id, agency_id]
        if youth_id is not None:
            where.append("a.youth_id = ?")
            params.append(youth_id)
        if types:
            where.append("a.type IN (" + ", ".join("?" for _ in types) + ")")
            params += list(types)
        if since is not None:
            where.append("a.recorded_at >= ?")
            params.append(stamp(since))
        if until is not None:
            where.append("a.recorded_at < ?")
            params.append(stamp(until))
        params.append(limit)
        cur.execute(
            self.q(
                "SELECT a.*, l.originator_id, l.originator_version FROM {p}ledger_audit a "
                "JOIN {p}ledger_log l ON l.position = a.position WHERE "
                + " AND ".join(where)
                + " ORDER BY a.position LIMIT ?"
            ),
            params,
        )
        return [
            AuditRow(
                position=int(r["position"]),
                type=r["type"],
                recorded_at=r["recorded_at"],
                occurred_at=r["occurred_at"],
                actor_id=r["actor_id"],
                agency_id=r["agency_id"],
                youth_id=r["youth_id"],
                parties=tuple(r["parties"].split()),
                originator_id=r["originator_id"],
                originator_version=int(r["originator_version"]),
            )
            for r in cur.fetchall()
        ]

    def lookup(self, cur: Any, key: str) -> str | None:
        cur.execute(self.q("SELECT youth_id FROM {p}ledger_lookup WHERE key = ?"), (key,))
        row = cur.fetchone()
        return None if row is None else str(row["youth_id"])

    def idempotency(self, cur: Any, scope_key: str) -> Idempotency | None:
        cur.execute(self.q("SELECT * FROM {p}ledger_idempotency WHERE scope_key = ?"), (scope_key,))
        r = cur.fetchone()
        if r is None:
            return None
        return Idempotency(
            r["scope_key"], r["fingerprint"], int(r["status"]), json.loads(r["body"])
        )

    # -- data keys ----------------------------------------------------------------------------
    def data_key(self, cur: Any, owner_id: str) -> bytes | None:
        cur.execute(
            self.q("SELECT wrapped FROM {p}ledger_data_keys WHERE owner_id = ?"), (owner_id,)
        )
        row = cur.fetchone()
        return None if row is None else bytes(row["wrapped"])

    def data_keys(self, cur: Any, owner_ids: Sequence[str]) -> dict[str, bytes]:
        """The wrapped keys of many owners at once (a tombstone is empty bytes; an owner without
        a key is left out), in statements of at most INSERT_CHUNK_ROWS owners."""
        found: dict[str, bytes] = {}
        for start in range(0, len(owner_ids), INSERT_CHUNK_ROWS):
            some = owner_ids[start : start + INSERT_CHUNK_ROWS]
            marks = ", ".join("?" * len(some))
            cur.execute(
                self.q(
                    f"SELECT owner_id, wrapped FROM {{p}}ledger_data_keys WHERE owner_id IN ({marks})"
                ),
                tuple(some),
            )
            found.update((row["owner_id"], bytes(row["wrapped"])) for row in cur.fetchall())
        return found

    def put_data_key(self, cur: Any, owner_id: str, wrapped: bytes, created_at: str) -> None:
        cur.execute(
            self.q("INSERT INTO {p}ledger_data_keys VALUES (?, ?, ?)"),
            (owner_id, wrapped, created_at),
        )

    def destroy_data_key(self, cur: Any, owner_id: str, destroyed_at: str) -> None:
        """Overwrite the wrapped key with a tombstone (empty bytes): the owner keeps a row, so
        no later write can mint a fresh key for an erased youth. SQLite must zero the deleted
        bytes in its pages (secure_delete: the default of some builds, not of all); see
        Database.purge_destroyed_keys for the copies elsewhere."""
        if self.dialect is SQLITE:
            cur.execute("PRAGMA secure_delete = ON")
        cur.execute(self.q("DELETE FROM {p}ledger_data_keys WHERE owner_id = ?"), (owner_id,))
        cur.execute(
            self.q("INSERT INTO {p}ledger_data_keys VALUES (?, ?, ?)"),
            (owner_id, b"", destroyed_at),
        )

    def purge_statement(self) -> str:
        """Run outside a transaction after a key is destroyed, so that no copy of the wrapped key
        stays in the store's files: PostgreSQL keeps the old row version in the table until it is
        vacuumed (FULL rewrites the small key table into new files); SQLite keeps old pages in its
        write-ahead log until a checkpoint truncates it."""
        if self.dialect is SQLITE:
            return "PRAGMA wal_checkpoint(TRUNCATE)"
        return self.q("VACUUM FULL {p}ledger_data_keys")

    # -- checkpoints ----------------------------------------------------------------------------
    def checkpoints(self, cur: Any) -> list[Mapping[str, Any]]:
        cur.execute(self.q("SELECT * FROM {p}ledger_checkpoints ORDER BY tree_size"))
        return [dict(r) if not isinstance(r, dict) else r for r in cur.fetchall()]

    def put_checkpoint(self, cur: Any, size: int, root: bytes, note: str, signed_at: str) -> None:
        cur.execute(
            self.q("INSERT INTO {p}ledger_checkpoints VALUES (?, ?, ?, ?)"),
            (size, root, note, signed_at),
        )

    # -- rebuild of the derived indexes ------------------------------------------------------
    def clear_derived(self, cur: Any) -> None:
        for table in ("ledger_audit", "ledger_audit_parties", "ledger_lookup"):
            cur.execute(self.q(f"DELETE FROM {{p}}{table}"))

    def reindex(
        self,
        cur: Any,
        entries: Sequence[tuple[int, EntryMeta]],
        lookups: Sequence[LookupChange],
    ) -> None:
        """A rebuild's index rows of many events at once: the audit rows and their parties in
        multi-row INSERTs, then the lookup changes in order, each run of sets in one
        executemany."""
        self._insert_rows(
            cur,
            [
                ("ledger_audit", 8, [_audit_row(position, meta) for position, meta in entries]),
                (
                    "ledger_audit_parties",
                    2,
                    [(party, position) for position, meta in entries for party in meta.parties],
                ),
            ],
        )
        for kind, run in groupby(lookups, key=type):
            if kind is PointKey:
                cur.executemany(
                    self.q(
                        "INSERT INTO {p}ledger_lookup VALUES (?, ?) ON CONFLICT (key) "
                        "DO UPDATE SET youth_id = excluded.youth_id"
                    ),
                    list(run),
                )
            else:
                for drop in run:
                    assert isinstance(drop, DropKeys)
                    self.unindex_youth(cur, drop.youth_id, prefix=drop.prefix)

    def unindex_youth(self, cur: Any, youth_id: str, *, prefix: str) -> None:
        cur.execute(
            self.q("DELETE FROM {p}ledger_lookup WHERE youth_id = ? AND key LIKE ?"),
            (youth_id, prefix + "%"),
        )


def _audit_row(position: int, meta: EntryMeta) -> tuple[Any, ...]:
    return (
        position,
        meta.type,
        meta.recorded_at,
        meta.occurred_at,
        meta.actor_id,
        meta.agency_id,
        meta.youth_id,
        " ".join(meta.parties),
    )


class _NodeReader:
    def __init__(self, tables: Tables, cur: Any) -> None:
        self.tables = tables
        self.cur = cur

    def nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        return self.tables.nodes(self.cur, keys)

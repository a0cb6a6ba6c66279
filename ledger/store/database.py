"""One facade over the ledger's own tables for reads and small writes outside the event store's
transaction (data keys, checkpoints, rebuilds), and the store configuration from a URL."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from eventsourcing.persistence import ApplicationRecorder, IntegrityError
from eventsourcing.utils import get_topic

from ledger.crypto import new_data_key, unwrap_key, wrap_key
from ledger.merkle import NodeKey
from ledger.store.recorders import LedgerPostgresRecorder, LedgerSQLiteRecorder
from ledger.store.tables import Tables


class StoreConfigError(ValueError):
    pass


def store_env(url: str) -> dict[str, str]:
    """eventsourcing's environment for `sqlite:///path`, `sqlite:///:memory:` or
    `postgresql://user[:password]@host[:port]/dbname[?schema=name]`."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path[1:] if parsed.path.startswith("/") else parsed.path)
        if parsed.netloc:
            path = unquote(parsed.netloc + parsed.path)
        if not path:
            raise StoreConfigError("LEDGER_DATABASE_URL: sqlite URL needs a path")
        if path == ":memory:":
            path = f"file:ledger-{uuid.uuid4().hex}?mode=memory&cache=shared"
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "10",
            "APPLICATION_RECORDER_TOPIC": get_topic(LedgerSQLiteRecorder),
        }
    if parsed.scheme in ("postgres", "postgresql"):
        query = parse_qs(parsed.query)
        dbname = parsed.path.lstrip("/")
        if not dbname or not parsed.hostname:
            raise StoreConfigError(
                "LEDGER_DATABASE_URL: postgresql URL needs a host and a database"
            )
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": parsed.hostname,
            "POSTGRES_PORT": str(parsed.port or 5432),
            "POSTGRES_USER": unquote(parsed.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parsed.password or ""),
            "POSTGRES_SCHEMA": query.get("schema", ["public"])[0],
            "POSTGRES_LOCK_TIMEOUT": "10",
            # Seconds a request waits for a pooled connection; the breaker in availability.py
            # answers at once once the server is known to be away.
            "POSTGRES_CONNECT_TIMEOUT": "3",
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_MAX_OVERFLOW": "20",
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            "APPLICATION_RECORDER_TOPIC": get_topic(LedgerPostgresRecorder),
        }
    raise StoreConfigError("LEDGER_DATABASE_URL: use sqlite:///path or postgresql://user@host/db")


SETUP_LOCK = 0x1ED6E2  # the advisory lock every ledger process takes to create its tables


@contextmanager
def postgres_setup(env: Mapping[str, str]) -> Iterator[None]:
    """Create the schema, and hold an advisory lock while the caller creates the tables: two
    processes starting at once on a fresh database would otherwise collide in the catalogue
    (CREATE ... IF NOT EXISTS is not safe against concurrent creators)."""
    import psycopg
    from psycopg import sql

    schema = env.get("POSTGRES_SCHEMA", "public")
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env.get("POSTGRES_PASSWORD") or None,
        autocommit=True,
        connect_timeout=5,
    ) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK,))
        try:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))


class Database:
    def __init__(self, recorder: ApplicationRecorder) -> None:
        tables = getattr(recorder, "tables", None)
        if not isinstance(tables, Tables):
            msg = "the ledger needs its own recorder (APPLICATION_RECORDER_TOPIC)"
            raise StoreConfigError(msg)
        self.tables = tables
        self.datastore: Any = recorder.datastore  # type: ignore[attr-defined]
        self.is_postgres = isinstance(recorder, LedgerPostgresRecorder)

    @contextmanager
    def cursor(self, *, commit: bool = False) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as cur:
            yield cur

    @contextmanager
    def tuple_cursor(self) -> Iterator[Any]:
        """A read cursor whose rows are plain tuples, for reads of many rows: the drivers' mapping
        rows (sqlite3.Row, psycopg's dict_row) cost more than the read itself."""
        with self.cursor() as cur:
            if self.is_postgres:
                from psycopg.rows import tuple_row

                cur.row_factory = tuple_row
            else:
                cur.row_factory = None
            yield cur

    def read(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.cursor() as cur:
            return fn(cur, *args, **kwargs)

    def read_one(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A read of one statement, which sees one snapshot by itself: on PostgreSQL it runs on
        the pool's autocommit connection, one round trip instead of three (BEGIN, the statement,
        ROLLBACK); on SQLite as `read` (the driver's errors mapped by its transaction)."""
        if not self.is_postgres:
            return self.read(fn, *args, **kwargs)
        with self.datastore.cursor() as cur:
            return fn(cur, *args, **kwargs)

    def write(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.cursor(commit=True) as cur:
            return fn(cur, *args, **kwargs)

    def purge_destroyed_keys(self) -> None:
        """Leave no copy of a destroyed data key in the store's files (Tables.purge_statement).
        Backups and PostgreSQL's WAL archive keep theirs until they expire."""
        if self.is_postgres:
            with self.datastore.get_connection() as conn:  # autocommit: VACUUM needs it
                conn.execute(self.tables.purge_statement())
        else:
            with self.datastore.get_connection(commit=True) as conn:
                conn.cursor().execute(self.tables.purge_statement())

    def nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        return dict(self.read(self.tables.nodes, keys))

    def pool_stats(self) -> dict[str, int]:
        """How the connection pool is used: connections open, in use, the most allowed, and
        requests waiting for one (PostgreSQL only)."""
        pool = self.datastore.pool
        if self.is_postgres:
            stats = pool.get_stats()
            size, available = stats.get("pool_size", 0), stats.get("pool_available", 0)
            return {
                "open": size,
                "in_use": max(size - available, 0),
                "max": pool.max_size,
                "waiting": stats.get("requests_waiting", 0),
            }
        in_use = pool.num_in_use
        return {
            "open": in_use + pool.num_in_pool,
            "in_use": in_use,
            "max": pool.pool_size + pool.max_overflow,
            "waiting": 0,
        }

    @property
    def breaker_trips(self) -> int:
        """How often the store was found away (PostgreSQL's breaker, availability.py)."""
        breaker = getattr(self.datastore, "ledger_breaker", None)
        return int(getattr(breaker, "trips", 0))


KEY_CACHE_SIZE = 65_536  # unwrapped data keys a process keeps: about 12 MB, a rebuild's chunks fit


class SqlKeyring:
    """Per-youth data keys, stored wrapped by the master key (never in clear), the most recently
    used `cache_size` of them kept unwrapped in memory: a national deployment has more youths
    than a worker should hold keys for. Destroying a key is crypto-shredding: every sealed value
    of that youth becomes unreadable."""

    def __init__(
        self,
        database: Database,
        master_key: bytes,
        clock: Callable[[], str],
        cache_size: int = KEY_CACHE_SIZE,
    ) -> None:
        self.database = database
        self.master_key = master_key
        self.clock = clock
        self.cache_size = cache_size
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        # Owners known to be erased: a key read just before its tombstone landed is not cached
        self._erased: set[str] = set()
        self._lock = threading.Lock()

    def held(self) -> int:
        """How many unwrapped keys are held now. (Not __len__: an empty keyring must stay true
        where the mapper asks whether it has one.)"""
        return len(self._cache)

    def __contains__(self, owner_id: object) -> bool:
        """Whether the owner's unwrapped key is held in memory now."""
        return owner_id in self._cache

    def key_for(self, owner_id: str, *, create: bool) -> bytes | None:
        with self._lock:
            cached = self._cache.get(owner_id)
            if cached is not None:
                self._cache.move_to_end(owner_id)
        if cached is not None:
            return cached
        wrapped = self.database.read(self.database.tables.data_key, owner_id)
        if wrapped is None and create:
            with suppress(IntegrityError):  # another writer made it first: use theirs
                self.database.write(
                    self.database.tables.put_data_key,
                    owner_id,
                    wrap_key(self.master_key, new_data_key()),
                    self.clock(),
                )
            wrapped = self.database.read(self.database.tables.data_key, owner_id)
        if not wrapped:  # never made, or destroyed (a tombstone)
            return None
        key = unwrap_key(self.master_key, wrapped)
        self._keep({owner_id: key})
        return key

    def preload(self, owner_ids: Iterable[str]) -> None:
        """Read the keys of many owners in one transaction into the cache (a rebuild's chunk),
        instead of one transaction each at their first use. Destroyed keys are not cached."""
        with self._lock:
            missing = [o for o in dict.fromkeys(owner_ids) if o not in self._cache]
        if not missing:
            return
        wrapped = self.database.read(self.database.tables.data_keys, missing)
        self._keep({o: unwrap_key(self.master_key, w) for o, w in wrapped.items() if w})

    def _keep(self, keys: Mapping[str, bytes]) -> None:
        with self._lock:
            for owner_id, key in keys.items():
                if owner_id not in self._erased:
                    self._cache[owner_id] = key
                    self._cache.move_to_end(owner_id)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def erased(self, owner_id: str) -> None:
        """The owner is erased (or being erased): drop the cached key and never cache it again,
        so that a read racing the erasure cannot leave the key in memory after its tombstone."""
        with self._lock:
            self._erased.add(owner_id)
            self._cache.pop(owner_id, None)

    def destroy(self, owner_id: str) -> None:
        self.erased(owner_id)  # first: a read racing the tombstone cannot cache the key
        self.database.write(self.database.tables.destroy_data_key, owner_id, self.clock())


def ensure_postgres_schema(env: Mapping[str, str]) -> None:
    """Create the schema named by `env` (under the set-up lock)."""
    with postgres_setup(env):
        pass

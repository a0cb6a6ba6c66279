"""When the store cannot take a request (PostgreSQL gone or restarting, a disk full, a read-only
store, a lock wait that timed out): which driver errors mean that, and a breaker that answers
at once while PostgreSQL is down instead of letting every worker wait for the pool.

StoreUnavailable is not an eventsourcing OperationalError on purpose: the library retries those
ten times per call, which is what makes a request hang while the database is away."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from eventsourcing.persistence import PersistenceError

RETRY_AFTER_SECONDS = 2
PROBE_INTERVAL_SECONDS = 0.5
PROBE_CONNECT_TIMEOUT = 2

# SQLSTATEs that say "not now" rather than "this request is wrong": connection exceptions (08),
# insufficient resources (53: disk full, out of memory, too many connections), operator
# intervention (57P01-57P03: shutdown, crash, cannot connect now), a read-only transaction
# (25006, a standby or a store made read-only), lock not available (55P03, lock_timeout).
_UNAVAILABLE_CLASSES = ("08", "53")
_UNAVAILABLE_STATES = {"57P01", "57P02", "57P03", "25006", "55P03"}
# SQLite says the same things in words.
_SQLITE_WORDS = ("full", "readonly", "read-only", "disk i/o", "locked", "unable to open")


class StoreUnavailable(PersistenceError):
    """The store cannot answer now; the request may be tried again (503 with Retry-After)."""

    retry_after = RETRY_AFTER_SECONDS


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_unavailable(exc: BaseException) -> bool:
    """Whether an error, or one it was raised from, means the store is away, full or read-only."""
    for e in _causes(exc):
        if isinstance(e, StoreUnavailable):
            return True
        if isinstance(e, sqlite3.OperationalError):
            text = str(e).lower()
            return any(word in text for word in _SQLITE_WORDS)
        if _is_psycopg_unavailable(e):
            return True
    return False


def _is_psycopg_unavailable(e: BaseException) -> bool:
    try:
        import psycopg
        from psycopg_pool import PoolTimeout
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    if isinstance(e, PoolTimeout):
        return True
    if not isinstance(e, psycopg.Error):
        return False
    state = e.sqlstate
    if state is None:  # no answer from a server at all: refused, reset, closed
        return isinstance(e, psycopg.OperationalError | psycopg.InterfaceError)
    return state[:2] in _UNAVAILABLE_CLASSES or state in _UNAVAILABLE_STATES


def _is_connection_lost(e: BaseException) -> bool:
    """The errors that say the server itself is away (not full, not read-only)."""
    for cause in _causes(e):
        try:
            import psycopg
            from psycopg_pool import PoolTimeout
        except ImportError:  # pragma: no cover
            return False
        if isinstance(cause, PoolTimeout):
            return True
        if isinstance(cause, psycopg.Error):
            state = cause.sqlstate
            if state is None:
                return isinstance(cause, psycopg.OperationalError | psycopg.InterfaceError)
            return state[:2] == "08" or state in ("57P01", "57P02", "57P03")
    return False


class Breaker:
    """Closed: connections are taken from the pool as usual. A lost connection opens it: from
    then on every request fails at once with StoreUnavailable, and one request at a time, every
    PROBE_INTERVAL_SECONDS, tries a fresh connection; the first that succeeds closes it again,
    after the pool has dropped its broken connections."""

    def __init__(self, probe: Callable[[], None], after_recovery: Callable[[], None]) -> None:
        self._probe = probe
        self._after_recovery = after_recovery
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._next_probe = 0.0
        self._probing = False
        self.trips = 0

    @property
    def is_open(self) -> bool:
        return self._down_since is not None

    def trip(self) -> None:
        with self._lock:
            if self._down_since is None:
                self._down_since = time.monotonic()
                self._next_probe = self._down_since + PROBE_INTERVAL_SECONDS
                self.trips += 1

    def admit(self) -> None:
        """Return if a request may use the store; raise StoreUnavailable if it may not."""
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is None:
                return
            if self._probing or time.monotonic() < self._next_probe:
                raise StoreUnavailable("the store is unavailable")
            self._probing = True
        try:
            self._probe()
        except Exception as e:  # any failure to connect: still down
            with self._lock:
                self._probing = False
                self._next_probe = time.monotonic() + PROBE_INTERVAL_SECONDS
            raise StoreUnavailable("the store is unavailable") from e
        try:
            self._after_recovery()
        finally:
            with self._lock:
                self._probing = False
                self._down_since = None

    def guard(
        self, get_connection: Callable[..., AbstractContextManager[Any]]
    ) -> Callable[..., AbstractContextManager[Any]]:
        @contextmanager
        def guarded(*args: Any, **kwargs: Any) -> Iterator[Any]:
            self.admit()
            try:
                with get_connection(*args, **kwargs) as conn:
                    yield conn
            except StoreUnavailable:
                raise
            except Exception as e:
                if _is_connection_lost(e):
                    self.trip()
                if is_unavailable(e):
                    raise StoreUnavailable("the store is unavailable") from e
                raise

        return guarded


def guard_postgres(datastore: Any) -> Breaker:
    """Put a breaker in front of a PostgresDatastore's connections (once per datastore)."""
    existing = getattr(datastore, "ledger_breaker", None)
    if isinstance(existing, Breaker):
        return existing
    pool = datastore.pool
    kwargs = {k: v for k, v in pool.kwargs.items() if k != "row_factory"}

    def probe() -> None:
        import psycopg

        with psycopg.connect(**kwargs, connect_timeout=PROBE_CONNECT_TIMEOUT) as conn:
            conn.execute("SELECT 1")

    def after_recovery() -> None:
        if not pool.closed:
            pool.check()  # drop the connections that died with the server

    breaker = Breaker(probe, after_recovery)
    datastore.get_connection = breaker.guard(datastore.get_connection)
    datastore.ledger_breaker = breaker
    return breaker

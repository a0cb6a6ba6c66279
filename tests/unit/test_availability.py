"""Which store errors mean "not now" (503 with Retry-After) and which are the ledger's own fault
(500), and the breaker that answers at once while PostgreSQL is away."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, OperationalError
from psycopg import errors as pg
from psycopg_pool import PoolTimeout

from ledger.store.availability import Breaker, StoreUnavailable, is_unavailable


def wrapped(cause: BaseException) -> BaseException:
    """As eventsourcing raises them: its own class, raised from the driver's."""
    try:
        try:
            raise cause
        except Exception as e:
            raise OperationalError(str(e)) from e
    except OperationalError as outer:
        return outer


@pytest.mark.parametrize(
    ("cause", "unavailable"),
    [
        (psycopg.OperationalError("connection refused"), True),
        (PoolTimeout("couldn't get a connection after 3.00 sec"), True),
        (pg.AdminShutdown(), True),
        (pg.CannotConnectNow(), True),
        (pg.DiskFull(), True),
        (pg.TooManyConnections(), True),
        (pg.ReadOnlySqlTransaction(), True),
        (pg.LockNotAvailable(), True),
        (pg.UniqueViolation(), False),
        (pg.UndefinedTable(), False),
        (pg.SyntaxError(), False),
        (sqlite3.OperationalError("database or disk is full"), True),
        (sqlite3.OperationalError("attempt to write a readonly database"), True),
        (sqlite3.OperationalError("disk I/O error"), True),
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("no such table: ledger_log"), False),
        (sqlite3.IntegrityError("UNIQUE constraint failed"), False),
    ],
)
def test_a_store_error_is_unavailability_only_when_it_says_not_now(
    cause: BaseException, unavailable: bool
) -> None:
    assert is_unavailable(wrapped(cause)) is unavailable


def test_an_integrity_error_of_our_own_is_never_unavailability() -> None:
    assert not is_unavailable(IntegrityError("duplicate"))
    assert is_unavailable(StoreUnavailable("down"))


def test_the_breaker_answers_at_once_while_open_and_closes_after_one_good_probe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [100.0]
    monkeypatch.setattr("ledger.store.availability.time.monotonic", lambda: now[0])
    up = [False]
    probes: list[float] = []
    recovered: list[bool] = []

    def probe() -> None:
        probes.append(now[0])
        if not up[0]:
            raise psycopg.OperationalError("refused")

    breaker = Breaker(probe, lambda: recovered.append(True))
    breaker.admit()  # closed: no probe
    breaker.trip()
    with pytest.raises(StoreUnavailable):
        breaker.admit()  # within the probe interval: no probe, at once
    assert probes == []
    now[0] += 1
    with pytest.raises(StoreUnavailable):
        breaker.admit()  # one probe, which fails
    with pytest.raises(StoreUnavailable):
        breaker.admit()  # and none again until the interval has passed
    assert len(probes) == 1
    up[0] = True
    now[0] += 1
    breaker.admit()
    assert not breaker.is_open and recovered == [True] and len(probes) == 2

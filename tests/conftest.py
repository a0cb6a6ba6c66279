"""Fixtures shared by every tier: a controllable clock, and the ledger on each store.

Stores: `memory` (SQLite in memory), `sqlite` (a file), `postgres` (127.0.0.1:5432, one fresh
schema per test). Under CI=true an unreachable PostgreSQL fails the run; elsewhere those tests
skip with one line saying why."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ledger.actor import Actor
from ledger.application import Request
from ledger.service import Ledger, open_ledger

PG_URL = os.environ.get("LEDGER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_reason() -> str | None:
    """None when PostgreSQL answers; otherwise why not."""
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except Exception as e:  # any failure to connect means: no PostgreSQL here
        return f"PostgreSQL at {PG_URL.split('@')[-1]} is unreachable ({type(e).__name__})"


_PG_REASON: list[str | None] = []


def require_postgres() -> None:
    if not _PG_REASON:
        _PG_REASON.append(postgres_reason())
    reason = _PG_REASON[0]
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true needs PostgreSQL: {reason}", pytrace=False)
    pytest.skip(reason)


def postgres_url() -> str:
    """A fresh schema for one test: nothing leaks between tests or runs."""
    require_postgres()
    return f"{PG_URL}?schema=t_{uuid.uuid4().hex[:12]}"


def drop_schema(url: str) -> None:
    import psycopg
    from psycopg import sql

    schema = url.split("schema=")[1]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


class Clock:
    """A clock tests move by hand; every ledger in a test reads the same one."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))


MASTER_KEY = bytes(range(32))


@dataclass
class StoreUnderTest:
    name: str
    url: str
    open: Callable[..., Ledger]


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[StoreUnderTest]:
    """The same scenario on every store."""
    name = request.param
    if name == "memory":
        url = "sqlite:///:memory:"
    elif name == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url = postgres_url()
    opened: list[Ledger] = []

    def open_(**kwargs: object) -> Ledger:
        if name == "memory" and opened:
            return opened[0]  # one in-memory database per test
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("master_key", MASTER_KEY)
        ledger = open_ledger(url, **kwargs)  # type: ignore[arg-type]
        opened.append(ledger)
        return ledger

    yield StoreUnderTest(name, url, open_)
    for ledger in opened:
        ledger.close()
    if name == "postgres":
        drop_schema(url)


@pytest.fixture
def ledger(store: StoreUnderTest) -> Ledger:
    return store.open()


@pytest.fixture
def memory_ledger(clock: Clock) -> Iterator[Ledger]:
    ledger = open_ledger("sqlite:///:memory:", clock=clock, master_key=MASTER_KEY)
    yield ledger
    ledger.close()


def as_actor(actor_id: str, agency_id: str, *roles: str, key: str | None = None) -> Request:
    return Request(Actor(actor_id, agency_id, frozenset(roles)), idempotency_key=key)


ADMIN = as_actor("root", "ledger-admin", "admin")

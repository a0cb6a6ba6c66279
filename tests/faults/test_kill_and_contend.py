"""The server killed with SIGKILL at random moments under a load of consents, revocations and
disclosures with Idempotency-Keys, and restarted, several times, on SQLite and on PostgreSQL:
the clients retry with the same keys, and afterwards every acknowledged write is in the store
exactly once, every projection equals a fresh rebuild from the events, and `ledger verify`
passes. And many clients on one youth at once, through two server processes: each answer is a
success or a clean 409 (never a 500) and no event is lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import drop_schema, postgres_url
from tests.e2e.servers import LEDGER, Deployment, Server
from tests.faults.traffic import Book, Writers, check_exactly_once, derived_rows, set_up

KILLS = int(os.environ.get("LEDGER_FAULT_KILLS", "2"))


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    url = postgres_url()
    try:
        yield url
    finally:
        drop_schema(url)


def kill9(server: Server) -> None:
    os.killpg(server.proc.pid, signal.SIGKILL)  # the process group this test started
    server.proc.wait(timeout=10)


def ledger_cli(d: Deployment, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LEDGER), *argv], env=d.env(), cwd=d.home, capture_output=True, text=True, timeout=300
    )


def assert_projections_equal_a_rebuild_and_verify(d: Deployment) -> None:
    before = derived_rows(d.url, d.home / "keys")
    rebuilt = ledger_cli(d, "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert derived_rows(d.url, d.home / "keys") == before, "a projection differs from a rebuild"
    verify = ledger_cli(d, "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_sigkill_under_load_loses_and_doubles_no_acknowledged_write(
    tmp_path: Path, store_url: str
) -> None:
    d = Deployment(tmp_path, store_url)
    rnd = random.Random()
    try:
        current = [d.start()]
        world = set_up(current[0].base, youths=3)
        book = Book()
        with Writers(lambda: current[0].base, world, book, threads=4) as writers:
            for _ in range(KILLS):
                time.sleep(rnd.uniform(0.4, 1.5))
                kill9(current[0])
                current[0] = d.start()
            time.sleep(2.0)  # and a while on the last server, so that the load is real
        assert not writers.errors, writers.errors
        assert book.bad == [], book.bad
        assert len(book.done) > 10
        assert book.interrupted >= KILLS  # the kills did cut requests off
        print(f"kill -9: {len(book.done)} writes, {book.interrupted} tries cut off")
        check_exactly_once(current[0].base, world, book)
        d.stop()
        assert_projections_equal_a_rebuild_and_verify(d)
    finally:
        d.stop()


def test_many_clients_on_one_youth_get_success_or_a_clean_409_and_lose_no_event(
    tmp_path: Path, store_url: str
) -> None:
    d = Deployment(tmp_path, store_url)
    try:
        servers = [d.start(), d.start()]
        world = set_up(servers[0].base, youths=1)
        book = Book()
        turn = [0]

        def base() -> str:
            turn[0] += 1
            return servers[turn[0] % 2].base

        with Writers(base, world, book, threads=12) as writers:
            time.sleep(4)
        assert not writers.errors, writers.errors  # any answer but 2xx, 409 or 503 is an error
        assert book.bad == [], book.bad
        assert all(s < 500 for s in book.statuses), sorted(set(book.statuses))
        assert len(book.done) > 20
        print(
            f"contention: {len(book.done)} writes, {book.statuses.count(409)} answered 409, "
            f"{book.statuses.count(503)} answered 503"
        )
        check_exactly_once(servers[0].base, world, book)
        for server in servers:
            log = server.log.read_text("utf-8", errors="replace")
            assert "Traceback" not in log and "internal error" not in log, log[-3000:]
        d.stop()
        assert_projections_equal_a_rebuild_and_verify(d)
    finally:
        d.stop()

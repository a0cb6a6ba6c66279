"""SQLite on a file system that fills up: the write is a 503 problem with
Retry-After, nothing of it is left in the store (the log, the indexes and the idempotency record
go in one transaction), and once space returns the same request with the same key is written
once. The file system is a small tmpfs the test mounts (root only; skipped elsewhere). A
read-only store is tested on PostgreSQL (test_database_away.py): Linux refuses to remount a file
system read-only while the server holds its database open for writing."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.servers import LEDGER, Deployment
from tests.faults.traffic import Book, Op, check_exactly_once, send, set_up


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(mnt: Path) -> Path:
    """Write a file until the file system has no byte left."""
    filler = mnt / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for block in (65536, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * block)
            except OSError as e:
                assert e.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def ready_size(client: httpx.Client) -> int:
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    return int(r.json()["tree_size"])


def test_a_full_disk_is_503_nothing_half_written_and_recovers_once_space_returns(
    tmp_path: Path, small_disk: Path
) -> None:
    d = Deployment(tmp_path, f"sqlite:///{small_disk / 'ledger.db'}")
    try:
        server = d.start()
        world = set_up(server.base, youths=1)
        client = httpx.Client(base_url=server.base, timeout=20)
        book = Book()
        first = Op("consent", world.youths[0])
        assert send(client, world, first, book)
        book.done.append(first)
        size = ready_size(client)
        filler = fill(small_disk)
        refused = []
        try:
            for kind in ("consent", "disclosure", "consent"):
                op = Op(kind, world.youths[0])
                assert not send(client, world, op, book), f"{kind} written on a full disk"
                assert book.statuses[-1] == 503, book.statuses
                refused.append(op)
        finally:
            os.unlink(filler)
        assert ready_size(client) == size, "a refused write left something in the log"
        for op in refused:  # the same requests again, with the same keys: written once each
            for _ in range(50):
                if send(client, world, op, book):
                    break
            else:
                raise AssertionError("never written once the disk recovered")
            book.done.append(op)
        assert book.bad == [], book.bad
        check_exactly_once(server.base, world, book)
        client.close()
        log = server.log.read_text("utf-8", errors="replace")
        assert "Traceback" not in log and "internal error" not in log, log[-3000:]
        d.stop()
        verify = subprocess.run(
            [str(LEDGER), "verify"], env=d.env(), capture_output=True, text=True, timeout=120
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
    finally:
        d.stop()

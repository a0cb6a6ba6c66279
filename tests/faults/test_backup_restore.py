"""`ledger backup` while the server writes (SQLite's online backup API; pg_dump on PostgreSQL)
and `ledger restore` into an empty store: the restore passes `ledger verify`, its checkpoints are
the source's (same sizes, same roots), its log is a prefix of the source's with the same root,
and it holds every write acknowledged before the backup began. A restore over a store that holds
a ledger is refused without --force."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.clock import system_clock
from api.main import build_ledger
from api.settings import Settings
from ledger.merkle import root_at
from tests.conftest import PG_URL, drop_schema, postgres_url, require_postgres
from tests.e2e.servers import LEDGER, Deployment
from tests.faults.traffic import (
    Book,
    Op,
    Writers,
    check_exactly_once,
    derived_rows,
    send,
    set_up,
)


def run(d: Deployment, url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**d.env(), "LEDGER_DATABASE_URL": url}
    return subprocess.run(
        [str(LEDGER), *argv], env=env, cwd=d.home, capture_output=True, text=True, timeout=180
    )


def facts(d: Deployment, url: str) -> tuple[int, list[tuple[int, bytes]], dict[int, bytes]]:
    """The tree size, the checkpoints (size, root) and the root of the tree at each size."""
    settings = Settings.from_env(
        {"LEDGER_DATABASE_URL": url, "LEDGER_KEY_DIR": str(d.home / "keys")}, dotenv=None
    )
    ledger = build_ledger(settings, system_clock, create_tables=False)
    try:
        db = ledger.database
        size = int(db.read(db.tables.tree_size))
        checkpoints = [
            (int(r["tree_size"]), bytes(r["root_hash"])) for r in db.read(db.tables.checkpoints)
        ]
        roots = {n: root_at(n, db) for n in {size, *(n for n, _ in checkpoints)} if n}
        return size, checkpoints, roots
    finally:
        ledger.close()


@pytest.fixture(params=["sqlite", "postgres"])
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}", f"sqlite:///{tmp_path / 'restored.db'}"
        return
    require_postgres()
    source = postgres_url()
    # the same schema name in a database of its own: a dump restores into the schema it names
    import psycopg

    database = f"r_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")  # type: ignore[arg-type]
    base, schema = source.split("?")
    target = base.rsplit("/", 1)[0] + f"/{database}?{schema}"
    try:
        yield source, target
    finally:
        drop_schema(source)
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")  # type: ignore[arg-type]


def test_a_backup_taken_under_load_restores_to_a_store_that_verifies_with_the_same_roots(
    tmp_path: Path, urls: tuple[str, str]
) -> None:
    source, target = urls
    d = Deployment(tmp_path, source)
    try:
        server = d.start()
        world = set_up(server.base, youths=2)
        book = Book()
        import httpx

        with httpx.Client(base_url=server.base, timeout=20) as client:
            for kind in ("consent", "disclosure", "consent"):
                op = Op(kind, world.youths[0])
                assert send(client, world, op, book)
                book.done.append(op)
        before = list(book.done)
        with Writers(lambda: server.base, world, book, threads=2) as writers:
            made = run(d, source, "backup", str(tmp_path / "ledger.backup"))
        assert not writers.errors, writers.errors
        assert made.returncode == 0, made.stderr
        assert "key directory" in made.stderr  # the keys are not in it: the operator is told
        printed = json.loads(made.stdout)["checkpoint"]
        check_exactly_once(server.base, world, book)
        d.stop()

        assert run(d, source, "restore", str(tmp_path / "ledger.backup")).returncode == 2
        restored = run(d, target, "restore", str(tmp_path / "ledger.backup"))
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert "OK:" in restored.stdout

        size, checkpoints, roots = facts(d, target)
        src_size, src_checkpoints, _ = facts(d, source)
        assert printed["tree_size"] <= size <= src_size
        signed_at_backup = dict(src_checkpoints)
        assert signed_at_backup[printed["tree_size"]].hex() == printed["root_hash"]
        for n, root in checkpoints:  # every checkpoint restored is the source's own
            if n in signed_at_backup:
                assert signed_at_backup[n] == root
        assert (printed["tree_size"], bytes.fromhex(printed["root_hash"])) in checkpoints
        assert source_root(d, source, size) == roots[size]  # the restored log is a prefix

        if target.startswith("postgresql"):  # the planner has statistics for what came back
            assert analyzed(target) >= {"ledger_events", "ledger_log", "ledger_audit"}

        # what was acknowledged before the backup began is in the restored store
        lookups = {row[0] for row in derived_rows(target, d.home / "keys")["ledger_lookup"]}
        early = {f"consent:{op.answer['id']}" for op in before if op.kind == "consent"}
        assert early and early <= lookups
    finally:
        d.stop()


def analyzed(url: str) -> set[str]:
    """The tables of the ledger's schema at `url` that the planner has statistics for."""
    import psycopg

    base, query = url.split("?")
    schema = query.split("=", 1)[1]
    with psycopg.connect(base) as conn:
        rows = conn.execute(
            "SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = %s", (schema,)
        ).fetchall()
    return {r[0] for r in rows}


def source_root(d: Deployment, url: str, size: int) -> bytes:
    settings = Settings.from_env(
        {"LEDGER_DATABASE_URL": url, "LEDGER_KEY_DIR": str(d.home / "keys")}, dotenv=None
    )
    ledger = build_ledger(settings, system_clock, create_tables=False)
    try:
        return root_at(size, ledger.database)
    finally:
        ledger.close()


def test_backup_refuses_to_overwrite_and_restore_refuses_what_is_not_a_backup(
    tmp_path: Path,
) -> None:
    d = Deployment(tmp_path, f"sqlite:///{tmp_path / 'ledger.db'}")
    existing = tmp_path / "there.backup"
    existing.write_text("not a database")
    made = run(d, d.url, "backup", str(existing))
    assert made.returncode == 2 and "exists already" in made.stderr
    assert existing.read_text() == "not a database"
    restored = run(d, f"sqlite:///{tmp_path / 'new.db'}", "restore", str(existing))
    assert restored.returncode == 2 and "not an SQLite backup" in restored.stderr


def test_a_pg_bin_without_pg_dump_is_refused_in_one_line_naming_the_setting(
    tmp_path: Path,
) -> None:
    require_postgres()
    url = postgres_url()
    try:
        d = Deployment(tmp_path, url, settings={"LEDGER_PG_BIN": str(tmp_path / "nowhere")})
        made = run(d, url, "backup", str(tmp_path / "b.dump"))
        assert made.returncode == 2, made.stderr
        assert "LEDGER_PG_BIN: no pg_dump to run in" in made.stderr
        assert "Traceback" not in made.stderr
        assert not (tmp_path / "b.dump").exists()
    finally:
        drop_schema(url)

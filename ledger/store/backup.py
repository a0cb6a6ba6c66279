"""Backup and restore of the whole store while it runs: SQLite through its online backup API (a
consistent copy page by page, writers carry on), PostgreSQL through pg_dump and pg_restore of
the ledger's schema. The keys are not in the store and so not in a backup: keep the key
directory's backup apart from the database's."""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from ledger.store.database import store_env


class BackupError(Exception):
    pass


def backup(url: str, target: Path, *, pg_bin: Path | None = None) -> None:
    """Write a copy of the store named by `url` to `target` (refusing to overwrite a file).
    `pg_bin`: the directory of pg_dump (LEDGER_PG_BIN), if it is not found by itself."""
    env = store_env(url)
    if target.exists():
        raise BackupError(f"{target} exists already: give a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        source = _sqlite_file(env)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        with closing(_connect(source)) as src, closing(_connect(partial)) as dst:
            src.backup(dst, pages=1024)  # steps: writers are not held up for the whole copy
        partial.rename(target)  # a backup is either whole or not there
        return
    partial = target.with_name(target.name + ".partial")
    _run(
        "pg_dump",
        ["--format=custom", "--schema", env["POSTGRES_SCHEMA"], "--file", str(partial)],
        env,
        pg_bin,
    )
    partial.rename(target)


def restore(url: str, source: Path, *, force: bool = False, pg_bin: Path | None = None) -> None:
    """Put a backup back into the store named by `url`. A store that holds a ledger already is
    replaced only with `force`. No server may run on the store meanwhile. `pg_bin`: the
    directory of pg_restore (LEDGER_PG_BIN), if it is not found by itself."""
    env = store_env(url)
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        target = _sqlite_file(env)
        if target.exists() and target.stat().st_size > 0 and not force:
            raise BackupError(f"{target} holds a store already: restore with --force to replace it")
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(_connect(source)) as src:
            _check_sqlite_backup(src, source)
            with closing(_connect(target)) as dst:
                src.backup(dst)
        return
    schema = env["POSTGRES_SCHEMA"]
    listing = _run("pg_restore", ["--list", str(source)], env, pg_bin)
    if schema != "public" and f" SCHEMA - {schema} " not in listing:
        raise BackupError(f"{source} is not a backup of schema {schema} (LEDGER_DATABASE_URL)")
    replace = _schema_has_tables(env)
    if replace and not force:
        raise BackupError(
            f"schema {schema} holds tables already: restore with --force to replace it"
        )
    clean = ["--clean", "--if-exists"] if replace else []
    _run(
        "pg_restore",
        ["--no-owner", "--exit-on-error", *clean, "--dbname", env["POSTGRES_DBNAME"], str(source)],
        env,
        pg_bin,
    )
    _analyze(env)


def _sqlite_file(env: Mapping[str, str]) -> Path:
    name = env["SQLITE_DBNAME"]
    if name.startswith("file:") and "mode=memory" in name:
        raise BackupError("an in-memory store has nothing to back up or restore")
    return Path(name)


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(str(path), timeout=30)


def _check_sqlite_backup(conn: sqlite3.Connection, path: Path) -> None:
    try:
        row = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'ledger_log'"
        ).fetchone()
    except sqlite3.DatabaseError as e:
        raise BackupError(f"{path} is not an SQLite backup of the ledger ({e})") from None
    if not row or row[0] != 1:
        raise BackupError(f"{path} is not a backup of the ledger (no ledger_log table)")


def _pg_tool(name: str, pg_bin: Path | None) -> str:
    if pg_bin is not None:
        tool = pg_bin / name
        if not os.access(tool, os.X_OK):
            raise BackupError(f"LEDGER_PG_BIN: no {name} to run in {pg_bin}")
        return str(tool)
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    which = shutil.which(name)
    if which is None:
        raise BackupError(f"{name} is not installed (set LEDGER_PG_BIN to its directory)")
    return which


def _pg_env(env: Mapping[str, str]) -> dict[str, str]:
    out = dict(os.environ)
    out.update(
        PGHOST=env["POSTGRES_HOST"],
        PGPORT=env["POSTGRES_PORT"],
        PGUSER=env["POSTGRES_USER"],
        PGDATABASE=env["POSTGRES_DBNAME"],
    )
    if env.get("POSTGRES_PASSWORD"):
        out["PGPASSWORD"] = env["POSTGRES_PASSWORD"]
    return out


def _run(tool: str, args: list[str], env: Mapping[str, str], pg_bin: Path | None) -> str:
    done = subprocess.run(
        [_pg_tool(tool, pg_bin), *args],
        env=_pg_env(env),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        # pg_dump's messages name objects, not rows: safe to show to the operator
        raise BackupError(f"{tool} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def _analyze(env: Mapping[str, str]) -> None:
    """Planner statistics for the restored tables. pg_restore does not bring them (the PostgreSQL
    manual, pg_restore: "Once restored, it is wise to run ANALYZE on each restored table"), and
    until autovacuum gets to it the planner guesses: measured on a million events without them,
    each youth's stream was read by a JIT-compiled parallel scan (bench/run.py, `analyze`)."""
    from psycopg import sql

    with _connect_pg(env) as conn:
        conn.autocommit = True
        schema = env["POSTGRES_SCHEMA"]
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            (schema,),
        ).fetchall()
        if tables:
            names = sql.SQL(", ").join(sql.Identifier(schema, table) for (table,) in tables)
            conn.execute(sql.SQL("ANALYZE {}").format(names))


def _schema_has_tables(env: Mapping[str, str]) -> bool:
    with _connect_pg(env) as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
            (env["POSTGRES_SCHEMA"],),
        ).fetchone()
    return bool(row and row[0])


def _connect_pg(env: Mapping[str, str]) -> Any:
    import psycopg

    return psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env.get("POSTGRES_PASSWORD") or None,
        connect_timeout=10,
    )

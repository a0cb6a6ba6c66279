"""The `ledger` command: serve, token, verify, erase, rebuild, backup, restore, keys. Each reads the same
configuration as the server (environment, or a `.env` file)."""

from __future__ import annotations

import argparse
import json
import logging
import secrets
import sys
from datetime import timedelta
from pathlib import Path

from api.clock import system_clock
from api.settings import Settings, SettingsError
from ledger.actor import ROLES, SYSTEM, Actor
from ledger.application import Request
from ledger.errors import LedgerError
from ledger.keys import KeyDirectory, KeyMaterialError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ledger", description="The consent ledger.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API and the web pages")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    token = sub.add_parser("token", help="mint a token and print it")
    token.add_argument("--agency", required=True)
    token.add_argument("--actor", required=True)
    token.add_argument("--role", action="append", required=True, choices=ROLES)
    token.add_argument("--expires-in-days", type=float)
    verify = sub.add_parser(
        "verify", help="re-read the store and check every leaf, the tree and the checkpoints"
    )
    verify.add_argument(
        "--bundle", type=Path, help="check an evidence bundle offline, without the database"
    )
    verify.add_argument(
        "--vkey",
        action="append",
        default=[],
        help="with --bundle: a verifier key the log published (name+keyid+base64); the bundle "
        "must be signed by it (repeat for the retired keys)",
    )
    erase = sub.add_parser("erase", help="crypto-shred a youth's personal data")
    erase.add_argument("--youth", required=True)
    erase.add_argument("--reason", required=True)
    erase.add_argument(
        "--approved-by",
        help="before the disposal date: the second actor who approved the erasure (issue 14)",
    )
    erase.add_argument(
        "--operator", default="ledger-cli", help="who erases (the approver must be another actor)"
    )
    sub.add_parser("rebuild", help="rebuild every projection (index) from the events")
    backup = sub.add_parser(
        "backup",
        help="copy the store while it runs (SQLite online backup, PostgreSQL pg_dump) to a new file",
    )
    backup.add_argument("file", type=Path, help="the backup file to write (must not exist)")
    restore = sub.add_parser(
        "restore", help="put a backup back into the configured store, then verify it"
    )
    restore.add_argument("file", type=Path, help="a file written by `ledger backup`")
    restore.add_argument(
        "--force", action="store_true", help="replace a store that holds a ledger already"
    )
    keys = sub.add_parser("keys", help="the checkpoint signing key")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("show", help="print the current and the retired verifier keys")
    keys_sub.add_parser(
        "rotate", help="retire the signing key (kept for verifying) and make a new one"
    )
    args = parser.parse_args(argv)
    if args.command == "verify" and args.vkey and not args.bundle:
        parser.error("--vkey pins the signer of a bundle: give --bundle too")
    try:
        if args.command == "verify" and args.bundle:
            return verify_bundle(args.bundle, args.vkey)
        settings = Settings.from_env()
        return COMMANDS[args.command](settings, args)
    except (SettingsError, LedgerError, KeyMaterialError) as e:
        print(f"ledger {args.command}: {e}", file=sys.stderr)
        return 2


def run_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from api.accesslog import log_config
    from ledger.service import prepare_store

    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    prepare_store(settings.database_url)
    if not settings.admin_token:
        _tell(
            settings,
            "No LEDGER_ADMIN_TOKEN is set. Mint the first admin token with:\n"
            "  .venv/bin/ledger token --agency ledger-admin --actor admin --role admin",
        )
    _tell(
        settings,
        f"Serving the consent ledger on http://{args.host}:{args.port} (docs at /docs)\n"
        f"Sign in at http://{args.host}:{args.port}/sign-in with a token: the admin token "
        "(LEDGER_ADMIN_TOKEN, or one minted with `ledger token --agency ledger-admin --actor "
        "admin --role admin`) opens the page where agencies are registered and the "
        "coordinators' and staff's tokens are minted",
    )
    uvicorn.run(
        "api.main:worker_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=log_config(settings.log_format),
    )
    return 0


def run_token(settings: Settings, args: argparse.Namespace) -> int:
    from api.main import build_ledger

    ledger = build_ledger(settings, system_clock)
    try:
        secret = secrets.token_urlsafe(32)
        days = args.expires_in_days
        ledger.bootstrap_token(
            secret,
            agency_id=args.agency,
            actor_id=args.actor,
            roles=sorted(set(args.role)),
            expires_at=system_clock() + timedelta(days=days) if days else None,
        )
        print(secret)
    finally:
        ledger.close()
    return 0


def run_verify(settings: Settings, args: argparse.Namespace) -> int:
    from api.main import build_integrity, build_ledger

    ledger = build_ledger(settings, system_clock)
    try:
        integrity = build_integrity(settings, ledger)

        def progress(done: int, total: int) -> None:
            if total and (done == total or done % 50_000 == 0):
                print(f"verified {done}/{total} leaves", file=sys.stderr)

        report = integrity.verify(progress)
    finally:
        ledger.close()
    if report.ok:
        print(f"OK: {report.tree_size} leaves, {report.checkpoints_checked} checkpoints verified")
        return 0
    if report.first_bad_position is not None:
        where = f"position {report.first_bad_position}"
    elif report.bad_checkpoint is not None:
        where = f"the checkpoint of size {report.bad_checkpoint}"
    else:
        where = "the log"
    print(f"FAILED at {where}: {report.problem}")
    return 1


def verify_bundle(path: Path, pinned: list[str]) -> int:
    """Exit 0 if the bundle proves its leaf in a checkpoint signed by the key it carries, and,
    when keys are pinned, that key is one of them; else 1 (2 for a malformed pinned key)."""
    from ledger.checkpoint import NoteError, parse_verifier_key
    from ledger.checkpoint import verify_bundle as check

    for vkey in pinned:
        try:
            parse_verifier_key(vkey)
        except NoteError:
            print(
                "ledger verify: --vkey is not a verifier key (name+keyid+base64)", file=sys.stderr
            )
            return 2
    try:
        bundle = json.loads(path.read_text("utf-8"))
        checkpoint = check(bundle, trusted_verifier_keys=pinned)
    except (OSError, ValueError) as e:
        print(f"FAILED: {e}")
        return 1
    print(
        f"OK: leaf {bundle['position']} is in the log {checkpoint.origin} of size {checkpoint.size}, "
        f"signed by {bundle['key_name']}" + (", a pinned key" if pinned else "")
    )
    return 0


def run_erase(settings: Settings, args: argparse.Namespace) -> int:
    from api.main import build_ledger

    ledger = build_ledger(settings, system_clock)
    try:
        operator = Request(Actor(args.operator, SYSTEM.agency_id, frozenset({"admin"})))
        result = ledger.erase_when_due(
            operator,
            args.youth,
            reason=args.reason,
            approved_by=args.approved_by,
            operator=args.operator,
        )
    finally:
        ledger.close()
    print(json.dumps(result))
    return 0


def run_rebuild(settings: Settings, args: argparse.Namespace) -> int:
    from api.main import build_ledger

    ledger = build_ledger(settings, system_clock)
    try:
        count = ledger.rebuild_indexes(lambda n: print(f"reindexed {n} events", file=sys.stderr))
    finally:
        ledger.close()
    print(f"rebuilt the indexes from {count} events")
    return 0


def _latest_checkpoint(settings: Settings) -> dict[str, object]:
    """The tree size and the latest checkpoint of the configured store, as `backup` and
    `restore` print them, so that an operator can see the two are the same."""
    from api.main import build_integrity, build_ledger

    ledger = build_ledger(settings, system_clock)
    try:
        integrity = build_integrity(settings, ledger)
        checkpoint = integrity.checkpoint()  # signs one for the current tree if it grew
        return {"tree_size": checkpoint["tree_size"], "root_hash": checkpoint["root_hash"]}
    finally:
        ledger.close()


def run_backup(settings: Settings, args: argparse.Namespace) -> int:
    from ledger.store.backup import BackupError, backup

    before = _latest_checkpoint(settings)
    try:
        backup(settings.database_url, args.file, pg_bin=settings.pg_bin)
    except BackupError as e:
        print(f"ledger backup: {e}", file=sys.stderr)
        return 2
    print(json.dumps({"backup": str(args.file), "checkpoint": before}))
    print(
        "The keys are not in the backup: keep a copy of the key directory "
        f"({settings.key_dir}) apart from it; without the master key the backup is unreadable.",
        file=sys.stderr,
    )
    return 0


def run_restore(settings: Settings, args: argparse.Namespace) -> int:
    from ledger.store.backup import BackupError, restore

    try:
        restore(settings.database_url, args.file, force=args.force, pg_bin=settings.pg_bin)
    except BackupError as e:
        print(f"ledger restore: {e}", file=sys.stderr)
        return 2
    status = run_verify(settings, args)
    if status == 0:
        print(json.dumps({"restored": str(args.file), "checkpoint": _latest_checkpoint(settings)}))
    return status


def run_keys(settings: Settings, args: argparse.Namespace) -> int:
    keys = KeyDirectory(settings.key_dir)
    env = settings.key_env()
    if args.keys_command == "rotate":
        retired, current = keys.rotate_signing_key(env)
        print(f"retired {retired}", file=sys.stderr)
        print(
            "Old checkpoints still verify with the retired key. Restart the server to sign with "
            "the new key, and publish its verifier key to auditors and witnesses:",
            file=sys.stderr,
        )
        print(current)
        return 0
    current, *retired_keys = keys.verifier_keys(env)
    print(f"current {current}")
    for vkey in retired_keys:
        print(f"retired {vkey}")
    return 0


COMMANDS = {
    "serve": run_serve,
    "token": run_token,
    "verify": run_verify,
    "erase": run_erase,
    "rebuild": run_rebuild,
    "backup": run_backup,
    "restore": run_restore,
    "keys": run_keys,
}

if __name__ == "__main__":
    sys.exit(main())


def _tell(settings: Settings, message: str) -> None:
    """A start-up message on stderr, in the log's own format (one JSON object a line under
    LEDGER_LOG_FORMAT=json, so that every line of the server's output parses)."""
    if settings.log_format == "json":
        from api.logs import JsonFormatter

        record = logging.LogRecord("ledger.cli", logging.INFO, __file__, 0, message, None, None)
        print(JsonFormatter().format(record), file=sys.stderr)
    else:
        print(message, file=sys.stderr)

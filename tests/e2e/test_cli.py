"""The `ledger` console script, run as a real subprocess against a SQLite file and a key directory,
with the data written through the library on the same store and keys: token, verify (the store,
and an offline bundle without any database), erase, rebuild, rotating the checkpoint key, and bad
arguments."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.clock import system_clock
from ledger.checkpoint import (
    parse_checkpoint,
    parse_verifier_key,
    public_key_bytes,
    sign_checkpoint,
    verifier_key,
)
from ledger.errors import Unauthenticated
from ledger.integrity import IntegrityService
from ledger.keys import KeyDirectory
from ledger.service import Ledger, open_ledger
from tests.conftest import ADMIN, as_actor
from tests.e2e.conftest import personal_number

LEDGER = Path(sys.executable).parent / "ledger"
COORD = as_actor("anna", "soc-orebro", "coordinator")
STAFF = as_actor("lars", "skola-x", "staff")
ORIGIN = "consent-ledger.local/log"  # the CLI's default origin (api/settings.py)
YOUTH_NAME = "Kim Andersson"
YOUTH_PNR = personal_number("20120315")
TIMEOUT = 60


@dataclass
class Cli:
    """One deployment: a SQLite file and a key directory, as the CLI and the library see them."""

    home: Path
    url: str
    keys: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
        env.update(LEDGER_DATABASE_URL=self.url, LEDGER_KEY_DIR=str(self.keys))
        env.update(extra)
        return env

    def run(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(LEDGER), *args],
            cwd=self.home,  # no stray .env from the repository
            env=self.env(**extra_env),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )

    def open(self) -> Ledger:
        master = KeyDirectory(self.keys).master_key({})
        return open_ledger(self.url, clock=system_clock, master_key=master)

    def integrity(self, ledger: Ledger) -> IntegrityService:
        keys = KeyDirectory(self.keys)
        key_name, private_key = keys.signing_key({})
        return IntegrityService(
            ledger.database,
            origin=ORIGIN,
            key_name=key_name,
            private_key=private_key,
            retired_keys=keys.retired_keys({}),
            clock=system_clock,
        )

    @property
    def db(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///"))


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path, f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path / "keys")


@dataclass(frozen=True)
class Recorded:
    youth_id: str
    consent_id: str
    tree_size: int


def record(cli: Cli) -> Recorded:
    """Agencies, a youth with a guardian, a consent and a disclosure; one signed checkpoint."""
    ledger = cli.open()
    try:
        for agency_id, kind in (("soc-orebro", "social_services"), ("skola-x", "school")):
            ledger.register_agency(
                ADMIN, agency_id=agency_id, name=agency_id, kind=kind, municipality=None
            )
        _, youth = ledger.register_youth(COORD, personal_number=YOUTH_PNR, name=YOUTH_NAME)
        _, guardian = ledger.add_guardian(
            COORD,
            youth["id"],
            name="Eva Andersson",
            personal_number=None,
            custody="sole",
            effective_at=None,
        )
        status, consent = ledger.grant_consent(
            COORD,
            {
                "youth_id": youth["id"],
                "givers": [{"party": "guardian", "guardian_id": guardian["guardian_id"]}],
                "method": "written",
                "form_reference": "SSPF-1",
                "informed_of_revocation": True,
                "scope": {
                    "agencies": ["soc-orebro", "skola-x"],
                    "categories": ["school_attendance"],
                    "purposes": ["crime_prevention"],
                    "situations": ["network_meeting"],
                },
                "obtained_at": ledger.now(),
            },
        )
        assert (status, consent["status"]) == (201, "active"), consent
        status, _ = ledger.disclose(
            STAFF,
            {
                "from_agency": "skola-x",
                "to_agencies": ["soc-orebro"],
                "youth_id": youth["id"],
                "categories": ["school_attendance"],
                "purpose": "crime_prevention",
                "situation": "network_meeting",
            },
        )
        assert status == 201
        checkpoint = cli.integrity(ledger).checkpoint()
        return Recorded(youth["id"], consent["id"], checkpoint["tree_size"])
    finally:
        ledger.close()


@pytest.fixture
def recorded(cli: Cli) -> Recorded:
    return record(cli)


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout


# -- token ---------------------------------------------------------------------------------------
def test_token_prints_a_token_that_authenticates_as_the_named_admin(cli: Cli) -> None:
    result = cli.run("token", "--agency", "ledger-admin", "--actor", "admin", "--role", "admin")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert len(token) >= 24
    assert "\n" not in token
    ledger = cli.open()
    try:
        actor = ledger.authenticate(token)
    finally:
        ledger.close()
    assert (actor.agency_id, actor.actor_id, set(actor.roles)) == (
        "ledger-admin",
        "admin",
        {"admin"},
    )


def test_a_token_minted_with_an_expiry_stops_authenticating_after_it(cli: Cli) -> None:
    result = cli.run(
        "token",
        "--agency",
        "skola-x",
        "--actor",
        "lars",
        "--role",
        "staff",
        "--expires-in-days",
        "2",
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    for days, valid in ((1, True), (3, False)):
        master = KeyDirectory(cli.keys).master_key({})
        later = system_clock() + timedelta(days=days)
        ledger = open_ledger(cli.url, clock=lambda later=later: later, master_key=master)
        try:
            if valid:
                assert ledger.authenticate(token).actor_id == "lars"
            else:
                with pytest.raises(Unauthenticated, match="expired"):
                    ledger.authenticate(token)
        finally:
            ledger.close()


# -- verify --------------------------------------------------------------------------------------
def test_verify_exits_zero_and_prints_ok_for_a_store_written_by_the_library(
    cli: Cli, recorded: Recorded
) -> None:
    result = cli.run("verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK")
    assert f"{recorded.tree_size} leaves" in result.stdout
    assert "1 checkpoints" in result.stdout
    no_traceback(result)


def tamper_with_event(cli: Cli, position: int) -> None:
    """Flip one byte of the stored state of the event at `position`, straight in SQLite."""
    with sqlite3.connect(cli.db) as conn:
        stream, version = conn.execute(
            "SELECT originator_id, originator_version FROM ledger_log WHERE position = ?",
            (position,),
        ).fetchone()
        rows = conn.execute(
            "SELECT originator_id, state FROM stored_events "
            "WHERE replace(originator_id, '-', '') = ? AND originator_version = ?",
            (stream.replace("-", ""), version),
        ).fetchall()
        assert len(rows) == 1
        stored_id, state = rows[0]
        state = bytearray(state)
        state[len(state) // 2] ^= 0x01
        changed = conn.execute(
            "UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (bytes(state), stored_id, version),
        )
        assert changed.rowcount == 1


def test_verify_exits_non_zero_naming_the_position_of_a_tampered_event(
    cli: Cli, recorded: Recorded
) -> None:
    position = recorded.tree_size // 2
    tamper_with_event(cli, position)
    result = cli.run("verify")
    assert result.returncode != 0
    assert "FAILED" in result.stdout
    assert f"position {position}" in result.stdout
    no_traceback(result)


def bundle_file(cli: Cli, path: Path, position: int) -> dict[str, Any]:
    ledger = cli.open()
    try:
        bundle = cli.integrity(ledger).bundle(position)
    finally:
        ledger.close()
    path.write_text(json.dumps(bundle), "utf-8")
    return bundle


def without_database(cli: Cli) -> dict[str, str]:
    """A database URL that cannot be opened: the bundle must be checked without one."""
    return {"LEDGER_DATABASE_URL": f"sqlite:///{cli.home / 'nowhere' / 'deeper' / 'ledger.db'}"}


def test_verify_bundle_exits_zero_for_a_genuine_bundle_without_any_database(
    cli: Cli, recorded: Recorded, tmp_path: Path
) -> None:
    path = tmp_path / "bundle.json"
    bundle_file(cli, path, recorded.tree_size - 1)
    cli.db.unlink()
    result = cli.run("verify", "--bundle", str(path), **without_database(cli))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK")
    assert f"leaf {recorded.tree_size - 1}" in result.stdout
    assert not (cli.home / "nowhere").exists()


def test_verify_bundle_with_a_pinned_key_accepts_only_a_bundle_signed_by_it(
    cli: Cli, recorded: Recorded, tmp_path: Path
) -> None:
    path = tmp_path / "bundle.json"
    bundle_file(cli, path, recorded.tree_size - 1)
    [published] = KeyDirectory(cli.keys).verifier_keys({})
    stranger = verifier_key("consent-ledger", bytes(range(32)))
    offline = without_database(cli)

    pinned = cli.run("verify", "--bundle", str(path), "--vkey", published, **offline)
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr
    assert "a pinned key" in pinned.stdout
    among = cli.run("verify", "--bundle", str(path), "--vkey", stranger, "--vkey", published)
    assert among.returncode == 0, among.stdout + among.stderr

    assert cli.run("verify", "--bundle", str(path), "--vkey", stranger).returncode == 1

    # Someone who re-signs the checkpoint with their own key makes a bundle that holds together
    # on its own; only the pinned key tells it apart.
    forged_path = tmp_path / "forged.json"
    forged = json.loads(path.read_text("utf-8"))
    impostor = Ed25519PrivateKey.generate()
    name = forged["key_name"]
    forged["checkpoint"] = sign_checkpoint(parse_checkpoint(forged["checkpoint"]), name, impostor)
    forged["public_key"] = public_key_bytes(impostor).hex()
    forged["verifier_key"] = verifier_key(name, public_key_bytes(impostor))
    forged_path.write_text(json.dumps(forged), "utf-8")
    assert cli.run("verify", "--bundle", str(forged_path), **offline).returncode == 0
    caught = cli.run("verify", "--bundle", str(forged_path), "--vkey", published, **offline)
    assert caught.returncode == 1
    assert caught.stdout.startswith("FAILED") and "not the expected" in caught.stdout

    malformed = cli.run("verify", "--bundle", str(path), "--vkey", "not-a-key", **offline)
    assert malformed.returncode == 2
    assert "--vkey" in malformed.stderr
    no_traceback(malformed)
    alone = cli.run("verify", "--vkey", published)
    assert alone.returncode == 2 and "--bundle" in alone.stderr


def other_leaf(bundle: dict[str, Any]) -> None:
    leaf = bytearray(bytes.fromhex(bundle["leaf"]))
    leaf[-1] ^= 0x01
    bundle["leaf"] = leaf.hex()
    bundle["leaf_hash"] = hashlib.sha256(b"\x00" + bytes(leaf)).hexdigest()


def other_path(bundle: dict[str, Any]) -> None:
    first = bytearray(bytes.fromhex(bundle["audit_path"][0]))
    first[0] ^= 0x80
    bundle["audit_path"][0] = first.hex()


def other_root(bundle: dict[str, Any]) -> None:
    lines = bundle["checkpoint"].split("\n")
    lines[1] = str(int(lines[1]) + 1)  # the signed size
    bundle["checkpoint"] = "\n".join(lines)


@pytest.mark.parametrize(
    "tamper",
    [other_leaf, other_path, other_root],
    ids=["another-leaf", "another-audit-path", "another-signed-size"],
)
def test_verify_bundle_exits_non_zero_for_a_tampered_bundle_without_any_database(
    cli: Cli, recorded: Recorded, tmp_path: Path, tamper: Any
) -> None:
    path = tmp_path / "bundle.json"
    bundle = bundle_file(cli, path, 1)
    tamper(bundle)
    path.write_text(json.dumps(bundle), "utf-8")
    result = cli.run("verify", "--bundle", str(path), **without_database(cli))
    assert result.returncode != 0
    assert "FAILED" in result.stdout
    no_traceback(result)
    assert not (cli.home / "nowhere").exists()


def test_verify_bundle_exits_non_zero_for_a_file_that_is_missing_or_not_json(
    cli: Cli, tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json", "utf-8")
    for path in (garbage, tmp_path / "absent.json"):
        result = cli.run("verify", "--bundle", str(path), **without_database(cli))
        assert result.returncode != 0
        assert "FAILED" in result.stdout
        no_traceback(result)


# -- rotating the checkpoint key -----------------------------------------------------------------
def sign_more(cli: Cli) -> dict[str, Any]:
    """One more event and a checkpoint over it, signed with the directory's current key."""
    ledger = cli.open()
    try:
        ledger.register_agency(
            ADMIN, agency_id="polis-orebro", name="Polisen", kind="police", municipality=None
        )
        return cli.integrity(ledger).checkpoint()
    finally:
        ledger.close()


def test_keys_rotate_prints_a_new_verifier_key_and_the_store_still_verifies(
    cli: Cli, recorded: Recorded, tmp_path: Path
) -> None:
    [old] = KeyDirectory(cli.keys).verifier_keys({})
    old_bundle = tmp_path / "old-bundle.json"
    bundle_file(cli, old_bundle, recorded.tree_size - 1)

    result = cli.run("keys", "rotate")

    assert result.returncode == 0, result.stdout + result.stderr
    no_traceback(result)
    new = result.stdout.strip()
    name, public_key = parse_verifier_key(new)
    assert new != old
    assert f"retired {old}" in result.stderr
    assert "publish" in result.stderr
    assert KeyDirectory(cli.keys).verifier_keys({}) == [new, old]
    assert stat.S_IMODE((cli.keys / "checkpoint-signing.pem").stat().st_mode) == 0o600
    verified = cli.run("verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "1 checkpoints" in verified.stdout

    checkpoint = sign_more(cli)
    assert verifier_key(checkpoint["key_name"], bytes.fromhex(checkpoint["public_key"])) == new
    assert (name, public_key.hex()) == (checkpoint["key_name"], checkpoint["public_key"])
    verified = cli.run("verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "2 checkpoints" in verified.stdout
    offline = cli.run("verify", "--bundle", str(old_bundle), **without_database(cli))
    assert offline.returncode == 0, offline.stdout + offline.stderr


def test_verify_needs_the_retired_key_from_the_directory_or_the_environment(
    cli: Cli, recorded: Recorded
) -> None:
    cli.run("keys", "rotate")
    sign_more(cli)
    retired_file = cli.keys / "retired-checkpoint-keys"
    [old] = retired_file.read_text("utf-8").split()
    retired_file.unlink()

    forgot = cli.run("verify")
    assert forgot.returncode == 1, forgot.stdout + forgot.stderr
    assert f"FAILED at the checkpoint of size {recorded.tree_size}" in forgot.stdout
    assert "no signature by a trusted key" in forgot.stdout
    no_traceback(forgot)

    from_env = cli.run("verify", LEDGER_RETIRED_CHECKPOINT_KEYS=old)
    assert from_env.returncode == 0, from_env.stdout + from_env.stderr
    assert "2 checkpoints" in from_env.stdout


def test_keys_show_prints_the_current_key_then_each_retired_one(cli: Cli) -> None:
    first = cli.run("keys", "show")
    assert first.returncode == 0, first.stderr
    [current] = first.stdout.splitlines()
    assert current.startswith("current ")
    cli.run("keys", "rotate")
    second = cli.run("keys", "show")
    assert second.returncode == 0, second.stderr
    lines = second.stdout.splitlines()
    assert lines[1] == current.replace("current ", "retired ")
    assert lines[0].startswith("current ") and lines[0] != current
    parse_verifier_key(lines[0].removeprefix("current "))


def test_keys_rotate_with_a_signing_key_file_exits_2_and_changes_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    cli.run("keys", "show")
    before = {p.name: p.read_bytes() for p in cli.keys.iterdir()}
    outside = tmp_path / "outside.pem"
    outside.write_bytes((cli.keys / "checkpoint-signing.pem").read_bytes())
    outside.chmod(0o600)

    result = cli.run("keys", "rotate", LEDGER_SIGNING_KEY_FILE=str(outside))

    assert result.returncode == 2, result.stdout + result.stderr
    assert "LEDGER_SIGNING_KEY_FILE is set" in result.stderr
    no_traceback(result)
    assert {p.name: p.read_bytes() for p in cli.keys.iterdir()} == before
    assert outside.read_bytes() == before["checkpoint-signing.pem"]


# -- erase and rebuild ---------------------------------------------------------------------------
def test_erase_exits_zero_and_the_youth_then_reads_as_erased(cli: Cli, recorded: Recorded) -> None:
    # before the disposal date (issue 14): a reason and a second actor's approval
    result = cli.run(
        "erase", "--youth", recorded.youth_id, "--reason", "gallring", "--approved-by", "maja"
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert (answer["id"], answer["erased"]) == (recorded.youth_id, True)
    ledger = cli.open()
    try:
        youth = ledger.read_youth(COORD, recorded.youth_id)
        assert youth["erased"] is True
        assert (youth["name"], youth["personal_number"]) == (None, None)
        assert [g["name"] for g in youth["guardians"]] == [None]
        assert ledger.find_youths(COORD, YOUTH_PNR) == []
        assert ledger.read_consent(COORD, recorded.consent_id)["status"] == "active"
    finally:
        ledger.close()
    verified = cli.run("verify")
    assert verified.returncode == 0, verified.stdout
    assert "1 checkpoints" in verified.stdout


def test_erase_before_the_disposal_date_without_approval_is_refused(
    cli: Cli, recorded: Recorded
) -> None:
    """Issue 14: `ledger erase` refuses before the due date unless given a reason and a second
    actor's approval (ledger/retention.py)."""
    result = cli.run("erase", "--youth", recorded.youth_id, "--reason", "gallring")
    assert result.returncode != 0
    assert "second actor's approval" in result.stdout + result.stderr
    ledger = cli.open()
    try:
        assert ledger.read_youth(COORD, recorded.youth_id)["erased"] is False
    finally:
        ledger.close()


def test_rebuild_exits_zero_and_restores_the_indexes_from_the_events(
    cli: Cli, recorded: Recorded
) -> None:
    with sqlite3.connect(cli.db) as conn:
        conn.execute("DELETE FROM ledger_lookup")
        conn.execute("DELETE FROM ledger_audit")
    result = cli.run("rebuild")
    assert result.returncode == 0, result.stderr
    assert f"from {recorded.tree_size} events" in result.stdout
    ledger = cli.open()
    try:
        [found] = ledger.find_youths(COORD, YOUTH_PNR)
        assert (found["id"], found["name"]) == (recorded.youth_id, YOUTH_NAME)
        assert ledger.read_consent(COORD, recorded.consent_id)["youth_id"] == recorded.youth_id
    finally:
        ledger.close()


# -- bad arguments -------------------------------------------------------------------------------
BAD_ARGUMENTS = {
    "no-command": ([], "required"),
    "unknown-command": (["frobnicate"], "invalid choice"),
    "unknown-role": (
        ["token", "--agency", "a", "--actor", "b", "--role", "superuser"],
        "invalid choice",
    ),
    "token-without-role": (["token", "--agency", "a", "--actor", "b"], "--role"),
    "erase-without-reason": (["erase", "--youth", "x"], "--reason"),
    "port-not-a-number": (["serve", "--port", "eighty"], "--port"),
    "erase-unknown-youth": (
        ["erase", "--youth", "00000000-0000-4000-8000-000000000000", "--reason", "gallring"],
        "no such youth",
    ),
    "erase-not-an-id": (["erase", "--youth", "not-an-id", "--reason", "gallring"], "no such youth"),
    "keys-without-subcommand": (["keys"], "required"),
    "keys-unknown-subcommand": (["keys", "destroy"], "invalid choice"),
    "erase-blank-reason": (
        ["erase", "--youth", "00000000-0000-4000-8000-000000000000", "--reason", "  "],
        "reason",
    ),
}


@pytest.mark.parametrize("case", list(BAD_ARGUMENTS))
def test_bad_arguments_exit_2_with_a_message_and_no_traceback(cli: Cli, case: str) -> None:
    argv, message = BAD_ARGUMENTS[case]
    result = cli.run(*argv)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    no_traceback(result)


def test_a_weak_admin_token_in_the_environment_exits_2_with_a_message_and_no_traceback(
    cli: Cli,
) -> None:
    result = cli.run("verify", LEDGER_ADMIN_TOKEN="changeme")
    assert result.returncode == 2
    assert "LEDGER_ADMIN_TOKEN" in result.stderr
    no_traceback(result)


def test_a_malformed_master_key_in_the_environment_exits_2_with_a_message_and_no_traceback(
    cli: Cli,
) -> None:
    result = cli.run("verify", LEDGER_MASTER_KEY="not base64!")
    assert result.returncode == 2
    assert "LEDGER_MASTER_KEY" in result.stderr
    no_traceback(result)


@pytest.mark.parametrize(
    ("line", "variable"),
    [
        ("LEDGER_ADMIN_TOKEN=short-but-not-a-secret", "LEDGER_ADMIN_TOKEN"),
        ("LEDGER_LOG_FORMAT=xml", "LEDGER_LOG_FORMAT"),
        ("LEDGER_TOKEN_LIFETIME_DAYS=forever", "LEDGER_TOKEN_LIFETIME_DAYS"),
    ],
)
def test_a_bad_value_in_the_env_file_exits_2_with_one_line_naming_the_variable(
    cli: Cli, line: str, variable: str
) -> None:
    (cli.home / ".env").write_text(f"{line}\n", "utf-8")
    result = cli.run("verify")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"ledger verify: {variable} must be")
    assert line.partition("=")[2] not in result.stderr
    no_traceback(result)


def test_the_environment_overrides_the_env_file_for_the_cli(cli: Cli) -> None:
    (cli.home / ".env").write_text("LEDGER_LOG_FORMAT=xml\n", "utf-8")
    assert cli.run("verify", LEDGER_LOG_FORMAT="text").returncode == 0

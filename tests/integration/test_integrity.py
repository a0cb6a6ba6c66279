"""The integrity layer on every store (SQLite in memory, SQLite file, PostgreSQL): signed
checkpoints, inclusion and consistency proofs, offline bundles, and a full audit that catches each
kind of direct tampering with the tables, naming where it happened."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.agency import Access
from ledger.checkpoint import (
    Checkpoint,
    sign_checkpoint,
    verifier_key,
    verify_bundle,
    verify_checkpoint,
)
from ledger.identity import luhn_check_digit
from ledger.integrity import InconsistentLog, IntegrityService
from ledger.merkle import (
    MemoryNodeStore,
    decode_leaf,
    hash_leaf,
    nodes_to_append_many,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from ledger.service import Ledger
from ledger.store.integrity_sql import EntryRow, IntegritySql
from ledger.store.tables import INSERT_CHUNK_ROWS, leaf_bytes
from ledger.timeutil import iso
from tests.conftest import ADMIN, Clock, StoreUnderTest, as_actor

ORIGIN = "ledger.test.example/consent/v1"
KEY_NAME = "test-ledger"
PRIVATE_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
NEW_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(64, 96)))  # after a rotation
COORD = as_actor("anna", "soc-orebro", "coordinator")
STAFF = as_actor("lars", "skola-x", "staff")
AGENCIES = (
    ("soc-orebro", "social_services"),
    ("polis-orebro", "police"),
    ("skola-x", "school"),
)


def fictitious_number(serial: int) -> str:
    body = f"140611{serial:03d}"
    return f"2014{body[2:]}{luhn_check_digit(body)}"


def add_agencies(ledger: Ledger, *agencies: tuple[str, str]) -> None:
    for agency_id, kind in agencies:
        ledger.register_agency(
            ADMIN, agency_id=agency_id, name=agency_id, kind=kind, municipality=None
        )


def add_youth_with_consent(ledger: Ledger, clock: Clock, serial: int) -> str:
    """A youth, two guardians, a jointly signed consent and one disclosure under it; the youth's id."""
    _, youth = ledger.register_youth(COORD, personal_number=fictitious_number(serial), name=None)
    guardians = []
    for _ in range(2):
        _, guardian = ledger.add_guardian(
            COORD,
            youth["id"],
            name="Guardian",
            personal_number=None,
            custody="joint",
            effective_at=None,
        )
        guardians.append(guardian["guardian_id"])
    scope = {
        "agencies": [agency_id for agency_id, _ in AGENCIES],
        "categories": ["school_attendance"],
        "purposes": ["crime_prevention"],
        "situations": ["network_meeting"],
    }
    cmd: dict[str, Any] = {
        "youth_id": youth["id"],
        "givers": [{"party": "guardian", "guardian_id": guardians[0]}],
        "method": "written",
        "form_reference": "F-1",
        "informed_of_revocation": True,
        "scope": scope,
        "obtained_at": clock(),
    }
    _, consent = ledger.grant_consent(COORD, cmd)
    clock.advance(minutes=5)
    giver = {"party": "guardian", "guardian_id": guardians[1]}
    ledger.sign_consent(
        COORD,
        consent["id"],
        {"giver": giver, "method": "written", "form_reference": "F-1", "obtained_at": clock()},
    )
    clock.advance(minutes=5)
    ledger.disclose(
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
    return str(youth["id"])


def service_for(ledger: Ledger, clock: Clock, *, chunk_size: int = 4) -> IntegrityService:
    # A small chunk makes every audit cross many chunk boundaries and meet checkpoints inside them.
    return IntegrityService(
        ledger.database,
        origin=ORIGIN,
        key_name=KEY_NAME,
        private_key=PRIVATE_KEY,
        clock=clock,
        chunk_size=chunk_size,
    )


def tree_size(ledger: Ledger) -> int:
    size: int = ledger.database.read(ledger.database.tables.tree_size)
    return size


@dataclass
class History:
    ledger: Ledger
    clock: Clock
    integrity: IntegrityService
    first: dict[str, Any]  # checkpoint after the first part of the history
    second: dict[str, Any]  # checkpoint after all of it

    @property
    def size(self) -> int:
        return int(self.second["tree_size"])


@pytest.fixture
def history(ledger: Ledger, clock: Clock) -> History:
    integrity = service_for(ledger, clock)
    add_agencies(ledger, *AGENCIES)
    add_youth_with_consent(ledger, clock, 101)
    clock.advance(hours=1)
    first = integrity.checkpoint()
    add_agencies(ledger, ("fritid-y", "leisure"))
    add_youth_with_consent(ledger, clock, 102)
    clock.advance(hours=1)
    second = integrity.checkpoint()
    return History(ledger, clock, integrity, first, second)


class Tamper:
    """Direct SQL on the store, as someone with database access but no signing key would do."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.sql = IntegritySql(ledger.database)

    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> None:
        with self.ledger.database.cursor(commit=True) as cur:
            cur.execute(self.sql.q(statement), params)

    def entry(self, position: int) -> EntryRow:
        (row,) = self.sql.entries(position, position + 1)
        return row

    def stream_key(self, stream_hex: str) -> object:
        return uuid.UUID(stream_hex) if self.ledger.database.is_postgres else stream_hex

    def set_state(self, position: int, state: bytes) -> None:
        row = self.entry(position)
        assert row.stream_id is not None
        self.execute(
            "UPDATE {events} SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (state, self.stream_key(row.stream_id), row.version),
        )

    def state(self, position: int) -> bytes:
        state = self.entry(position).state
        assert state is not None
        return state

    def rewrite_log(self, position: int) -> None:
        """Recompute the leaf at `position` from its (changed) event and every stored node, so
        that the log tables agree with each other again: only signed checkpoints remember."""
        size = tree_size(self.ledger)
        leaf_hashes = []
        for row in self.sql.entries(0, size):
            leaf_hashes.append(row.leaf_hash)
        row = self.entry(position)
        assert row.stream_id is not None and row.state is not None and row.topic is not None
        leaf = leaf_bytes(row.stream_id, row.version, row.topic, row.recorded_at, row.state)
        leaf_hashes[position] = hash_leaf(leaf)
        self.execute(
            "UPDATE {p}ledger_log SET leaf_hash = ? WHERE position = ?",
            (leaf_hashes[position], position),
        )
        self.execute("DELETE FROM {p}ledger_nodes")
        for (level, idx), digest in nodes_to_append_many(0, leaf_hashes, MemoryNodeStore()):
            self.execute("INSERT INTO {p}ledger_nodes VALUES (?, ?, ?)", (level, idx, digest))


def flip_a_byte(state: bytes) -> bytes:
    middle = len(state) // 2
    return state[:middle] + bytes([state[middle] ^ 0x01]) + state[middle + 1 :]


def leaf_hashes(integrity: IntegrityService, size: int) -> list[bytes]:
    return [bytes.fromhex(integrity.leaf(p)["leaf_hash"]) for p in range(size)]


# -- a clean store ----------------------------------------------------------------------------


def test_a_checkpoint_is_a_signed_note_over_the_root_of_every_leaf(history: History) -> None:
    checkpoint = history.second
    signed = verify_checkpoint(
        checkpoint["note"], KEY_NAME, bytes.fromhex(checkpoint["public_key"])
    )
    assert checkpoint["origin"] == signed.origin == ORIGIN
    assert checkpoint["tree_size"] == signed.size == tree_size(history.ledger)
    assert bytes.fromhex(checkpoint["root_hash"]) == signed.root_hash
    assert signed.root_hash == root_of(leaf_hashes(history.integrity, signed.size))
    assert checkpoint["key_name"] == KEY_NAME
    assert checkpoint["signed_at"] == iso(history.clock())


def test_a_checkpoint_is_not_signed_again_while_the_tree_has_not_grown(history: History) -> None:
    history.clock.advance(hours=5)
    assert history.integrity.checkpoint() == history.second
    assert history.integrity.checkpoint(sign_new=False) == history.second
    assert len(history.ledger.database.read(history.ledger.database.tables.checkpoints)) == 2


def test_every_leaf_is_recomputed_from_its_stored_event(history: History) -> None:
    first = history.integrity.leaf(0)
    assert first["type"] == "Agency.Registered"
    fields = decode_leaf(bytes.fromhex(first["leaf"]))
    assert fields.topic == "ledger.agency:Agency.Registered"
    assert fields.recorded_at == first["recorded_at"] == "2026-03-02T08:00:00.000000Z"
    types = [history.integrity.leaf(p)["type"] for p in range(history.size)]
    assert {"Youth.Registered", "Youth.ConsentGranted", "Youth.DisclosureRecorded"} <= set(types)
    for position in range(history.size):
        leaf = history.integrity.leaf(position)
        assert hash_leaf(bytes.fromhex(leaf["leaf"])).hex() == leaf["leaf_hash"]


def test_every_position_has_an_inclusion_proof_against_the_signed_root(history: History) -> None:
    for checkpoint in (history.first, history.second):
        size, root = checkpoint["tree_size"], bytes.fromhex(checkpoint["root_hash"])
        for position in range(size):
            proof = history.integrity.inclusion(position, size)
            assert proof["leaf_hash"] == history.integrity.leaf(position)["leaf_hash"]
            path = [bytes.fromhex(h) for h in proof["audit_path"]]
            verify_inclusion(position, size, bytes.fromhex(proof["leaf_hash"]), path, root)


def test_the_second_checkpoint_is_provably_consistent_with_the_first(history: History) -> None:
    first, second = history.first["tree_size"], history.second["tree_size"]
    assert 0 < first < second
    proof = history.integrity.consistency(first, second)
    assert (proof["first"], proof["second"]) == (first, second)
    verify_consistency(
        first,
        second,
        bytes.fromhex(history.first["root_hash"]),
        bytes.fromhex(history.second["root_hash"]),
        [bytes.fromhex(h) for h in proof["proof"]],
    )


def test_consistency_proofs_between_any_two_sizes_verify(history: History) -> None:
    roots = [root_of(leaf_hashes(history.integrity, n)) for n in range(history.size + 1)]
    for first in range(1, history.size + 1):
        for second in range(first, history.size + 1):
            proof = [
                bytes.fromhex(h) for h in history.integrity.consistency(first, second)["proof"]
            ]
            verify_consistency(first, second, roots[first], roots[second], proof)


def test_a_bundle_verifies_offline_against_the_published_key(history: History) -> None:
    vkey = verifier_key(KEY_NAME, bytes.fromhex(history.second["public_key"]))
    for position in (0, history.first["tree_size"], history.size - 1):
        bundle = history.integrity.bundle(position)
        checkpoint = verify_bundle(bundle, trusted_verifier_keys=[vkey])
        assert checkpoint.size == history.size
        assert bundle["leaf"] == history.integrity.leaf(position)["leaf"]


def test_a_bundle_for_a_leaf_newer_than_the_checkpoint_signs_a_new_one(history: History) -> None:
    add_agencies(history.ledger, ("polis-kumla", "police"))
    newest = tree_size(history.ledger) - 1
    bundle = history.integrity.bundle(newest)
    assert verify_bundle(bundle).size == newest + 1
    assert history.integrity.checkpoint(sign_new=False)["tree_size"] == newest + 1


def test_verify_passes_on_a_clean_store_and_reports_progress(history: History) -> None:
    seen: list[tuple[int, int]] = []
    report = history.integrity.verify(lambda done, total: seen.append((done, total)))
    assert report.ok, report.problem
    assert (report.tree_size, report.checkpoints_checked) == (history.size, 2)
    assert report.first_bad_position is None and report.problem is None
    assert seen[-1] == (history.size, history.size)
    assert [done for done, _ in seen] == sorted({done for done, _ in seen})


def test_verify_passes_whatever_the_chunk_size(history: History) -> None:
    for chunk_size in (1, 2, 3, history.first["tree_size"], history.size, 10_000):
        report = service_for(history.ledger, history.clock, chunk_size=chunk_size).verify()
        assert report.ok, (chunk_size, report.problem)
        assert report.checkpoints_checked == 2


def test_a_save_of_more_rows_than_one_insert_takes_keeps_positions_dense_and_verifies(
    history: History,
) -> None:
    # Tables.append writes a save's log, audit, party and node rows in multi-row INSERTs of at
    # most INSERT_CHUNK_ROWS rows (on PostgreSQL together in one statement): a larger save is
    # split, and its rows must be the ones a save per event would have written.
    before = tree_size(history.ledger)
    count = 2 * INSERT_CHUNK_ROWS + 7
    reads = [
        Access.log(
            actor=STAFF.actor,
            action="decision_check",
            youth_id=None,
            details={"n": i},
            now=history.ledger.now(),
        )
        for i in range(count)
    ]
    history.ledger.save(*reads)
    assert tree_size(history.ledger) == before + count
    positions = history.ledger.positions(reads[-1].id)
    assert positions == {1: before + count - 1}
    report = history.integrity.verify()
    assert report.ok, report.problem
    assert report.tree_size == before + count
    assert history.integrity.checkpoint()["tree_size"] == before + count
    assert service_for(history.ledger, history.clock, chunk_size=333).verify().ok


# -- tampering, caught by verify() ------------------------------------------------------------


def assert_caught(report: Any, *, position: int | None, checkpoint: int | None = None) -> None:
    assert not report.ok
    assert report.first_bad_position == position, report.problem
    assert report.bad_checkpoint == checkpoint, report.problem
    assert report.problem


def test_changing_one_byte_of_an_event_is_caught_at_its_position(history: History) -> None:
    tamper = Tamper(history.ledger)
    tamper.set_state(7, flip_a_byte(tamper.state(7)))
    report = history.integrity.verify()
    assert_caught(report, position=7)
    assert "position 7" in (report.problem or "")
    assert "no longer reproduces its leaf hash" in (report.problem or "")


def test_deleting_an_event_is_caught_at_its_position(history: History) -> None:
    tamper = Tamper(history.ledger)
    row = tamper.entry(5)
    assert row.stream_id is not None
    tamper.execute(
        "DELETE FROM {events} WHERE originator_id = ? AND originator_version = ?",
        (tamper.stream_key(row.stream_id), row.version),
    )
    report = history.integrity.verify()
    assert_caught(report, position=5)
    assert "missing" in (report.problem or "")


def test_swapping_two_events_is_caught_at_the_first_of_them(history: History) -> None:
    tamper = Tamper(history.ledger)
    earlier, later = tamper.state(4), tamper.state(9)
    tamper.set_state(4, later)
    tamper.set_state(9, earlier)
    assert_caught(history.integrity.verify(), position=4)


def test_an_extra_event_without_a_position_is_caught(history: History) -> None:
    tamper = Tamper(history.ledger)
    row = tamper.entry(3)
    assert row.stream_id is not None
    tamper.execute(
        "INSERT INTO {events} (originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?)",
        (tamper.stream_key(row.stream_id), 99, row.topic, row.state),
    )
    report = history.integrity.verify()
    assert_caught(report, position=None)
    assert f"stream {row.stream_id}, version 99" in (report.problem or "")
    assert "no position in the log" in (report.problem or "")


def test_an_extra_log_row_without_its_event_is_caught_at_its_position(history: History) -> None:
    tamper = Tamper(history.ledger)
    fake = tamper.entry(2)
    tamper.execute(
        "INSERT INTO {p}ledger_log VALUES (?, ?, ?, ?, ?, ?)",
        (history.size, uuid.uuid4().hex, 1, fake.log_topic, fake.recorded_at, fake.leaf_hash),
    )
    report = history.integrity.verify()
    assert_caught(report, position=history.size)
    assert "missing" in (report.problem or "")


def test_changing_a_recorded_time_in_the_log_is_caught_at_its_position(history: History) -> None:
    Tamper(history.ledger).execute(
        "UPDATE {p}ledger_log SET recorded_at = ? WHERE position = ?", ("2026-01-01T00:00:00Z", 6)
    )
    assert_caught(history.integrity.verify(), position=6)


def test_a_recorded_time_earlier_than_the_position_before_is_caught_even_with_its_leaf(
    history: History,
) -> None:
    # Back-dating with database access: the recorded time of position 6 moved to before that of
    # position 5, and its leaf and the nodes recomputed so that every hash agrees again. The
    # first checkpoint would also catch it; verify names the position first (issue 10).
    tamper = Tamper(history.ledger)
    before = tamper.entry(5).recorded_at
    earlier = "2026-01-01T00:00:00.000000Z"
    assert earlier < before
    tamper.execute("UPDATE {p}ledger_log SET recorded_at = ? WHERE position = ?", (earlier, 6))
    tamper.rewrite_log(6)
    report = history.integrity.verify()
    assert_caught(report, position=6)
    assert "recorded time runs back" in (report.problem or "")
    assert before in (report.problem or "")


def test_altering_a_stored_checkpoint_note_is_caught_naming_its_size(history: History) -> None:
    size = history.first["tree_size"]
    note = history.first["note"].replace(ORIGIN, "ledger.elsewhere.example/consent/v1")
    Tamper(history.ledger).execute(
        "UPDATE {p}ledger_checkpoints SET note = ? WHERE tree_size = ?", (note, size)
    )
    report = history.integrity.verify()
    assert_caught(report, position=None, checkpoint=size)
    assert f"tree size {size}" in (report.problem or "")
    assert report.checkpoints_checked == 0


def test_a_history_rewritten_with_its_leaf_and_nodes_is_caught_by_the_checkpoint(
    history: History,
) -> None:
    tamper = Tamper(history.ledger)
    tamper.set_state(7, flip_a_byte(tamper.state(7)))
    tamper.rewrite_log(7)
    report = history.integrity.verify()
    first = history.first["tree_size"]
    assert first > 7
    assert_caught(report, position=None, checkpoint=first)
    assert f"from 0 to {first - 1}" in (report.problem or "")


def test_a_corrupted_merkle_node_is_caught_at_the_first_position_it_covers(
    history: History,
) -> None:
    Tamper(history.ledger).execute(
        "UPDATE {p}ledger_nodes SET hash = ? WHERE level = ? AND idx = ?", (bytes(32), 2, 1)
    )
    report = history.integrity.verify()
    assert_caught(report, position=4)
    assert "level 2, index 1" in (report.problem or "")


def test_a_truncated_log_is_caught_where_the_signed_entries_end(history: History) -> None:
    tamper = Tamper(history.ledger)
    last = history.size - 1
    row = tamper.entry(last)
    assert row.stream_id is not None
    tamper.execute(
        "DELETE FROM {events} WHERE originator_id = ? AND originator_version = ?",
        (tamper.stream_key(row.stream_id), row.version),
    )
    tamper.execute("DELETE FROM {p}ledger_log WHERE position = ?", (last,))
    for level in range((last + 1).bit_length()):
        if (last + 1) % (1 << level) == 0:  # the nodes the last leaf completed
            tamper.execute(
                "DELETE FROM {p}ledger_nodes WHERE level = ? AND idx = ?", (level, last >> level)
            )
    report = history.integrity.verify()
    assert_caught(report, position=last, checkpoint=history.size)
    with pytest.raises(InconsistentLog, match="log ends at"):
        history.integrity.checkpoint()


# -- refusing to sign -------------------------------------------------------------------------


def test_a_checkpoint_is_refused_when_the_stored_one_before_has_a_changed_root(
    history: History,
) -> None:
    Tamper(history.ledger).execute(
        "UPDATE {p}ledger_checkpoints SET root_hash = ? WHERE tree_size = ?",
        (bytes(32), history.size),
    )
    add_agencies(history.ledger, ("polis-kumla", "police"))
    with pytest.raises(InconsistentLog, match=f"tree size {history.size}"):
        history.integrity.checkpoint()
    assert (
        history.ledger.database.read(history.ledger.database.tables.checkpoints)[-1]["tree_size"]
        == history.size
    )
    assert_caught(history.integrity.verify(), position=None, checkpoint=history.size)


def test_a_checkpoint_is_refused_over_a_rewritten_history(history: History) -> None:
    tamper = Tamper(history.ledger)
    tamper.set_state(3, flip_a_byte(tamper.state(3)))
    tamper.rewrite_log(3)
    add_agencies(history.ledger, ("polis-kumla", "police"))
    with pytest.raises(InconsistentLog, match="not consistent with the checkpoint"):
        history.integrity.checkpoint()


# -- rotating the signing key -----------------------------------------------------------------


def rotated(history: History, *, keep_old: bool = True, chunk_size: int = 4) -> IntegrityService:
    """The service after `ledger keys rotate`: a new signing key, the old one trusted to verify."""
    old = (KEY_NAME, PRIVATE_KEY.public_key().public_bytes_raw())
    return IntegrityService(
        history.ledger.database,
        origin=ORIGIN,
        key_name=KEY_NAME,
        private_key=NEW_KEY,
        retired_keys=[old] if keep_old else [],
        clock=history.clock,
        chunk_size=chunk_size,
    )


def checkpoint_count(ledger: Ledger) -> int:
    return len(ledger.database.read(ledger.database.tables.checkpoints))


def test_after_a_rotation_checkpoints_by_the_old_and_the_new_key_all_verify(
    history: History,
) -> None:
    add_agencies(history.ledger, ("polis-kumla", "police"))
    third = rotated(history).checkpoint()
    new_public_key = NEW_KEY.public_key().public_bytes_raw()
    assert third["tree_size"] == history.size + 1
    assert third["public_key"] == new_public_key.hex()
    assert verify_checkpoint(third["note"], KEY_NAME, new_public_key).size == history.size + 1
    for chunk_size in (1, 3, history.size, 10_000):
        report = rotated(history, chunk_size=chunk_size).verify()
        assert report.ok, (chunk_size, report.problem)
        assert report.checkpoints_checked == 3


def test_the_first_checkpoint_after_a_rotation_must_extend_the_last_by_the_old_key(
    history: History,
) -> None:
    tamper = Tamper(history.ledger)
    tamper.set_state(3, flip_a_byte(tamper.state(3)))
    tamper.rewrite_log(3)
    add_agencies(history.ledger, ("polis-kumla", "police"))
    with pytest.raises(InconsistentLog, match="not consistent with the checkpoint"):
        rotated(history).checkpoint()
    assert checkpoint_count(history.ledger) == 2


def test_without_the_retired_key_the_old_checkpoints_no_longer_verify(history: History) -> None:
    forgetful = rotated(history, keep_old=False)
    report = forgetful.verify()
    assert_caught(report, position=None, checkpoint=history.first["tree_size"])
    assert "no signature by a trusted key" in (report.problem or "")
    add_agencies(history.ledger, ("polis-kumla", "police"))
    with pytest.raises(InconsistentLog, match="does not verify"):
        forgetful.checkpoint()
    assert checkpoint_count(history.ledger) == 2


def test_a_checkpoint_re_signed_by_an_untrusted_key_is_caught_after_a_rotation(
    history: History,
) -> None:
    size, root = history.first["tree_size"], bytes.fromhex(history.first["root_hash"])
    stranger = Ed25519PrivateKey.from_private_bytes(bytes(range(96, 128)))
    note = sign_checkpoint(Checkpoint(ORIGIN, size, root), KEY_NAME, stranger)
    Tamper(history.ledger).execute(
        "UPDATE {p}ledger_checkpoints SET note = ? WHERE tree_size = ?", (note, size)
    )
    report = rotated(history).verify()
    assert_caught(report, position=None, checkpoint=size)
    assert "no signature by a trusted key" in (report.problem or "")
    assert report.checkpoints_checked == 0


def test_until_the_tree_grows_the_latest_checkpoint_and_bundles_carry_the_old_key(
    history: History,
) -> None:
    integrity = rotated(history)
    old_vkey = verifier_key(KEY_NAME, PRIVATE_KEY.public_key().public_bytes_raw())
    assert integrity.checkpoint() == history.second
    assert verify_bundle(integrity.bundle(0), trusted_verifier_keys=[old_vkey]).size == history.size
    add_agencies(history.ledger, ("polis-kumla", "police"))
    new_vkey = verifier_key(KEY_NAME, NEW_KEY.public_key().public_bytes_raw())
    newest = verify_bundle(integrity.bundle(history.size), trusted_verifier_keys=[new_vkey])
    assert newest.size == history.size + 1


@pytest.fixture
def opened_twice(store: StoreUnderTest, clock: Clock) -> Iterator[tuple[Ledger, Ledger]]:
    yield store.open(), store.open()


def test_two_ledgers_on_one_store_share_one_sequence_of_checkpoints(
    opened_twice: tuple[Ledger, Ledger], clock: Clock
) -> None:
    one, two = opened_twice
    add_agencies(one, *AGENCIES)
    first = service_for(one, clock).checkpoint()
    add_agencies(two, ("fritid-y", "leisure"))
    second = service_for(two, clock).checkpoint()
    assert second["tree_size"] == first["tree_size"] + 1
    assert service_for(one, clock).checkpoint(sign_new=False) == second
    assert service_for(one, clock).verify().checkpoints_checked == 2


def test_a_second_checkpoint_of_the_same_size_is_not_stored(history: History) -> None:
    """A concurrent signer that lost the race gets False, on every store, and nothing changes."""
    sql = IntegritySql(history.ledger.database)
    latest = sql.latest_checkpoint()
    assert latest is not None
    assert sql.put_checkpoint(latest) is False
    assert checkpoint_count(history.ledger) == 2

"""IntegrityService on the in-memory store: the empty tree, argument checking, periodic signing,
a concurrent signer of the same size, refusing damaged leaves, and reading in bounded chunks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoint import NoteError, verify_checkpoint
from ledger.integrity import DamagedLeaf, IntegrityService, topic_class
from ledger.merkle import EMPTY_ROOT
from ledger.service import Ledger
from ledger.store.integrity_sql import EntryRow, IntegritySql, node_count
from tests.conftest import ADMIN, Clock

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
ORIGIN = "ledger.test.example/consent/v1"


def service(ledger: Ledger, clock: Clock, **kwargs: Any) -> IntegrityService:
    kwargs.setdefault("origin", ORIGIN)
    kwargs.setdefault("key_name", "unit-ledger")
    kwargs.setdefault("private_key", KEY)
    return IntegrityService(ledger.database, clock=clock, **kwargs)


def add_agencies(ledger: Ledger, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        ledger.register_agency(
            ADMIN, agency_id=f"polis-{n:03d}", name="Polisen", kind="police", municipality=None
        )


def checkpoint_count(ledger: Ledger) -> int:
    return len(ledger.database.read(ledger.database.tables.checkpoints))


def test_the_empty_tree_gets_a_signed_checkpoint_of_the_empty_root(
    memory_ledger: Ledger, clock: Clock
) -> None:
    checkpoint = service(memory_ledger, clock).checkpoint()
    assert checkpoint["tree_size"] == 0
    assert checkpoint["root_hash"] == EMPTY_ROOT.hex()
    assert verify_checkpoint(checkpoint["note"], "unit-ledger", KEY.public_key().public_bytes_raw())
    report = service(memory_ledger, clock).verify()
    assert (report.ok, report.tree_size, report.checkpoints_checked) == (True, 0, 1)


def test_a_tree_grown_from_empty_is_signed_and_audits_clean(
    memory_ledger: Ledger, clock: Clock
) -> None:
    integrity = service(memory_ledger, clock)
    integrity.checkpoint()
    add_agencies(memory_ledger, 5)
    assert integrity.checkpoint()["tree_size"] == 5
    report = integrity.verify()
    assert report.ok, report.problem
    assert report.checkpoints_checked == 2


def test_asking_for_the_latest_checkpoint_before_any_is_signed_is_a_lookup_error(
    memory_ledger: Ledger, clock: Clock
) -> None:
    with pytest.raises(LookupError, match="no checkpoint"):
        service(memory_ledger, clock).checkpoint(sign_new=False)


def test_an_unusable_origin_or_key_name_is_refused_at_construction(
    memory_ledger: Ledger, clock: Clock
) -> None:
    with pytest.raises(NoteError):
        service(memory_ledger, clock, origin="two\nlines")
    with pytest.raises(NoteError):
        service(memory_ledger, clock, key_name="has space")


@pytest.mark.parametrize(
    "retired",
    [("has space", bytes(32)), ("unit-ledger", bytes(31))],
    ids=["bad-name", "short-key"],
)
def test_an_unusable_retired_key_is_refused_at_construction(
    memory_ledger: Ledger, clock: Clock, retired: tuple[str, bytes]
) -> None:
    with pytest.raises(NoteError):
        service(memory_ledger, clock, retired_keys=[retired])


def test_a_retired_key_verifies_old_checkpoints_but_never_signs(
    memory_ledger: Ledger, clock: Clock
) -> None:
    old = service(memory_ledger, clock)
    old.checkpoint()
    add_agencies(memory_ledger, 2)
    new_key = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    retired = ("unit-ledger", KEY.public_key().public_bytes_raw())
    rotated = service(memory_ledger, clock, private_key=new_key, retired_keys=[retired])
    signed = rotated.checkpoint()
    assert signed["public_key"] == new_key.public_key().public_bytes_raw().hex()
    with pytest.raises(NoteError, match="no signature"):
        verify_checkpoint(signed["note"], *retired)
    report = rotated.verify()
    assert (report.ok, report.checkpoints_checked) == (True, 2), report.problem


def test_leaves_and_bundles_outside_the_tree_are_lookup_errors(
    memory_ledger: Ledger, clock: Clock
) -> None:
    add_agencies(memory_ledger, 3)
    integrity = service(memory_ledger, clock)
    for position in (3, 100, -1):
        with pytest.raises(LookupError, match="no leaf at position"):
            integrity.leaf(position)
        with pytest.raises(LookupError, match="no leaf at position"):
            integrity.bundle(position)


@pytest.mark.parametrize(
    ("position", "tree_size", "message"),
    [
        (0, 0, "tree_size must be at least 1"),
        (-1, 3, "position must not be negative"),
        (3, 3, "position 3 is not inside a tree of size 3"),
        (0, 4, "tree_size 4 is beyond the current tree size 3"),
        (True, 3, "position must be an integer"),
    ],
)
def test_an_inclusion_proof_with_bad_arguments_says_which(
    memory_ledger: Ledger, clock: Clock, position: int, tree_size: int, message: str
) -> None:
    add_agencies(memory_ledger, 3)
    with pytest.raises(ValueError, match=message):
        service(memory_ledger, clock).inclusion(position, tree_size)


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (0, 2, "first must be at least 1"),
        (3, 2, r"first \(3\) must not exceed second \(2\)"),
        (1, 4, r"second \(4\) is beyond the current tree size 3"),
    ],
)
def test_a_consistency_proof_with_bad_arguments_says_which(
    memory_ledger: Ledger, clock: Clock, first: int, second: int, message: str
) -> None:
    add_agencies(memory_ledger, 3)
    with pytest.raises(ValueError, match=message):
        service(memory_ledger, clock).consistency(first, second)


def test_a_consistency_proof_between_equal_sizes_is_empty(
    memory_ledger: Ledger, clock: Clock
) -> None:
    add_agencies(memory_ledger, 3)
    assert service(memory_ledger, clock).consistency(2, 2) == {"first": 2, "second": 2, "proof": []}


def test_periodic_signing_waits_for_growth_and_for_the_interval(
    memory_ledger: Ledger, clock: Clock
) -> None:
    integrity = service(memory_ledger, clock)
    interval = timedelta(minutes=10)
    integrity.maybe_checkpoint(interval)
    assert checkpoint_count(memory_ledger) == 1  # none yet: sign the empty tree
    integrity.maybe_checkpoint(interval)
    assert checkpoint_count(memory_ledger) == 1  # no growth
    add_agencies(memory_ledger, 2)
    clock.advance(minutes=9)
    integrity.maybe_checkpoint(interval)
    assert checkpoint_count(memory_ledger) == 1  # grown, but too soon
    clock.advance(minutes=1)
    integrity.maybe_checkpoint(interval)
    assert checkpoint_count(memory_ledger) == 2
    assert integrity.checkpoint(sign_new=False)["tree_size"] == 2


def test_a_concurrent_signer_of_the_same_size_gets_the_stored_checkpoint(
    memory_ledger: Ledger, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_agencies(memory_ledger, 3)
    first = service(memory_ledger, clock).checkpoint()
    clock.advance(minutes=1)
    late = service(memory_ledger, clock)
    # It read "no checkpoint yet" just before the other signer stored size 3.
    monkeypatch.setattr(IntegritySql, "latest_checkpoint", lambda self: None)
    assert late.checkpoint() == first
    assert checkpoint_count(memory_ledger) == 1


def test_a_leaf_whose_event_was_changed_is_refused_rather_than_served(
    memory_ledger: Ledger, clock: Clock
) -> None:
    add_agencies(memory_ledger, 3)
    with memory_ledger.database.cursor(commit=True) as cur:
        cur.execute("UPDATE ledger_log SET recorded_at = '2020-01-01T00:00:00Z' WHERE position = 1")
    integrity = service(memory_ledger, clock)
    with pytest.raises(DamagedLeaf, match="position 1"):
        integrity.leaf(1)
    with pytest.raises(DamagedLeaf, match="position 1"):
        integrity.bundle(1)
    assert integrity.leaf(2)["position"] == 2


def test_verify_reads_one_chunk_at_a_time(
    memory_ledger: Ledger, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_agencies(memory_ledger, 23)
    spans: list[tuple[int, int]] = []
    read = IntegritySql.entries

    def recording(self: IntegritySql, start: int, stop: int) -> list[EntryRow]:
        spans.append((start, stop))
        return read(self, start, stop)

    monkeypatch.setattr(IntegritySql, "entries", recording)
    report = service(memory_ledger, clock, chunk_size=5).verify()
    assert report.ok, report.problem
    assert spans == [(0, 5), (5, 10), (10, 15), (15, 20), (20, 23)]


def test_topic_class_is_the_short_class_name_of_a_topic() -> None:
    assert topic_class("ledger.youth:Youth.ConsentGranted") == "Youth.ConsentGranted"
    assert topic_class("ledger.agency:Access.Logged") == "Access.Logged"


def test_a_tree_stores_two_nodes_per_leaf_less_one_per_perfect_subtree() -> None:
    assert [node_count(n) for n in (0, 1, 2, 3, 4, 5, 8)] == [0, 1, 3, 4, 7, 8, 15]

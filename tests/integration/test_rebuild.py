"""A rebuild derives exactly the index rows that the writes put there as they went: the audit index,
its parties and the lookups, on a varied history (the benchmark's data set, a corrected
personnummer, an erased youth), whatever the rebuild's chunk size. On a file and on PostgreSQL."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from ledger.identity import luhn_check_digit
from ledger.personal import reveal
from ledger.service import Ledger
from tests.conftest import ADMIN, MASTER_KEY, StoreUnderTest

BENCH = Path(__file__).resolve().parents[2] / "bench"
INDEX_TABLES = ("ledger_audit", "ledger_audit_parties", "ledger_lookup")


def generate(url: str) -> Any:
    sys.path.insert(0, str(BENCH))
    try:
        from dataset import coordinator, generate
    finally:
        sys.path.remove(str(BENCH))
    return generate(url, MASTER_KEY, events=600, municipalities=2, heavy_disclosures=30,
                    progress=False), coordinator  # fmt: skip


def another_number(digits: str) -> str:
    """A personnummer of the same birth date with another serial number."""
    serial = f"{(int(digits[8:11]) + 1) % 1000:03d}"
    return f"{digits[:8]}-{serial}{luhn_check_digit(digits[2:8] + serial)}"


@pytest.fixture
def written(store: StoreUnderTest) -> Ledger:
    if store.name == "memory":
        pytest.skip("the data set is written by a ledger of its own, which a memory store is not")
    dataset, coordinator = generate(store.url)
    ledger = store.open()
    corrected, erased = dataset.plans[1], dataset.plans[2]
    digits = reveal(ledger.youth(corrected.youth_id).personal_number)
    assert digits is not None
    ledger.correct_personal_number(
        coordinator(corrected.municipality),
        corrected.youth_id,
        personal_number=another_number(digits),
        reason="rättelse",
    )
    ledger.erase(ADMIN, erased.youth_id, reason="gallring")
    return ledger


def index_rows(ledger: Ledger) -> dict[str, list[tuple[Any, ...]]]:
    rows = {}
    with ledger.database.cursor() as cur:
        for table in INDEX_TABLES:
            cur.execute(ledger.database.tables.q(f"SELECT * FROM {{p}}{table}"))
            rows[table] = sorted(tuple(row) for row in cur.fetchall())
    return rows


@pytest.mark.parametrize("chunk", [97, 2000])
def test_a_rebuild_writes_the_same_index_rows_as_the_writes_did(
    written: Ledger, chunk: int
) -> None:
    as_written = index_rows(written)
    assert all(as_written.values())

    count = written.rebuild_indexes(chunk=chunk)

    assert count == written.database.read(written.database.tables.tree_size)
    assert index_rows(written) == as_written


def test_a_fresh_ledger_rebuilds_the_same_rows_reading_the_data_keys_a_chunk_at_a_time(
    written: Ledger, store: StoreUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild opens each youth's personnummer for the lookup; its data keys come in one read
    per chunk (SqlKeyring.preload), not one transaction a youth. Only the erased youth's
    tombstone, which is never cached, is read on its own."""
    as_written = index_rows(written)
    fresh = store.open()  # nothing in its keyring's cache
    tables = fresh.database.tables
    one, many = [], []
    single, bulk = tables.data_key, tables.data_keys
    monkeypatch.setattr(tables, "data_key", lambda cur, o: one.append(o) or single(cur, o))
    monkeypatch.setattr(tables, "data_keys", lambda cur, os: many.append(os) or bulk(cur, os))

    fresh.rebuild_indexes(chunk=97)

    assert index_rows(fresh) == as_written
    assert len(one) == 1  # the erased youth: a tombstone
    assert 1 < len(many) <= -(-fresh.database.read(tables.tree_size) // 97)

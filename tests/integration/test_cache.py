"""The ledger's aggregate cache on every store: bounded by the events it holds (LEDGER_CACHE_EVENTS,
ledger/cache.py), and a youth read again after eviction is the same as before it was evicted."""

from __future__ import annotations

import pytest

from ledger.cache import EventBoundedCache
from ledger.crypto import unwrap_key
from ledger.personal import reveal
from ledger.store import database
from tests.conftest import Clock, StoreUnderTest
from tests.integration.test_integrity import AGENCIES, add_agencies, add_youth_with_consent

BOUND = 12  # events: one youth of this scenario is 4 (registered, two guardians) + 3 (consent)


def test_the_cache_holds_no_more_events_than_its_bound_and_evicted_youths_read_the_same(
    store: StoreUnderTest, clock: Clock
) -> None:
    ledger = store.open(cache_events=BOUND)
    cache = ledger.repository.cache
    assert isinstance(cache, EventBoundedCache) and cache.max_events == BOUND
    add_agencies(ledger, *AGENCIES)
    youth_ids = [add_youth_with_consent(ledger, clock, serial) for serial in range(6)]
    first = {y: ledger.youth(y).version for y in youth_ids}
    assert cache.events <= BOUND + max(first.values())  # the last one read may lag (see get)
    again = {y: ledger.youth(y).version for y in reversed(youth_ids)}
    assert again == first
    assert len(cache) < len(youth_ids)  # some were evicted: the bound held


def test_the_data_key_cache_keeps_its_bound_and_a_key_shed_is_read_again_from_the_store(
    store: StoreUnderTest, clock: Clock
) -> None:
    """A national deployment has more youths than a worker should hold unwrapped keys for
    (ledger/store/database.py, SqlKeyring): the least recently used are shed, and read again."""
    ledger = store.open(cache_events=1)  # every read of a youth decrypts its events again
    ledger.keyring.cache_size = 3
    add_agencies(ledger, *AGENCIES)
    youth_ids = [add_youth_with_consent(ledger, clock, serial) for serial in range(6)]
    assert ledger.keyring.held() == 3
    for _ in range(2):
        numbers = [reveal(ledger.youth(y).personal_number) for y in youth_ids]
        assert all(numbers) and len(set(numbers)) == len(youth_ids)
        assert ledger.keyring.held() == 3


def test_a_key_read_while_its_youth_is_erased_is_not_kept_in_memory_after_the_tombstone(
    store: StoreUnderTest, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Crypto-shredding (DOMAIN.md, erasure): once the tombstone is written no copy of the key
    may stay behind, not even in a worker's memory from a read that raced the erasure."""
    ledger = store.open()
    ledger.keyring.cache_size = 2
    add_agencies(ledger, *AGENCIES)
    first, *_ = [add_youth_with_consent(ledger, clock, serial) for serial in range(3)]
    assert first not in ledger.keyring  # shed by the two after it

    def unwrap_as_the_erasure_lands(master_key: bytes, wrapped: bytes) -> bytes:
        ledger.keyring.destroy(first)  # between reading the wrapped key and keeping it
        return unwrap_key(master_key, wrapped)

    monkeypatch.setattr(database, "unwrap_key", unwrap_as_the_erasure_lands)
    assert ledger.keyring.key_for(first, create=False) is not None  # the read that raced it
    monkeypatch.setattr(database, "unwrap_key", unwrap_key)

    assert first not in ledger.keyring
    assert ledger.keyring.key_for(first, create=False) is None  # the tombstone from now on

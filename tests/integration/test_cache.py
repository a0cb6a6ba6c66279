"""The ledger's aggregate cache on every store: bounded by the events it holds (LEDGER_CACHE_EVENTS,
ledger/cache.py), and a youth read again after eviction is the same as before it was evicted."""

from __future__ import annotations

from ledger.cache import EventBoundedCache
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

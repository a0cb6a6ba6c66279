"""The aggregate cache bounded by the events it holds (ledger/cache.py), on its own."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

import pytest

from ledger.cache import EventBoundedCache


@dataclass
class Stream:
    version: int


def test_a_miss_is_a_key_error_as_the_repository_expects() -> None:
    with pytest.raises(KeyError):
        EventBoundedCache(10).get("nobody")


def test_the_least_recently_used_go_once_the_events_held_pass_the_bound() -> None:
    cache = EventBoundedCache(10)
    for key in "abc":
        cache.put(key, Stream(4))  # 12 events: "a" goes
    assert (len(cache), cache.events) == (2, 8)
    with pytest.raises(KeyError):
        cache.get("a")
    cache.get("b")  # "b" is now the most recent: "c" goes next
    cache.put("d", Stream(4))
    assert sorted(cache._entries) == ["b", "d"]


def test_a_stream_that_grew_in_place_is_weighed_again_when_next_got() -> None:
    cache = EventBoundedCache(100)
    stream = Stream(1)
    cache.put("a", stream)
    stream.version = 60  # the repository fast-forwards the cached aggregate after get
    cache.get("a")
    assert cache.events == 60
    cache.put("b", Stream(50))  # 110 > 100: "a", the least recent, goes
    assert (sorted(cache._entries), cache.events) == (["b"], 50)


def test_streams_that_grew_in_place_are_shed_on_get_without_any_miss() -> None:
    # Every youth fits at first; then each grows in the cache and is only ever got, never put
    # again: the bound must hold without a miss (the soak's leak before this was enforced).
    cache = EventBoundedCache(30)
    streams = {key: Stream(2) for key in "abcdefghij"}
    for key, stream in streams.items():
        cache.put(key, stream)
    for _ in range(5):
        for key, stream in list(streams.items()):
            with contextlib.suppress(KeyError):
                cache.get(key)
                stream.version += 2
    assert cache.events <= 30
    assert cache.events == sum(weight for _, weight in cache._entries.values())


def test_one_stream_larger_than_the_bound_is_still_held_alone() -> None:
    cache = EventBoundedCache(10)
    cache.put("a", Stream(3))
    cache.put("big", Stream(40))
    assert (sorted(cache._entries), cache.events) == (["big"], 40)


def test_evict_removes_and_an_empty_cache_is_still_a_cache() -> None:
    cache = EventBoundedCache(10)
    assert cache  # the Repository asks `if self.cache`
    cache.put("a", Stream(3))
    cache.put("none", None)
    assert cache.get("a", evict=True).version == 3
    assert (len(cache), cache.events) == (0, 0)


def test_a_bound_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        EventBoundedCache(0)


def test_threads_putting_and_getting_keep_the_count_equal_to_what_is_held() -> None:
    cache = EventBoundedCache(50)

    def work(n: int) -> None:
        for i in range(2000):
            key = (n * 7 + i) % 40
            cache.put(key, Stream(1 + key % 5))
            with contextlib.suppress(KeyError):
                cache.get((key + 3) % 40)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.events == sum(weight for _, weight in cache._entries.values()) <= 50

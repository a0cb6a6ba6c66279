"""The aggregate cache, bounded by the events it holds rather than by how many aggregates.

A youth's aggregate carries every event of its stream, so a cache of N youths costs anything from
a few kilobytes to megabytes each: eventsourcing's own LRUCache counts aggregates, and a service
kept up for months would hold as much of the store as its youths' streams add up to. This one
evicts the least recently used aggregates once their versions (the events each holds) add up to
more than `max_events`, so the process's memory levels off where the operator set it
(LEDGER_CACHE_EVENTS, README "Operations")."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from eventsourcing.application import Cache

# bench-quick: holding all of its ~50,000 events grew a process by about 134 MB, so some 270 MB
DEFAULT_CACHE_EVENTS = 100_000


class EventBoundedCache(Cache[Any, Any]):
    """The interface the Repository uses: get (KeyError on a miss; `evict` removes) and put.

    An aggregate's weight is its version when last put or got: the repository fast-forwards a
    cached aggregate in place after `get`, so the weight lags by the events since, and the next
    `get` of it corrects it. The bound holds after a `get` as after a `put`: youths that all fit
    at first and then grow in place, with no miss to put anything, would otherwise keep every
    one of their streams (the soak in tests/faults grew by 2 MB a minute that way)."""

    def __init__(self, max_events: int) -> None:
        super().__init__()
        if max_events < 1:
            msg = f"max_events must be at least 1, got {max_events}"
            raise ValueError(msg)
        self.max_events = max_events
        self.events = 0
        self._entries: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, *, evict: bool = False) -> Any:
        with self._lock:
            value, weight = self._entries[key]  # KeyError: a miss
            if evict:
                del self._entries[key]
                self.events -= weight
            else:
                self._set(key, value)
                self._shed()
            return value

    def put(self, key: Any, value: Any | None) -> None:
        if value is None:
            return
        with self._lock:
            self._set(key, value)
            self._shed()

    def __len__(self) -> int:
        return len(self._entries)

    def __bool__(self) -> bool:  # the Repository asks `if self.cache`: an empty cache is a cache
        return True

    def _shed(self) -> None:
        """The least recently used go until the events held are within the bound; the one just
        put or got, the most recent, stays even if it alone is larger."""
        while self.events > self.max_events and len(self._entries) > 1:
            _, (_, weight) = self._entries.popitem(last=False)
            self.events -= weight

    def _set(self, key: Any, value: Any) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.events -= old[1]
        weight = max(int(getattr(value, "version", 1) or 1), 1)
        self._entries[key] = (value, weight)
        self.events += weight

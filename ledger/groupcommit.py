"""Group commit: independent writes from concurrent callers share one transaction, so that a burst
of checks (each logging its read) costs one commit instead of one each.

No caller waits for a timer. A caller queues its item and takes its turn at the writer; if an
earlier turn already wrote the item, it returns at once, else it writes everything queued by
then, its own item and the ones that arrived while the previous batch was being written. Every
caller returns only after its own item is committed. When a batch of several fails, each of its
callers writes its item alone, so that each gets its own answer: written, or its own error."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

_QUEUED, _WRITTEN, _ALONE = "queued", "written", "alone"


class _Slot(Generic[T]):
    __slots__ = ("item", "state")

    def __init__(self, item: T) -> None:
        self.item = item
        self.state = _QUEUED


class GroupCommit(Generic[T]):
    def __init__(self, write: Callable[[list[T]], object]) -> None:
        self._write = write
        self._turn = threading.Lock()  # one batch is written at a time
        self._queue_lock = threading.Lock()
        self._queue: list[_Slot[T]] = []

    def submit(self, item: T) -> None:
        """Returns once `item` is written; raises what writing it raised."""
        slot = _Slot(item)
        with self._queue_lock:
            self._queue.append(slot)
        with self._turn:  # slot.state is read and written only while holding the turn
            if slot.state == _WRITTEN:
                return
            if slot.state == _ALONE:
                self._write([item])
                return
            with self._queue_lock:
                batch, self._queue = self._queue, []
            try:
                self._write([s.item for s in batch])
            except BaseException:
                if len(batch) == 1:
                    raise
                for s in batch:
                    s.state = _ALONE
            else:
                for s in batch:
                    s.state = _WRITTEN
                return
            self._write([item])  # the batch failed: this item alone, for its own answer

"""Group commit: every submitted item is written exactly once, before its submitter returns;
concurrent submitters share writes; a failed batch does not take its other items down with it."""

from __future__ import annotations

import threading
import time

import pytest

from ledger.groupcommit import GroupCommit


class Store:
    """A write that takes a while (as a commit does) and records each batch."""

    def __init__(self, fail_on: object = None, delay: float = 0.002) -> None:
        self.batches: list[list[object]] = []
        self.fail_on = fail_on
        self.delay = delay
        self.lock = threading.Lock()

    def write(self, batch: list[object]) -> None:
        time.sleep(self.delay)
        if self.fail_on in batch:
            raise ValueError(f"cannot write {self.fail_on}")
        with self.lock:
            self.batches.append(list(batch))

    @property
    def written(self) -> list[object]:
        return [item for batch in self.batches for item in batch]


def submit_concurrently(group: GroupCommit[object], items: list[object]) -> dict[object, object]:
    """Submits each item from its own thread, all at once; returns what each submit ended in."""
    outcomes: dict[object, object] = {}
    barrier = threading.Barrier(len(items))

    def run(item: object) -> None:
        barrier.wait()
        try:
            group.submit(item)
        except ValueError as e:
            outcomes[item] = e
        else:
            outcomes[item] = "written"

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    return outcomes


def test_one_caller_writes_its_item_at_once() -> None:
    store = Store()
    group = GroupCommit[object](store.write)
    group.submit("a")
    assert store.batches == [["a"]]


def test_concurrent_callers_share_writes_and_each_item_is_written_once() -> None:
    store = Store()
    group = GroupCommit[object](store.write)
    items: list[object] = list(range(40))
    outcomes = submit_concurrently(group, items)
    assert outcomes == dict.fromkeys(items, "written")
    assert sorted(store.written) == items
    assert len(store.batches) < len(items), "callers that arrive during a write share the next"


def test_a_caller_returns_only_after_its_item_is_written() -> None:
    store = Store()
    group = GroupCommit[object](store.write)
    returned_before_written: list[object] = []

    def run(item: object) -> None:
        group.submit(item)
        with store.lock:
            if item not in store.written:
                returned_before_written.append(item)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert returned_before_written == []
    assert len(store.written) == 20


def test_a_failed_batch_leaves_each_other_item_to_be_written_alone() -> None:
    store = Store(fail_on="bad")
    group = GroupCommit[object](store.write)
    items: list[object] = ["bad", *range(15)]
    outcomes = submit_concurrently(group, items)
    assert isinstance(outcomes.pop("bad"), ValueError)
    assert outcomes == dict.fromkeys(range(15), "written")
    assert sorted(store.written) == list(range(15))


def test_an_error_reaches_the_caller_whose_item_failed() -> None:
    group = GroupCommit[object](Store(fail_on="bad").write)
    with pytest.raises(ValueError, match="cannot write bad"):
        group.submit("bad")
    group.submit("good")  # the writer is free again

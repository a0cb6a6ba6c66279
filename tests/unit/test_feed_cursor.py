"""The feed's cursors (projections/feed.py): every item's id reads back as its place, the places
order a fact of time before the event it precedes and an alert after the event that raised it, and
anything else is refused naming the field."""

from __future__ import annotations

import pytest

from ledger.errors import Invalid
from projections.feed import START, Key, parse_after

EXPIRY = Key(7, 0, "2026-03-12T08:00:00.000000Z", "expired", "c0ffee00-0000-4000-8000-000000000001")
EVENT = Key(7)
ALERT = Key(7, 2, "", "alert", "case-1")


@pytest.mark.parametrize("key", [START, EVENT, EXPIRY, ALERT, Key(0)])
def test_an_items_id_reads_back_as_its_place(key: Key) -> None:
    assert parse_after(key.cursor()) == key


def test_a_fact_of_time_comes_before_the_event_at_its_position_and_an_alert_after_it() -> None:
    assert Key(6) < EXPIRY < EVENT < ALERT < Key(8, 0, "2026-01-01T00:00:00.000000Z", "lapsed", "c")


def test_no_cursor_is_the_start() -> None:
    assert parse_after(None) == START == parse_after("")


@pytest.mark.parametrize(
    "text", ["yesterday", "1.5", "7~2026-03-12~expired~c", "7~x~revoked~c", "7+", "-2", "1" * 19]
)
def test_a_cursor_the_feed_did_not_give_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_after(text)
    assert [field for field, _ in refused.value.errors] == ["after"]

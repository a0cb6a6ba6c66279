"""The record a JO review asks for (issue 14) on every store (SQLite in memory, SQLite file,
PostgreSQL), read again by a second instance: what was stored reads and reviews the same after a
restart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger.errors import Invalid
from ledger.service import Ledger
from tests.conftest import Clock, StoreUnderTest
from tests.unit.jo_stories import COORDINATOR, meeting, open_case
from tests.unit.test_review import SCHOOL, World, later


def test_meetings_and_the_disclosures_made_at_them_survive_a_restart(
    store: StoreUnderTest, ledger: Ledger, clock: Clock
) -> None:
    """Seed 003 (Lou): "Vid mötet tillämpas det samtycke till informationsutbyte som skrivits på
    igen"; a meeting before any consent is MEETING_BEFORE_CONSENT."""
    world = World(ledger, clock).setup()
    youth = world.youth()
    case_id = open_case(world, youth)
    early = meeting(world, case_id, clock.now - timedelta(hours=1))
    consent = world.consent(youth, case_id=case_id)
    held = later(clock, hours=1)
    later(clock, hours=1)
    covered = meeting(world, case_id, held, consent_ids=[consent], channel="video")
    disclosure = world.disclose(youth, SCHOOL, retrospective=True, meeting_id=covered)
    with pytest.raises(Invalid):
        world.disclose(youth, SCHOOL, retrospective=True, meeting_id="unknown")
    fresh = store.open()
    listed = fresh.list_meetings(COORDINATOR, case_id)
    assert [m["id"] for m in listed] == [early, covered]
    assert listed[1]["disclosure_ids"] == [disclosure]
    assert listed[1]["others_present"] == ["Fritidsledaren Ali"]  # sealed, and opened again
    report = World(fresh, clock).review(youth_id=youth)
    assert [(f["code"], f.get("meeting_id")) for f in report["findings"]] == [
        ("MEETING_BEFORE_CONSENT", early)
    ]
    assert [r["disclosure_id"] for r in report["meetings"][1]["received"]] == [disclosure]
    # The lookup of a meeting is derived again from the events like every other.
    fresh.rebuild_indexes()
    assert fresh.youth_of("meeting", covered).id == fresh.youth(youth).id

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


def test_what_the_givers_were_told_survives_a_restart_and_old_consents_read_not_recorded(
    store: StoreUnderTest, ledger: Ledger, clock: Clock
) -> None:
    """Seeds 000/002/003: "tolk, kommunikationsstöd eller andra insatser"; seed 003: "Lou
    tillfrågas om sina intressen och sin inställning"."""
    world = World(ledger, clock).setup()
    old = world.consent(world.youth())
    lou = world.youth("20120315")
    g1, g2 = world.guardian(lou), world.guardian(lou)
    told = world.consent(
        lou,
        [{"party": "guardian", "guardian_id": g1}, {"party": "guardian", "guardian_id": g2}],
        information_given={"purpose": True, "recipients": True, "right_to_revoke": True},
        adaptations={"communication_support": True, "easy_read": True},
        child_view="Lou vill ha stöd i skolan.",
    )
    fresh = store.open()
    before = fresh.read_consent(COORDINATOR, old)
    assert (before["information_given"], before["adaptations"], before["child_asked"]) == (
        None,
        None,
        None,
    )
    after = fresh.read_consent(COORDINATOR, told)
    assert after["adaptations"]["easy_read"] is True
    assert after["interpreter_used"] is False
    assert after["child_asked"] is True
    assert after["child_view"] == "Lou vill ha stöd i skolan."
    assert after["information_given"]["recipients"] is True

"""The record a JO review asks for (issue 14) on every store (SQLite in memory, SQLite file,
PostgreSQL), read again by a second instance: what was stored reads and reviews the same after a
restart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger.errors import Invalid
from ledger.service import Ledger
from projections.extract import register_extract
from tests.conftest import ADMIN, Clock, StoreUnderTest
from tests.unit.jo_stories import COORDINATOR, EVERY_SITUATION, meeting, open_case
from tests.unit.test_review import SCHOOL, SOCIAL, World, later


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
    youth_later = world.youth("20120316")
    g3, g4 = world.guardian(youth_later), world.guardian(youth_later)
    signed_later = world.consent(youth_later, [{"party": "guardian", "guardian_id": g3}])
    signature = {
        "giver": {"party": "guardian", "guardian_id": g4},
        "method": "written",
        "obtained_at": clock.now,
        "adaptations": {"interpreter": {"language": "dari"}},
    }
    assert ledger.sign_consent(COORDINATOR, signed_later, signature)[0] == 200
    fresh = store.open()
    history = fresh.read_consent(COORDINATOR, signed_later)["history"]
    assert history[-1]["adaptations"]["interpreter"] == {"language": "dari"}
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


def test_a_form_and_the_consents_given_on_it_survive_a_restart(
    store: StoreUnderTest, ledger: Ledger, clock: Clock
) -> None:
    """Seed 004: "Samtyckesblankett (bilaga 1) bör användas"; JO 7504-2018 (too general)."""
    world = World(ledger, clock).setup()
    text = "Samtycke till informationsutbyte inom SSPF.\nJag vet att jag kan återkalla det."
    _, form = ledger.register_form(COORDINATOR, name="SSPF", version="1", text=text)
    youth = world.youth()
    scope = {
        "agencies": ["soc-orebro", "polis-orebro", "skola-x"],
        "categories": ["school_attendance"],
        "purposes": ["crime_prevention"],
        "situations": EVERY_SITUATION,
    }
    consent = world.consent(youth, form_id=form["id"], scope=scope)
    world.disclose(youth)
    fresh = store.open()
    again = fresh.read_form(COORDINATOR, form["id"])
    assert (again["text"], again["sha256"], again["intact"]) == (text, form["sha256"], True)
    assert [f["id"] for f in fresh.list_forms(COORDINATOR)] == [form["id"]]
    report = World(fresh, clock).review(youth_id=youth)
    assert report["forms"][form["id"]]["text"] == text
    assert [(f["code"], f["consent_id"]) for f in report["findings"]] == [
        ("CONSENT_TOO_GENERAL", consent)
    ]


def test_the_consent_to_the_intervention_survives_a_restart_apart_from_sharing(
    store: StoreUnderTest, ledger: Ledger, clock: Clock
) -> None:
    """Seed 004: "förutsätts att den enskilde samtycker till insatsen"; "Insatsen avslutas också om
    individen inte längre samtycker till insatsen"."""
    world = World(ledger, clock).setup()
    youth = world.youth()
    case_id = open_case(world, youth, form="SIG", agencies=["soc-orebro", "polis-orebro"])
    given = {
        "givers": [{"party": "youth"}],
        "method": "oral",
        "notes": "Samtal.",
        "obtained_at": clock.now,
    }
    assert ledger.give_intervention_consent(COORDINATOR, case_id, given)[0] == 201
    later(clock, days=10)
    withdrawal = {
        "withdrawn_by": {"party": "youth"},
        "communicated": "written",
        "effective_at": clock.now,
    }
    assert ledger.withdraw_intervention_consent(COORDINATOR, case_id, withdrawal)[0] == 201
    fresh = store.open()
    view = fresh.read_case(COORDINATOR, case_id)["intervention_consent"]
    assert view["status"] == "withdrawn"
    assert view["history"][0]["notes"] == "Samtal."
    assert fresh.read_youth(COORDINATOR, youth)["consents"] == []


def test_an_onward_disclosure_is_a_notice_after_a_restart(
    store: StoreUnderTest, ledger: Ledger, clock: Clock
) -> None:
    """Seed 002: "uppgifter från den egna verksamheten"."""
    world = World(ledger, clock).setup()
    youth = world.youth()
    world.consent(youth)
    passed = world.disclose(youth, SOCIAL, to_agencies=["polis-orebro"])
    report = World(store.open(), clock).review(youth_id=youth)
    assert [(f["code"], f["disclosure_id"]) for f in report["findings"]] == [
        ("ONWARD_DISCLOSURE", passed)
    ]


def test_secrecy_decisions_and_the_extract_audiences_survive_a_restart(
    store: StoreUnderTest, ledger: Ledger, clock: Clock
) -> None:
    """OSL 12 kap. 3 § andra stycket (towards the guardians); a report of concern's reporter is
    hidden by default (DOMAIN.md); GDPR art. 15 controllers from the agency's registration."""
    world = World(ledger, clock).setup()
    ledger.register_agency(
        ADMIN,
        agency_id="bup-x",
        name="BUP",
        kind="child_psychiatry",
        municipality=None,
        org_number="232100-0164",
        dpo_contact="dso@region.example",
    )
    youth = world.youth("20120315")
    g = world.guardian(youth)
    world.consent(youth, [{"party": "guardian", "guardian_id": g}])
    report = {"kind": "statutory", "provision": "report-of-concern"}
    world.disclose(youth, SCHOOL, to_agencies=["soc-orebro"], basis=report)
    secret = world.disclose(youth, SCHOOL)
    decision = {
        "item_kind": "disclosure",
        "item_id": secret,
        "audience": "guardians",
        "provision": "osl-12-3-2",
        "decided_by": "anna",
        "decided_at": clock.now,
    }
    assert ledger.decide_secrecy(COORDINATOR, youth, decision)[0] == 201
    fresh = store.open()
    to_guardians = register_extract(fresh, COORDINATOR, youth, audience="guardians")
    assert secret not in {d["id"] for d in to_guardians["disclosures"]}
    assert [d["reporter_withheld"] for d in to_guardians["disclosures"]] == [True]
    assert to_guardians["withheld"]["items"] == 1
    to_youth = register_extract(fresh, COORDINATOR, youth)
    assert secret in {d["id"] for d in to_youth["disclosures"]}
    assert {c["given_as_sv"] for c in to_youth["consents"]} == {"Vårdnadshavarnas samtycke"}
    assert fresh.list_agencies()[-1]["org_number"] == "232100-0164"


def test_retention_and_an_approved_early_erasure_survive_a_restart(
    store: StoreUnderTest, ledger: Ledger, clock: Clock
) -> None:
    """Social services: five years after the case closed (ledger/data/retention.json)."""
    world = World(ledger, clock).setup()
    youth = world.youth()
    case_id = open_case(world, youth)
    ledger.close_case(COORDINATOR, case_id, reason="Avslutat", effective_at=clock.now)
    clock.advance(days=5 * 366)
    fresh = store.open()
    assert [d["youth_id"] for d in fresh.due_for_disposal(ADMIN)] == [youth]
    other = World(fresh, clock).youth("20060202")
    fresh.erase_when_due(ADMIN, other, reason="Begäran", approved_by="maja", operator="root")
    again = store.open()
    assert again.youth(other).erased is not None
    assert again.youth(other).erased.data["approved_by"] == "maja"  # type: ignore[union-attr]
    assert [d["youth_id"] for d in again.due_for_disposal(ADMIN)] == [youth]

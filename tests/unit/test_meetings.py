"""Network meetings of a case (issue 14): a meeting records when, how, who was there and the
consents it relied on; disclosures made at it name it; a review shows per meeting who received
what, and flags a meeting held before any consent of its case was in effect. Seed 003 (Lou): "Vid
mötet tillämpas det samtycke till informationsutbyte som skrivits på igen"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger.errors import Forbidden, Invalid
from ledger.service import Ledger
from tests.conftest import ADMIN, Clock, as_actor
from tests.unit.jo_stories import COORDINATOR, meeting, open_case
from tests.unit.test_review import AUDITOR, SCHOOL, SOCIAL, World, later


@pytest.fixture
def world(memory_ledger: Ledger, clock: Clock) -> World:
    return World(memory_ledger, clock).setup()


def test_a_meeting_records_when_how_who_was_there_and_the_consents_it_relied_on(
    world: World,
) -> None:
    youth = world.youth("20120315")
    guardian = world.guardian(youth)
    case_id = open_case(world, youth)
    consent = world.consent(youth, [{"party": "guardian", "guardian_id": guardian}])
    held = later(world.clock, hours=1)
    later(world.clock, hours=2)
    meeting_id = meeting(
        world,
        case_id,
        held,
        channel="video",
        guardians_present=[guardian],
        consent_ids=[consent],
    )
    [listed] = world.ledger.list_meetings(COORDINATOR, case_id)
    assert listed["id"] == meeting_id
    assert listed["held_at"] == held.isoformat().replace("+00:00", "Z")
    assert listed["channel"] == "video"
    assert listed["agencies"] == ["soc-orebro", "polis-orebro", "skola-x"]
    assert listed["youth_present"] is True
    assert listed["guardians_present"] == [guardian]
    assert listed["others_present"] == ["Fritidsledaren Ali"]
    assert listed["consent_ids"] == [consent]
    assert listed["disclosure_ids"] == []


def test_a_retrospective_disclosure_at_a_meeting_is_dated_by_it_and_listed_with_it(
    world: World,
) -> None:
    youth = world.youth()
    case_id = open_case(world, youth)
    world.consent(youth, case_id=case_id)
    held = later(world.clock, hours=1)
    later(world.clock, hours=3)
    meeting_id = meeting(world, case_id, held)
    disclosure = world.disclose(youth, SCHOOL, retrospective=True, meeting_id=meeting_id)
    view = world.ledger.list_disclosures(
        AUDITOR, youth_id=youth, agency_id=None, since=None, until=None, include_refused=False
    )[0]
    assert view["id"] == disclosure
    assert view["meeting_id"] == meeting_id
    assert view["channel"] == "meeting"
    assert view["occurred_at"] == held.isoformat().replace("+00:00", "Z")
    [listed] = world.ledger.list_meetings(COORDINATOR, case_id)
    assert listed["disclosure_ids"] == [disclosure]


def test_a_disclosure_naming_an_unknown_meeting_is_refused_naming_the_field_and_writes_nothing(
    world: World,
) -> None:
    youth = world.youth()
    world.consent(youth)
    before = world.ledger.youth(youth).version
    with pytest.raises(Invalid) as raised:
        world.disclose(youth, SCHOOL, retrospective=True, meeting_id="no-such-meeting")
    assert [f for f, _ in raised.value.errors] == ["meeting_id"]
    assert world.ledger.youth(youth).version == before


def test_a_meeting_of_another_youth_is_unknown_to_this_one(world: World) -> None:
    other = world.youth("20060202")
    other_meeting = meeting(world, open_case(world, other), world.clock.now)
    youth = world.youth()
    world.consent(youth)
    with pytest.raises(Invalid) as raised:
        world.disclose(youth, SCHOOL, meeting_id=other_meeting)
    assert [f for f, _ in raised.value.errors] == ["meeting_id"]


def test_only_agencies_present_at_the_meeting_disclose_or_receive_at_it(world: World) -> None:
    youth = world.youth()
    case_id = open_case(world, youth)
    world.consent(youth, case_id=case_id)
    meeting_id = meeting(world, case_id, world.clock.now, agencies=["skola-x", "polis-orebro"])
    with pytest.raises(Invalid) as raised:
        world.disclose(youth, SCHOOL, to_agencies=["soc-orebro"], meeting_id=meeting_id)
    assert [f for f, _ in raised.value.errors] == ["to_agencies"]
    with pytest.raises(Invalid) as raised:
        world.disclose(youth, SOCIAL, to_agencies=["skola-x"], meeting_id=meeting_id)
    assert [f for f, _ in raised.value.errors] == ["from_agency"]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"agencies": ["fritid-x", "okand-x"]}, "agencies[1]"),
        ({"channel": "letter"}, "channel"),
        ({"agencies": []}, "agencies"),
        ({"guardians_present": ["not-a-guardian"]}, "guardians_present"),
        ({"consent_ids": ["not-a-consent"]}, "consent_ids"),
        ({"held_at": None}, "held_at"),
    ],
)
def test_a_meeting_that_names_what_is_not_there_is_refused_naming_the_field(
    world: World, over: dict[str, object], field: str
) -> None:
    youth = world.youth()
    case_id = open_case(world, youth)
    before = world.ledger.youth(youth).version
    with pytest.raises(Invalid) as raised:
        meeting(world, case_id, world.clock.now, **over)
    assert [f for f, _ in raised.value.errors] == [field]
    assert world.ledger.youth(youth).version == before


def test_an_agency_present_must_be_an_agency_of_the_case(world: World) -> None:
    youth = world.youth()
    case_id = open_case(world, youth, agencies=["soc-orebro", "skola-x"])
    with pytest.raises(Invalid) as raised:
        meeting(world, case_id, world.clock.now, agencies=["soc-orebro", "polis-orebro"])
    assert [f for f, _ in raised.value.errors] == ["agencies"]


def test_a_meeting_in_the_future_is_refused(world: World) -> None:
    youth = world.youth()
    case_id = open_case(world, youth)
    with pytest.raises(Invalid) as raised:
        meeting(world, case_id, world.clock.now + timedelta(days=1))
    assert [f for f, _ in raised.value.errors] == ["held_at"]


def test_staff_do_not_record_meetings_and_an_agency_without_part_does_not_read_them(
    world: World,
) -> None:
    youth = world.youth()
    case_id = open_case(world, youth)
    with pytest.raises(Forbidden):
        world.ledger.record_meeting(
            SCHOOL, case_id, {"held_at": world.clock.now, "channel": "phone", "agencies": []}
        )
    world.ledger.register_agency(
        ADMIN, agency_id="soc-annan", name="Annan kommun", kind="social_services", municipality=None
    )
    stranger = as_actor("eva", "soc-annan", "coordinator")
    with pytest.raises(Forbidden):
        world.ledger.list_meetings(stranger, case_id)
    with pytest.raises(Forbidden):
        world.ledger.record_meeting(
            stranger,
            case_id,
            {"held_at": world.clock.now, "channel": "phone", "agencies": ["soc-orebro"]},
        )


def test_a_review_shows_per_meeting_who_received_what_and_flags_one_before_any_consent(
    world: World,
) -> None:
    """Seed 003: the coordinator obtains the consent first, then the meetings are held."""
    youth = world.youth()
    case_id = open_case(world, youth)
    early = meeting(world, case_id, world.clock.now - timedelta(days=1))
    consent = world.consent(youth, case_id=case_id)
    held = later(world.clock, hours=1)
    later(world.clock, hours=1)
    covered = meeting(world, case_id, held, consent_ids=[consent])
    disclosure = world.disclose(youth, SCHOOL, retrospective=True, meeting_id=covered)
    report = world.review(youth_id=youth)
    meetings = {m["id"]: m for m in report["meetings"]}
    assert meetings[early]["findings"] == ["MEETING_BEFORE_CONSENT"]
    assert meetings[covered]["findings"] == []
    assert meetings[covered]["received"] == [
        {
            "disclosure_id": disclosure,
            "from_agency": "skola-x",
            "to_agencies": ["soc-orebro"],
            "categories": ["school_attendance"],
            "accepted": True,
        }
    ]
    assert [(f["code"], f.get("meeting_id")) for f in report["findings"]] == [
        ("MEETING_BEFORE_CONSENT", early)
    ]
    assert report["summary"]["by_code"] == {"MEETING_BEFORE_CONSENT": 1}


def test_a_consent_of_another_case_does_not_cover_a_meeting(world: World) -> None:
    youth = world.youth()
    first = open_case(world, youth)
    second = open_case(world, youth)
    world.consent(youth, case_id=first)
    held = later(world.clock, hours=1)
    other = meeting(world, second, held)
    report = world.review(youth_id=youth)
    assert [(f["code"], f.get("meeting_id")) for f in report["findings"]] == [
        ("MEETING_BEFORE_CONSENT", other)
    ]


def test_a_revoked_consent_no_longer_covers_a_meeting(world: World) -> None:
    youth = world.youth()
    case_id = open_case(world, youth)
    consent = world.consent(youth, case_id=case_id)
    world.revoke(consent, later(world.clock, hours=1))
    held = later(world.clock, hours=1)
    after = meeting(world, case_id, held)
    assert [f.get("meeting_id") for f in world.review(youth_id=youth)["findings"]] == [after]


def test_erasure_takes_the_names_and_notes_of_a_meeting(world: World) -> None:
    youth = world.youth()
    case_id = open_case(world, youth)
    meeting(world, case_id, world.clock.now)
    world.ledger.erase(ADMIN, youth, reason="Begäran om radering")
    [listed] = world.ledger.list_meetings(AUDITOR, case_id)
    assert listed["others_present"] == [None]
    assert listed["notes"] is None
    assert listed["agencies"] == ["soc-orebro", "polis-orebro", "skola-x"]

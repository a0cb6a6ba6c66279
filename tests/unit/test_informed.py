"""What the consent givers were told and how (issue 14, item 2): the information given, the
adaptations made (an interpreter with its language, communication support, easy-read material),
and for a guardians' consent for a child under 15 whether the child was asked and the child's own
view. Sources: seeds 000/002/003 ("tydlig information om vad det specifika samtycket gäller";
"tolk, kommunikationsstöd eller andra insatser"), seed 004 ("under vilka förutsättningar arbetet i
den sociala insatsgruppen kan avbrytas"), seed 003 ("Lou tillfrågas om sina intressen och sin
inställning")."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.errors import Invalid
from ledger.service import Ledger
from tests.conftest import ADMIN, Clock
from tests.unit.jo_stories import COORDINATOR, open_case
from tests.unit.test_review import AUDITOR, World

TOLD_ALL = {"purpose": True, "recipients": True, "right_to_revoke": True, "how": "both"}


@pytest.fixture
def world(memory_ledger: Ledger, clock: Clock) -> World:
    return World(memory_ledger, clock).setup()


def grant(world: World, youth: str, **over: Any) -> tuple[str, dict[str, Any]]:
    cmd: dict[str, Any] = {
        "youth_id": youth,
        "givers": [{"party": "youth"}],
        "method": "written",
        "form_reference": "SSPF-2026-001",
        "informed_of_revocation": True,
        "copy_given": True,
        "scope": {
            "agencies": ["soc-orebro", "skola-x"],
            "categories": ["school_attendance"],
            "purposes": ["crime_prevention"],
            "situations": ["network_meeting"],
        },
        "obtained_at": world.clock.now,
    }
    cmd.update(over)
    status, body = world.ledger.grant_consent(COORDINATOR, cmd)
    assert status == 201, body
    return str(body["id"]), body


def view(world: World, consent: str) -> dict[str, Any]:
    return world.ledger.read_consent(AUDITOR, consent)


def test_a_consent_without_the_new_facts_reads_not_recorded(world: World) -> None:
    youth = world.youth()
    consent, _ = grant(world, youth, interpreter_used=True)
    v = view(world, consent)
    assert v["information_given"] is None  # not recorded
    assert v["adaptations"] is None
    assert v["child_asked"] is None and v["child_view"] is None
    assert v["interpreter_used"] is True  # the old field reads as before


def test_the_information_given_and_the_adaptations_are_kept_and_interpreter_used_derived(
    world: World,
) -> None:
    youth = world.youth()
    consent, answer = grant(
        world,
        youth,
        informed_of_revocation=False,
        information_given={**TOLD_ALL, "notes": "Gick igenom blanketten muntligt."},
        adaptations={
            "interpreter": {"language": "somaliska"},
            "easy_read": True,
            "other": "Bildstöd",
        },
    )
    v = view(world, consent)
    assert v["information_given"] == {
        **TOLD_ALL,
        "sig_end_conditions": None,
        "notes": "Gick igenom blanketten muntligt.",
    }
    assert v["adaptations"] == {
        "interpreter": {"language": "somaliska"},
        "communication_support": False,
        "easy_read": True,
        "other": "Bildstöd",
    }
    assert v["interpreter_used"] is True
    # told of the right to revoke: the old field says so too, and nothing warns
    assert v["informed_of_revocation"] is True
    assert answer["warnings"] == []


def test_what_the_givers_were_not_told_is_a_warning(world: World) -> None:
    youth = world.youth()
    _, answer = grant(world, youth, information_given={"purpose": True})
    assert answer["warnings"] == [
        "the givers should be told to which agencies information goes",
        "the givers should be told that the consent can be revoked",
    ]


def test_in_sig_the_givers_are_told_when_the_intervention_ends(world: World) -> None:
    """Seed 004: "under vilka förutsättningar arbetet i den sociala insatsgruppen kan avbrytas"."""
    youth = world.youth()
    case_id = open_case(world, youth, form="SIG", agencies=["soc-orebro", "polis-orebro"])
    scope = {
        "agencies": ["soc-orebro", "polis-orebro"],
        "categories": ["police_incidents"],
        "purposes": ["crime_prevention"],
        "situations": ["network_meeting"],
    }
    _, silent = grant(world, youth, case_id=case_id, scope=scope, information_given=TOLD_ALL)
    assert silent["warnings"] == [
        "the givers should be told under which conditions the SIG intervention ends (seed 004)"
    ]
    told = {**TOLD_ALL, "sig_end_conditions": True}
    consent, answer = grant(world, youth, case_id=case_id, scope=scope, information_given=told)
    assert answer["warnings"] == []
    assert view(world, consent)["information_given"]["sig_end_conditions"] is True


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"adaptations": {"interpreter": {"language": " "}}}, "adaptations.interpreter.language"),
        ({"interpreter_used": True, "adaptations": {"easy_read": True}}, "adaptations.interpreter"),
        ({"information_given": {"how": "carrier pigeon"}}, "information_given.how"),
        ({"child_asked": True}, "child_asked"),  # the youth is an adult: not for them
        ({"child_view": "Vill inte"}, "child_view"),
    ],
)
def test_contradictory_or_misplaced_facts_are_refused_naming_the_field(
    world: World, over: dict[str, Any], field: str
) -> None:
    youth = world.youth()
    before = world.ledger.youth(youth).version
    with pytest.raises(Invalid) as raised:
        grant(world, youth, **over)
    assert [f for f, _ in raised.value.errors] == [field]
    assert world.ledger.youth(youth).version == before


def guardians_consent(world: World, youth: str, **over: Any) -> tuple[str, dict[str, Any]]:
    g1, g2 = world.guardian(youth), world.guardian(youth)
    givers = [{"party": "guardian", "guardian_id": g} for g in (g1, g2)]
    return grant(world, youth, givers=givers, **over)


def test_for_a_child_under_15_the_childs_view_is_kept_and_not_asking_is_a_warning(
    world: World,
) -> None:
    """Seed 003 (Lou, 14): "Lou tillfrågas om sina intressen och sin inställning"."""
    youth = world.youth("20120315")  # 13 on the test clock's day
    consent, answer = guardians_consent(
        world, youth, child_view="Lou vill ha hjälp med skolan men inte prata med polisen."
    )
    assert answer["warnings"] == []
    v = view(world, consent)
    assert v["child_asked"] is True  # a recorded view means the child was asked
    assert v["child_view"] == "Lou vill ha hjälp med skolan men inte prata med polisen."
    other = world.youth("20120316")
    _, unasked = guardians_consent(world, other)
    assert any("child should be asked" in w for w in unasked["warnings"])


def test_a_view_of_a_child_who_was_not_asked_is_a_contradiction(world: World) -> None:
    youth = world.youth("20120315")
    with pytest.raises(Invalid) as raised:
        guardians_consent(world, youth, child_asked=False, child_view="Något")
    assert [f for f, _ in raised.value.errors] == ["child_view"]


def test_a_15_year_olds_own_consent_takes_no_child_view(world: World) -> None:
    youth = world.youth("20100110")  # 16
    with pytest.raises(Invalid) as raised:
        grant(world, youth, child_asked=True)
    assert [f for f, _ in raised.value.errors] == ["child_asked"]


def test_erasure_takes_the_childs_view_and_the_notes_on_what_was_told(world: World) -> None:
    youth = world.youth("20120315")
    consent, _ = guardians_consent(
        world, youth, child_view="Lou vill.", information_given={**TOLD_ALL, "notes": "Muntligt."}
    )
    world.ledger.erase(ADMIN, youth, reason="Begäran")
    v = view(world, consent)
    assert v["child_view"] is None
    assert v["information_given"]["notes"] is None
    assert v["information_given"]["purpose"] is True


def test_a_giver_who_signs_later_has_what_they_were_told_and_how_on_the_signature(
    world: World,
) -> None:
    """Seeds 000/002/003: "tolk, kommunikationsstöd": the second guardian had an interpreter."""
    youth = world.youth("20120315")
    g1, g2 = world.guardian(youth), world.guardian(youth)
    consent, _ = grant(world, youth, givers=[{"party": "guardian", "guardian_id": g1}])
    status, _ = world.ledger.sign_consent(
        COORDINATOR,
        consent,
        {
            "giver": {"party": "guardian", "guardian_id": g2},
            "method": "written",
            "obtained_at": world.clock.now,
            "information_given": TOLD_ALL,
            "adaptations": {"interpreter": {"language": "tigrinja"}},
        },
    )
    assert status == 200
    signed = next(h for h in view(world, consent)["history"] if h["type"] == "signed")
    assert signed["adaptations"]["interpreter"] == {"language": "tigrinja"}
    assert signed["information_given"]["right_to_revoke"] is True
    with pytest.raises(Invalid) as raised:
        world.ledger.sign_consent(
            COORDINATOR,
            consent,
            {
                "giver": {"party": "youth"},
                "method": "written",
                "obtained_at": world.clock.now,
                "adaptations": {"interpreter": {"language": ""}},
            },
        )
    assert [f for f, _ in raised.value.errors] == ["adaptations.interpreter.language"]

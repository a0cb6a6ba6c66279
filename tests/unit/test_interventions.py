"""The consent to the intervention itself, kept apart from consents to share (issue 14, item 4).
Seed 004: "För att en insats ska kunna beviljas förutsätts att den enskilde samtycker till
insatsen"; "Insatsen avslutas också om individen inte längre samtycker till insatsen"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ledger.errors import Conflict, Forbidden, Invalid
from ledger.service import Ledger
from projections.extract import extract_json
from tests.conftest import ADMIN, Clock
from tests.unit.jo_stories import COORDINATOR, open_case
from tests.unit.test_review import AUDITOR, SCHOOL, World, later


@pytest.fixture
def world(memory_ledger: Ledger, clock: Clock) -> World:
    return World(memory_ledger, clock).setup()


def give(world: World, case_id: str, **over: Any) -> dict[str, Any]:
    cmd: dict[str, Any] = {
        "givers": [{"party": "youth"}],
        "method": "written",
        "form_reference": "SIG-insats-2026-04",
        "obtained_at": world.clock.now,
    }
    cmd.update(over)
    status, body = world.ledger.give_intervention_consent(COORDINATOR, case_id, cmd)
    assert status == 201, body
    return dict(body)


def withdraw(world: World, case_id: str, **over: Any) -> dict[str, Any]:
    cmd: dict[str, Any] = {
        "withdrawn_by": {"party": "youth"},
        "communicated": "oral",
        "notes": "Ringde SIG-lotsen.",
        "effective_at": world.clock.now,
    }
    cmd.update(over)
    status, body = world.ledger.withdraw_intervention_consent(COORDINATOR, case_id, cmd)
    assert status == 201, body
    return dict(body)


def sig_case(world: World, youth: str) -> str:
    return open_case(world, youth, form="SIG", agencies=["soc-orebro", "polis-orebro"])


def test_a_case_without_one_reads_not_recorded(world: World) -> None:
    case_id = sig_case(world, world.youth())
    case = world.ledger.read_case(AUDITOR, case_id)
    assert case["intervention_consent"] == {"status": "not_recorded", "history": []}


def test_the_consent_to_the_intervention_is_given_then_withdrawn_on_the_case(world: World) -> None:
    youth = world.youth()
    case_id = sig_case(world, youth)
    answer = give(world, case_id)
    assert answer["intervention_consent"]["status"] == "given"
    assert answer["warnings"] == []
    later(world.clock, days=30)
    withdraw(world, case_id)
    case = world.ledger.read_case(AUDITOR, case_id)
    view = case["intervention_consent"]
    assert view["status"] == "withdrawn"
    [held] = view["history"]
    assert held["givers"] == [{"party": "youth"}]
    assert held["form_reference"] == "SIG-insats-2026-04"
    assert held["withdrawn_by"] == {"party": "youth"} and held["communicated"] == "oral"
    # a new consent after the withdrawal is a second one; the first stays in the history
    give(world, case_id)
    again = world.ledger.read_case(AUDITOR, case_id)["intervention_consent"]
    assert again["status"] == "given" and len(again["history"]) == 2


def test_the_consent_to_the_intervention_covers_no_disclosure(world: World) -> None:
    """DOMAIN.md: consent to support measures and consent to share information are kept apart."""
    youth = world.youth()
    give(world, sig_case(world, youth))
    assert world.ledger.read_youth(AUDITOR, youth)["consents"] == []
    world.disclose(youth, SCHOOL, expect=403)


def test_without_the_youths_own_consent_it_is_a_warning(world: World) -> None:
    youth = world.youth("20120315")
    guardian = world.guardian(youth)
    answer = give(
        world, sig_case(world, youth), givers=[{"party": "guardian", "guardian_id": guardian}]
    )
    assert any("förutsätts att den enskilde samtycker" in w for w in answer["warnings"])


def test_one_in_effect_at_a_time_and_a_withdrawal_needs_one(world: World) -> None:
    youth = world.youth()
    case_id = sig_case(world, youth)
    with pytest.raises(Conflict):
        withdraw(world, case_id)
    give(world, case_id)
    with pytest.raises(Conflict):
        give(world, case_id)
    with pytest.raises(Invalid) as raised:
        withdraw(world, case_id, effective_at=world.clock.now - timedelta(days=1))
    assert [f for f, _ in raised.value.errors] == ["effective_at"]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"givers": []}, "givers"),
        ({"givers": [{"party": "guardian", "guardian_id": "x"}]}, "givers[0].guardian_id"),
        ({"method": "telepathy"}, "method"),
        ({"obtained_at": None}, "obtained_at"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    world: World, over: dict[str, Any], field: str
) -> None:
    youth = world.youth()
    case_id = sig_case(world, youth)
    before = world.ledger.youth(youth).version
    with pytest.raises(Invalid) as raised:
        give(world, case_id, **over)
    assert [f for f, _ in raised.value.errors] == [field]
    assert world.ledger.youth(youth).version == before


def test_staff_do_not_record_it(world: World) -> None:
    case_id = sig_case(world, world.youth())
    with pytest.raises(Forbidden):
        world.ledger.give_intervention_consent(SCHOOL, case_id, {})


def test_the_extract_shows_it_and_erasure_takes_its_notes(world: World) -> None:
    youth = world.youth()
    case_id = sig_case(world, youth)
    give(world, case_id, notes="Samtal med SIG-lotsen.")
    [shown] = extract_json(world.ledger, world.ledger.youth(youth))["interventions"]
    assert (shown["case_id"], shown["status"]) == (case_id, "given")
    assert shown["history"][0]["notes"] == "Samtal med SIG-lotsen."
    world.ledger.erase(ADMIN, youth, reason="Begäran")
    view = world.ledger.read_case(AUDITOR, case_id)["intervention_consent"]
    assert view["history"][0]["notes"] is None

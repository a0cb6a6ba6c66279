"""Retention (issue 14, item 7): a rule per agency kind, configurable, each with its source (social
services' default: five years after the case closed); the disposal date on the youth and in the
extract; the youths due; erasure before the due date only with a reason and a second actor's
approval, and the erasure records both."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ledger.errors import Conflict, Forbidden, Invalid
from ledger.retention import RetentionRule, RetentionRules, load_retention
from ledger.service import Ledger
from projections.extract import register_extract
from tests.conftest import ADMIN, Clock, as_actor
from tests.unit.jo_stories import COORDINATOR, open_case
from tests.unit.test_review import AUDITOR, SCHOOL, World


@pytest.fixture
def world(memory_ledger: Ledger, clock: Clock) -> World:
    return World(memory_ledger, clock).setup()


def close(world: World, case_id: str) -> None:
    status, body = world.ledger.close_case(
        COORDINATOR, case_id, reason="Målen uppfyllda", effective_at=world.clock.now
    )
    assert status == 200, body


def test_social_services_keeps_records_five_years_after_the_case_closed_and_names_why() -> None:
    rules = load_retention()
    rule = rules.rule("social_services")
    assert rule.years == 5
    assert "fem år" in rule.source
    assert rules.rule("leisure").kind == "default" and rules.default.source


def test_the_disposal_date_runs_from_the_closing_and_there_is_none_while_a_case_is_open(
    world: World,
) -> None:
    youth = world.youth()
    case_id = open_case(world, youth)
    assert world.ledger.read_youth(AUDITOR, youth)["retention"]["disposal_date"] is None
    world.clock.set(world.clock.now.replace(year=2027, month=6, day=15))
    close(world, case_id)
    shown = world.ledger.read_youth(AUDITOR, youth)["retention"]
    assert shown["disposal_date"] == "2032-06-15"
    assert shown["years"] == 5 and shown["rule_kind"] == "social_services"
    assert register_extract(world.ledger, COORDINATOR, youth)["gdpr"]["retention"] == shown


def test_without_a_case_the_years_run_from_the_last_entry(world: World) -> None:
    youth = world.youth()
    world.consent(youth)
    assert world.ledger.read_youth(AUDITOR, youth)["retention"]["disposal_date"] == "2031-03-02"


def test_the_longest_rule_among_the_kinds_of_the_case_applies(world: World) -> None:
    world.ledger.retention = RetentionRules(
        default=RetentionRule("default", 2, "test default"),
        kinds={
            "social_services": RetentionRule("social_services", 5, "SoL"),
            "school": RetentionRule("school", 10, "skolans gallringsbeslut"),
        },
    )
    youth = world.youth()
    case_id = open_case(world, youth, agencies=["soc-orebro", "skola-x"])
    close(world, case_id)
    shown = world.ledger.read_youth(AUDITOR, youth)["retention"]
    assert (shown["years"], shown["source"]) == (10, "skolans gallringsbeslut")


def test_the_youths_due_are_listed_once_their_date_has_come(world: World) -> None:
    youth = world.youth()
    case_id = open_case(world, youth)
    close(world, case_id)
    assert world.ledger.due_for_disposal(AUDITOR) == []
    world.clock.advance(days=5 * 366)
    [due] = world.ledger.due_for_disposal(AUDITOR)
    assert due["youth_id"] == youth and due["disposal_date"] == "2031-03-02"
    assert [d["youth_id"] for d in world.ledger.due_for_disposal(COORDINATOR)] == [youth]
    world.ledger.register_agency(
        ADMIN, agency_id="soc-annan", name="Annan", kind="social_services", municipality=None
    )
    assert world.ledger.due_for_disposal(as_actor("eva", "soc-annan", "coordinator")) == []
    with pytest.raises(Forbidden):
        world.ledger.due_for_disposal(SCHOOL)
    world.ledger.erase_when_due(ADMIN, youth, reason="Gallring", approved_by=None, operator="root")
    assert world.ledger.due_for_disposal(AUDITOR) == []


def test_erasure_before_the_due_date_needs_a_reason_and_a_second_actors_approval(
    world: World,
) -> None:
    youth = world.youth()
    close(world, open_case(world, youth))
    with pytest.raises(Conflict, match="second actor's approval"):
        world.ledger.erase_when_due(
            ADMIN, youth, reason="Begäran", approved_by=None, operator="root"
        )
    with pytest.raises(Conflict, match="second actor"):
        world.ledger.erase_when_due(
            ADMIN, youth, reason="Begäran", approved_by="root", operator="root"
        )
    with pytest.raises(Invalid):
        world.ledger.erase_when_due(ADMIN, youth, reason=" ", approved_by="maja", operator="root")
    assert world.ledger.read_youth(AUDITOR, youth)["erased"] is False
    world.ledger.erase_when_due(ADMIN, youth, reason="Begäran", approved_by="maja", operator="root")
    erased = world.ledger.youth(youth).erased
    assert erased is not None
    assert erased.data["approved_by"] == "maja"
    assert (
        erased.data["disposal_date"] == (date(2026, 3, 2) + timedelta(days=5 * 365 + 1)).isoformat()
    )

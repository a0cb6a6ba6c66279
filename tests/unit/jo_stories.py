"""Helpers and review stories of issue 14 (the record a JO review asks for): a case, its network
meetings, and one story per new finding code, so that tests/unit/test_review.py words every code.
`world` is a tests.unit.test_review.World (not imported here: that module imports this one)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.conftest import as_actor

COORDINATOR = as_actor("anna", "soc-orebro", "coordinator")
SOCIAL = as_actor("sara", "soc-orebro", "staff")
CASE_AGENCIES = ["soc-orebro", "polis-orebro", "skola-x", "fritid-x"]


def open_case(world: Any, youth: str, form: str = "SSPF", agencies: list[str] | None = None) -> str:
    status, case = world.ledger.open_case(
        COORDINATOR,
        youth_id=youth,
        form=form,
        agencies=agencies or CASE_AGENCIES,
        coordinator_actor_id=None,
    )
    assert status == 201, case
    return str(case["id"])


def meeting(world: Any, case_id: str, held_at: datetime | None, /, **over: Any) -> str:
    cmd: dict[str, Any] = {
        "held_at": held_at,
        "channel": "in_person",
        "agencies": ["soc-orebro", "polis-orebro", "skola-x"],
        "youth_present": True,
        "guardians_present": [],
        "others_present": ["Fritidsledaren Ali"],
        "consent_ids": [],
        "notes": "Alla berättade om sin bild av läget.",
    }
    cmd.update(over)
    status, body = world.ledger.record_meeting(COORDINATOR, case_id, cmd)
    assert status == 201, body
    return str(body["id"])


def _meeting_before_consent(world: Any) -> str:
    """Seed 003 (Lou): consent is obtained first, "Vid mötet tillämpas det samtycke … som skrivits
    på"; a meeting held before any consent of the case was in effect is a finding."""
    youth = world.youth()
    case_id = open_case(world, youth)
    held = world.clock.now - timedelta(hours=2)
    meeting(world, case_id, held)
    world.consent(youth, case_id=case_id)
    return str(youth)


EVERY_CATEGORY = [
    "identity_contact",
    "school_attendance",
    "school_performance_support",
    "social_services_assessment",
    "social_services_interventions",
    "police_incidents",
    "threat_assessment",
    "health_psychiatry",
    "substance_use",
    "family_situation",
    "leisure_activities",
    "action_plan",
]
EVERY_SITUATION = ["network_meeting", "coordination", "action_plan_follow_up"]


def _consent_too_general(world: Any) -> str:
    """JO 7504-2018: a consent form too general to tell its scope; every category and every
    agency of the case is no informed consent."""
    youth = world.youth()
    case_id = open_case(world, youth, agencies=["soc-orebro", "polis-orebro", "skola-x"])
    scope = {
        "agencies": ["soc-orebro", "polis-orebro", "skola-x"],
        "categories": EVERY_CATEGORY,
        "purposes": ["crime_prevention"],
        "situations": ["network_meeting"],
    }
    world.consent(youth, case_id=case_id, scope=scope)
    world.disclose(youth)
    return str(youth)


def _onward_disclosure(world: Any) -> str:
    """Seed 002: "uppgifter från den egna verksamheten": social services passes on the school's
    information on attendance."""
    youth = world.youth()
    world.consent(youth)
    world.disclose(youth, SOCIAL, to_agencies=["polis-orebro"])
    return str(youth)


JO_STORIES = [_meeting_before_consent, _consent_too_general, _onward_disclosure]

"""The access table (ledger/access.py) on its own: who takes part in a youth, and what each role
may do before and after the youth is known (issue 11)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from ledger import access
from ledger.actor import ROLES, Actor
from ledger.errors import Forbidden
from ledger.personal import Personal
from ledger.youth import Youth

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def actor(agency: str, *roles: str) -> Actor:
    return Actor(f"{agency}-person", agency, frozenset(roles))


def youth_registered_by(agency: str) -> Youth:
    return Youth.register(
        youth_id=uuid.uuid4(),
        personal_number=Personal("201203151244"),
        birth_date=date(2012, 3, 15),
        name=None,
        actor=actor(agency, "coordinator"),
        now=NOW,
    )


def with_case(youth: Youth, *agencies: str) -> Youth:
    youth.open_case(
        case_id=str(uuid.uuid4()),
        form="SSPF",
        agencies=list(agencies),
        coordinator_actor_id=None,
        actor=actor(agencies[0], "coordinator"),
        now=NOW,
    )
    return youth


def test_the_registering_agency_and_the_agencies_of_a_case_take_part() -> None:
    youth = with_case(youth_registered_by("soc-orebro"), "soc-orebro", "skola-x")
    assert access.takes_part(youth, "soc-orebro")
    assert access.takes_part(youth, "skola-x")
    assert not access.takes_part(youth, "soc-malmo")


@pytest.mark.parametrize("action", sorted(access.RULES))
def test_every_role_the_rule_does_not_name_is_refused_before_the_youth_is_known(
    action: str,
) -> None:
    for role in ROLES:
        caller = actor("skola-x", role)
        if role in access.RULES[action].roles:
            access.require_role(caller, action)
        else:
            with pytest.raises(Forbidden):
                access.require_role(caller, action)


@pytest.mark.parametrize(
    "action", [a for a, rule in sorted(access.RULES.items()) if rule.taking_part]
)
def test_an_action_on_a_youth_needs_a_part_in_it_except_for_an_auditor(action: str) -> None:
    youth = with_case(youth_registered_by("soc-orebro"), "soc-orebro", "skola-x")
    for role in access.RULES[action].roles:
        assert access.may(actor("skola-x", role), action, youth)
        outsider = actor("skola-malmo", role)
        assert access.may(outsider, action, youth) == (role == "auditor")
        if role != "auditor":
            with pytest.raises(Forbidden, match="takes no part"):
                access.require(outsider, action, youth)


def test_an_admin_alone_does_no_coordinator_work_and_reads_no_youth() -> None:
    youth = youth_registered_by("soc-orebro")
    admin = actor("soc-orebro", "admin")
    for action in ("youth.register", "youth.write", "youth.read", "youth.review"):
        assert not access.may(admin, action, youth)

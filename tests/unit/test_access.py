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


# The README's table "Who may do what", row by row, is this table: the HTTP matrix
# (tests/e2e/test_access_matrix.py) walks RULES, so the README must say what RULES says.
README_ROWS = {
    "register a youth": "youth.register",
    "guardians, cases, consents, signatures, extensions, revocations, annulments, closing": (
        "youth.write"
    ),
    "read a youth, its cases and consents": "youth.read",
    "find a youth by personnummer": "youth.find",
    "check (`POST /v1/decisions/check`)": "check",
    "record a disclosure": "share",
    "list disclosures": "disclosures.list",
    "register extract, reviews": "youth.review",
    "agencies, tokens": "admin",
}


def test_the_readme_table_says_what_the_rules_say() -> None:
    from pathlib import Path

    text = (Path(__file__).parents[2] / "README.md").read_text("utf-8")
    section = text.split("## Who may do what", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    table = {}
    for line in rows[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        table[cells[0]] = dict(zip(header[1:], cells[1:], strict=True))
    assert set(table) == set(README_ROWS)
    for row, action in README_ROWS.items():
        rule = access.RULES[action]
        for role in ROLES:
            says = table[row][role]
            assert (says != "—") == (role in rule.roles), (row, role, says)
            if role in rule.roles and rule.taking_part and role != "auditor":
                assert "takes part" in says, (row, role, says)

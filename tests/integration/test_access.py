"""Access on every store: an agency acts on a youth only where it takes part (ledger/access.py).
The reproductions of issue 11, with two municipalities: Malmö's coordinator and school have no
part in an Örebro youth, so they may neither change nor read its record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ledger.errors import AlreadyExists, Forbidden, Invalid
from ledger.service import Ledger
from tests.conftest import ADMIN, Clock, as_actor
from tests.integration.test_scenarios import (
    AUDITOR,
    COORD,
    Family,
    active_consent,
    register_agencies,
    register_family,
    revoke,
    tree_size,
)

MALMO_COORD = as_actor("mia", "soc-malmo", "coordinator")
MALMO_SCHOOL = as_actor("max", "skola-malmo", "staff")
OREBRO_SCHOOL_STAFF = as_actor("lars", "skola-x", "staff")


@pytest.fixture
def orebro(ledger: Ledger, clock: Clock) -> tuple[Family, str, str]:
    """An Örebro youth with an SSPF case of Örebro's agencies and an active consent."""
    register_agencies(ledger)
    for agency_id, kind in (("soc-malmo", "social_services"), ("skola-malmo", "school")):
        ledger.register_agency(
            ADMIN, agency_id=agency_id, name=agency_id, kind=kind, municipality="Malmö"
        )
    family = register_family(ledger)
    _, case = ledger.open_case(
        COORD,
        youth_id=family.youth_id,
        form="SSPF",
        agencies=["soc-orebro", "polis-orebro", "skola-x"],
        coordinator_actor_id=None,
    )
    clock.advance(minutes=5)
    return family, case["id"], active_consent(ledger, family)


def refused_and_nothing_written(ledger: Ledger, act: Callable[[], Any]) -> None:
    size = tree_size(ledger)
    with pytest.raises(Forbidden):
        act()
    assert tree_size(ledger) == size


def test_a_coordinator_of_another_municipality_changes_nothing_about_the_youth(
    ledger: Ledger, orebro: tuple[Family, str, str]
) -> None:
    family, case_id, consent_id = orebro
    full = {
        "kind": "full",
        "revoked_by": {"party": "guardian", "guardian_id": family.father},
        "communicated": "written",
    }
    consent = {
        "youth_id": family.youth_id,
        "givers": [{"party": "guardian", "guardian_id": family.mother}],
        "method": "written",
        "form_reference": "F-1",
        "scope": {
            "agencies": ["soc-orebro", "skola-x"],
            "categories": ["school_attendance"],
            "purposes": ["crime_prevention"],
            "situations": ["network_meeting"],
        },
        "obtained_at": ledger.now(),
    }
    for act in (
        lambda: ledger.revoke_consent(MALMO_COORD, consent_id, full),
        lambda: ledger.annul_consent(MALMO_COORD, consent_id, reason="fel"),
        lambda: ledger.close_case(MALMO_COORD, case_id, reason="klart", effective_at=None),
        lambda: ledger.add_guardian(
            MALMO_COORD,
            family.youth_id,
            name="X",
            personal_number=None,
            custody="joint",
            effective_at=None,
        ),
        lambda: ledger.grant_consent(MALMO_COORD, consent),
    ):
        refused_and_nothing_written(ledger, act)
    assert ledger.read_consent(COORD, consent_id)["status"] == "active"
    assert revoke(ledger, family, consent_id)[0] == 201  # the youth's own coordinator may


def test_opening_a_case_gives_no_part_in_a_youth_to_an_agency_that_had_none(
    ledger: Ledger, orebro: tuple[Family, str, str]
) -> None:
    family, _, _ = orebro
    with pytest.raises(Invalid) as other_agencies:
        ledger.open_case(
            MALMO_COORD,
            youth_id=family.youth_id,
            form="SIG",
            agencies=["soc-orebro"],
            coordinator_actor_id=None,
        )
    assert other_agencies.value.errors[0][0] == "agencies"
    refused_and_nothing_written(
        ledger,
        lambda: ledger.open_case(
            MALMO_COORD,
            youth_id=family.youth_id,
            form="SIG",
            agencies=["soc-malmo", "soc-orebro"],
            coordinator_actor_id=None,
        ),
    )


def test_an_agency_without_a_part_reads_nothing_but_the_id_and_birth_date(
    ledger: Ledger, orebro: tuple[Family, str, str]
) -> None:
    family, case_id, consent_id = orebro
    (found,) = ledger.find_youths(MALMO_SCHOOL, family.number.dashed)
    assert found == {"id": family.youth_id, "birth_date": "2014-06-11"}
    for act in (
        lambda: ledger.read_youth(MALMO_SCHOOL, family.youth_id),
        lambda: ledger.read_case(MALMO_SCHOOL, case_id),
        lambda: ledger.list_consents(MALMO_SCHOOL, family.youth_id),
        lambda: ledger.read_consent(MALMO_COORD, consent_id),
    ):
        refused_and_nothing_written(ledger, act)
    # Agencies that take part, and auditors, read it all.
    for reader in (OREBRO_SCHOOL_STAFF, COORD, AUDITOR):
        assert ledger.read_youth(reader, family.youth_id)["guardians"]
        assert ledger.find_youths(reader, family.number.dashed)[0].get("guardians")


def test_a_closed_case_still_gives_its_agencies_the_youths_history(
    ledger: Ledger, orebro: tuple[Family, str, str]
) -> None:
    _, case_id, consent_id = orebro
    ledger.close_case(COORD, case_id, reason="insatsen avslutad", effective_at=None)
    assert ledger.read_consent(OREBRO_SCHOOL_STAFF, consent_id)["id"] == consent_id


def test_an_admin_does_no_coordinator_work_and_reads_no_personal_data(
    ledger: Ledger, orebro: tuple[Family, str, str]
) -> None:
    family, _, _ = orebro
    refused_and_nothing_written(
        ledger, lambda: ledger.register_youth(ADMIN, personal_number="20120315-1244", name=None)
    )
    refused_and_nothing_written(ledger, lambda: ledger.read_youth(ADMIN, family.youth_id))


def test_a_duplicate_registration_by_an_agency_without_part_is_recorded_for_the_coordinators(
    ledger: Ledger, orebro: tuple[Family, str, str]
) -> None:
    """Issue 11: the 409 tells the caller that the youth is known, so it is logged as a read and
    shown to the youth's coordinators; a second attempt is a second record."""
    family, _, _ = orebro
    for _ in range(2):
        with pytest.raises(AlreadyExists):
            ledger.register_youth(MALMO_COORD, personal_number=family.number.dashed, name=None)
    youth = ledger.read_youth(COORD, family.youth_id)
    assert [a["agency_id"] for a in youth["alerts"]] == ["soc-malmo", "soc-malmo"]
    size = tree_size(ledger)
    with pytest.raises(AlreadyExists):
        ledger.register_youth(COORD, personal_number=family.number.dashed, name=None)
    assert ledger.read_youth(COORD, family.youth_id)["alerts"] == youth["alerts"]
    # the read of the duplicate itself is logged, the youth's stream is not touched
    assert tree_size(ledger) > size

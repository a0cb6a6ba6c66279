"""Whose information it is (issue 14, item 5): the catalogue says which agency kinds a category
originates with; a disclosure on consent of a category by an agency of another kind is shown in
reviews as ONWARD_DISCLOSURE (a notice). Seed 002: "Varje aktör behöver säkerställa att det finns
ett samtycke som är korrekt när det gäller uppgifter från den egna verksamheten"."""

from __future__ import annotations

import pytest

from ledger.catalogue import load_catalogue
from ledger.service import Ledger
from tests.conftest import Clock
from tests.unit.test_review import SCHOOL, SOCIAL, World


@pytest.fixture
def world(memory_ledger: Ledger, clock: Clock) -> World:
    return World(memory_ledger, clock).setup()


def test_the_catalogue_names_the_kinds_each_category_originates_with_and_why() -> None:
    catalogue = load_catalogue()
    assert catalogue.originates_with("school_attendance") == frozenset({"school"})
    assert catalogue.originates_with("police_incidents") == frozenset({"police"})
    assert catalogue.originates_with("identity_contact") is None  # anyone's own
    shown = {c["id"]: c["originates_with"] for c in catalogue.as_json()["categories"]}
    assert shown["health_psychiatry"] == ["child_psychiatry", "health_care"]
    assert all(k in catalogue.agency_kinds for ks in shown.values() if ks for k in ks)


def test_an_agency_passing_on_another_kinds_information_is_a_notice(world: World) -> None:
    youth = world.youth()
    world.consent(youth)
    own = world.disclose(youth, SCHOOL)  # the school's own attendance records
    passed = world.disclose(youth, SOCIAL, to_agencies=["polis-orebro"])  # the school's, again
    report = world.review(youth_id=youth)
    notices = [f for f in report["findings"] if f["code"] == "ONWARD_DISCLOSURE"]
    assert [(f["disclosure_id"], f["severity"]) for f in notices] == [(passed, "notice")]
    assert "a school" in notices[0]["message"] and '"School attendance"' in notices[0]["message"]
    assert "skolan" in notices[0]["message_sv"]
    entries = {e["id"]: e for e in report["disclosures"]}
    assert entries[own]["findings"] == []
    assert entries[passed]["findings"] == ["ONWARD_DISCLOSURE"]


def test_no_notice_on_a_statutory_basis_or_where_the_disclosure_had_no_basis(world: World) -> None:
    youth = world.youth()
    statutory = {"kind": "statutory", "provision": "osl-10-2", "note": "Behövs."}
    world.disclose(youth, SOCIAL, to_agencies=["polis-orebro"], basis=statutory)
    world.past(youth, world.clock.now, SOCIAL, to_agencies=["polis-orebro"])  # no consent: NO_BASIS
    codes = world.codes(youth)
    assert "ONWARD_DISCLOSURE" not in codes
    assert "NO_BASIS" in codes

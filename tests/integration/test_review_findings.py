"""Reviews say exactly what went wrong, on every store (SQLite in memory, SQLite file,
PostgreSQL), and say it again the same from a second instance that reads the store afresh: a
partial revocation is beyond the scope, a pending consent says why, a late registration names the
one revocation that mattered."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.service import Ledger
from tests.conftest import Clock, StoreUnderTest
from tests.unit.test_review import AUDITOR, World, later

NARROWINGS = [
    pytest.param({"categories": ["school_attendance"]}, "OUTSIDE_SCOPE_CATEGORY", id="category"),
    pytest.param({"agencies": ["soc-orebro"]}, "OUTSIDE_SCOPE_RECIPIENT", id="recipient"),
    pytest.param(
        {"directions": [{"from": "skola-x", "to": "soc-orebro"}]},
        "OUTSIDE_SCOPE_DIRECTION",
        id="direction",
    ),
]


def findings(ledger: Ledger, clock: Clock, youth: str) -> list[dict[str, Any]]:
    report = World(ledger, clock).review(AUDITOR, youth_id=youth)
    return sorted(report["findings"], key=lambda f: (f["code"], f["message"]))


def from_a_second_instance(store: StoreUnderTest, clock: Clock, youth: str) -> list[str]:
    """The codes a fresh instance on the same store finds (memory: the same instance)."""
    return sorted(f["code"] for f in findings(store.open(), clock, youth))


@pytest.mark.parametrize(("remove", "code"), NARROWINGS)
def test_a_late_partial_revocation_is_outside_scope_and_registered_late_on_every_store(
    store: StoreUnderTest, ledger: Ledger, clock: Clock, remove: dict[str, Any], code: str
) -> None:
    """API.md 1.1: "`AFTER_REVOCATION` is for a full revocation only; a partial one that took
    away what was disclosed is `OUTSIDE_SCOPE_CATEGORY` / `_RECIPIENT` / `_DIRECTION`"; DOMAIN.md:
    "a youth revokes by phone on Monday, the coordinator registers it on Wednesday"."""
    world = World(ledger, clock).setup()
    youth = world.youth()
    consent = world.consent(youth)
    monday = later(clock, hours=2)
    later(clock, days=1)
    disclosure = world.disclose(youth)  # Tuesday: allowed by what the ledger knew
    later(clock, days=1)
    world.revoke(consent, monday, kind="partial", remove=remove)
    found = findings(ledger, clock, youth)
    assert sorted(f["code"] for f in found) == sorted([code, "REVOCATION_REGISTERED_LATE"])
    assert {(f["disclosure_id"], f["consent_id"]) for f in found} == {(disclosure, consent)}
    assert all("partial revocation" in f["message"] for f in found)
    assert all("delvis" in f["message_sv"] for f in found)
    assert from_a_second_instance(store, clock, youth) == sorted(
        [code, "REVOCATION_REGISTERED_LATE"]
    )


def test_a_disclosure_on_a_consent_one_joint_guardian_signed_is_pending_and_missing_guardian(
    store: StoreUnderTest, ledger: Ledger, clock: Clock
) -> None:
    """API.md 1.1: "A disclosure on a pending consent gets `CONSENT_PENDING` as well as the
    finding that says why"; DOMAIN.md: "Under joint custody (gemensam vårdnad) both guardians;
    one signature leaves the consent pending"."""
    world = World(ledger, clock).setup()
    youth = world.youth("20140101")  # 12
    mother = world.guardian(youth)
    father = world.guardian(youth)
    consent = world.consent(youth, [{"party": "guardian", "guardian_id": mother}])
    disclosure = world.past(youth, later(clock, hours=1))
    found = findings(ledger, clock, youth)
    assert [(f["code"], f["disclosure_id"], f["consent_id"]) for f in found] == [
        ("CONSENT_PENDING", disclosure, consent),
        ("MISSING_GUARDIAN", disclosure, consent),
    ]
    assert all(father in f["message"] and father in f["message_sv"] for f in found)
    assert from_a_second_instance(store, clock, youth) == ["CONSENT_PENDING", "MISSING_GUARDIAN"]


def test_registered_late_names_only_the_revocation_that_took_away_the_recipient(
    store: StoreUnderTest, ledger: Ledger, clock: Clock
) -> None:
    """The issue: "`REVOCATION_REGISTERED_LATE` names the revocation that took away what the
    disclosure relied on, and only that one": a late removal of family_situation did not touch a
    disclosure of school_attendance to the agency removed."""
    world = World(ledger, clock).setup()
    youth = world.youth()
    consent = world.consent(youth)
    monday = later(clock, hours=2)
    later(clock, days=1)
    world.disclose(youth)
    later(clock, days=1)
    world.revoke(consent, monday, kind="partial", remove={"categories": ["family_situation"]})
    later(clock, hours=1)
    world.revoke(consent, monday, kind="partial", remove={"agencies": ["soc-orebro"]})
    found = findings(ledger, clock, youth)
    assert [f["code"] for f in found] == ["OUTSIDE_SCOPE_RECIPIENT", "REVOCATION_REGISTERED_LATE"]
    late = found[1]
    assert "the agency soc-orebro" in late["message"] and "aktören soc-orebro" in late["message_sv"]
    assert "family" not in late["message"].lower()
    assert from_a_second_instance(store, clock, youth) == [
        "OUTSIDE_SCOPE_RECIPIENT",
        "REVOCATION_REGISTERED_LATE",
    ]


def test_a_full_revocation_stays_after_revocation_beside_an_earlier_partial_one(
    store: StoreUnderTest, ledger: Ledger, clock: Clock
) -> None:
    """API.md 1.1: "`AFTER_REVOCATION` is for a full revocation only"; a narrowing of another
    category before it changes nothing about that (DOMAIN.md: revocable "helt eller delvis")."""
    world = World(ledger, clock).setup()
    youth = world.youth()
    consent = world.consent(youth)
    world.revoke(
        consent,
        later(clock, hours=1),
        kind="partial",
        remove={"categories": ["family_situation"]},
    )
    world.revoke(consent, later(clock, hours=1))
    meeting = later(clock, hours=1)
    later(clock, hours=1)
    world.past(youth, meeting)
    found = findings(ledger, clock, youth)
    assert [f["code"] for f in found] == ["AFTER_REVOCATION"]
    assert "revoked in full" in found[0]["message"]
    assert from_a_second_instance(store, clock, youth) == ["AFTER_REVOCATION"]

"""The register extract as said to its reader (issue 14, item 6): "Ditt samtycke" only for the
youth's own, "Vårdnadshavarnas samtycke" for the guardians'; the contents of a GDPR art. 15 answer
(controllers with organisation number and DPO contact, purposes, recipients, sources, the rights to
rectification and to complain to IMY); secrecy decisions towards guardians or youth (OSL 12 kap.
3 § andra stycket, 26 kap.) leave the item out and say so; who filed a report of concern is hidden
by default (DOMAIN.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent

from ledger.actor import Actor
from ledger.agency import Agency
from ledger.errors import Conflict, Invalid
from ledger.service import Ledger
from projections.extract import register_extract
from tests.conftest import ADMIN, Clock, as_actor
from tests.unit.jo_stories import COORDINATOR, SOCIAL
from tests.unit.test_review import AUDITOR, SCHOOL, World, later


@pytest.fixture
def world(memory_ledger: Ledger, clock: Clock) -> World:
    w = World(memory_ledger, clock).setup()
    memory_ledger.register_agency(
        ADMIN,
        agency_id="bup-x",
        name="BUP X",
        kind="child_psychiatry",
        municipality=None,
        org_number="232100-0164",
        dpo_contact="dataskyddsombud@region.example",
    )
    return w


def extract(world: World, youth: str, audience: str = "youth") -> dict[str, Any]:
    return register_extract(world.ledger, COORDINATOR, youth, audience=audience)


def decide(world: World, youth: str, **over: Any) -> dict[str, Any]:
    cmd: dict[str, Any] = {
        "item_kind": "disclosure",
        "audience": "guardians",
        "provision": "osl-12-3-2",
        "decided_by": "anna",
        "decided_at": world.clock.now,
        "notes": "Den unge riskerar att lida betydande men.",
    }
    cmd.update(over)
    status, body = world.ledger.decide_secrecy(COORDINATOR, youth, cmd)
    assert status == 201, body
    return dict(body)


def test_ditt_samtycke_only_for_the_youths_own_and_the_guardians_consent_by_name(
    world: World,
) -> None:
    youth = world.youth("20100110")  # 16
    g1, g2 = world.guardian(youth), world.guardian(youth)
    own = world.consent(youth)
    theirs = world.consent(youth, [{"party": "guardian", "guardian_id": g} for g in (g1, g2)])
    both = world.consent(
        youth,
        [{"party": "youth"}, *({"party": "guardian", "guardian_id": g} for g in (g1, g2))],
    )
    said = {c["id"]: c["given_as_sv"] for c in extract(world, youth)["consents"]}
    assert said == {
        own: "Ditt samtycke",
        theirs: "Vårdnadshavarnas samtycke",
        both: "Ditt och vårdnadshavarnas samtycke",
    }
    to_guardians = {
        c["id"]: c["given_as_sv"] for c in extract(world, youth, "guardians")["consents"]
    }
    assert to_guardians[own] == "Den unges samtycke"
    assert to_guardians[theirs] == "Vårdnadshavarnas samtycke"
    world.disclose(youth)
    [d] = extract(world, youth)["disclosures"]
    assert {c["given_as_sv"] for c in d["basis"]["consents"]} <= set(said.values())


def test_the_extract_holds_what_gdpr_article_15_asks(world: World) -> None:
    youth = world.youth()
    world.consent(
        youth,
        scope={
            "agencies": ["soc-orebro", "bup-x"],
            "categories": ["health_psychiatry"],
            "purposes": ["support_planning"],
            "situations": ["coordination"],
        },
    )
    world.ledger.register_agency(
        ADMIN, agency_id="bup-y", name="BUP Y", kind="child_psychiatry", municipality=None
    )
    bup = ("kim", "bup-x", "staff")
    world.disclose(
        youth,
        as_actor(*bup),
        to_agencies=["soc-orebro"],
        categories=["health_psychiatry"],
        purpose="support_planning",
        situation="coordination",
    )
    g = extract(world, youth)["gdpr"]
    bup_x = next(c for c in g["controllers"] if c["agency_id"] == "bup-x")
    assert (bup_x["org_number"], bup_x["dpo_contact"]) == (
        "232100-0164",
        "dataskyddsombud@region.example",
    )
    soc = next(c for c in g["controllers"] if c["agency_id"] == "soc-orebro")
    assert soc["org_number"] is None  # registered without: shown as not recorded
    assert g["purposes"] == ["support_planning"]
    assert g["recipients"] == ["soc-orebro"]
    assert g["sources"] == ["bup-x", "soc-orebro"]
    assert "IMY" in g["rights"]["complaint_sv"] and "rättas" in g["rights"]["rectification_sv"]
    assert "bup-y" not in {c["agency_id"] for c in g["controllers"]}


def test_an_agency_registered_before_the_controller_fields_reads_without_them(
    world: World,
) -> None:
    agency = Agency.register(
        agency_id="gammal",
        name="Gammal",
        kind="school",
        municipality=None,
        actor=Actor("root", "ledger-admin", frozenset()),
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    stored = world.ledger.mapper.to_stored_event(agency.collect_events()[0])
    state = json.loads(stored.state)
    del state["org_number"], state["dpo_contact"]  # an event stored before issue 14
    old = StoredEvent(stored.originator_id, 1, stored.topic, json.dumps(state).encode())
    read = world.ledger.mapper.to_domain_event(old).mutate(None)
    assert (read.name, read.org_number, read.dpo_contact) == ("Gammal", None, None)


def test_who_filed_a_report_of_concern_is_hidden_from_youth_and_guardians_by_default(
    world: World,
) -> None:
    youth = world.youth("20120315")
    basis = {"kind": "statutory", "provision": "report-of-concern"}
    world.disclose(youth, SCHOOL, to_agencies=["soc-orebro"], basis=basis)
    for audience in ("youth", "guardians"):
        shown = extract(world, youth, audience)
        [d] = shown["disclosures"]
        assert d["from_agency"] is None and d["reporter_withheld"] is True
        assert "skola-x" not in shown["agencies"]
        assert "skola-x" not in json.dumps(shown)
        assert shown["withheld"]["reporters"] == 1
    official = extract(world, youth, "official")
    assert official["disclosures"][0]["from_agency"] == "skola-x"


def test_a_secrecy_decision_leaves_the_item_out_for_its_audience_and_says_so(
    world: World,
) -> None:
    """OSL 12 kap. 3 § andra stycket: secrecy towards the guardians."""
    youth = world.youth("20100110")  # 16: the youth and the guardian consent
    guardian = world.guardian(youth)
    world.consent(youth, [{"party": "youth"}, {"party": "guardian", "guardian_id": guardian}])
    secret = world.disclose(
        youth,
        SOCIAL,
        to_agencies=["skola-x"],
        categories=["family_situation"],
        concerns_others=False,
    )
    decision = decide(world, youth, item_id=secret)
    to_guardians = extract(world, youth, "guardians")
    assert secret not in {d["id"] for d in to_guardians["disclosures"]}
    assert to_guardians["withheld"]["items"] == 1
    assert "överklaga" in to_guardians["withheld"]["notice_sv"]
    assert secret in {d["id"] for d in extract(world, youth, "youth")["disclosures"]}
    official = extract(world, youth, "official")
    assert official["secrecy_decisions"][0]["in_effect_for"] == ["guardians"]
    # released later: an event too, and the guardians see the item again
    later(world.clock, days=1)
    status, released = world.ledger.release_secrecy(
        COORDINATOR, youth, decision["id"], {"released_at": world.clock.now}
    )
    assert status == 201 and released["released_at"] is not None
    assert secret in {d["id"] for d in extract(world, youth, "guardians")["disclosures"]}
    assert extract(world, youth, "guardians")["withheld"] is None
    with pytest.raises(Conflict):
        world.ledger.release_secrecy(
            COORDINATOR, youth, decision["id"], {"released_at": world.clock.now}
        )


def test_a_consent_withheld_from_the_youth_takes_its_revocations_along(world: World) -> None:
    youth = world.youth()
    consent = world.consent(youth)
    world.revoke(
        consent,
        later(world.clock, hours=1),
        kind="partial",
        remove={"categories": ["family_situation"]},
    )
    decide(
        world, youth, item_kind="consent", item_id=consent, audience="both", provision="osl-26-5"
    )
    shown = extract(world, youth, "youth")
    assert shown["consents"] == [] and shown["revocations"] == []


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"item_id": "nope"}, "item_id"),
        ({"audience": "youth"}, "audience"),  # 12:3 second paragraph is towards guardians only
        ({"provision": "osl-99"}, "provision"),
        ({"decided_by": " "}, "decided_by"),
        ({"item_kind": "guardian"}, "item_kind"),
    ],
)
def test_a_bad_secrecy_decision_is_refused_naming_the_field(
    world: World, over: dict[str, Any], field: str
) -> None:
    youth = world.youth()
    world.consent(youth)
    d = world.disclose(youth)
    before = world.ledger.youth(youth).version
    with pytest.raises(Invalid) as raised:
        decide(world, youth, **{"item_id": d, **over})
    assert [f for f, _ in raised.value.errors] == [field]
    assert world.ledger.youth(youth).version == before


def test_decisions_are_listed_for_officials_and_erasure_takes_their_notes(world: World) -> None:
    youth = world.youth()
    world.consent(youth)
    decide(world, youth, item_id=world.disclose(youth))
    [listed] = world.ledger.list_secrecy(AUDITOR, youth)
    assert listed["provision_label"].startswith("OSL 12 kap. 3 §")
    assert listed["notes"] == "Den unge riskerar att lida betydande men."
    world.ledger.erase(ADMIN, youth, reason="Begäran")
    assert world.ledger.list_secrecy(AUDITOR, youth)[0]["notes"] is None

"""The law, not a guess (issue 12, items 1–5): no "allowed" where secrecy law or the seeds say no.
Each test names its source: a statute (OSL = offentlighets- och sekretesslagen, SFS 2009:400) or a
seed in ../shared/seeds/ with the words quoted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledger.catalogue import load_catalogue
from ledger.errors import Invalid
from ledger.service import Ledger
from tests.conftest import ADMIN, Clock
from tests.unit.test_review import (
    AUDITOR,
    COORDINATOR,
    SECOND_COORDINATOR,
    SOCIAL,
    World,
    later,
)

# Seeds 000, 002 and 003 (items 1 and 2): "Den unge/vårdnadshavare ska ges tydlig information om
# vad det specifika samtycket gäller. Till exempel om varför uppgifter behöver delas, vilka uppgifter
# det handlar om, i vilka situationer uppgifterna kommer att lämnas ut och till vilka verksamheter."

MORE_AGENCIES = [
    ("vard-x", "health_care"),
    ("bup-x", "child_psychiatry"),
    ("forening-x", "civil_society"),
    ("annan-x", "other"),
    ("frivard-x", "probation"),
]
ASKED = {"from_agency": "skola-x", "to_agency": "soc-orebro", "category": "school_attendance"}


@pytest.fixture
def world(memory_ledger: Ledger, clock: Clock) -> World:
    w = World(memory_ledger, clock).setup()
    for agency_id, kind in MORE_AGENCIES:
        memory_ledger.register_agency(
            ADMIN, agency_id=agency_id, name=agency_id, kind=kind, municipality=None
        )
    return w


def check(world: World, youth: str, **q: Any) -> dict[str, Any]:
    return world.ledger.check(AUDITOR, {"youth_id": youth, **ASKED, **q})


def codes(answer: dict[str, Any]) -> set[str]:
    return {r["code"] for r in answer["reasons"]}


def stored_without_purpose(world: World, youth: str) -> str:
    """A consent as a ledger before version 1.1 stored it: no purposes, no situations."""
    stored = world.ledger.check_scope

    def old_rules(raw: dict[str, Any], field: str, *, whole: bool) -> dict[str, Any]:
        return {**stored(raw, field, whole=False), "purposes": [], "situations": None}

    world.ledger.check_scope = old_rules  # type: ignore[method-assign]
    try:
        return world.consent(youth)
    finally:
        del world.ledger.check_scope


# -- item 1: what a request leaves out does not widen the consent ----------------------------
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        pytest.param({"purpose": "crime_prevention"}, "SITUATION_NOT_STATED", id="no situation"),
        pytest.param({"situation": "network_meeting"}, "PURPOSE_NOT_STATED", id="no purpose"),
        pytest.param(
            {"purpose": "crime_prevention", "situation": "network_meeting"},
            "CONSENT_COVERS",
            id="both stated and covered",
        ),
    ],
)
def test_a_request_that_does_not_state_what_the_consent_limits_is_refused(
    world: World, question: dict[str, Any], expected: str
) -> None:
    """Seeds 000/002/003: "varför uppgifter behöver delas … i vilka situationer uppgifterna
    kommer att lämnas ut"."""
    youth = world.youth()
    world.consent(youth)  # purposes [crime_prevention], situations [network_meeting]
    answer = check(world, youth, **question)
    assert codes(answer) == {expected}
    assert answer["allowed"] is (expected == "CONSENT_COVERS")


def test_the_refusal_says_what_the_consent_does_cover(world: World) -> None:
    """Seeds 000/002/003: the consent says in which situations information is given out; the
    caller is told which, so they can ask again correctly."""
    youth = world.youth()
    world.consent(youth)
    [reason] = check(world, youth)["reasons"][:1]
    messages = " ".join(r["message"] for r in check(world, youth)["reasons"])
    assert reason["code"] in {"PURPOSE_NOT_STATED", "SITUATION_NOT_STATED"}
    assert "crime_prevention" in messages and "network_meeting" in messages


def test_a_disclosure_naming_no_situation_is_refused_when_the_consent_limits_situations(
    world: World,
) -> None:
    """Issue 12, item 1: a consent limited to network meetings does not cover a disclosure that
    names no situation (seeds: "i vilka situationer uppgifterna kommer att lämnas ut")."""
    youth = world.youth()
    world.consent(youth)
    world.disclose(youth, situation=None, expect=403)
    refused = world.ledger.list_disclosures(
        AUDITOR,
        youth_id=youth,
        agency_id=None,
        since=None,
        until=None,
        include_refused=True,
    )
    assert [codes(d["decision"]) for d in refused] == [{"SITUATION_NOT_STATED"}]


# -- item 2: a consent names at least one purpose and one situation ---------------------------
@pytest.mark.parametrize(
    ("scope", "fields"),
    [
        pytest.param({"situations": ["network_meeting"]}, {"scope.purposes"}, id="no purpose"),
        pytest.param({"purposes": ["crime_prevention"]}, {"scope.situations"}, id="no situation"),
        pytest.param({"purposes": [], "situations": []}, {"scope.purposes", "scope.situations"},
                     id="empty lists"),
    ],
)  # fmt: skip
def test_a_consent_without_a_purpose_or_situation_is_refused_and_nothing_is_written(
    world: World, scope: dict[str, Any], fields: set[str]
) -> None:
    """Seeds 000/002/003: "varför uppgifter behöver delas … i vilka situationer"; API.md 1.1: "scope.purposes and scope.situations must
    each name at least one (422 otherwise)"."""
    youth = world.youth()
    cmd = {
        "youth_id": youth,
        "givers": [{"party": "youth"}],
        "method": "written",
        "form_reference": "F-1",
        "scope": {"agencies": ["soc-orebro", "skola-x"], "categories": ["school_attendance"]}
        | scope,
        "obtained_at": world.clock.now,
    }
    with pytest.raises(Invalid) as refused:
        world.ledger.grant_consent(COORDINATOR, cmd)
    assert {f for f, _ in refused.value.errors} == fields
    assert world.ledger.youth(youth).consents == {}


def test_a_consent_stored_without_a_purpose_covers_nothing_and_the_review_says_so(
    world: World,
) -> None:
    """Issue 12, item 2; seeds 000/002/003: "varför uppgifter behöver delas … i vilka
    situationer". A consent that names no purpose (stored
    before it was required) covers no consent-based disclosure."""
    youth = world.youth()
    consent = stored_without_purpose(world, youth)
    answer = check(world, youth, purpose="crime_prevention", situation="network_meeting")
    assert answer["allowed"] is False
    assert codes(answer) == {"PURPOSE_NOT_COVERED", "SITUATION_NOT_COVERED"}
    disclosure = world.past(youth, later(world.clock, hours=1))
    report = world.review(youth_id=youth)
    by_code = {f["code"]: f for f in report["findings"]}
    assert set(by_code) == {"NO_BASIS", "CONSENT_WITHOUT_PURPOSE"}
    assert by_code["CONSENT_WITHOUT_PURPOSE"]["consent_id"] == consent
    assert by_code["CONSENT_WITHOUT_PURPOSE"]["severity"] == "deficiency"
    assert by_code["NO_BASIS"]["disclosure_id"] == disclosure
    assert "named no purpose" in by_code["NO_BASIS"]["message"]


# -- item 3: a maturity assessment counts only if it found the youth mature --------------------
SIXTEEN = "20100110"  # 16 in March 2026


def assessment(outcome: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "assessed_by": "anna",
        "assessed_at": datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        "rationale": "bedömd som inte tillräckligt mogen",
    }
    if outcome is not None:
        out["outcome"] = outcome
    return out


@pytest.mark.parametrize(
    ("outcome", "status", "allowed"),
    [
        pytest.param("mature", "active", True, id="mature: the youth alone suffices"),
        pytest.param("not_mature", "pending", False, id="not mature: the guardians must sign"),
    ],
)
def test_a_16_year_old_alone_needs_an_assessment_that_found_them_mature(
    world: World, outcome: str, status: str, allowed: bool
) -> None:
    """OSL 12 kap. 3 §; seed 002: "I vissa fall kan unga under 18 år lämna samtycke själva, efter
    att man har beaktat aspekter som bland annat den unges ålder och mognad … En individuell
    bedömning behöver dock alltid göras." An assessment that found the youth not mature does not
    let the youth's signature stand in for the guardians'."""
    youth = world.youth(SIXTEEN)
    g1, g2 = world.guardian(youth), world.guardian(youth)
    ma = assessment(outcome)
    consent = world.consent(youth, maturity_assessment=ma)
    view = world.ledger.read_consent(AUDITOR, consent)
    assert view["status"] == status
    assert view["maturity_assessment"]["outcome"] == outcome
    assert view["maturity_assessment"]["assessed_by"] == "anna"
    assert view["maturity_assessment"]["assessed_at"].startswith("2026-03-01T09:00:00")
    answer = check(world, youth, purpose="crime_prevention", situation="network_meeting")
    assert answer["allowed"] is allowed
    if not allowed:
        assert view["missing"] == [
            {"kind": "giver", "party": "guardian", "guardian_id": g1},
            {"kind": "giver", "party": "guardian", "guardian_id": g2},
        ]
        [reason] = answer["reasons"]
        assert reason["code"] == "CONSENT_PENDING"
        assert "not mature" in reason["message"]


def test_a_maturity_assessment_without_an_outcome_is_refused(world: World) -> None:
    """API.md 1.1: "`maturity_assessment.outcome`: `mature` | `not_mature` (required)"."""
    youth = world.youth(SIXTEEN)
    ma = assessment(None)
    with pytest.raises(Invalid) as refused:
        world.consent(youth, maturity_assessment=ma)
    assert [f for f, _ in refused.value.errors] == ["maturity_assessment.outcome"]
    assert world.ledger.youth(youth).consents == {}


# -- items 4 and 5: the statutory catalogue, entry by entry ---------------------------------
# provision, discloser, recipient, youth born, purpose, note, expected
# fmt: off
STATUTORY = [
    # OSL 10 kap. 18 a §: social services → police, under 21, to prevent the youth committing crime.
    pytest.param("osl-10-18a", "soc-orebro", "polis-orebro", "20060101", "crime_prevention", "risk",
                 "STATUTORY_BASIS", id="18a: to prevent crime"),
    pytest.param("osl-10-18a", "soc-orebro", "polis-orebro", "20060101", "crime_investigation",
                 "utreda brott", "PROVISION_CONDITIONS_NOT_MET",
                 id="18a: not to investigate a crime already committed"),
    pytest.param("osl-10-18a", "soc-orebro", "polis-orebro", "20040101", "crime_prevention", "risk",
                 "PROVISION_CONDITIONS_NOT_MET", id="18a: not about someone who is 21"),
    # OSL 10 kap. 2 §: necessary for the disclosing agency's own work; the judgement is noted.
    pytest.param("osl-10-2", "skola-x", "soc-orebro", "20060101", "support_planning", "nödvändigt",
                 "STATUTORY_BASIS", id="2: with the necessity noted"),
    pytest.param("osl-10-2", "skola-x", "soc-orebro", "20060101", "support_planning", None,
                 "PROVISION_CONDITIONS_NOT_MET", id="2: not without a stated reason"),
    # Report of concern (SoL, SFS 2025:400): to social services about a child.
    pytest.param("report-of-concern", "skola-x", "soc-orebro", "20120101", "support_planning", None,
                 "STATUTORY_BASIS", id="report of concern about a child"),
    pytest.param("report-of-concern", "skola-x", "polis-orebro", "20120101", "support_planning",
                 None, "PROVISION_CONDITIONS_NOT_MET", id="report of concern: only to soc"),
    # OSL 10 kap. 21 §: suspected crime against someone under 18, to the police.
    pytest.param("osl-10-21", "vard-x", "polis-orebro", "20120101", "support_planning", "misshandel",
                 "STATUTORY_BASIS", id="21: health care to the police"),
    pytest.param("osl-10-21", "vard-x", "polis-orebro", "20060101", "support_planning", "misshandel",
                 "PROVISION_CONDITIONS_NOT_MET", id="21: not about an adult"),
    # OSL 10 kap. 27 §: "en sekretessbelagd uppgift får lämnas till en myndighet, om det är uppenbart
    # att intresset av att uppgiften lämnas har företräde"; not for 25 kap. 1–8 §§ or 26 kap. 1–6 §§.
    pytest.param("osl-10-27", "skola-x", "polis-orebro", "20060101", "crime_prevention", "avvägning",
                 "STATUTORY_BASIS", id="27: a school to the police, balancing noted"),
    pytest.param("osl-10-27", "vard-x", "polis-orebro", "20060101", "crime_prevention", "avvägning",
                 "PROVISION_CONDITIONS_NOT_MET", id="27: not health-care secrecy (25:1-8)"),
    pytest.param("osl-10-27", "bup-x", "polis-orebro", "20060101", "crime_prevention", "avvägning",
                 "PROVISION_CONDITIONS_NOT_MET", id="27: not child psychiatry (25:1-8)"),
    pytest.param("osl-10-27", "soc-orebro", "polis-orebro", "20060101", "crime_prevention",
                 "avvägning", "PROVISION_CONDITIONS_NOT_MET", id="27: not social services (26:1)"),
    pytest.param("osl-10-27", "skola-x", "forening-x", "20060101", "crime_prevention", "avvägning",
                 "PROVISION_CONDITIONS_NOT_MET", id="27: only to an authority, not civil society"),
    pytest.param("osl-10-27", "skola-x", "annan-x", "20060101", "crime_prevention", "avvägning",
                 "PROVISION_CONDITIONS_NOT_MET", id="27: only to an authority, not other"),
    pytest.param("osl-10-27", "skola-x", "polis-orebro", "20060101", "crime_prevention", None,
                 "PROVISION_CONDITIONS_NOT_MET", id="27: not without the balancing"),
]
# fmt: on


@pytest.mark.parametrize(
    ("provision", "source", "recipient", "born", "purpose", "note", "expected"), STATUTORY
)
def test_each_provision_of_the_default_catalogue_allows_only_within_its_conditions(
    world: World,
    provision: str,
    source: str,
    recipient: str,
    born: str,
    purpose: str,
    note: str | None,
    expected: str,
) -> None:
    youth = world.youth(born)
    answer = check(
        world,
        youth,
        from_agency=source,
        to_agency=recipient,
        category="social_services_assessment",
        purpose=purpose,
        provision=provision,
        note=note,
    )
    assert codes(answer) == {expected}
    assert answer["allowed"] is (expected == "STATUTORY_BASIS")


def test_every_provision_carries_its_legal_reference_and_the_words_behind_it() -> None:
    """Issue 12, item 4: each entry carries its excluded agency kinds, allowed recipient kinds and
    its legal reference; DOMAIN.md: paragraph numbers belong in the catalogue, not in code."""
    catalogue = load_catalogue()
    for p in catalogue.provisions:
        assert p.legal_reference and p.source, p.id
    tested = {param.values[0] for param in STATUTORY}
    assert tested == {p.id for p in catalogue.provisions}
    general = catalogue.provision("osl-10-27")
    assert general is not None
    assert general.excluded_from_kinds == {"social_services", "health_care", "child_psychiatry"}
    assert general.to_kinds is not None and not {"civil_society", "other"} & general.to_kinds
    prevent = catalogue.provision("osl-10-18a")
    assert prevent is not None and prevent.purposes == {"crime_prevention"}
    shown = {p["id"]: p for p in catalogue.as_json()["provisions"]}
    assert shown["osl-10-27"]["legal_reference"].endswith("10 kap. 27 §")


@pytest.mark.parametrize(
    ("provision", "source", "judgement"),
    [
        pytest.param("osl-10-2", "skola-x", "necessity", id="10:2 necessity"),
        pytest.param("osl-10-27", "skola-x", "balancing", id="10:27 balancing of interests"),
    ],
)
def test_a_disclosure_under_10_2_or_10_27_is_a_statutory_assessment_notice(
    world: World, provision: str, source: str, judgement: str
) -> None:
    """OSL 10 kap. 2 § ("nödvändigt för att den utlämnande myndigheten ska kunna fullgöra sin
    verksamhet") and 27 § ("uppenbart att intresset av att uppgiften lämnas har företräde") rest on
    the discloser's judgement; issue 12, item 5: a reviewer must see every such disclosure."""
    youth = world.youth()
    basis = {"kind": "statutory", "provision": provision, "note": "Bedömning dokumenterad."}
    staff = SOCIAL if source == "soc-orebro" else None
    disclosure = world.disclose(
        youth, *([staff] if staff else []), to_agencies=["polis-orebro"], basis=basis
    )
    report = world.review(youth_id=youth)
    assert [(f["code"], f["severity"], f["disclosure_id"]) for f in report["findings"]] == [
        ("STATUTORY_ASSESSMENT", "notice", disclosure)
    ]
    assert load_catalogue().provision(provision).judgement == judgement  # type: ignore[union-attr]


def test_a_documented_18a_disclosure_to_investigate_a_crime_is_a_finding(world: World) -> None:
    """OSL 10 kap. 18 a § is for preventing the young person from committing crime, not for
    investigating one already committed (issue 12, item 5)."""
    youth = world.youth()
    basis = {"kind": "statutory", "provision": "osl-10-18a", "note": "Gäller inbrottet i maj."}
    world.past(
        youth,
        later(world.clock, hours=1),
        SOCIAL,
        to_agencies=["polis-orebro"],
        purpose="crime_investigation",
        basis=basis,
    )
    [finding] = world.review(youth_id=youth)["findings"]
    assert finding["code"] == "PROVISION_CONDITIONS_NOT_MET"
    assert "crime_prevention" in finding["message"]
    assert "crime_investigation" in finding["message"]


# -- item 6: information about someone else does not ride on the youth's consent ---------------
# Seed 004: "Det finns emellertid inga krav på att den enskilde behöver lämna information om andra
# individer"; the youth (or a guardian) waives secrecy only for the youth (OSL 12 kap. 2 §).
OTHERS_CONSENT = {
    "who": "Mamma Eva",
    "method": "oral",
    "obtained_at": datetime(2026, 3, 1, tzinfo=UTC),
}
FAMILY = {
    "category": "family_situation",
    "purpose": "crime_prevention",
    "situation": "network_meeting",
}


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        pytest.param({}, "THIRD_PARTY_NOT_STATED", id="not said whether it concerns others"),
        pytest.param({"concerns_others": False}, "CONSENT_COVERS", id="only about the youth"),
        pytest.param({"concerns_others": True}, "THIRD_PARTY_CONSENT_MISSING",
                     id="about the mother too, without her consent"),
        pytest.param({"concerns_others": True, "others_consent": OTHERS_CONSENT}, "CONSENT_COVERS",
                     id="about the mother too, with her consent documented"),
        pytest.param({"concerns_others": True, "others_consent": {"who": "Mamma Eva"}},
                     "THIRD_PARTY_CONSENT_MISSING", id="her consent without how and when"),
    ],
)  # fmt: skip
def test_an_adults_consent_does_not_cover_information_about_the_mother(
    world: World, asked: dict[str, Any], expected: str
) -> None:
    """Seed 004: "inga krav på att den enskilde behöver lämna information om andra individer";
    issue 12, item 6: family_situation usually concerns others (catalogue `concerns_others`)."""
    youth = world.youth()  # an adult
    world.consent(youth)  # covers school_attendance and family_situation
    answer = check(
        world, youth, from_agency="soc-orebro", to_agency="polis-orebro", **FAMILY, **asked
    )
    assert codes(answer) == {expected}
    assert answer["allowed"] is (expected == "CONSENT_COVERS")


def test_a_statutory_basis_is_judged_as_before_when_the_information_concerns_others(
    world: World,
) -> None:
    """Issue 12, item 6: "A statutory basis is judged as before (the statute, not a consent, lifts
    the secrecy)" — OSL 10 kap. 18 a §."""
    youth = world.youth()
    answer = check(
        world, youth, from_agency="soc-orebro", to_agency="polis-orebro", **FAMILY,
        provision="osl-10-18a", note="Risk för brott.", concerns_others=True,
    )  # fmt: skip
    assert codes(answer) == {"STATUTORY_BASIS"}


def test_a_documented_disclosure_about_others_without_their_consent_has_no_basis(
    world: World,
) -> None:
    """Seed 004 (above); a retrospective disclosure is recorded and the review says why."""
    youth = world.youth()
    world.consent(youth)
    world.past(
        youth,
        later(world.clock, hours=1),
        SOCIAL,
        to_agencies=["polis-orebro"],
        categories=["family_situation"],
        concerns_others=True,
    )
    [finding] = world.review(youth_id=youth)["findings"]
    assert finding["code"] == "NO_BASIS"
    assert "others it concerned had not consented" in finding["message"]
    assert load_catalogue().concerns_others("family_situation") is True


# -- records that contradict themselves: guardians (issue 12; API.md 1.1) ---------------------
# Föräldrabalken 6 kap. 2 § (custody lasts until 18) and 3 § (sole or joint custody).
@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("sole", "joint", id="another beside a sole guardian"),
        pytest.param("joint", "sole", id="a sole guardian beside another"),
        pytest.param("sole", "sole", id="a second sole guardian"),
    ],
)
def test_a_sole_guardian_beside_another_current_guardian_is_invalid(
    world: World, first: str, second: str
) -> None:
    youth = world.youth("20100101")
    world.guardian(youth, first)
    with pytest.raises(Invalid) as refused:
        world.guardian(youth, second)
    assert [f for f, _ in refused.value.errors] == ["custody"]


def test_a_sole_guardian_may_follow_one_whose_custody_ended(world: World, clock: Clock) -> None:
    youth = world.youth("20100101")
    first = world.guardian(youth, "sole")
    world.ledger.end_guardian(
        COORDINATOR, youth, first, reason="vårdnaden flyttad", effective_at=clock.now
    )
    _, body = world.ledger.add_guardian(
        COORDINATOR, youth, name="Ny", personal_number=None, custody="sole", effective_at=clock.now
    )
    assert body["custody"] == "sole"


def test_custody_that_would_begin_on_or_after_the_18th_birthday_is_invalid(
    world: World, clock: Clock
) -> None:
    youth = world.youth("20060101")
    with pytest.raises(Invalid) as refused:
        world.ledger.add_guardian(
            COORDINATOR,
            youth,
            name="Förälder",
            personal_number=None,
            custody="joint",
            effective_at=datetime(2024, 1, 1, tzinfo=UTC),
        )
    assert [f for f, _ in refused.value.errors] == ["effective_at"]


# -- SIG from start to end (issue 12; seed 004) ------------------------------------------------
# Seed 004: "För att det ska bli aktuellt att bevilja SIG krävs att individen ger sitt samtycke till
# att sekretessen bryts mellan socialtjänsten och polisen", and "Om samtycket till att sekretessen
# bryts till polisen återtas, avslutas insatsen SIG."
POLICE_SCOPE = {
    "agencies": ["soc-orebro", "polis-orebro"],
    "categories": ["police_incidents"],
    "purposes": ["crime_prevention"],
    "situations": ["network_meeting"],
}
SCHOOL_SCOPE = {
    "agencies": ["soc-orebro", "skola-x"],
    "categories": ["school_attendance"],
    "purposes": ["crime_prevention"],
    "situations": ["network_meeting"],
}


def sig_case(world: World, youth: str) -> str:
    _, case = world.ledger.open_case(
        COORDINATOR,
        youth_id=youth,
        form="SIG",
        agencies=["soc-orebro", "polis-orebro", "skola-x"],
        coordinator_actor_id=None,
    )
    return str(case["id"])


def alerts(world: World, case_id: str) -> list[dict[str, Any]]:
    return list(world.ledger.read_case(COORDINATOR, case_id)["alerts"])


def school_check(world: World, youth: str) -> dict[str, Any]:
    q = {"from_agency": "skola-x", "to_agency": "soc-orebro", "category": "school_attendance"}
    return world.ledger.check(
        AUDITOR,
        {"youth_id": youth, **q, "purpose": "crime_prevention", "situation": "network_meeting"},
    )


def test_a_sig_case_without_a_police_consent_is_alerted_until_one_holds(world: World) -> None:
    """Seed 004: SIG is granted only with consent to lift secrecy between social services and
    police. The case says so from its opening; the review reports sharing in that state."""
    youth = world.youth()
    case_id = sig_case(world, youth)
    opened = world.ledger.read_case(COORDINATOR, case_id)["opened_at"]
    [alert] = alerts(world, case_id)
    assert alert["code"] == "SIG_WITHOUT_POLICE_CONSENT"
    assert alert["since"] == opened
    world.consent(youth, case_id=case_id, scope=SCHOOL_SCOPE)
    assert [a["code"] for a in alerts(world, case_id)] == ["SIG_WITHOUT_POLICE_CONSENT"]
    later(world.clock, hours=1)
    world.disclose(youth)  # school → social services, on its own consent, inside SIG
    assert world.codes(youth) == ["SIG_WITHOUT_POLICE_CONSENT"]
    later(world.clock, hours=1)
    world.consent(youth, case_id=case_id, scope=POLICE_SCOPE)
    assert alerts(world, case_id) == []
    later(world.clock, hours=1)
    world.disclose(youth)
    assert world.codes(youth) == ["SIG_WITHOUT_POLICE_CONSENT"]  # the first one only


def test_a_police_consent_still_pending_is_no_basis_for_sig(world: World) -> None:
    youth = world.youth("20120101")
    first, _ = world.guardian(youth), world.guardian(youth)
    case_id = sig_case(world, youth)
    world.consent(
        youth, [{"party": "guardian", "guardian_id": first}], case_id=case_id, scope=POLICE_SCOPE
    )
    assert [a["code"] for a in alerts(world, case_id)] == ["SIG_WITHOUT_POLICE_CONSENT"]


@pytest.mark.parametrize("cause", ["revoked", "expired", "annulled", "lapsed_at_18"])
def test_every_end_of_the_police_consent_ends_sig_and_says_how(world: World, cause: str) -> None:
    """Seed 004 ("avslutas insatsen SIG"): a revocation, an expiry, the lapse of the guardians'
    consent at 18 (SIG covers 13–20) and an annulment each end the basis. The case alerts with the
    cause, every decision under the case's consents carries SIG_POLICE_CONSENT_LOST (allowed or
    not, it does not refuse), and sharing on is SIG_CONTINUES_AFTER_POLICE_REVOCATION saying how."""
    youth = world.youth("20080305" if cause == "lapsed_at_18" else "20060101")
    case_id = sig_case(world, youth)
    until = world.clock.now + timedelta(days=2)
    if cause == "lapsed_at_18":  # turns 18 on 2026-03-05; the clock starts on 2026-03-02
        guardian = world.guardian(youth, "sole")
        givers = [{"party": "youth"}, {"party": "guardian", "guardian_id": guardian}]
        police = world.consent(youth, givers, case_id=case_id, scope=POLICE_SCOPE)
    else:
        over = {"valid_until": until} if cause == "expired" else {}
        police = world.consent(youth, case_id=case_id, scope=POLICE_SCOPE, **over)
    assert alerts(world, case_id) == []
    assert "SIG_POLICE_CONSENT_LOST" not in codes(school_check(world, youth))
    if cause == "revoked":
        world.revoke(police, later(world.clock, hours=1))
    elif cause == "annulled":
        world.ledger.annul_consent(SECOND_COORDINATOR, police, reason="Fel blankett")
    later(world.clock, days=4)  # past the expiry and the 18th birthday
    [alert] = alerts(world, case_id)
    assert (alert["code"], alert["cause"], alert["consent_id"]) == (
        "SIG_POLICE_CONSENT_REVOKED",
        cause,
        police,
    )
    world.consent(youth, case_id=case_id, scope=SCHOOL_SCOPE)  # the youth's own, now adult
    answer = school_check(world, youth)
    assert answer["allowed"] is True, answer
    assert codes(answer) == {"CONSENT_COVERS", "SIG_POLICE_CONSENT_LOST"}
    world.disclose(youth)
    [finding] = [
        f
        for f in world.review(youth_id=youth)["findings"]
        if f["code"] == "SIG_CONTINUES_AFTER_POLICE_REVOCATION"
    ]
    words = {"revoked": "revoked", "expired": "expired", "annulled": "annulled"}
    assert words.get(cause, "lapsed at 18") in finding["message"]
    assert finding["consent_id"] == police


def test_closing_a_sig_case_records_why_and_the_alert_it_answers(world: World) -> None:
    """Seed 004 ("Avsluta"): the closing says why, and keeps what the case was alerting about,
    so a reviewer sees how long it ran on after the basis went."""
    youth = world.youth()
    case_id = sig_case(world, youth)
    police = world.consent(youth, case_id=case_id, scope=POLICE_SCOPE)
    world.revoke(police, later(world.clock, hours=1))
    later(world.clock, days=3)
    with pytest.raises(Invalid) as refused:
        world.ledger.close_case(
            COORDINATOR, case_id, reason="Avslutad", effective_at=None, reason_code="bored"
        )
    assert [f for f, _ in refused.value.errors] == ["reason_code"]
    assert world.ledger.read_case(COORDINATOR, case_id)["status"] == "open"
    _, closed = world.ledger.close_case(
        COORDINATOR,
        case_id,
        reason="Lou återkallade samtycket till polisen",
        effective_at=None,
        reason_code="police_consent_lost",
    )
    assert closed["status"] == "closed"
    assert closed["closed_reason_code"] == "police_consent_lost"
    [answered] = closed["closed_answering"]
    assert (answered["code"], answered["consent_id"]) == ("SIG_POLICE_CONSENT_REVOKED", police)
    assert closed["alerts"] == []
    assert (
        world.ledger.read_case(COORDINATOR, case_id)["closed_reason_code"] == "police_consent_lost"
    )


def test_the_close_reasons_of_the_contract_are_the_ledgers() -> None:
    from typing import get_args

    from api.schemas import CloseCaseIn
    from ledger.youth import CLOSE_REASONS

    literal = CloseCaseIn.model_fields["reason_code"].annotation
    assert set(get_args(get_args(literal)[0])) == set(CLOSE_REASONS)


def test_documentation_is_warn_by_default_and_only_warn_or_require() -> None:
    from api.settings import Settings, SettingsError

    assert Settings.from_env({}, dotenv=None).documentation == "warn"
    assert Settings.from_env({"LEDGER_DOCUMENTATION": "require"}, dotenv=None).documentation == (
        "require"
    )
    with pytest.raises(SettingsError):
        Settings.from_env({"LEDGER_DOCUMENTATION": "strict"}, dotenv=None)


def test_a_consent_names_purposes_and_situations_of_the_catalogue(world: World) -> None:
    """Seeds 000/002/003: the consent says why and in which situations; a word that only the
    registering agency understands covers nothing for the others, so it is refused."""
    youth = world.youth()
    with pytest.raises(Invalid) as refused:
        world.consent(
            youth,
            scope={
                "agencies": ["soc-orebro", "skola-x"],
                "categories": ["school_attendance"],
                "purposes": ["crime_prevention", "allt möjligt"],
                "situations": ["på stan"],
            },
        )
    assert sorted(f for f, _ in refused.value.errors) == ["scope.purposes", "scope.situations"]
    assert world.ledger.youth(youth).consents == {}

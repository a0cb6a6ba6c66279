"""The decision, reason by reason, through the ledger's use cases on an in-memory store.

Every test registers the agencies below, a youth with two guardians under joint custody (in custody
from birth), and a consent, then asks `Ledger.check` as an auditor. The week of the examples:
Monday 2026-03-02, Tuesday 03-03, Wednesday 03-04 (UTC; Stockholm is UTC+1 then).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from ledger.errors import Forbidden, Invalid
from ledger.identity import luhn_check_digit
from ledger.policy import ConsentPolicy
from ledger.rules import Decision, Reason, combine
from ledger.service import Ledger, open_ledger
from ledger.timeutil import start_of_day
from tests.conftest import ADMIN, MASTER_KEY, Clock, as_actor

AGENCIES = {
    "soc-a": "social_services",
    "pol-a": "police",
    "sko-a": "school",
    "bup-a": "child_psychiatry",
    "vard-a": "health_care",
}
COORDINATOR = as_actor("co1", "soc-a", "coordinator")
OTHER_COORDINATOR = as_actor("co2", "soc-a", "coordinator")
AUDITOR = as_actor("aud", "soc-a", "auditor")

MON = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TUE = MON + timedelta(days=1)
WED = MON + timedelta(days=2)
WEEK_BEFORE = MON - timedelta(days=7)
ADULT = date(2006, 5, 1)  # 19 in March 2026
CHILD = date(2012, 5, 1)  # 13 in March 2026

SCOPE: dict[str, Any] = {
    "agencies": ["soc-a", "pol-a", "sko-a"],
    "categories": ["school_attendance", "police_incidents"],
    "purposes": ["crime_prevention"],
    "situations": ["network_meeting"],
}
QUESTION: dict[str, Any] = {
    "from_agency": "sko-a",
    "to_agency": "soc-a",
    "category": "school_attendance",
    "purpose": "crime_prevention",
    "situation": "network_meeting",
}


def personal_number(born: date) -> str:
    return f"{born:%Y%m%d}-123{luhn_check_digit(born.strftime('%y%m%d') + '123')}"


@dataclass
class World:
    ledger: Ledger
    clock: Clock
    youth_id: str = ""
    guardians: list[str] = field(default_factory=list)

    def youth(self, born: date, *, guardians: int = 2) -> World:
        _, y = self.ledger.register_youth(
            COORDINATOR, personal_number=personal_number(born), name=None
        )
        self.youth_id = y["id"]
        for _ in range(guardians):
            _, g = self.ledger.add_guardian(
                COORDINATOR,
                self.youth_id,
                name="Vårdnadshavare",
                personal_number=None,
                custody="joint",
                effective_at=start_of_day(born),
            )
            self.guardians.append(g["guardian_id"])
        return self

    def givers(self, spec: str) -> list[dict[str, Any]]:
        """`Y` the youth, `g1`/`g2` the guardians."""
        return [
            {"party": "youth"}
            if token == "Y"
            else {"party": "guardian", "guardian_id": self.guardians[int(token[1:]) - 1]}
            for token in spec.split()
        ]

    def grant(self, givers: str = "Y", *, obtained_at: datetime | None = None, **extra: Any) -> str:
        cmd: dict[str, Any] = {
            "youth_id": self.youth_id,
            "givers": self.givers(givers),
            "method": "written",
            "form_reference": "F-1",
            "informed_of_revocation": True,
            "scope": SCOPE,
            "obtained_at": obtained_at or self.clock.now,
            **extra,
        }
        _, answer = self.ledger.grant_consent(COORDINATOR, cmd)
        return str(answer["id"])

    def at(self, moment: datetime) -> World:
        self.clock.set(moment)
        return self

    def ask(self, **question: Any) -> tuple[bool, list[str], list[str]]:
        answer = self.ledger.check(AUDITOR, {"youth_id": self.youth_id, **QUESTION, **question})
        codes = sorted({r["code"] for r in answer["reasons"]})
        return answer["allowed"], codes, sorted(answer["consent_ids"])

    def codes(self, **question: Any) -> list[str]:
        return self.ask(**question)[1]


def make_world(ledger: Ledger, clock: Clock, start: datetime = WEEK_BEFORE) -> World:
    clock.set(start)
    for agency, kind in AGENCIES.items():
        ledger.register_agency(ADMIN, agency_id=agency, name=agency, kind=kind, municipality=None)
    return World(ledger, clock)


@pytest.fixture
def world(memory_ledger: Ledger, clock: Clock) -> World:
    return make_world(memory_ledger, clock)


# -- the scope and the givers, one consent asked about at once ---------------------------------
# givers, grant overrides, question overrides, expected reason codes
# fmt: off
SCOPE_TABLE = [
    pytest.param("Y", {}, {}, ["CONSENT_COVERS"], id="a consent covering the question allows it"),
    pytest.param("Y", {}, {"purpose": "crime_prevention", "situation": "network_meeting"},
                 ["CONSENT_COVERS"], id="a named purpose and situation are covered"),
    pytest.param("Y", {}, {"to_agency": "bup-a"}, ["RECIPIENT_NOT_COVERED"],
                 id="a recipient outside the consent"),
    pytest.param("Y", {}, {"from_agency": "bup-a"}, ["DIRECTION_NOT_COVERED"],
                 id="a discloser outside the consent"),
    pytest.param("Y", {"scope": {**SCOPE, "directions": [{"from": "sko-a", "to": "soc-a"}]}},
                 {"from_agency": "soc-a", "to_agency": "sko-a"}, ["DIRECTION_NOT_COVERED"],
                 id="the reverse of the only direction consented to"),
    pytest.param("Y", {"scope": {**SCOPE, "directions": [{"from": "sko-a", "to": "soc-a"}]}},
                 {}, ["CONSENT_COVERS"], id="the direction consented to"),
    pytest.param("Y", {}, {"to_agency": "sko-a"}, ["DIRECTION_NOT_COVERED"],
                 id="an agency is not a recipient of its own information"),
    pytest.param("Y", {}, {"category": "substance_use"}, ["CATEGORY_NOT_COVERED"],
                 id="a category outside the consent"),
    pytest.param("Y", {}, {"purpose": "support_planning"}, ["PURPOSE_NOT_COVERED"],
                 id="a purpose outside the consent"),
    pytest.param("Y", {}, {"situation": "coordination"}, ["SITUATION_NOT_COVERED"],
                 id="a situation outside the consent"),
    pytest.param("Y", {}, {"to_agency": "bup-a", "category": "substance_use",
                           "purpose": "support_planning", "situation": "coordination"},
                 ["CATEGORY_NOT_COVERED", "PURPOSE_NOT_COVERED", "RECIPIENT_NOT_COVERED",
                  "SITUATION_NOT_COVERED"], id="every shortcoming is a reason"),
    pytest.param("g1 g2", {}, {}, ["CONSENT_PENDING"],
                 id="an adult's guardians cannot consent for them"),
    pytest.param("Y", {"valid_from": MON + timedelta(days=7)}, {}, ["CONSENT_NOT_YET_VALID"],
                 id="a consent valid only from next week"),
    pytest.param("Y", {"obtained_at": WEEK_BEFORE, "valid_until": MON - timedelta(hours=1)}, {},
                 ["CONSENT_EXPIRED"], id="a consent that expired an hour ago"),
]
# fmt: on


@pytest.mark.parametrize(("givers", "grant", "question", "codes"), SCOPE_TABLE)
def test_a_consent_given_by_an_adult_allows_exactly_what_it_covers(
    world: World, givers: str, grant: dict[str, Any], question: dict[str, Any], codes: list[str]
) -> None:
    world.youth(ADULT)
    consent = world.grant(givers, **grant)
    world.at(MON)
    allowed, got, ids = world.ask(**question)
    assert got == codes
    assert allowed is (codes == ["CONSENT_COVERS"])
    assert ids == [consent]


def test_without_any_consent_the_answer_is_no_consent(world: World) -> None:
    world.youth(ADULT)
    assert world.ask() == (False, ["NO_CONSENT"], [])


def test_a_consent_the_ledger_did_not_yet_know_is_no_consent(world: World) -> None:
    world.youth(ADULT)
    world.at(TUE)
    consent = world.grant(obtained_at=MON)
    assert world.ask(at=TUE, known_at=MON + timedelta(hours=12)) == (False, ["NO_CONSENT"], [])
    assert world.ask(at=TUE) == (True, ["CONSENT_COVERS"], [consent])


@pytest.mark.parametrize(
    ("valid", "offset", "code"),
    [
        pytest.param(
            "valid_from",
            timedelta(seconds=-1),
            "CONSENT_NOT_YET_VALID",
            id="a second before valid_from",
        ),
        pytest.param("valid_from", timedelta(0), "CONSENT_COVERS", id="at valid_from"),
        pytest.param("valid_until", timedelta(0), "CONSENT_COVERS", id="at valid_until"),
        pytest.param(
            "valid_until", timedelta(seconds=1), "CONSENT_EXPIRED", id="a second after valid_until"
        ),
    ],
)
def test_a_consent_holds_from_valid_from_through_valid_until(
    world: World, valid: str, offset: timedelta, code: str
) -> None:
    world.youth(ADULT)
    start, end = MON, WED
    world.grant(obtained_at=WEEK_BEFORE, valid_from=start, valid_until=end)
    world.at(WED + timedelta(days=1))
    moment = start if valid == "valid_from" else end
    assert world.codes(at=moment + offset) == [code]


# -- who consented: pending until every required giver has signed -------------------------------
@pytest.mark.parametrize(
    ("born", "givers", "assessed", "codes"),
    [
        pytest.param(
            CHILD,
            "g1",
            False,
            ["CONSENT_PENDING"],
            id="13, joint custody: one guardian leaves it pending",
        ),
        pytest.param(CHILD, "g1 g2", False, ["CONSENT_COVERS"], id="13: both guardians"),
        pytest.param(CHILD, "Y", True, ["CONSENT_PENDING"], id="13: the youth alone never"),
        pytest.param(
            date(2010, 1, 10),
            "Y",
            True,
            ["CONSENT_COVERS"],
            id="16 assessed mature: the youth alone",
        ),
        pytest.param(
            date(2010, 1, 10),
            "Y",
            False,
            ["CONSENT_PENDING"],
            id="16 not assessed: the youth alone is not enough",
        ),
        pytest.param(
            date(2010, 1, 10),
            "g1 g2",
            True,
            ["CONSENT_PENDING"],
            id="16: the guardians alone are never enough",
        ),
        pytest.param(
            date(2010, 1, 10),
            "Y g1 g2",
            False,
            ["CONSENT_COVERS"],
            id="16 not assessed: the youth and both guardians",
        ),
    ],
)
def test_a_consent_is_pending_until_the_right_givers_have_signed(
    world: World, born: date, givers: str, assessed: bool, codes: list[str]
) -> None:
    world.youth(born)
    extra: dict[str, Any] = {}
    if assessed:
        extra["maturity_assessment"] = {
            "assessed_by": "co1",
            "assessed_at": WEEK_BEFORE,
            "rationale": "mogen",
            "outcome": "mature",
        }
    world.grant(givers, **extra)
    assert world.at(MON).codes() == codes


def test_a_later_signature_counts_from_when_it_was_obtained(world: World) -> None:
    world.youth(CHILD)
    consent = world.grant("g1", obtained_at=WEEK_BEFORE)
    world.at(WED)
    world.ledger.sign_consent(
        COORDINATOR,
        consent,
        {
            "giver": world.givers("g2")[0],
            "method": "written",
            "form_reference": "F-1",
            "obtained_at": TUE,
        },
    )
    assert world.codes(at=MON) == ["CONSENT_PENDING"]
    assert world.codes(at=TUE) == ["CONSENT_COVERS"]
    assert world.codes(at=WED, known_at=TUE) == ["CONSENT_PENDING"]


def test_a_guardian_whose_custody_ended_before_the_consent_is_not_needed(world: World) -> None:
    world.youth(CHILD)
    world.ledger.end_guardian(
        COORDINATOR,
        world.youth_id,
        world.guardians[1],
        reason="vårdnad ändrad",
        effective_at=WEEK_BEFORE - timedelta(days=1),
    )
    world.grant("g1")
    assert world.at(MON).codes() == ["CONSENT_COVERS"]


def test_a_former_guardian_cannot_consent_when_no_one_has_custody(world: World) -> None:
    world.youth(CHILD, guardians=1)
    world.ledger.end_guardian(
        COORDINATOR,
        world.youth_id,
        world.guardians[0],
        reason="vårdnad flyttad",
        effective_at=WEEK_BEFORE - timedelta(days=1),
    )
    world.grant("g1")
    assert world.at(MON).codes() == ["CONSENT_PENDING"]


# -- revocation: effective Monday, recorded Wednesday --------------------------------------------
@pytest.mark.parametrize(
    ("at", "known_at", "codes"),
    [
        pytest.param(
            TUE, TUE, ["CONSENT_COVERS"], id="on Tuesday, as the ledger knew it on Tuesday: allowed"
        ),
        pytest.param(
            TUE, None, ["CONSENT_REVOKED"], id="on Tuesday, as the ledger knows it now: revoked"
        ),
        pytest.param(
            MON + timedelta(hours=1) - timedelta(seconds=1),
            None,
            ["CONSENT_COVERS"],
            id="a second before the revocation took effect: allowed",
        ),
        pytest.param(
            MON + timedelta(hours=1),
            None,
            ["CONSENT_REVOKED"],
            id="the moment it took effect: revoked",
        ),
        pytest.param(None, TUE, ["CONSENT_COVERS"], id="now, as known on Tuesday: allowed"),
        pytest.param(None, None, ["CONSENT_REVOKED"], id="now, as known now: revoked"),
    ],
)
def test_a_revocation_by_phone_on_monday_registered_on_wednesday(
    world: World, at: datetime | None, known_at: datetime | None, codes: list[str]
) -> None:
    world.youth(ADULT)
    consent = world.grant(obtained_at=WEEK_BEFORE)
    world.at(WED).ledger.revoke_consent(
        COORDINATOR,
        consent,
        {
            "kind": "full",
            "revoked_by": {"party": "youth"},
            "communicated": "oral",
            "notes": "per telefon",
            "effective_at": MON + timedelta(hours=1),
        },
    )
    world.at(WED + timedelta(hours=1))
    question = {k: v for k, v in (("at", at), ("known_at", known_at)) if v is not None}
    assert world.codes(**question) == codes


def test_a_partial_revocation_removes_only_what_it_names_from_when_it_took_effect(
    world: World,
) -> None:
    world.youth(ADULT)
    consent = world.grant(obtained_at=WEEK_BEFORE)
    world.at(WED).ledger.revoke_consent(
        COORDINATOR,
        consent,
        {
            "kind": "partial",
            "remove": {"agencies": ["pol-a"], "categories": ["school_attendance"]},
            "revoked_by": {"party": "youth"},
            "communicated": "written",
            "effective_at": TUE,
        },
    )
    assert world.codes(at=MON) == ["CONSENT_COVERS"]
    assert world.codes(at=TUE) == ["CATEGORY_NOT_COVERED"]
    assert world.codes(at=TUE, known_at=TUE) == ["CONSENT_COVERS"]
    assert world.codes(at=TUE, to_agency="pol-a", category="police_incidents") == [
        "RECIPIENT_NOT_COVERED"
    ]
    assert world.codes(at=TUE, category="police_incidents") == ["CONSENT_COVERS"]


def test_an_extension_adds_from_when_the_givers_affirmed_it(world: World) -> None:
    world.youth(CHILD)
    consent = world.grant("g1 g2", obtained_at=WEEK_BEFORE)
    world.at(WED).ledger.extend_consent(
        COORDINATOR,
        consent,
        {
            "add": {"agencies": ["bup-a"], "categories": ["health_psychiatry"]},
            "givers": world.givers("g1 g2"),
            "method": "written",
            "form_reference": "F-2",
            "obtained_at": TUE,
        },
    )
    question = {"from_agency": "bup-a", "category": "health_psychiatry"}
    assert world.codes(at=MON, **question) == ["CATEGORY_NOT_COVERED", "DIRECTION_NOT_COVERED"]
    assert world.codes(at=TUE, **question) == ["CONSENT_COVERS"]


def test_an_extension_not_affirmed_by_every_required_giver_is_refused(world: World) -> None:
    world.youth(CHILD)
    consent = world.grant("g1 g2", obtained_at=WEEK_BEFORE)
    with pytest.raises(Invalid):
        world.ledger.extend_consent(
            COORDINATOR,
            consent,
            {
                "add": {"categories": ["health_psychiatry"]},
                "givers": world.givers("g1"),
                "method": "written",
                "form_reference": "F-2",
                "obtained_at": MON,
            },
        )


# -- annulment: never held, but only once recorded -----------------------------------------------
@pytest.mark.parametrize(
    ("at", "known_at", "codes"),
    [
        pytest.param(
            TUE,
            TUE,
            ["CONSENT_COVERS"],
            id="decided on Tuesday before the annulment: held in good faith",
        ),
        pytest.param(TUE, None, ["CONSENT_ANNULLED"], id="Tuesday as known now: never held"),
        pytest.param(
            WEEK_BEFORE + timedelta(hours=1),
            None,
            ["CONSENT_ANNULLED"],
            id="even the day it was obtained, as known now",
        ),
        pytest.param(
            WED,
            WED - timedelta(seconds=1),
            ["CONSENT_COVERS"],
            id="a second before the annulment was recorded",
        ),
        pytest.param(None, None, ["CONSENT_ANNULLED"], id="now"),
    ],
)
def test_an_annulled_consent_never_held_but_only_once_the_annulment_is_known(
    world: World, at: datetime | None, known_at: datetime | None, codes: list[str]
) -> None:
    world.youth(ADULT)
    consent = world.grant(obtained_at=WEEK_BEFORE)
    world.at(WED).ledger.annul_consent(OTHER_COORDINATOR, consent, reason="fel ungdom")
    world.at(WED + timedelta(hours=1))
    question = {k: v for k, v in (("at", at), ("known_at", known_at)) if v is not None}
    assert world.codes(**question) == codes


def test_the_coordinator_who_registered_a_consent_may_not_annul_it(world: World) -> None:
    world.youth(ADULT)
    consent = world.grant()
    with pytest.raises(Forbidden):
        world.ledger.annul_consent(COORDINATOR, consent, reason="fel ungdom")


# -- the 18th birthday ---------------------------------------------------------------------------
TURNS_18 = date(2008, 3, 3)  # 18 at Stockholm midnight: 2026-03-02T23:00:00Z
BIRTHDAY = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
ASSESSED = {
    "assessed_by": "co1",
    "assessed_at": datetime(2024, 6, 1, tzinfo=UTC),
    "rationale": "mogen",
    "outcome": "mature",
}


@pytest.mark.parametrize(
    ("obtained", "givers", "extra", "at", "code"),
    [
        pytest.param(
            datetime(2021, 6, 1, tzinfo=UTC),
            "g1 g2",
            {},
            datetime(2023, 6, 1, tzinfo=UTC),
            "CONSENT_COVERS",
            id="given by the guardians at 13: covers at 15",
        ),
        pytest.param(
            datetime(2021, 6, 1, tzinfo=UTC),
            "g1 g2",
            {},
            datetime(2025, 6, 1, tzinfo=UTC),
            "CONSENT_COVERS",
            id="given at 13: covers at 17",
        ),
        pytest.param(
            datetime(2021, 6, 1, tzinfo=UTC),
            "g1 g2",
            {},
            BIRTHDAY - timedelta(seconds=1),
            "CONSENT_COVERS",
            id="given at 13: covers until the last second before the birthday",
        ),
        pytest.param(
            datetime(2021, 6, 1, tzinfo=UTC),
            "g1 g2",
            {},
            BIRTHDAY,
            "GUARDIAN_CONSENT_LAPSED_AT_18",
            id="given at 13: lapses at midnight in Stockholm on the 18th birthday",
        ),
        pytest.param(
            datetime(2021, 6, 1, tzinfo=UTC),
            "g1 g2",
            {},
            datetime(2026, 3, 5, tzinfo=UTC),
            "GUARDIAN_CONSENT_LAPSED_AT_18",
            id="given at 13: lapsed after the birthday",
        ),
        pytest.param(
            datetime(2024, 6, 1, tzinfo=UTC),
            "Y g1 g2",
            {},
            datetime(2026, 3, 5, tzinfo=UTC),
            "GUARDIAN_CONSENT_LAPSED_AT_18",
            id="given at 16 with the guardians: lapsed",
        ),
        pytest.param(
            datetime(2024, 6, 1, tzinfo=UTC),
            "Y",
            {"maturity_assessment": ASSESSED},
            datetime(2026, 3, 5, tzinfo=UTC),
            "CONSENT_COVERS",
            id="given alone at 16 after a maturity assessment: still covers",
        ),
        pytest.param(
            datetime(2026, 3, 4, tzinfo=UTC),
            "Y",
            {},
            datetime(2026, 3, 5, tzinfo=UTC),
            "CONSENT_COVERS",
            id="given by the youth as an adult: covers",
        ),
    ],
)
def test_a_consent_resting_on_the_guardians_stops_at_the_18th_birthday(
    memory_ledger: Ledger,
    clock: Clock,
    obtained: datetime,
    givers: str,
    extra: dict[str, Any],
    at: datetime,
    code: str,
) -> None:
    world = make_world(memory_ledger, clock, start=datetime(2026, 3, 10, tzinfo=UTC)).youth(
        TURNS_18
    )
    world.grant(givers, obtained_at=obtained, **extra)
    assert world.codes(at=at) == [code]


def test_a_deployment_may_require_renewal_at_15(clock: Clock) -> None:
    policy = ConsentPolicy(guardian_consent_renewal_at_own_consent_age=True)
    ledger = open_ledger("sqlite:///:memory:", clock=clock, master_key=MASTER_KEY, policy=policy)
    try:
        world = make_world(ledger, clock, start=datetime(2026, 3, 10, tzinfo=UTC)).youth(TURNS_18)
        world.grant("g1 g2", obtained_at=datetime(2021, 6, 1, tzinfo=UTC))
        fifteenth = datetime(2023, 3, 2, 23, 0, tzinfo=UTC)
        assert world.codes(at=fifteenth - timedelta(seconds=1)) == ["CONSENT_COVERS"]
        assert world.codes(at=fifteenth) == ["GUARDIAN_CONSENT_LAPSED_AT_18"]
    finally:
        ledger.close()


# -- the case ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("at", "known_at", "codes"),
    [
        pytest.param(MON, None, ["CONSENT_COVERS"], id="before the case closed"),
        pytest.param(TUE, TUE, ["CONSENT_COVERS"], id="closed, but not yet known"),
        pytest.param(TUE, None, ["CASE_CLOSED"], id="closed and known"),
    ],
)
def test_a_consent_given_for_a_case_ends_with_the_case(
    world: World, at: datetime, known_at: datetime | None, codes: list[str]
) -> None:
    world.youth(ADULT)
    _, case = world.ledger.open_case(
        COORDINATOR,
        youth_id=world.youth_id,
        form="SSPF",
        agencies=list(AGENCIES),
        coordinator_actor_id=None,
    )
    world.grant(obtained_at=WEEK_BEFORE, case_id=case["id"])
    world.at(WED).ledger.close_case(
        COORDINATOR, case["id"], reason="insatsen avslutad", effective_at=TUE - timedelta(hours=1)
    )
    question: dict[str, Any] = {"at": at}
    if known_at is not None:
        question["known_at"] = known_at
    assert world.codes(**question) == codes


def test_closing_a_case_leaves_a_consent_without_a_case_standing(world: World) -> None:
    world.youth(ADULT)
    _, case = world.ledger.open_case(
        COORDINATOR,
        youth_id=world.youth_id,
        form="SSPF",
        agencies=list(AGENCIES),
        coordinator_actor_id=None,
    )
    world.grant(obtained_at=WEEK_BEFORE)
    world.at(WED).ledger.close_case(COORDINATOR, case["id"], reason="avslutad", effective_at=MON)
    assert world.codes() == ["CONSENT_COVERS"]


# -- several consents ----------------------------------------------------------------------------
def test_one_covering_consent_is_enough_and_only_it_is_named(world: World) -> None:
    world.youth(ADULT)
    narrow = world.grant(scope={**SCOPE, "categories": ["police_incidents"]})
    wide = world.grant()
    assert world.at(MON).ask() == (True, ["CONSENT_COVERS"], [wide])
    assert narrow != wide


def test_every_covering_consent_is_named(world: World) -> None:
    world.youth(ADULT)
    first, second = world.grant(), world.grant()
    allowed, codes, ids = world.at(MON).ask()
    assert (allowed, codes, ids) == (True, ["CONSENT_COVERS"], sorted([first, second]))


def test_without_a_covering_consent_every_reason_of_every_consent_is_given(world: World) -> None:
    world.youth(ADULT)
    pending = world.grant("g1")
    other = world.grant(scope={**SCOPE, "categories": ["police_incidents"]})
    allowed, codes, ids = world.at(MON).ask()
    assert allowed is False
    assert codes == ["CATEGORY_NOT_COVERED", "CONSENT_PENDING"]
    assert ids == sorted([pending, other])


def test_a_disclosure_to_several_recipients_needs_every_one_covered(world: World) -> None:
    world.youth(ADULT)
    world.grant()
    world.at(MON)
    staff = as_actor("lars", "sko-a", "staff")
    status, body = world.ledger.disclose(
        staff,
        {
            "from_agency": "sko-a",
            "to_agencies": ["soc-a", "bup-a"],
            "youth_id": world.youth_id,
            "categories": ["school_attendance"],
            "purpose": "crime_prevention",
            "situation": "network_meeting",
        },
    )
    assert status == 403
    assert body["decision"]["allowed"] is False
    codes = {r["code"] for r in body["decision"]["reasons"]}
    assert codes == {"CONSENT_COVERS", "RECIPIENT_NOT_COVERED"}


def test_combining_decisions_allows_only_when_every_part_allows() -> None:
    yes = Decision(True, "consent", ("c1",), (Reason("CONSENT_COVERS", "ok", "c1"),), MON, MON)
    no = Decision(False, None, ("c1",), (Reason("CATEGORY_NOT_COVERED", "no", "c1"),), MON, MON)
    assert combine([yes, yes]).allowed is True
    both = combine([yes, no])
    assert both.allowed is False
    assert both.basis is None
    assert both.codes == ["CONSENT_COVERS", "CATEGORY_NOT_COVERED"]
    assert both.consent_ids == ("c1",)


# -- statutory provisions ------------------------------------------------------------------------
# provision, from, to, born, note, expected
UNDER_21 = date(2005, 3, 3)  # 20 until 2026-03-02T23:00:00Z
# fmt: off
STATUTORY = [
    pytest.param("osl-10-18a", "soc-a", "pol-a", UNDER_21, "förebygga brott", "STATUTORY_BASIS",
                 id="18a: social services to the police about a 20-year-old, with a note"),
    pytest.param("osl-10-18a", "soc-a", "pol-a", date(2005, 3, 1), "förebygga brott",
                 "PROVISION_CONDITIONS_NOT_MET", id="18a: not about a 21-year-old"),
    pytest.param("osl-10-18a", "soc-a", "pol-a", UNDER_21, None,
                 "PROVISION_CONDITIONS_NOT_MET", id="18a: not without a note"),
    pytest.param("osl-10-18a", "soc-a", "pol-a", UNDER_21, "  ",
                 "PROVISION_CONDITIONS_NOT_MET", id="18a: not with a blank note"),
    pytest.param("osl-10-18a", "sko-a", "pol-a", UNDER_21, "förebygga brott",
                 "PROVISION_CONDITIONS_NOT_MET", id="18a: not from the school"),
    pytest.param("osl-10-18a", "soc-a", "sko-a", UNDER_21, "förebygga brott",
                 "PROVISION_CONDITIONS_NOT_MET", id="18a: not to the school"),
    pytest.param("report-of-concern", "sko-a", "soc-a", date(2008, 3, 4), None,
                 "STATUTORY_BASIS", id="report of concern about a 17-year-old, no note needed"),
    pytest.param("report-of-concern", "pol-a", "soc-a", CHILD, None, "STATUTORY_BASIS",
                 id="report of concern from the police"),
    pytest.param("report-of-concern", "sko-a", "soc-a", date(2008, 3, 1), None,
                 "PROVISION_CONDITIONS_NOT_MET", id="report of concern: not about an 18-year-old"),
    pytest.param("report-of-concern", "sko-a", "pol-a", CHILD, None,
                 "PROVISION_CONDITIONS_NOT_MET", id="report of concern: only to social services"),
    pytest.param("osl-10-21", "bup-a", "pol-a", CHILD, "misstänkt misshandel", "STATUTORY_BASIS",
                 id="21: child psychiatry to the police about a child"),
    pytest.param("osl-10-21", "sko-a", "pol-a", CHILD, "misstänkt misshandel",
                 "PROVISION_CONDITIONS_NOT_MET", id="21: not from the school"),
    pytest.param("osl-10-27", "sko-a", "pol-a", ADULT, "intresseavvägning", "STATUTORY_BASIS",
                 id="27: a school with the balancing documented"),
    # OSL 10 kap. 27 § tredje stycket: not for health-care secrecy (25 kap. 1–8 §§) (issue 12, 4)
    pytest.param("osl-10-27", "vard-a", "pol-a", ADULT, "intresseavvägning",
                 "PROVISION_CONDITIONS_NOT_MET", id="27: never for health care secrecy"),
    pytest.param("osl-10-27", "soc-a", "pol-a", ADULT, "intresseavvägning",
                 "PROVISION_CONDITIONS_NOT_MET", id="27: never for social services secrecy"),
    pytest.param("osl-10-27", "sko-a", "pol-a", ADULT, None, "PROVISION_CONDITIONS_NOT_MET",
                 id="27: not without the balancing"),
    pytest.param("osl-10-2", "sko-a", "bup-a", ADULT, "nödvändigt", "STATUTORY_BASIS",
                 id="2: any agency, with a note"),
]
# fmt: on


@pytest.mark.parametrize(("provision", "source", "recipient", "born", "note", "code"), STATUTORY)
def test_a_statutory_provision_allows_only_within_its_conditions(
    world: World,
    provision: str,
    source: str,
    recipient: str,
    born: date,
    note: str | None,
    code: str,
) -> None:
    world.youth(born, guardians=0)
    world.at(MON)  # 2026-03-02T09:00Z
    question: dict[str, Any] = {
        "from_agency": source,
        "to_agency": recipient,
        "provision": provision,
    }
    if note is not None:
        question["note"] = note
    answer = world.ledger.check(AUDITOR, {"youth_id": world.youth_id, **QUESTION, **question})
    assert {r["code"] for r in answer["reasons"]} == {code}
    assert answer["allowed"] is (code == "STATUTORY_BASIS")
    assert answer["basis"] == ("statutory" if code == "STATUTORY_BASIS" else None)


def test_the_age_limit_of_a_provision_turns_at_midnight_in_stockholm(world: World) -> None:
    world.youth(UNDER_21, guardians=0)
    world.at(datetime(2026, 3, 10, tzinfo=UTC))
    question = {
        "from_agency": "soc-a",
        "to_agency": "pol-a",
        "provision": "osl-10-18a",
        "note": "förebygga brott",
    }
    birthday = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    assert world.codes(at=birthday - timedelta(seconds=1), **question) == ["STATUTORY_BASIS"]
    assert world.codes(at=birthday, **question) == ["PROVISION_CONDITIONS_NOT_MET"]


def test_an_unknown_provision_is_invalid_input(world: World) -> None:
    world.youth(ADULT, guardians=0)
    with pytest.raises(Invalid):
        world.ledger.check(
            AUDITOR, {"youth_id": world.youth_id, **QUESTION, "provision": "osl-99-1", "note": "x"}
        )

"""Who consents for whom (OSL 12 kap. 2–3 §): the tables below are the specification.

Notation in the tables:
- guardians: the guardians in custody when the consent was obtained, `J1 J2` two under joint
  custody, `S1` one with sole custody;
- signed: who has given the consent, `Y` the youth, `g1` guardian 1;
- missing: what the consent still needs, `Y` the youth, `g2` guardian 2, `G` some guardian (none
  is registered), `M` a maturity assessment (the alternative to the guardians at 15–17);
- rests: whether the consent rests on the guardians (and so lapses at the 18th birthday).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ledger.consent import GRANTED, SIGNED, Fact, Giver, Guardian, fold, requirement
from ledger.policy import DEFAULT_POLICY, ConsentPolicy, load_policy
from ledger.timeutil import turns

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def guardians_of(spec: str) -> list[Guardian]:
    out = []
    for token in spec.split():
        custody = {"J": "joint", "S": "sole"}[token[0]]
        added = Fact("guardian_added", 0, T, T, "co", "soc-a", {"custody": custody})
        out.append(Guardian(f"g{token[1:]}", custody, added))
    return out


def givers_of(spec: str) -> frozenset[Giver]:
    return frozenset(
        Giver("youth") if token == "Y" else Giver("guardian", token) for token in spec.split()
    )


def compact(missing: tuple[dict[str, Any], ...]) -> str:
    def one(m: dict[str, Any]) -> str:
        if m["kind"] == "maturity_assessment":
            return "M"
        if m["party"] == "youth":
            return "Y"
        return m.get("guardian_id") or "G"

    return " ".join(sorted(one(m) for m in missing))


# age, guardians, signed, maturity assessed, missing, rests on guardians
# fmt: off
REQUIREMENTS = [
    # 18 and older: only the youth; a guardian's signature counts for nothing.
    pytest.param(18, "J1 J2", "Y", False, "", False, id="18: the youth alone suffices"),
    pytest.param(19, "", "Y", False, "", False, id="19 without guardians: the youth alone"),
    pytest.param(18, "J1 J2", "g1 g2", False, "Y", False, id="18: both guardians are not enough"),
    pytest.param(19, "S1", "g1", True, "Y", False, id="19: a guardian cannot stand in"),
    # 15–17: the youth is required; alone only with a maturity assessment.
    pytest.param(15, "J1 J2", "Y", True, "", False, id="15 assessed mature: the youth alone"),
    pytest.param(17, "", "Y", True, "", False, id="17 assessed mature, no guardians: the youth"),
    pytest.param(17, "J1 J2", "Y g1 g2", True, "", False, id="17 assessed, guardians too: alone"),
    pytest.param(15, "J1 J2", "Y", False, "M g1 g2", True, id="15 not assessed: both guardians"),
    pytest.param(17, "J1 J2", "Y g1", False, "M g2", True, id="17 not assessed: second guardian"),
    pytest.param(17, "J1 J2", "Y g1 g2", False, "", True, id="17 youth and both guardians"),
    pytest.param(15, "S1", "Y g1", False, "", True, id="15 youth and the sole guardian"),
    pytest.param(15, "J1 J2", "g1 g2", False, "Y", True, id="15 guardians alone are never enough"),
    pytest.param(17, "J1 J2", "g1 g2", True, "Y", False, id="17 assessed: still the youth"),
    pytest.param(16, "", "Y", False, "G M", True, id="16 not assessed, no guardian registered"),
    # Under 15: the guardians; under joint custody every one of them.
    pytest.param(14, "J1 J2", "g1", False, "g2", True, id="14 joint custody: one leaves pending"),
    pytest.param(14, "J1 J2", "g1 g2", False, "", True, id="14 joint custody: both suffice"),
    pytest.param(12, "J1 J2", "Y g1 g2", False, "", True, id="12 youth signs too where possible"),
    pytest.param(14, "J1 J2", "Y", True, "g1 g2", True, id="14 the youth alone never suffices"),
    pytest.param(12, "S1", "g1", False, "", True, id="12 sole custody: the sole guardian"),
    pytest.param(12, "S1 J2", "g1", False, "", True, id="12 sole custody outranks a joint one"),
    pytest.param(12, "S1 J2", "g2", False, "g1", True, id="12 not the guardian without custody"),
    pytest.param(12, "", "Y", False, "G", True, id="12 no guardian registered: a guardian"),
    pytest.param(0, "J1", "g1", False, "", True, id="a newborn with one guardian"),
]
# fmt: on


@pytest.mark.parametrize(
    ("age", "guardians", "signed", "assessed", "missing", "rests"), REQUIREMENTS
)
def test_who_must_consent_depends_on_the_age_when_the_consent_was_obtained(
    age: int, guardians: str, signed: str, assessed: bool, missing: str, rests: bool
) -> None:
    req = requirement(
        DEFAULT_POLICY,
        age=age,
        guardians=guardians_of(guardians),
        givers=givers_of(signed),
        maturity_assessed=assessed,
    )
    assert compact(req.missing) == missing
    assert req.rests_on_guardians is rests


def test_a_missing_guardian_is_named_by_id_and_an_unregistered_one_by_party_only() -> None:
    named = requirement(
        DEFAULT_POLICY,
        age=14,
        guardians=guardians_of("J1 J2"),
        givers=givers_of("g1"),
        maturity_assessed=False,
    )
    unregistered = requirement(
        DEFAULT_POLICY, age=14, guardians=[], givers=givers_of("Y"), maturity_assessed=False
    )
    assert named.missing == ({"kind": "giver", "party": "guardian", "guardian_id": "g2"},)
    assert unregistered.missing == ({"kind": "giver", "party": "guardian"},)


@pytest.mark.parametrize(
    ("age", "signed", "warned"),
    [
        pytest.param(18, "Y g1", True, id="an adult's guardian signing is warned about"),
        pytest.param(18, "Y", False, id="an adult signing alone is not"),
        pytest.param(17, "Y g1 g2", False, id="a minor's guardians signing is not"),
    ],
)
def test_a_guardian_signature_for_an_adult_counts_for_nothing_and_says_so(
    age: int, signed: str, warned: bool
) -> None:
    req = requirement(
        DEFAULT_POLICY,
        age=age,
        guardians=guardians_of("J1 J2"),
        givers=givers_of(signed),
        maturity_assessed=False,
    )
    assert any("counts for nothing" in w for w in req.warnings) is warned


def test_a_minor_without_a_maturity_assessment_is_told_why_the_guardians_are_needed() -> None:
    req = requirement(
        DEFAULT_POLICY,
        age=16,
        guardians=guardians_of("J1 J2"),
        givers=givers_of("Y"),
        maturity_assessed=False,
    )
    assert any("maturity" in w for w in req.warnings)


# policy override, age, guardians, signed, assessed, missing, rests
# fmt: off
OVERRIDES = [
    pytest.param(
        {"joint_custody_requires_every_guardian": False}, 14, "J1 J2", "g1", False, "", True,
        id="one joint guardian suffices when the deployment says so",
    ),
    pytest.param(
        {"maturity_assessment_lets_youth_consent_alone": False}, 17, "J1 J2", "Y", True,
        "g1 g2", True, id="without the maturity rule a 17-year-old needs the guardians",
    ),
    pytest.param(
        {"own_consent_age": 16}, 15, "J1 J2", "g1 g2", False, "", True,
        id="own consent from 16: guardians alone suffice at 15",
    ),
    pytest.param(
        {"own_consent_age": 16}, 16, "J1 J2", "g1 g2", False, "Y", True,
        id="own consent from 16: the youth is required at 16",
    ),
    pytest.param(
        {"adult_age": 20}, 19, "J1", "Y", False, "M g1", True,
        id="adult at 20: a 19-year-old is still a minor",
    ),
]
# fmt: on


@pytest.mark.parametrize(
    ("override", "age", "guardians", "signed", "assessed", "missing", "rests"), OVERRIDES
)
def test_a_deployment_may_change_who_consents(
    override: dict[str, Any],
    age: int,
    guardians: str,
    signed: str,
    assessed: bool,
    missing: str,
    rests: bool,
) -> None:
    policy = replace(DEFAULT_POLICY, **override)
    req = requirement(
        policy,
        age=age,
        guardians=guardians_of(guardians),
        givers=givers_of(signed),
        maturity_assessed=assessed,
    )
    assert compact(req.missing) == missing
    assert req.rests_on_guardians is rests


@pytest.mark.parametrize(
    ("policy", "age", "stage"),
    [
        (DEFAULT_POLICY, 0, "young_minor"),
        (DEFAULT_POLICY, 12, "young_minor"),
        (DEFAULT_POLICY, 14, "young_minor"),
        (DEFAULT_POLICY, 15, "older_minor"),
        (DEFAULT_POLICY, 17, "older_minor"),
        (DEFAULT_POLICY, 18, "adult"),
        (DEFAULT_POLICY, 19, "adult"),
        (ConsentPolicy(own_consent_age=16), 15, "young_minor"),
        (ConsentPolicy(own_consent_age=16), 16, "older_minor"),
        (ConsentPolicy(adult_age=20), 19, "older_minor"),
    ],
)
def test_the_stage_of_a_youth_follows_the_policy_ages(
    policy: ConsentPolicy, age: int, stage: str
) -> None:
    assert policy.stage(age) == stage


def test_a_policy_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"guardian_consent_renewal_at_own_consent_age": True}))
    policy = load_policy(path)
    assert policy.guardian_consent_renewal_at_own_consent_age is True
    assert replace(policy, guardian_consent_renewal_at_own_consent_age=False) == DEFAULT_POLICY
    assert load_policy(None) is DEFAULT_POLICY


def test_a_policy_file_with_an_unknown_setting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"adult_age": 18, "guardians_may_sign_for_adults": True}))
    with pytest.raises(ValueError, match="guardians_may_sign_for_adults"):
        load_policy(path)


# -- over time: the fold of a consent's facts ---------------------------------------------------
BORN_2012 = date(2012, 6, 15)  # 13 on 2026-03-02; 15 on 2027-06-15; 18 on 2030-06-15


def fact(
    kind: str,
    when: datetime,
    data: dict[str, Any],
    *,
    recorded: datetime | None = None,
    version: int = 1,
) -> Fact:
    return Fact(kind, version, recorded or when, when, "co", "soc-a", data)


def grant(when: datetime, givers: str, *, assessed: bool = False) -> Fact:
    return fact(
        GRANTED,
        when,
        {
            "givers": [g.to_json() for g in givers_of(givers)],
            "maturity_assessment": {
                "assessed_by": "co",
                "assessed_at": when,
                "rationale": "x",
                "outcome": "mature",
            }
            if assessed
            else None,
            "scope": {"agencies": ["soc-a", "pol-a"], "categories": ["school_attendance"]},
            "valid_from": when,
            "valid_until": None,
        },
    )


def guardian(
    gid: str,
    custody: str,
    *,
    added: datetime,
    ended: datetime | None = None,
    ended_recorded: datetime | None = None,
) -> Guardian:
    end = None
    if ended is not None:
        end = fact("guardian_ended", ended, {}, recorded=ended_recorded or ended)
    return Guardian(gid, custody, fact("guardian_added", added, {"custody": custody}), end)


def state_of(
    facts: list[Fact],
    guardians: list[Guardian],
    *,
    born: date = BORN_2012,
    at: datetime | None = None,
    known_at: datetime | None = None,
    policy: ConsentPolicy = DEFAULT_POLICY,
) -> Any:
    moment = at or T + timedelta(days=1)
    state = fold(
        "c1",
        facts,
        at=moment,
        known_at=known_at or moment,
        birth_date=born,
        guardians=guardians,
        policy=policy,
    )
    assert state is not None
    return state


EARLY = T - timedelta(days=400)


def test_a_guardian_ended_before_the_consent_was_obtained_is_not_needed() -> None:
    both = [
        guardian("g1", "joint", added=EARLY),
        guardian("g2", "joint", added=EARLY, ended=T - timedelta(days=10)),
    ]
    state = state_of([grant(T, "g1")], both)
    assert state.requirement.missing == ()
    assert state.status(T + timedelta(days=1)) == "active"


def test_a_guardian_ended_after_the_consent_was_obtained_was_still_needed() -> None:
    both = [
        guardian("g1", "joint", added=EARLY),
        guardian("g2", "joint", added=EARLY, ended=T + timedelta(hours=1)),
    ]
    assert compact(state_of([grant(T, "g1")], both).requirement.missing) == "g2"


def test_an_end_of_custody_the_ledger_did_not_yet_know_still_counts_the_guardian() -> None:
    both = [
        guardian("g1", "joint", added=EARLY),
        guardian(
            "g2",
            "joint",
            added=EARLY,
            ended=T - timedelta(days=10),
            ended_recorded=T + timedelta(days=5),
        ),
    ]
    before = state_of([grant(T, "g1")], both, known_at=T + timedelta(days=1))
    after = state_of([grant(T, "g1")], both, known_at=T + timedelta(days=6))
    assert compact(before.requirement.missing) == "g2"
    assert after.requirement.missing == ()


def test_a_guardian_added_after_the_consent_was_obtained_is_not_needed() -> None:
    guardians = [
        guardian("g1", "joint", added=EARLY),
        guardian("g2", "joint", added=T + timedelta(1)),
    ]
    assert state_of([grant(T, "g1")], guardians).requirement.missing == ()


def test_a_former_guardian_signing_alone_leaves_the_consent_pending() -> None:
    former = [guardian("g1", "sole", added=EARLY, ended=T - timedelta(days=30))]
    state = state_of([grant(T, "g1")], former)
    assert state.requirement.missing == ({"kind": "giver", "party": "guardian"},)
    assert state.status(T + timedelta(days=1)) == "pending"


def test_a_signature_counts_from_when_it_was_obtained() -> None:
    guardians = [guardian("g1", "joint", added=EARLY), guardian("g2", "joint", added=EARLY)]
    signed = T + timedelta(days=3)
    facts = [
        grant(T, "g1"),
        fact(SIGNED, signed, {"giver": Giver("guardian", "g2").to_json()}, version=2),
    ]
    before = state_of(facts, guardians, at=signed - timedelta(seconds=1), known_at=signed)
    after = state_of(facts, guardians, at=signed, known_at=signed)
    assert before.status(signed - timedelta(seconds=1)) == "pending"
    assert after.status(signed) == "active"


def test_a_maturity_assessment_given_with_a_later_signature_lets_the_youth_consent_alone() -> None:
    born = date(2010, 1, 10)  # 16 on 2026-03-02
    guardians = [guardian("g1", "joint", added=EARLY), guardian("g2", "joint", added=EARLY)]
    assessment = {"assessed_by": "co", "assessed_at": T, "rationale": "mogen", "outcome": "mature"}
    later = T + timedelta(days=2)
    facts = [
        grant(T, "Y"),
        fact(
            SIGNED,
            later,
            {"giver": {"party": "youth"}, "maturity_assessment": assessment},
            version=2,
        ),
    ]
    assert compact(state_of(facts, guardians, born=born, at=T).requirement.missing) == "M g1 g2"
    assert state_of(facts, guardians, born=born, at=later).requirement.missing == ()


# born, given at age, givers, assessed, policy, lapses at
# fmt: off
LAPSES = [
    pytest.param(BORN_2012, "g1 g2", False, DEFAULT_POLICY, turns(BORN_2012, 18),
                 id="given by the guardians at 13: lapses at the 18th birthday"),
    pytest.param(BORN_2012, "g1 g2", False,
                 ConsentPolicy(guardian_consent_renewal_at_own_consent_age=True),
                 turns(BORN_2012, 15), id="renewal at 15 when the deployment requires it"),
    pytest.param(date(2010, 1, 10), "Y g1 g2", False,
                 ConsentPolicy(guardian_consent_renewal_at_own_consent_age=True),
                 turns(date(2010, 1, 10), 18), id="given at 16 with the guardians: lapses at 18"),
    pytest.param(date(2010, 1, 10), "Y", True, DEFAULT_POLICY, None,
                 id="given alone at 16 after a maturity assessment: does not lapse"),
    pytest.param(date(2007, 1, 10), "Y", False, DEFAULT_POLICY, None,
                 id="given by a 19-year-old: does not lapse"),
]
# fmt: on


@pytest.mark.parametrize(("born", "givers", "assessed", "policy", "lapses_at"), LAPSES)
def test_a_consent_resting_on_the_guardians_lapses(
    born: date, givers: str, assessed: bool, policy: ConsentPolicy, lapses_at: datetime | None
) -> None:
    guardians = [guardian("g1", "joint", added=EARLY), guardian("g2", "joint", added=EARLY)]
    state = state_of([grant(T, givers, assessed=assessed)], guardians, born=born, policy=policy)
    assert state.lapses_at == lapses_at


def test_the_18th_birthday_begins_at_midnight_in_stockholm() -> None:
    lapse = turns(BORN_2012, 18)
    assert lapse == datetime(2030, 6, 14, 22, 0, tzinfo=UTC)  # CEST, UTC+2
    assert turns(date(2008, 1, 20), 18) == datetime(2026, 1, 19, 23, 0, tzinfo=UTC)  # CET


def test_the_status_turns_lapsed_on_the_birthday_and_not_a_second_before() -> None:
    guardians = [guardian("g1", "joint", added=EARLY), guardian("g2", "joint", added=EARLY)]
    state = state_of([grant(T, "g1 g2")], guardians)
    lapse = turns(BORN_2012, 18)
    assert state.status(lapse - timedelta(seconds=1)) == "active"
    assert state.status(lapse) == "lapsed"

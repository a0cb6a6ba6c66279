"""A consent as the ledger knows it: its events (facts) and the pure fold that answers what the
consent was at a moment in the world (`at`), given what the ledger had recorded by `known_at`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, NamedTuple

from ledger.policy import ConsentPolicy
from ledger.scope import Scope
from ledger.timeutil import age_on, turns

GRANTED, SIGNED, EXTENDED = "granted", "signed", "extended"
REVOKED, PARTIALLY_REVOKED, ANNULLED = "revoked", "partially_revoked", "annulled"
# A maturity assessment's outcome (issue 12, item 3). Seed 002: "I vissa fall kan unga under 18 år
# lämna samtycke själva, efter att man har beaktat aspekter som bland annat den unges ålder och
# mognad … En individuell bedömning behöver dock alltid göras." Only an assessment that found the
# youth mature lets the youth's consent stand alone; one without a recorded outcome (stored before
# version 1.1) is no assessment of maturity at all.
MATURE, NOT_MATURE = "mature", "not_mature"


def assessment_outcome(assessment: Mapping[str, Any] | None) -> str | None:
    """`mature`, `not_mature`, or None: no assessment, or one that records no outcome."""
    if assessment is None:
        return None
    outcome = assessment.get("outcome")
    return outcome if outcome in (MATURE, NOT_MATURE) else None


@dataclass(frozen=True)
class Fact:
    """One event of a consent (or guardian, or case) as the aggregate keeps it."""

    kind: str
    version: int
    recorded_at: datetime
    effective_at: datetime  # when it took effect in the world: obtained_at / effective_at
    actor_id: str
    agency_id: str
    data: Mapping[str, Any] = field(default_factory=dict)

    # A consent fact's payload parsed once, on first use, and kept with the fact: a decision
    # folds the same facts for many questions.
    @cached_property
    def scope(self) -> Scope:
        """What a grant covers."""
        return Scope.from_json(self.data["scope"])

    @cached_property
    def givers(self) -> frozenset[Giver]:
        """Whom a grant, a signature or an extension adds as giver."""
        if self.kind == SIGNED:
            return frozenset({Giver.from_json(self.data["giver"])})
        return frozenset(Giver.from_json(g) for g in self.data.get("givers") or ())

    def parsed(self) -> Fact:
        """This consent fact with its payload parsed now, as the aggregate is built, rather than
        in the first decision that folds it."""
        if self.kind == GRANTED:
            _ = self.scope
        if self.kind in (GRANTED, SIGNED, EXTENDED):
            _ = self.givers
        return self


@dataclass(frozen=True)
class Guardian:
    guardian_id: str
    custody: str  # joint | sole
    added: Fact
    ended: Fact | None = None

    def active(self, at: datetime, known_at: datetime) -> bool:
        if self.added.recorded_at > known_at or self.added.effective_at > at:
            return False
        return not (
            self.ended is not None
            and self.ended.recorded_at <= known_at
            and self.ended.effective_at <= at
        )


class Giver(NamedTuple):  # a tuple: decisions hash sets of givers often
    party: str  # youth | guardian
    guardian_id: str | None = None

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Giver:
        return cls(raw["party"], raw.get("guardian_id"))

    def to_json(self) -> dict[str, Any]:
        if self.party == "guardian":
            return {"party": "guardian", "guardian_id": self.guardian_id}
        return {"party": "youth"}


@dataclass(frozen=True)
class Requirement:
    missing: tuple[dict[str, Any], ...]
    rests_on_guardians: bool
    warnings: tuple[str, ...]


def requirement(
    policy: ConsentPolicy,
    *,
    age: int,
    guardians: Sequence[Guardian],
    givers: frozenset[Giver],
    maturity_assessed: bool,
) -> Requirement:
    """Which givers a consent still needs, given the youth's age when it was obtained.
    `maturity_assessed`: an assessment found the youth mature."""
    custody = tuple((g.guardian_id, g.custody) for g in guardians)
    return _requirement(policy, age, custody, givers, MATURE if maturity_assessed else None)


def _requirement(
    policy: ConsentPolicy,
    age: int,
    guardians: tuple[tuple[str, str], ...],  # (guardian_id, custody) of the current guardians
    givers: frozenset[Giver],
    maturity: str | None,  # the outcome of the maturity assessment in effect (None: none)
) -> Requirement:
    youth_signed = Giver("youth") in givers
    signed_guardians = {g.guardian_id for g in givers if g.party == "guardian"}
    warnings: list[str] = []
    stage = policy.stage(age)
    if stage == "adult":
        if signed_guardians:
            warnings.append("the youth is an adult: a guardian's signature counts for nothing")
        adult_missing = () if youth_signed else ({"kind": "giver", "party": "youth"},)
        return Requirement(adult_missing, rests_on_guardians=False, warnings=tuple(warnings))

    needed_guardians = _custodians(policy, guardians)
    missing_guardians: list[dict[str, Any]] = [
        {"kind": "giver", "party": "guardian", "guardian_id": guardian_id}
        for guardian_id in needed_guardians
        if guardian_id not in signed_guardians
    ]
    if not needed_guardians:  # a former guardian's signature does not stand in for a custodian
        missing_guardians.append({"kind": "giver", "party": "guardian"})
    ended = signed_guardians - {guardian_id for guardian_id, _ in guardians}
    if ended:
        warnings.append("a signing guardian is not a current guardian of the youth")

    if stage == "older_minor":
        missing: list[dict[str, Any]] = []
        if not youth_signed:
            missing.append({"kind": "giver", "party": "youth"})
        alone = maturity == MATURE and policy.maturity_assessment_lets_youth_consent_alone
        if alone:
            return Requirement(tuple(missing), rests_on_guardians=False, warnings=tuple(warnings))
        if maturity == NOT_MATURE and missing_guardians:
            # The youth was assessed and found not mature: another assessment is not what is
            # missing, the guardians' consent is.
            missing.extend(missing_guardians)
            warnings.append(
                "the maturity assessment found the youth not mature: the youth's consent does not "
                "stand in for the guardians', who must consent too"
            )
        elif missing_guardians:
            missing.extend(missing_guardians)
            if policy.maturity_assessment_lets_youth_consent_alone:
                missing.append({"kind": "maturity_assessment"})
                warnings.append(
                    "15–17: the youth's own consent suffices alone only with a recorded maturity "
                    "assessment; otherwise the guardians sign too"
                )
        return Requirement(tuple(missing), rests_on_guardians=True, warnings=tuple(warnings))

    return Requirement(tuple(missing_guardians), rests_on_guardians=True, warnings=tuple(warnings))


def _custodians(policy: ConsentPolicy, guardians: tuple[tuple[str, str], ...]) -> list[str]:
    """The ids of the guardians whose signature a minor's consent needs."""
    sole = [guardian_id for guardian_id, custody in guardians if custody == "sole"]
    if sole:
        return sole
    if policy.joint_custody_requires_every_guardian:
        return [guardian_id for guardian_id, _ in guardians]
    return [guardian_id for guardian_id, _ in guardians[:1]]


@dataclass(frozen=True)
class ConsentState:
    """A consent folded from its facts for one (at, known_at)."""

    consent_id: str
    case_id: str | None
    granted: Fact
    scope: Scope
    givers: frozenset[Giver]
    maturity_assessment: Mapping[str, Any] | None
    requirement: Requirement
    valid_from: datetime
    valid_until: datetime | None
    revoked: Fact | None  # the full revocation in effect at `at`
    partially_revoked: bool
    annulled: Fact | None
    lapses_at: datetime | None
    narrowed_at: datetime | None = None  # when the last partial revocation in effect took effect

    @property
    def registered_by(self) -> str:
        return self.granted.actor_id

    def status(self, at: datetime) -> str:
        if self.annulled is not None:
            return "annulled"
        if self.revoked is not None:
            return "revoked"
        if self.valid_until is not None and at > self.valid_until:
            return "expired"
        if self.lapses_at is not None and at >= self.lapses_at:
            return "lapsed"
        if self.requirement.missing:
            return "pending"
        if self.partially_revoked:
            return "partially_revoked"
        return "active"


def fold(
    consent_id: str,
    facts: Sequence[Fact],
    *,
    at: datetime,
    known_at: datetime,
    birth_date: date,
    guardians: Sequence[Guardian],
    policy: ConsentPolicy,
    memo: FoldMemo | None = None,
) -> ConsentState | None:
    """The consent at `at` as known at `known_at`; None if the ledger did not know it yet.

    The result depends on (at, known_at) only through which facts are in effect and which
    guardians were current when it was obtained, so it is memoised on exactly that in `memo`,
    the youth's own (Youth.folds): repeated checks at "now" reuse it until a new event changes
    the signature, and it leaves memory with the youth's aggregate when the cache evicts that."""
    known = [f for f in facts if f.recorded_at <= known_at]
    if not known or known[0].kind != GRANTED:
        return None
    grant = known[0]
    current = [g for g in guardians if g.active(grant.effective_at, known_at)]
    # One flat tuple, so that a cached state costs few objects (each one brings the next garbage
    # collection, a pause inside some decision, nearer).
    signature = (
        consent_id,
        # Erasure replaces the facts (same versions, personal data gone): the grant's identity
        # tells them apart, and the cached state holds that object, so its id is never reused.
        id(grant),
        birth_date,
        policy,
        *(f.version for f in known[1:] if f.kind == ANNULLED or f.effective_at <= at),
        None,  # the versions in effect above, the current guardians below
        *(x for g in current for x in (g.guardian_id, g.custody)),
    )
    # A few signatures per consent: erasure gives the youth fresh facts (new ids, so new
    # signatures), and a process-wide table outlived the youths it held: the soak in tests/faults
    # saw it keep evicted youths' facts until memory had grown by a third.
    states = memo.get(consent_id) if memo is not None else None
    cached = states.get(signature) if states is not None else None
    if cached is None:
        custody = tuple((g.guardian_id, g.custody) for g in current)
        cached = _fold(consent_id, known, at, birth_date, custody, policy)
        if memo is not None:
            if states is None:
                states = memo.setdefault(consent_id, {})
            elif len(states) >= _FOLDS_PER_CONSENT:
                states.clear()  # mostly superseded states; the current one comes back at once
            states[signature] = cached
    return cached


_FOLDS_PER_CONSENT = 2  # signatures of one consent: the view now, and one other
FoldMemo = dict[str, dict[tuple[object, ...], ConsentState]]  # by consent id, then signature


def _fold(
    consent_id: str,
    known: Sequence[Fact],
    at: datetime,
    birth_date: date,
    custody: tuple[tuple[str, str], ...],  # (guardian_id, custody) of the guardians then current
    policy: ConsentPolicy,
) -> ConsentState:
    grant = known[0]
    data = grant.data
    obtained_at = grant.effective_at
    givers = grant.givers
    assessment = data.get("maturity_assessment")
    scope = grant.scope
    revoked: Fact | None = None
    partially = False
    narrowed_at: datetime | None = None
    annulled: Fact | None = None
    changes = sorted(
        (f for f in known[1:] if f.kind in (EXTENDED, PARTIALLY_REVOKED) and f.effective_at <= at),
        key=lambda f: (f.effective_at, f.version),
    )
    for fact in changes:
        if fact.kind == EXTENDED:
            scope = scope.widened(fact.data["add"])
        else:
            scope = scope.narrowed(fact.data["remove"])
            partially = True
            narrowed_at = fact.effective_at
    for fact in known[1:]:
        if fact.kind in (SIGNED, EXTENDED) and fact.effective_at <= at:
            givers |= fact.givers
            if fact.kind == SIGNED:  # a later assessment supersedes an earlier one
                assessment = fact.data.get("maturity_assessment") or assessment
        elif fact.kind == REVOKED and fact.effective_at <= at and revoked is None:
            revoked = fact
        elif fact.kind == ANNULLED and annulled is None:
            annulled = fact

    age = age_on(birth_date, obtained_at)
    req = _requirement(policy, age, custody, givers, assessment_outcome(assessment))
    lapses_at = None
    if req.rests_on_guardians:
        lapses_at = turns(birth_date, policy.adult_age)
        if policy.guardian_consent_renewal_at_own_consent_age and age < policy.own_consent_age:
            lapses_at = turns(birth_date, policy.own_consent_age)
    return ConsentState(
        consent_id=consent_id,
        case_id=data.get("case_id"),
        granted=grant,
        scope=scope,
        givers=givers,
        maturity_assessment=assessment,
        requirement=req,
        valid_from=data["valid_from"],
        valid_until=data.get("valid_until"),
        revoked=revoked,
        partially_revoked=partially,
        annulled=annulled,
        lapses_at=lapses_at,
        narrowed_at=narrowed_at,
    )

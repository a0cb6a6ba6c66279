"""The decision: may agency X share category Y about youth Z with agency W, at `at`, as the ledger
knew it at `known_at`? Pure functions over the youth's facts; every answer says why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from ledger.catalogue import Provision
from ledger.consent import NOT_MATURE, ConsentState, Fact, Guardian, fold
from ledger.policy import ConsentPolicy
from ledger.timeutil import age_on, iso
from ledger.youth import Case

CONSENT_COVERS = "CONSENT_COVERS"
NO_CONSENT = "NO_CONSENT"
CONSENT_PENDING = "CONSENT_PENDING"
CONSENT_NOT_YET_VALID = "CONSENT_NOT_YET_VALID"
CONSENT_EXPIRED = "CONSENT_EXPIRED"
CONSENT_REVOKED = "CONSENT_REVOKED"
CATEGORY_NOT_COVERED = "CATEGORY_NOT_COVERED"
RECIPIENT_NOT_COVERED = "RECIPIENT_NOT_COVERED"
DIRECTION_NOT_COVERED = "DIRECTION_NOT_COVERED"
PURPOSE_NOT_COVERED = "PURPOSE_NOT_COVERED"
SITUATION_NOT_COVERED = "SITUATION_NOT_COVERED"
GUARDIAN_CONSENT_LAPSED_AT_18 = "GUARDIAN_CONSENT_LAPSED_AT_18"
CASE_CLOSED = "CASE_CLOSED"
CONSENT_ANNULLED = "CONSENT_ANNULLED"
STATUTORY_BASIS = "STATUTORY_BASIS"
PROVISION_CONDITIONS_NOT_MET = "PROVISION_CONDITIONS_NOT_MET"
# Version 1.1 (issue 12, item 1): the request does not say what the consent limits.
PURPOSE_NOT_STATED = "PURPOSE_NOT_STATED"
SITUATION_NOT_STATED = "SITUATION_NOT_STATED"
# Issue 12, item 6: information about someone else does not ride on the youth's consent.
THIRD_PARTY_NOT_STATED = "THIRD_PARTY_NOT_STATED"
THIRD_PARTY_CONSENT_MISSING = "THIRD_PARTY_CONSENT_MISSING"
# A notice, not a refusal: the decision rests on a consent of a SIG case whose social services ↔
# police consent has gone (seed 004, "Avsluta"); the caller learns the intervention must end.
SIG_POLICE_CONSENT_LOST = "SIG_POLICE_CONSENT_LOST"


class History(Protocol):
    """What the rules read of a youth: the Youth aggregate satisfies it."""

    @property
    def birth_date(self) -> date: ...
    @property
    def consents(self) -> Mapping[str, Sequence[Fact]]: ...
    @property
    def guardians(self) -> Mapping[str, Guardian]: ...
    @property
    def cases(self) -> Mapping[str, Case]: ...


@dataclass(frozen=True)
class Question:
    from_agency: str
    to_agency: str
    category: str
    at: datetime
    known_at: datetime
    purpose: str | None = None
    situation: str | None = None
    concerns_others: bool | None = None  # None: the request does not say
    others_consent: Mapping[str, Any] | None = None  # the other person's consent, as documented
    usually_concerns_others: bool = False  # the catalogue marks the category so


def others_consent_documented(raw: Mapping[str, Any] | None) -> bool:
    """The other person's consent as a disclosure documents it: who gave it, how and when."""
    return raw is not None and all(raw.get(k) for k in ("who", "method", "obtained_at"))


def third_party_reasons(q: Question) -> list[Reason]:
    """Seed 004: "Det finns emellertid inga krav på att den enskilde behöver lämna information om
    andra individer"; OSL 12 kap.: the youth (or a guardian) waives secrecy only for the youth.
    Information that also concerns another person needs that person's consent, so a consent-based
    request about a category that usually concerns others must say whether it does, and one that
    does needs the other's consent documented. (A statutory basis lifts secrecy by itself.)"""
    if q.concerns_others is None and q.usually_concerns_others:
        return [
            Reason(
                THIRD_PARTY_NOT_STATED,
                f"{q.category} usually concerns others too: say whether it does "
                "(concerns_others); the youth's consent covers only the youth",
            )
        ]
    if q.concerns_others and not others_consent_documented(q.others_consent):
        return [
            Reason(
                THIRD_PARTY_CONSENT_MISSING,
                "the information concerns someone else, whose consent is not documented "
                "(others_consent: who, method, obtained_at); the youth's consent covers only "
                "the youth",
            )
        ]
    return []


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    consent_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.consent_id is not None:
            body["consent_id"] = self.consent_id
        return body


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: str | None  # "consent" | "statutory" | None
    consent_ids: tuple[str, ...]
    reasons: tuple[Reason, ...]
    at: datetime
    known_at: datetime
    provision: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "allowed": self.allowed,
            "basis": self.basis,
            "consent_ids": list(self.consent_ids),
            "reasons": [r.to_json() for r in self.reasons],
            "at": iso(self.at),
            "known_at": iso(self.known_at),
        }
        if self.provision is not None:
            body["provision"] = self.provision
        return body

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def noting(self, notices: Sequence[Reason]) -> Decision:
        """The same answer with notices added: they tell, they do not refuse."""
        return replace(self, reasons=tuple(dict.fromkeys((*self.reasons, *notices))))


def consents_as_of(
    history: History, *, at: datetime, known_at: datetime, policy: ConsentPolicy
) -> list[ConsentState]:
    guardians = list(history.guardians.values())
    memo = getattr(history, "folds", None)  # a Youth's memo of folded states (consent.fold)
    states = (
        fold(
            consent_id,
            facts,
            at=at,
            known_at=known_at,
            birth_date=history.birth_date,
            guardians=guardians,
            policy=policy,
            memo=memo,
        )
        for consent_id, facts in history.consents.items()
    )
    return [s for s in states if s is not None]


def may_share(history: History, question: Question, policy: ConsentPolicy) -> Decision:
    q = question
    states = consents_as_of(history, at=q.at, known_at=q.known_at, policy=policy)
    if not states:
        reason = Reason(NO_CONSENT, "the ledger holds no consent for this youth")
        return Decision(False, None, (), (reason,), q.at, q.known_at)
    covering: list[str] = []
    refusals: list[Reason] = []
    for state in states:
        case = history.cases.get(state.case_id) if state.case_id else None
        reasons = consent_reasons(state, q, case)
        if reasons:
            refusals.extend(reasons)
        else:
            covering.append(state.consent_id)
    others = third_party_reasons(q)
    if covering and others:
        return Decision(False, None, tuple(covering), tuple(others), q.at, q.known_at)
    if covering:
        covers = tuple(
            Reason(CONSENT_COVERS, f"consent {c} covers this disclosure", c) for c in covering
        )
        return Decision(True, "consent", tuple(covering), covers, q.at, q.known_at)
    refusals = others + refusals
    considered = tuple(dict.fromkeys(r.consent_id for r in refusals if r.consent_id))
    return Decision(False, None, considered, tuple(refusals), q.at, q.known_at)


# -- SIG: the intervention rests on a consent between social services and police ---------------
# Seed 004: "För att det ska bli aktuellt att bevilja SIG krävs att individen ger sitt samtycke till
# att sekretessen bryts mellan socialtjänsten och polisen", and "Om samtycket till att sekretessen
# bryts till polisen återtas, avslutas insatsen SIG". A revocation is not the only way that basis
# ends: an expiry, the lapse of a guardians' consent at 18 (SIG runs from 13 to 20) and an
# annulment end it just as well, so each counts as lost, with its cause and since when.
LOST_SAYS = {  # each cause, as the alert and the notice say it
    "revoked": "was revoked",
    "partially_revoked": "no longer covers them (partly revoked)",
    "expired": "has expired",
    "lapsed_at_18": "rested on the guardians and lapsed at 18",
    "annulled": "was annulled as entered in error",
}


HOLDS = ("active", "partially_revoked")


@dataclass(frozen=True)
class LostBasis:
    consent_id: str
    cause: str  # revoked | partially_revoked | expired | lapsed_at_18 | annulled
    since: datetime


@dataclass(frozen=True)
class PoliceBasis:
    """Where a SIG case stands, at one moment, on its social services ↔ police consent."""

    holding: tuple[str, ...]  # consents that cover the pair at that moment
    lost: tuple[LostBasis, ...]  # consents that covered it and no longer do

    @property
    def never_held(self) -> bool:
        """No consent covers the pair and none has been lost: SIG_WITHOUT_POLICE_CONSENT."""
        return not self.holding and not self.lost


def of_case(state: ConsentState, case: Case) -> bool:
    """A consent is the case's when it was registered for it, or for no case of the youth."""
    return state.case_id in (None, case.case_id)


def sig_police_basis(
    case: Case, kinds: Mapping[str, str], states: Iterable[ConsentState], at: datetime
) -> PoliceBasis:
    """The case's consents that cover social services ↔ police at `at`, and those that did and no
    longer do. `kinds` maps the case's agencies to their kinds; `states` are folded for `at`. A
    consent lost before the case was opened, and not registered for it, was never its basis."""
    social = [a for a, k in kinds.items() if k == "social_services"]
    police = [a for a, k in kinds.items() if k == "police"]
    holding: list[str] = []
    lost: list[LostBasis] = []
    for state in states:
        if not of_case(state, case):
            continue
        granted = state.granted.scope.agencies
        pairs = [(s, p) for s in social for p in police if s in granted and p in granted]
        if not pairs:
            continue
        covers_pair = any(state.scope.involves_pair(s, p) for s, p in pairs)
        loss = _loss(state, at, covers_pair)
        if loss is None:
            if covers_pair and state.valid_from <= at and state.status(at) in HOLDS:
                holding.append(state.consent_id)
        elif state.case_id == case.case_id or loss.since >= case.opened.effective_at:
            lost.append(loss)
    return PoliceBasis(tuple(holding), tuple(lost))


def sig_notices(
    case: Case, basis: PoliceBasis, states: Mapping[str, ConsentState], consent_ids: Iterable[str]
) -> list[Reason]:
    """SIG_POLICE_CONSENT_LOST for each of the decision's consents that is the case's, while the
    case is open after its social services ↔ police basis went."""
    if not basis.lost:
        return []
    says = "; ".join(f"consent {lost.consent_id} {LOST_SAYS[lost.cause]}" for lost in basis.lost)
    return [
        Reason(
            SIG_POLICE_CONSENT_LOST,
            f"consent {cid} belongs to SIG case {case.case_id}, whose basis between social "
            f"services and police has ended ({says}): the intervention must end",
            cid,
        )
        for cid in consent_ids
        if cid in states and of_case(states[cid], case)
    ]


def _loss(state: ConsentState, at: datetime, covers_pair: bool) -> LostBasis | None:
    cid = state.consent_id
    if state.annulled is not None:
        return LostBasis(cid, "annulled", state.annulled.effective_at)
    if state.revoked is not None:
        return LostBasis(cid, "revoked", state.revoked.effective_at)
    if not covers_pair:
        return LostBasis(cid, "partially_revoked", state.narrowed_at or state.valid_from)
    if state.requirement.missing:
        return None  # still pending: it never held, so it cannot have been lost
    if state.valid_until is not None and at > state.valid_until:
        return LostBasis(cid, "expired", state.valid_until)
    if state.lapses_at is not None and at >= state.lapses_at:
        return LostBasis(cid, "lapsed_at_18", state.lapses_at)
    return None


def consent_reasons(state: ConsentState, q: Question, case: Case | None) -> list[Reason]:
    """Every reason this consent does not cover the question; empty when it covers it."""
    cid = state.consent_id
    out: list[Reason] = []

    def add(code: str, message: str) -> None:
        out.append(Reason(code, f"consent {cid}: {message}", cid))

    if state.annulled is not None:
        add(CONSENT_ANNULLED, "annulled as entered in error; it never held")
    if q.at < state.valid_from:
        add(CONSENT_NOT_YET_VALID, f"valid only from {iso(state.valid_from)}")
    if state.valid_until is not None and q.at > state.valid_until:
        add(CONSENT_EXPIRED, f"expired at {iso(state.valid_until)}")
    if state.revoked is not None:
        add(CONSENT_REVOKED, f"revoked with effect from {iso(state.revoked.effective_at)}")
    if state.requirement.missing:
        add(CONSENT_PENDING, _describe_pending(state))
    if state.lapses_at is not None and q.at >= state.lapses_at:
        add(
            GUARDIAN_CONSENT_LAPSED_AT_18,
            f"rested on the guardians and lapsed at {iso(state.lapses_at)}; the youth must consent",
        )
    if case is not None and case.closed_at(q.at, q.known_at) is not None:
        add(CASE_CLOSED, f"its case {case.case_id} is closed")
    scope = state.scope
    if q.to_agency not in scope.agencies:
        add(RECIPIENT_NOT_COVERED, f"{q.to_agency} is not a recipient")
    elif not scope.covers_direction(q.from_agency, q.to_agency):
        add(DIRECTION_NOT_COVERED, f"does not cover {q.from_agency} → {q.to_agency}")
    if q.category not in scope.categories:
        add(CATEGORY_NOT_COVERED, f"does not cover the category {q.category}")
    # A consent covers only the purposes and situations it names (seeds 000/002/003: the youth is
    # told "varför uppgifter behöver delas … i vilka situationer uppgifterna kommer att lämnas ut
    # och till vilka verksamheter"). What a request leaves out does not widen it: a request that
    # names no purpose or situation is not covered by a consent that limits them (issue 12, 1),
    # and a consent that names none covers none (issue 12, 2).
    stated_code = {"purpose": PURPOSE_NOT_STATED, "situation": SITUATION_NOT_STATED}
    for code, stated, what, covered in (
        (PURPOSE_NOT_COVERED, q.purpose, "purpose", scope.covered_purposes()),
        (SITUATION_NOT_COVERED, q.situation, "situation", scope.covered_situations()),
    ):
        if not covered:
            add(code, f"names no {what}, so it covers none: a consent must say which ({what}s)")
        elif stated is None:
            listed = ", ".join(covered)
            add(stated_code[what], f"the request states no {what}; it covers only: {listed}")
        elif stated not in covered:
            add(code, f"does not cover the {what} {stated} (only {', '.join(covered)})")
    return out


def _describe_pending(state: ConsentState) -> str:
    said = "waiting for " + _describe_missing(state.requirement.missing)
    assessment = state.maturity_assessment
    if assessment is not None and assessment.get("outcome") == NOT_MATURE:
        by, when = assessment.get("assessed_by"), assessment.get("assessed_at")
        when_text = iso(when) if isinstance(when, datetime) else str(when)
        said += (
            f": the maturity assessment by {by} on {when_text} found the youth not mature, "
            "so the youth's consent does not stand in for the guardians'"
        )
    return said


def _describe_missing(missing: Sequence[Mapping[str, Any]]) -> str:
    parts = []
    for m in missing:
        if m["kind"] == "maturity_assessment":
            parts.append("a maturity assessment")
        elif m["party"] == "youth":
            parts.append("the youth's consent")
        elif m.get("guardian_id"):
            parts.append(f"guardian {m['guardian_id']}'s consent")
        else:
            parts.append("a guardian's consent")
    return ", ".join(parts)


def statutory_decision(
    provision: Provision,
    *,
    from_kind: str,
    to_kind: str,
    birth_date: date,
    note: str | None,
    at: datetime,
    known_at: datetime,
    purpose: str | None = None,
) -> Decision:
    """A statutory basis judged by its catalogue entry (ledger/data/catalogue.json), which holds
    the provision's conditions and legal reference."""
    age = age_on(birth_date, at)
    failed = provision.conditions_failed(
        from_kind=from_kind, to_kind=to_kind, age=age, note=note, purpose=purpose
    )
    if failed:
        reasons = tuple(Reason(PROVISION_CONDITIONS_NOT_MET, m) for m in failed)
        return Decision(False, None, (), reasons, at, known_at, provision.id)
    reason = Reason(STATUTORY_BASIS, f"disclosed under {provision.id}: {provision.label_en}")
    return Decision(True, "statutory", (), (reason,), at, known_at, provision.id)


def combine(decisions: Sequence[Decision]) -> Decision:
    """One decision for a disclosure to several recipients of several categories: allowed only if
    every part is allowed; all reasons kept."""
    first = decisions[0]
    allowed = all(d.allowed for d in decisions)
    reasons = tuple(dict.fromkeys(r for d in decisions for r in d.reasons))
    ids = tuple(dict.fromkeys(c for d in decisions for c in d.consent_ids))
    return Decision(
        allowed,
        first.basis if allowed else None,
        ids,
        reasons,
        first.at,
        first.known_at,
        first.provision,
    )

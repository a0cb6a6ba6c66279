"""The Youth aggregate: one stream per youth holding the youth's registration, guardians, cases,
consents and disclosures, so that a disclosure and the consents it relied on are version-checked
together. Event bodies only apply facts; every check is in a command method, and time comes in."""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.actor import Actor
from ledger.consent import (
    ANNULLED,
    EXTENDED,
    GRANTED,
    PARTIALLY_REVOKED,
    REVOKED,
    SIGNED,
    Fact,
    FoldMemo,
    Guardian,
)
from ledger.errors import Conflict, Invalid, NotFound
from ledger.intervention import InterventionConsent
from ledger.meeting import Meeting
from ledger.personal import ERASED, Personal, erase_all
from ledger.secrecy import SecrecyDecision
from ledger.timeutil import iso, turns

# Föräldrabalken 6 kap. 2 §: custody lasts until the child turns 18; no custody begins later.
CUSTODY_ENDS_AT_AGE = 18
# Why a case ends (seed 004, "Avsluta": "Om samtycket till att sekretessen bryts till polisen
# återtas, avslutas insatsen SIG"; the intervention also ends when the person withdraws consent to
# it, when its goals are met, or when the person moves away), with the text for the rest.
CLOSE_REASONS = ("consent_withdrawn", "police_consent_lost", "goals_met", "moved", "other")


@dataclass(frozen=True)
class Case:
    case_id: str
    form: str  # SIG | SSPF
    agencies: tuple[str, ...]
    coordinator_actor_id: str | None
    opened: Fact
    closed: Fact | None = None

    def closed_at(self, at: datetime, known_at: datetime) -> Fact | None:
        c = self.closed
        return c if c is not None and c.recorded_at <= known_at and c.effective_at <= at else None


@dataclass(frozen=True)
class Disclosure:
    disclosure_id: str
    accepted: bool
    fact: (
        Fact  # data: from_agency, to_agencies, categories, purpose, situation, basis, decision, ...
    )

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.fact.data)

    def summary(self) -> dict[str, Any]:
        """Who disclosed what to whom, when: what every view of a disclosure shows."""
        data = self.fact.data
        return {
            "id": self.disclosure_id,
            "from_agency": data["from_agency"],
            "to_agencies": list(data["to_agencies"]),
            "categories": list(data["categories"]),
            "purpose": data["purpose"],
            "situation": data.get("situation"),
            "channel": data.get("channel"),
            "meeting_id": data.get("meeting_id"),
            "occurred_at": iso(self.fact.effective_at),
            "recorded_at": iso(self.fact.recorded_at),
            "retrospective": bool(data.get("retrospective")),
            # Whether it concerned others, and how their consent was obtained; who they are stays
            # out of every view (they are not party to the youth's record). None: not recorded.
            "concerns_others": data.get("concerns_others"),
            "others_consent": _others_consent(data.get("others_consent")),
        }


def _others_consent(raw: Any) -> dict[str, Any] | None:
    if not raw:
        return None
    obtained_at = raw.get("obtained_at")
    return {
        "method": raw.get("method"),
        "obtained_at": iso(obtained_at) if isinstance(obtained_at, datetime) else obtained_at,
    }


class Youth(Aggregate):
    """Event bodies replace the containers they change instead of mutating them: the aggregate
    cache fast-forwards a shared Youth in place while other request threads read or copy it,
    and they must always see whole containers (a copy taken mid-way only fails its version
    check and is retried)."""

    class Event(Aggregate.Event):
        actor_id: str
        agency_id: str

        def fact(self, kind: str, effective_at: datetime | None, data: dict[str, Any]) -> Fact:
            return Fact(
                kind=kind,
                version=self.originator_version,
                recorded_at=self.timestamp,
                effective_at=effective_at or self.timestamp,
                actor_id=self.actor_id,
                agency_id=self.agency_id,
                data=data,
            )

    class Registered(Aggregate.Created, Event):
        personal_number: Personal
        birth_date: date
        name: Personal | None

        def apply(self, youth: Youth) -> None:
            youth.registered_by = self.agency_id

    class GuardianAdded(Event):
        guardian_id: str
        name: Personal
        personal_number: Personal | None
        custody: str
        effective_at: datetime

        def apply(self, youth: Youth) -> None:
            fact = self.fact("guardian_added", self.effective_at, {"custody": self.custody})
            guardian = Guardian(self.guardian_id, self.custody, fact)
            youth.guardians = {**youth.guardians, self.guardian_id: guardian}
            youth.guardian_names = {**youth.guardian_names, self.guardian_id: self.name}

    class GuardianEnded(Event):
        guardian_id: str
        reason: Personal
        effective_at: datetime

        def apply(self, youth: Youth) -> None:
            fact = self.fact("guardian_ended", self.effective_at, {"reason": self.reason})
            ended = replace(youth.guardians[self.guardian_id], ended=fact)
            youth.guardians = {**youth.guardians, self.guardian_id: ended}

    class CaseOpened(Event):
        case_id: str
        form: str
        agencies: list[str]
        coordinator_actor_id: str | None

        def apply(self, youth: Youth) -> None:
            fact = self.fact("case_opened", None, {})
            case = Case(
                self.case_id, self.form, tuple(self.agencies), self.coordinator_actor_id, fact
            )
            youth.cases = {**youth.cases, self.case_id: case}

    class CaseClosed(Event):
        case_id: str
        reason: Personal
        effective_at: datetime
        reason_code: str | None = None  # CLOSE_REASONS; None on cases closed before version 1.1
        answers: Sequence[dict[str, Any]] = ()  # the case's alerts when it was closed

        def apply(self, youth: Youth) -> None:
            data = {"reason": self.reason, "reason_code": self.reason_code, "answers": self.answers}
            fact = self.fact("case_closed", self.effective_at, data)
            closed = replace(youth.cases[self.case_id], closed=fact)
            youth.cases = {**youth.cases, self.case_id: closed}

    class MeetingRecorded(Event):
        """A network meeting of a case (ledger/meeting.py). `effective_at` is when it was held,
        `agencies` the agencies present (the names the audit index reads)."""

        meeting_id: str
        case_id: str
        effective_at: datetime
        agencies: list[str]
        body: dict[str, Any]

        def apply(self, youth: Youth) -> None:
            fact = self.fact("meeting", self.effective_at, self.body)
            meeting = Meeting(self.meeting_id, self.case_id, tuple(self.agencies), fact)
            youth.meetings = {**youth.meetings, self.meeting_id: meeting}

    class InterventionConsentGiven(Event):
        """The consent to the intervention of a case (ledger/intervention.py), not to sharing."""

        case_id: str
        effective_at: datetime
        body: dict[str, Any]

        def apply(self, youth: Youth) -> None:
            fact = self.fact("intervention_consent_given", self.effective_at, self.body)
            given = InterventionConsent(self.case_id, fact)
            held = youth.interventions.get(self.case_id, ())
            youth.interventions = {**youth.interventions, self.case_id: (*held, given)}

    class InterventionConsentWithdrawn(Event):
        case_id: str
        effective_at: datetime
        body: dict[str, Any]

        def apply(self, youth: Youth) -> None:
            fact = self.fact("intervention_consent_withdrawn", self.effective_at, self.body)
            *before, last = youth.interventions[self.case_id]
            withdrawn = (*before, replace(last, withdrawn=fact))
            youth.interventions = {**youth.interventions, self.case_id: withdrawn}

    class SecrecyDecided(Event):
        """An item withheld from the youth or the guardians (ledger/secrecy.py)."""

        decision_id: str
        effective_at: datetime
        body: dict[str, Any]

        def apply(self, youth: Youth) -> None:
            fact = self.fact("secrecy_decided", self.effective_at, self.body)
            decision = SecrecyDecision(self.decision_id, fact)
            youth.secrecy = {**youth.secrecy, self.decision_id: decision}

    class SecrecyReleased(Event):
        decision_id: str
        effective_at: datetime
        body: dict[str, Any]

        def apply(self, youth: Youth) -> None:
            fact = self.fact("secrecy_released", self.effective_at, self.body)
            released = replace(youth.secrecy[self.decision_id], released=fact)
            youth.secrecy = {**youth.secrecy, self.decision_id: released}

    class ConsentEvent(Event):
        consent_id: str
        body: dict[str, Any]

        kind = ""

        def effective_at(self) -> datetime | None:
            value = self.body.get("obtained_at") or self.body.get("effective_at")
            return value if isinstance(value, datetime) else None

        def apply(self, youth: Youth) -> None:
            fact = self.fact(self.kind, self.effective_at(), self.body).parsed()
            facts = [*youth.consents.get(self.consent_id, ()), fact]
            youth.consents = {**youth.consents, self.consent_id: facts}

    class ConsentGranted(ConsentEvent):
        kind = GRANTED

    class ConsentSigned(ConsentEvent):
        kind = SIGNED

    class ConsentExtended(ConsentEvent):
        kind = EXTENDED

    class ConsentRevoked(ConsentEvent):
        kind = REVOKED

    class ConsentPartiallyRevoked(ConsentEvent):
        kind = PARTIALLY_REVOKED

    class ConsentAnnulled(ConsentEvent):
        kind = ANNULLED

    class DisclosureEvent(Event):
        disclosure_id: str
        body: dict[str, Any]

        accepted = True

        def apply(self, youth: Youth) -> None:
            occurred = self.body.get("occurred_at")
            fact = self.fact(
                "disclosure", occurred if isinstance(occurred, datetime) else None, self.body
            )
            disclosure = Disclosure(self.disclosure_id, self.accepted, fact)
            youth.disclosures = {**youth.disclosures, self.disclosure_id: disclosure}

    class DisclosureRecorded(DisclosureEvent):
        accepted = True

    class DisclosureRefused(DisclosureEvent):
        accepted = False

    class PersonalNumberCorrected(Event):
        """A registry correction, or a coordination number replaced by a personal number: the
        same youth, found from now on by the new number only."""

        personal_number: Personal
        reason: Personal

        def apply(self, youth: Youth) -> None:
            youth.personal_number = self.personal_number

    class RegistrationAttempted(Event):
        """An agency that does not take part in the youth tried to register the youth's number
        and was told the youth is registered (the contract's 409): it now knows that the youth
        is known here, and the youth's coordinators are told so."""

        def apply(self, youth: Youth) -> None:
            youth.registration_attempts = (
                *youth.registration_attempts,
                self.fact("registration_attempted", None, {}),
            )

    class Erased(Event):
        reason: str
        # An erasure before the disposal date (ledger/retention.py): who approved it, and the
        # date it came before. Defaulted, so that erasures stored before issue 14 read as before.
        approved_by: str | None = None
        disposal_date: str | None = None

        def apply(self, youth: Youth) -> None:
            # What the process already decrypted goes too, so that the aggregate cache agrees
            # with a replay after the key is destroyed.
            youth.erased = self.fact(
                "erased",
                None,
                {
                    "reason": self.reason,
                    "approved_by": self.approved_by,
                    "disposal_date": self.disposal_date,
                },
            )
            youth.personal_number = ERASED
            youth.name = ERASED if youth.name is not None else None
            youth.guardian_names = dict.fromkeys(youth.guardian_names, ERASED)
            youth.consents = {c: [_erased(f) for f in facts] for c, facts in youth.consents.items()}
            youth.guardians = {
                g: replace(x, added=_erased(x.added), ended=x.ended and _erased(x.ended))
                for g, x in youth.guardians.items()
            }
            youth.cases = {
                c: replace(x, closed=x.closed and _erased(x.closed)) for c, x in youth.cases.items()
            }
            youth.disclosures = {
                d: replace(x, fact=_erased(x.fact)) for d, x in youth.disclosures.items()
            }
            youth.meetings = {
                m: replace(x, fact=_erased(x.fact)) for m, x in youth.meetings.items()
            }
            youth.secrecy = {
                d: replace(
                    x, decided=_erased(x.decided), released=x.released and _erased(x.released)
                )
                for d, x in youth.secrecy.items()
            }
            youth.interventions = {
                c: tuple(
                    replace(
                        x, given=_erased(x.given), withdrawn=x.withdrawn and _erased(x.withdrawn)
                    )
                    for x in held
                )
                for c, held in youth.interventions.items()
            }

    def __init__(self, personal_number: Personal, birth_date: date, name: Personal | None) -> None:
        self.personal_number = personal_number
        self.birth_date = birth_date
        self.name = name
        self.guardians: dict[str, Guardian] = {}
        self.guardian_names: dict[str, Personal] = {}
        self.cases: dict[str, Case] = {}
        self.consents: dict[str, list[Fact]] = {}
        self.disclosures: dict[str, Disclosure] = {}
        self.meetings: dict[str, Meeting] = {}
        self.secrecy: dict[str, SecrecyDecision] = {}
        # by case, the latest last
        self.interventions: dict[str, tuple[InterventionConsent, ...]] = {}
        self.erased: Fact | None = None
        self.registered_by = ""  # the agency that registered the youth (set by Registered)
        self.registration_attempts: tuple[Fact, ...] = ()
        self.folds: FoldMemo = {}  # consent states folded for decisions (consent.fold), a memo

    def __deepcopy__(self, memo: dict[int, Any]) -> Youth:
        """A copy for a command, without the memo of folded states: it is rebuilt on use, and
        copying it would cost every write as much again as the facts themselves."""
        copy = self.__class__.__new__(self.__class__)
        memo[id(self)] = copy
        for name, value in self.__dict__.items():
            setattr(copy, name, {} if name == "folds" else deepcopy(value, memo))
        return copy

    # -- commands -------------------------------------------------------------------------
    @classmethod
    def register(
        cls,
        *,
        youth_id: UUID,
        personal_number: Personal,
        birth_date: date,
        name: Personal | None,
        actor: Actor,
        now: datetime,
    ) -> Youth:
        return cls._create(
            cls.Registered,
            id=youth_id,
            personal_number=personal_number,
            birth_date=birth_date,
            name=name,
            actor_id=actor.actor_id,
            agency_id=actor.agency_id,
            timestamp=now,
        )

    def _trigger(
        self, event_class: type[Youth.Event], actor: Actor, now: datetime, **kw: Any
    ) -> None:
        self.trigger_event(
            event_class, actor_id=actor.actor_id, agency_id=actor.agency_id, timestamp=now, **kw
        )

    def correct_personal_number(
        self, *, personal_number: Personal, reason: Personal, actor: Actor, now: datetime
    ) -> None:
        self._trigger(
            self.PersonalNumberCorrected,
            actor,
            now,
            personal_number=personal_number,
            reason=reason,
        )

    def add_guardian(
        self,
        *,
        guardian_id: str,
        name: Personal,
        personal_number: Personal | None,
        custody: str,
        effective_at: datetime,
        actor: Actor,
        now: datetime,
    ) -> None:
        self.check_custody(custody, effective_at)
        self._trigger(
            self.GuardianAdded,
            actor,
            now,
            guardian_id=guardian_id,
            name=name,
            personal_number=personal_number,
            custody=custody,
            effective_at=effective_at,
        )

    def check_custody(self, custody: str, effective_at: datetime) -> None:
        """Records that contradict themselves (issue 12; API.md 1.1): a `sole` guardian has sole
        custody (FB 6 kap. 3 §), so one cannot stand beside another current guardian, nor another
        beside a sole one: end the first one's custody first. Custody ends at 18 (FB 6 kap. 2 §),
        so a guardian whose custody would begin on or after the 18th birthday is no guardian; one
        registered while the youth was a minor stays in the history and lapses at 18."""
        if effective_at >= turns(self.birth_date, CUSTODY_ENDS_AT_AGE):
            raise Invalid.field(
                "effective_at", "is on or after the youth's 18th birthday, when custody ends"
            )
        current = [
            g
            for g in self.guardians.values()
            if g.ended is None or g.ended.effective_at > effective_at
        ]
        if current and (custody == "sole" or any(g.custody == "sole" for g in current)):
            raise Invalid.field(
                "custody",
                "a sole guardian cannot stand beside another current guardian: end the first "
                "one's custody first",
            )

    def end_guardian(
        self,
        *,
        guardian_id: str,
        reason: Personal,
        effective_at: datetime,
        actor: Actor,
        now: datetime,
    ) -> None:
        guardian = self.guardian(guardian_id)
        if guardian.ended is not None:
            raise Conflict("the guardian has already been ended")
        if effective_at < guardian.added.effective_at:
            raise Invalid.field("effective_at", "is before the guardian was added")
        self._trigger(
            self.GuardianEnded,
            actor,
            now,
            guardian_id=guardian_id,
            reason=reason,
            effective_at=effective_at,
        )

    def open_case(
        self,
        *,
        case_id: str,
        form: str,
        agencies: list[str],
        coordinator_actor_id: str | None,
        actor: Actor,
        now: datetime,
    ) -> None:
        self._trigger(
            self.CaseOpened,
            actor,
            now,
            case_id=case_id,
            form=form,
            agencies=agencies,
            coordinator_actor_id=coordinator_actor_id,
        )

    def close_case(
        self,
        *,
        case_id: str,
        reason: Personal,
        reason_code: str | None,
        answers: Sequence[dict[str, Any]],
        effective_at: datetime,
        actor: Actor,
        now: datetime,
    ) -> None:
        case = self.case(case_id)
        if case.closed is not None:
            raise Conflict("the case is already closed")
        if reason_code is not None and reason_code not in CLOSE_REASONS:
            raise Invalid.field("reason_code", f"must be one of {', '.join(CLOSE_REASONS)}")
        self._trigger(
            self.CaseClosed,
            actor,
            now,
            case_id=case_id,
            reason=reason,
            reason_code=reason_code,
            answers=list(answers),
            effective_at=effective_at,
        )

    def record_meeting(
        self,
        *,
        meeting_id: str,
        case_id: str,
        held_at: datetime,
        agencies: list[str],
        body: dict[str, Any],
        actor: Actor,
        now: datetime,
    ) -> None:
        case = self.case(case_id)
        outside = [a for a in agencies if a not in case.agencies]
        if outside:
            raise Invalid.field("agencies", f"not agencies of the case: {', '.join(outside)}")
        absent = [g for g in body.get("guardians_present") or () if g not in self.guardians]
        if absent:
            raise Invalid.field("guardians_present", "names someone who is not a guardian")
        unknown = [c for c in body.get("consent_ids") or () if c not in self.consents]
        if unknown:
            raise Invalid.field("consent_ids", "names a consent that is not the youth's")
        self._trigger(
            self.MeetingRecorded,
            actor,
            now,
            meeting_id=meeting_id,
            case_id=case_id,
            effective_at=held_at,
            agencies=agencies,
            body=body,
        )

    def give_intervention_consent(
        self,
        *,
        case_id: str,
        effective_at: datetime,
        body: dict[str, Any],
        actor: Actor,
        now: datetime,
    ) -> None:
        self.case(case_id)
        held = self.intervention(case_id)
        if held is not None and held.withdrawn is None:
            raise Conflict("the case already holds a consent to the intervention")
        self._trigger(
            self.InterventionConsentGiven,
            actor,
            now,
            case_id=case_id,
            effective_at=effective_at,
            body=body,
        )

    def withdraw_intervention_consent(
        self,
        *,
        case_id: str,
        effective_at: datetime,
        body: dict[str, Any],
        actor: Actor,
        now: datetime,
    ) -> None:
        held = self.intervention(case_id)
        if held is None or held.withdrawn is not None:
            raise Conflict("the case holds no consent to the intervention in effect")
        if effective_at < held.given.effective_at:
            raise Invalid.field("effective_at", "is before the consent was given")
        self._trigger(
            self.InterventionConsentWithdrawn,
            actor,
            now,
            case_id=case_id,
            effective_at=effective_at,
            body=body,
        )

    def decide_secrecy(
        self,
        *,
        decision_id: str,
        effective_at: datetime,
        body: dict[str, Any],
        actor: Actor,
        now: datetime,
    ) -> None:
        kind, item_id = body["item_kind"], body["item_id"]
        known: dict[str, set[str]] = {
            "disclosure": set(self.disclosures),
            "consent": set(self.consents),
            "meeting": set(self.meetings),
        }
        if item_id not in known[kind]:
            raise Invalid.field("item_id", f"is not a {kind} of this youth")
        self._trigger(
            self.SecrecyDecided,
            actor,
            now,
            decision_id=decision_id,
            effective_at=effective_at,
            body=body,
        )

    def release_secrecy(
        self,
        *,
        decision_id: str,
        effective_at: datetime,
        body: dict[str, Any],
        actor: Actor,
        now: datetime,
    ) -> None:
        decision = self.secrecy.get(decision_id)
        if decision is None:
            raise NotFound("no such secrecy decision")
        if decision.released is not None:
            raise Conflict("the item has already been released")
        if effective_at < decision.decided.effective_at:
            raise Invalid.field("effective_at", "is before the decision")
        self._trigger(
            self.SecrecyReleased,
            actor,
            now,
            decision_id=decision_id,
            effective_at=effective_at,
            body=body,
        )

    def record_consent_event(
        self,
        event_class: type[Youth.ConsentEvent],
        *,
        consent_id: str,
        body: dict[str, Any],
        actor: Actor,
        now: datetime,
    ) -> None:
        if event_class is not self.ConsentGranted:
            self.consent_facts(consent_id)
        self._trigger(event_class, actor, now, consent_id=consent_id, body=body)

    def record_disclosure(
        self,
        *,
        disclosure_id: str,
        accepted: bool,
        body: dict[str, Any],
        actor: Actor,
        now: datetime,
    ) -> None:
        event_class = self.DisclosureRecorded if accepted else self.DisclosureRefused
        self._trigger(event_class, actor, now, disclosure_id=disclosure_id, body=body)

    def note_registration_attempt(self, *, actor: Actor, now: datetime) -> None:
        self._trigger(self.RegistrationAttempted, actor, now)

    def erase(
        self,
        *,
        reason: str,
        actor: Actor,
        now: datetime,
        approved_by: str | None = None,
        disposal_date: str | None = None,
    ) -> None:
        if self.erased is not None:
            raise Conflict("the youth's personal data is already erased")
        self._trigger(
            self.Erased,
            actor,
            now,
            reason=reason,
            approved_by=approved_by,
            disposal_date=disposal_date,
        )

    # -- queries --------------------------------------------------------------------------
    def guardian(self, guardian_id: str) -> Guardian:
        try:
            return self.guardians[guardian_id]
        except KeyError:
            raise NotFound("no such guardian for this youth") from None

    def case(self, case_id: str) -> Case:
        try:
            return self.cases[case_id]
        except KeyError:
            raise NotFound("no such case") from None

    def intervention(self, case_id: str) -> InterventionConsent | None:
        """The case's latest consent to the intervention, if any."""
        held = self.interventions.get(case_id, ())
        return held[-1] if held else None

    def meeting(self, meeting_id: str) -> Meeting:
        try:
            return self.meetings[meeting_id]
        except KeyError:
            raise NotFound("no such meeting") from None

    def consent_facts(self, consent_id: str) -> list[Fact]:
        try:
            return self.consents[consent_id]
        except KeyError:
            raise NotFound("no such consent") from None


def _erased(fact: Fact) -> Fact:
    data = erase_all(dict(fact.data))
    assert isinstance(data, dict)
    return replace(fact, data=data)

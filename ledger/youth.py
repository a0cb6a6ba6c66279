"""The Youth aggregate: one stream per youth holding the youth's registration, guardians, cases,
consents and disclosures, so that a disclosure and the consents it relied on are version-checked
together. Event bodies only apply facts; every check is in a command method, and time comes in."""

from __future__ import annotations

from collections.abc import Sequence
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
    Guardian,
)
from ledger.errors import Conflict, Invalid, NotFound
from ledger.personal import ERASED, Personal, erase_all
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

        def apply(self, youth: Youth) -> None:
            # What the process already decrypted goes too, so that the aggregate cache agrees
            # with a replay after the key is destroyed.
            youth.erased = self.fact("erased", None, {"reason": self.reason})
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

    def __init__(self, personal_number: Personal, birth_date: date, name: Personal | None) -> None:
        self.personal_number = personal_number
        self.birth_date = birth_date
        self.name = name
        self.guardians: dict[str, Guardian] = {}
        self.guardian_names: dict[str, Personal] = {}
        self.cases: dict[str, Case] = {}
        self.consents: dict[str, list[Fact]] = {}
        self.disclosures: dict[str, Disclosure] = {}
        self.erased: Fact | None = None
        self.registered_by = ""  # the agency that registered the youth (set by Registered)
        self.registration_attempts: tuple[Fact, ...] = ()

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

    def erase(self, *, reason: str, actor: Actor, now: datetime) -> None:
        if self.erased is not None:
            raise Conflict("the youth's personal data is already erased")
        self._trigger(self.Erased, actor, now, reason=reason)

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

    def consent_facts(self, consent_id: str) -> list[Fact]:
        try:
            return self.consents[consent_id]
        except KeyError:
            raise NotFound("no such consent") from None


def _erased(fact: Fact) -> Fact:
    data = erase_all(dict(fact.data))
    assert isinstance(data, dict)
    return replace(fact, data=data)

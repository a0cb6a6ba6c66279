"""Use cases of the coordinator's register: youths, guardians and cases (SIG / SSPF)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ledger import access
from ledger.access import require_role
from ledger.application import Outcome, Request
from ledger.consent import ConsentState, Fact
from ledger.errors import AlreadyExists, Conflict, Invalid, NotFound
from ledger.identity import InvalidPersonalNumber, PersonalNumber, parse_personal_number
from ledger.intervention import intervention_view
from ledger.personal import Personal, reveal
from ledger.retention import DEFAULT_RETENTION, Disposal, RetentionRules, disposal
from ledger.rules import LOST_SAYS, PoliceBasis, consents_as_of, sig_police_basis
from ledger.timeutil import iso, local_date, start_of_day
from ledger.usecases.registry import RegistryUseCases
from ledger.youth import Case, Youth

FORMS = ("SIG", "SSPF")
CUSTODY = ("joint", "sole")


def formatted_number(item: Personal | None) -> str | None:
    digits = reveal(item)
    return None if digits is None else f"{digits[:8]}-{digits[8:]}"


def registration_alert(fact: Fact) -> dict[str, Any]:
    return {
        "code": "REGISTRATION_ATTEMPTED",
        "message": (
            f"{fact.agency_id} tried to register this youth and was told that the youth is "
            "registered here."
        ),
        "at": iso(fact.recorded_at),
        "agency_id": fact.agency_id,
        "actor_id": fact.actor_id,
    }


def sig_alerts(case: Case, basis: PoliceBasis) -> list[dict[str, Any]]:
    """The alerts of an open SIG case standing on `basis`, as GET /v1/cases and the feed show
    them: SIG_WITHOUT_POLICE_CONSENT until a consent holds, then SIG_POLICE_CONSENT_REVOKED for
    each consent whose social services ↔ police cover has gone (seed 004, "Avsluta")."""
    if basis.never_held:
        return [
            {
                "code": "SIG_WITHOUT_POLICE_CONSENT",
                "message": (
                    "No active consent covers social services and police: SIG may not be "
                    "granted without one (seed 004)."
                ),
                "since": iso(case.opened.effective_at),
                "consent_id": None,
                "cause": None,
            }
        ]
    return [
        {
            "code": "SIG_POLICE_CONSENT_REVOKED",
            "message": (
                f"The consent covering social services and police {LOST_SAYS[lost.cause]}: "
                "the SIG intervention must end (Avsluta)."
            ),
            "since": iso(lost.since),
            "consent_id": lost.consent_id,
            "cause": lost.cause,
        }
        for lost in basis.lost
    ]


class YouthUseCases(RegistryUseCases):
    retention: RetentionRules = DEFAULT_RETENTION  # LEDGER_RETENTION_FILE (issue 14)

    def disposal_of(self, youth: Youth) -> Disposal:
        """When the youth's records are due for disposal (ledger/retention.py)."""

        def kind_of(agency_id: str) -> str | None:
            try:
                return self.agency(agency_id).kind
            except Invalid:
                return None

        return disposal(
            cases=[
                (c.agencies, c.closed.effective_at if c.closed else None)
                for c in youth.cases.values()
            ],
            registered_by=youth.registered_by,
            last_entry=youth.modified_on,
            kind_of=kind_of,
            rules=self.retention,
        )

    def parse_number(self, text: str, field: str) -> PersonalNumber:
        try:
            return parse_personal_number(text, today=local_date(self.now()))
        except InvalidPersonalNumber as e:
            raise Invalid.field(field, str(e)) from None

    def writable_youth(self, request: Request, youth_id: str) -> Youth:
        youth = access.require(request.actor, "youth.write", self.youth(youth_id, for_update=True))
        return self.require_open(youth)

    @staticmethod
    def require_open(youth: Youth) -> Youth:
        if youth.erased is not None:
            raise Conflict("the youth's personal data has been erased; the record is closed")
        return youth

    def number_owner(self, digits: str) -> tuple[str, str | None]:
        """The lookup key of a personal number, and the youth registered with it, if any."""
        key = self.personal_number_key(digits)
        return key, self.database.read(self.database.tables.lookup, key)

    # -- youths --------------------------------------------------------------------------------
    def register_youth(
        self, request: Request, *, personal_number: str, name: str | None
    ) -> tuple[int, Any]:
        require_role(request.actor, "youth.register")

        def command() -> Outcome:
            parsed = self.parse_number(personal_number, "personal_number")
            digits = parsed.digits
            key, existing = self.number_owner(digits)
            if existing is not None:
                raise AlreadyExists("a youth with this personal number is registered", existing)
            youth = Youth.register(
                youth_id=uuid.uuid4(),
                personal_number=Personal(digits),
                birth_date=parsed.birth_date,
                name=Personal.of(name.strip() if name and name.strip() else None),
                actor=request.actor,
                now=self.now(),
            )
            body = {
                "id": str(youth.id),
                "birth_date": parsed.birth_date.isoformat(),
                "is_coordination_number": parsed.is_coordination_number,
                "registered_at": iso(youth.created_on),
            }
            return Outcome((youth,), 201, body, lookups=((key, str(youth.id)),))

        try:
            return self.execute(request, command)
        except AlreadyExists as known:
            self.registered_already(request, known.existing_id)
            raise

    def registered_already(self, request: Request, youth_id: str) -> None:
        """The 409 tells the caller that the youth is known: that is a read, logged as one, and
        an agency that did not take part is shown to the youth's coordinators (issue 11)."""
        self.log_access(request.actor, "register_existing", youth_id)
        youth = self.youth(youth_id)
        if youth.erased is not None or access.takes_part(youth, request.actor.agency_id):
            return

        def command() -> Outcome:
            youth = self.youth(youth_id, for_update=True)
            youth.note_registration_attempt(actor=request.actor, now=self.now())
            return Outcome((youth,), 409, None)

        # Not under the caller's Idempotency-Key, which answers the 409 and not this record.
        self.execute(Request(request.actor), command)

    def correct_personal_number(
        self, request: Request, youth_id: str, *, personal_number: str, reason: str
    ) -> tuple[int, Any]:
        """The youth's personal number corrected in the population register, or a coordination
        number replaced by a personal number: the record stays the same youth, and the old number
        no longer finds it. The birth date may not change: every age rule was reckoned from it."""
        require_role(request.actor, "youth.write")

        def command() -> Outcome:
            youth = self.writable_youth(request, youth_id)
            parsed = self.parse_number(personal_number, "personal_number")
            if not reason.strip():
                raise Invalid.field("reason", "must not be empty")
            if parsed.birth_date != youth.birth_date:
                raise Invalid.field(
                    "personal_number",
                    "gives another birth date than the registered one, from which every age "
                    "rule was reckoned",
                )
            old = reveal(youth.personal_number)
            if parsed.digits == old:
                raise Invalid.field("personal_number", "is already the youth's number")
            key, existing = self.number_owner(parsed.digits)
            if existing is not None:
                raise AlreadyExists(
                    "another youth is registered with this personal number", existing
                )
            youth.correct_personal_number(
                personal_number=Personal(parsed.digits),
                reason=Personal(reason.strip()),
                actor=request.actor,
                now=self.now(),
            )
            body = {
                "id": str(youth.id),
                "personal_number": formatted_number(youth.personal_number),
                "birth_date": youth.birth_date.isoformat(),
                "is_coordination_number": parsed.is_coordination_number,
            }
            unlookups = (self.personal_number_key(old),) if old else ()
            return Outcome(
                (youth,), 200, body, lookups=((key, str(youth.id)),), unlookups=unlookups
            )

        return self.execute(request, command)

    def youth_json(self, youth: Youth, now: datetime) -> dict[str, Any]:
        consents = consents_as_of(youth, at=now, known_at=now, policy=self.policy)
        return {
            "id": str(youth.id),
            "personal_number": formatted_number(youth.personal_number),
            "name": reveal(youth.name),
            "birth_date": youth.birth_date.isoformat(),
            "erased": youth.erased is not None,
            "registered_at": iso(youth.created_on),
            "guardians": [
                self.guardian_json(youth, g.guardian_id) for g in youth.guardians.values()
            ],
            "cases": [
                self.case_json(youth, c, now, with_alerts=False) for c in youth.cases.values()
            ],
            "consents": [{"id": c.consent_id, "status": c.status(now)} for c in consents],
            "alerts": [registration_alert(f) for f in youth.registration_attempts],
            "retention": self.disposal_of(youth).to_json(),
        }

    def read_youth(self, request: Request, youth_id: str) -> dict[str, Any]:
        require_role(request.actor, "youth.read")
        youth = access.require(request.actor, "youth.read", self.youth(youth_id))
        self.log_access(request.actor, "read_youth", str(youth.id))
        return self.youth_json(youth, self.now())

    def find_youths(self, request: Request, personal_number: str) -> list[dict[str, Any]]:
        require_role(request.actor, "youth.find")
        digits = self.parse_number(personal_number, "personal_number").digits
        _, found = self.number_owner(digits)
        self.log_access(request.actor, "find_youth", found, {"found": found is not None})
        if found is None:
            return []
        youth = self.youth(found)
        if not access.may(request.actor, "youth.read", youth):
            # enough to make a report of concern about the youth, nothing of the record
            return [{"id": str(youth.id), "birth_date": youth.birth_date.isoformat()}]
        return [self.youth_json(youth, self.now())]

    # -- guardians ---------------------------------------------------------------------------------
    def guardian_json(self, youth: Youth, guardian_id: str) -> dict[str, Any]:
        g = youth.guardian(guardian_id)
        return {
            "guardian_id": g.guardian_id,
            "youth_id": str(youth.id),
            "name": reveal(youth.guardian_names.get(g.guardian_id)),
            "custody": g.custody,
            "effective_at": iso(g.added.effective_at),
            "ended_at": iso(g.ended.effective_at) if g.ended else None,
        }

    def add_guardian(
        self,
        request: Request,
        youth_id: str,
        *,
        name: str,
        personal_number: str | None,
        custody: str,
        effective_at: datetime | None,
    ) -> tuple[int, Any]:
        require_role(request.actor, "youth.write")

        def command() -> Outcome:
            errors = []
            if not name.strip():
                errors.append(("name", "must not be empty"))
            if custody not in CUSTODY:
                errors.append(("custody", "must be joint or sole"))
            if errors:
                raise Invalid(errors)
            number = (
                self.parse_number(personal_number, "personal_number") if personal_number else None
            )
            digits = number.digits if number else None
            youth = self.writable_youth(request, youth_id)
            guardian_id = str(uuid.uuid4())
            youth.add_guardian(
                guardian_id=guardian_id,
                name=Personal(name.strip()),
                personal_number=Personal.of(digits),
                custody=custody,
                # Without a date, custody is taken to run from birth: the coordinator registers
                # guardians who were guardians long before, and consents they already signed.
                effective_at=effective_at or start_of_day(youth.birth_date),
                actor=request.actor,
                now=self.now(),
            )
            body = self.guardian_json(youth, guardian_id)
            return Outcome(
                (youth,), 201, body, lookups=((f"guardian:{guardian_id}", str(youth.id)),)
            )

        return self.execute(request, command)

    def end_guardian(
        self,
        request: Request,
        youth_id: str,
        guardian_id: str,
        *,
        reason: str,
        effective_at: datetime | None,
    ) -> tuple[int, Any]:
        require_role(request.actor, "youth.write")

        def command() -> Outcome:
            if not reason.strip():
                raise Invalid.field("reason", "must not be empty")
            youth = self.writable_youth(request, youth_id)
            youth.end_guardian(
                guardian_id=guardian_id,
                reason=Personal(reason.strip()),
                effective_at=effective_at or self.now(),
                actor=request.actor,
                now=self.now(),
            )
            return Outcome((youth,), 200, self.guardian_json(youth, guardian_id))

        return self.execute(request, command)

    # -- cases ---------------------------------------------------------------------------------------
    def case_json(
        self, youth: Youth, case: Case, now: datetime, *, with_alerts: bool = True
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": case.case_id,
            "youth_id": str(youth.id),
            "form": case.form,
            "agencies": list(case.agencies),
            "coordinator_actor_id": case.coordinator_actor_id,
            "opened_at": iso(case.opened.recorded_at),
            "status": "closed" if case.closed_at(now, now) else "open",
            "closed_at": iso(case.closed.effective_at) if case.closed else None,
        }
        if case.closed:
            body["closed_reason_code"] = case.closed.data.get("reason_code")
            body["closed_answering"] = list(case.closed.data.get("answers") or [])
        if with_alerts:
            body["alerts"] = self.case_alerts(youth, case, now)
        # the consent to the intervention itself, apart from consents to share (issue 14)
        held = youth.interventions.get(case.case_id, ())
        body["intervention_consent"] = intervention_view(held, now, now)
        return body

    def case_alerts(self, youth: Youth, case: Case, now: datetime) -> list[dict[str, Any]]:
        """A SIG case rests on a consent between social services and police (seed 004): until one
        holds the case carries SIG_WITHOUT_POLICE_CONSENT; once it has gone (revoked, narrowed,
        expired, lapsed at 18, annulled) the intervention must end (Avsluta), and the case carries
        SIG_POLICE_CONSENT_REVOKED until it is closed."""
        if case.form != "SIG" or case.closed_at(now, now):
            return []
        return sig_alerts(case, self.police_basis(youth, case, at=now, known_at=now))

    def police_basis(
        self,
        youth: Youth,
        case: Case,
        *,
        at: datetime,
        known_at: datetime,
        states: list[ConsentState] | None = None,
    ) -> PoliceBasis:
        kinds = self.agency_kinds(list(case.agencies), "agencies")
        if states is None:
            states = consents_as_of(youth, at=at, known_at=known_at, policy=self.policy)
        return sig_police_basis(case, kinds, states, at)

    def open_case(
        self,
        request: Request,
        *,
        youth_id: str,
        form: str,
        agencies: list[str],
        coordinator_actor_id: str | None,
    ) -> tuple[int, Any]:
        require_role(request.actor, "youth.write")

        def command() -> Outcome:
            if form not in FORMS:
                raise Invalid.field("form", "must be SIG or SSPF")
            if not agencies:
                raise Invalid.field("agencies", "name at least one agency")
            if request.actor.agency_id not in agencies:
                # a case gives its agencies a part in the youth: one opens only its own cases
                raise Invalid.field("agencies", "must include your own agency")
            kinds = self.agency_kinds(agencies, "agencies")
            try:
                youth = self.writable_youth(request, youth_id)
            except NotFound:
                raise Invalid.field("youth_id", "no such youth") from None
            case_id = str(uuid.uuid4())
            youth.open_case(
                case_id=case_id,
                form=form,
                agencies=list(dict.fromkeys(agencies)),
                coordinator_actor_id=coordinator_actor_id or request.actor.actor_id,
                actor=request.actor,
                now=self.now(),
            )
            body = self.case_json(youth, youth.case(case_id), self.now())
            if form == "SIG" and not {"social_services", "police"} <= set(kinds.values()):
                body["warnings"] = ["a SIG case always includes social services and the police"]
            return Outcome((youth,), 201, body, lookups=((f"case:{case_id}", str(youth.id)),))

        return self.execute(request, command)

    def read_case(self, request: Request, case_id: str) -> dict[str, Any]:
        require_role(request.actor, "youth.read")
        youth = access.require(request.actor, "youth.read", self.youth_of("case", case_id))
        self.log_access(request.actor, "read_case", str(youth.id), {"case_id": case_id})
        return self.case_json(youth, youth.case(case_id), self.now())

    def close_case(
        self,
        request: Request,
        case_id: str,
        *,
        reason: str,
        effective_at: datetime | None,
        reason_code: str | None = None,
    ) -> tuple[int, Any]:
        require_role(request.actor, "youth.write")

        def command() -> Outcome:
            if not reason.strip():
                raise Invalid.field("reason", "must not be empty")
            youth = self.youth_of("case", case_id, for_update=True)
            access.require(request.actor, "youth.write", youth)
            # What the case was alerting about when it closed, kept with the closing, so a
            # reviewer sees how long a SIG case ran on after its police basis went.
            answers = self.case_alerts(youth, youth.case(case_id), self.now())
            youth.close_case(
                case_id=case_id,
                reason=Personal(reason.strip()),
                reason_code=reason_code,
                answers=[
                    {k: a[k] for k in ("code", "since", "consent_id") if k in a} for a in answers
                ],
                effective_at=effective_at or self.now(),
                actor=request.actor,
                now=self.now(),
            )
            return Outcome((youth,), 200, self.case_json(youth, youth.case(case_id), self.now()))

        return self.execute(request, command)

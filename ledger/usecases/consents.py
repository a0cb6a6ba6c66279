"""Use cases of consents: grant, further signatures, extensions (widening, affirmed by the givers),
revocations (full or partial), annulments (entered in error), and the consent's view."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from ledger import access
from ledger.access import require_role
from ledger.application import Outcome, Request
from ledger.consent import (
    MATURE,
    NOT_MATURE,
    ConsentState,
    Giver,
    assessment_outcome,
    fold,
    requirement,
)
from ledger.errors import Conflict, Forbidden, Invalid, NotFound
from ledger.form import ConsentForm
from ledger.informed import adaptations, child_heard, information_given
from ledger.personal import Personal, reveal
from ledger.timeutil import age_on, iso
from ledger.usecases.youths import YouthUseCases
from ledger.youth import Youth

METHODS = ("written", "oral")
SCOPE_FIELDS = ("agencies", "directions", "categories", "purposes", "situations")
CLOCK_SKEW = timedelta(minutes=5)

HISTORY_TYPES = {
    "Youth.ConsentGranted": "granted",
    "Youth.ConsentSigned": "signed",
    "Youth.ConsentExtended": "extended",
    "Youth.ConsentRevoked": "revoked",
    "Youth.ConsentPartiallyRevoked": "partially_revoked",
    "Youth.ConsentAnnulled": "annulled",
}


def _json_value(value: Any) -> Any:
    if isinstance(value, Personal):
        return value.value
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def informed_json(grant: Mapping[str, Any]) -> dict[str, Any]:
    """What the givers were told and how; null where the consent does not record it (consents
    stored before issue 14): "not recorded", never "not done"."""
    return {
        "information_given": _json_value(grant.get("information_given")),
        "adaptations": _json_value(grant.get("adaptations")),
        "child_asked": grant.get("child_asked"),
        "child_view": reveal(grant.get("child_view")),
        "form_id": grant.get("form_id"),
        "form_sha256": grant.get("form_sha256"),
    }


class ConsentUseCases(YouthUseCases):
    # -- validation shared by grant, sign and extend ------------------------------------------
    def check_givers(
        self, youth: Youth, raw: list[dict[str, Any]], field: str
    ) -> list[dict[str, Any]]:
        if not raw:
            raise Invalid.field(field, "name at least one consent giver")
        out = []
        for i, giver in enumerate(raw):
            party = giver.get("party")
            if party == "youth":
                out.append({"party": "youth"})
            elif party == "guardian":
                gid = giver.get("guardian_id")
                if not gid or gid not in youth.guardians:
                    raise Invalid.field(
                        f"{field}[{i}].guardian_id", "is not a guardian of this youth"
                    )
                out.append({"party": "guardian", "guardian_id": gid})
            else:
                raise Invalid.field(f"{field}[{i}].party", "must be youth or guardian")
        return out

    def check_scope(self, raw: dict[str, Any], field: str, *, whole: bool) -> dict[str, Any]:
        errors: list[tuple[str, str]] = []
        agencies = list(dict.fromkeys(raw.get("agencies") or []))
        categories = list(dict.fromkeys(raw.get("categories") or []))
        if whole and len(agencies) < 2:
            errors.append((f"{field}.agencies", "name at least two agencies"))
        if whole and not categories:
            errors.append((f"{field}.categories", "name at least one information category"))
        # A consent says why and in which situations (seeds 000/002/003: "varför uppgifter behöver
        # delas … i vilka situationer uppgifterna kommer att lämnas ut"); ledger/scope.py.
        if whole and not raw.get("purposes"):
            errors.append((f"{field}.purposes", "name at least one purpose"))
        if whole and not raw.get("situations"):
            errors.append((f"{field}.situations", "name at least one situation"))
        for a in agencies:
            try:
                self.agency(a, field=f"{field}.agencies")
            except Invalid as e:
                errors.extend(e.errors)
        unknown = [c for c in categories if c not in self.catalogue.category_ids]
        if unknown:
            errors.append((f"{field}.categories", f"unknown categories: {', '.join(unknown)}"))
        # What a consent names must mean the same to every agency: the catalogue's purposes and
        # situations (a request may still ask about any purpose; none is covered unless named).
        for key, entries in (
            ("purposes", self.catalogue.purposes),
            ("situations", self.catalogue.situations),
        ):
            known = {e.id for e in entries}
            unknown = [v for v in raw.get(key) or [] if v not in known]
            if unknown:
                errors.append((f"{field}.{key}", f"unknown {key}: {', '.join(unknown)}"))
        directions = raw.get("directions")
        if directions is not None:
            for i, d in enumerate(directions):
                if d.get("from") == d.get("to"):
                    errors.append((f"{field}.directions[{i}]", "from and to must differ"))
                elif whole and not {d.get("from"), d.get("to")} <= set(agencies):
                    errors.append(
                        (f"{field}.directions[{i}]", "names an agency outside scope.agencies")
                    )
        if errors:
            raise Invalid(errors)
        scope = {
            "agencies": agencies,
            "directions": None
            if directions is None
            else [{"from": d["from"], "to": d["to"]} for d in directions],
            "categories": categories,
            "purposes": list(dict.fromkeys(raw.get("purposes") or [])),
            "situations": list(dict.fromkeys(raw.get("situations") or [])),
        }
        return scope

    def check_moment(self, value: datetime | None, field: str) -> datetime:
        if value is None:
            raise Invalid.field(field, "is required")
        if value > self.now() + CLOCK_SKEW:
            raise Invalid.field(field, "is in the future")
        return value

    def check_method(self, method: str, form_reference: str | None, notes: str | None) -> list[str]:
        """How the consent was given must be documented (FL 27 §: notes on an oral one; the seeds'
        form for a written one). By default a gap is a warning, since a ledger that refused an
        undocumented consent would hide that it was given; `documentation = "require"` (setting
        LEDGER_DOCUMENTATION) refuses it instead. Reviews list every gap either way."""
        if method not in METHODS:
            raise Invalid.field("method", "must be written or oral")
        gaps = []
        if method == "written" and not (form_reference and form_reference.strip()):
            gaps.append(("form_reference", "a written consent should refer to its signed form"))
        if method == "oral" and not (notes and notes.strip()):
            gaps.append(("notes", "an oral consent needs notes on when, how and who was present"))
        if gaps and self.documentation == "require":
            raise Invalid(gaps)
        return [f"{message} ({field})" for field, message in gaps]

    def check_assessment(self, raw: dict[str, Any] | None) -> dict[str, Any] | None:
        if raw is None:
            return None
        errors = [
            (f"maturity_assessment.{k}", "is required")
            for k in ("assessed_by", "assessed_at", "rationale", "outcome")
            if not raw.get(k)
        ]
        # How the assessment came out decides whether it counts (ledger/consent.py, MATURE).
        if raw.get("outcome") and raw["outcome"] not in (MATURE, NOT_MATURE):
            errors.append(("maturity_assessment.outcome", "must be mature or not_mature"))
        if errors:
            raise Invalid(errors)
        return {
            "assessed_by": raw["assessed_by"],
            "assessed_at": raw["assessed_at"],
            "rationale": Personal(str(raw["rationale"])),
            "outcome": raw["outcome"],
        }

    def consent_form(self, form_id: str, *, field: str = "form_id") -> ConsentForm:
        """The form, or Invalid naming `field` (NotFound for the form's own read)."""
        try:
            found: object = self.written_once(UUID(form_id))
        except (ValueError, AggregateNotFoundError):
            raise Invalid.field(field, "is not a registered consent form") from None
        if not isinstance(found, ConsentForm):
            raise Invalid.field(field, "is not a registered consent form")
        return found

    def check_informed(
        self,
        youth: Youth,
        cmd: dict[str, Any],
        givers: list[dict[str, Any]],
        obtained_at: datetime,
        warnings: list[str],
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """What the givers were told and how (ledger/informed.py); only what was sent is stored, so
        that a consent without it reads "not recorded"."""
        case = youth.cases.get(cmd.get("case_id") or "")
        told: dict[str, Any] = {}
        if cmd.get("form_id") is not None:  # the version of the form it was given on
            form = self.consent_form(str(cmd["form_id"]))
            told.update(form_id=str(form.id), form_sha256=form.sha256)
        if cmd.get("information_given") is not None:
            info, missing = information_given(
                cmd["information_given"], sig=case is not None and case.form == "SIG"
            )
            told["information_given"] = info
            warnings.extend(missing)
        if cmd.get("adaptations") is not None:
            adapted, interpreter = adaptations(
                cmd["adaptations"], interpreter_used=bool(cmd.get("interpreter_used"))
            )
            told["adaptations"] = adapted
            told["interpreter_used"] = interpreter
        heard, unheard = child_heard(
            cmd.get("child_asked"),
            cmd.get("child_view"),
            young_minor=self.policy.stage(age_on(youth.birth_date, obtained_at)) == "young_minor",
            guardians_give=any(g["party"] == "guardian" for g in givers),
        )
        warnings.extend(unheard)
        return told, heard

    def check_signature_informed(
        self, youth: Youth, state: ConsentState, cmd: dict[str, Any]
    ) -> dict[str, Any]:
        """A giver who signs later may have been told and helped otherwise than the first
        (a guardian with an interpreter): recorded on the signature, only when sent."""
        case = youth.cases.get(state.case_id or "")
        told: dict[str, Any] = {}
        if cmd.get("information_given") is not None:
            sig = case is not None and case.form == "SIG"
            told["information_given"], _ = information_given(cmd["information_given"], sig=sig)
        if cmd.get("adaptations") is not None:
            told["adaptations"], _ = adaptations(cmd["adaptations"], interpreter_used=False)
        return told

    # -- commands --------------------------------------------------------------------------------
    def grant_consent(self, request: Request, cmd: dict[str, Any]) -> tuple[int, Any]:
        require_role(request.actor, "youth.write")

        def command() -> Outcome:
            try:
                youth = self.writable_youth(request, cmd["youth_id"])
            except NotFound:
                raise Invalid.field("youth_id", "no such youth") from None
            case_id = cmd.get("case_id")
            if case_id is not None and case_id not in youth.cases:
                raise Invalid.field("case_id", "is not a case of this youth")
            givers = self.check_givers(youth, cmd.get("givers") or [], "givers")
            scope = self.check_scope(cmd.get("scope") or {}, "scope", whole=True)
            obtained_at = self.check_moment(cmd.get("obtained_at"), "obtained_at")
            valid_from = cmd.get("valid_from") or obtained_at
            valid_until = cmd.get("valid_until")
            if valid_until is not None and valid_until <= valid_from:
                raise Invalid.field("valid_until", "must be after valid_from")
            warnings = self.check_method(cmd["method"], cmd.get("form_reference"), cmd.get("notes"))
            told, heard = self.check_informed(youth, cmd, givers, obtained_at, warnings)
            body = {
                "case_id": case_id,
                "givers": givers,
                "maturity_assessment": self.check_assessment(cmd.get("maturity_assessment")),
                "method": cmd["method"],
                "form_reference": cmd.get("form_reference"),
                "notes": Personal.of(cmd.get("notes")),
                "interpreter_used": bool(cmd.get("interpreter_used", False)),
                "informed_of_revocation": bool(cmd.get("informed_of_revocation", False)),
                "copy_given": bool(cmd.get("copy_given", False)),
                "scope": scope,
                "obtained_at": obtained_at,
                "valid_from": valid_from,
                "valid_until": valid_until,
                **told,
                **heard,
            }
            if told.get("information_given") and told["information_given"]["right_to_revoke"]:
                body["informed_of_revocation"] = True
            if told.get("adaptations") is not None:
                body["interpreter_used"] = told["interpreter_used"]
            if not body["informed_of_revocation"]:
                warnings.append("the givers should be told that the consent can be revoked")
            if body["method"] == "written" and not body["copy_given"]:  # seed 004
                warnings.append("the person should be given a copy of the signed form (copy_given)")
            consent_id = str(uuid.uuid4())
            youth.record_consent_event(
                Youth.ConsentGranted,
                consent_id=consent_id,
                body=body,
                actor=request.actor,
                now=self.now(),
            )
            state = self.consent_state(youth, consent_id)
            warnings.extend(state.requirement.warnings)
            answer = {
                "id": consent_id,
                "youth_id": str(youth.id),
                "status": state.status(self.now()),
                "missing": list(state.requirement.missing),
                "warnings": warnings,
            }
            return Outcome(
                (youth,), 201, answer, lookups=((f"consent:{consent_id}", str(youth.id)),)
            )

        return self.execute(request, command)

    def _consent_command(
        self, request: Request, consent_id: str, status: int, build: Any
    ) -> tuple[int, Any]:
        require_role(request.actor, "youth.write")

        def command() -> Outcome:
            youth = self.youth_of("consent", consent_id, for_update=True)
            self.require_open(access.require(request.actor, "youth.write", youth))
            state = self.consent_state(youth, consent_id)
            if state.annulled is not None:
                raise Conflict("the consent is annulled")
            build(youth, state)
            now = self.now()
            # The answer shows positions, known only after the save: a replay renders the
            # consent again at this version and this moment, which gives the same answer.
            replay = {
                "kind": "consent",
                "consent_id": consent_id,
                "version": youth.version,
                "now": iso(now),
            }
            return Outcome((youth,), status, None, replay=replay)

        return self.execute(request, command)

    def sign_consent(
        self, request: Request, consent_id: str, cmd: dict[str, Any]
    ) -> tuple[int, Any]:
        def build(youth: Youth, state: ConsentState) -> None:
            if state.revoked is not None:
                raise Conflict("the consent is revoked")
            giver = self.check_givers(youth, [cmd.get("giver") or {}], "giver")[0]
            if Giver.from_json(giver) in state.givers:
                raise Conflict("this giver has already signed")
            self.check_method(cmd["method"], cmd.get("form_reference"), cmd.get("notes"))
            told = self.check_signature_informed(youth, state, cmd)
            body = {
                **told,
                "giver": giver,
                "maturity_assessment": self.check_assessment(cmd.get("maturity_assessment")),
                "method": cmd["method"],
                "form_reference": cmd.get("form_reference"),
                "notes": Personal.of(cmd.get("notes")),
                "obtained_at": self.check_moment(cmd.get("obtained_at"), "obtained_at"),
            }
            youth.record_consent_event(
                Youth.ConsentSigned,
                consent_id=consent_id,
                body=body,
                actor=request.actor,
                now=self.now(),
            )

        return self._consent_command(request, consent_id, 200, build)

    def extend_consent(
        self, request: Request, consent_id: str, cmd: dict[str, Any]
    ) -> tuple[int, Any]:
        def build(youth: Youth, state: ConsentState) -> None:
            if state.revoked is not None:
                raise Conflict("the consent is revoked; widening needs a new consent")
            add = self.check_scope(cmd.get("add") or {}, "add", whole=False)
            if not any(add[f] for f in SCOPE_FIELDS):
                raise Invalid.field("add", "name what the consent is widened with")
            givers = self.check_givers(youth, cmd.get("givers") or [], "givers")
            obtained_at = self.check_moment(cmd.get("obtained_at"), "obtained_at")
            affirmed = requirement(
                self.policy,
                age=age_on(youth.birth_date, obtained_at),
                guardians=[
                    g for g in youth.guardians.values() if g.active(obtained_at, self.now())
                ],
                givers=frozenset(Giver.from_json(g) for g in givers),
                maturity_assessed=assessment_outcome(state.maturity_assessment) == MATURE,
            )
            if affirmed.missing:
                raise Invalid.field(
                    "givers", "widening a consent needs the affirmation of every required giver"
                )
            self.check_method(cmd["method"], cmd.get("form_reference"), cmd.get("notes"))
            body = {
                "add": {k: v for k, v in add.items() if v},
                "givers": givers,
                "method": cmd["method"],
                "form_reference": cmd.get("form_reference"),
                "notes": Personal.of(cmd.get("notes")),
                "obtained_at": obtained_at,
            }
            youth.record_consent_event(
                Youth.ConsentExtended,
                consent_id=consent_id,
                body=body,
                actor=request.actor,
                now=self.now(),
            )

        return self._consent_command(request, consent_id, 200, build)

    def revoke_consent(
        self, request: Request, consent_id: str, cmd: dict[str, Any]
    ) -> tuple[int, Any]:
        def build(youth: Youth, state: ConsentState) -> None:
            if state.revoked is not None:
                raise Conflict("the consent is already revoked")
            kind = cmd.get("kind")
            if kind not in ("full", "partial"):
                raise Invalid.field("kind", "must be full or partial")
            revoked_by = self.check_givers(youth, [cmd.get("revoked_by") or {}], "revoked_by")[0]
            if cmd.get("communicated") not in METHODS:
                raise Invalid.field("communicated", "must be written or oral")
            effective_at = self.check_moment(cmd.get("effective_at"), "effective_at")
            remove: dict[str, Any] = {}
            if kind == "partial":
                raw = cmd.get("remove") or {}
                remove = {
                    k: v for k, v in self.check_scope(raw, "remove", whole=False).items() if v
                }
                if not remove:
                    raise Invalid.field("remove", "a partial revocation names what it removes")
            body = {
                "kind": kind,
                "remove": remove,
                "revoked_by": revoked_by,
                "communicated": cmd["communicated"],
                "notes": Personal.of(cmd.get("notes")),
                "effective_at": effective_at,
            }
            event = Youth.ConsentRevoked if kind == "full" else Youth.ConsentPartiallyRevoked
            youth.record_consent_event(
                event, consent_id=consent_id, body=body, actor=request.actor, now=self.now()
            )

        return self._consent_command(request, consent_id, 201, build)

    def annul_consent(self, request: Request, consent_id: str, *, reason: str) -> tuple[int, Any]:
        def build(youth: Youth, state: ConsentState) -> None:
            if not reason.strip():
                raise Invalid.field("reason", "must not be empty")
            if self.policy.separation_of_duties and state.registered_by == request.actor.actor_id:
                raise Forbidden(
                    "the actor who registered a consent may not annul it (separation of duties)"
                )
            youth.record_consent_event(
                Youth.ConsentAnnulled,
                consent_id=consent_id,
                body={"reason": Personal(reason.strip())},
                actor=request.actor,
                now=self.now(),
            )

        return self._consent_command(request, consent_id, 201, build)

    # -- views ---------------------------------------------------------------------------------------
    def consent_state(
        self,
        youth: Youth,
        consent_id: str,
        *,
        at: datetime | None = None,
        known_at: datetime | None = None,
    ) -> ConsentState:
        now = self.now()
        state = fold(
            consent_id,
            youth.consent_facts(consent_id),
            at=at or now,
            known_at=known_at or now,
            birth_date=youth.birth_date,
            guardians=list(youth.guardians.values()),
            policy=self.policy,
            memo=youth.folds,
        )
        if state is None:
            raise NotFound("no such consent")
        return state

    def render_replay(self, spec: dict[str, Any], held: Youth | None = None) -> Any:
        if spec.get("kind") != "consent":
            return super().render_replay(spec, held)
        at_version: object = held
        if held is None:  # a replay: the youth as it was then, replayed from the store
            youth = self.youth_of("consent", spec["consent_id"])
            at_version = self.repository.get(youth.id, version=spec["version"])
        assert isinstance(at_version, Youth) and at_version.version == spec["version"]
        # The recorder may have given the consent's new fact a later time than the command read:
        # the answer is as of that fact, never before it.
        now = max(datetime.fromisoformat(spec["now"]), at_version.modified_on)
        return self.consent_json(at_version, spec["consent_id"], now=now)

    def consent_json(
        self,
        youth: Youth,
        consent_id: str,
        *,
        now: datetime | None = None,
        positions: dict[int, int] | None = None,
    ) -> dict[str, Any]:
        """The consent at `now` (default: the ledger's now), with its history; `positions` (the
        youth's version -> log position) when the caller already read them."""
        now = now or self.now()
        state = self.consent_state(youth, consent_id, at=now, known_at=now)
        positions = self.positions(youth.id) if positions is None else positions
        grant = state.granted.data
        history = []
        for fact in youth.consent_facts(consent_id):
            entry: dict[str, Any] = {
                "type": fact.kind,
                "position": positions.get(fact.version),
                "occurred_at": iso(fact.effective_at),
                "recorded_at": iso(fact.recorded_at),
                "actor_id": fact.actor_id,
                "agency_id": fact.agency_id,
            }
            entry.update({k: _json_value(v) for k, v in fact.data.items() if k not in ("scope",)})
            if fact.kind == "granted":
                entry["scope"] = _json_value(fact.data["scope"])
            history.append(entry)
        return {
            "id": consent_id,
            "youth_id": str(youth.id),
            "case_id": state.case_id,
            "status": state.status(now),
            "missing": list(state.requirement.missing),
            "warnings": list(state.requirement.warnings),
            "scope": state.scope.to_json(),
            "givers": [
                g.to_json()
                for g in sorted(state.givers, key=lambda g: (g.party, g.guardian_id or ""))
            ],
            "maturity_assessment": _json_value(state.maturity_assessment),
            "method": grant["method"],
            "form_reference": grant.get("form_reference"),
            "notes": reveal(grant.get("notes")),
            "interpreter_used": grant.get("interpreter_used", False),
            "informed_of_revocation": grant.get("informed_of_revocation", False),
            "copy_given": grant.get("copy_given", False),
            **informed_json(grant),
            "obtained_at": iso(state.granted.effective_at),
            "valid_from": iso(state.valid_from),
            "valid_until": iso(state.valid_until) if state.valid_until else None,
            "rests_on_guardians": state.requirement.rests_on_guardians,
            "lapses_at": iso(state.lapses_at) if state.lapses_at else None,
            "registered_by": state.registered_by,
            "registered_at": iso(state.granted.recorded_at),
            "annulled": state.annulled is not None,
            "history": history,
        }

    def read_consent(self, request: Request, consent_id: str) -> dict[str, Any]:
        require_role(request.actor, "youth.read")
        youth = access.require(request.actor, "youth.read", self.youth_of("consent", consent_id))
        self.log_access(request.actor, "read_consent", str(youth.id), {"consent_id": consent_id})
        return self.consent_json(youth, consent_id)

    def list_consents(self, request: Request, youth_id: str) -> list[dict[str, Any]]:
        require_role(request.actor, "youth.read")
        youth = access.require(request.actor, "youth.read", self.youth(youth_id))
        self.log_access(request.actor, "list_consents", str(youth.id))
        positions = self.positions(youth.id)
        return [self.consent_json(youth, cid, positions=positions) for cid in youth.consents]

"""Use cases of sharing: the decision check (logged as a read) and disclosures, checked and
recorded in one step on the youth's stream, so a concurrent revocation forces a re-check."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ledger import access
from ledger.access import require_role
from ledger.application import Outcome, Request
from ledger.errors import Forbidden, Invalid, NotFound
from ledger.personal import Personal, reveal
from ledger.rules import (
    Decision,
    Question,
    Reason,
    combine,
    consents_as_of,
    may_share,
    sig_notices,
    statutory_decision,
)
from ledger.timeutil import iso
from ledger.usecases.consents import ConsentUseCases
from ledger.youth import Disclosure, Youth


class SharingUseCases(ConsentUseCases):
    def _own_agency(self, request: Request, from_agency: str, *, auditors: bool) -> None:
        actor = request.actor
        if auditors and actor.has("auditor"):
            return
        require_role(actor, "share")
        if from_agency != actor.agency_id:
            raise Forbidden("you may ask only about your own agency's information (from_agency)")

    def _youth_for(self, youth_id: str, *, for_update: bool = False) -> Youth:
        try:
            return self.youth(youth_id, for_update=for_update)
        except NotFound:
            raise Invalid.field("youth_id", "no such youth") from None

    def _category(self, category: str, field: str) -> None:
        if category not in self.catalogue.category_ids:
            raise Invalid.field(field, f"unknown category {category}")

    def decide(
        self,
        youth: Youth,
        *,
        from_agency: str,
        to_agencies: list[str],
        categories: list[str],
        purpose: str | None,
        situation: str | None,
        basis: dict[str, Any],
        at: datetime,
        known_at: datetime,
        concerns_others: bool | None = None,
        others_consent: dict[str, Any] | None = None,
    ) -> Decision:
        kinds = self.agency_kinds([from_agency], "from_agency")
        kinds.update(self.agency_kinds(to_agencies, "to_agencies"))
        parts = []
        for to_agency in to_agencies:
            for category in categories:
                if basis.get("kind") == "statutory":
                    provision = self.catalogue.provision(basis.get("provision") or "")
                    if provision is None:
                        raise Invalid.field("basis.provision", "unknown provision")
                    parts.append(
                        statutory_decision(
                            provision,
                            from_kind=kinds[from_agency],
                            to_kind=kinds[to_agency],
                            birth_date=youth.birth_date,
                            note=basis.get("note"),
                            at=at,
                            known_at=known_at,
                            purpose=purpose,
                        )
                    )
                else:
                    question = Question(
                        from_agency,
                        to_agency,
                        category,
                        at,
                        known_at,
                        purpose,
                        situation,
                        concerns_others=concerns_others,
                        others_consent=others_consent,
                        usually_concerns_others=self.catalogue.concerns_others(category),
                    )
                    parts.append(may_share(youth, question, self.policy))
        decision = combine(parts)
        return decision.noting(self.sig_notices(youth, decision, at=at, known_at=known_at))

    def sig_notices(
        self, youth: Youth, decision: Decision, *, at: datetime, known_at: datetime
    ) -> list[Reason]:
        """Every decision under a consent of a SIG case whose police basis has gone carries
        SIG_POLICE_CONSENT_LOST until the case is closed (seed 004, "Avsluta")."""
        if not decision.consent_ids:
            return []
        cases = [
            case
            for case in youth.cases.values()
            if case.form == "SIG"
            and case.opened.effective_at <= at
            and case.opened.recorded_at <= known_at
            and case.closed_at(at, known_at) is None
        ]
        if not cases:
            return []
        states = consents_as_of(youth, at=at, known_at=known_at, policy=self.policy)
        by_id = {s.consent_id: s for s in states}
        notices: list[Reason] = []
        for case in cases:
            basis = self.police_basis(youth, case, at=at, known_at=known_at, states=states)
            notices += sig_notices(case, basis, by_id, decision.consent_ids)
        return notices

    # -- the check -------------------------------------------------------------------------------
    def check(self, request: Request, q: dict[str, Any]) -> dict[str, Any]:
        self._own_agency(request, q["from_agency"], auditors=True)
        self._category(q["category"], "category")
        youth = self._youth_for(q["youth_id"])
        now = self.now()  # read after the load: never earlier than a fact just loaded
        basis: dict[str, Any] = {"kind": "consent"}
        if q.get("provision"):
            basis = {"kind": "statutory", "provision": q["provision"], "note": q.get("note")}
        decision = self.decide(
            youth,
            from_agency=q["from_agency"],
            to_agencies=[q["to_agency"]],
            categories=[q["category"]],
            purpose=q.get("purpose"),
            situation=q.get("situation"),
            basis=basis,
            at=q.get("at") or now,
            known_at=min(q.get("known_at") or now, now),
            concerns_others=q.get("concerns_others"),
            others_consent=q.get("others_consent"),
        )
        details: dict[str, object] = {
            "from_agency": q["from_agency"],
            "to_agency": q["to_agency"],
            "category": q["category"],
            "allowed": decision.allowed,
            "reasons": sorted(set(decision.codes)),
            # the state the answer rests on: the youth's events up to this version, as known then
            "youth_version": youth.version,
            "known_at": iso(min(q.get("known_at") or now, now)),
        }
        self.log_access(request.actor, "decision_check", str(youth.id), details)
        return {**decision.to_json(), "youth_id": str(youth.id)}

    # -- disclosures -----------------------------------------------------------------------------
    def disclose(self, request: Request, cmd: dict[str, Any]) -> tuple[int, Any]:
        self._own_agency(request, cmd["from_agency"], auditors=False)

        def command() -> Outcome:
            errors = []
            to_agencies = list(dict.fromkeys(cmd.get("to_agencies") or []))
            categories = list(dict.fromkeys(cmd.get("categories") or []))
            if not to_agencies:
                errors.append(("to_agencies", "name at least one recipient"))
            if cmd["from_agency"] in to_agencies:
                errors.append(("to_agencies", "an agency does not disclose to itself"))
            if not categories:
                errors.append(("categories", "name at least one category"))
            if not (cmd.get("purpose") or "").strip():
                errors.append(("purpose", "is required"))
            basis = cmd.get("basis") or {"kind": "consent"}
            if basis.get("kind") not in ("consent", "statutory"):
                errors.append(("basis.kind", "must be consent or statutory"))
            if errors:
                raise Invalid(errors)
            for i, c in enumerate(categories):
                self._category(c, f"categories[{i}]")
            youth = self.require_open(self._youth_for(cmd["youth_id"], for_update=True))
            now = self.now()  # read after the load: never earlier than a fact just loaded
            retrospective = bool(cmd.get("retrospective", False))
            occurred_at = cmd.get("occurred_at") or now
            if occurred_at > now:
                raise Invalid.field("occurred_at", "is in the future")
            decision = self.decide(
                youth,
                from_agency=cmd["from_agency"],
                to_agencies=to_agencies,
                categories=categories,
                purpose=cmd["purpose"],
                situation=cmd.get("situation"),
                basis=basis,
                at=occurred_at,
                # A documented past disclosure is judged as the ledger knew it then; a live one
                # by everything the ledger holds now.
                known_at=occurred_at if retrospective else now,
                concerns_others=cmd.get("concerns_others"),
                others_consent=cmd.get("others_consent"),
            )
            accepted = decision.allowed or retrospective
            disclosure_id = str(uuid.uuid4())
            body = {
                "from_agency": cmd["from_agency"],
                "to_agencies": to_agencies,
                "categories": categories,
                "purpose": cmd["purpose"],
                "situation": cmd.get("situation"),
                "channel": cmd.get("channel"),
                "recipient_person": Personal.of(cmd.get("recipient_person")),
                "occurred_at": occurred_at,
                "retrospective": retrospective,
                "basis": {
                    "kind": basis["kind"],
                    "provision": basis.get("provision"),
                    "note": Personal.of(basis.get("note")),
                },
                "decision": decision.to_json(),
                "concerns_others": cmd.get("concerns_others"),
                # the other person's consent as documented; who and the notes are personal data
                "others_consent": None
                if cmd.get("others_consent") is None
                else {
                    **cmd["others_consent"],
                    "who": Personal.of(cmd["others_consent"].get("who")),
                    "notes": Personal.of(cmd["others_consent"].get("notes")),
                },
            }
            youth.record_disclosure(
                disclosure_id=disclosure_id,
                accepted=accepted,
                body=body,
                actor=request.actor,
                now=now,
            )
            lookups = ((f"disclosure:{disclosure_id}", str(youth.id)),)
            if accepted:  # the answer shows the log position, known only after the save
                replay = {"kind": "disclosure", "disclosure_id": disclosure_id}
                return Outcome((youth,), 201, None, lookups=lookups, replay=replay)
            problem = {
                "type": "https://consent-ledger.example/problems/disclosure-refused",
                "title": "Disclosure refused",
                "status": 403,
                "detail": "the decision did not allow this disclosure; nothing may be disclosed",
                "id": disclosure_id,
                "decision": decision.to_json(),
            }
            return Outcome((youth,), 403, problem, lookups=lookups)

        return self.execute(request, command)

    def render_replay(self, spec: dict[str, Any], held: Youth | None = None) -> Any:
        if spec.get("kind") != "disclosure":
            return super().render_replay(spec, held)
        youth = held or self.youth_of("disclosure", spec["disclosure_id"])
        disclosure = youth.disclosures[spec["disclosure_id"]]
        view = self.disclosure_json(youth, disclosure, self.positions(youth.id))
        return {"id": disclosure.disclosure_id, **view}

    def disclosure_json(
        self, youth: Youth, d: Disclosure, positions: dict[int, int]
    ) -> dict[str, Any]:
        data = d.fact.data
        basis = dict(data["basis"])
        basis["note"] = reveal(basis.get("note"))
        basis["consent_ids"] = data["decision"]["consent_ids"] if basis["kind"] == "consent" else []
        return {
            **d.summary(),
            "youth_id": str(youth.id),
            "status": "recorded" if d.accepted else "refused",
            "recipient_person": reveal(data.get("recipient_person")),
            "basis": basis,
            "decision": data["decision"],
            "actor_id": d.fact.actor_id,
            "position": positions.get(d.fact.version),
        }

    def list_disclosures(
        self,
        request: Request,
        *,
        youth_id: str | None,
        agency_id: str | None,
        since: datetime | None,
        until: datetime | None,
        include_refused: bool,
    ) -> list[dict[str, Any]]:
        actor = request.actor
        require_role(actor, "disclosures.list")
        if youth_id is None and agency_id is None:
            raise Invalid.field("youth_id", "give youth_id or agency_id")
        if youth_id is not None:
            youth_ids = [youth_id]
        else:
            rows = self.database.read(
                self.database.tables.audit,
                agency_id=agency_id,
                types=["youth.disclosure_recorded", "youth.disclosure_refused"],
                limit=1_000_000,
            )
            youth_ids = list(dict.fromkeys(r.youth_id for r in rows if r.youth_id))
        out: list[dict[str, Any]] = []
        shown: list[str] = []  # the youths this answer reveals something about
        for yid in youth_ids:
            youth = self._youth_for(yid) if youth_id else self.youth(yid)
            # an auditor sees every disclosure; a coordinator those of the youths their agency
            # takes part in; anyone those their own agency made or received
            sees_all = access.may(actor, "youth.review", youth)
            positions = self.positions(youth.id)
            before = len(out)
            for d in youth.disclosures.values():
                data = d.fact.data
                involved = {data["from_agency"], *data["to_agencies"]}
                if not d.accepted and not include_refused:
                    continue
                if agency_id is not None and agency_id not in involved:
                    continue
                if not sees_all and actor.agency_id not in involved:
                    continue
                if since is not None and d.fact.effective_at < since:
                    continue
                if until is not None and d.fact.effective_at >= until:
                    continue
                out.append(self.disclosure_json(youth, d, positions))
            if youth_id is not None or len(out) > before:  # even "none" is news about one youth
                shown.append(str(youth.id))
        self.log_reads(actor, "list_disclosures", shown, {"agency_id": agency_id})
        out.sort(key=lambda d: (d["position"] is None, d["position"] or 0))
        return out

"""Use cases of the consent to a case's intervention (ledger/intervention.py): given, withdrawn,
and shown on the case; apart from consents to share, so it never covers a disclosure."""

from __future__ import annotations

from typing import Any

from ledger import access
from ledger.access import require_role
from ledger.application import Outcome, Request
from ledger.consent import Giver
from ledger.errors import Invalid
from ledger.personal import Personal
from ledger.usecases.sharing import SharingUseCases

# Seed 004: "För att en insats ska kunna beviljas förutsätts att den enskilde samtycker till
# insatsen": the youth's own consent, whatever the guardians say.
WITHOUT_THE_YOUTH = (
    "the intervention presupposes the youth's own consent (seed 004: \"förutsätts att den "
    'enskilde samtycker till insatsen")'
)


class InterventionUseCases(SharingUseCases):
    def give_intervention_consent(
        self, request: Request, case_id: str, cmd: dict[str, Any]
    ) -> tuple[int, Any]:
        require_role(request.actor, "youth.write")

        def command() -> Outcome:
            youth = self.youth_of("case", case_id, for_update=True)
            self.require_open(access.require(request.actor, "youth.write", youth))
            givers = self.check_givers(youth, cmd.get("givers") or [], "givers")
            obtained_at = self.check_moment(cmd.get("obtained_at"), "obtained_at")
            warnings = self.check_method(cmd["method"], cmd.get("form_reference"), cmd.get("notes"))
            if Giver("youth") not in {Giver.from_json(g) for g in givers}:
                warnings.append(WITHOUT_THE_YOUTH)
            body = {
                "givers": givers,
                "method": cmd["method"],
                "form_reference": cmd.get("form_reference"),
                "notes": Personal.of(cmd.get("notes")),
                "obtained_at": obtained_at,
            }
            youth.give_intervention_consent(
                case_id=case_id,
                effective_at=obtained_at,
                body=body,
                actor=request.actor,
                now=self.now(),
            )
            now = self.now()
            answer = {**self.case_json(youth, youth.case(case_id), now), "warnings": warnings}
            return Outcome((youth,), 201, answer)

        return self.execute(request, command)

    def withdraw_intervention_consent(
        self, request: Request, case_id: str, cmd: dict[str, Any]
    ) -> tuple[int, Any]:
        require_role(request.actor, "youth.write")

        def command() -> Outcome:
            youth = self.youth_of("case", case_id, for_update=True)
            self.require_open(access.require(request.actor, "youth.write", youth))
            by = self.check_givers(youth, [cmd.get("withdrawn_by") or {}], "withdrawn_by")[0]
            if cmd.get("communicated") not in ("written", "oral"):
                raise Invalid.field("communicated", "must be written or oral")
            effective_at = self.check_moment(cmd.get("effective_at"), "effective_at")
            body = {
                "withdrawn_by": by,
                "communicated": cmd["communicated"],
                "notes": Personal.of(cmd.get("notes")),
                "effective_at": effective_at,
            }
            youth.withdraw_intervention_consent(
                case_id=case_id,
                effective_at=effective_at,
                body=body,
                actor=request.actor,
                now=self.now(),
            )
            return Outcome((youth,), 201, self.case_json(youth, youth.case(case_id), self.now()))

        return self.execute(request, command)

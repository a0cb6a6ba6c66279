"""Use cases of secrecy decisions towards the youth or the guardians (ledger/secrecy.py)."""

from __future__ import annotations

import uuid
from typing import Any

from ledger import access
from ledger.access import require_role
from ledger.application import Outcome, Request
from ledger.errors import Invalid
from ledger.personal import Personal, reveal
from ledger.secrecy import AUDIENCES, ITEM_KINDS, ONLY_TOWARDS, PROVISIONS, SecrecyDecision
from ledger.timeutil import iso
from ledger.usecases.sharing import SharingUseCases
from ledger.youth import Youth


def decision_json(youth: Youth, d: SecrecyDecision) -> dict[str, Any]:
    data = d.decided.data
    return {
        "id": d.decision_id,
        "youth_id": str(youth.id),
        "item_kind": data["item_kind"],
        "item_id": data["item_id"],
        "audience": data["audience"],
        "provision": data["provision"],
        "provision_label": PROVISIONS.get(data["provision"]),
        "decided_by": data["decided_by"],
        "decided_at": iso(d.decided.effective_at),
        "notes": reveal(data.get("notes")),
        "recorded_at": iso(d.decided.recorded_at),
        "released_at": iso(d.released.effective_at) if d.released else None,
        "released_by": d.released.actor_id if d.released else None,
    }


class SecrecyUseCases(SharingUseCases):
    def decide_secrecy(
        self, request: Request, youth_id: str, cmd: dict[str, Any]
    ) -> tuple[int, Any]:
        require_role(request.actor, "youth.write")

        def command() -> Outcome:
            errors = []
            if cmd.get("item_kind") not in ITEM_KINDS:
                errors.append(("item_kind", f"must be one of {', '.join(ITEM_KINDS)}"))
            if cmd.get("audience") not in AUDIENCES:
                errors.append(("audience", f"must be one of {', '.join(AUDIENCES)}"))
            provision = cmd.get("provision")
            if provision not in PROVISIONS:
                errors.append(("provision", f"must be one of {', '.join(PROVISIONS)}"))
            elif cmd.get("audience") in AUDIENCES:
                only = ONLY_TOWARDS.get(provision)
                if only is not None and cmd["audience"] not in only:
                    errors.append(
                        ("audience", f"{provision} is secrecy towards the guardians only")
                    )
            if not str(cmd.get("decided_by") or "").strip():
                errors.append(("decided_by", "is required"))
            if errors:
                raise Invalid(errors)
            decided_at = self.check_moment(cmd.get("decided_at"), "decided_at")
            youth = self.writable_youth(request, youth_id)
            body = {
                "item_kind": cmd["item_kind"],
                "item_id": str(cmd.get("item_id") or ""),
                "audience": cmd["audience"],
                "provision": provision,
                "decided_by": str(cmd["decided_by"]).strip(),
                "notes": Personal.of(cmd.get("notes")),
            }
            decision_id = str(uuid.uuid4())
            youth.decide_secrecy(
                decision_id=decision_id,
                effective_at=decided_at,
                body=body,
                actor=request.actor,
                now=self.now(),
            )
            return Outcome((youth,), 201, decision_json(youth, youth.secrecy[decision_id]))

        return self.execute(request, command)

    def release_secrecy(
        self, request: Request, youth_id: str, decision_id: str, cmd: dict[str, Any]
    ) -> tuple[int, Any]:
        require_role(request.actor, "youth.write")

        def command() -> Outcome:
            youth = self.writable_youth(request, youth_id)
            released_at = self.check_moment(cmd.get("released_at"), "released_at")
            youth.release_secrecy(
                decision_id=decision_id,
                effective_at=released_at,
                body={"notes": Personal.of(cmd.get("notes"))},
                actor=request.actor,
                now=self.now(),
            )
            return Outcome((youth,), 201, decision_json(youth, youth.secrecy[decision_id]))

        return self.execute(request, command)

    def list_secrecy(self, request: Request, youth_id: str) -> list[dict[str, Any]]:
        require_role(request.actor, "youth.review")
        youth = access.require(request.actor, "youth.review", self.youth(youth_id))
        self.log_access(request.actor, "list_secrecy_decisions", str(youth.id))
        return [decision_json(youth, d) for d in youth.secrecy.values()]

"""Use cases of retention (ledger/retention.py): the youths whose records are due for disposal, and
erasure that refuses before the disposal date unless given a reason and a second actor's approval."""

from __future__ import annotations

from typing import Any

from ledger import access
from ledger.access import require_role
from ledger.application import Request
from ledger.errors import Conflict, Invalid
from ledger.retention import early_erasure_refused
from ledger.timeutil import local_date
from ledger.usecases.maintenance import MaintenanceUseCases
from ledger.youth import Youth


class RetentionUseCases(MaintenanceUseCases):
    def due_for_disposal(self, request: Request) -> list[dict[str, Any]]:
        """Every youth whose disposal date has come and whose data is not yet erased; a coordinator
        sees those their agency takes part in."""
        actor = request.actor
        require_role(actor, "retention.read")
        rows = self.database.read(
            self.database.tables.audit, types=["youth.registered"], limit=10_000_000
        )
        today = local_date(self.now())
        out, shown = [], []
        for youth_id in dict.fromkeys(r.youth_id for r in rows if r.youth_id):
            youth = self.youth(youth_id)
            if youth.erased is not None:
                continue
            if not actor.has("auditor", "admin") and not access.takes_part(youth, actor.agency_id):
                continue
            due = self.disposal_of(youth)
            if due.due(today):
                out.append({"youth_id": str(youth.id), **due.to_json()})
                shown.append(str(youth.id))
        self.log_reads(actor, "retention_due", shown)
        return out

    def erase_when_due(
        self,
        request: Request,
        youth_id: str,
        *,
        reason: str,
        approved_by: str | None,
        operator: str,
    ) -> dict[str, Any]:
        """`ledger erase`: crypto-shred the youth's personal data, refused before the disposal date
        unless given a reason and a second actor's approval; the erasure records both."""
        require_role(request.actor, "admin")
        if not reason.strip():
            raise Invalid.field("reason", "must not be empty")
        youth: Youth = self.youth(youth_id)
        due = self.disposal_of(youth)
        if youth.erased is None:
            refused = early_erasure_refused(
                due, self.now(), reason=reason, approved_by=approved_by, operator=operator
            )
            if refused is not None:
                raise Conflict(refused)
        early = not due.due(local_date(self.now()))
        return self.erase(
            request,
            youth_id,
            reason=reason,
            approved_by=approved_by.strip() if early and approved_by else None,
            disposal_date=due.date.isoformat() if early and due.date else None,
        )

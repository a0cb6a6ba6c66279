"""The consent to the intervention itself, kept apart from consents to share information (issue
14). Seed 004: "För att en insats ska kunna beviljas förutsätts att den enskilde samtycker till
insatsen", and "Insatsen avslutas också om individen inte längre samtycker till insatsen";
DOMAIN.md: "Consent to support measures … is a different thing from consent to share information:
keep them apart." So it never covers a disclosure; a case holds at most one in effect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.consent import Fact
from ledger.personal import reveal
from ledger.timeutil import iso


@dataclass(frozen=True)
class InterventionConsent:
    case_id: str
    given: Fact  # data: givers, method, notes (personal), obtained_at
    withdrawn: Fact | None = None  # data: withdrawn_by, communicated, notes, effective_at

    def status(self, at: datetime, known_at: datetime) -> str:
        if self.given.recorded_at > known_at or self.given.effective_at > at:
            return "not_recorded"
        w = self.withdrawn
        if w is not None and w.recorded_at <= known_at and w.effective_at <= at:
            return "withdrawn"
        return "given"


def intervention_view(
    held: tuple[InterventionConsent, ...], at: datetime, known_at: datetime
) -> dict[str, Any]:
    """The case's consent to the intervention as a view: its status now, and each one given (the
    latest last). `not_recorded`: the case records none (cases opened before issue 14 too)."""
    history = [
        {
            "given_at": iso(c.given.effective_at),
            "givers": list(c.given.data.get("givers") or []),
            "method": c.given.data.get("method"),
            "form_reference": c.given.data.get("form_reference"),
            "notes": reveal(c.given.data.get("notes")),
            "recorded_at": iso(c.given.recorded_at),
            "withdrawn_at": iso(c.withdrawn.effective_at) if c.withdrawn else None,
            "withdrawn_by": c.withdrawn.data.get("withdrawn_by") if c.withdrawn else None,
            "communicated": c.withdrawn.data.get("communicated") if c.withdrawn else None,
        }
        for c in held
    ]
    status = held[-1].status(at, known_at) if held else "not_recorded"
    return {"status": status, "history": history}

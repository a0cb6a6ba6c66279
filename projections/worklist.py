"""The coordinator's worklist: over the youths their agency takes part in (registered, or in one
of the youth's cases), what needs doing now. Consents waiting for a signature and whom they wait
for; consents whose validity ends within 30 days; consents resting on the guardians that lapse
within 60 days because the youth turns 18 (FB 6 kap. 2 §: custody ends at 18); the SIG alerts of
the open cases (seed 004, "Avsluta"); refused attempts, disclosures documented afterwards and
attempts to register the youth again in the last week; youths whose records are due for disposal.
Each line names its youth.

Who sees it: a coordinator (the door of youth.write), and of each youth only what youth.read
lets their agency read (ledger/access.py); the read is logged for every youth it shows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ledger import access
from ledger.access import require_role
from ledger.application import Request
from ledger.personal import reveal
from ledger.service import Ledger
from ledger.timeutil import iso
from ledger.usecases.youths import formatted_number
from ledger.youth import Youth

EXPIRING_DAYS = 30
TURNING_18_DAYS = 60
RECENT_DAYS = 7
SECTIONS = ("pending", "expiring", "turning18", "alerts", "attempts", "disposal")


def worklist(ledger: Ledger, request: Request) -> dict[str, Any]:
    actor = request.actor
    require_role(actor, "youth.write")
    rows = ledger.database.read(
        ledger.database.tables.audit,
        types=["youth.registered", "youth.case_opened"],
        agency_id=actor.agency_id,
        limit=10_000_000,
    )
    youth_ids = list(dict.fromkeys(r.youth_id for r in rows if r.youth_id))
    now = ledger.now()
    out: dict[str, list[dict[str, Any]]] = {s: [] for s in SECTIONS}
    shown: list[str] = []
    for youth_id in youth_ids:
        youth = ledger.youth(youth_id)
        if youth.erased is not None or not access.may(actor, "youth.read", youth):
            continue
        before = sum(len(v) for v in out.values())
        _youth_lines(ledger, youth, now, out)
        if sum(len(v) for v in out.values()) > before:
            shown.append(str(youth.id))
    ledger.log_reads(actor, "worklist", shown, {"agency_id": actor.agency_id})
    for lines in out.values():
        lines.sort(key=lambda line: line["at"] or "")
    return {"generated_at": iso(now), **out}


def _youth_lines(
    ledger: Ledger, youth: Youth, now: datetime, out: dict[str, list[dict[str, Any]]]
) -> None:
    who = {
        "youth_id": str(youth.id),
        "name": reveal(youth.name),
        "personal_number": formatted_number(youth.personal_number),
    }
    names = {g: reveal(n) for g, n in youth.guardian_names.items()}
    positions = ledger.positions(youth.id)
    for consent_id in youth.consents:
        c = ledger.consent_json(youth, consent_id, now=now, positions=positions)
        status = c["status"]
        if status == "pending":
            waiting = [{**m, "name": names.get(m.get("guardian_id") or "")} for m in c["missing"]]
            out["pending"].append(
                {**who, "consent_id": consent_id, "at": c["registered_at"], "missing": waiting}
            )
        if status in ("active", "partially_revoked", "pending"):
            until = datetime.fromisoformat(c["valid_until"]) if c["valid_until"] else None
            if until is not None and now <= until <= now + timedelta(days=EXPIRING_DAYS):
                out["expiring"].append({**who, "consent_id": consent_id, "at": c["valid_until"]})
            lapses = datetime.fromisoformat(c["lapses_at"]) if c["lapses_at"] else None
            if lapses is not None and now <= lapses <= now + timedelta(days=TURNING_18_DAYS):
                out["turning18"].append({**who, "consent_id": consent_id, "at": c["lapses_at"]})
    for case in youth.cases.values():
        for alert in ledger.case_alerts(youth, case, now):
            out["alerts"].append({**who, **alert, "at": alert["since"], "case_id": case.case_id})
    since = now - timedelta(days=RECENT_DAYS)
    for d in youth.disclosures.values():
        if d.fact.recorded_at < since:
            continue
        retrospective = bool(d.fact.data.get("retrospective"))
        if not d.accepted or retrospective:
            out["attempts"].append(
                {
                    **who,
                    **d.summary(),
                    "kind": "refused" if not d.accepted else "retrospective",
                    "at": iso(d.fact.recorded_at),
                }
            )
    # Issue 14: records due for disposal under their agency kind's retention rule
    # (ledger/retention.py; GET /v1/retention/due lists the same youths).
    disposal = ledger.disposal_of(youth)
    if disposal.due(now.date()):
        out["disposal"].append(
            {**who, **disposal.to_json(), "at": disposal.to_json()["disposal_date"]}
        )
    for fact in youth.registration_attempts:
        if fact.recorded_at >= since:
            out["attempts"].append(
                {
                    **who,
                    "kind": "registration",
                    "from_agency": fact.agency_id,
                    "at": iso(fact.recorded_at),
                }
            )

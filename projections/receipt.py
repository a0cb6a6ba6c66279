"""The person's own receipt of a consent, after the Kantara Initiative Consent Receipt
Specification (v1.1): who the controllers are, for which purposes, which categories to which
recipients in which situations, for how long, how to revoke; and the consent's place in the log with
an offline-verifiable inclusion proof, so the person can later show what they agreed to. The same
access rule as reading the consent (`youth.read`), and the read is logged like it."""

from __future__ import annotations

import uuid
from typing import Any

from ledger import access
from ledger.actor import Actor
from ledger.application import Request
from ledger.errors import LedgerError
from ledger.integrity import IntegrityService
from ledger.service import Ledger
from ledger.timeutil import iso
from ledger.usecases.youths import formatted_number
from ledger.youth import Youth

VERSION = "KI-CR-v1.1.0"
POLICY_URL = (
    "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/"
    "offentlighets-och-sekretesslag-2009400_sfs-2009-400/"
)
# Special categories (GDPR art. 9: health) and data on offences (art. 10).
SENSITIVE = frozenset({"health_psychiatry", "substance_use", "police_incidents"})
METHODS = {"written": "skriftligt", "oral": "muntligt"}


def consent_receipt(
    ledger: Ledger, integrity: IntegrityService, request: Request, consent_id: str
) -> dict[str, Any]:
    actor = request.actor
    access.require_role(actor, "youth.read")
    youth = access.require(actor, "youth.read", ledger.youth_of("consent", consent_id))
    ledger.log_access(actor, "read_consent_receipt", str(youth.id), {"consent_id": consent_id})
    return receipt(ledger, integrity, actor, youth, consent_id)


def receipt(
    ledger: Ledger, integrity: IntegrityService, actor: Actor, youth: Youth, consent_id: str
) -> dict[str, Any]:
    now = ledger.now()
    state = ledger.consent_state(youth, consent_id, at=now, known_at=now)
    facts = youth.consent_facts(consent_id)
    positions = ledger.positions(youth.id)
    scope = state.scope
    grant = state.granted.data
    agencies = {a: _agency(ledger, a) for a in sorted(scope.agencies)}
    labels = {c.id: c.label_sv for c in ledger.catalogue.categories}
    purposes = {p.id: p.label_sv for p in ledger.catalogue.purposes}
    situations = {s.id: s.label_sv for s in ledger.catalogue.situations}
    categories = sorted(scope.categories)
    validity = {
        "valid_from": iso(state.valid_from),
        "valid_until": iso(state.valid_until) if state.valid_until else None,
        "lapses_at": iso(state.lapses_at) if state.lapses_at else None,
    }
    termination = "Gäller tills vidare, tills samtycket återkallas"
    if state.valid_until is not None:
        termination = f"Gäller till och med {iso(state.valid_until)} eller tills det återkallas"
    if state.lapses_at is not None:
        termination += f"; vårdnadshavarnas samtycke upphör {iso(state.lapses_at)} (18 år)"
    recipients = ", ".join(a["name"] for a in agencies.values())
    registrar = _agency(ledger, state.granted.agency_id)
    position = positions.get(state.granted.version)
    proof: dict[str, Any] | None = None
    if position is not None:
        try:
            proof = integrity.bundle(position)
        except (LookupError, LedgerError, ValueError):
            proof = None  # the receipt still says where; the proof can be fetched later
    case = youth.cases.get(state.case_id) if state.case_id else None
    return {
        # -- the Kantara consent receipt fields --------------------------------------------
        "version": VERSION,
        "jurisdiction": "SE",
        "consentTimestamp": int(state.granted.effective_at.timestamp()),
        "collectionMethod": METHODS.get(grant.get("method", ""), grant.get("method")),
        "consentReceiptID": str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"consent-ledger:{consent_id}:{len(facts)}")
        ),
        "language": "sv",
        "piiPrincipalId": _principal(actor, youth),
        "piiControllers": [
            {
                "piiController": a["name"],
                "piiControllerId": agency_id,
                "contact": a["name"],
                "onBehalf": False,
                "kind": a["kind"],
            }
            for agency_id, a in agencies.items()
        ],
        "policyUrl": POLICY_URL,
        "services": [
            {
                "service": f"Samverkan {case.form}" if case else "Samverkan kring barn och unga",
                "purposes": [
                    {
                        "purpose": purposes.get(p, p),
                        "purposeCategory": [p],
                        "consentType": "EXPLICIT",
                        "piiCategory": [labels.get(c, c) for c in categories],
                        "primaryPurpose": True,
                        "termination": termination,
                        "thirdPartyDisclosure": True,
                        "thirdPartyName": recipients,
                    }
                    for p in scope.covered_purposes()
                ],
            }
        ],
        "sensitive": bool(SENSITIVE & scope.categories),
        "spiCat": sorted(SENSITIVE & scope.categories),
        # -- the ledger's own -----------------------------------------------------------------
        "consent_id": consent_id,
        "youth_id": str(youth.id),
        "status": state.status(now),
        "recorded_by": registrar,
        "recipients": list(agencies.values()),
        "directions": scope.to_json()["directions"],
        "categories": [{"id": c, "label_sv": labels.get(c, c)} for c in categories],
        "purposes": [{"id": p, "label_sv": purposes.get(p, p)} for p in scope.covered_purposes()],
        "situations": [
            {"id": s, "label_sv": situations.get(s, s)} for s in scope.covered_situations()
        ],
        "givers": [
            g.to_json() for g in sorted(state.givers, key=lambda g: (g.party, g.guardian_id or ""))
        ],
        "validity": validity,
        "how_to_revoke": (
            "Du kan när som helst återkalla samtycket, helt eller för en del (en verksamhet, en "
            "sorts uppgifter, ett syfte), muntligt eller skriftligt, hos "
            f"{registrar['name']} eller någon av de andra verksamheterna ovan. Återkallelsen gäller "
            "från den tidpunkt du anger; det som redan har lämnats ut finns kvar hos mottagaren."
        ),
        "informed_of_revocation": bool(grant.get("informed_of_revocation")),
        "copy_given": bool(grant.get("copy_given")),
        "log": {
            "position": position,
            "positions": [positions.get(f.version) for f in facts],
            "inclusion": proof,
        },
    }


def _principal(actor: Actor, youth: Youth) -> str:
    number = (
        formatted_number(youth.personal_number) if access.may(actor, "youth.read", youth) else None
    )
    return number or str(youth.id)


def _agency(ledger: Ledger, agency_id: str) -> dict[str, Any]:
    try:
        agency = ledger.agency(agency_id)
    except LedgerError:
        return {"id": agency_id, "name": agency_id, "kind": None}
    return {"id": agency_id, "name": agency.name, "kind": agency.kind}

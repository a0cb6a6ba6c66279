"""HL7 FHIR R4 views for health-care partners and audit systems: a consent as a `Consent`, a youth's
consents as a `Bundle`, a disclosure as an `AuditEvent`. They read what the JSON views read, through
the same access rules (ledger/access.py), and each read is logged like theirs. The youth is named by
personnummer (OID 1.2.752.129.2.1.3.1; samordningsnummer 1.2.752.129.2.1.3.3) only where the token
may read the youth's record; otherwise by the ledger's opaque id. README "FHIR" says what maps."""

from __future__ import annotations

import contextlib
from typing import Any

from ledger import access
from ledger.actor import Actor
from ledger.application import Request
from ledger.consent import ConsentState, Giver
from ledger.errors import Forbidden, LedgerError, NotFound
from ledger.personal import reveal
from ledger.service import Ledger
from ledger.timeutil import iso
from ledger.youth import Disclosure, Youth

FHIR_JSON = "application/fhir+json"
PERSONNUMMER = "urn:oid:1.2.752.129.2.1.3.1"
SAMORDNINGSNUMMER = "urn:oid:1.2.752.129.2.1.3.3"
LEDGER = "urn:consent-ledger"
SYSTEM = {
    "youth": f"{LEDGER}:youth",
    "guardian": f"{LEDGER}:guardian",
    "agency": f"{LEDGER}:agency",
    "consent": f"{LEDGER}:consent",
    "disclosure": f"{LEDGER}:disclosure",
    "category": f"{LEDGER}:category",
    "purpose": f"{LEDGER}:purpose",
    "form": f"{LEDGER}:form",
    "provision": f"{LEDGER}:provision",
}
SITUATION_EXTENSION = "https://consent-ledger.local/fhir/StructureDefinition/situation"
LAPSES_EXTENSION = "https://consent-ledger.local/fhir/StructureDefinition/lapses-at"
DCM = "http://dicom.nema.org/resources/ontology/DCM"
# The ledger's status in FHIR R4's Consent.status (draft | proposed | active | rejected |
# inactive | entered-in-error).
STATUS = {
    "pending": "proposed",
    "active": "active",
    "partially_revoked": "active",
    "revoked": "inactive",
    "expired": "inactive",
    "lapsed": "inactive",
    "annulled": "entered-in-error",
}


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out = {"system": system, "code": code}
    if display is not None:
        out["display"] = display
    return out


def _concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    return {"coding": [_coding(system, code, display)]}


def _agency(ledger: Ledger, agency_id: str) -> dict[str, Any]:
    ref: dict[str, Any] = {
        "type": "Organization",
        "identifier": {"system": SYSTEM["agency"], "value": agency_id},
    }
    with contextlib.suppress(LedgerError):  # one the registry does not know: its id says who
        ref["display"] = ledger.agency(agency_id).name
    return ref


def patient(actor: Actor, youth: Youth) -> dict[str, Any]:
    """The youth as a Reference: by personnummer where the token may read the youth's record."""
    digits = reveal(youth.personal_number) if access.may(actor, "youth.read", youth) else None
    if digits:
        system = SAMORDNINGSNUMMER if int(digits[6:8]) > 60 else PERSONNUMMER
        return {"type": "Patient", "identifier": {"system": system, "value": digits}}
    return {"type": "Patient", "identifier": {"system": SYSTEM["youth"], "value": str(youth.id)}}


# -- Consent ---------------------------------------------------------------------------------
def consent_resource(ledger: Ledger, actor: Actor, youth: Youth, consent_id: str) -> dict[str, Any]:
    now = ledger.now()
    state = ledger.consent_state(youth, consent_id, at=now, known_at=now)
    facts = youth.consent_facts(consent_id)
    scope = state.scope
    status = state.status(now)
    provision: dict[str, Any] = {
        "type": "permit",
        "period": _period(state),
        "actor": [
            {
                "role": _concept(
                    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                    "IRCP",
                    "information recipient",
                ),
                "reference": _agency(ledger, agency_id),
            }
            for agency_id in sorted(scope.agencies)
        ],
        "purpose": [_coding(SYSTEM["purpose"], p) for p in scope.covered_purposes()],
        "class": [_coding(SYSTEM["category"], c) for c in sorted(scope.categories)],
    }
    situations = [{"url": SITUATION_EXTENSION, "valueCode": s} for s in scope.covered_situations()]
    if situations:
        provision["extension"] = situations
    if scope.directions is not None:
        provision["provision"] = [_direction(ledger, a, b) for a, b in sorted(scope.directions)]
    category = [_concept("http://loinc.org", "59284-0", "Patient Consent")]
    case = youth.cases.get(state.case_id) if state.case_id else None
    if case is not None:
        category.append(_concept(SYSTEM["form"], case.form))
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "id": consent_id,
        "meta": {"versionId": str(len(facts)), "lastUpdated": iso(facts[-1].recorded_at)},
        "identifier": [{"system": SYSTEM["consent"], "value": consent_id}],
        "status": STATUS[status],
        "scope": _concept(
            "http://terminology.hl7.org/CodeSystem/consentscope",
            "patient-privacy",
            "Privacy Consent",
        ),
        "category": category,
        "patient": patient(actor, youth),
        "dateTime": iso(state.granted.effective_at),
        "performer": [_giver(actor, youth, g) for g in _sorted_givers(state)],
        "organization": [_agency(ledger, state.granted.agency_id)],
        "policyRule": {
            **_concept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN", "opt-in"),
            "text": "Samtycke till utlämnande enligt OSL 10 kap. 1 § och 12 kap. 2 §",
        },
        "provision": provision,
    }
    form_reference = state.granted.data.get("form_reference")
    if isinstance(form_reference, str) and form_reference:
        resource["sourceAttachment"] = {"title": form_reference}
    if state.lapses_at is not None:
        resource["extension"] = [{"url": LAPSES_EXTENSION, "valueDateTime": iso(state.lapses_at)}]
    return resource


def _period(state: ConsentState) -> dict[str, Any]:
    period = {"start": iso(state.valid_from)}
    ends = [t for t in (state.valid_until, state.lapses_at) if t is not None]
    if ends:
        period["end"] = iso(min(ends))
    return period


def _direction(ledger: Ledger, from_agency: str, to_agency: str) -> dict[str, Any]:
    participation = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
    return {
        "type": "permit",
        "actor": [
            {
                "role": _concept(participation, "AUT", "author"),
                "reference": _agency(ledger, from_agency),
            },
            {
                "role": _concept(participation, "IRCP", "information recipient"),
                "reference": _agency(ledger, to_agency),
            },
        ],
    }


def _sorted_givers(state: ConsentState) -> list[Giver]:
    return sorted(state.givers, key=lambda g: (g.party, g.guardian_id or ""))


def _giver(actor: Actor, youth: Youth, giver: Giver) -> dict[str, Any]:
    if giver.party == "youth":
        return patient(actor, youth)
    return {
        "type": "RelatedPerson",
        "identifier": {"system": SYSTEM["guardian"], "value": giver.guardian_id or ""},
    }


def read_consent_fhir(ledger: Ledger, request: Request, consent_id: str) -> dict[str, Any]:
    actor = request.actor
    access.require_role(actor, "youth.read")
    youth = access.require(actor, "youth.read", ledger.youth_of("consent", consent_id))
    ledger.log_access(
        actor, "read_consent", str(youth.id), {"consent_id": consent_id, "as": "fhir"}
    )
    return consent_resource(ledger, actor, youth, consent_id)


def consents_bundle(ledger: Ledger, request: Request, youth_id: str) -> dict[str, Any]:
    actor = request.actor
    access.require_role(actor, "youth.read")
    youth = access.require(actor, "youth.read", ledger.youth(youth_id))
    ledger.log_access(actor, "list_consents", str(youth.id), {"as": "fhir"})
    entries = [{"resource": consent_resource(ledger, actor, youth, cid)} for cid in youth.consents]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": iso(ledger.now()),
        "total": len(entries),
        "entry": entries,
    }


# -- AuditEvent ------------------------------------------------------------------------------
def audit_event(ledger: Ledger, actor: Actor, youth: Youth, d: Disclosure) -> dict[str, Any]:
    data = d.fact.data
    decision = data.get("decision") or {}
    agents = [
        {
            "type": _concept(DCM, "110153", "Source Role ID"),
            "who": _agency(ledger, data["from_agency"]),
            "requestor": True,
        },
        *(
            {
                "type": _concept(DCM, "110152", "Destination Role ID"),
                "who": _agency(ledger, to),
                "requestor": False,
            }
            for to in data["to_agencies"]
        ),
    ]
    details = [{"type": "category", "valueString": c} for c in data["categories"]]
    if data.get("situation"):
        details.append({"type": "situation", "valueString": data["situation"]})
    if data.get("retrospective"):
        details.append({"type": "retrospective", "valueString": "true"})
    entities: list[dict[str, Any]] = [
        {
            "what": patient(actor, youth),
            "type": _coding(
                "http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"
            ),
            "role": _coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"),
            "detail": details,
        }
    ]
    basis = data["basis"]
    if basis["kind"] == "consent":
        entities += [
            {
                "what": {"reference": f"Consent/{cid}"},
                "type": _coding(
                    "http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"
                ),
                "description": "the consent the disclosure rested on",
            }
            for cid in decision.get("consent_ids") or []
        ]
    else:
        entities.append(
            {
                "what": {
                    "identifier": {"system": SYSTEM["provision"], "value": basis["provision"]}
                },
                "description": "the statutory provision the disclosure rested on",
            }
        )
    reasons = sorted({r["code"] for r in decision.get("reasons") or []})
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": d.disclosure_id,
        "type": _coding(DCM, "110106", "Export"),
        "subtype": [_coding(SYSTEM["disclosure"], "recorded" if d.accepted else "refused")],
        "action": "E",
        "period": {"start": iso(d.fact.effective_at), "end": iso(d.fact.effective_at)},
        "recorded": iso(d.fact.recorded_at),
        "outcome": "0" if d.accepted else "4",
        "purposeOfEvent": [_concept(SYSTEM["purpose"], data["purpose"])],
        "agent": agents,
        "source": {
            "site": "consent-ledger",
            "observer": {"display": "consent ledger"},
            "type": [
                _coding(
                    "http://terminology.hl7.org/CodeSystem/security-source-type",
                    "4",
                    "Application Server",
                )
            ],
        },
        "entity": entities,
    }
    if reasons:
        event["outcomeDesc"] = " ".join(reasons)
    return event


def read_audit_event(ledger: Ledger, request: Request, disclosure_id: str) -> dict[str, Any]:
    """A disclosure as an AuditEvent: for the agencies that made or received it, and for those
    who may review the youth (the rule of `GET /v1/disclosures`)."""
    actor = request.actor
    access.require_role(actor, "disclosures.list")
    youth = ledger.youth_of("disclosure", disclosure_id)
    disclosure = youth.disclosures.get(disclosure_id)
    if disclosure is None:
        raise NotFound("no such disclosure")
    if not access.may_see_disclosure(actor, youth, disclosure):
        raise Forbidden("only the agencies of a disclosure, and its youth's reviewers, see it")
    ledger.log_access(
        actor, "read_disclosure", str(youth.id), {"disclosure_id": disclosure_id, "as": "fhir"}
    )
    return audit_event(ledger, actor, youth, disclosure)


def audit_bundle(
    ledger: Ledger, actor: Actor, items: list[dict[str, Any]], next_url: str | None
) -> dict[str, Any]:
    """A page of `GET /v1/disclosures` (already decided and logged there) as a Bundle of
    AuditEvent."""
    entries = []
    for item in items:
        youth = ledger.youth(item["youth_id"])
        disclosure = youth.disclosures[item["id"]]
        entries.append({"resource": audit_event(ledger, actor, youth, disclosure)})
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": iso(ledger.now()),
        "entry": entries,
    }
    if next_url is not None:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle

"""HL7 FHIR R4 views (projections/fhir.py): a consent as `Consent`, a youth's consents as a
`Bundle`, a disclosure as `AuditEvent`; answered as `application/fhir+json`. `GET /v1/consents/{id}`
and `GET /v1/consents?youth_id=` give the same with `Accept: application/fhir+json`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import LedgerDep, Reader, allow
from projections.fhir import FHIR_JSON, consents_bundle, read_audit_event, read_consent_fhir

router = APIRouter(prefix="/v1", tags=["fhir"])

FHIR_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {FHIR_JSON: {"schema": {"type": "object"}}}}
}


class FHIRResponse(JSONResponse):
    media_type = FHIR_JSON


def wants_fhir(accept: str | None) -> bool:
    return accept is not None and FHIR_JSON in accept


def fhir(body: dict[str, Any]) -> JSONResponse:
    return FHIRResponse(body)


@router.get(
    "/consents/{consent_id}/fhir",
    summary="A consent as an HL7 FHIR R4 Consent",
    response_class=FHIRResponse,
    responses=FHIR_RESPONSE,
    dependencies=[allow("youth.read")],
)
def consent_fhir(consent_id: str, ledger: LedgerDep, ctx: Reader) -> JSONResponse:
    return fhir(read_consent_fhir(ledger, ctx, consent_id))


@router.get(
    "/youths/{youth_id}/consents/fhir",
    summary="A youth's consents as an HL7 FHIR R4 Bundle of Consent",
    response_class=FHIRResponse,
    responses=FHIR_RESPONSE,
    dependencies=[allow("youth.read")],
)
def youth_consents_fhir(youth_id: str, ledger: LedgerDep, ctx: Reader) -> JSONResponse:
    return fhir(consents_bundle(ledger, ctx, youth_id))


@router.get(
    "/disclosures/{disclosure_id}/fhir",
    summary="A disclosure as an HL7 FHIR R4 AuditEvent",
    response_class=FHIRResponse,
    responses=FHIR_RESPONSE,
    dependencies=[allow("disclosures.list")],
)
def disclosure_fhir(disclosure_id: str, ledger: LedgerDep, ctx: Reader) -> JSONResponse:
    return fhir(read_audit_event(ledger, ctx, disclosure_id))

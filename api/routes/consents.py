"""Consents (coordinator): grant, signatures, extensions, revocations, annulments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse

from api.deps import CommandDep, LedgerDep, PageDep, Reader, allow, respond
from api.routes.fhir import FHIR_RESPONSE, fhir, wants_fhir
from api.schemas import AnnulmentIn, ConsentIn, ExtensionIn, RevocationIn, SignatureIn, command_dict
from projections.fhir import consents_bundle, read_consent_fhir

router = APIRouter(prefix="/v1/consents", tags=["consents"])


@router.post("", status_code=201, summary="Record a consent", dependencies=[allow("youth.write")])
def grant(
    body: ConsentIn,
    ledger: LedgerDep,
    cmd: CommandDep,
) -> JSONResponse:
    return respond(ledger.grant_consent(cmd.of(body), command_dict(body)))


@router.get(
    "",
    summary="The consents of a youth",
    description="With `Accept: application/fhir+json`: an HL7 FHIR R4 Bundle of Consent.",
    response_model=dict[str, Any],
    responses=FHIR_RESPONSE,
    dependencies=[allow("youth.read")],
)
def list_consents(
    ledger: LedgerDep,
    ctx: Reader,
    page: PageDep,
    youth_id: Annotated[str, Query(min_length=1)],
    accept: Annotated[str | None, Header(alias="Accept")] = None,
) -> Any:
    if wants_fhir(accept):
        return fhir(consents_bundle(ledger, ctx, youth_id))
    return page.of(ledger.list_consents(ctx, youth_id))


@router.get(
    "/{consent_id}",
    summary="A consent with its current scope, status and history",
    description="With `Accept: application/fhir+json`: an HL7 FHIR R4 Consent.",
    response_model=dict[str, Any],
    responses=FHIR_RESPONSE,
    dependencies=[allow("youth.read")],
)
def read_consent(
    consent_id: str,
    ledger: LedgerDep,
    ctx: Reader,
    accept: Annotated[str | None, Header(alias="Accept")] = None,
) -> Any:
    if wants_fhir(accept):
        return fhir(read_consent_fhir(ledger, ctx, consent_id))
    body = ledger.read_consent(ctx, consent_id)
    body["links"] = {  # issue 17: the person's receipt and the FHIR view
        "receipt": f"/v1/consents/{consent_id}/receipt",
        "fhir": f"/v1/consents/{consent_id}/fhir",
    }
    return body


@router.post(
    "/{consent_id}/signatures",
    status_code=200,
    summary="A further giver signs",
    dependencies=[allow("youth.write")],
)
def sign(
    consent_id: str,
    body: SignatureIn,
    ledger: LedgerDep,
    cmd: CommandDep,
) -> JSONResponse:
    return respond(ledger.sign_consent(cmd.of(body), consent_id, command_dict(body)))


@router.post(
    "/{consent_id}/extensions",
    status_code=200,
    summary="Widen a consent, affirmed by its givers",
    dependencies=[allow("youth.write")],
)
def extend(
    consent_id: str,
    body: ExtensionIn,
    ledger: LedgerDep,
    cmd: CommandDep,
) -> JSONResponse:
    return respond(ledger.extend_consent(cmd.of(body), consent_id, command_dict(body)))


@router.post(
    "/{consent_id}/revocations",
    status_code=201,
    summary="Revoke a consent fully or partly",
    dependencies=[allow("youth.write")],
)
def revoke(
    consent_id: str,
    body: RevocationIn,
    ledger: LedgerDep,
    cmd: CommandDep,
) -> JSONResponse:
    return respond(ledger.revoke_consent(cmd.of(body), consent_id, command_dict(body)))


@router.post(
    "/{consent_id}/annulments",
    status_code=201,
    summary="Annul a consent entered in error",
    dependencies=[allow("youth.write")],
)
def annul(
    consent_id: str,
    body: AnnulmentIn,
    ledger: LedgerDep,
    cmd: CommandDep,
) -> JSONResponse:
    return respond(ledger.annul_consent(cmd.of(body), consent_id, reason=body.reason))

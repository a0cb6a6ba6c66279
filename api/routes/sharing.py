"""Decisions and disclosures (staff): the check, and the checked-and-recorded disclosure."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse

from api.deps import CommandDep, LedgerDep, PageDep, Reader, allow, respond
from api.routes.fhir import FHIR_RESPONSE, fhir, wants_fhir
from api.schemas import CheckIn, DisclosureIn, command_dict
from api.timefield import Instant
from projections.fhir import audit_bundle

router = APIRouter(prefix="/v1", tags=["decisions and disclosures"])


@router.post(
    "/decisions/check",
    summary="May this agency share this about this youth with that agency?",
    dependencies=[allow("check")],
    response_model=dict[str, Any],
)
def check(body: CheckIn, ledger: LedgerDep, ctx: Reader, request: Request) -> JSONResponse:
    decision = ledger.check(ctx, command_dict(body))
    request.app.state.metrics.decided("check", decision)
    # Rendered here: a returned dict would be validated against the response model in another
    # thread-pool hop (FastAPI does so for a plain `def` route). The answer is JSON-ready already.
    return JSONResponse(decision)


@router.post(
    "/disclosures",
    status_code=201,
    summary="Check and record a disclosure in one step",
    dependencies=[allow("share")],
)
def disclose(
    body: DisclosureIn,
    ledger: LedgerDep,
    cmd: CommandDep,
    request: Request,
) -> JSONResponse:
    status, answer = ledger.disclose(cmd.of(body), command_dict(body))
    if isinstance(answer, dict):
        request.app.state.metrics.decided("disclosure", answer.get("decision"))
    return respond((status, answer))


@router.get(
    "/disclosures",
    summary="Disclosures about a youth or involving an agency",
    description="With `Accept: application/fhir+json`: an HL7 FHIR R4 Bundle of AuditEvent.",
    response_model=dict[str, Any],
    responses=FHIR_RESPONSE,
    dependencies=[allow("disclosures.list")],
)
def list_disclosures(
    request: Request,
    ledger: LedgerDep,
    ctx: Reader,
    page: PageDep,
    youth_id: str | None = None,
    agency_id: str | None = None,
    since: Instant | None = None,
    until: Instant | None = None,
    include_refused: Annotated[bool, Query()] = False,
    accept: Annotated[str | None, Header(alias="Accept")] = None,
) -> Any:
    items = ledger.list_disclosures(
        ctx,
        youth_id=youth_id,
        agency_id=agency_id,
        since=since,
        until=until,
        include_refused=include_refused,
    )
    if wants_fhir(accept):  # issue 17: for the agency's audit systems
        shown = page.of(items)
        cursor = shown["next_cursor"]
        more = str(request.url.include_query_params(cursor=cursor)) if cursor else None
        return fhir(audit_bundle(ledger, ctx.actor, shown["items"], more))
    return page.of(items)

"""Administration: tokens, agencies and the catalogue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import CommandDep, CurrentActor, LedgerDep, PageDep, Reader, allow, respond
from api.schemas import AgencyIn, TokenIn

router = APIRouter(prefix="/v1", tags=["administration"])


@router.post(
    "/tokens", status_code=201, summary="Mint a token (admin)", dependencies=[allow("admin")]
)
def issue_token(
    body: TokenIn,
    ledger: LedgerDep,
    cmd: CommandDep,
) -> JSONResponse:
    ctx = cmd.of(body)
    return respond(
        ledger.issue_token(
            ctx,
            agency_id=body.agency_id,
            actor_id=body.actor_id,
            roles=list(body.roles),
            expires_at=body.expires_at,
        )
    )


@router.get(
    "/tokens", summary="The tokens, without their secrets (admin)", dependencies=[allow("admin")]
)
def list_tokens(ledger: LedgerDep, ctx: Reader, page: PageDep) -> dict[str, Any]:
    return page.of(ledger.list_tokens(ctx))


@router.post(
    "/tokens/{token_id}/revoke",
    status_code=200,
    summary="Revoke a token: 401 from the next request on (admin)",
    dependencies=[allow("admin")],
)
def revoke_token(token_id: str, ledger: LedgerDep, cmd: CommandDep) -> JSONResponse:
    return respond(ledger.revoke_token(cmd.of(None), token_id))


@router.post(
    "/agencies",
    status_code=201,
    summary="Register an agency (admin)",
    dependencies=[allow("admin")],
)
def register_agency(
    body: AgencyIn,
    ledger: LedgerDep,
    cmd: CommandDep,
) -> JSONResponse:
    ctx = cmd.of(body)
    return respond(
        ledger.register_agency(
            ctx,
            agency_id=body.id,
            name=body.name,
            kind=body.kind,
            municipality=body.municipality,
            org_number=body.org_number,
            dpo_contact=body.dpo_contact,
        )
    )


@router.get("/agencies", summary="List agencies")
def list_agencies(ledger: LedgerDep, actor: CurrentActor, page: PageDep) -> dict[str, Any]:
    return page.of(ledger.list_agencies())


@router.get("/catalogue", summary="Categories, purposes, situations and statutory provisions")
def catalogue(ledger: LedgerDep, actor: CurrentActor) -> dict[str, Any]:
    return ledger.catalogue.as_json()

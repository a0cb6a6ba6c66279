"""Decisions and disclosures (staff): the check, and the checked-and-recorded disclosure."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.deps import CommandDep, LedgerDep, PageDep, Reader, allow, respond
from api.schemas import CheckIn, DisclosureIn, command_dict
from api.timefield import Instant

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
    dependencies=[allow("disclosures.list")],
)
def list_disclosures(
    ledger: LedgerDep,
    ctx: Reader,
    page: PageDep,
    youth_id: str | None = None,
    agency_id: str | None = None,
    since: Instant | None = None,
    until: Instant | None = None,
    include_refused: Annotated[bool, Query()] = False,
) -> dict[str, Any]:
    items = ledger.list_disclosures(
        ctx,
        youth_id=youth_id,
        agency_id=agency_id,
        since=since,
        until=until,
        include_refused=include_refused,
    )
    return page.of(items)

"""Secrecy decisions towards the youth or the guardians (coordinator records and releases; the
extract's officials read)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import CommandDep, LedgerDep, PageDep, Reader, allow, respond
from api.schemas import SecrecyDecisionIn, SecrecyReleaseIn, command_dict

router = APIRouter(prefix="/v1/youths", tags=["youths and cases"])


@router.post(
    "/{youth_id}/secrecy-decisions",
    status_code=201,
    summary="Withhold an item from the guardians, the youth or both (a secrecy decision)",
    dependencies=[allow("youth.write")],
)
def decide_secrecy(
    youth_id: str, body: SecrecyDecisionIn, ledger: LedgerDep, cmd: CommandDep
) -> JSONResponse:
    return respond(ledger.decide_secrecy(cmd.of(body), youth_id, command_dict(body)))


@router.post(
    "/{youth_id}/secrecy-decisions/{decision_id}/release",
    status_code=201,
    summary="Release an item withheld under secrecy",
    dependencies=[allow("youth.write")],
)
def release_secrecy(
    youth_id: str, decision_id: str, body: SecrecyReleaseIn, ledger: LedgerDep, cmd: CommandDep
) -> JSONResponse:
    return respond(ledger.release_secrecy(cmd.of(body), youth_id, decision_id, command_dict(body)))


@router.get(
    "/{youth_id}/secrecy-decisions",
    summary="The secrecy decisions on a youth's record",
    dependencies=[allow("youth.review")],
)
def list_secrecy(youth_id: str, ledger: LedgerDep, ctx: Reader, page: PageDep) -> dict[str, Any]:
    return page.of(ledger.list_secrecy(ctx, youth_id))

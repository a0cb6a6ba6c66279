"""What a case records besides its opening and closing: network meetings, and the consent to the
intervention itself (coordinator records; those taking part read)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import CommandDep, LedgerDep, PageDep, Reader, allow, respond
from api.schemas import (
    InterventionConsentIn,
    InterventionWithdrawalIn,
    MeetingIn,
    command_dict,
)

router = APIRouter(prefix="/v1/cases", tags=["youths and cases"])


@router.post(
    "/{case_id}/meetings",
    status_code=201,
    summary="Record a network meeting of the case",
    dependencies=[allow("youth.write")],
)
def record_meeting(
    case_id: str, body: MeetingIn, ledger: LedgerDep, cmd: CommandDep
) -> JSONResponse:
    return respond(ledger.record_meeting(cmd.of(body), case_id, command_dict(body)))


@router.get(
    "/{case_id}/meetings",
    summary="The network meetings of a case, with the disclosures made at each",
    dependencies=[allow("youth.read")],
)
def list_meetings(case_id: str, ledger: LedgerDep, ctx: Reader, page: PageDep) -> dict[str, Any]:
    return page.of(ledger.list_meetings(ctx, case_id))


@router.post(
    "/{case_id}/intervention-consent",
    status_code=201,
    summary="Record the consent to the case's intervention (not to sharing)",
    dependencies=[allow("youth.write")],
)
def give_intervention_consent(
    case_id: str, body: InterventionConsentIn, ledger: LedgerDep, cmd: CommandDep
) -> JSONResponse:
    return respond(ledger.give_intervention_consent(cmd.of(body), case_id, command_dict(body)))


@router.post(
    "/{case_id}/intervention-consent/withdrawal",
    status_code=201,
    summary="Record that the consent to the case's intervention was withdrawn",
    dependencies=[allow("youth.write")],
)
def withdraw_intervention_consent(
    case_id: str, body: InterventionWithdrawalIn, ledger: LedgerDep, cmd: CommandDep
) -> JSONResponse:
    return respond(ledger.withdraw_intervention_consent(cmd.of(body), case_id, command_dict(body)))

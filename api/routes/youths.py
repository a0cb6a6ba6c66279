"""Youths, guardians and cases (coordinator)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.deps import CommandDep, LedgerDep, PageDep, Reader, allow, respond
from api.schemas import CaseIn, CloseCaseIn, EndIn, GuardianIn, PersonalNumberIn, YouthIn

router = APIRouter(prefix="/v1", tags=["youths and cases"])


@router.post(
    "/youths", status_code=201, summary="Register a youth", dependencies=[allow("youth.register")]
)
def register_youth(
    body: YouthIn,
    ledger: LedgerDep,
    cmd: CommandDep,
) -> JSONResponse:
    ctx = cmd.of(body)
    return respond(ledger.register_youth(ctx, personal_number=body.personal_number, name=body.name))


@router.get(
    "/youths",
    summary="Find a youth by personal number (0 or 1)",
    dependencies=[allow("youth.find")],
)
def find_youths(
    ledger: LedgerDep,
    ctx: Reader,
    page: PageDep,
    personal_number: Annotated[str, Query(min_length=10, max_length=13)],
) -> dict[str, Any]:
    return page.of(ledger.find_youths(ctx, personal_number))


@router.get(
    "/youths/{youth_id}",
    summary="A youth with guardians, cases and consents",
    dependencies=[allow("youth.read")],
)
def read_youth(youth_id: str, ledger: LedgerDep, ctx: Reader) -> dict[str, Any]:
    return ledger.read_youth(ctx, youth_id)


@router.post(
    "/youths/{youth_id}/personal-number",
    status_code=200,
    summary="Correct the youth's personal number (or replace a coordination number)",
    dependencies=[allow("youth.write")],
)
def correct_personal_number(
    youth_id: str,
    body: PersonalNumberIn,
    ledger: LedgerDep,
    cmd: CommandDep,
) -> JSONResponse:
    ctx = cmd.of(body)
    return respond(
        ledger.correct_personal_number(
            ctx, youth_id, personal_number=body.personal_number, reason=body.reason
        )
    )


@router.post(
    "/youths/{youth_id}/guardians",
    status_code=201,
    summary="Add a guardian",
    dependencies=[allow("youth.write")],
)
def add_guardian(
    youth_id: str,
    body: GuardianIn,
    ledger: LedgerDep,
    cmd: CommandDep,
) -> JSONResponse:
    ctx = cmd.of(body)
    return respond(
        ledger.add_guardian(
            ctx,
            youth_id,
            name=body.name,
            personal_number=body.personal_number,
            custody=body.custody,
            effective_at=body.effective_at,
        )
    )


@router.post(
    "/youths/{youth_id}/guardians/{guardian_id}/end",
    status_code=200,
    summary="End a guardianship",
    dependencies=[allow("youth.write")],
)
def end_guardian(
    youth_id: str,
    guardian_id: str,
    body: EndIn,
    ledger: LedgerDep,
    cmd: CommandDep,
) -> JSONResponse:
    ctx = cmd.of(body)
    return respond(
        ledger.end_guardian(
            ctx, youth_id, guardian_id, reason=body.reason, effective_at=body.effective_at
        )
    )


@router.post(
    "/cases",
    status_code=201,
    summary="Open a SIG or SSPF case",
    dependencies=[allow("youth.write")],
)
def open_case(
    body: CaseIn,
    ledger: LedgerDep,
    cmd: CommandDep,
) -> JSONResponse:
    ctx = cmd.of(body)
    return respond(
        ledger.open_case(
            ctx,
            youth_id=body.youth_id,
            form=body.form,
            agencies=body.agencies,
            coordinator_actor_id=body.coordinator_actor_id,
        )
    )


@router.get(
    "/cases/{case_id}", summary="A case with its alerts", dependencies=[allow("youth.read")]
)
def read_case(case_id: str, ledger: LedgerDep, ctx: Reader) -> dict[str, Any]:
    return ledger.read_case(ctx, case_id)


@router.post(
    "/cases/{case_id}/close",
    status_code=200,
    summary="Close a case",
    dependencies=[allow("youth.write")],
)
def close_case(
    case_id: str,
    body: CloseCaseIn,
    ledger: LedgerDep,
    cmd: CommandDep,
) -> JSONResponse:
    ctx = cmd.of(body)
    return respond(
        ledger.close_case(
            ctx,
            case_id,
            reason=body.reason,
            effective_at=body.effective_at,
            reason_code=body.reason_code,
        )
    )

"""Consent forms as versions (coordinator registers; anyone with a role reads)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import CommandDep, LedgerDep, PageDep, Reader, allow, respond
from api.schemas import ConsentFormIn

router = APIRouter(prefix="/v1/consent-forms", tags=["consents"])


@router.post(
    "",
    status_code=201,
    summary="Register a version of a consent form",
    dependencies=[allow("forms.register")],
)
def register_form(body: ConsentFormIn, ledger: LedgerDep, cmd: CommandDep) -> JSONResponse:
    return respond(
        ledger.register_form(cmd.of(body), name=body.name, version=body.version, text=body.text)
    )


@router.get(
    "",
    summary="The registered consent forms (without their texts)",
    dependencies=[allow("forms.read")],
)
def list_forms(ledger: LedgerDep, ctx: Reader, page: PageDep) -> dict[str, Any]:
    return page.of(ledger.list_forms(ctx))


@router.get(
    "/{form_id}",
    summary="A consent form with its text and SHA-256",
    dependencies=[allow("forms.read")],
)
def read_form(form_id: str, ledger: LedgerDep, ctx: Reader) -> dict[str, Any]:
    return ledger.read_form(ctx, form_id)

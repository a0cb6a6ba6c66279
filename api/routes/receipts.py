"""The person's receipt of a consent (projections/receipt.py): JSON after the Kantara consent
receipt specification, or with `Accept: text/html` a printable page in Swedish."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from api.deps import LedgerDep, Reader, allow
from projections.receipt import consent_receipt

router = APIRouter(prefix="/v1/consents", tags=["consents"])

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parents[1] / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@router.get(
    "/{consent_id}/receipt",
    summary="The person's receipt of a consent (Kantara consent receipt; HTML by Accept)",
    response_model=dict[str, Any],
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
    dependencies=[allow("youth.read")],
)
def receipt(
    consent_id: str,
    request: Request,
    ledger: LedgerDep,
    ctx: Reader,
    accept: Annotated[str | None, Header(alias="Accept")] = None,
) -> Any:
    body = consent_receipt(ledger, request.app.state.integrity, ctx, consent_id)
    if accept is not None and "text/html" in accept:
        page = TEMPLATES.get_template("consent_receipt.html").render(r=body, lang="sv")
        return HTMLResponse(page)
    return body

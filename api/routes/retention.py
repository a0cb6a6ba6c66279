"""Retention: the youths whose records are due for disposal (issue 14)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import LedgerDep, PageDep, Reader, allow

router = APIRouter(prefix="/v1/retention", tags=["retention"])


@router.get(
    "/due",
    summary="The youths whose disposal date has come (ids, dates and the rule)",
    dependencies=[allow("retention.read")],
)
def due(ledger: LedgerDep, ctx: Reader, page: PageDep) -> dict[str, Any]:
    return page.of(ledger.due_for_disposal(ctx))

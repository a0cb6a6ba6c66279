"""Operations: liveness, readiness and metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from api.deps import LedgerDep
from api.metrics import CONTENT_TYPE
from ledger.store.availability import RETRY_AFTER_SECONDS

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, Any]:
    return {"status": "ok"}


@router.get("/readyz", summary="The store answers and the read side is current")
def readyz(ledger: LedgerDep) -> JSONResponse:
    try:
        size = ledger.database.read(ledger.database.tables.tree_size)
    except Exception as e:  # any store failure means: not ready
        return JSONResponse(
            {"status": "unavailable", "reason": type(e).__name__},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    # The indexes are written in the events' own transaction: the lag is 0 unless that breaks.
    try:
        lag = max(size - ledger.database.read(ledger.database.tables.indexed_size), 0)
    except Exception as e:  # the store went away between the two reads
        return JSONResponse(
            {"status": "unavailable", "reason": type(e).__name__},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return JSONResponse({"status": "ready", "tree_size": size, "projections_lag": lag})


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
def metrics(request: Request, ledger: LedgerDep) -> Response:
    body = request.app.state.metrics.render(ledger)
    return Response(body, media_type=CONTENT_TYPE)

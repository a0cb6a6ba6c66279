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
def readyz(request: Request, ledger: LedgerDep) -> JSONResponse:
    """503 while the store does not answer, or while the audit index lacks more log positions
    than `LEDGER_READY_MAX_LAG` (default 0). The indexes are written in the events' own
    transaction, so any lag is a fault: a review read from that index would miss what it lacks
    until `ledger rebuild` restores it (API.md: "projections caught up within bounds")."""
    try:
        size, lag = ledger.database.read(ledger.database.tables.size_and_lag)
    except Exception as e:  # any store failure means: not ready
        return JSONResponse(
            {"status": "unavailable", "reason": type(e).__name__},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if lag > request.app.state.ready_max_lag:
        return JSONResponse(
            {"status": "behind", "tree_size": size, "projections_lag": lag}, status_code=503
        )
    return JSONResponse({"status": "ready", "tree_size": size, "projections_lag": lag})


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
def metrics(request: Request, ledger: LedgerDep) -> Response:
    body = request.app.state.metrics.render(ledger)
    return Response(body, media_type=CONTENT_TYPE)

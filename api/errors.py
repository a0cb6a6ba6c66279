"""One table from domain errors to RFC 9457 problem+json answers, and the handlers that use it.
Nothing else in the API builds an error answer; a client never sees a stack trace, and the server
log never holds one: an unexpected error is one line naming its type (ContainErrors)."""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import OperationalError, PersistenceError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.headers import ALWAYS, NO_STORE
from ledger.errors import (
    AlreadyExists,
    Conflict,
    Forbidden,
    IdempotencyConflict,
    Invalid,
    LedgerError,
    NotFound,
    Unauthenticated,
)
from ledger.integrity import InconsistentLog
from ledger.store.availability import RETRY_AFTER_SECONDS, StoreUnavailable, is_unavailable

log = logging.getLogger("ledger.api")
PROBLEM = "application/problem+json"
TYPE_BASE = "https://consent-ledger.example/problems/"

# Most specific first: the first matching class decides the status.
STATUS: list[tuple[type[LedgerError], int, str]] = [
    (Invalid, 422, "invalid-input"),
    (NotFound, 404, "not-found"),
    (AlreadyExists, 409, "already-exists"),
    (IdempotencyConflict, 409, "idempotency-key-reused"),
    (Conflict, 409, "conflict"),
    (Unauthenticated, 401, "unauthenticated"),
    (Forbidden, 403, "forbidden"),
]


def problem(status: int, slug: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def status_of(error: LedgerError) -> tuple[int, str]:
    for cls, status, slug in STATUS:
        if isinstance(error, cls):
            return status, slug
    return 400, "bad-request"


def _field(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "body"


async def on_ledger_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LedgerError)
    status, slug = status_of(exc)
    extra: dict[str, Any] = {}
    if isinstance(exc, Invalid):
        extra["errors"] = [{"field": f, "message": m} for f, m in exc.errors]
    if isinstance(exc, AlreadyExists):
        extra["existing_id"] = exc.existing_id
    return problem(status, slug, exc.title, exc.detail, **extra)


async def on_validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            # A body that is not JSON: its loc is the character position, which names no field.
            "field": "body" if e["type"] == "json_invalid" else _field(tuple(e["loc"])),
            "message": e["msg"],
        }
        for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, "invalid-input", "Invalid input", detail, errors=errors)


async def on_http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(exc.status_code, "http-error", str(exc.detail), str(exc.detail))


def store_unavailable(method: str, path: str, exc: BaseException) -> JSONResponse:
    # The type only, as everywhere: a driver's message may quote the row it failed on.
    log.error("store unavailable on %s %s: %s", method, path, type(exc).__name__)
    return problem(
        503,
        "store-unavailable",
        "Store unavailable",
        "the store cannot take the request now (away, full or read-only); nothing was written "
        "by this request, try it again later with the same Idempotency-Key",
    )


async def on_store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    return store_unavailable(request.method, request.url.path, exc)


async def on_persistence_error(request: Request, exc: Exception) -> JSONResponse:
    """A store failure that means "not now" (away, full, read-only) is a 503; anything else
    the store refused is the ledger's own fault, a 500."""
    if is_unavailable(exc):
        return store_unavailable(request.method, request.url.path, exc)
    return internal_error(request.method, request.url.path, exc)


async def on_inconsistent_log(request: Request, exc: Exception) -> JSONResponse:
    log.critical(
        "integrity failure on %s %s: %s", request.method, request.url.path, type(exc).__name__
    )
    return problem(
        500,
        "integrity-failure",
        "Integrity failure",
        "the log does not match its Merkle tree or its signed checkpoints; run `ledger verify`",
    )


def internal_error(method: str, path: str, exc: BaseException) -> JSONResponse:
    # The type only: messages and tracebacks may carry personal data.
    log.error("internal error on %s %s: %s", method, path, type(exc).__name__)
    return problem(
        500, "internal-error", "Internal error", "the ledger could not complete the request"
    )


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    if is_unavailable(exc):  # e.g. a driver error wrapped by another layer
        return store_unavailable(request.method, request.url.path, exc)
    return internal_error(request.method, request.url.path, exc)


class ContainErrors:
    """The outermost middleware. Starlette answers an unhandled error with the `Exception`
    handler and then raises it again to the server, which logs its traceback ("Exception in
    ASGI application"); here it ends instead, as one log line and a problem 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            if is_unavailable(exc):
                response = store_unavailable(scope["method"], scope["path"], exc)
            else:
                response = internal_error(scope["method"], scope["path"], exc)
            if not started:  # otherwise the client sees the answer cut short
                response.headers.update({**ALWAYS, **NO_STORE})
                await response(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(LedgerError, on_ledger_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(InconsistentLog, on_inconsistent_log)
    app.add_exception_handler(StoreUnavailable, on_store_unavailable)
    app.add_exception_handler(OperationalError, on_store_unavailable)
    app.add_exception_handler(PersistenceError, on_persistence_error)
    app.add_exception_handler(Exception, on_unexpected)

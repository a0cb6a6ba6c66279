"""Log lines with a request id, as text or (LEDGER_LOG_FORMAT=json) one JSON object a line.

Each request gets an id: the client's X-Request-ID when it is a UUID or 16-64 hex digits (as
proxies make them; nothing else, so that no name or personnummer can pass), else a new one;
it is sent back in X-Request-ID and stamped on every log line written while the request runs
(the access log, errors, the store going away). A log line holds no personal data: the access
log drops the query string (accesslog.WithoutQuery) and errors name only their type."""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
_current: ContextVar[str | None] = ContextVar("ledger_request_id", default=None)
# an id the client chose is kept only if it cannot carry anything but an id
_SAFE = re.compile(
    r"[0-9a-fA-F]{16,64}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def current_request_id() -> str | None:
    return _current.get()


class RequestIds:
    """ASGI middleware: the request's id in a context variable and in the answer's headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = given if _SAFE.fullmatch(given) else uuid.uuid4().hex
        token = _current.set(request_id)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            _current.reset(token)


class WithRequestId(logging.Filter):
    """Puts the current request's id (or "-") on every record as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, and for the access log
    the method, path (without its query) and status as fields of their own."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _current.get() or "-",
        }
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            line.update(method=args[1], path=args[2], status=args[4])
        if record.exc_info and record.exc_info[0] is not None:
            # the type only: a traceback or message may quote personal data
            line["error"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=False, default=str)

"""Hostile requests stopped before the app parses them: a path or query value holding a control
character (NUL included, which PostgreSQL cannot even store) is a 422 naming it; a body over 1 MiB
is a 413 (by its Content-Length, or by counting what arrives when it has none), and a JSON body
that repeats a key in an object, or nests too deeply to parse, is a 422 naming the body."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem
from api.textfield import has_control

MAX_BODY_BYTES = 1024 * 1024


class BodyLimits:
    """Reads the whole body (at most MAX_BODY_BYTES) before the app runs, answers 413 or 422
    itself when the body is refused, and otherwise hands the app the same bytes."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = refuse_request_line(scope)
        if refused is not None:
            await refused(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self.too_large()(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left: there is no one to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self.too_large()(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        refusal = refuse_json(body) if body and _is_json(headers.get("content-type")) else None
        if refusal is not None:
            await refusal(scope, receive, send)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: wait for the disconnect
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def too_large(self) -> Response:
        return problem(
            413,
            "body-too-large",
            "Body too large",
            f"a request body may hold at most {self.max_bytes:,} bytes",
        )


def refuse_request_line(scope: Scope) -> Response | None:
    """A 422 for a path or query value with a control character; None when there is none."""
    field = "path" if has_control(scope.get("path", "")) else None
    if field is None:
        query = scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query, keep_blank_values=True):
            if has_control(name) or has_control(value):
                field = f"query.{name}" if name.isidentifier() and len(name) <= 100 else "query"
                break
    if field is None:
        return None
    message = "must not contain control characters"
    return problem(
        422,
        "invalid-input",
        "Invalid input",
        f"{field}: {message}",
        errors=[{"field": field, "message": message}],
    )


def _is_json(content_type: str | None) -> bool:
    """What FastAPI parses as JSON: no Content-Type at all, application/json or …+json."""
    if content_type is None:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class _RepeatedKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _RepeatedKey(key)
        out[key] = value
    return out


def refuse_json(body: bytes) -> Response | None:
    """A 422 for a JSON body the app must not take; None for one it may parse (which includes
    a body that is not JSON at all: the app's own validation names that)."""
    try:
        json.loads(body, object_pairs_hook=_object_without_repeats)
    except _RepeatedKey as repeat:
        key = repeat.key if len(repeat.key) <= 100 and repeat.key.isprintable() else "…"
        message = f"a JSON object has the key {key!r} more than once"
    except RecursionError:
        message = "the JSON is nested too deeply"
    except ValueError:
        return None
    else:
        return None
    return problem(
        422,
        "invalid-input",
        "Invalid input",
        f"body: {message}",
        errors=[{"field": "body", "message": message}],
    )

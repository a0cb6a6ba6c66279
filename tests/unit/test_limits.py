"""The body limits as an ASGI middleware: a body is counted as it arrives, refused past the
limit without the app ever running, and otherwise handed to the app unchanged."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from api.limits import BodyLimits


def http(headers: dict[str, str] | None = None) -> Scope:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return {"type": "http", "method": "POST", "path": "/v1/x", "headers": raw}


class App:
    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def run(scope: Scope, chunks: list[bytes], limit: int = 100) -> tuple[App, list[Message], int]:
    app = App()
    sent: list[Message] = []
    read = 0

    async def receive() -> Message:
        nonlocal read
        read += 1
        if read > len(chunks):
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(BodyLimits(app, max_bytes=limit)(scope, receive, send))
    return app, sent, read


def status(sent: list[Message]) -> int:
    return int(sent[0]["status"])


def body_of(sent: list[Message]) -> Any:
    return json.loads(b"".join(m.get("body", b"") for m in sent[1:]))


def test_a_stream_is_refused_at_the_chunk_that_passes_the_limit_and_read_no_further() -> None:
    app, sent, read = run(http(), [b"a" * 40, b"b" * 40, b"c" * 40, b"d" * 40])
    assert (status(sent), app.bodies, read) == (413, [], 3)
    assert dict(sent[0]["headers"])[b"content-type"] == b"application/problem+json"


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    app, sent, read = run(http({"Content-Length": "101"}), [b"{}"])
    assert (status(sent), app.bodies, read) == (413, [], 0)


def test_a_body_within_the_limit_reaches_the_app_whole() -> None:
    app, sent, _ = run(http(), [b'{"a": ', b"1", b"}"])
    assert (status(sent), app.bodies) == (204, [b'{"a": 1}'])


def test_a_repeated_key_is_refused_only_in_json() -> None:
    twice = [b'{"a": 1, "a": 2}']
    _, sent, _ = run(http({"Content-Type": "application/json"}), twice)
    assert status(sent) == 422
    assert body_of(sent)["errors"] == [
        {"field": "body", "message": "a JSON object has the key 'a' more than once"}
    ]
    assert status(run(http({"Content-Type": "application/merge-patch+json"}), twice)[1]) == 422
    assert status(run(http(), twice)[1]) == 422  # no type: FastAPI reads it as JSON
    assert status(run(http({"Content-Type": "text/plain"}), twice)[1]) == 204


def test_a_body_that_is_not_json_is_left_to_the_app_to_name() -> None:
    app, sent, _ = run(http({"Content-Type": "application/json"}), [b"{not json"])
    assert (status(sent), app.bodies) == (204, [b"{not json"])

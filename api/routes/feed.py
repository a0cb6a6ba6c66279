"""The change feed of the caller's agency (projections/feed.py): a page of JSON, or with
`Accept: text/event-stream` Server-Sent Events that follow the log (`Last-Event-ID` resumes). The
stream polls the shared store, so it works with any number of workers and processes on SQLite and
PostgreSQL alike."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from api.deps import CurrentActor, LedgerDep, allow
from ledger.actor import Actor
from ledger.errors import LedgerError
from ledger.service import Ledger
from projections.feed import MAX_LIMIT, FeedPage, Key, parse_after, read_feed

router = APIRouter(prefix="/v1/feed", tags=["feed"])

POLL_SECONDS = 0.25  # how often a stream looks at the log: a revocation reaches it well within 1 s
AUTH_SECONDS = 5.0  # how often a stream checks that its token still holds
HEARTBEAT_SECONDS = 15.0
STREAM_SECONDS = 600.0  # then the stream ends; the client reconnects with Last-Event-ID
EVENT_STREAM = "text/event-stream"


class FeedOut(BaseModel):
    items: list[dict[str, Any]]
    next_after: str
    caught_up: bool
    tree_size: int


@router.get(
    "",
    summary="What changed that the caller's agency may know of, in ledger order",
    description=(
        "Items after `after` (a position or an item `id`; absent: from the start): consents that "
        "name the agency or that it recorded (granted, signed, extended, revoked, "
        "partially_revoked, annulled, and expired and lapsed when they take effect), cases it "
        "takes part in (opened, closed), disclosures it made or received. Pass `next_after` back "
        "as `after`. With `Accept: text/event-stream` the same items as Server-Sent Events, each "
        "with `id` (send it back as `Last-Event-ID`), `event` (the type) and `data` (the item)."
    ),
    response_model=FeedOut,
    dependencies=[allow("feed.read")],
    responses={200: {"content": {EVENT_STREAM: {"schema": {"type": "string"}}}}},
)
def feed(
    request: Request,
    ledger: LedgerDep,
    actor: CurrentActor,
    after: Annotated[str | None, Query(max_length=120)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> Any:
    # Accept and Last-Event-ID are read here, not declared: OpenAPI ignores an Accept parameter,
    # and a generated request must not open an endless stream.
    accept = request.headers.get("accept")
    last_event_id = request.headers.get("last-event-id")
    if accept is not None and EVENT_STREAM in accept:
        start = parse_after(last_event_id or after, "Last-Event-ID" if last_event_id else "after")
        token = (request.headers.get("authorization") or "")[7:].strip()
        return StreamingResponse(
            _stream(ledger, actor, token, start),
            media_type=EVENT_STREAM,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
    return read_feed(ledger, actor, after=parse_after(after), limit=limit).json()


def _page(ledger: Ledger, actor: Actor, cursor: Key) -> FeedPage:
    return read_feed(ledger, actor, after=cursor, limit=MAX_LIMIT)


async def _stream(ledger: Ledger, actor: Actor, token: str, start: Key) -> AsyncIterator[str]:
    cursor = start
    yield "retry: 1000\n\n"
    began = checked = beat = time.monotonic()
    seen_size: int | None = None
    next_due = None
    while time.monotonic() - began < STREAM_SECONDS:
        size = await run_in_threadpool(ledger.database.read, ledger.database.tables.tree_size)
        due = next_due is not None and ledger.now() >= next_due
        if size != seen_size or due:
            page = await run_in_threadpool(_page, ledger, actor, cursor)
            for item in page.items:
                data = json.dumps(item, separators=(",", ":"))
                yield f"id: {item['id']}\nevent: {item['type']}\ndata: {data}\n\n"
                beat = time.monotonic()
            cursor = parse_after(page.next_after)
            next_due = page.next_due
            seen_size = size if page.caught_up else None
            if not page.caught_up:
                continue
        now = time.monotonic()
        if now - checked >= AUTH_SECONDS:
            checked = now
            try:
                await run_in_threadpool(ledger.authenticate, token)
            except LedgerError:
                return  # the token was revoked or expired: the stream ends
        if now - beat >= HEARTBEAT_SECONDS:
            beat = now
            yield ": keep-alive\n\n"
        await anyio.sleep(POLL_SECONDS)

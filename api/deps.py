"""Dependencies declared once: the ledger, the caller, the command context, pagination."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.errors import PROBLEM
from ledger.access import require_role
from ledger.actor import Actor
from ledger.application import Request as LedgerRequest
from ledger.errors import Invalid, Unauthenticated
from ledger.service import Ledger


# The dependencies that touch no store are `async def`: FastAPI runs a plain `def` dependency in its
# thread pool, a hop of its own per dependency and request (four on a check, besides the handler's).
async def get_ledger(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


LedgerDep = Annotated[Ledger, Depends(get_ledger)]


def current_actor(  # reads the store (the revocation): in the thread pool, off the event loop
    ledger: LedgerDep, authorization: Annotated[str | None, Header()] = None
) -> Actor:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthenticated("send Authorization: Bearer <token>")
    return ledger.authenticate(authorization[7:].strip())


CurrentActor = Annotated[Actor, Depends(current_actor)]


class Door:
    """A route's door (ledger/access.py): a caller whose role may never do the action is refused
    with 403 before its body is read, so that a refusal says nothing about the body."""

    def __init__(self, action: str) -> None:
        self.action = action

    async def __call__(self, actor: CurrentActor) -> None:
        require_role(actor, self.action)


def allow(action: str) -> Any:
    return Depends(Door(action))


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


async def reader(actor: CurrentActor) -> LedgerRequest:
    return LedgerRequest(actor)


Reader = Annotated[LedgerRequest, Depends(reader)]


class Command:
    """A command's context: who, and the Idempotency-Key with the fingerprint of this request."""

    def __init__(self, actor: CurrentActor, request: Request, key: IdempotencyKey = None) -> None:
        self.actor = actor
        self.request = request
        self.key = key

    def of(self, body: BaseModel | None) -> LedgerRequest:
        payload = body.model_dump(mode="json", by_alias=True) if body is not None else None
        method, path = self.request.method, self.request.url.path
        fingerprint = LedgerRequest.fingerprint_of(method, path, payload)
        return LedgerRequest(self.actor, idempotency_key=self.key, fingerprint=fingerprint)


CommandDep = Annotated[Command, Depends(Command)]


def respond(result: tuple[int, Any]) -> JSONResponse:
    """A command's answer; one that refuses (a disclosure the decision did not allow) is a
    problem document."""
    status, body = result
    return JSONResponse(body, status_code=status, media_type=PROBLEM if status >= 400 else None)


class Page:
    """`limit` (default 100, max 1000) and an opaque `cursor`."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: Annotated[str | None, Query(max_length=100)] = None,
    ) -> None:
        self.limit = limit
        self.offset = decode_cursor(cursor)

    def of(self, items: list[Any]) -> dict[str, Any]:
        end = self.offset + self.limit
        more = end < len(items)
        return {
            "items": items[self.offset : end],
            "next_cursor": encode_cursor(end) if more else None,
        }


PageDep = Annotated[Page, Depends(Page)]


def encode_cursor(value: int) -> str:
    return base64.urlsafe_b64encode(f"o:{value}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "o" or not value.isdigit():
            raise ValueError
        return int(value)
    except ValueError:
        raise Invalid.field("cursor", "is not a cursor this server gave") from None

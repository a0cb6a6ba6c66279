"""Integrity: signed checkpoints, leaves, inclusion and consistency proofs, evidence bundles."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from api.deps import CurrentActor
from ledger.errors import Invalid, NotFound
from ledger.integrity import BadArgument, IntegrityService

router = APIRouter(prefix="/v1/integrity", tags=["integrity"])


def service(request: Request) -> IntegrityService:
    integrity: IntegrityService = request.app.state.integrity
    return integrity


@router.get("/checkpoint", summary="The latest signed checkpoint (C2SP signed note)")
def checkpoint(request: Request, actor: CurrentActor) -> dict[str, Any]:
    return service(request).checkpoint()


@router.get("/leaves/{position}", summary="The exact leaf bytes at a position")
def leaf(position: int, request: Request, actor: CurrentActor) -> dict[str, Any]:
    try:
        return service(request).leaf(position)
    except LookupError:
        raise NotFound("no leaf at that position") from None


@router.get("/proofs/inclusion", summary="RFC 6962 inclusion proof")
def inclusion(
    request: Request,
    actor: CurrentActor,
    position: Annotated[int, Query(ge=0)],
    tree_size: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    try:
        return service(request).inclusion(position, tree_size)
    except BadArgument as e:
        raise Invalid.field(e.argument, str(e)) from None


@router.get("/proofs/consistency", summary="RFC 6962 consistency proof")
def consistency(
    request: Request,
    actor: CurrentActor,
    first: Annotated[int, Query(ge=1)],
    second: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    try:
        return service(request).consistency(first, second)
    except BadArgument as e:
        raise Invalid.field(e.argument, str(e)) from None


@router.get("/bundles/{position}", summary="An offline-verifiable evidence bundle for one event")
def bundle(position: int, request: Request, actor: CurrentActor) -> dict[str, Any]:
    try:
        return service(request).bundle(position)
    except LookupError:
        raise NotFound("no leaf at that position") from None

"""What the ledger indexes about each stored event, beside the event itself: its type, who caused
it, which youth and which agencies it concerns, and when it happened. No personal data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from ledger.timeutil import stamp


@dataclass(frozen=True)
class EntryMeta:
    type: str
    recorded_at: str
    actor_id: str
    agency_id: str
    youth_id: str | None
    occurred_at: str | None
    parties: tuple[str, ...]  # the agencies the event concerns besides the actor's own


@cache  # a few dozen event names, each converted on every event written or rebuilt
def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def event_type(event: Any) -> str:
    owner, _, name = type(event).__qualname__.rpartition(".")
    if owner == "Access":
        return f"access.{event.action}"
    return f"{_snake(owner)}.{_snake(name)}"


def entry_meta(event: Any) -> EntryMeta:
    owner = type(event).__qualname__.split(".")[0]
    youth_id: str | None = None
    parties: set[str] = set()
    occurred: datetime | None = None
    body = getattr(event, "body", None)
    if owner == "Youth":
        youth_id = str(event.originator_id)
        if isinstance(body, dict):
            moment = body.get("occurred_at") or body.get("obtained_at") or body.get("effective_at")
            occurred = moment if isinstance(moment, datetime) else None
            parties.update(body.get("to_agencies") or ())
            if body.get("from_agency"):
                parties.add(body["from_agency"])
            scope = body.get("scope") or body.get("add") or body.get("remove") or {}
            parties.update(scope.get("agencies") or ())
        elif getattr(event, "agencies", None):
            parties.update(event.agencies)
        effective = getattr(event, "effective_at", None)
        if isinstance(effective, datetime):
            occurred = effective
    elif owner == "Access":
        youth_id = event.youth_id
        details = event.details or {}
        for key in ("from_agency", "to_agency", "agency_id"):
            if isinstance(details.get(key), str):
                parties.add(details[key])
    elif owner == "Agency":
        parties.add(event.code)
    elif owner == "Token":
        parties.add(event.holder_agency_id)
    parties.discard(event.agency_id)
    return EntryMeta(
        type=event_type(event),
        recorded_at=stamp(event.timestamp),
        actor_id=event.actor_id,
        agency_id=event.agency_id,
        youth_id=youth_id,
        occurred_at=stamp(occurred) if occurred else None,
        parties=tuple(sorted(parties)),
    )

"""Audit trails per actor and per agency: every event in ledger order, with its dense position, its
times, its type and non-personal details; and the one rule of who may see which audit view (trails,
register extracts, reviews)."""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger import access
from ledger.actor import Actor
from ledger.application import Request
from ledger.errors import Forbidden, Invalid
from ledger.personal import Personal
from ledger.service import Ledger
from ledger.store.tables import AuditRow
from ledger.timeutil import iso
from ledger.youth import Youth

MAX_LIMIT = 1000
# Keys whose values may be personal even when they are not sealed (`Personal`) in the event.
PERSONAL_KEYS = frozenset({"notes", "note", "reason", "rationale", "recipient_person", "name"})


# -- who may see what ------------------------------------------------------------------------
def may_view_youth(actor: Actor, youth: Youth) -> bool:
    return access.may(actor, "youth.review", youth)


def require_youth_view(actor: Actor, youth: Youth) -> None:
    access.require(actor, "youth.review", youth)


def require_actor_trail(actor: Actor, actor_id: str) -> None:
    if actor.has("auditor") or actor.actor_id == actor_id:
        return
    raise Forbidden("only an auditor may see another actor's audit trail")


def require_agency_trail(actor: Actor, agency_id: str) -> None:
    if actor.has("auditor") or actor.agency_id == agency_id:
        return
    raise Forbidden("only an auditor may see another agency's audit trail")


# -- the use cases ---------------------------------------------------------------------------
def actor_trail(
    ledger: Ledger,
    request: Request,
    actor_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Every event the actor caused, reads of personal data included, in ledger order."""
    require_actor_trail(request.actor, actor_id)
    after = decode_cursor(cursor)
    ledger.log_access(
        request.actor, "read_audit_trail", None, {"trail": "actor", "actor_id": actor_id}
    )
    return trail_page(ledger, actor_id=actor_id, since=since, until=until, limit=limit, after=after)


def agency_trail(
    ledger: Ledger,
    request: Request,
    agency_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Every event of the agency's people, and every event that names the agency as a party:
    what it disclosed, received, recorded and read."""
    require_agency_trail(request.actor, agency_id)
    after = decode_cursor(cursor)
    ledger.log_access(
        request.actor, "read_audit_trail", None, {"trail": "agency", "agency_id": agency_id}
    )
    return trail_page(
        ledger, agency_id=agency_id, since=since, until=until, limit=limit, after=after
    )


# -- the projection --------------------------------------------------------------------------
def trail_page(
    ledger: Ledger,
    *,
    actor_id: str | None = None,
    agency_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    after: int = -1,
) -> dict[str, Any]:
    """One page of a trail: `limit` entries after position `after`; `next_cursor` is null on the
    last page."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid.field("limit", f"must be between 1 and {MAX_LIMIT}")
    if since is not None and until is not None and until <= since:
        raise Invalid.field("until", "must be after since")
    tables = ledger.database.tables
    rows: list[AuditRow] = ledger.database.read(
        tables.audit,
        actor_id=actor_id,
        agency_id=agency_id,
        since=since,
        until=until,
        after=after,
        limit=limit + 1,
    )
    page = rows[:limit]
    events = load_events(ledger, page)
    items = [entry_json(r, events.get((r.originator_id, r.originator_version))) for r in page]
    more = len(rows) > limit
    return {"items": items, "next_cursor": encode_cursor(page[-1].position) if more else None}


def load_events(ledger: Ledger, rows: Sequence[AuditRow]) -> dict[tuple[str, int], Any]:
    """The domain events behind audit rows, read with one query per stream."""
    versions: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        versions[r.originator_id].append(r.originator_version)
    found: dict[tuple[str, int], Any] = {}
    for stream, wanted in versions.items():
        stored = ledger.recorder.select_events(UUID(stream), gt=min(wanted) - 1, lte=max(wanted))
        keep = set(wanted)
        for s in stored:
            if s.originator_version in keep:
                found[(stream, s.originator_version)] = ledger.mapper.to_domain_event(s)
    return found


def entry_json(row: AuditRow, event: Any) -> dict[str, Any]:
    return {
        "position": row.position,
        "type": row.type,
        "recorded_at": row.recorded_at,
        "occurred_at": row.occurred_at,
        "actor_id": row.actor_id,
        "agency_id": row.agency_id,
        "youth_id": row.youth_id,
        "parties": list(row.parties),
        "details": details_of(event) if event is not None else {},
    }


def details_of(event: Any) -> dict[str, Any]:
    """What an event says, without personal data: ids, agencies, categories, decisions."""
    name = type(event).__qualname__
    owner = name.split(".")[0]
    if owner == "Access":
        return _plain_dict(event.details)
    if name == "Agency.Registered":
        return {"agency_id": event.code, "name": event.name, "kind": event.kind}
    if name == "Token.Issued":
        return {
            "holder_agency_id": event.holder_agency_id,
            "holder_actor_id": event.holder_actor_id,
            "roles": list(event.roles),
            "expires_at": iso(event.expires_at) if event.expires_at else None,
        }
    if name == "Token.Revoked":
        return {"token_id": str(event.originator_id), "holder_agency_id": event.holder_agency_id}
    if name in ("Youth.GuardianAdded", "Youth.GuardianEnded"):
        out: dict[str, Any] = {"guardian_id": event.guardian_id}
        if name == "Youth.GuardianAdded":
            out["custody"] = event.custody
        return out
    if name == "Youth.CaseOpened":
        return {"case_id": event.case_id, "form": event.form, "agencies": list(event.agencies)}
    if name == "Youth.CaseClosed":
        return {"case_id": event.case_id}
    if name == "Youth.MeetingRecorded":  # issue 14, like the events below
        agencies = list(event.agencies)
        return {"meeting_id": event.meeting_id, "case_id": event.case_id, "agencies": agencies}
    if name in ("Youth.InterventionConsentGiven", "Youth.InterventionConsentWithdrawn"):
        return {"case_id": event.case_id, **_plain_dict(event.body)}
    if name in ("Youth.SecrecyDecided", "Youth.SecrecyReleased"):
        return {"decision_id": event.decision_id, **_plain_dict(event.body)}
    if name == "ConsentForm.Registered":
        return {
            "form_id": str(event.originator_id),
            "name": event.form_name,
            "sha256": event.sha256,
        }
    if hasattr(event, "consent_id"):
        return {"consent_id": event.consent_id, **_consent_details(event.body)}
    if hasattr(event, "disclosure_id"):
        return {"disclosure_id": event.disclosure_id, **_disclosure_details(event.body)}
    return {}


def _consent_details(body: Mapping[str, Any]) -> dict[str, Any]:
    out = _plain_dict(body)
    assessment = body.get("maturity_assessment")
    if "maturity_assessment" in body:
        out["maturity_assessment"] = assessment is not None
    return out


def _disclosure_details(body: Mapping[str, Any]) -> dict[str, Any]:
    out = _plain_dict({k: v for k, v in body.items() if k != "decision"})
    decision = body.get("decision") or {}
    out["decision"] = {
        "allowed": decision.get("allowed"),
        "basis": decision.get("basis"),
        "consent_ids": list(decision.get("consent_ids") or []),
        "reasons": sorted({r["code"] for r in decision.get("reasons") or []}),
    }
    if decision.get("provision"):
        out["decision"]["provision"] = decision["provision"]
    return out


def _plain_dict(value: Mapping[str, Any]) -> dict[str, Any]:
    out = _plain(value)
    assert isinstance(out, dict)
    return out


def _plain(value: Any) -> Any:
    """JSON values with every personal field left out."""
    if isinstance(value, Mapping):
        return {
            str(k): _plain(v)
            for k, v in value.items()
            if k not in PERSONAL_KEYS and not isinstance(v, Personal)
        }
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value if not isinstance(v, Personal)]
    if isinstance(value, datetime):
        return iso(value)
    return value


# -- cursors and time bounds -----------------------------------------------------------------
def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"p:{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The position a cursor points after; -1 (the start) for none."""
    if not cursor:
        return -1
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "p" or not value.isdigit():
            raise ValueError
        return int(value)
    except ValueError:
        raise Invalid.field("cursor", "is not a cursor this server gave") from None

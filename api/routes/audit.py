"""Audit and review (auditors; coordinators for their own cases): audit trails per actor and per
agency, the register extract per youth, and the compliance review; JSON, or HTML and CSV by
`Accept`, HTML in Swedish unless `Accept-Language` prefers English."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel

from api.deps import LedgerDep, Reader, allow
from api.schemas import ReviewIn
from api.timefield import Instant
from ledger.timeutil import STOCKHOLM
from projections.audit import actor_trail, agency_trail
from projections.extract import register_extract
from projections.review import run_review

router = APIRouter(prefix="/v1", tags=["audit and review"])

JSON, HTML, CSV = "application/json", "text/html", "text/csv"
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parents[1] / "templates"),
    autoescape=True,  # names and notes come from users: never trust them as markup
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

TRAIL_COLUMNS = [
    "position",
    "type",
    "recorded_at",
    "occurred_at",
    "actor_id",
    "agency_id",
    "youth_id",
    "parties",
    "details",
]
FINDING_COLUMNS = [
    "code",
    "severity",
    "message",
    "youth_id",
    "disclosure_id",
    "consent_id",
    "disclosure_ids",
]

AcceptHeader = Annotated[str | None, Header(alias="Accept")]
LanguageHeader = Annotated[str | None, Header(alias="Accept-Language")]
Limit = Annotated[int, Query(ge=1, le=1000, description="at most this many entries (max 1000)")]
Cursor = Annotated[str | None, Query(max_length=100, description="`next_cursor` of the last page")]


class TrailEntry(BaseModel):
    position: int
    type: str
    recorded_at: str
    occurred_at: str | None
    actor_id: str
    agency_id: str
    youth_id: str | None
    parties: list[str]
    details: dict[str, Any]


class TrailPage(BaseModel):
    items: list[TrailEntry]
    next_cursor: str | None


class FindingOut(BaseModel):
    code: str
    severity: str
    message: str
    message_sv: str | None = None
    disclosure_id: str | None = None
    consent_id: str | None = None
    disclosure_ids: list[str] | None = None
    meeting_id: str | None = None
    youth_id: str


class ReviewOut(BaseModel):
    scope: dict[str, Any]
    generated_at: str
    disclosures: list[dict[str, Any]]
    findings: list[FindingOut]
    summary: dict[str, Any]
    # issue 14: per meeting who was there and who received what; the forms consents were given on
    meetings: list[dict[str, Any]] = []
    forms: dict[str, dict[str, Any]] = {}


class ExtractOut(BaseModel):
    youth: dict[str, Any]
    generated_at: str
    guardians: list[dict[str, Any]]
    disclosures: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    revocations: list[dict[str, Any]]
    refused_attempts: list[dict[str, Any]]
    # issue 14: meetings about the youth and the consent to each case's intervention; whom the
    # extract is said to, what secrecy withheld, and the contents of a GDPR art. 15 answer
    meetings: list[dict[str, Any]] = []
    interventions: list[dict[str, Any]] = []
    audience: str | None = None
    withheld: dict[str, Any] | None = None
    gdpr: dict[str, Any] = {}
    secrecy_decisions: list[dict[str, Any]] | None = None


def _alternatives(*media: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {m: {"schema": {"type": "string"}} for m in media}}}


# -- routes -------------------------------------------------------------------------------------
@router.get(
    "/audit/actors/{actor_id}",
    response_model=TrailPage,
    status_code=200,
    summary="Everything an actor did, reads included, in ledger order",
)
def read_actor_trail(
    actor_id: str,
    ledger: LedgerDep,
    ctx: Reader,
    since: Instant | None = None,
    until: Instant | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> JSONResponse:
    page = actor_trail(ledger, ctx, actor_id, since=since, until=until, limit=limit, cursor=cursor)
    return JSONResponse(page)


@router.get(
    "/audit/agencies/{agency_id}",
    response_model=TrailPage,
    status_code=200,
    summary="What an agency disclosed, received, recorded and read, in ledger order",
    responses=_alternatives(HTML, CSV),
)
def read_agency_trail(
    agency_id: str,
    ledger: LedgerDep,
    ctx: Reader,
    since: Instant | None = None,
    until: Instant | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
    accept: AcceptHeader = None,
    accept_language: LanguageHeader = None,
) -> Response:
    page = agency_trail(
        ledger, ctx, agency_id, since=since, until=until, limit=limit, cursor=cursor
    )
    form = preferred(accept, (JSON, HTML, CSV))
    if form == HTML:
        by_type = Counter(e["type"] for e in page["items"])
        by_party = Counter(p for e in page["items"] for p in e["parties"])
        return _html(
            "agency_trail.html",
            language(accept_language),
            agency_id=agency_id,
            page=page,
            by_type=sorted(by_type.items()),
            by_party=sorted(by_party.items()),
        )
    if form == CSV:
        items = [{**e, "details": json.dumps(e["details"], sort_keys=True)} for e in page["items"]]
        headers = {"X-Next-Cursor": page["next_cursor"]} if page["next_cursor"] else {}
        rows = ([e[c] if c != "parties" else " ".join(e[c]) for c in TRAIL_COLUMNS] for e in items)
        return _csv(
            TRAIL_COLUMNS,
            rows,
            f"audit-{_safe(agency_id)}.csv",
            headers,
        )
    return JSONResponse(page)


@router.get(
    "/youths/{youth_id}/register-extract",
    response_model=ExtractOut,
    status_code=200,
    summary="Everything shared about a youth (GDPR art. 15); a page a guardian can read",
    responses=_alternatives(HTML),
    dependencies=[allow("youth.review")],
)
def read_register_extract(
    youth_id: str,
    ledger: LedgerDep,
    ctx: Reader,
    accept: AcceptHeader = None,
    accept_language: LanguageHeader = None,
    audience: Annotated[
        Literal["youth", "guardians", "official"],
        Query(description="whom the extract is for: the youth, the guardians, or the official"),
    ] = "youth",
) -> Response:
    form = "html" if preferred(accept, (JSON, HTML)) == HTML else "json"
    extract = register_extract(ledger, ctx, youth_id, form=form, audience=audience)
    if form == "html":
        return _html("register_extract.html", language(accept_language), extract=extract)
    return JSONResponse(extract)


@router.post(
    "/reviews",
    response_model=ReviewOut,
    status_code=200,
    summary="A compliance review over a youth, an agency and/or a period",
    responses=_alternatives(HTML, CSV),
    dependencies=[allow("youth.review")],
)
def review(
    body: ReviewIn,
    ledger: LedgerDep,
    ctx: Reader,
    accept: AcceptHeader = None,
    accept_language: LanguageHeader = None,
) -> Response:
    report = run_review(
        ledger,
        ctx,
        youth_id=body.youth_id,
        agency_id=body.agency_id,
        since=body.since,
        until=body.until,
    )
    form = preferred(accept, (JSON, HTML, CSV))
    if form == HTML:
        return _html("review.html", language(accept_language), report=report)
    if form == CSV:
        rows = (
            [
                " ".join(f.get(c) or []) if c == "disclosure_ids" else f.get(c)
                for c in FINDING_COLUMNS
            ]
            for f in report["findings"]
        )
        return _csv(
            FINDING_COLUMNS,
            rows,
            "review-findings.csv",
        )
    return JSONResponse(report)


# -- content negotiation ------------------------------------------------------------------------
def preferred(accept: str | None, offered: Sequence[str]) -> str:
    """The offered media type the Accept header ranks highest; the first offered on a tie or
    when nothing offered is named."""
    ranges = _ranked(accept or "")
    best, best_q = offered[0], 0.0
    for media in offered:
        kind = media.split("/")[0]
        q = ranges.get(media, ranges.get(f"{kind}/*", ranges.get("*/*", 0.0)))
        if q > best_q:
            best, best_q = media, q
    return best


def language(accept_language: str | None) -> str:
    """Swedish unless English is preferred."""
    ranked = {tag.split("-")[0]: q for tag, q in _ranked(accept_language or "").items()}
    best, best_q = "sv", ranked.get("sv", ranked.get("*", 0.0))
    if ranked.get("en", 0.0) > best_q:
        best = "en"
    return best


def _ranked(header: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in header.split(","):
        name, *params = (p.strip() for p in part.split(";"))
        if not name:
            continue
        q = 1.0
        for p in params:
            key, _, value = p.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        out[name.lower()] = max(q, out.get(name.lower(), 0.0))
    return out


# -- rendering ----------------------------------------------------------------------------------
def _local(value: str | datetime | None, with_time: bool = True) -> str:
    """An instant as a reader in Sweden reads it: Stockholm time, no seconds."""
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone(STOCKHOLM)
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


TEMPLATES.filters["local"] = _local


def _html(template: str, lang: str, **context: Any) -> HTMLResponse:
    page = TEMPLATES.get_template(template).render(lang=lang, **context)
    return HTMLResponse(page, headers={"Content-Language": lang, "Vary": "Accept, Accept-Language"})


def _csv(
    header: list[str],
    rows: Iterable[list[Any]],
    filename: str,
    headers: dict[str, str] | None = None,
) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Vary": "Accept",
            **(headers or {}),
        },
    )


def _safe(name: str) -> str:
    return "".join(c for c in name if c.isascii() and (c.isalnum() or c == "-"))[:63] or "agency"


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

"""Review (pick youth, agency and period; findings by severity, each linked to its records; CSV;
print), the register extract (the API's own template, printable), and integrity (the latest
checkpoint and its signature, and an evidence bundle for each disclosure). The same projections
and services as GET/POST /v1/reviews, /register-extract and /v1/integrity."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.routes.audit import FINDING_COLUMNS, _csv
from api.web.core import Form, Page, WebRoute, field_errors, page_of
from api.web.forms import day
from api.web.youths import agency_options
from ledger.errors import Invalid, NotFound
from ledger.integrity import InconsistentLog, IntegrityService
from projections.extract import register_extract
from projections.findings import SEVERITIES
from projections.review import run_review

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _review(page: Page, request: Request) -> tuple[dict[str, Any] | None, dict[str, str]]:
    query = Form(list(request.query_params.multi_items()))  # a GET form: it changes nothing
    errors: dict[str, str] = {}
    since = day(query, "since", errors)
    until = day(query, "until", errors, end=True)
    if errors or not request.query_params:
        return None, errors
    youth_id = query.get("youth_id").strip() or None  # an id: no personnummer in an address
    try:
        report = run_review(
            page.ledger,
            page.ctx,
            youth_id=youth_id,
            agency_id=query.get("agency_id").strip() or None,
            since=since,
            until=until,
        )
    except Invalid as e:
        return None, field_errors(e)
    except NotFound as e:
        return None, {"youth_id": e.detail}
    return report, {}


@router.get("/review")
def review_page(request: Request) -> Response:
    page = page_of(request)
    report, errors = _review(page, request)
    grouped: dict[str, list[dict[str, Any]]] = {s: [] for s in SEVERITIES}
    for finding in (report or {}).get("findings", []):
        grouped.setdefault(finding["severity"], []).append(finding)
    return page.render(
        "web/review.html",
        status=422 if errors else 200,
        report=report,
        grouped=grouped,
        values=dict(request.query_params),
        errors=errors,
        agencies=agency_options(page),
        query=request.url.query,
    )


@router.get("/review.csv")
def review_csv(request: Request) -> Response:
    page = page_of(request)
    report, errors = _review(page, request)
    if report is None:
        raise Invalid(list(errors.items()) or [("youth_id", "choose what to review")])
    rows = (
        [" ".join(f.get(c) or []) if c == "disclosure_ids" else f.get(c) for c in FINDING_COLUMNS]
        for f in report["findings"]
    )
    return _csv(FINDING_COLUMNS, rows, "review-findings.csv")


@router.get("/youths/{youth_id}/extract")
def extract_page(youth_id: str, request: Request) -> Response:
    page = page_of(request)
    extract = register_extract(page.ledger, page.ctx, youth_id, form="html")
    return page.render("register_extract.html", extract=extract, printable=True)


def _integrity(request: Request) -> IntegrityService:
    service: IntegrityService = request.app.state.integrity
    return service


@router.get("/integrity")
def integrity_page(request: Request) -> Response:
    page = page_of(request)
    assert page.actor is not None
    checkpoint: dict[str, Any] | None = None
    failure: str | None = None
    try:
        checkpoint = _integrity(request).checkpoint()
    except InconsistentLog as e:
        failure = str(e)
    except LookupError:
        checkpoint = None
    youth_id = request.query_params.get("youth_id") or None
    agency_id = None if youth_id else request.query_params.get("agency_id") or page.actor.agency_id
    disclosures = page.ledger.list_disclosures(
        page.ctx,
        youth_id=youth_id,
        agency_id=agency_id,
        since=None,
        until=None,
        include_refused=True,
    )
    return page.render(
        "web/integrity.html",
        checkpoint=checkpoint,
        failure=failure,
        disclosures=disclosures,
        youth_id=youth_id,
        agency_id=agency_id,
    )


@router.get("/integrity/bundles/{position}")
def bundle_download(position: int, request: Request) -> Response:
    page_of(request)  # signed in, as GET /v1/integrity/bundles/{position} needs a token
    try:
        bundle = _integrity(request).bundle(position)
    except LookupError:
        raise NotFound("no leaf at that position") from None
    return Response(
        json.dumps(bundle, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="bundle-{position}.json"'},
    )
